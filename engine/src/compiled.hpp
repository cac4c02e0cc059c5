// The compiled form of a policy: names resolved to indices, expressions flattened into a node
// array, splits as exact ratios, exception chains closed transitively. Built once by the
// semantic pass (engine/src/semantic), then read-only: shared by every thread without locks.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jointly/dsl/ast.hpp"
#include "jointly/engine/date.hpp"
#include "jointly/engine/money.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/engine/request.hpp"

namespace jointly::engine::detail {

// The kind of a runtime value. Numbers and money are both exact ratios (money in pence).
enum class VType : std::uint8_t { Bool, Number, Money, Date, Text, Level, LevelMap, TextList, Service };

// A runtime value. Trivially copyable; text, maps and lists point into the request or the
// program, which outlive every evaluation.
struct Val {
    VType type = VType::Bool;
    bool b = false;
    std::int32_t i = 0;  // Date: days; Level: index; Service: interned index (-1 = not named)
                         // (a Service also keeps its name in `s`)
    Ratio r;             // Number; Money in pence
    const std::string* s = nullptr;
    const LevelMap* map = nullptr;
    const TextList* list = nullptr;
};

// What an expression's value depends on: lower is more cacheable.
enum class Dep : std::uint8_t { Const = 0, Request = 1, Line = 2, Segment = 3, Outcome = 4 };

enum class Op : std::uint8_t {
    Const, Fact, Let, Threshold, Event, Service, Total, Age,
    Not, Neg, And, Or, Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul, Div,
    Count, CountAtLeast, Lookup, TotalOf, Funders, FundersAll, JointlyFunded, In, InList,
    YearlyTotal, YearlyTotalOf,  // the largest financial year's total (of agency `index`)
    AsOf,              // the request's `as_of`
    DateShift,         // date `a` moved by `index` days (`scale` 0) or calendar months (`scale` 1)
    AcademicYearEnd,   // the first 31 August on or after date `a`
    Birthday,          // date `a`'s anniversary `index` years on (1 March for 29 February in a common year)
    Happened,          // whether the request gives event `index` a date
};

struct Node {
    Op op = Op::Const;
    VType type = VType::Bool;
    Dep dep = Dep::Const;
    std::int32_t a = -1;      // first operand
    std::int32_t b = -1;      // second operand
    std::int32_t index = -1;  // fact / let / threshold / event / table / agency / service
    std::int32_t scale = -1;  // for Level / LevelMap values
    std::uint32_t args_begin = 0;  // In: members in Program::args
    std::uint32_t args_count = 0;
    bool age = false;         // reads `age`, directly or through a let or threshold
    Val value;                // Const
    dsl::Span span;
};

// One top-level `and` operand of a condition, for the trace.
struct Conjunct {
    std::int32_t node = -1;
    std::string label;        // the operand as written, e.g. "count(dst, priority) >= 1"
    std::string value_label;  // for a comparison with a computed left side: "count(dst, priority)"
};

// A reason text with {placeholders} split out once, at compile time.
enum class Hole : std::uint8_t {
    Literal, Fact, Let, Threshold, Event, Agency, Cost, Days, From, To, Line, Service, Total,
    Rule, Ref,  // the rule's name; the rule's or the outcome rule's clause
};
struct TemplatePart {
    Hole hole = Hole::Literal;
    std::int32_t index = -1;
    std::string text;  // Literal: the text; otherwise "{name}" as written
};
using Template = std::vector<TemplatePart>;

struct CScale {
    std::string name;
    std::vector<std::string> levels;
};

struct CFact {
    std::string name;
    dsl::TypeKind type = dsl::TypeKind::Bool;
    std::int32_t scale = -1;
    std::optional<Value> default_value;  // absent: required
};

struct CLet {
    std::string name;
    std::int32_t root = -1;
    dsl::Span span;
};

struct CThreshold {
    std::string name;
    std::int32_t root = -1;
    std::vector<Conjunct> conjuncts;
    std::string reason_text;
    Template reason;
};

struct CTableRow {
    Ratio low;
    std::optional<Ratio> high;  // inclusive; absent: open-ended
    std::int32_t value = -1;
};

struct CTable {
    std::string name;
    std::vector<CTableRow> rows;
    VType type = VType::Number;
    dsl::Span span;
};

// One end of a window: a date or an event's date (absent event: the window never applies).
struct CBound {
    std::optional<Date> date;
    std::int32_t event = -1;
    std::int64_t offset = 0;  // days added to the resolved date
    std::int32_t let = -1;    // >= 0: a date definition's value, worked out once per request
    std::int32_t fact = -1;   // >= 0: a date fact's value
};

// A window as a half-open range [from, to); an absent end is unbounded. When `repeats`, both
// ends are offsets from the same repeating event, and the window is the union of the ranges
// around each of its dates, overlapping ones merged into one stretch.
struct CWindow {
    std::optional<CBound> from;
    std::optional<CBound> to;
    bool repeats = false;
    std::string label;  // "within 6 weeks after surgery"
};

struct CFixed {
    std::size_t slot = 0;
    Money amount;  // per week, per hour, per line or per financial year
    std::int32_t amount_node = -1;  // >= 0: the amount is this money node's value (per request)
    dsl::Per per = dsl::Per::Week;
    dsl::Span span;  // the clause: a `per hour` amount on a line not bought by the hour is E3009 here
};

struct CCap {
    std::size_t slot = 0;
    Money amount;
    std::int32_t amount_node = -1;  // as CFixed
    dsl::Per per = dsl::Per::Week;
    std::optional<std::size_t> excess_slot;  // absent: excess to the panel
    dsl::Span span;  // as CFixed
};

struct CRule {
    std::string name;
    std::string ref;
    dsl::RuleAction action = dsl::RuleAction::Split;  // Refuse / Refer: the winner's segments are issues
    std::string authority;                            // Refer: who decides
    std::uint32_t order = 0;                          // where it is written (source offset)
    std::int32_t cond = -1;  // -1: always
    std::vector<Conjunct> conjuncts;
    std::optional<CWindow> window;
    // Slots: the split's agencies in order, then any agency named only by `pay` or by a cap's
    // `excess to`. `agencies[slot]` is the program's agency index.
    std::vector<std::size_t> agencies;
    std::vector<Ratio> shares;  // one per split slot (the first shares.size() slots)
    std::optional<std::size_t> odd_penny;  // a split slot
    std::optional<CFixed> fixed;
    std::vector<CCap> caps;
    bool per_line = false;       // a `per line` pay or cap: needs the line's running totals
    bool per_year = false;       // a `per financial year` one: needs them per financial year
    bool uses_age = false;
    std::vector<std::int32_t> overrides;  // rules this one is an exception to, transitively
    std::string reason_text;
    Template reason;
    // When the reason has no placeholders: the reason as it reads, and the end of the
    // explanation sentence (", because <reason> (clause <ref>)."), built once.
    bool reason_fixed = false;
    std::string sentence_tail;
};

struct COutcome {
    dsl::OutcomeKind kind = dsl::OutcomeKind::Decline;
    std::string authority;
    std::uint32_t order = 0;  // where it is written (source offset)
    std::string ref;  // the clause, shown after each reason it gives: "(clause CNP 5.2)"
    std::int32_t cond = -1;
    std::vector<Conjunct> conjuncts;
    std::string reason_text;
    Template reason;
};

struct CContribution {
    std::size_t agency = 0;
    Money amount;
    bool shares_overspend = true;
    bool shares_underspend = true;
};

struct CPool {
    std::string name;
    std::string title;
    std::optional<std::size_t> host;
    std::vector<CContribution> contributions;
    dsl::ShareBasis overspend = dsl::ShareBasis::Unstated;
    dsl::ShareBasis underspend = dsl::ShareBasis::Unstated;
    bool carry_forward_allowed = false;
    bool provisional = false;
    bool risk_capped = false;
    std::optional<Ratio> tolerance;  // fraction of the budget
};

// `agency group health: icb_north, icb_south`
struct CAgencyGroup {
    std::string name;
    std::vector<std::size_t> members;  // agency indices, in written order
};

// What a Program holds: the header, the declarations and the compiled rules.
// INVARIANT: immutable after the semantic pass (engine::check) returns; every index is in range.
class ProgramImpl {
public:
    std::string id_, title_, version_, sha256_, source_;
    std::optional<Date> effective_from_, effective_to_;
    Schema schema;  // agencies in the order every agency index below refers to
    std::vector<std::string> agency_pays;  // "<display name> pays ", per agency
    // Facts that pick an agency (`fact icb: agency in a, b`), as fact indices. A rule's slot
    // (CRule::agencies) and a total's node hold an agency *reference*: an agency index, or
    // schema.agencies.size() + k for the k-th of these facts, whose request value it means
    // (`concrete_agency`).
    std::vector<std::int32_t> agency_facts;
    std::vector<CAgencyGroup> agency_groups;
    std::vector<std::string> pool_names_;
    dsl::Module module_;

    Rounding rounding = Rounding::HalfUp;
    std::string panel;
    std::string engine_name;  // "jointly 0.1.0"

    std::vector<Node> nodes;
    std::vector<std::int32_t> args;
    std::deque<std::string> strings;  // text constants; stable addresses

    std::vector<CScale> scales;
    std::vector<CFact> facts_c;
    std::vector<std::size_t> facts_by_name;  // fact indices sorted by name
    std::int32_t date_of_birth = -1;         // fact index, for `age`
    std::vector<std::int32_t> age_birthdays;  // birthdays at which a line is cut (sorted)
    bool age_every_birthday = false;          // `age` used other than against a constant
    std::vector<std::int32_t> bound_lets;     // definitions some window starts or ends at (let indices)
    bool needs_as_of = false;                 // `as_of`, or `age` outside a rule: a request must give `as_of`
    bool uses_funders_by_service = false;     // some `funders(SERVICE)` call
    std::vector<CLet> lets;
    std::vector<CThreshold> thresholds;
    std::vector<CTable> tables;
    std::vector<CRule> rules;
    std::vector<COutcome> outcomes;
    std::vector<CPool> pools_c;

    // Service names the policy mentions (interned in order of first mention), the same
    // indices sorted by name for lookup, and the rules that can apply to each.
    std::vector<std::string> services;
    std::vector<std::int32_t> services_by_name;
    std::vector<std::vector<std::int32_t>> rules_for_service;  // per service index
    std::vector<std::int32_t> rules_any_service;  // rules with no `service is X` conjunct

    // Declared services (`service x "X" weekly`): interned first, so indices below
    // `declared_services` are declared, each with its display name and line kind. When the
    // policy declares none, `declared_services` is 0 and a line may name any service.
    std::size_t declared_services = 0;
    std::vector<std::string> service_display;      // per declared index
    std::vector<dsl::LineKindDecl> service_kinds;  // per declared index

    // Interned service index of a line's service, or -1 when the policy never names it.
    std::int32_t service_index(std::string_view name) const;
    // Index of a declared agency, or -1.
    std::int32_t agency_index(std::string_view name) const;
};

// The agency an agency reference means for the request whose bound facts are `facts` (a fact
// that picks an agency holds the agency's index in `i`).
inline std::size_t concrete_agency(const ProgramImpl& p, const Val* facts, std::size_t ref) {
    const std::size_t agencies = p.schema.agencies.size();
    if (ref < agencies) return ref;
    return static_cast<std::size_t>(facts[p.agency_facts[ref - agencies]].i);
}

}  // namespace jointly::engine::detail
