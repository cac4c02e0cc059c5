// Prometheus metrics of the HTTP API, the decision store, policy reloads and the process,
// rendered in the text exposition format 0.0.4. docs/operations.md lists every series.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "jointly/engine/decision.hpp"
#include "jointly/server/registry.hpp"

namespace jointly::server {

// The policy state read from the registry at scrape time.
struct PolicyState {
    std::size_t versions_loaded = 0;
    std::uint64_t generation = 0;
    std::uint64_t reload_failures = 0;  // directory reloads refused (Registry::reload_failures)
    ReloadStats reloads;
};

// What /proc/self says about this process; a field is nullopt when it could not be read
// (no /proc). Never throws.
struct ProcessStats {
    std::optional<double> cpu_seconds;            // user + system
    std::optional<double> resident_bytes;
    std::optional<double> virtual_bytes;
    std::optional<double> open_fds;
    std::optional<double> max_fds;                // the soft RLIMIT_NOFILE; +Inf when unlimited
    std::optional<double> start_time_seconds;     // since the Unix epoch
};
ProcessStats read_process_stats();

// Thread-safe: every member may be called from any thread, concurrently.
class Metrics {
public:
    // Upper bounds (seconds) of the request and store-commit histograms' buckets.
    static constexpr std::array<double, 14> kBuckets{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
                                                     0.1,    0.25,  0.5,   1.0,   2.5,  5.0,  10.0};

    enum class Gauge { RequestsInFlight, ThreadsBusy, ConnectionsWaiting };

    // Holds one unit of a gauge from construction to destruction (a request being handled, a
    // worker thread serving a connection). The Metrics must outlive it.
    class Hold {
    public:
        Hold(Metrics& metrics, Gauge gauge);
        ~Hold();
        Hold(const Hold&) = delete;
        Hold& operator=(const Hold&) = delete;

    private:
        std::atomic<std::int64_t>& value_;
    };

    // One finished request: its method, route label (the template, e.g. `/v1/decisions/{id}`,
    // or `unmatched`), status and duration. A method other than the nine of RFC 9110 and
    // RFC 5789 (or none, when the request line could not be read) is counted as `other`.
    void observe(const std::string& method, const std::string& route, int status, double seconds);
    // One evaluation's outcome (`approve`, `refer`, `decline`).
    void decision(engine::Outcome outcome);
    // One group commit of the store (its writer thread): how long, and whether it committed.
    // Never throws.
    void store_commit(std::chrono::nanoseconds elapsed, bool committed) noexcept;
    // The configured number of worker threads.
    void set_threads(std::size_t threads);
    // One request to an audited route refused 401 (no token, or one not recognised): in the
    // access log, never in the audit table.
    void unauthenticated_refusal() noexcept;
    // What the check of the audit trail's hash chain at start found: how many entries matched,
    // and whether one did not.
    // Also sets jointly_audit_chain_check_state: 1 (held) or 2 (broken).
    void audit_chain(std::size_t entries, bool broken) noexcept;
    // The check could not read the chain: jointly_audit_chain_check_state 3.
    void audit_chain_check_failed() noexcept;

    // The routes a request path is matched against by route_of: (cpp-httplib pattern, route
    // template). Call once before serving; an invalid pattern is skipped.
    void set_routes(const std::vector<std::pair<std::string, std::string>>& routes);
    // The template of the first route whose pattern matches all of `path`, else `unmatched`:
    // the route label of a request answered before (or without) routing.
    std::string route_of(const std::string& path) const;

    // The whole exposition, `policies` and the process's figures (read now) included.
    std::string render(const PolicyState& policies) const;
    // The same with given process figures (for tests).
    std::string render(const PolicyState& policies, const ProcessStats& process) const;

private:
    struct Histogram {
        std::array<std::uint64_t, kBuckets.size()> buckets{};  // cumulative: observations <= kBuckets[i]
        std::uint64_t count = 0;
        double sum = 0;
        void add(double value);
    };

    mutable std::mutex mutex_;
    std::map<std::tuple<std::string, std::string, int>, Histogram> requests_;  // (method, route, status)
    Histogram commits_;
    std::uint64_t commit_errors_ = 0;

    // Decisions by outcome (engine::Outcome's order): counted without the lock, once for each
    // evaluation.
    std::array<std::atomic<std::uint64_t>, 3> decisions_{};
    std::atomic<std::int64_t> in_flight_{0};
    std::atomic<std::int64_t> threads_busy_{0};
    std::atomic<std::int64_t> connections_waiting_{0};
    std::atomic<std::size_t> threads_{0};
    std::atomic<std::uint64_t> unauthenticated_refusals_{0};
    std::atomic<std::uint64_t> audit_chain_entries_{0};
    std::atomic<bool> audit_chain_broken_{false};
    std::atomic<std::uint64_t> audit_chain_state_{0};  // 0 pending, 1 holds, 2 broken, 3 failed

    // INVARIANT: written only by set_routes, before serving; read-only afterwards.
    std::vector<std::pair<std::regex, std::string>> routes_;
};

}  // namespace jointly::server
