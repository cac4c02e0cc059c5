// The result of evaluating a package: who pays what, why, and the outcome.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "jointly/engine/date.hpp"
#include "jointly/engine/money.hpp"

namespace jointly::engine {

enum class Outcome { Approve, Refer, Decline };
const char* to_string(Outcome outcome);  // "approve", "refer", "decline"

enum class IssueKind { Uncovered, Conflict, CapExcess };
const char* to_string(IssueKind kind);  // "uncovered", "conflict", "cap_excess"

// Agency amounts in the policy's declaration order (agency id, amount).
using AgencyAmounts = std::vector<std::pair<std::string, Money>>;

struct Allocation {
    std::string line;
    Date from;
    Date to;         // inclusive
    std::int64_t days = 0;
    Money cost;
    std::string rule;
    std::string ref;
    AgencyAmounts shares;  // only the agencies of the rule, in the split's order
    std::string reason;    // placeholders filled
    bool operator==(const Allocation&) const = default;
};

struct Issue {
    IssueKind kind = IssueKind::Uncovered;
    std::string line;
    Date from;
    Date to;
    Money cost;
    std::vector<std::string> rules;
    std::string message;
    bool operator==(const Issue&) const = default;
};

struct Eligibility {
    std::string name;
    bool met = false;
    std::string reason;
    bool operator==(const Eligibility&) const = default;
};

// One step of `explain=full`: a rule tried on a segment, or an outcome rule tested.
struct TraceStep {
    std::string subject;   // "line pc 2025-06-10..2025-07-21" or "outcome"
    std::string rule;
    bool applied = false;
    std::vector<std::string> detail;  // "service is personal_care: true", "continuing_care: true"
    bool operator==(const TraceStep&) const = default;
};

struct Decision {
    std::string policy_id;
    std::string policy_version;
    std::string policy_sha256;
    std::string engine;  // "jointly 0.1.0"
    std::optional<Date> as_of;
    std::string case_ref;
    Outcome outcome = Outcome::Approve;
    std::string referred_to;
    std::vector<std::string> outcome_reasons;
    // When any outcome rule of the policy cites a clause (`ref`): parallel to outcome_reasons,
    // the clause of the outcome rule that gave each reason, "" for a reason with none (an
    // issue, or a rule written without `ref`). Empty when no outcome rule cites one. Not in the
    // API's JSON, where the clause is part of the reason's text.
    std::vector<std::string> outcome_reason_refs;
    std::vector<Eligibility> eligibility;
    Money total;
    AgencyAmounts by_agency;  // every declared agency, zeros included
    std::map<std::string, AgencyAmounts> by_financial_year;  // "2025-26" -> non-zero agencies
    std::map<std::string, AgencyAmounts> by_line;
    std::vector<Allocation> allocations;
    std::vector<Issue> issues;
    std::vector<std::string> explanation;
    std::vector<TraceStep> trace;  // only with Request::explain_full
    bool operator==(const Decision&) const = default;
};

}  // namespace jointly::engine
