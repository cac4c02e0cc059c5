#include "metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace jointly::server {
namespace {

// A label value with `\`, `"` and newlines escaped.
std::string label(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

// The shortest text that reads back as exactly `value` (not iostream's 6 significant digits):
// plain decimals from 0.0001 to 10^15 (`5242880`, not `5.24288e+06`; `0.0005`,
// `0.30000000000000004`, `1767225600.25`), exponents beyond (`1e-07`).
std::string number(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    const double magnitude = std::fabs(value);
    const bool fixed = magnitude < 1e15 && (magnitude >= 1e-4 || value == 0);
    char text[400];
    const auto [end, ec] = std::to_chars(text, text + sizeof text, value,
                                         fixed ? std::chars_format::fixed : std::chars_format::scientific);
    if (ec != std::errc()) return "NaN";
    return std::string(text, end);
}

const char* compiler() {
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#else
    return "unknown";
#endif
}

std::string trimmed(std::string text) {
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

// Writes one metric family: HELP and TYPE once, then its samples.
class Exposition {
public:
    void family(const char* name, const char* type, const char* help) {
        out_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
    }
    // `labels` is the text between the braces (already escaped), empty for none.
    void sample(const std::string& name, const std::string& labels, const std::string& value) {
        out_ << name;
        if (!labels.empty()) out_ << "{" << labels << "}";
        out_ << " " << value << "\n";
    }
    void sample(const std::string& name, const std::string& labels, std::uint64_t value) {
        sample(name, labels, std::to_string(value));
    }
    template <class H>
    void histogram(const std::string& name, const std::string& labels, const H& h) {
        const std::string sep = labels.empty() ? "" : ",";
        for (std::size_t i = 0; i < Metrics::kBuckets.size(); ++i)
            sample(name + "_bucket", labels + sep + "le=\"" + number(Metrics::kBuckets[i]) + "\"", h.buckets[i]);
        sample(name + "_bucket", labels + sep + "le=\"+Inf\"", h.count);
        sample(name + "_sum", labels, number(h.sum));
        sample(name + "_count", labels, h.count);
    }
    std::string str() const { return out_.str(); }

private:
    std::ostringstream out_;
};

// Fields of /proc/self/stat, counted from 1 as in proc(5); empty when unreadable.
std::vector<std::string> proc_stat_fields() {
    std::ifstream in("/proc/self/stat");
    std::string line;
    if (!std::getline(in, line)) return {};
    // Field 2 is the command in parentheses and may itself hold spaces and parentheses.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return {};
    std::vector<std::string> fields{"", line.substr(0, line.find(' ')), line.substr(0, close + 1)};
    std::istringstream rest(line.substr(close + 1));
    for (std::string field; rest >> field;) fields.push_back(field);
    return fields;
}

std::optional<double> field_number(const std::vector<std::string>& fields, std::size_t index) {
    if (index >= fields.size()) return std::nullopt;
    double value = 0;
    const auto& text = fields[index];
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<double> boot_time_seconds() {
    std::ifstream in("/proc/stat");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("btime ", 0) == 0) return std::strtod(line.c_str() + 6, nullptr);
    }
    return std::nullopt;
}

std::optional<double> count_open_fds() {
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return std::nullopt;
    const std::string own = std::to_string(::dirfd(dir));
    double count = 0;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name != "." && name != ".." && name != own) ++count;
    }
    ::closedir(dir);
    return count;
}

}  // namespace

ProcessStats read_process_stats() {
    ProcessStats out;
    const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const auto page = static_cast<double>(::sysconf(_SC_PAGESIZE));
    const auto fields = proc_stat_fields();
    const auto utime = field_number(fields, 14);
    const auto stime = field_number(fields, 15);
    if (utime && stime && ticks > 0) out.cpu_seconds = (*utime + *stime) / ticks;
    if (const auto start = field_number(fields, 22); start && ticks > 0) {
        if (const auto boot = boot_time_seconds()) out.start_time_seconds = *boot + *start / ticks;
    }
    out.virtual_bytes = field_number(fields, 23);
    if (const auto rss = field_number(fields, 24); rss && page > 0) out.resident_bytes = *rss * page;
    out.open_fds = count_open_fds();
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        out.max_fds = limit.rlim_cur == RLIM_INFINITY ? HUGE_VAL : static_cast<double>(limit.rlim_cur);
    }
    return out;
}

Metrics::Hold::Hold(Metrics& metrics, Gauge gauge)
    : value_(gauge == Gauge::RequestsInFlight ? metrics.in_flight_
             : gauge == Gauge::ThreadsBusy    ? metrics.threads_busy_
                                              : metrics.connections_waiting_) {
    value_.fetch_add(1, std::memory_order_relaxed);
}

Metrics::Hold::~Hold() { value_.fetch_sub(1, std::memory_order_relaxed); }

void Metrics::Histogram::add(double value) {
    ++count;
    sum += value;
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
        if (value <= kBuckets[i]) ++buckets[i];
}

void Metrics::observe(const std::string& method, const std::string& route, int status, double seconds) {
    // The client chooses the method: only the standard ones become label values, so that no
    // request can add series without bound.
    static constexpr const char* kMethods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                               "OPTIONS", "CONNECT", "TRACE", "PATCH"};
    std::string label_value = "other";
    for (const char* known : kMethods)
        if (method == known) label_value = known;
    std::lock_guard lock(mutex_);
    requests_[std::make_tuple(std::move(label_value), route, status)].add(seconds);
}

void Metrics::decision(engine::Outcome outcome) {
    decisions_.at(static_cast<std::size_t>(outcome)).fetch_add(1, std::memory_order_relaxed);
}

void Metrics::store_commit(std::chrono::nanoseconds elapsed, bool committed) noexcept {
    try {
        std::lock_guard lock(mutex_);
        commits_.add(std::chrono::duration<double>(elapsed).count());
        if (!committed) ++commit_errors_;
    } catch (...) {  // a failed lock: the observation is lost, the commit is not
    }
}

void Metrics::set_threads(std::size_t threads) { threads_.store(threads, std::memory_order_relaxed); }

void Metrics::unauthenticated_refusal() noexcept {
    unauthenticated_refusals_.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::audit_chain(std::size_t entries, bool broken) noexcept {
    audit_chain_entries_.store(entries, std::memory_order_relaxed);
    audit_chain_broken_.store(broken, std::memory_order_relaxed);
    audit_chain_state_.store(broken ? 2 : 1, std::memory_order_relaxed);
}

void Metrics::audit_chain_check_failed() noexcept { audit_chain_state_.store(3, std::memory_order_relaxed); }

void Metrics::set_routes(const std::vector<std::pair<std::string, std::string>>& routes) {
    std::lock_guard lock(mutex_);
    routes_.clear();
    for (const auto& [pattern, route] : routes) {
        try {
            routes_.emplace_back(std::regex(pattern), route);
        } catch (const std::regex_error&) {
        }
    }
}

std::string Metrics::route_of(const std::string& path) const {
    for (const auto& [pattern, route] : routes_)
        if (std::regex_match(path, pattern)) return route;
    return "unmatched";
}

std::string Metrics::render(const PolicyState& policies) const { return render(policies, read_process_stats()); }

std::string Metrics::render(const PolicyState& policies, const ProcessStats& process) const {
    Exposition out;
    {
        std::lock_guard lock(mutex_);
        out.family("jointly_http_requests_total", "counter", "HTTP requests answered, by method, route and status.");
        for (const auto& [key, h] : requests_) {
            const auto& [method, route, status] = key;
            out.sample("jointly_http_requests_total",
                       "method=\"" + label(method) + "\",route=\"" + label(route) + "\",status=\"" +
                           std::to_string(status) + "\"",
                       h.count);
        }
        out.family("jointly_http_request_duration_seconds", "histogram",
                   "Time from reading a request's headers to its answer being ready, by method, route and status.");
        for (const auto& [key, h] : requests_) {
            const auto& [method, route, status] = key;
            out.histogram("jointly_http_request_duration_seconds",
                          "method=\"" + label(method) + "\",route=\"" + label(route) + "\",status=\"" +
                              std::to_string(status) + "\"",
                          h);
        }
        out.family("jointly_decisions_total", "counter", "Decisions evaluated, by outcome.");
        for (const auto outcome : {engine::Outcome::Approve, engine::Outcome::Refer, engine::Outcome::Decline}) {
            out.sample("jointly_decisions_total", std::string("outcome=\"") + engine::to_string(outcome) + "\"",
                       decisions_.at(static_cast<std::size_t>(outcome)).load(std::memory_order_relaxed));
        }
        out.family("jointly_store_commit_duration_seconds", "histogram",
                   "Time of each group commit of the decision store (BEGIN to COMMIT, fsync included).");
        out.histogram("jointly_store_commit_duration_seconds", "", commits_);
        out.family("jointly_store_commit_errors_total", "counter",
                   "Group commits of the decision store that failed (on PostgreSQL, also a transaction rolled back "
                   "to take out a failing write or statement, whose writes then ran again).");
        out.sample("jointly_store_commit_errors_total", "", commit_errors_);
    }
    out.family("jointly_audit_unauthenticated_refusals_total", "counter",
               "Requests to audited routes refused 401 (no token, or one not recognised): logged, not audited.");
    out.sample("jointly_audit_unauthenticated_refusals_total", "",
               unauthenticated_refusals_.load(std::memory_order_relaxed));
    out.family("jointly_audit_chain_broken", "gauge",
               "1 when the check of the audit trail's hash chain at start found an entry that does not match, or "
               "entries without a hash (jointly store verify-audit names them); 0 otherwise, and until the check "
               "has finished.");
    out.sample("jointly_audit_chain_broken", "", std::uint64_t{audit_chain_broken_.load(std::memory_order_relaxed)});
    out.family("jointly_audit_chain_check_state", "gauge",
               "The check of the audit trail's hash chain at start: 0 not finished (running, or stopped with "
               "the server), 1 the chain holds, 2 broken (see jointly_audit_chain_broken), 3 failed (the store "
               "could not be read; the log says why).");
    out.sample("jointly_audit_chain_check_state", "", audit_chain_state_.load(std::memory_order_relaxed));
    out.family("jointly_audit_chain_entries_verified", "gauge",
               "Audit entries whose hash the check at start found matching, from the first (0 until it has finished).");
    out.sample("jointly_audit_chain_entries_verified", "", audit_chain_entries_.load(std::memory_order_relaxed));
    out.family("jointly_http_requests_in_flight", "gauge", "HTTP requests being handled (this scrape included).");
    out.sample("jointly_http_requests_in_flight", "", std::to_string(in_flight_.load()));
    out.family("jointly_http_threads", "gauge", "Worker threads configured (--threads); each serves one connection.");
    out.sample("jointly_http_threads", "", static_cast<std::uint64_t>(threads_.load()));
    out.family("jointly_http_threads_busy", "gauge", "Worker threads serving a connection.");
    out.sample("jointly_http_threads_busy", "", std::to_string(threads_busy_.load()));
    out.family("jointly_http_connections_waiting", "gauge", "Accepted connections waiting for a free worker thread.");
    out.sample("jointly_http_connections_waiting", "", std::to_string(connections_waiting_.load()));

    out.family("jointly_policy_versions_loaded", "gauge", "Policy versions in service.");
    out.sample("jointly_policy_versions_loaded", "", static_cast<std::uint64_t>(policies.versions_loaded));
    out.family("jointly_policy_snapshot_generation", "gauge",
               "The policy snapshot in service (increases by one on every reload or upload that swaps it).");
    out.sample("jointly_policy_snapshot_generation", "", policies.generation);
    out.family("jointly_policy_reloads_total", "counter",
               "Policy reloads (the load at start, SIGHUP) and stored uploads (POST /v1/policies), by result.");
    out.sample("jointly_policy_reloads_total", "result=\"success\"", policies.reloads.successes);
    out.sample("jointly_policy_reloads_total", "result=\"failure\"", policies.reloads.failures);
    out.family("jointly_policy_reload_failures_total", "counter",
               "Directory reloads refused (uploads not included); kept for existing alerts.");
    out.sample("jointly_policy_reload_failures_total", "", policies.reload_failures);
    if (policies.reloads.last_success) {
        out.family("jointly_policy_last_reload_timestamp_seconds", "gauge",
                   "When the policies in service were installed by a reload or an upload, in seconds since the Unix "
                   "epoch.");
        // Whole seconds and the fraction apart, so that no rounding of the nanosecond count shows.
        const auto since_epoch = policies.reloads.last_success->time_since_epoch();
        const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
        out.sample("jointly_policy_last_reload_timestamp_seconds", "",
                   number(static_cast<double>(seconds.count()) +
                          std::chrono::duration<double>(since_epoch - seconds).count()));
    }

    out.family("jointly_build_info", "gauge", "Always 1; the labels name the build serving.");
    out.sample("jointly_build_info",
               "version=\"" + label(JOINTLY_VERSION) + "\",compiler=\"" + label(trimmed(compiler())) + "\"",
               std::uint64_t{1});

    struct ProcessSeries {
        const char* name;
        const char* type;
        const char* help;
        const std::optional<double>& value;
    };
    const ProcessSeries series[] = {
        {"process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
         process.cpu_seconds},
        {"process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", process.resident_bytes},
        {"process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", process.virtual_bytes},
        {"process_open_fds", "gauge", "Number of open file descriptors.", process.open_fds},
        {"process_max_fds", "gauge", "Maximum number of open file descriptors.", process.max_fds},
        {"process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
         process.start_time_seconds},
    };
    for (const auto& s : series) {
        if (!s.value) continue;
        out.family(s.name, s.type, s.help);
        out.sample(s.name, "", number(*s.value));
    }
    return out.str();
}

}  // namespace jointly::server
