// The semantic pass's working state, shared by the files of engine/src/semantic. Internal.
//
// One pass from AST to program (docs/adr/0008-one-semantic-pass.md): one `Checker` checks one
// module on one thread and, as it types each expression, builds that expression's nodes in
// the program it is making. It owns its diagnostics and symbol tables and never outlives
// the program whose module it reads.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "compiled.hpp"
#include "jointly/dsl/ast.hpp"
#include "jointly/dsl/builtins.hpp"
#include "jointly/dsl/check.hpp"
#include "jointly/dsl/codes.hpp"
#include "jointly/dsl/diagnostic.hpp"
#include "jointly/dsl/print.hpp"

namespace jointly::engine::semantic {

// The AST's vocabulary (Module, Expr, Rule, Span, Code, ...) is read throughout the pass.
// Of its names only `Rounding` is also an engine name; the pass means the engine's.
using namespace jointly::dsl;
using detail::Dep;
using detail::Node;
using detail::Op;
using detail::ProgramImpl;
using detail::Template;
using detail::Val;
using detail::VType;

// The kinds of names that live in the one value namespace (expressions and placeholders).
enum class SymbolKind { Agency, AgencyGroup, Fact, Event, Let, Threshold, Table, Level };

std::string_view kind_word(SymbolKind kind);  // "an agency", "a fact", ...

struct Symbol {
    SymbolKind kind = SymbolKind::Fact;
    std::size_t index = 0;  // into the module's vector of that kind (Level: the scale)
    Span span;
};

// The static type of an expression. `Error` absorbs further complaints.
enum class TypeTag {
    Error, Bool, Whole, Decimal, Percent, Money, Date, Text, Level, LevelMap, TextList,
    Service,
};

struct Type {
    TypeTag tag = TypeTag::Error;
    std::string scale;  // Level, LevelMap; "" for a level name found in several scales

    bool operator==(const Type&) const = default;
};

std::string type_name(const Type& type);  // as written in a policy: `money`, `map of need`

// Where an expression is evaluated: what `service` and package totals mean there.
enum class Context {
    Rule,       // a rule's condition: `service` is known, totals are not
    Outcome,    // decline / refer: totals are known, `service` is not
    Threshold,  // eligibility: neither
    Let,        // a definition: whatever its uses allow (tracked in LetInfo)
    Constant,   // a fact default or a table value: no names but scale levels
    Amount,     // a cap's or `pay`'s amount: once per request (the caller reports `Needs`)
};

// What a definition needs from where it is used.
struct Needs {
    bool service = false;
    bool total = false;
    bool age = false;  // `age`: known per segment of a line
};

enum class DefState { Unvisited, InProgress, Done };

struct DefInfo {
    DefState state = DefState::Unvisited;
    Type type;
    Needs needs;
    std::int32_t node = -1;  // the definition's root node; -1 after an error
};

// An expression's type and the node built for it (-1 once an error has been reported:
// a module with an error never becomes a program, so nothing reads a missing node).
struct Typed {
    Type type;
    std::int32_t node = -1;
};

// Thrown by `Checker::tick` when the time limit has passed; caught by `check` (never
// leaves the checker), which reports E2290.
struct OutOfTime {};

struct Checker {
    // Checks `program.module_` and builds `program` from it.
    Checker(ProgramImpl& program_in, const Limits& limits_in = {});

    ProgramImpl& program;
    const Module& module;
    const Limits limits;
    Diagnostics out;

    std::unordered_map<std::string, Symbol> values;  // first declaration of each value name
    std::unordered_map<std::string, std::size_t> scale_index;
    std::unordered_map<std::string, std::size_t> rule_index;
    std::unordered_map<std::string, std::vector<std::size_t>> level_scales;  // level -> scales

    std::vector<DefInfo> lets;
    std::vector<DefInfo> thresholds;
    std::vector<Type> table_types;  // what each table gives; Error when unknown or mixed
    std::vector<bool> agency_used;
    std::vector<bool> fact_used;
    bool age_reported = false;

    // What the passes built, for `lower` (only read when there is no error).
    std::vector<std::int32_t> rule_conditions;     // per rule; -1: no condition
    std::vector<std::int32_t> outcome_conditions;  // per outcome rule
    std::unordered_map<const Expr*, std::int32_t> amounts;  // a cap's or `pay`'s amount
    std::vector<Template> rule_reasons, outcome_reasons, threshold_reasons;
    std::int32_t age_uses = 0;          // `age` nodes
    std::int32_t age_uses_handled = 0;  // ... compared with a constant (cut at those birthdays)

    // Node building (expr.cpp). `add` folds the operands' dependence and `age` into `n`.
    std::int32_t add(Node n);
    std::int32_t constant(const Span& span, Val v);
    std::int32_t service_literal(const std::string& name);  // interned service index
    // Declared service groups (services.cpp): group name -> its members' interned indices.
    std::unordered_map<std::string, std::vector<std::int32_t>> service_groups;
    // When the policy declares services: E2016 (with did-you-mean) unless `name` is a
    // declared service or group. Always true when it declares none.
    bool require_service(const std::string& name, const Span& span);
    // The interned indices `name` stands for: a group's members, else the one service.
    std::vector<std::int32_t> service_indices(const std::string& name);
    std::size_t error_count() const { return errors_; }  // errors emitted, kept or not
    bool has_errors() const { return errors_ > 0; }
    // Whether an error emitted so far starts inside `span` (false for a span with no place).
    bool error_within(const Span& span) const;
    // Whether an error listed so far quotes `name` in its message or help (`unknown agency
    // `heath``, "did you mean `health`?"): the name is involved in that error.
    bool named_in_error(const std::string& name) const { return error_names_.count(name) != 0; }

    // Adds a diagnostic, unless its code (or the whole list) is at its cap (Limits), when
    // it is only counted for the "and N more" summary that `finish` adds.
    void emit(Code code, const Span& span, std::string message, std::string help = {});
    // Whether a diagnostic of `code` would be kept; when not, counts it as left out. For a
    // caller whose message is costly to build: `if (c.keep(code, span)) c.add(...)`.
    bool keep(Code code, const Span& span);
    // Adds a diagnostic without the caps (after `keep`, or for the one-off W2008/E2290/E2291).
    void add(Code code, const Span& span, std::string message, std::string help = {});
    // Sorts the kept diagnostics by position and appends one "and N more" summary per code
    // that was capped. Called once, by `check`.
    Diagnostics finish();

    // Throws OutOfTime once the time limit has passed (looks at the clock every few calls).
    void tick();
    // As `tick`, looking at the clock now (between passes).
    void check_time();

    // Name lookups. Each returns nullptr/nullopt when absent, without reporting.
    const Symbol* value(std::string_view name) const;
    std::optional<std::size_t> level_ordinal(std::string_view scale, std::string_view level) const;

    // Reports E2003 (with did-you-mean) when `id` is not a declared agency (E2019 when it is
    // an agency group or a fact that picks an agency); marks it used when `counts_as_use`.
    // Returns whether it is an agency.
    bool require_agency(const Ident& id, bool counts_as_use);

    // Agency groups and facts that pick an agency (agencies.cpp, `declare_agencies`).
    // Group name -> its members' agency indices, in written order, each once.
    std::unordered_map<std::string, std::vector<std::size_t>> agency_groups;
    // Fact index -> the agencies it may name (ascending), for `fact x: agency in a, b`.
    std::unordered_map<std::size_t, std::vector<std::size_t>> agency_fact_sets;
    // Where a rule names who pays (split, `pay`, a cap, `excess to`, `odd penny to`): the
    // agencies `id` may stand for: one declared agency, or the agencies a fact picks from.
    // Reports E2003 or E2019 and returns nullopt otherwise; marks what it names used.
    std::optional<std::vector<std::size_t>> payer(const Ident& id);
    // The agency reference a rule's slot or a total holds for a checked payer name: the
    // agency's index, or agencies + k for the k-th fact that picks an agency.
    std::size_t agency_ref(const std::string& name) const;
    bool require_event(const Ident& id);

    // Names to suggest from: empty once `suggesting()` is false (they serve nothing else).
    std::vector<std::string> names_of(SymbolKind kind) const;
    std::vector<std::string> value_names() const;  // facts, lets, thresholds, events, levels
    bool suggesting() const { return limits.total == 0 || suggestions_ < limits.total; }
    // "did you mean `x`?" or "". Only the first `Limits::total` requests are answered (a
    // suggestion costs an edit distance per candidate; more could never be shown).
    std::string suggestion(std::string_view word, const std::vector<std::string>& candidates);

private:
    struct Omitted {
        std::size_t count = 0;
        Span first;  // where the first left-out diagnostic of the code pointed
    };
    std::array<std::size_t, kCodes.size()> kept_{};
    std::array<Omitted, kCodes.size()> omitted_{};
    std::size_t kept_total_ = 0;
    std::size_t errors_ = 0;  // errors emitted, kept or not
    std::set<std::pair<std::uint32_t, std::uint32_t>> error_starts_;  // line, column of each
    std::unordered_set<std::string> error_names_;  // the `words` the listed errors quote
    std::unordered_map<std::string, std::int32_t> services_;
    std::size_t suggestions_ = 0;
    std::uint32_t ticks_ = 0;
    std::optional<std::chrono::steady_clock::time_point> deadline_;
};

// Passes, in the order `check` runs them.
void collect_symbols(Checker& c);          // names.cpp: duplicates, clashes, reserved
void declare(Checker& c);                  // lower.cpp: the program's header and name tables
void declare_services(Checker& c);         // services.cpp: services, groups (E2016, E2017)
void declare_agencies(Checker& c);         // agencies.cpp: agency groups, agency facts (E2019)
void check_agencies_once(Checker& c);      // agencies.cpp: a rule names each agency once (E2018)
void check_weekly_on_one_off(Checker& c);  // services.cpp: W2009
void check_hourly_amounts(Checker& c);     // services.cpp: E2021, W2012
// Service names a condition requires through a top-level `service is X` or `service in [..]`
// conjunct (a group's name as written); empty when none (the rule may apply to any service).
void service_keys(const Expr& e, std::vector<std::string>& out);
void check_header(Checker& c);             // outcomes.cpp
void check_facts(Checker& c);              // definitions.cpp: fact types, defaults
void check_tables(Checker& c);             // tables.cpp (fills table_types)
void check_definitions(Checker& c);        // definitions.cpp: lets, thresholds
void check_rule_conditions(Checker& c);    // definitions.cpp
void check_rules(Checker& c);              // rules.cpp: splits, caps, pay, exceptions
void check_windows(Checker& c);            // rules.cpp
void check_outcomes(Checker& c);           // outcomes.cpp
void check_placeholders(Checker& c);       // outcomes.cpp
void check_pools(Checker& c);              // pools.cpp
void check_static_rules(Checker& c);       // overlap.cpp: W2001, W2002
void check_usage(Checker& c);              // names.cpp: W2003, W2004 (not for a name in an error)
void lower(Checker& c);                    // lower.cpp: rules, exceptions, outcomes, pools
                                           // (only when there is no error)

// Expression typing (check_expr.cpp): types `expr` in `context`, reporting every problem.
// `hint` is the type a bare level name should be read as (e.g. the fact's scale for a
// default), or nullptr.
// Builds the expression's nodes as it types it.
Typed type_of(Checker& c, const Expr& expr, Context context, Needs& needs,
              const Type* hint = nullptr);
// The runtime kind of a static type (numbers and percentages are both exact ratios).
VType vtype(const Type& type);
// Splits a condition's top-level `and`s into the trace's conjuncts.
std::vector<detail::Conjunct> conjuncts(const Checker& c, const Expr& e, std::int32_t root);
Type fact_type(const Checker& c, const Fact& fact);
void check_let(Checker& c, std::size_t index);        // memoised; reports E2014 cycles
void check_threshold(Checker& c, std::size_t index);  // memoised; reports E2014 cycles

// The right side of `needle in set`, as the typing (expr.cpp) and the overlap analysis
// (condition_branches.cpp) both read it: a list fact (`x in tags`: `list_fact`, no members),
// else the members written out (`x in [a, b]`) or the one member (`x in a`). Pointers into
// `test`.
struct InSet {
    bool list_fact = false;
    std::vector<const Expr*> members;
};
InSet in_set(const Checker& c, const In& test);  // names.cpp

// What the overlap analysis (condition_branches.cpp, window_overlap.cpp) reads a name as:
// when it is a definition whose value is a constant written out (`let limit = 18`, `let
// cutover = 2025-10-01`) or another name (`let start = referral_date`), that value, followed
// through definitions of definitions; otherwise `e` itself (a cycle, E2014, too). A
// definition has one value wherever one segment of a line reads it, so the name and its
// value compare alike.
const Expr& definition_of(const Checker& c, const Expr& e);  // names.cpp

// `span` when it points somewhere, else `fallback` (hand-built modules have no spans).
inline const Span& pick(const Span& span, const Span& fallback) {
    return span.line > 0 ? span : fallback;
}

bool date_less(const CivilDate& a, const CivilDate& b);

// Whether two rules' windows can share a day (window_overlap.cpp): false only when they
// provably share none. `days` names the days they share when both windows say which
// (`on 2026-04-01`, ``from `switch` to 2026-03-31``); empty when a rule has no window or the
// days depend on the request. `one_day`: the windows share exactly one day.
struct WindowOverlap {
    bool may = true;
    bool one_day = false;
    std::string days;
};
WindowOverlap window_overlap(const Checker& c, const std::optional<Window>& a, const std::optional<Window>& b);

}  // namespace jointly::engine::semantic
