// Checker: a rule's split, fixed amount, odd penny, caps, exceptions and window.
#include <boost/multiprecision/cpp_int.hpp>
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "context.hpp"

namespace jointly::engine::semantic {
namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;

cpp_int pow10(std::int32_t n) {
    cpp_int p = 1;
    for (std::int32_t i = 0; i < n; ++i) p *= 10;
    return p;
}

// The share as an exact fraction of the whole (50% is 1/2).
cpp_rational share_value(const Share& share) {
    if (share.kind == ShareKind::Fraction) {
        return cpp_rational(cpp_int(share.numerator), cpp_int(share.denominator));
    }
    return cpp_rational(cpp_int(share.percent.units), pow10(share.percent.scale) * 100);
}

// Whether `p` has a finite decimal expansion (its denominator has no prime but 2 and 5).
bool terminates(const cpp_rational& p) {
    cpp_int rest = boost::multiprecision::denominator(p);
    while (rest % 2 == 0) rest /= 2;
    while (rest % 5 == 0) rest /= 5;
    return rest == 1;
}

// `p` written with `places` decimals, rounded half away from zero.
std::string decimals(const cpp_rational& p, std::int32_t places) {
    const cpp_int scale = pow10(places);
    cpp_int n = boost::multiprecision::numerator(p) * scale;
    const cpp_int d = boost::multiprecision::denominator(p);
    const bool negative = n < 0;
    if (negative) n = -n;
    const cpp_int scaled = (2 * n + d) / (2 * d);
    std::string digits = scaled.str();
    const auto count = static_cast<std::size_t>(places);
    if (count > 0) {
        if (digits.size() <= count) digits.insert(0, count - digits.size() + 1, '0');
        digits.insert(digits.size() - count, ".");
    }
    return (negative ? "-" : "") + digits;
}

// The decimal places a percentage needs: as many as make it exact, when a finite decimal is;
// else enough to show the gap from 100% (`gap`, a fraction of the whole) to two significant
// figures, and at least two.
std::int32_t places_for(const cpp_rational& percent, const cpp_rational& gap) {
    if (terminates(percent)) {
        std::int32_t places = 0;
        while (boost::multiprecision::denominator(cpp_rational(percent * pow10(places))) != 1) ++places;
        return places;
    }
    const cpp_rational points = cpp_rational(abs(gap)) * 100;
    std::int32_t places = 2;
    while (places < 18 && cpp_rational(points * pow10(places)) < 10) ++places;
    return places;
}

// `r` (a fraction of the whole) as a percentage a finance lead reads: exact where a finite
// decimal is (`99.99%`, `112.5%`), else rounded, to the places `places_for` gives the gap,
// and said to be (`about 91.67%`, `about 100.0067%`).
std::string as_percent(const cpp_rational& r, const cpp_rational& gap) {
    const cpp_rational p = r * 100;
    const std::string digits = decimals(p, places_for(p, gap)) + "%";
    return terminates(p) ? digits : "about " + digits;
}

bool positive(const Decimal& d) { return d.units > 0; }

bool in_split(const Rule& rule, const std::string& agency) {
    for (const Share& share : rule.split) {
        if (share.agency.name == agency) return true;
    }
    return false;
}

// Whether "not in the split" can be judged: the split is stated and names only declared
// agencies (a misspelt share would otherwise cascade into E2206 and E2208).
bool split_known(const Checker& c, const Rule& rule) {
    if (rule.split.empty()) return false;
    return std::all_of(rule.split.begin(), rule.split.end(), [&](const Share& share) {
        const Symbol* symbol = c.value(share.agency.name);
        return symbol != nullptr &&
               (symbol->kind == SymbolKind::Agency ||
                (symbol->kind == SymbolKind::Fact && c.agency_fact_sets.contains(symbol->index)));
    });
}

void check_split(Checker& c, const Rule& rule) {
    const Span& where = pick(rule.split_span, rule.id.span);
    if (rule.split.empty()) {
        if (rule.fixed) {
            c.emit(Code::no_split, rule.id.span,
                   "rule `" + rule.id.name + "` pays `" + rule.fixed->agency.name +
                       "` a fixed amount but does not say who pays the rest",
                   "state who pays the rest, e.g. `split social_care 100%`");
        } else {
            c.emit(Code::no_split, rule.id.span, "rule `" + rule.id.name + "` states no split",
                   "state each agency's share, e.g. `split health 50%, social_care 50%`");
        }
        return;
    }
    bool exact = true;
    bool has_decimal_percent = false;
    std::set<std::string> seen;
    cpp_rational total = 0;
    for (const Share& share : rule.split) {
        c.payer(share.agency);
        if (!seen.insert(share.agency.name).second) {
            c.emit(Code::split_duplicate_agency, pick(share.span, where),
                   "`" + share.agency.name + "` is listed twice in the split",
                   "give each agency one share");
            exact = false;
        }
        if (share.kind == ShareKind::Fraction && share.denominator == 0) {
            c.emit(Code::zero_denominator, pick(share.span, where),
                   "the share of `" + share.agency.name + "` divides by zero");
            exact = false;
            continue;
        }
        const bool not_positive = share.kind == ShareKind::Percent
                                      ? share.percent.units <= 0
                                      : share.numerator <= 0 || share.denominator < 0;
        if (not_positive) {
            c.emit(Code::share_not_positive, pick(share.span, where),
                   "the share of `" + share.agency.name + "` must be more than 0%",
                   "leave out an agency that pays nothing");
            exact = false;
            continue;
        }
        if (share.kind == ShareKind::Percent && share.percent.scale > 0) has_decimal_percent = true;
        total += share_value(share);
    }
    if (!exact || total == 1) return;
    const cpp_rational gap = total - 1;
    const cpp_rational size = gap < 0 ? cpp_rational(-gap) : gap;
    const std::string amount = as_percent(size, gap);
    std::string help = gap < 0 ? "the shares are " + amount + " short of 100%"
                               : "the shares are " + amount + " over 100%";
    if (has_decimal_percent && size < cpp_rational(1, 100)) {
        help += "; write thirds as fractions (`1/3` is exact, `33.33%` is not)";
    }
    if (rule.fixed) {
        c.emit(Code::fixed_split_total, where,
               "the split beside `pay " + rule.fixed->agency.name + "` totals " + as_percent(total, gap) +
                   ", not 100%",
               "after the fixed amount, the split shares the rest, so it must total 100%; " + help);
    } else {
        c.emit(Code::split_total, where,
               "the shares of rule `" + rule.id.name + "` total " + as_percent(total, gap) + ", not 100%",
               help);
    }
}

// An amount written as an expression (`cap social_care at budget per line`): money, and the
// same for the whole request (no `service`, `age` or totals), so that it is known before any
// line is split.
void check_amount(Checker& c, const Expr& e, const std::string& what) {
    Needs needs;
    const Typed typed = type_of(c, e, Context::Amount, needs);
    const Type& t = typed.type;
    c.amounts[&e] = typed.node;
    if (t.tag != TypeTag::Money && t.tag != TypeTag::Error) {
        c.emit(Code::amount_not_money, e.span, what + " is `" + type_name(t) + "`, not money",
               t.tag == TypeTag::Whole || t.tag == TypeTag::Decimal
                   ? "write an amount of money with `£`, e.g. `£1,500`"
                   : "give an amount of money, or the name of a money-valued definition");
    }
    const char* varies = needs.service ? "`service`" : needs.age ? "`age`" : needs.total ? "a package total" : nullptr;
    if (varies != nullptr) {
        c.emit(Code::amount_varies, e.span, what + " depends on " + varies,
               "an amount is worked out once for the whole request, from facts, events, definitions "
               "and tables; write a rule for each case instead");
    }
}

void check_caps(Checker& c, const Rule& rule) {
    if (rule.fixed) {
        c.payer(rule.fixed->agency);
        if (rule.fixed->amount_expr) {
            check_amount(c, *rule.fixed->amount_expr, "the fixed amount paid by `" + rule.fixed->agency.name + "`");
        } else if (!positive(rule.fixed->amount)) {
            c.emit(Code::amount_not_positive, pick(rule.fixed->span, rule.id.span),
                   "the fixed amount paid by `" + rule.fixed->agency.name + "` must be more than £0");
        }
    }
    const bool judge = split_known(c, rule);
    if (rule.odd_penny && c.payer(*rule.odd_penny) && judge &&
        !in_split(rule, rule.odd_penny->name)) {
        c.emit(Code::odd_penny_not_in_split, rule.odd_penny->span,
               "the odd penny goes to `" + rule.odd_penny->name + "`, which has no share in the split",
               "name an agency from the split");
    }
    std::set<std::string> capped;
    for (const Cap& cap : rule.caps) {
        const Span& where = pick(cap.span, rule.id.span);
        if (c.payer(cap.agency) && judge && !in_split(rule, cap.agency.name)) {
            c.emit(Code::cap_not_in_split, pick(cap.agency.span, where),
                   "`" + cap.agency.name + "` is capped but has no share in the split");
        }
        if (!capped.insert(cap.agency.name).second) {
            c.emit(Code::duplicate_cap, where, "`" + cap.agency.name + "` is capped twice",
                   "keep one cap per agency");
        }
        if (cap.amount_expr) {
            check_amount(c, *cap.amount_expr, "the cap on `" + cap.agency.name + "`");
        } else if (!positive(cap.amount)) {
            c.emit(Code::amount_not_positive, where,
                   "the cap on `" + cap.agency.name + "` must be more than £0",
                   "an agency that pays nothing needs no share; to refuse the line, write a rule with "
                   "`refuse` and its reason");
        }
        if (cap.excess_to) {
            if (c.payer(*cap.excess_to) && cap.excess_to->name == cap.agency.name) {
                c.emit(Code::excess_to_self, cap.excess_to->span,
                       "the excess over `" + cap.agency.name + "`'s cap goes back to `" +
                           cap.agency.name + "`",
                       "send the excess to another agency, or to the panel: `excess to panel`");
            }
        }
    }
    // Caps whose excess goes round in a circle (a -> b -> a) never settle.
    for (std::size_t start = 0; start < rule.caps.size(); ++start) {
        std::string path = "`" + rule.caps[start].agency.name + "`";
        const Cap* at = &rule.caps[start];
        bool reported = false;
        for (std::size_t step = 0; step < rule.caps.size() && at->excess_to; ++step) {
            const std::string& next = at->excess_to->name;
            if (next == at->agency.name) break;  // E2207
            path += " -> `" + next + "`";
            if (next == rule.caps[start].agency.name) {
                reported = true;
                break;
            }
            const Cap* found = nullptr;
            for (std::size_t j = 0; j < rule.caps.size(); ++j) {
                if (rule.caps[j].agency.name == next) {
                    if (j < start) found = nullptr;  // reported from the earlier cap
                    else found = &rule.caps[j];
                    break;
                }
            }
            if (found == nullptr) break;
            at = found;
        }
        if (reported) {
            c.emit(Code::excess_cycle, pick(rule.caps[start].span, rule.id.span),
                   "the caps pass their excess round in a circle: " + path,
                   "end the chain at an uncapped agency or at `excess to panel`");
        }
    }
    if (rule.regardless_of_cost && !rule.caps.empty()) {
        c.emit(Code::regardless_with_cap, pick(rule.regardless_span, rule.id.span),
               "rule `" + rule.id.name + "` says `regardless of cost` but caps `" +
                   rule.caps.front().agency.name + "`",
               "remove the cap, or remove `regardless of cost`");
    }
}

void check_exceptions(Checker& c) {
    const std::vector<Rule>& rules = c.module.rules;
    // parents[i]: the rules rule i is an exception to, in written order.
    std::vector<std::vector<std::size_t>> parents(rules.size());
    std::vector<std::vector<const Ident*>> edges(rules.size());  // where each parent was named
    for (std::size_t i = 0; i < rules.size(); ++i) {
        std::set<std::string> named;
        for (const Ident& target : rules[i].exception_to) {
            if (!named.insert(target.name).second) {
                c.emit(Code::exception_duplicate, target.span,
                       "rule `" + rules[i].id.name + "` names `" + target.name + "` twice in `exception to`",
                       "name each rule it overrides once");
                continue;
            }
            if (target.name == rules[i].id.name) {
                c.emit(Code::exception_to_self, target.span,
                       "rule `" + rules[i].id.name + "` is an exception to itself",
                       "name the rule it overrides");
                continue;
            }
            const auto it = c.rule_index.find(target.name);
            if (it == c.rule_index.end()) {
                std::vector<std::string> names;
                if (c.suggesting()) {
                    for (const Rule& r : rules) names.push_back(r.id.name);
                }
                c.emit(Code::unknown_rule, target.span, "unknown rule `" + target.name + "`",
                       c.suggestion(target.name, names));
                continue;
            }
            parents[i].push_back(it->second);
            edges[i].push_back(&target);
        }
    }
    // A cycle is reported once, at the rule with the lowest index on it: from each rule i, a
    // depth-first search through rules of higher index for a way back to i.
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (parents[i].empty()) continue;
        std::vector<std::size_t> path{i};
        std::vector<std::size_t> next_edge{0};
        std::vector<bool> visited(rules.size(), false);
        visited[i] = true;
        bool found = false;
        while (!path.empty() && !found) {
            const std::size_t at = path.back();
            std::size_t& k = next_edge.back();
            if (k == parents[at].size()) {
                path.pop_back();
                next_edge.pop_back();
                continue;
            }
            const std::size_t to = parents[at][k++];
            if (to == i) {
                found = true;
            } else if (to > i && !visited[to]) {
                visited[to] = true;
                path.push_back(to);
                next_edge.push_back(0);
            }
        }
        if (!found) continue;
        std::string text;
        for (const std::size_t p : path) text += "`" + rules[p].id.name + "` -> ";
        text += "`" + rules[i].id.name + "`";
        const std::size_t first = path.size() > 1 ? path[1] : i;
        const Ident* where = edges[i].front();
        for (std::size_t k = 0; k < parents[i].size(); ++k) {
            if (parents[i][k] == first) where = edges[i][k];
        }
        c.emit(Code::exception_cycle, where->span, "exceptions form a cycle: " + text,
               "an exception overrides a more general rule; one of these must not be an exception");
    }
}

}  // namespace

// A rule that refuses or refers a line pays nobody: no `pay`, split, odd penny, cap or
// `regardless of cost` beside it (E2252). A refusal must say why (E2253); a referral names
// who decides (E2251).
void check_line_action(Checker& c, const Rule& rule) {
    const LineAction& action = *rule.action;
    const bool refuse = action.kind == RuleAction::Refuse;
    const std::string verb = refuse ? "refuses" : "refers";
    const Span& where = pick(action.span, rule.id.span);
    std::string also;
    if (rule.fixed) also = "`pay`";
    else if (!rule.split.empty()) also = "`split`";
    else if (rule.odd_penny) also = "`odd penny`";
    else if (!rule.caps.empty()) also = "`cap`";
    else if (rule.regardless_of_cost) also = "`regardless of cost`";
    if (!also.empty()) {
        c.emit(Code::line_action_with_split, where,
               "rule `" + rule.id.name + "` " + verb + " the line, so nobody pays for it, but also has " + also,
               "a rule either shares the cost (`split`, with `pay`, caps and `odd penny`) or " +
                   std::string(refuse ? "refuses it" : "refers it") + "; write two rules if both can happen");
    }
    if (refuse && rule.reason.empty()) {
        c.emit(Code::refusal_without_reason, where, "rule `" + rule.id.name + "` refuses the line without a reason",
               "add `because \"...\"`: the family reads why this part of the package is refused");
    }
    if (!refuse && action.authority.find_first_not_of(" \t") == std::string::npos) {
        c.emit(Code::refer_without_authority, pick(action.authority_span, where),
               "rule `" + rule.id.name + "` refers the line to an empty authority",
               "name who decides, e.g. `refer to \"Director of Children's Services\"`");
    }
}

void check_rules(Checker& c) {
    for (const Rule& rule : c.module.rules) {
        if (rule.action) {
            check_line_action(c, rule);
            continue;
        }
        check_split(c, rule);
        check_caps(c, rule);
    }
    check_exceptions(c);
}

namespace {

// A window's bound named by a definition: a date, known once per request before any line
// is split (no `service`, no `age`, no package total).
void check_bound_let(Checker& c, const Ident& name, std::size_t index) {
    check_let(c, index);
    const DefInfo& def = c.lets[index];
    if (def.type.tag != TypeTag::Date && def.type.tag != TypeTag::Error) {
        c.emit(Code::window_bound_not_date, name.span,
               "`" + name.name + "` is `" + type_name(def.type) + "`, not a date: a window starts and ends on a day",
               "a window's bound is a date like `2025-04-01`, an event, or a definition whose value is a date");
        return;
    }
    if (def.needs.age) {
        c.emit(Code::age_outside_rule, name.span,
               "`" + name.name + "` uses `age`, which has no day to be taken on in a window's bound",
               "a window is fixed once per request, before lines are cut at birthdays: use `birthday(date_of_birth, N)`");
        return;
    }
    if (def.needs.service || def.needs.total) {
        c.emit(Code::window_bound_varies, name.span,
               "`" + name.name + "` depends on " + (def.needs.service ? "`service`" : "a package total") +
                   ", so it cannot start or end a window",
               "a window's bound is worked out once per request, from facts, events and `as_of`");
        return;
    }
    c.program.bound_lets.push_back(static_cast<std::int32_t>(index));
}

// `within N weeks after NAME` where NAME is declared, but not as an event: say what it is
// and how a window over a date is written (declaring the event would clash, E2002).
bool check_within_event(Checker& c, const Window& w) {
    const Symbol* s = c.value(w.event.name);
    if (s == nullptr || s->kind == SymbolKind::Event) return c.require_event(w.event);
    const std::string& name = w.event.name;
    const bool date_fact = s->kind == SymbolKind::Fact && c.module.facts[s->index].type.kind == TypeKind::Date;
    if (!date_fact && s->kind != SymbolKind::Let) {
        c.emit(Code::unknown_event, w.event.span,
               "`" + name + "` is " + std::string(kind_word(s->kind)) + ", not an event: `within` counts from an event",
               "name an event declared with `event`, e.g. `event surgery`, and give its date in the request");
        return false;
    }
    if (s->kind == SymbolKind::Fact) c.fact_used[s->index] = true;
    const std::string length = std::to_string(w.amount) + (w.unit == TimeUnit::Days ? " day" : " week") +
                               (w.amount == 1 ? "" : "s");
    const bool after = w.kind == WindowKind::After;
    const std::string other = after ? "window_end" : "window_start";
    c.emit(Code::unknown_event, w.event.span,
           "`" + name + "` is " + (date_fact ? "a date fact" : std::string(kind_word(s->kind))) +
               ", not an event: `within` counts from an event",
           "a window over a date is written with `from` and `until`, which take a date, a date fact or a "
           "`let`: `let " + other + " = " + name + (after ? " + " : " - ") + length + "` and `from " +
               (after ? name + " until " + other : other + " until " + name) + "`");
    return false;
}

}  // namespace

void check_windows(Checker& c) {
    for (const Rule& rule : c.module.rules) {
        if (!rule.window) continue;
        const Window& w = *rule.window;
        const Span& where = pick(w.span, rule.id.span);
        if (w.kind != WindowKind::Between) {
            check_within_event(c, w);
            if (w.amount <= 0) {
                c.emit(Code::window_not_positive, where,
                       "a window of " + std::to_string(w.amount) +
                           (w.unit == TimeUnit::Days ? " days" : " weeks") + " covers no days",
                       "give a length of at least 1 day");
            }
            continue;
        }
        for (const std::optional<WindowBound>* bound : {&w.from, &w.to}) {
            if (!*bound || !(*bound)->event) continue;
            const Ident& event = *(*bound)->event;
            if (const Symbol* s = c.value(event.name); s != nullptr && s->kind == SymbolKind::Let) {
                check_bound_let(c, event, s->index);
                continue;
            } else if (s != nullptr && s->kind == SymbolKind::Fact) {
                c.fact_used[s->index] = true;
                const TypeKind kind = c.module.facts[s->index].type.kind;
                if (kind != TypeKind::Date) {
                    c.emit(Code::window_bound_not_date, event.span,
                           "`" + event.name + "` is a fact that is not a date: a window starts and ends on a day",
                           "a window's bound is a date like `2025-04-01`, an event, a date fact or a definition "
                           "whose value is a date");
                }
                continue;
            } else if (s != nullptr && s->kind != SymbolKind::Event) {
                c.emit(Code::window_bound_not_date, event.span,
                       "`" + event.name + "` is " + std::string(kind_word(s->kind)) +
                           ", not a date: a window starts and ends on a day",
                       "a window's bound is a date like `2025-04-01`, an event, a date fact or a definition "
                       "whose value is a date");
                continue;
            }
            if (!c.require_event(event)) continue;
            if (c.module.events[c.value(event.name)->index].repeats) {
                c.emit(Code::repeating_event_as_date, event.span,
                       "`" + event.name + "` repeats, so it cannot start or end a `from`/`until`/`to`/`before` window",
                       "a repeating event opens a window after or before each of its dates: `within N weeks after " +
                           event.name + "`");
            }
        }
        if (w.from && w.to && w.from->date && w.to->date) {
            const CivilDate& a = *w.from->date;
            const CivilDate& b = *w.to->date;
            if (w.to_exclusive && a == b) {
                c.emit(Code::window_not_positive, where,
                       "a window from " + date_text(a) + " until " + date_text(b) + " covers no days",
                       "`until` leaves out its own day: write the day after the last day covered");
            } else if (date_less(b, a)) {
                c.emit(Code::window_reversed, where,
                       "the window starts on " + date_text(a) + ", after it ends on " + date_text(b),
                       "swap the dates");
            }
        }
    }
}

}  // namespace jointly::engine::semantic
