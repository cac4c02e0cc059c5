// diff_policies for rules, outcome rules and pooled budgets: rules matched by name and compared
// field by field (condition, window, action, pay, split, odd penny, caps, exception, reason,
// clause); outcome rules matched by kind, authority and ref, else by position; pools by name.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "jointly/dsl/print.hpp"
#include "policy_diff_internal.hpp"

namespace jointly::server::diff {
namespace {

using namespace dsl;

__extension__ typedef __int128 Wide;

// -1, 0, 1 as a < b, a == b, a > b, exactly (whatever the scales).
int compare(Decimal a, Decimal b) {
    Wide x = a.units;
    Wide y = b.units;
    for (auto s = a.scale; s < b.scale; ++s) x *= 10;
    for (auto s = b.scale; s < a.scale; ++s) y *= 10;
    return x < y ? -1 : (x > y ? 1 : 0);
}

std::string amount_text(const std::optional<Expr>& e, Decimal amount, Per per) {
    return (e ? expr_text(*e) : money_text(amount)) + " " + per_text(per);
}

std::string cap_text(const Cap& c) {
    return amount_text(c.amount_expr, c.amount, c.per) + ", excess to " + (c.excess_to ? c.excess_to->name : "panel");
}

std::string excess_text(const Cap& c) { return c.excess_to ? c.excess_to->name : std::string("the panel"); }

std::string split_text(const Rule& r) {
    std::string out;
    for (const auto& s : r.split) out += (out.empty() ? "" : ", ") + share_text(s);
    return out;
}

// What the rule does with the segments it wins: `split health 50%, social_care 50%`,
// `pay health £254.06 per week, split social_care 100%`, `refuse`, `refer to "Director"`.
std::string action_text(const Rule& r) {
    if (r.action && r.action->kind == RuleAction::Refuse) return "refuse";
    if (r.action && r.action->kind == RuleAction::Refer) return "refer to " + quote(r.action->authority);
    std::string out;
    if (r.fixed) out = "pay " + r.fixed->agency.name + " " + amount_text(r.fixed->amount_expr, r.fixed->amount, r.fixed->per) + ", ";
    return out + "split " + split_text(r);
}

std::string action_words(const Rule& r) {
    switch (r.action_kind()) {
        case RuleAction::Refuse: return "refuses the segments it wins: nobody pays them";
        case RuleAction::Refer: return "refers the segments it wins to " + quote(r.action->authority);
        case RuleAction::Split: break;
    }
    return "shares the segments it wins: " + action_text(r);
}

std::string window_length(const Window& w) {
    return std::to_string(w.amount) + " " + (w.unit == TimeUnit::Days ? "day" : "week") + (w.amount == 1 ? "" : "s");
}

std::int64_t window_days(const Window& w) { return w.unit == TimeUnit::Days ? w.amount : w.amount * 7; }

std::string rule_label(const Rule& o, const Rule& n) {
    const std::string& ref = n.ref.empty() ? o.ref : n.ref;
    return "Rule " + n.id.name + (ref.empty() ? std::string() : " (" + ref + ")");
}

std::string rule_summary(const Rule& r) {
    std::string out;
    auto part = [&](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
    if (!r.exception_to.empty()) part("as an exception to " + names_text(r.exception_to, ", "));
    if (r.condition) part("when " + expr_text(*r.condition));
    if (r.window) part(window_text(*r.window));
    part(action_text(r));
    if (r.odd_penny) part("odd penny to " + r.odd_penny->name);
    for (const auto& c : r.caps) part("cap " + c.agency.name + " at " + cap_text(c));
    if (r.regardless_of_cost) part("regardless of cost");
    return out;
}

// Rising or falling amount sentence: "health's cap rises from £1,500 per week to £1,750 per week".
std::string amount_change(const std::string& subject, const std::optional<Expr>& oe, Decimal oa, Per op,
                          const std::optional<Expr>& ne, Decimal na, Per np) {
    const std::string a = amount_text(oe, oa, op);
    const std::string b = amount_text(ne, na, np);
    if (!oe && !ne && op == np) {
        const int order = compare(oa, na);
        if (order < 0) return subject + " rises from " + a + " to " + b;
        if (order > 0) return subject + " falls from " + a + " to " + b;
    }
    return subject + " " + change_phrase(a, b);
}

void window_change(Changes& c, const std::string& label, const Rule& o, const Rule& n) {
    const std::string a = o.window ? window_text(*o.window) : "";
    const std::string b = n.window ? window_text(*n.window) : "";
    if (a == b) return;
    std::string sentence = label + ": ";
    ChangeKind kind = ChangeKind::Changed;
    if (a.empty()) {
        kind = ChangeKind::Added;
        sentence += "the rule now applies only " + b + " (it applied at any date)";
    } else if (b.empty()) {
        kind = ChangeKind::Removed;
        sentence += "the window `" + a + "` is removed: the rule applies at any date";
    } else if (o.window->kind == n.window->kind && o.window->kind != WindowKind::Between &&
               o.window->event.name == n.window->event.name && window_days(*o.window) != window_days(*n.window)) {
        sentence += std::string("the window ") + (window_days(*n.window) > window_days(*o.window) ? "grows" : "shrinks") +
                    " from " + window_length(*o.window) + " to " + window_length(*n.window) +
                    (n.window->kind == WindowKind::After ? " after " : " before ") + n.window->event.name;
    } else {
        sentence += "the window " + change_phrase("`" + a + "`", "`" + b + "`");
    }
    c.add(kind, "rule_window", n.id.name, "window", o.window ? &o.window->span : nullptr,
          n.window ? &n.window->span : nullptr, a, b, sentence);
}

void caps_change(Changes& c, const std::string& label, const Rule& o, const Rule& n) {
    // Matched by agency, the k-th cap on an agency with the k-th.
    auto nth = [](const std::vector<Cap>& caps, const Cap& cap) {
        std::size_t k = 0;
        for (const auto& x : caps) {
            if (&x == &cap) break;
            if (x.agency.name == cap.agency.name) ++k;
        }
        return k;
    };
    auto find = [&](const std::vector<Cap>& caps, const std::string& agency, std::size_t k) -> const Cap* {
        for (const auto& x : caps)
            if (x.agency.name == agency && k-- == 0) return &x;
        return nullptr;
    };
    for (const auto& a : o.caps) {
        const Cap* b = find(n.caps, a.agency.name, nth(o.caps, a));
        const std::string who = a.agency.name + "'s cap";
        if (b == nullptr) {
            c.add(ChangeKind::Removed, "rule_cap", o.id.name, "cap " + a.agency.name, &a.span, nullptr, cap_text(a), "",
                  label + ": " + who + " of " + amount_text(a.amount_expr, a.amount, a.per) + " is removed");
            continue;
        }
        if (amount_text(a.amount_expr, a.amount, a.per) != amount_text(b->amount_expr, b->amount, b->per))
            c.add(ChangeKind::Changed, "rule_cap", o.id.name, "cap " + a.agency.name, &a.span, &b->span, cap_text(a),
                  cap_text(*b),
                  label + ": " + amount_change(who, a.amount_expr, a.amount, a.per, b->amount_expr, b->amount, b->per));
        if (excess_text(a) != excess_text(*b))
            c.add(ChangeKind::Changed, "rule_cap", o.id.name, "excess over " + a.agency.name + "'s cap", &a.span,
                  &b->span, cap_text(a), cap_text(*b),
                  label + ": the excess over " + who + " now goes to " + excess_text(*b) + " (was " + excess_text(a) +
                      ")");
    }
    for (const auto& b : n.caps)
        if (find(o.caps, b.agency.name, nth(n.caps, b)) == nullptr)
            c.add(ChangeKind::Added, "rule_cap", n.id.name, "cap " + b.agency.name, nullptr, &b.span, "", cap_text(b),
                  label + ": " + b.agency.name + "'s part is now capped at " + amount_text(b.amount_expr, b.amount, b.per) +
                      ", the excess to " + excess_text(b));
}

void money_clauses(Changes& c, const std::string& label, const Rule& o, const Rule& n) {
    const std::string oa = o.fixed ? o.fixed->agency.name + " " + amount_text(o.fixed->amount_expr, o.fixed->amount, o.fixed->per) : "";
    const std::string na = n.fixed ? n.fixed->agency.name + " " + amount_text(n.fixed->amount_expr, n.fixed->amount, n.fixed->per) : "";
    if (oa != na) {
        std::string sentence = label + ": ";
        ChangeKind kind = ChangeKind::Changed;
        if (oa.empty()) {
            kind = ChangeKind::Added;
            sentence += n.fixed->agency.name + " now pays " + amount_text(n.fixed->amount_expr, n.fixed->amount, n.fixed->per) +
                        " first, the split sharing the rest";
        } else if (na.empty()) {
            kind = ChangeKind::Removed;
            sentence += o.fixed->agency.name + "'s fixed payment of " +
                        amount_text(o.fixed->amount_expr, o.fixed->amount, o.fixed->per) +
                        " is removed: the split shares the whole cost";
        } else if (o.fixed->agency.name == n.fixed->agency.name) {
            sentence += amount_change(n.fixed->agency.name + "'s fixed payment", o.fixed->amount_expr, o.fixed->amount,
                                      o.fixed->per, n.fixed->amount_expr, n.fixed->amount, n.fixed->per);
        } else {
            sentence += "the fixed payment " + change_phrase("`pay " + oa + "`", "`pay " + na + "`");
        }
        c.add(kind, "rule_pay", n.id.name, "pay", o.fixed ? &o.fixed->span : nullptr, n.fixed ? &n.fixed->span : nullptr,
              oa, na, sentence);
    }
    const std::string os = split_text(o);
    const std::string ns = split_text(n);
    if (os != ns)
        c.add(ChangeKind::Changed, "rule_split", n.id.name, "split", &o.split_span, &n.split_span, os, ns,
              label + ": the split " + change_phrase(os, ns));
    const std::string op = o.odd_penny ? o.odd_penny->name : "";
    const std::string np = n.odd_penny ? n.odd_penny->name : "";
    if (op != np)
        c.add(op.empty() ? ChangeKind::Added : np.empty() ? ChangeKind::Removed : ChangeKind::Changed, "rule_odd_penny",
              n.id.name, "odd penny", o.odd_penny ? &o.odd_penny->span : nullptr,
              n.odd_penny ? &n.odd_penny->span : nullptr, op, np,
              label + ": a tied odd penny now goes to " +
                  (np.empty() ? std::string("the agency written first in the split") : np) + " (was " +
                  (op.empty() ? std::string("the agency written first in the split") : op) + ")");
    caps_change(c, label, o, n);
    if (o.regardless_of_cost != n.regardless_of_cost)
        c.add(n.regardless_of_cost ? ChangeKind::Added : ChangeKind::Removed, "rule_regardless_of_cost", n.id.name,
              "regardless of cost", o.regardless_of_cost ? &o.regardless_span : nullptr,
              n.regardless_of_cost ? &n.regardless_span : nullptr, o.regardless_of_cost ? "regardless of cost" : "",
              n.regardless_of_cost ? "regardless of cost" : "",
              label + (n.regardless_of_cost ? ": now says it applies regardless of cost"
                                            : ": no longer says it applies regardless of cost"));
}

void rule_change(Changes& c, const Rule& o, const Rule& n) {
    const std::string label = rule_label(o, n);
    c.rule = n.id.name;
    const std::string ox = names_text(o.exception_to, ", ");
    const std::string nx = names_text(n.exception_to, ", ");
    if (ox != nx) {
        std::string sentence = label;
        if (ox.empty()) sentence += " is now an exception to " + nx + ": it sets " + nx + " aside where both apply";
        else if (nx.empty()) sentence += " is no longer an exception to " + ox + ": where both apply, they conflict";
        else sentence += " is now an exception to " + nx + " (was to " + ox + ")";
        c.add(ox.empty() ? ChangeKind::Added : nx.empty() ? ChangeKind::Removed : ChangeKind::Changed, "rule_exception",
              n.id.name, "exception to", &o.span, &n.span, ox, nx, sentence);
    }
    const std::string oc = o.condition ? expr_text(*o.condition) : "";
    const std::string nc = n.condition ? expr_text(*n.condition) : "";
    if (oc != nc) {
        std::string sentence = label + ": ";
        if (oc.empty()) sentence += "now applies only when " + nc + " (it applied to every line)";
        else if (nc.empty()) sentence += "now applies to every line (it applied when " + oc + ")";
        else sentence += "now applies when " + nc + " (was when " + oc + ")";
        c.add(oc.empty() ? ChangeKind::Added : nc.empty() ? ChangeKind::Removed : ChangeKind::Changed, "rule_condition",
              n.id.name, "condition", o.condition ? &o.condition->span : nullptr,
              n.condition ? &n.condition->span : nullptr, oc, nc, sentence);
    }
    window_change(c, label, o, n);
    if (o.action_kind() != n.action_kind() ||
        (o.action_kind() == RuleAction::Refer && o.action->authority != n.action->authority)) {
        c.add(ChangeKind::Changed, "rule_action", n.id.name, "action", o.action ? &o.action->span : &o.split_span,
              n.action ? &n.action->span : &n.split_span, action_text(o), action_text(n),
              label + ": now " + action_words(n) + " (was: " + action_text(o) + ")");
    } else if (o.action_kind() == RuleAction::Split) {
        money_clauses(c, label, o, n);
    }
    if (o.reason != n.reason)
        c.add(ChangeKind::Changed, "rule_reason", n.id.name, "because", &o.reason_span, &n.reason_span, quote(o.reason),
              quote(n.reason), label + ": the reason " + change_phrase(quote(o.reason), quote(n.reason)));
    if (o.ref != n.ref)
        c.add(o.ref.empty() ? ChangeKind::Added : n.ref.empty() ? ChangeKind::Removed : ChangeKind::Changed, "rule_ref",
              n.id.name, "ref", &o.ref_span, &n.ref_span, o.ref.empty() ? "" : quote(o.ref),
              n.ref.empty() ? "" : quote(n.ref),
              "Rule " + n.id.name + ": its clause " +
                  (o.ref.empty()   ? "is now " + quote(n.ref)
                   : n.ref.empty() ? std::string("reference ") + quote(o.ref) + " is removed"
                                   : change_phrase(quote(o.ref), quote(n.ref))));
}

std::string outcome_action(const OutcomeRule& o) {
    return o.kind == OutcomeKind::Decline ? std::string("declines the package")
                                          : "refers the package to " + quote(o.authority);
}

}  // namespace

void rules(Changes& c, const Module& o, const Module& n) {
    for (const Rule& r : o.rules) {
        const auto it = std::find_if(n.rules.begin(), n.rules.end(), [&](const Rule& x) { return x.id.name == r.id.name; });
        if (it != n.rules.end()) {
            rule_change(c, r, *it);
            continue;
        }
        c.rule = r.id.name;
        c.add(ChangeKind::Removed, "rule", r.id.name, "", &r.span, nullptr, rule_summary(r), "",
              rule_label(r, r) + " is removed");
    }
    for (const Rule& r : n.rules)
        if (std::none_of(o.rules.begin(), o.rules.end(), [&](const Rule& x) { return x.id.name == r.id.name; })) {
            c.rule = r.id.name;
            c.add(ChangeKind::Added, "rule", r.id.name, "", nullptr, &r.span, "", rule_summary(r),
                  rule_label(r, r) + " is new: " + rule_summary(r));
        }
    c.rule.clear();
}

std::vector<std::pair<std::size_t, std::size_t>> outcome_pairs(const Module& o, const Module& n) {
    std::vector<std::size_t> partner(o.outcomes.size(), kNone);  // old index -> new index
    std::vector<bool> taken(n.outcomes.size(), false);
    auto pair_up = [&](auto same) {
        for (std::size_t i = 0; i < o.outcomes.size(); ++i) {
            if (partner[i] != kNone) continue;
            for (std::size_t j = 0; j < n.outcomes.size(); ++j)
                if (!taken[j] && same(o.outcomes[i], n.outcomes[j])) {
                    partner[i] = j;
                    taken[j] = true;
                    break;
                }
        }
    };
    pair_up([](const OutcomeRule& a, const OutcomeRule& b) {
        return !a.ref.empty() && a.kind == b.kind && a.authority == b.authority && a.ref == b.ref;
    });
    pair_up([](const OutcomeRule& a, const OutcomeRule& b) {
        return !a.ref.empty() && a.kind == b.kind && a.ref == b.ref;
    });
    pair_up([](const OutcomeRule& a, const OutcomeRule& b) {
        return a.ref.empty() && b.ref.empty() && a.kind == b.kind && a.authority == b.authority;
    });
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (std::size_t i = 0; i < o.outcomes.size(); ++i) out.emplace_back(i, partner[i]);
    for (std::size_t j = 0; j < n.outcomes.size(); ++j)
        if (!taken[j]) out.emplace_back(kNone, j);
    return out;
}

std::string outcome_key(std::size_t i, std::size_t j) {
    return (i == kNone ? std::string() : "old:" + std::to_string(i)) + (i != kNone && j != kNone ? "," : "") +
           (j == kNone ? std::string() : "new:" + std::to_string(j));
}

void outcomes(Changes& c, const Module& o, const Module& n) {
    for (const auto& [i, j] : outcome_pairs(o, n)) {
        c.outcome = outcome_key(i, j);
        if (i == kNone) {
            const OutcomeRule& b = n.outcomes[j];
            c.add(ChangeKind::Added, "outcome", outcome_label(b), "", nullptr, &b.span, "", expr_text(b.condition),
                  "New outcome rule `" + outcome_label(b) + "`: " + outcome_action(b) + " when " + expr_text(b.condition));
            continue;
        }
        const OutcomeRule& a = o.outcomes[i];
        if (j == kNone) {
            c.add(ChangeKind::Removed, "outcome", outcome_label(a), "", &a.span, nullptr, expr_text(a.condition), "",
                  "Outcome rule `" + outcome_label(a) + "` is removed: the package is no longer " +
                      (a.kind == OutcomeKind::Decline ? "declined" : "referred to " + quote(a.authority)) + " when " +
                      expr_text(a.condition));
            continue;
        }
        const OutcomeRule& b = n.outcomes[j];
        const std::string label = "Outcome rule `" + outcome_label(b) + "`";
        if (a.authority != b.authority)
            c.add(ChangeKind::Changed, "outcome_authority", outcome_label(b), "authority", &a.authority_span,
                  &b.authority_span, quote(a.authority), quote(b.authority),
                  label + ": the package now goes to " + quote(b.authority) + " (was " + quote(a.authority) + ")");
        const std::string ac = expr_text(a.condition);
        const std::string bc = expr_text(b.condition);
        if (ac != bc)
            c.add(ChangeKind::Changed, "outcome_condition", outcome_label(b), "condition", &a.condition.span,
                  &b.condition.span, ac, bc, label + ": now " + outcome_action(b) + " when " + bc + " (was when " + ac + ")");
        if (a.reason != b.reason)
            c.add(a.reason.empty() ? ChangeKind::Added : b.reason.empty() ? ChangeKind::Removed : ChangeKind::Changed,
                  "outcome_reason", outcome_label(b), "because", &a.reason_span, &b.reason_span,
                  a.reason.empty() ? "" : quote(a.reason), b.reason.empty() ? "" : quote(b.reason),
                  label + ": the reason " +
                      change_phrase(a.reason.empty() ? std::string("(none)") : quote(a.reason),
                                    b.reason.empty() ? std::string("(none)") : quote(b.reason)));
    }
    c.outcome.clear();
}

void pools(Changes& c, const Module& o, const Module& n) {
    auto basis = [](ShareBasis b) {
        switch (b) {
            case ShareBasis::Unstated: return std::string("not stated");
            case ShareBasis::Contributions: return std::string("in proportion to contributions");
            case ShareBasis::Actual: return std::string("in proportion to actual contributions");
        }
        return std::string();
    };
    auto contribution = [](const Contribution& k) {
        return money_text(k.amount) + (k.shares_overspend ? "" : ", not sharing overspend") +
               (k.shares_underspend ? "" : ", not sharing underspend");
    };
    auto fields = [&](const Pool& p) {
        std::vector<std::pair<std::string, std::string>> f;
        f.emplace_back("title", quote(p.title));
        f.emplace_back("host", p.host ? p.host->name : "none");
        for (const auto& k : p.contributions) f.emplace_back("contribution of " + k.agency.name, contribution(k));
        f.emplace_back("overspend", basis(p.overspend));
        f.emplace_back("underspend", basis(p.underspend) + (p.carry_forward_allowed ? ", unless carried forward" : "") +
                                         (p.provisional ? ", in consultation with partners" : ""));
        f.emplace_back("risk", p.risk_capped ? "capped at contribution" : "not capped");
        f.emplace_back("tolerance", p.tolerance ? decimal_text(*p.tolerance) + "%" : "none");
        return f;
    };
    for (const Pool& p : o.pools) {
        const auto it = std::find_if(n.pools.begin(), n.pools.end(), [&](const Pool& x) { return x.id.name == p.id.name; });
        c.declaration = p.id.name;
        if (it == n.pools.end()) {
            c.add(ChangeKind::Removed, "pool", p.id.name, "", &p.span, nullptr, "", "", "Pool " + p.id.name + " is removed");
            continue;
        }
        const auto a = fields(p);
        const auto b = fields(*it);
        for (const auto& field : a) {
            const std::string& name = field.first;
            const std::string& value = field.second;
            const auto other = std::find_if(b.begin(), b.end(), [&](const auto& x) { return x.first == name; });
            if (other == b.end())
                c.add(ChangeKind::Removed, "pool", p.id.name, name, &p.span, &it->span, value, "",
                      "Pool " + p.id.name + ": the " + name + " (" + value + ") is removed");
            else if (other->second != value)
                c.add(ChangeKind::Changed, "pool", p.id.name, name, &p.span, &it->span, value, other->second,
                      "Pool " + p.id.name + ": the " + name + " " + change_phrase(value, other->second));
        }
        for (const auto& field : b)
            if (std::none_of(a.begin(), a.end(), [&](const auto& x) { return x.first == field.first; }))
                c.add(ChangeKind::Added, "pool", p.id.name, field.first, &p.span, &it->span, "", field.second,
                      "Pool " + p.id.name + ": a new " + field.first + " of " + field.second);
    }
    for (const Pool& p : n.pools)
        if (std::none_of(o.pools.begin(), o.pools.end(), [&](const Pool& x) { return x.id.name == p.id.name; })) {
            c.declaration = p.id.name;
            c.add(ChangeKind::Added, "pool", p.id.name, "", nullptr, &p.span, "", "",
                  "Pool " + p.id.name + " (" + quote(p.title) + ") is new");
        }
    c.declaration.clear();
}

}  // namespace jointly::server::diff

namespace jointly::server {

std::string outcome_label(const dsl::OutcomeRule& o) {
    std::string out = o.kind == dsl::OutcomeKind::Decline ? std::string("decline") : "refer to " + dsl::quote(o.authority);
    if (!o.ref.empty()) out += " (" + o.ref + ")";
    return out;
}

}  // namespace jointly::server
