// What evaluations of one policy exercised: rules, exceptions, window edges, caps, table
// rows, eligibility thresholds and outcome rules (`jointly test --coverage`,
// docs/adr/0014-coverage.md). Recorded by the evaluator itself, only when asked.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "jointly/dsl/ast.hpp"

namespace jointly::engine {

class Program;

// Marks left by evaluations of one program, as bit flags (the kCovered* constants). Empty
// until the first evaluate_into() given it, which sizes it for that program; a Coverage must
// only ever be given evaluations of one program. Not thread-safe: one per thread, merged by
// the caller if it must be.
struct Coverage {
    std::vector<std::uint8_t> rules;                  // per rule: kRuleWon | kRuleOverrode
    std::vector<std::uint8_t> windows;                // per rule: kWindow* (rules with a window)
    std::vector<std::vector<std::uint8_t>> caps;      // per rule, per cap: kCapBound | kCapNotBound
    std::vector<std::vector<std::uint8_t>> table_rows;  // per table, per row: 1 once looked up
    std::vector<std::uint8_t> thresholds;             // per threshold: kMet | kNotMet
    std::vector<std::uint8_t> outcomes;               // per outcome rule: kMet (held) | kNotMet
};

inline constexpr std::uint8_t kRuleWon = 1;       // the rule won a segment
inline constexpr std::uint8_t kRuleOverrode = 2;  // ... on which a rule it is an exception to also applied
// On a segment where the rule's condition (apart from its window) held:
inline constexpr std::uint8_t kWindowInside = 1;   // the segment lay inside the window
inline constexpr std::uint8_t kWindowOutside = 2;  // outside it (before, after, or the event not given)
inline constexpr std::uint8_t kWindowStart = 4;    // the segment began on the window's first day
inline constexpr std::uint8_t kWindowEnd = 8;      // the segment ended on the window's last day
inline constexpr std::uint8_t kCapBound = 1;       // the rule won a segment and the cap cut its agency's part
inline constexpr std::uint8_t kCapNotBound = 2;    // the rule won a segment and the part was within the cap
inline constexpr std::uint8_t kMet = 1;
inline constexpr std::uint8_t kNotMet = 2;

// The kinds of item, in the order reports list them.
enum class CoverageCategory { Rule, Exception, WindowEdge, Cap, TableRow, Eligibility, Outcome };
// "rules", "exceptions", "window edges", "caps", "table rows", "eligibility", "outcome rules"
const char* to_string(CoverageCategory category);
// "rules", "exceptions", "window_edges", "caps", "table_rows", "eligibility", "outcome_rules"
const char* json_name(CoverageCategory category);

// One thing a policy's cases should exercise, and whether they did.
struct CoverageItem {
    CoverageCategory category = CoverageCategory::Rule;
    std::string subject;  // "rule `post_op`", "cap on `health` in `residential`", "row 2 of `band`"
    std::string what;     // "applied", "inside", "on the start edge", "bound", "met", "held", ...
    dsl::Span span;       // where the subject is written (its line)
    bool covered = false;
};

// Every item of `program`, in source order within each category, categories in the order of
// CoverageCategory, each marked from `coverage` (an empty Coverage: nothing covered).
std::vector<CoverageItem> coverage_items(const Program& program, const Coverage& coverage);

}  // namespace jointly::engine
