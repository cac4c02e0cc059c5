// How the overlap checks (overlap.cpp: W2001, W2002) read a rule's condition
// (condition_branches.cpp): as the branches of its disjunctive normal form that can hold, each
// a constraint on every subject it tests. Internal to the semantic pass.
//
// A condition is brought to disjunctive normal form over "literals" (`service is x`,
// `has_ehcp`, `age < 18`, `count(dst, severe) >= 2` ...). A conjunction is contradictory
// when, for one subject, its literals leave no value: two different `is` values, a value
// both required and excluded, `x` and `not x`, or numeric/date/level bounds that do not
// meet (as whole numbers for what takes only whole values). A definition that is a constant
// or another name is read as that (definition_of). A comparison of two things neither of
// which is a constant (`points < limit`) bounds one subject, the pair, so it meets the
// other comparisons of the same two (`points >= limit`) and no others. Anything else (a
// threshold, `happened(surgery)`, `x in a_list_fact`) is an opaque literal that only
// contradicts its own negation. docs/diagnostics.md (W2001, W2002) states the heuristic for
// authors; keep the two in step.
#pragma once

#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "context.hpp"
#include "wide.hpp"

// In a namespace of its own: `Value` here is not the engine's runtime value.
namespace jointly::engine::semantic::conditions {

// An exact value as units / 10^scale: decimals as written, day numbers and level ordinals
// with scale 0. INVARIANT: 0 <= scale <= 18 (ast.hpp), so comparing at a common scale
// multiplies |units| < 2^63 by at most 10^18 and stays below 2^127.
struct Exact {
    std::int64_t units = 0;
    std::int32_t scale = 0;

    static Wide scaled(const Exact& x, std::int32_t to) {
        Wide v = x.units;
        for (std::int32_t i = x.scale; i < to; ++i) v *= 10;
        return v;
    }
    friend std::strong_ordering operator<=>(const Exact& a, const Exact& b) {
        const std::int32_t to = std::max(a.scale, b.scale);
        const Wide x = scaled(a, to);
        const Wide y = scaled(b, to);
        return x < y ? std::strong_ordering::less
                     : (x > y ? std::strong_ordering::greater : std::strong_ordering::equal);
    }
    friend bool operator==(const Exact& a, const Exact& b) { return (a <=> b) == 0; }
};

// A constant a literal compares with: a number, an amount, a day or a level's place (exact),
// or a text, a name or `true`/`false` as written.
struct Value {
    bool numeric = false;
    Exact number;
    std::string text;  // what the author wrote, for messages and text equality

    bool operator<(const Value& o) const {
        if (numeric != o.numeric) return numeric < o.numeric;
        return numeric ? number < o.number : text < o.text;
    }
    bool operator==(const Value& o) const { return !(*this < o) && !(o < *this); }
};

// What one branch of a condition requires of one subject.
struct Constraint {
    bool needs_true = false;
    bool needs_false = false;
    std::optional<std::set<Value>> allowed;  // `is` / `in`: the value is one of these
    std::set<Value> required;                // the `is` values, for the message
    std::set<Value> excluded;                // `is not` / `not in`
    std::optional<std::pair<Exact, bool>> low;   // value, strict
    std::optional<std::pair<Exact, bool>> high;
};

// One branch of a condition, by subject (interned ids, sorted).
using Summary = std::vector<std::pair<std::size_t, Constraint>>;

// Beyond this many branches (of one condition, or of two compared) a condition is "unknown":
// taken as possibly true, and as overlapping any other, so no W2001 and no escape from W2002.
constexpr std::size_t kMaxTerms = 64;

// The services a condition allows.
struct Served {
    bool any = false;      // some branch says nothing about the service
    bool unknown = false;  // some branch names its services through a list fact
    std::set<std::string> names;
};

// One rule's condition, read.
struct ReadCondition {
    std::optional<std::vector<Summary>> branches;  // those that can hold; nullopt: too large to analyse
    std::optional<std::string> never;  // why the first branch that cannot hold cannot (W2001's help)
    Served served;                     // the services it allows (any, when too large)
};

// Reads the conditions of one module's rules. The subjects of every condition it reads share
// one table of ids, so that branches of different conditions can be compared. Holds the
// checker by reference; one thread.
class ConditionReader {
public:
    explicit ConditionReader(const Checker& c);
    ~ConditionReader();
    ConditionReader(const ConditionReader&) = delete;
    ConditionReader& operator=(const ConditionReader&) = delete;

    // `condition`: nullptr for a rule without one (which always holds).
    ReadCondition read(const Expr* condition);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Whether two branches, each satisfiable alone, can hold together.
bool compatible(const Summary& a, const Summary& b);

}  // namespace jointly::engine::semantic::conditions
