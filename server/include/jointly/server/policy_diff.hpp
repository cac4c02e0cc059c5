// `jointly diff`: what changed between two versions of a policy, in a commissioner's words, and
// (with a caseload) which of those changes moved money or outcomes. docs/adr/0013-policy-diff.md
// says how declarations are matched and how money is attributed to changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jointly/dsl/ast.hpp"
#include "jointly/engine/decision.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/server/money_total.hpp"

namespace jointly::server {

enum class ChangeKind { Added, Removed, Changed };
const char* to_string(ChangeKind kind);  // "added", "removed", "changed"

// One difference between two policies.
struct PolicyChange {
    ChangeKind kind = ChangeKind::Changed;
    // What changed, `lower_snake`: "header", "agency", "agency_group", "service", "scale",
    // "fact", "event", "let", "threshold", "table", "table_row", "rule", "rule_condition",
    // "rule_window", "rule_action", "rule_pay", "rule_split", "rule_odd_penny", "rule_cap",
    // "rule_regardless_of_cost", "rule_exception", "rule_reason", "rule_ref", "outcome",
    // "outcome_condition", "outcome_reason", "outcome_authority", "pool".
    std::string what;
    // The declaration's name (rule, fact, table, agency...); for the header the field
    // ("version", "effective"); for an outcome rule its label (`decline (CNP 5.2)`).
    std::string name;
    std::string field;  // within the declaration: "window", "cap health", "row from 70 to 115"; or ""
    std::uint32_t old_line = 0;  // 0: not in the old policy
    std::uint32_t new_line = 0;  // 0: not in the new policy
    std::string old_text;  // the old value as policy text ("" when added)
    std::string new_text;  // the new value as policy text ("" when removed)
    std::string sentence;  // "Rule post_op_personal_care (CC 3.2): the window grows from ..."
    // For attributing a caseload's movements: the rule (by name) the change belongs to, or
    // the outcome rule's indices in the two policies ("old:0,new:1", "new:2"); else "".
    std::string rule;
    std::string outcome;
    // The declarations (facts, lets, thresholds, tables, events, scales, services, agencies)
    // whose change this is, for rules that read them; "" when not a declaration.
    std::string declaration;
};

// Every difference between `old_policy` and `new_policy`, header first, then declarations in
// the language's order, rules, outcome rules, pools. Declarations and rules are matched by
// name; outcome rules by kind, authority and ref, or by position among those without a
// ref. Values are compared as printed policy text, so layout, comments and spans never
// count: a policy compared with itself, or with its `jointly fmt`, gives no change. Never
// throws (except std::bad_alloc).
std::vector<PolicyChange> diff_policies(const dsl::Module& old_policy, const dsl::Module& new_policy);

// `decline`, `decline (CNP 5.2)`, `refer to "Director"`, `refer to "Director" (CNP 6.1)`.
std::string outcome_label(const dsl::OutcomeRule& o);

// JSON of the changes: [{"kind", "what", "name", "field", "old_line", "new_line", "old", "new",
// "sentence"}], nulls for absent lines and texts.
nlohmann::ordered_json changes_json(const std::vector<PolicyChange>& changes);

// What a caseload's cases do under two policies, attributed to the changes between them
// (docs/adr/0013-policy-diff.md). Cases are added one at a time (a caseload is streamed).
// Not thread-safe.
class DiffImpact {
public:
    DiffImpact(std::shared_ptr<const engine::Program> old_policy, std::shared_ptr<const engine::Program> new_policy,
               const std::vector<PolicyChange>& changes);

    // Evaluates one request (a JSON object as `jointly simulate` reads) under both policies;
    // a case that either cannot evaluate is counted as skipped with its message.
    void add(const nlohmann::json& request, std::size_t number);
    void add_error(std::size_t number, const std::string& message);

    // {"cases", "evaluated", "skipped", "changed_cases", "outcomes_changed", "money_changed",
    //  "rules_changed", "wording_changed" (the last four partition changed_cases),
    //  "effects": [{"subject", "kind", "changes" (1-based), "cases", "wording_cases" (rules) or
    //  "now", "no_longer" (outcome), "moved"}],
    //  "allocated": {"old", "new", "moved", "explained", "not_explained"},
    //  "funded": {"old", "new", "moved", "rules", "outcomes", "outcomes_not_explained",
    //  "outcomes_shared_cases"}, "cost": {"old", "new", "rounding"}, "errors": [{"case",
    //  "message"}]}; amounts per agency (cost: one amount each).
    // funded.moved = funded.rules + funded.outcomes, to the penny.
    nlohmann::ordered_json result() const;

private:
    // What one or more changes are attributed to: a family of rules (linked by `exception
    // to`), or one outcome rule.
    struct Group {
        std::string subject;                 // "rule personal_care and post_op_personal_care"
        bool outcome = false;                // an outcome rule's group
        bool declines = false;               // ... of a `decline` rule (in either policy)
        std::vector<std::string> rules;      // a rule family: its rules' names
        std::size_t old_outcome = 0;         // an outcome rule: its index in each policy,
        std::size_t new_outcome = 0;         // or static_cast<std::size_t>(-1) when absent
        std::vector<std::size_t> changes;    // indices into the changes
        // A family: cases whose allocations or issues differ in money, rule or clause; an
        // outcome rule: cases given its reason under one policy only.
        std::size_t cases = 0;
        std::size_t wording_cases = 0;       // a family: cases that differ only in its wording
        std::size_t now = 0;                 // an outcome rule: cases given its reason under new only
        std::size_t no_longer = 0;           // ... under old only
        // A family: its allocations per agency, new - old. An outcome rule: what the cases
        // funded under one policy only (declined under the other) and given its reason under
        // one policy only moved: + old allocation when no longer declined, - new when now.
        std::map<std::string, MoneyTotal> moved;
    };

    void count(const engine::Decision& a, const engine::Decision& b);

    std::shared_ptr<const engine::Program> old_;
    std::shared_ptr<const engine::Program> new_;
    std::vector<Group> groups_;
    std::vector<std::string> agencies_;  // old's then new's new ones, in declaration order
    std::size_t cases_ = 0;
    std::size_t evaluated_ = 0;
    std::size_t changed_cases_ = 0;
    std::size_t outcomes_changed_ = 0;
    std::size_t money_changed_ = 0;    // same outcome, other money
    std::size_t rules_changed_ = 0;    // same outcome and money, other rules, clauses or authority
    std::size_t wording_changed_ = 0;  // only wording differs
    std::map<std::string, MoneyTotal> allocated_old_;
    std::map<std::string, MoneyTotal> allocated_new_;
    std::map<std::string, MoneyTotal> funded_old_;
    std::map<std::string, MoneyTotal> funded_new_;
    std::map<std::string, MoneyTotal> declined_both_;           // allocations moved in cases declined under both
    std::map<std::string, MoneyTotal> outcome_moved_;           // cases declined under one policy only
    std::map<std::string, MoneyTotal> outcome_not_explained_;   // ... credited to no outcome rule
    std::size_t outcome_shared_cases_ = 0;                      // ... credited to several
    MoneyTotal cost_old_;  // the cost of every case's lines: allocated and issues
    MoneyTotal cost_new_;
    nlohmann::ordered_json errors_ = nlohmann::ordered_json::array();
};

// Feeds a caseload (one JSON request per line; blank lines skipped; a bad line is an error
// naming its line number) to `impact`, line by line: memory does not grow with the caseload.
void diff_impact_stream(std::istream& in, DiffImpact& impact);

}  // namespace jointly::server
