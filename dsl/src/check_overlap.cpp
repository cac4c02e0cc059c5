// Checker warnings about rules as a whole: a rule that can never apply (W2001) and two
// rules that can apply to the same line with no exception relation (W2002).
//
// A condition is brought to disjunctive normal form over "literals" (`service is x`,
// `has_ehcp`, `age < 18`, `count(dst, severe) >= 2` ...). A conjunction is contradictory
// when, for one subject, its literals leave no value: two different `is` values, a value
// both required and excluded, `x` and `not x`, or numeric/date/level bounds that do not
// meet. Anything else (a let, a threshold, `a > b` between two facts) is an opaque
// literal that only contradicts its own negation. docs/diagnostics.md states the
// heuristic for authors; keep the two in step.
#include <boost/multiprecision/cpp_int.hpp>
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "check_context.hpp"

namespace jointly::dsl::checker {
namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;

constexpr std::size_t kMaxTerms = 64;  // beyond this a condition is "unknown": no warning

enum class Rel { Truth, Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

struct Value {
    bool numeric = false;
    cpp_rational number;
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

cpp_rational decimal_value(const Decimal& d) {
    cpp_int p = 1;
    for (std::int32_t i = 0; i < d.scale; ++i) p *= 10;
    return cpp_rational(cpp_int(d.units), p);
}

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

std::string canonical(const Expr& e) {
    switch (e.kind) {
        case ExprKind::Bool: return e.boolean ? "true" : "false";
        case ExprKind::Number: return decimal_text(e.number);
        case ExprKind::Money: return "£" + decimal_text(e.number);
        case ExprKind::Percent: return decimal_text(e.number) + "%";
        case ExprKind::Date: return date_text(e.date);
        case ExprKind::Text: return "\"" + e.text + "\"";
        case ExprKind::Name: return e.text;
        default: break;
    }
    std::string out = "(" + std::to_string(static_cast<int>(e.kind)) + ":" + e.text + ":" +
                      std::to_string(static_cast<int>(e.binary_op)) + ":" +
                      std::to_string(static_cast<int>(e.unary_op));
    for (const Expr& arg : e.args) out += " " + canonical(arg);
    return out + ")";
}

class Analyser {
public:
    explicit Analyser(const Checker& c) : c_(c) {}

    Dnf dnf(const Expr& e, bool negated) {
        if (e.kind == ExprKind::Bool) return constant(e.boolean != negated);
        if (e.kind == ExprKind::Unary && e.unary_op == UnaryOp::Not && !e.args.empty()) {
            return dnf(e.args[0], !negated);
        }
        if (e.kind == ExprKind::Binary && e.args.size() == 2 &&
            (e.binary_op == BinaryOp::And || e.binary_op == BinaryOp::Or)) {
            const bool conjunction = (e.binary_op == BinaryOp::And) != negated;
            Dnf a = dnf(e.args[0], negated);
            Dnf b = dnf(e.args[1], negated);
            if (!a || !b) return std::nullopt;
            if (!conjunction) {
                a->insert(a->end(), b->begin(), b->end());
                if (a->size() > kMaxTerms) return std::nullopt;
                return a;
            }
            return product(*a, *b);
        }
        if (e.kind == ExprKind::Binary && e.args.size() == 2) {
            if (auto lit = comparison(e, negated)) return lit;
        }
        if (e.kind == ExprKind::In) {
            if (auto lit = membership(e, negated)) return lit;
        }
        Literal opaque{canonical(e), Rel::Truth, !negated, {}};
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
        return e.kind == ExprKind::Name && e.text == "service" && c_.value("service") == nullptr;
    }

    // The scale a level-valued expression belongs to, when it is a level fact.
    std::string scale_of(const Expr& e) const {
        if (e.kind != ExprKind::Name) return {};
        const Symbol* s = c_.value(e.text);
        if (s == nullptr || s->kind != SymbolKind::Fact) return {};
        const Fact& fact = c_.module.facts[s->index];
        return fact.type.kind == TypeKind::Level ? fact.type.scale.name : std::string();
    }

    // The constant an expression denotes, read against the other side of a comparison.
    std::optional<Value> value_of(const Expr& e, const Expr& other) const {
        switch (e.kind) {
            case ExprKind::Number:
            case ExprKind::Money:
            case ExprKind::Percent: return Value{true, decimal_value(e.number), canonical(e)};
            case ExprKind::Date: return Value{true, cpp_rational(day_number(e.date)), date_text(e.date)};
            case ExprKind::Text: return Value{false, 0, e.text};
            case ExprKind::Bool: return Value{false, 0, e.boolean ? "true" : "false"};
            case ExprKind::Name: break;
            default: return std::nullopt;
        }
        if (is_service(other)) return Value{false, 0, e.text};
        const Symbol* s = c_.value(e.text);
        if (s != nullptr && s->kind != SymbolKind::Level) return std::nullopt;
        std::string scale = scale_of(other);
        if (scale.empty()) {
            const auto it = c_.level_scales.find(e.text);
            if (it == c_.level_scales.end() || it->second.size() != 1) return std::nullopt;
            scale = c_.module.scales[it->second.front()].id.name;
        }
        const std::optional<std::size_t> ordinal = c_.level_ordinal(scale, e.text);
        if (!ordinal) return std::nullopt;
        return Value{true, cpp_rational(static_cast<long long>(*ordinal)), e.text};
    }

    Dnf comparison(const Expr& e, bool negated) const {
        Rel rel;
        switch (e.binary_op) {
            case BinaryOp::Eq: rel = Rel::Eq; break;
            case BinaryOp::Ne: rel = Rel::Ne; break;
            case BinaryOp::Lt: rel = Rel::Lt; break;
            case BinaryOp::Le: rel = Rel::Le; break;
            case BinaryOp::Gt: rel = Rel::Gt; break;
            case BinaryOp::Ge: rel = Rel::Ge; break;
            default: return std::nullopt;
        }
        const Expr& left = e.args[0];
        const Expr& right = e.args[1];
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
        if (rv) return single(canonical(left), rel, *rv);
        if (lv) return single(canonical(right), flip(rel), *lv);
        return std::nullopt;
    }

    Dnf membership(const Expr& e, bool negated) const {
        if (e.args.empty()) return std::nullopt;
        std::vector<const Expr*> members;
        if (e.args.size() == 2 && e.args[1].kind == ExprKind::List) {
            for (const Expr& m : e.args[1].args) members.push_back(&m);
        } else if (e.args.size() == 2 && e.args[1].kind == ExprKind::Name &&
                   c_.value(e.args[1].text) != nullptr &&
                   c_.value(e.args[1].text)->kind != SymbolKind::Level) {
            // A list fact: opaque, but remembered as a constraint on the service.
            Literal lit{canonical(e), Rel::Truth, !negated, {}, is_service(e.args[0])};
            return std::vector<Term>{Term{lit}};
        } else {
            for (std::size_t i = 1; i < e.args.size(); ++i) members.push_back(&e.args[i]);
        }
        Literal lit{canonical(e.args[0]), negated ? Rel::NotIn : Rel::In, true, {}};
        for (const Expr* m : members) {
            const std::optional<Value> v = value_of(*m, e.args[0]);
            if (!v) return std::nullopt;
            lit.values.push_back(*v);
        }
        return std::vector<Term>{Term{lit}};
    }

    static Dnf single(std::string subject, Rel rel, Value v) {
        Literal lit{std::move(subject), rel, true, {std::move(v)}};
        return std::vector<Term>{Term{lit}};
    }

    const Checker& c_;
};

std::string quoted_values(const std::set<Value>& values) {
    std::string out;
    for (const Value& v : values) out += (out.empty() ? "`" : " and `") + v.text + "`";
    return out;
}

// Why `term` can never hold, or nullopt when it may.
std::optional<std::string> contradiction(const Term& term) {
    std::map<std::string, std::vector<const Literal*>> by_subject;
    for (const Literal& lit : term) by_subject[lit.subject].push_back(&lit);
    for (const auto& [subject, lits] : by_subject) {
        std::set<bool> truths;
        std::optional<std::set<Value>> allowed;
        std::set<Value> required;  // the `is` values, for the message
        std::set<Value> excluded;
        std::optional<std::pair<cpp_rational, bool>> low;   // value, strict
        std::optional<std::pair<cpp_rational, bool>> high;
        for (const Literal* lit : lits) {
            switch (lit->rel) {
                case Rel::Truth: truths.insert(lit->truth); break;
                case Rel::Eq:
                case Rel::In: {
                    std::set<Value> s(lit->values.begin(), lit->values.end());
                    if (lit->rel == Rel::Eq) required.insert(s.begin(), s.end());
                    if (!allowed) {
                        allowed = s;
                    } else {
                        std::set<Value> both;
                        std::set_intersection(allowed->begin(), allowed->end(), s.begin(), s.end(),
                                              std::inserter(both, both.begin()));
                        allowed = both;
                    }
                    break;
                }
                case Rel::Ne:
                case Rel::NotIn: excluded.insert(lit->values.begin(), lit->values.end()); break;
                case Rel::Lt:
                case Rel::Le:
                case Rel::Gt:
                case Rel::Ge: {
                    const Value& v = lit->values.front();
                    if (!v.numeric) break;
                    const bool strict = lit->rel == Rel::Lt || lit->rel == Rel::Gt;
                    auto& bound = (lit->rel == Rel::Lt || lit->rel == Rel::Le) ? high : low;
                    const bool is_high = &bound == &high;
                    if (!bound || (is_high ? v.number < bound->first : v.number > bound->first) ||
                        (v.number == bound->first && strict)) {
                        bound = std::make_pair(v.number, strict);
                    }
                    break;
                }
            }
        }
        if (truths.size() == 2) return "`" + subject + "` cannot be both true and false";
        if (allowed) {
            std::set<Value> left;
            std::set_difference(allowed->begin(), allowed->end(), excluded.begin(), excluded.end(),
                                std::inserter(left, left.begin()));
            std::erase_if(left, [&](const Value& v) {
                if (!v.numeric) return false;
                if (low && (v.number < low->first || (v.number == low->first && low->second))) return true;
                return high && (v.number > high->first || (v.number == high->first && high->second));
            });
            if (left.empty()) {
                if (required.size() >= 2) {
                    return "`" + subject + "` cannot be both " + quoted_values(required);
                }
                return "no value of `" + subject + "` meets all of its conditions";
            }
        }
        if (low && high &&
            (low->first > high->first || (low->first == high->first && (low->second || high->second)))) {
            return "no value of `" + subject + "` meets all of its bounds";
        }
    }
    return std::nullopt;
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

struct DayRange {
    std::optional<std::int64_t> from;  // inclusive; nullopt: unbounded
    std::optional<std::int64_t> to;    // inclusive
};

bool disjoint(const DayRange& a, const DayRange& b) {
    return (a.to && b.from && *a.to < *b.from) || (b.to && a.from && *b.to < *a.from);
}

// False only when the two windows provably share no day.
bool windows_may_overlap(const std::optional<Window>& a, const std::optional<Window>& b) {
    if (!a || !b) return true;
    auto relative = [](const Window& w) {
        const std::int64_t days = w.amount * (w.unit == TimeUnit::Weeks ? 7 : 1);
        return w.kind == WindowKind::After ? DayRange{0, days - 1} : DayRange{-days, -1};
    };
    auto dated = [](const Window& w) -> std::optional<DayRange> {
        DayRange r;
        if (w.from) {
            if (!w.from->date) return std::nullopt;
            r.from = day_number(*w.from->date);
        }
        if (w.to) {
            if (!w.to->date) return std::nullopt;
            r.to = day_number(*w.to->date) - (w.to_exclusive ? 1 : 0);
        }
        return r;
    };
    if (a->kind != WindowKind::Between && b->kind != WindowKind::Between) {
        if (a->event.name != b->event.name) return true;
        return !disjoint(relative(*a), relative(*b));
    }
    if (a->kind == WindowKind::Between && b->kind == WindowKind::Between) {
        const std::optional<DayRange> ra = dated(*a);
        const std::optional<DayRange> rb = dated(*b);
        return !(ra && rb && disjoint(*ra, *rb));
    }
    return true;
}

}  // namespace

void check_static_rules(Checker& c) {
    const std::vector<Rule>& rules = c.module.rules;
    Analyser analyser(c);
    std::vector<Dnf> forms(rules.size());
    std::vector<bool> never(rules.size(), false);
    for (std::size_t i = 0; i < rules.size(); ++i) {
        forms[i] = rules[i].condition ? analyser.dnf(*rules[i].condition, false)
                                      : Dnf(std::vector<Term>{Term{}});
        if (!forms[i]) continue;
        std::optional<std::string> why;
        bool all = true;
        for (const Term& term : *forms[i]) {
            const std::optional<std::string> w = contradiction(term);
            if (!w) {
                all = false;
                break;
            }
            if (!why) why = w;
        }
        if (!all) continue;
        never[i] = true;
        std::string help = why ? *why : "the condition is always false";
        if (why && why->rfind("`service` cannot be both", 0) == 0) {
            help += "; a line has one service: for either, write `service in [a, b]`";
        }
        c.emit(Code::rule_never_applies, pick(rules[i].condition->span, rules[i].id.span),
               "rule `" + rules[i].id.name + "` can never apply: its condition is always false", help);
    }

    // Ancestors through `exception to` (a chain; cycles were reported as errors).
    std::vector<std::set<std::size_t>> ancestors(rules.size());
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const Rule* at = &rules[i];
        while (at->exception_to) {
            const auto it = c.rule_index.find(at->exception_to->name);
            if (it == c.rule_index.end() || !ancestors[i].insert(it->second).second) break;
            at = &rules[it->second];
        }
    }
    std::vector<Served> served(rules.size());
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (forms[i]) {
            served[i] = services(*forms[i]);
        } else {
            served[i].any = true;
        }
    }
    // Candidate pairs share a named service or involve a rule open to any service, so a
    // policy of many rules on distinct services costs little more than linear time.
    std::map<std::string, std::vector<std::size_t>> by_service;
    std::vector<std::size_t> open_rules;
    std::vector<std::size_t> seen(rules.size(), rules.size());
    for (std::size_t j = 0; j < rules.size(); ++j) {
        std::vector<std::size_t> candidates;
        if (served[j].any) {
            for (std::size_t i = 0; i < j; ++i) candidates.push_back(i);
        } else {
            auto add = [&](std::size_t i) {
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
        if (never[j]) continue;
        for (const std::size_t i : candidates) {
            if (never[i] || ancestors[i].count(j) != 0 || ancestors[j].count(i) != 0) continue;
            if (rules[i].id.name == rules[j].id.name) continue;  // E2001 already
            std::optional<std::string> common;
            const Served& a = served[i];
            const Served& b = served[j];
            if (!a.any && !b.any) {
                // Both constrain the service. Through a list fact the services are known
                // only at run time: no warning (conservative).
                if (a.unknown || b.unknown) continue;
                std::set<std::string> both;
                std::set_intersection(a.names.begin(), a.names.end(), b.names.begin(),
                                      b.names.end(), std::inserter(both, both.begin()));
                if (both.empty()) continue;
                common = *both.begin();
            }
            if (!windows_may_overlap(rules[i].window, rules[j].window)) continue;
            bool overlap = true;
            if (forms[i] && forms[j]) {
                const Dnf joint = Analyser::product(*forms[i], *forms[j]);
                if (joint) {
                    overlap = std::any_of(joint->begin(), joint->end(),
                                          [](const Term& t) { return !contradiction(t); });
                }
            }
            if (!overlap) continue;
            c.emit(Code::rules_overlap, rules[j].id.span,
                   "rules `" + rules[i].id.name + "` and `" + rules[j].id.name + "` can both apply to " +
                       (common ? "a `" + *common + "` line" : std::string("the same line")) +
                       ", and neither is an exception to the other",
                   "a line they both match is referred to the panel as a conflict; make one an "
                   "`exception to` the other, or make their conditions exclusive");
        }
    }
}

}  // namespace jointly::dsl::checker
