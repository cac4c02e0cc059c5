#include "metrics.hpp"

#include <sstream>
#include <tuple>

namespace jointly::server {
namespace {

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

}  // namespace

void Metrics::observe(const std::string& method, const std::string& route, int status, double seconds) {
    std::lock_guard lock(mutex_);
    ++requests_[std::make_tuple(method, route, status)];
    auto& h = latency_[route];
    ++h.count;
    h.sum += seconds;
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
        if (seconds <= kBuckets[i]) ++h.buckets[i];
}

void Metrics::decision(const std::string& outcome) {
    std::lock_guard lock(mutex_);
    ++decisions_[outcome];
}

std::string Metrics::render(std::size_t policy_versions, std::uint64_t reload_failures,
                            std::uint64_t snapshot_generation) const {
    std::ostringstream out;
    std::lock_guard lock(mutex_);
    out << "# HELP jointly_http_requests_total HTTP requests by method, route and status.\n"
        << "# TYPE jointly_http_requests_total counter\n";
    for (const auto& [key, count] : requests_) {
        const auto& [method, route, status] = key;
        out << "jointly_http_requests_total{method=\"" << label(method) << "\",route=\"" << label(route)
            << "\",status=\"" << status << "\"} " << count << "\n";
    }
    out << "# HELP jointly_http_request_duration_seconds HTTP request latency by route.\n"
        << "# TYPE jointly_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
        for (std::size_t i = 0; i < kBuckets.size(); ++i)
            out << "jointly_http_request_duration_seconds_bucket{route=\"" << label(route) << "\",le=\""
                << kBuckets[i] << "\"} " << h.buckets[i] << "\n";
        out << "jointly_http_request_duration_seconds_bucket{route=\"" << label(route) << "\",le=\"+Inf\"} "
            << h.count << "\n";
        out << "jointly_http_request_duration_seconds_sum{route=\"" << label(route) << "\"} " << h.sum << "\n";
        out << "jointly_http_request_duration_seconds_count{route=\"" << label(route) << "\"} " << h.count << "\n";
    }
    out << "# HELP jointly_decisions_total Decisions evaluated, by outcome.\n"
        << "# TYPE jointly_decisions_total counter\n";
    for (const char* outcome : {"approve", "refer", "decline"}) {
        auto it = decisions_.find(outcome);
        out << "jointly_decisions_total{outcome=\"" << outcome << "\"} " << (it == decisions_.end() ? 0 : it->second)
            << "\n";
    }
    out << "# HELP jointly_policy_versions_loaded Policy versions in service.\n"
        << "# TYPE jointly_policy_versions_loaded gauge\n"
        << "jointly_policy_versions_loaded " << policy_versions << "\n"
        << "# HELP jointly_policy_reload_failures_total Reloads and uploads refused because a policy did not compile.\n"
        << "# TYPE jointly_policy_reload_failures_total counter\n"
        << "jointly_policy_reload_failures_total " << reload_failures << "\n"
        << "# HELP jointly_policy_snapshot_generation The policy snapshot in service (increases on every swap).\n"
        << "# TYPE jointly_policy_snapshot_generation gauge\n"
        << "jointly_policy_snapshot_generation " << snapshot_generation << "\n";
    return out.str();
}

}  // namespace jointly::server
