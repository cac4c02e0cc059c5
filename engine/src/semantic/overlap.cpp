// Checker warnings about rules as a whole: a rule that can never apply (W2001) and two
// rules that can apply to the same line with no exception relation (W2002).
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
// contradicts its own negation. docs/diagnostics.md states the heuristic for authors; keep the two in step.
#include <algorithm>
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "context.hpp"

namespace jointly::engine::semantic {
namespace {

__extension__ typedef __int128 Wide;  // GCC and clang; as engine/src/wide.hpp

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

constexpr std::size_t kMaxTerms = 64;  // beyond this a condition is "unknown": no warning

enum class Rel { Truth, Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

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

struct Literal {
    std::string subject;
    Rel rel = Rel::Truth;
    bool truth = true;        // Truth
    std::vector<Value> values;  // one for Eq..Ge, the members for In/NotIn
    bool service_list = false;  // Truth: `service in LIST_FACT` (services known only at run time)
    bool whole = false;         // Lt..Ge: the subject takes only whole values (a `whole` fact, a date's day)
    // A comparison of two expressions neither of which is a constant (`points < limit`): the
    // subject is the pair, compared with 0 as `a - b` would be, and messages name `a` and `b`.
    std::string compared{};       // `a`, as written; empty for any other literal
    std::string compared_with{};  // `b`
};

using Term = std::vector<Literal>;
using Dnf = std::optional<std::vector<Term>>;  // nullopt: too large to analyse

std::int64_t day_number(const CivilDate& d) {  // days since 1970-01-01, proleptic Gregorian
    const std::int64_t y = d.year - (d.month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t mp = (d.month + 9) % 12;
    const std::int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

Exact decimal_value(const Decimal& d) { return Exact{d.units, std::clamp(d.scale, 0, 18)}; }

Rel flip(Rel r) {
    switch (r) {
        case Rel::Lt: return Rel::Gt;
        case Rel::Le: return Rel::Ge;
        case Rel::Gt: return Rel::Lt;
        case Rel::Ge: return Rel::Le;
        default: return r;
    }
}

Rel negate(Rel r) {
    switch (r) {
        case Rel::Eq: return Rel::Ne;
        case Rel::Ne: return Rel::Eq;
        case Rel::Lt: return Rel::Ge;
        case Rel::Le: return Rel::Gt;
        case Rel::Gt: return Rel::Le;
        case Rel::Ge: return Rel::Lt;
        case Rel::In: return Rel::NotIn;
        case Rel::NotIn: return Rel::In;
        case Rel::Truth: return Rel::Truth;
    }
    return r;
}

// `1.50` as `1.5`: equal literals written with different decimal places get one key.
Decimal without_trailing_zeros(Decimal d) {
    while (d.scale > 0 && d.units % 10 == 0) {
        d.units /= 10;
        --d.scale;
    }
    return d;
}

// The key of an expression: equal for expressions written alike, and for a name and the
// constant or name a definition of it stands for (definition_of).
std::string canonical(const Checker& c, const Expr& e) {
    if (const Expr& d = definition_of(c, e); &d != &e) return canonical(c, d);
    if (const auto* b = e.as<BoolLit>()) return b->value ? "true" : "false";
    if (const auto* n = e.as<NumberLit>()) return decimal_text(without_trailing_zeros(n->value));
    if (const auto* m = e.as<MoneyLit>()) return money_text(without_trailing_zeros(m->pounds));
    if (const auto* p = e.as<PercentLit>()) return decimal_text(without_trailing_zeros(p->value)) + "%";
    if (const auto* d = e.as<DateLit>()) return date_text(d->value);
    if (const auto* t = e.as<TextLit>()) return quote(t->value);
    if (const std::string* name = e.name()) return *name;
    if (e.is<Duration>()) return expr_text(e);
    // Built with += only: GCC 12 warns falsely (-Wrestrict) on `"x" + std::string&&`.
    // The kind is the node's index in ExprNode; a call adds its function, a binary or
    // unary expression its operator (the other nodes the first operator, as they always have).
    const Binary* binary = e.as<Binary>();
    const Unary* unary = e.as<Unary>();
    const Call* call = e.as<Call>();
    std::string out = "(";
    out += std::to_string(e.node.index());
    out += ':';
    if (call != nullptr) out += call->function;
    out += ':';
    out += std::to_string(static_cast<int>(binary != nullptr ? binary->op : BinaryOp::And));
    out += ':';
    out += std::to_string(static_cast<int>(unary != nullptr ? unary->op : UnaryOp::Not));
    for_each_child(e, [&](const Expr& arg) {
        out += ' ';
        out += canonical(c, arg);
    });
    out += ')';
    return out;
}

class Analyser {
public:
    explicit Analyser(const Checker& c) : c_(c) {}

    Dnf dnf(const Expr& e, bool negated) {
        if (const BoolLit* literal = e.as<BoolLit>()) return constant(literal->value != negated);
        if (const Unary* unary = e.as<Unary>(); unary != nullptr && unary->op == UnaryOp::Not) {
            return dnf(*unary->operand, !negated);
        }
        const Binary* binary = e.as<Binary>();
        if (binary != nullptr && (binary->op == BinaryOp::And || binary->op == BinaryOp::Or)) {
            const bool conjunction = (binary->op == BinaryOp::And) != negated;
            Dnf a = dnf(*binary->left, negated);
            Dnf b = dnf(*binary->right, negated);
            if (!a || !b) return std::nullopt;
            if (!conjunction) {
                a->insert(a->end(), b->begin(), b->end());
                if (a->size() > kMaxTerms) return std::nullopt;
                return a;
            }
            return product(*a, *b);
        }
        if (binary != nullptr) {
            if (auto lit = comparison(*binary, negated)) return lit;
        }
        if (const In* in = e.as<In>()) {
            if (auto lit = membership(e, *in, negated)) return lit;
        }
        Literal opaque{canonical(c_, e), Rel::Truth, !negated, {}};
        return std::vector<Term>{Term{opaque}};
    }

    static Dnf product(const std::vector<Term>& a, const std::vector<Term>& b) {
        if (a.size() * b.size() > kMaxTerms) return std::nullopt;
        std::vector<Term> out;
        for (const Term& x : a) {
            for (const Term& y : b) {
                Term t = x;
                t.insert(t.end(), y.begin(), y.end());
                out.push_back(std::move(t));
            }
        }
        return out;
    }

private:
    static Dnf constant(bool value) {
        return value ? std::vector<Term>{Term{}} : std::vector<Term>{};
    }

    bool is_service(const Expr& e) const {
        return e.name() != nullptr && *e.name() == "service" && c_.value("service") == nullptr;
    }

    // The scale a level-valued expression belongs to, when it is a level fact.
    std::string scale_of(const Expr& e) const {
        if (e.name() == nullptr) return {};
        const Symbol* s = c_.value(*e.name());
        if (s == nullptr || s->kind != SymbolKind::Fact) return {};
        const Fact& fact = c_.module.facts[s->index];
        return fact.type.kind == TypeKind::Level ? fact.type.scale.name : std::string();
    }

    // True when `e` takes only whole values: a `whole` fact or definition, `age`, `count(...)`,
    // a whole number, or a sum, difference or product of those. (Dates and levels are
    // compared as whole day numbers and ordinals: `whole_value` says so for their literals.)
    bool whole_valued(const Expr& e) const {
        if (const std::string* name = e.name()) {
            const Symbol* s = c_.value(*name);
            if (s == nullptr) return *name == "age";
            if (s->kind == SymbolKind::Fact) return c_.module.facts[s->index].type.kind == TypeKind::Whole;
            if (s->kind == SymbolKind::Let) return c_.lets[s->index].type.tag == TypeTag::Whole;
            return false;
        }
        if (const auto* n = e.as<NumberLit>()) return n->value.scale == 0;
        if (const Call* call = e.as<Call>()) return call->function == "count";
        if (const Binary* b = e.as<Binary>()) {
            return (b->op == BinaryOp::Add || b->op == BinaryOp::Sub || b->op == BinaryOp::Mul) &&
                   whole_valued(*b->left) && whole_valued(*b->right);
        }
        return false;
    }

    // True when the constant `e` stands for a whole number by its kind: a date (a day number)
    // or a level (an ordinal), whatever it is compared with.
    static bool whole_value(const Expr& e) { return e.is<DateLit>() || e.is<NameRef>(); }

    // The constant an expression denotes, read against the other side of a comparison.
    std::optional<Value> value_of(const Expr& e, const Expr& other) const {
        if (const auto* n = e.as<NumberLit>()) return Value{true, decimal_value(n->value), canonical(c_, e)};
        if (const auto* m = e.as<MoneyLit>()) return Value{true, decimal_value(m->pounds), canonical(c_, e)};
        if (const auto* p = e.as<PercentLit>()) return Value{true, decimal_value(p->value), canonical(c_, e)};
        if (const auto* d = e.as<DateLit>()) return Value{true, Exact{day_number(d->value), 0}, date_text(d->value)};
        if (const auto* t = e.as<TextLit>()) return Value{false, {}, t->value};
        if (const auto* b = e.as<BoolLit>()) return Value{false, {}, b->value ? "true" : "false"};
        const NameRef* name = e.as<NameRef>();
        if (name == nullptr) return std::nullopt;
        const std::string& text = name->name;
        if (is_service(other)) return Value{false, {}, text};
        const Symbol* s = c_.value(text);
        if (s != nullptr && s->kind != SymbolKind::Level) return std::nullopt;
        std::string scale = scale_of(other);
        if (scale.empty()) {
            const auto it = c_.level_scales.find(text);
            if (it == c_.level_scales.end() || it->second.size() != 1) return std::nullopt;
            scale = c_.module.scales[it->second.front()].id.name;
        }
        const std::optional<std::size_t> ordinal = c_.level_ordinal(scale, text);
        if (!ordinal) return std::nullopt;
        return Value{true, Exact{static_cast<std::int64_t>(*ordinal), 0}, text};
    }

    // The service group a name compared with `service` stands for, or nullptr.
    const Service* group_of(const Expr& e) const {
        if (e.name() == nullptr) return nullptr;
        for (const Service& s : c_.module.services) {
            if (s.group && s.id.name == *e.name()) return &s;
        }
        return nullptr;
    }

    // `service is placements`: `service in [its members]`.
    static Dnf group_test(std::string subject, const Service& group, bool in) {
        Literal lit{std::move(subject), in ? Rel::In : Rel::NotIn, true, {}};
        for (const Ident& m : group.members) lit.values.push_back(Value{false, {}, m.name});
        return std::vector<Term>{Term{lit}};
    }

    Dnf comparison(const Binary& e, bool negated) const {
        Rel rel;
        switch (e.op) {
            case BinaryOp::Eq: rel = Rel::Eq; break;
            case BinaryOp::Ne: rel = Rel::Ne; break;
            case BinaryOp::Lt: rel = Rel::Lt; break;
            case BinaryOp::Le: rel = Rel::Le; break;
            case BinaryOp::Gt: rel = Rel::Gt; break;
            case BinaryOp::Ge: rel = Rel::Ge; break;
            default: return std::nullopt;
        }
        // A name compared with `service` is a service, even one spelt like a definition.
        const bool service_test = is_service(*e.left) || is_service(*e.right);
        const Expr& left = service_test ? *e.left : definition_of(c_, *e.left);
        const Expr& right = service_test ? *e.right : definition_of(c_, *e.right);
        if ((rel == Rel::Eq || rel == Rel::Ne) && (is_service(left) || is_service(right))) {
            const Service* group = group_of(is_service(left) ? right : left);
            if (group != nullptr) {
                return group_test(canonical(c_, is_service(left) ? left : right), *group, (rel == Rel::Eq) != negated);
            }
        }
        const std::optional<Value> lv = is_service(left) ? std::nullopt : value_of(left, right);
        const std::optional<Value> rv = is_service(right) ? std::nullopt : value_of(right, left);
        if (negated) rel = negate(rel);
        if (lv && rv) {
            if (lv->numeric != rv->numeric) return std::nullopt;
            const bool eq = *lv == *rv;
            const bool lt = *lv < *rv;
            bool holds = false;
            switch (rel) {
                case Rel::Eq: holds = eq; break;
                case Rel::Ne: holds = !eq; break;
                case Rel::Lt: holds = lt; break;
                case Rel::Le: holds = lt || eq; break;
                case Rel::Gt: holds = !lt && !eq; break;
                case Rel::Ge: holds = !lt; break;
                default: return std::nullopt;
            }
            return constant(holds);
        }
        if (rv) return single(canonical(c_, left), rel, *rv, whole_valued(left) || whole_value(right));
        if (lv) return single(canonical(c_, right), flip(rel), *lv, whole_valued(right) || whole_value(left));
        return compared(*e.left, *e.right, rel);
    }

    // `a < b` where neither side is a constant: one subject, the pair, bounded against 0 as
    // `a - b` would be (whatever the two are: numbers, money, dates, levels, texts, each
    // ordered, or only equal or not). So `points < limit` and `points >= limit`, or `limit >
    // points`, leave no value; `points < lower` and `points >= upper` are two subjects, which
    // may both hold.
    Dnf compared(const Expr& a, const Expr& b, Rel rel) const {
        std::string x = canonical(c_, a);
        std::string y = canonical(c_, b);
        std::string shown_x = expr_text(a);
        std::string shown_y = expr_text(b);
        if (y < x) {
            std::swap(x, y);
            std::swap(shown_x, shown_y);
            rel = flip(rel);
        }
        Literal lit{"compare(" + x + ", " + y + ")", rel, true, {Value{true, Exact{}, "0"}}};
        lit.compared = std::move(shown_x);
        lit.compared_with = std::move(shown_y);
        return std::vector<Term>{Term{lit}};
    }

    Dnf membership(const Expr& e, const In& in, bool negated) const {
        const InSet set = in_set(c_, in);
        const bool service_test = is_service(*in.needle);
        const Expr& needle = service_test ? *in.needle : definition_of(c_, *in.needle);
        if (set.list_fact) {
            // A list fact: opaque, but remembered as a constraint on the service.
            Literal lit{canonical(c_, e), Rel::Truth, !negated, {}, service_test};
            return std::vector<Term>{Term{lit}};
        }
        Literal lit{canonical(c_, needle), negated ? Rel::NotIn : Rel::In, true, {}};
        for (const Expr* m : set.members) {
            const Service* group = service_test ? group_of(*m) : nullptr;
            if (group != nullptr) {
                for (const Ident& g : group->members) lit.values.push_back(Value{false, {}, g.name});
                continue;
            }
            const std::optional<Value> v = value_of(service_test ? *m : definition_of(c_, *m), needle);
            if (!v) return std::nullopt;
            lit.values.push_back(*v);
        }
        return std::vector<Term>{Term{lit}};
    }

    static Dnf single(std::string subject, Rel rel, Value v, bool whole) {
        Literal lit{std::move(subject), rel, true, {std::move(v)}, false, whole};
        return std::vector<Term>{Term{lit}};
    }

    const Checker& c_;
};

std::string quoted_values(const std::set<Value>& values) {
    std::string out;
    for (const Value& v : values) out += (out.empty() ? "`" : " and `") + v.text + "`";
    return out;
}

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

void intersect(std::optional<std::set<Value>>& allowed, const std::set<Value>& s) {
    if (!allowed) {
        allowed = s;
        return;
    }
    std::set<Value> both;
    std::set_intersection(allowed->begin(), allowed->end(), s.begin(), s.end(),
                          std::inserter(both, both.begin()));
    allowed = std::move(both);
}

void tighten(std::optional<std::pair<Exact, bool>>& bound,
             const std::pair<Exact, bool>& by, bool is_high) {
    if (!bound || (is_high ? by.first < bound->first : by.first > bound->first) ||
        (by.first == bound->first && by.second)) {
        bound = by;
    }
}

// A bound on a subject that takes only whole values, as the whole bound that is not strict
// and admits the same whole numbers: `x > 5` is `x >= 6`, `x < 5.5` is `x <= 5`. So two
// conditions that leave no whole number between them (`x > 5`, `x < 6`) do not meet. A
// bound whose whole number an int64 cannot hold is left as written.
std::pair<Exact, bool> whole_bound(const Exact& v, bool strict, bool is_high) {
    Wide unit = 1;
    for (std::int32_t i = 0; i < v.scale; ++i) unit *= 10;
    const Wide quotient = v.units / unit;  // rounded toward zero
    const Wide remainder = v.units % unit;
    const Wide floor = quotient - (remainder < 0 ? 1 : 0);
    const Wide ceiling = quotient + (remainder > 0 ? 1 : 0);
    const Wide bound = is_high ? (strict ? ceiling - 1 : floor) : (strict ? floor + 1 : ceiling);
    if (bound < INT64_MIN || bound > INT64_MAX) return {v, strict};
    return {Exact{static_cast<std::int64_t>(bound), 0}, false};
}

void add(Constraint& c, const Literal& lit) {
    switch (lit.rel) {
        case Rel::Truth: (lit.truth ? c.needs_true : c.needs_false) = true; break;
        case Rel::Eq:
        case Rel::In: {
            const std::set<Value> s(lit.values.begin(), lit.values.end());
            if (lit.rel == Rel::Eq) c.required.insert(s.begin(), s.end());
            intersect(c.allowed, s);
            break;
        }
        case Rel::Ne:
        case Rel::NotIn: c.excluded.insert(lit.values.begin(), lit.values.end()); break;
        case Rel::Lt:
        case Rel::Le:
        case Rel::Gt:
        case Rel::Ge: {
            const Value& v = lit.values.front();
            if (!v.numeric) break;
            const bool strict = lit.rel == Rel::Lt || lit.rel == Rel::Gt;
            const bool is_high = lit.rel == Rel::Lt || lit.rel == Rel::Le;
            const std::pair<Exact, bool> bound =
                lit.whole ? whole_bound(v.number, strict, is_high) : std::pair<Exact, bool>{v.number, strict};
            tighten(is_high ? c.high : c.low, bound, is_high);
            break;
        }
    }
}

// How messages name a subject: `subject` as written, or the two sides of a comparison.
struct Named {
    std::string subject;
    std::string compared;       // Literal::compared
    std::string compared_with;
};

// Why no value of `named` meets `c`, or nullopt when one may.
std::optional<std::string> empty(const Constraint& c, const Named& named) {
    const std::string& subject = named.subject;
    const auto why_compared = [&] {
        return "the comparisons of `" + named.compared + "` with `" + named.compared_with + "` cannot all hold";
    };
    if (c.needs_true && c.needs_false) return "`" + subject + "` cannot be both true and false";
    if (c.allowed) {
        std::set<Value> left;
        std::set_difference(c.allowed->begin(), c.allowed->end(), c.excluded.begin(), c.excluded.end(),
                            std::inserter(left, left.begin()));
        std::erase_if(left, [&](const Value& v) {
            if (!v.numeric) return false;
            if (c.low && (v.number < c.low->first || (v.number == c.low->first && c.low->second))) return true;
            return c.high && (v.number > c.high->first || (v.number == c.high->first && c.high->second));
        });
        if (left.empty()) {
            if (!named.compared.empty()) return why_compared();
            if (c.required.size() >= 2) return "`" + subject + "` cannot be both " + quoted_values(c.required);
            return "no value of `" + subject + "` meets all of its conditions";
        }
    }
    if (c.low && c.high &&
        (c.low->first > c.high->first ||
         (c.low->first == c.high->first && (c.low->second || c.high->second)))) {
        if (!named.compared.empty()) return why_compared();
        return "no value of `" + subject + "` meets all of its bounds";
    }
    return std::nullopt;
}

// One branch of a condition, by subject (interned ids, sorted).
using Summary = std::vector<std::pair<std::size_t, Constraint>>;

class Subjects {
public:
    std::size_t id(const Literal& lit) {
        const auto [it, inserted] = ids_.emplace(lit.subject, names_.size());
        if (inserted) names_.push_back(Named{lit.subject, lit.compared, lit.compared_with});
        return it->second;
    }
    const Named& name(std::size_t id) const { return names_[id]; }

private:
    std::map<std::string, std::size_t> ids_;
    std::vector<Named> names_;
};

Summary summarise(const Term& term, Subjects& subjects) {
    std::map<std::size_t, Constraint> by;
    for (const Literal& lit : term) add(by[subjects.id(lit)], lit);
    return Summary(by.begin(), by.end());
}

// Why `branch` can never hold, or nullopt when it may.
std::optional<std::string> contradiction(const Summary& branch, const Subjects& subjects) {
    for (const auto& [subject, constraint] : branch) {
        if (auto why = empty(constraint, subjects.name(subject))) return why;
    }
    return std::nullopt;
}

using Bound = std::optional<std::pair<Exact, bool>>;

// The tighter of two bounds, without copying (`is_high`: the smaller wins).
const Bound& tighter(const Bound& a, const Bound& b, bool is_high) {
    if (!a) return b;
    if (!b) return a;
    if (a->first == b->first) return a->second ? a : b;
    return (a->first < b->first) == is_high ? a : b;
}

bool outside(const Value& v, const Bound& low, const Bound& high) {
    if (!v.numeric) return false;
    if (low && (v.number < low->first || (v.number == low->first && low->second))) return true;
    return high && (v.number > high->first || (v.number == high->first && high->second));
}

// True when no value meets both `a` and `b` (each satisfiable alone). Same verdict as
// `empty(merged(a, b))`, without building the merged constraint: this runs for every
// pair of rules that may share a service.
bool conflicts(const Constraint& a, const Constraint& b) {
    if ((a.needs_true || b.needs_true) && (a.needs_false || b.needs_false)) return true;
    const Bound& low = tighter(a.low, b.low, false);
    const Bound& high = tighter(b.high, a.high, true);
    if (low && high &&
        (low->first > high->first || (low->first == high->first && (low->second || high->second)))) {
        return true;
    }
    if (!a.allowed && !b.allowed) return false;
    const std::set<Value>& first = a.allowed ? *a.allowed : *b.allowed;
    for (const Value& v : first) {
        if (a.allowed && b.allowed && &first == &*a.allowed && b.allowed->count(v) == 0) continue;
        if (a.excluded.count(v) != 0 || b.excluded.count(v) != 0 || outside(v, low, high)) continue;
        return false;  // `v` meets both
    }
    return true;
}

// Whether two branches, each satisfiable alone, can hold together.
bool compatible(const Summary& a, const Summary& b) {
    auto i = a.begin();
    auto j = b.begin();
    while (i != a.end() && j != b.end()) {
        if (i->first < j->first) {
            ++i;
        } else if (j->first < i->first) {
            ++j;
        } else {
            if (conflicts(i->second, j->second)) return false;
            ++i;
            ++j;
        }
    }
    return true;
}

// The services a condition allows.
struct Served {
    bool any = false;      // some branch says nothing about the service
    bool unknown = false;  // some branch names its services through a list fact
    std::set<std::string> names;
};

Served services(const std::vector<Term>& terms) {
    Served out;
    for (const Term& term : terms) {
        std::optional<std::set<std::string>> here;
        bool listed = false;
        for (const Literal& lit : term) {
            if (lit.service_list && lit.truth) listed = true;
            if (lit.subject != "service" || (lit.rel != Rel::Eq && lit.rel != Rel::In)) continue;
            std::set<std::string> s;
            for (const Value& v : lit.values) s.insert(v.text);
            if (!here) {
                here = s;
            } else {
                std::set<std::string> both;
                std::set_intersection(here->begin(), here->end(), s.begin(), s.end(),
                                      std::inserter(both, both.begin()));
                here = both;
            }
        }
        if (here) {
            out.names.insert(here->begin(), here->end());
        } else if (listed) {
            out.unknown = true;
        } else {
            out.any = true;
        }
    }
    return out;
}

// The overlap analysis's work, counted in steps against Limits::overlap_steps.
class Steps {
public:
    explicit Steps(std::uint64_t limit) : limit_(limit) {}

    // Spends `n` steps; false once more than the budget has been spent.
    bool spend(std::uint64_t n) {
        used_ += n;
        return limit_ == 0 || used_ <= limit_;
    }
    std::uint64_t limit() const { return limit_; }

private:
    std::uint64_t limit_;
    std::uint64_t used_ = 0;
};

// Which rules are related to one rule through `exception to`, found by walking the
// relation from that rule on demand: memory linear in the rules, and the walk is paid for
// in steps (a chain of N exceptions costs N per rule, N * N in all, which the budget bounds).
class Relations {
public:
    explicit Relations(const Checker& c) : up_(c.module.rules.size()), down_(c.module.rules.size()),
                                           above_(c.module.rules.size(), kNone),
                                           below_(c.module.rules.size(), kNone) {
        const std::vector<Rule>& rules = c.module.rules;
        for (std::size_t i = 0; i < rules.size(); ++i) {
            for (const Ident& target : rules[i].exception_to) {
                const auto it = c.rule_index.find(target.name);
                if (it == c.rule_index.end() || it->second == i) continue;
                up_[i].push_back(it->second);
                down_[it->second].push_back(i);
            }
        }
    }

    // Marks every rule `j` is an exception to (above) and every rule that is an exception
    // to `j` (below), directly or through a chain. Returns the steps taken.
    std::uint64_t walk(std::size_t j) {
        return mark(j, up_, above_) + mark(j, down_, below_);
    }
    // After walk(j): whether `i` and `j` are related (either is an exception to the other).
    bool related(std::size_t i, std::size_t j) const { return above_[i] == j || below_[i] == j; }

private:
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

    std::uint64_t mark(std::size_t j, const std::vector<std::vector<std::size_t>>& edges,
                       std::vector<std::size_t>& seen) {
        std::uint64_t steps = 0;
        todo_.assign(1, j);
        seen[j] = j;
        while (!todo_.empty()) {
            const std::size_t at = todo_.back();
            todo_.pop_back();
            for (const std::size_t next : edges[at]) {
                ++steps;
                if (seen[next] != j) {
                    seen[next] = j;
                    todo_.push_back(next);
                }
            }
        }
        return steps;
    }

    std::vector<std::vector<std::size_t>> up_;    // the rules each rule is an exception to
    std::vector<std::vector<std::size_t>> down_;  // the rules that are exceptions to each rule
    std::vector<std::size_t> above_;              // == j: an ancestor of j (after walk(j))
    std::vector<std::size_t> below_;              // == j: a descendant of j
    std::vector<std::size_t> todo_;
};

// "a `respite` line", "an `additional_support` line".
std::string line_of(const std::string& service) {
    const bool vowel = !service.empty() && std::string_view("aeiou").find(service.front()) != std::string_view::npos;
    return std::string(vowel ? "an `" : "a `") + service + "` line";
}

}  // namespace

void check_static_rules(Checker& c) {
    const std::vector<Rule>& rules = c.module.rules;
    Analyser analyser(c);
    Subjects subjects;
    std::vector<Dnf> forms(rules.size());
    // The branches of each rule's condition that can hold (nullopt: too large to analyse).
    std::vector<std::optional<std::vector<Summary>>> branches(rules.size());
    std::vector<bool> excluded(rules.size(), false);  // W2001, or an unknown `exception to`
    for (std::size_t i = 0; i < rules.size(); ++i) {
        c.tick();
        forms[i] = rules[i].condition ? analyser.dnf(*rules[i].condition, false)
                                      : Dnf(std::vector<Term>{Term{}});
        if (!forms[i]) continue;
        std::optional<std::string> why;
        branches[i].emplace();
        for (const Term& term : *forms[i]) {
            Summary summary = summarise(term, subjects);
            const std::optional<std::string> w = contradiction(summary, subjects);
            if (!w) {
                branches[i]->push_back(std::move(summary));
            } else if (!why) {
                why = w;
            }
        }
        if (!branches[i]->empty()) continue;
        excluded[i] = true;
        std::string help = why ? *why : "the condition is always false";
        if (why && why->rfind("`service` cannot be both", 0) == 0) {
            help += "; a line has one service: for either, write `service in [a, b]`";
        }
        c.emit(Code::rule_never_applies, pick(rules[i].condition->span, rules[i].id.span),
               "rule `" + rules[i].id.name + "` can never apply: its condition is always false", help);
    }

    // A rule whose `exception to` names an unknown rule (E2010) is left out: its relation
    // is unknown. (Cycles were reported as errors.)
    for (std::size_t i = 0; i < rules.size(); ++i) {
        for (const Ident& target : rules[i].exception_to) {
            if (c.rule_index.count(target.name) == 0) excluded[i] = true;
        }
    }
    Relations relations(c);
    std::vector<Served> served(rules.size());
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (forms[i]) {
            served[i] = services(*forms[i]);
        } else {
            served[i].any = true;
        }
    }
    // Candidate pairs share a named service or involve a rule open to any service, so a
    // policy of many rules on distinct services costs little more than linear time. Many
    // rules on one service cost a step per pair: the budget (Limits::overlap_steps) bounds
    // them, and once it is spent the analysis stops with one W2008.
    Steps steps(c.limits.overlap_steps);
    std::map<std::string, std::vector<std::size_t>> by_service;
    std::vector<std::size_t> open_rules;
    std::vector<std::size_t> seen(rules.size(), rules.size());
    std::vector<std::size_t> candidates;
    for (std::size_t j = 0; j < rules.size(); ++j) {
        c.tick();
        candidates.clear();
        std::uint64_t gathered = 0;
        if (served[j].any) {
            for (std::size_t i = 0; i < j; ++i) candidates.push_back(i);
            gathered = j;
        } else {
            auto add = [&](std::size_t i) {
                ++gathered;
                if (seen[i] != j) {
                    seen[i] = j;
                    candidates.push_back(i);
                }
            };
            for (const std::size_t i : open_rules) add(i);
            for (const std::string& service : served[j].names) {
                for (const std::size_t i : by_service[service]) add(i);
            }
            std::sort(candidates.begin(), candidates.end());
        }
        if (served[j].any) {
            open_rules.push_back(j);
        } else {
            for (const std::string& service : served[j].names) by_service[service].push_back(j);
        }
        bool within = steps.spend(gathered);
        bool walked = false;
        for (std::size_t k = 0; within && !excluded[j] && k < candidates.size(); ++k) {
            const std::size_t i = candidates[k];
            within = steps.spend(1);
            if (excluded[i] || rules[i].id.name == rules[j].id.name) continue;  // E2001 already
            const Served& a = served[i];
            const Served& b = served[j];
            const std::string* common = nullptr;  // a service both name, for the message
            if (!a.any && !b.any) {
                // Both constrain the service. Through a list fact the services are known
                // only at run time: no warning (conservative).
                if (a.unknown || b.unknown) continue;
                for (const std::string& name : a.names) {
                    if (b.names.count(name) != 0) {
                        common = &name;
                        break;
                    }
                }
                if (common == nullptr) continue;
            }
            const WindowOverlap shared = window_overlap(c, rules[i].window, rules[j].window);
            if (!shared.may) continue;
            if (!walked) {
                within = steps.spend(relations.walk(j)) && within;
                walked = true;
            }
            if (relations.related(i, j)) continue;
            bool overlap = true;
            const auto& bi = branches[i];
            const auto& bj = branches[j];
            if (bi && bj && bi->size() * bj->size() <= kMaxTerms) {
                within = steps.spend(bi->size() * bj->size()) && within;
                overlap = std::any_of(bi->begin(), bi->end(), [&](const Summary& x) {
                    return std::any_of(bj->begin(), bj->end(),
                                       [&](const Summary& y) { return compatible(x, y); });
                });
            }
            if (!overlap || !c.keep(Code::rules_overlap, rules[j].id.span)) continue;
            c.add(Code::rules_overlap, rules[j].id.span,
                  "rules `" + rules[i].id.name + "` and `" + rules[j].id.name + "` can both apply to " +
                      (common != nullptr ? line_of(*common) : std::string("the same line")) +
                      (shared.days.empty() ? "" : " " + shared.days) +
                      ", and neither is an exception to the other",
                  "a line they both match is referred to the panel as a conflict; make one an "
                  "`exception to` the other, or make their conditions exclusive" +
                      std::string(shared.one_day ? "; `to` and `through` include their own day, "
                                                   "`until` and `before` leave it out"
                                                 : ""));
        }
        if (within) continue;
        c.add(Code::overlap_cut_short, rules[j].id.span,
              "the check for overlapping rules (W2002) stopped at rule `" + rules[j].id.name +
                  "` after " + std::to_string(steps.limit()) +
                  " steps, its limit: later pairs of rules were not compared",
              "many rules can apply to one service; make the rules on a service exceptions to "
              "one another or split the policy, so that each can be checked");
        return;
    }
}

}  // namespace jointly::engine::semantic
