// The overlap analysis's reading of a condition (condition_branches.hpp): its disjunctive
// normal form over literals, each branch's constraints by subject, and whether they meet.
#include "condition_branches.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace jointly::engine::semantic::conditions {
namespace {

enum class Rel { Truth, Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

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

}  // namespace

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

struct ConditionReader::Impl {
    const Checker& c;
    Subjects subjects;
};

ConditionReader::ConditionReader(const Checker& c) : impl_(std::make_unique<Impl>(Impl{c, {}})) {}
ConditionReader::~ConditionReader() = default;

ReadCondition ConditionReader::read(const Expr* condition) {
    Analyser analyser(impl_->c);
    const Dnf form = condition != nullptr ? analyser.dnf(*condition, false) : Dnf(std::vector<Term>{Term{}});
    ReadCondition out;
    if (!form) {
        out.served.any = true;
        return out;
    }
    out.branches.emplace();
    for (const Term& term : *form) {
        Summary summary = summarise(term, impl_->subjects);
        std::optional<std::string> why = contradiction(summary, impl_->subjects);
        if (!why) {
            out.branches->push_back(std::move(summary));
        } else if (!out.never) {
            out.never = std::move(why);
        }
    }
    out.served = services(*form);
    return out;
}

}  // namespace jointly::engine::semantic::conditions
