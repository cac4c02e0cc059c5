// The result of evaluating a package: who pays what, why, and the outcome.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/container/flat_map.hpp>
#include <boost/container/small_vector.hpp>

#include "jointly/engine/date.hpp"
#include "jointly/engine/money.hpp"
#include "jointly/engine/text_types.hpp"

namespace jointly::engine {

enum class Outcome { Approve, Refer, Decline };
const char* to_string(Outcome outcome);  // "approve", "refer", "decline"

// Refused and Referred: a rule's `refuse` / `refer to` won the segment.
enum class IssueKind { Uncovered, Conflict, CapExcess, Refused, Referred };
const char* to_string(IssueKind kind);  // "uncovered", "conflict", "cap_excess", "refused", "referred"

// Agency amounts in the policy's declaration order (agency id, amount). Up to four are held
// inline: most splits name two or three agencies, and a decision has one such list per
// allocation, per financial year and per line, so a new result allocates none of them.
using AgencyAmounts = boost::container::small_vector<std::pair<std::string, Money>, 4>;

// Agency amounts by key (a financial year, a line id), in key order, with an interface like
// std::map's (find, at, count, iteration in key order). Flat, with four entries held inline:
// a package has a few lines over one or two years, so a new result allocates no node for them.
using AmountsByKey =
    boost::container::flat_map<std::string, AgencyAmounts, std::less<std::string>,
                               boost::container::small_vector<std::pair<std::string, AgencyAmounts>, 4>>;

struct Allocation {
    std::string line;
    Date from;
    Date to;         // inclusive
    std::int64_t days = 0;
    Money cost;
    std::string rule;
    std::string ref;
    AgencyAmounts shares;  // only the agencies of the rule, in the split's order
    Words reason;          // placeholders filled; inline, as the shares are
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
    // CapExcess, Refused, Referred: the one rule behind the issue and its clause ("" if none).
    std::string rule;
    std::string ref;
    std::string reason;       // Refused, Referred: the rule's reason, placeholders filled
    std::string referred_to;  // Referred: who decides
    bool operator==(const Issue&) const = default;
};

// Where an outcome reason comes from, so that reports can count decisions by reason.
enum class ReasonKind {
    Decline,    // a `decline` outcome rule
    Refer,      // a `refer to` outcome rule
    Issue,      // an uncovered, conflicting or over-cap segment, which goes to the policy's panel
    LineRefer,  // a rule's `refer to` won a segment of a line
};
const char* to_string(ReasonKind kind);  // "decline", "refer", "issue", "line_refer"

struct Reason {
    ReasonKind kind = ReasonKind::Decline;
    std::string rule;  // LineRefer, Issue of one rule: the rule's name; otherwise ""
    std::string ref;   // the clause of the rule that gave it; "" when none
    std::string text;  // the sentence: the same text as in outcome_reasons
    bool operator==(const Reason&) const = default;
};

struct Eligibility {
    std::string name;
    bool met = false;
    Words reason;
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
    HexDigest policy_sha256;
    std::string engine;  // "jointly 0.1.0"
    std::optional<Date> as_of;
    std::string case_ref;
    Outcome outcome = Outcome::Approve;
    std::string referred_to;
    std::vector<std::string> outcome_reasons;
    // Parallel to outcome_reasons: where each reason comes from (its kind, rule and clause).
    std::vector<Reason> reasons;
    std::vector<Eligibility> eligibility;
    Money total;
    AgencyAmounts by_agency;  // every declared agency, zeros included
    // Each declared agency group's members' total (`agency group health: a, b`), in
    // declaration order, zeros included; empty when the policy declares no group.
    AgencyAmounts by_agency_group;
    AmountsByKey by_financial_year;  // "2025-26" -> non-zero agencies
    AmountsByKey by_line;            // line id -> non-zero agencies
    std::vector<Allocation> allocations;
    std::vector<Issue> issues;
    Sentences explanation;  // the sentences a family reads, in one buffer
    std::vector<TraceStep> trace;  // only with Request::explain_full
    bool operator==(const Decision&) const = default;
};

}  // namespace jointly::engine
