// Hostile policies for the semantic pass's limits (issue 9, item 3): the same
// texts as bench/hostile_policy.py, which measures them with `jointly check`. Keep the two
// in step.
#pragma once

#include <cstddef>
#include <string>

namespace jointly::testing {

inline std::string hostile_header() {
    return "policy hostile \"Hostile policy\"\n"
           "  version \"1\"\n"
           "  effective from 2025-04-01\n\n"
           "agency health \"NHS\"\n"
           "agency social_care \"Social care\"\n\n"
           "fact points: whole default 0\n";
}

// `n` rules on one service whose conditions all overlap: n * (n - 1) / 2 pairs for W2002.
inline std::string overlapping_rules(std::size_t n) {
    std::string out = hostile_header() + "\n";
    for (std::size_t i = 0; i < n; ++i) {
        const std::string k = std::to_string(i);
        out += "rule r_" + k + "\n  when service is personal_care and points >= " + k +
               "\n  split social_care 100%\n\n";
    }
    return out;
}

// `n` window rules on one service, chained through n + 1 events (`from e_i until e_i+1`
// and `within i days after e_i`, alternately); with `exceptions`, each rule is also an
// `exception to` the one before (a chain n deep).
inline std::string window_rules(std::size_t n, bool exceptions) {
    std::string out = hostile_header();
    for (std::size_t i = 0; i <= n; ++i) out += "event e_" + std::to_string(i) + "\n";
    out += "\n";
    for (std::size_t i = 0; i < n; ++i) {
        const std::string k = std::to_string(i);
        out += "rule w_" + k + "\n";
        if (exceptions && i > 0) out += "  exception to w_" + std::to_string(i - 1) + "\n";
        out += "  when service is personal_care\n";
        if (i % 2 == 0) {
            out += "  from e_" + k + " until e_" + std::to_string(i + 1) + "\n";
        } else {
            out += "  within " + k + " days after e_" + k + "\n";
        }
        out += "  split health 50%, social_care 50%\n\n";
    }
    return out;
}

}  // namespace jointly::testing
