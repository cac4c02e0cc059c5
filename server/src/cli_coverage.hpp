// `jointly test --coverage`: what the worked cases exercised of each policy, as text or JSON
// (docs/adr/0014-coverage.md).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jointly/engine/coverage.hpp"
#include "jointly/engine/program.hpp"

namespace jointly::server::cli {

// One policy file's items, marked from its cases' evaluations.
struct PolicyCoverage {
    std::string file;
    std::shared_ptr<const engine::Program> program;
    std::vector<engine::CoverageItem> items;
};

struct Tally {
    std::size_t covered = 0;
    std::size_t total = 0;
    // covered * 100 >= n * total (a tally of nothing is complete).
    bool at_least(int n) const { return covered * 100 >= static_cast<std::size_t>(n) * total; }
};

// True for the categories `--threshold` holds to: rules, exceptions, window edges, outcome rules.
bool gated(engine::CoverageCategory category);

// The tally of the gated categories over every policy.
Tally gated_tally(const std::vector<PolicyCoverage>& policies);

// Per policy: its tallies by category, the gated and the overall one, then the items not
// covered, each as `file:line: category: subject: what`; then the totals over all policies.
void print_coverage(std::ostream& out, const std::vector<PolicyCoverage>& policies);

// {"gated", "all", "policies": [{"file", "id", "version", "categories", "gated", "all",
// "items": [{"category", "subject", "what", "file", "line", "covered"}]}]}; each tally is
// {"covered", "total", "percent"}.
nlohmann::ordered_json coverage_json(const std::vector<PolicyCoverage>& policies);

// "84.2%": covered / total as a percentage, rounded down to a tenth; "100.0%" when total is 0.
std::string percent(const Tally& t);

}  // namespace jointly::server::cli
