// The policy language's abstract syntax tree.
//
// Produced by `parse` (parse.hpp), read by the formatter (format.hpp) and the engine's
// semantic pass (engine/src/semantic, docs/adr/0008-one-semantic-pass.md). Plain values:
// copyable, no Spirit, Fusion or Boost types. Every node keeps the span of the text it came from so that a diagnostic
// (or, later, a runtime error) can point at the policy.
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace jointly::dsl {

// A range of source text. Lines and columns are 1-based, columns count code points.
// `end_*` is one past the last character. `offset`/`length` are in bytes.
struct Span {
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    std::uint32_t end_line = 0;
    std::uint32_t end_column = 0;
    std::uint32_t offset = 0;
    std::uint32_t length = 0;

    bool operator==(const Span&) const = default;
};

struct Ident {
    std::string name;
    Span span;
};

// An exact decimal as written: value = units / 10^scale. `£1,500.50` is {150050, 2};
// `33.5%` is {335, 1}. Parsed from text digit by digit, never through floating point.
// INVARIANT: scale <= 18.
struct Decimal {
    std::int64_t units = 0;
    std::int32_t scale = 0;

    bool operator==(const Decimal&) const = default;
};

// A calendar date as written (`2025-04-01`). The parser guarantees it exists.
struct CivilDate {
    std::int32_t year = 0;
    std::int32_t month = 0;
    std::int32_t day = 0;

    // Field by field: year, then month, then day, which is the calendar's order.
    auto operator<=>(const CivilDate&) const = default;
};

enum class UnaryOp { Not, Negate };
enum class BinaryOp { Or, And, Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul, Div };

// A single child of an expression node. The expression tree is recursive (an Expr holds a
// node that holds Exprs), so a child that is not in a vector needs indirection; `Box` is a
// heap-allocated T with value semantics: copying a Box deep-copies the T, moving it moves
// the pointer. This keeps the AST plain copyable values (a `Module` is copied). A Box is
// never empty except after it has been moved from.
template <class T>
class Box {
public:
    Box() : p_(std::make_unique<T>()) {}
    Box(T value) : p_(std::make_unique<T>(std::move(value))) {}  // NOLINT: implicit by design
    Box(const Box& other) : p_(other.p_ ? std::make_unique<T>(*other.p_) : nullptr) {}
    Box(Box&&) noexcept = default;
    Box& operator=(const Box& other) {
        if (this != &other) p_ = other.p_ ? std::make_unique<T>(*other.p_) : nullptr;
        return *this;
    }
    Box& operator=(Box&&) noexcept = default;
    ~Box() = default;

    T& operator*() { return *p_; }
    const T& operator*() const { return *p_; }
    T* operator->() { return p_.get(); }
    const T* operator->() const { return p_.get(); }

private:
    std::unique_ptr<T> p_;
};

struct Expr;

// One struct per kind of expression, each with only its own fields.
struct BoolLit {  // `true` / `false`
    bool value = false;
};
struct NumberLit {  // `12`, `2.5` (scale 0 is a whole number)
    Decimal value;
};
struct MoneyLit {  // `£1,500.00`: pounds, e.g. {150000, 2}
    Decimal pounds;
};
struct PercentLit {  // `5%`: the percentage
    Decimal value;
};
struct DateLit {  // `2025-04-01`
    CivilDate value;
};
struct TextLit {  // `"text"`
    std::string value;
};
// A fact, let, threshold, scale level, agency, service or builtin (`service`, `total`, `age`).
struct NameRef {
    std::string name;
};
struct Unary {  // `not x`, `-x`
    UnaryOp op = UnaryOp::Not;
    Box<Expr> operand;
};
struct Binary {  // `a and b`, `a >= b`, `a + b`
    BinaryOp op = BinaryOp::And;
    Box<Expr> left;
    Box<Expr> right;
};
// `count(dst, severe)`, `count(dst, at least severe)`, `lookup(table, x)`, `total(health)`:
// as written, any number of arguments (the checker checks them).
struct Call {
    std::string function;
    std::vector<Expr> args;
};
// `x in [a, b]`, `"x" in list_fact`: `set` is either a List (`[a, b]`, even with one member)
// or a NameRef naming a list fact.
struct In {
    Box<Expr> needle;
    Box<Expr> set;
};
struct List {  // `[a, b, c]`
    std::vector<Expr> items;
};
struct AtLeast {  // `at least severe` inside count()
    Box<Expr> level;
};
// `yearly total` / `yearly total(health)`: the largest total, of the package or of one agency
// (a NameRef), in any one financial year. The arguments as written (the checker checks them).
struct YearlyTotal {
    std::vector<Expr> args;
};
enum class DurationUnit { Days, Weeks, Months, Years };
// `6 weeks`, `1 month`, `25 years`: a length of time, only added to or taken from a date
// (the checker says so). `amount` as written: the checker requires it whole.
struct Duration {
    Decimal amount;
    DurationUnit unit = DurationUnit::Days;
};

// The order of the alternatives is part of the checker's canonical keys
// (engine/src/semantic/condition_branches.cpp): add new kinds at the end.
using ExprNode = std::variant<BoolLit, NumberLit, MoneyLit, PercentLit, DateLit, TextLit, NameRef, Unary,
                              Binary, Call, In, List, AtLeast, YearlyTotal, Duration>;

struct Expr {
    Span span;
    ExprNode node;

    // The node when it is a T, else null: `if (const auto* b = e.as<Binary>()) ...`.
    template <class T>
    const T* as() const {
        return std::get_if<T>(&node);
    }
    template <class T>
    T* as() {
        return std::get_if<T>(&node);
    }
    template <class T>
    bool is() const {
        return std::holds_alternative<T>(node);
    }
    // The name when this is a NameRef, else null.
    const std::string* name() const {
        const NameRef* n = as<NameRef>();
        return n != nullptr ? &n->name : nullptr;
    }
};

// Calls f on each child expression of `e`, in source order.
template <class F>
void for_each_child(const Expr& e, F&& f) {
    std::visit(
        [&](const auto& n) {
            using T = std::decay_t<decltype(n)>;
            if constexpr (std::is_same_v<T, Unary>) {
                f(*n.operand);
            } else if constexpr (std::is_same_v<T, Binary>) {
                f(*n.left);
                f(*n.right);
            } else if constexpr (std::is_same_v<T, In>) {
                f(*n.needle);
                f(*n.set);
            } else if constexpr (std::is_same_v<T, AtLeast>) {
                f(*n.level);
            } else if constexpr (std::is_same_v<T, Call> || std::is_same_v<T, YearlyTotal>) {
                for (const Expr& a : n.args) f(a);
            } else if constexpr (std::is_same_v<T, List>) {
                for (const Expr& a : n.items) f(a);
            }
        },
        e.node);
}

// ---------------------------------------------------------------------------------------
// Header

enum class Rounding { HalfUp, HalfEven };

struct Header {
    Ident id;                                  // `policy reference "Title"`
    std::string title;
    std::string version;                       // `version "2025.1"`
    std::optional<CivilDate> effective_from;   // `effective 2025-04-01 to 2026-03-31`
    std::optional<CivilDate> effective_to;     // absent: open-ended (`effective from D`)
    std::vector<Ident> agreed_by;              // `agreed by health, social_care on D`
    std::optional<CivilDate> agreed_on;
    std::string ref;                           // `ref "JFP 2025 s.1"`
    std::string panel;                         // `panel "Joint Funding Panel"`
    std::optional<Rounding> rounding;          // `rounding half_even`; absent = half up
    Span span;
    // Where each clause was written (empty Span when absent): for diagnostics and `fmt`.
    Span version_span;
    Span effective_span;
    Span agreed_span;
    Span ref_span;
    Span panel_span;
    Span rounding_span;
};

// ---------------------------------------------------------------------------------------
// Declarations

struct Agency {
    Ident id;
    std::string display_name;
    Span span;
};

// `agency group health: icb_north, icb_south`: several declared agencies at once, for totals
// in outcome rules (`total(health)`) and the decision's `by_agency_group`. A group pays
// nothing itself: a rule names one agency, or a fact that picks one.
struct AgencyGroup {
    Ident id;
    std::vector<Ident> members;
    Span span;
};

// The kind of line a declared service is bought as (`weekly`, `hourly`, `one_off`); `Any`
// when the declaration does not say.
enum class LineKindDecl { Any, OneOff, Weekly, Hourly };

// `service respite "respite care" weekly`: a service with its display name and, optionally,
// the kind of its lines. `service group placements: a, b` (`group` set) names several
// declared services at once; a group has members and no display name or kind.
struct Service {
    Ident id;
    std::string display_name;
    LineKindDecl kind = LineKindDecl::Any;
    bool group = false;
    std::vector<Ident> members;
    Span span;
};

struct Scale {
    Ident id;
    std::vector<Ident> levels;  // lowest first
    Span span;
};

enum class TypeKind { Bool, Whole, Decimal, Money, Date, Text, Level, LevelMap, TextList, Agency };

struct TypeRef {
    TypeKind kind = TypeKind::Bool;
    Ident scale;  // for Level and LevelMap
    // Agency (`agency in icb_north, icb_south`): the agencies (or agency groups) the fact
    // may name; a request gives one of them, and rules naming the fact mean that agency.
    std::vector<Ident> agencies;
    Span span;
};

struct Fact {
    Ident id;
    // `fact has_ehcp "Has an education, health and care plan": bool`: the words a form shows
    // for the fact; absent: words made from its name.
    std::optional<std::string> label;
    Span label_span;
    TypeRef type;
    std::optional<Expr> default_value;  // `default false`; absent: the fact is required
    Span span;
};

// `event surgery` / `event surgery repeats`: a repeating event may happen several times, and
// a request gives it a list of dates.
struct Event {
    Ident id;
    bool repeats = false;
    Span span;
};

struct Let {
    Ident id;
    Expr value;
    Span span;
};

// `eligible continuing_care when COND because "reason"`
struct Threshold {
    Ident id;
    Expr condition;
    std::string reason;
    Span reason_span;  // the quoted reason, quotes included
    Span span;
};

// ---------------------------------------------------------------------------------------
// Rules

enum class TimeUnit { Days, Weeks };

enum class WindowKind {
    After,    // `within N days|weeks after EVENT`: [e, e + N)
    Before,   // `within N days|weeks before EVENT`: [e - N, e)
    Between,  // `from A to B` / `from A through B` (both inclusive), `from A until B` (B
              // excluded: `to_exclusive`), `from A` (open end), `before B` (open start, B
              // excluded: `to_exclusive`), `on or before B` (open start, B included)
};

// One end of a `from ... to ...` window: a date literal or a name, which is an event or a
// definition (`let`) whose value is a date known once per request.
struct WindowBound {
    std::optional<CivilDate> date;
    std::optional<Ident> event;
    Span span;
};

struct Window {
    WindowKind kind = WindowKind::After;
    std::int64_t amount = 0;  // After/Before
    TimeUnit unit = TimeUnit::Days;
    Ident event;              // After/Before
    std::optional<WindowBound> from;  // Between
    std::optional<WindowBound> to;    // Between
    bool to_exclusive = false;        // `before B`, `from A until B`
    bool through = false;             // `from A through B`: as `to`, spelt `through`
    Span span;
};

enum class ShareKind { Percent, Fraction };

// `health 50%` or `education 1/3`
struct Share {
    Ident agency;
    ShareKind kind = ShareKind::Percent;
    Decimal percent;                  // Percent
    std::int64_t numerator = 0;       // Fraction
    std::int64_t denominator = 1;     // Fraction
    Span span;
};

// `per week`: prorated by days; `per line`: once over the whole line; `per financial year`:
// once in each financial year (1 April to 31 March) a line covers, not prorated; `per hour`:
// for each hour of an hourly line (amount × hours_per_week, then prorated by days as a week).
enum class Per { Week, Line, FinancialYear, Hour };

// `pay health £254.06 per week` — a fixed amount to one agency, prorated by days for
// `per week`; never more than the segment's cost; the rule's split shares the rest.
// `pay health weekly_rate per week`: the amount is a money-valued expression (a definition,
// a table lookup), evaluated once per request.
struct Fixed {
    Ident agency;
    Decimal amount;                    // pounds, when written as a money literal
    std::optional<Expr> amount_expr;   // otherwise the expression (then `amount` is unset)
    Per per = Per::Week;
    Span span;
};

// `cap health at £1,500 per week, excess to social_care` / `excess to panel`;
// `cap social_care at budget per line, excess to panel` (an expression, as for `Fixed`)
struct Cap {
    Ident agency;
    Decimal amount;                    // pounds, when written as a money literal
    std::optional<Expr> amount_expr;   // otherwise the expression (then `amount` is unset)
    Per per = Per::Week;
    std::optional<Ident> excess_to;  // absent: `excess to panel` (refer the decision)
    Span span;
};

// What a rule does with the segments it wins: shares them (`split`), refuses them (`refuse`:
// nobody pays), or refers them to an authority (`refer to "Director"`: nobody pays until the
// authority decides).
enum class RuleAction { Split, Refuse, Refer };

// `refuse` / `refer to "Authority"` in a rule, in place of `pay` and `split`.
struct LineAction {
    RuleAction kind = RuleAction::Refuse;
    std::string authority;  // Refer only
    Span authority_span;
    Span span;
};

struct Rule {
    Ident id;
    std::string ref;                       // `ref "s.4.2"`
    std::vector<Ident> exception_to;       // `exception to personal_care` / `exception to a, b`
    std::optional<Expr> condition;         // `when ...`
    std::optional<Window> window;          // `within 6 weeks after surgery`
    std::optional<LineAction> action;      // `refuse` / `refer to "..."`; absent: the split
    std::optional<Fixed> fixed;            // `pay health £254.06 per week`
    std::vector<Share> split;              // `split health 50%, social_care 50%`
    Span split_span;
    std::optional<Ident> odd_penny;        // `odd penny to health`
    std::vector<Cap> caps;
    bool regardless_of_cost = false;       // `regardless of cost` (explicitly no cap)
    Span regardless_span;
    std::string reason;                    // `because "..."`, may hold {placeholders}
    Span reason_span;                      // the quoted reason, quotes included
    Span ref_span;                         // the quoted clause reference
    Span span;

    RuleAction action_kind() const { return action ? action->kind : RuleAction::Split; }
};

// ---------------------------------------------------------------------------------------
// Tables: `table band by points` then rows `from 0 to 69 gives £0`.

struct TableRow {
    Decimal low;   // inclusive
    Decimal high;  // inclusive; unset ({0, 0}) when `open_ended`
    bool open_ended = false;  // `from N gives X`: no upper bound (only the last row)
    Expr value;
    Span span;
};

struct Table {
    Ident id;
    std::vector<TableRow> rows;
    Span span;
};

// ---------------------------------------------------------------------------------------
// Outcomes

enum class OutcomeKind { Decline, Refer };

// `decline [ref "..."] when COND because "..."` /
// `refer to "Authority" [ref "..."] when COND because "..."`
struct OutcomeRule {
    OutcomeKind kind = OutcomeKind::Decline;
    std::string authority;  // Refer only
    std::string ref;        // `ref "CNP 5.2"`: the clause; empty when not written
    Expr condition;
    std::string reason;     // optional for Refer
    Span authority_span;    // Refer only: the quoted authority
    Span ref_span;          // the quoted clause reference, when present
    Span reason_span;       // the quoted reason, when present
    Span span;
};

// ---------------------------------------------------------------------------------------
// Pooled budgets

enum class ShareBasis {
    Unstated,        // the policy says nothing: reconciliation refuses to compute
    Contributions,   // `in proportion to contributions` (the agreed ones)
    Actual,          // `in proportion to actual contributions` (the year's, from the request)
};

// `contribution others £311,515 not sharing overspend, sharing underspend`
struct Contribution {
    Ident agency;
    Decimal amount;                  // pounds
    bool shares_overspend = true;    // false: `not sharing overspend`
    bool overspend_stated = false;   // `sharing overspend` or `not sharing overspend` was written
    bool shares_underspend = true;   // false: `not sharing underspend`
    bool underspend_stated = false;  // `sharing underspend` or `not sharing underspend` was written
    Span span;
};

struct Pool {
    Ident id;
    std::string title;
    std::optional<Ident> host;
    std::vector<Contribution> contributions;
    ShareBasis overspend = ShareBasis::Unstated;
    Span overspend_span;
    ShareBasis underspend = ShareBasis::Unstated;
    Span underspend_span;
    bool carry_forward_allowed = false;  // `unless carried forward`
    bool provisional = false;            // `in consultation with partners`
    bool risk_capped = false;            // `risk capped at contribution`
    std::optional<Decimal> tolerance;    // `tolerance 5%`
    Span risk_span;
    Span tolerance_span;
    Span span;
};

// ---------------------------------------------------------------------------------------

struct Module {
    std::string file;  // as given to `parse`, for diagnostics
    Header header;
    std::vector<Agency> agencies;
    std::vector<AgencyGroup> agency_groups;
    std::vector<Service> services;  // services and service groups, in written order
    std::vector<Scale> scales;
    std::vector<Fact> facts;
    std::vector<Event> events;
    std::vector<Let> lets;
    std::vector<Threshold> thresholds;
    std::vector<Table> tables;
    std::vector<Rule> rules;
    std::vector<OutcomeRule> outcomes;
    std::vector<Pool> pools;
};

}  // namespace jointly::dsl
