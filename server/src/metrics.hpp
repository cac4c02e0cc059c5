// Prometheus counters and a latency histogram for the HTTP API. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

namespace jointly::server {

class Metrics {
public:
    // One finished request: its route template (`/v1/decisions/{id}`), status and duration.
    void observe(const std::string& method, const std::string& route, int status, double seconds);
    void decision(const std::string& outcome);
    // Renders the Prometheus text exposition format; gauges are passed in.
    std::string render(std::size_t policy_versions, std::uint64_t reload_failures,
                       std::uint64_t snapshot_generation) const;

    static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                     0.05,   0.1,   0.25,  0.5,   1.0,  2.5};

private:
    struct Histogram {
        std::array<std::uint64_t, kBuckets.size()> buckets{};
        std::uint64_t count = 0;
        double sum = 0;
    };
    mutable std::mutex mutex_;
    std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
    std::map<std::string, Histogram> latency_;  // by route
    std::map<std::string, std::uint64_t> decisions_;
};

}  // namespace jointly::server
