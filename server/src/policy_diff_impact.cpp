// DiffImpact: a caseload under two policies, its movements attributed to the changes between
// them (docs/adr/0013-policy-diff.md): rules in families linked by `exception to`, each
// family owning its rules' changes and the changes to what they read; outcome rules each
// owning theirs.
#include <algorithm>
#include <functional>
#include <istream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "jointly/engine/evaluate.hpp"
#include "jointly/server/codec.hpp"
#include "policy_diff_internal.hpp"

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;
using Names = std::set<std::string>;

// Every name an expression mentions (facts, lets, thresholds, tables, services, agencies).
void names_in(const dsl::Expr& e, Names& out) {
    if (const auto* n = e.name()) out.insert(*n);
    if (const auto* c = e.as<dsl::Call>())
        out.insert(c->function);
    dsl::for_each_child(e, [&](const dsl::Expr& child) { names_in(child, out); });
}

void names_in(const dsl::Rule& r, Names& out) {
    if (r.condition) names_in(*r.condition, out);
    if (r.window) {
        if (!r.window->event.name.empty()) out.insert(r.window->event.name);
        for (const auto* b : {&r.window->from, &r.window->to})
            if (*b && (*b)->event) out.insert((*b)->event->name);
    }
    if (r.fixed) {
        out.insert(r.fixed->agency.name);
        if (r.fixed->amount_expr) names_in(*r.fixed->amount_expr, out);
    }
    for (const auto& s : r.split) out.insert(s.agency.name);
    for (const auto& c : r.caps) {
        out.insert(c.agency.name);
        if (c.excess_to) out.insert(c.excess_to->name);
        if (c.amount_expr) names_in(*c.amount_expr, out);
    }
    if (r.odd_penny) out.insert(r.odd_penny->name);
}

// `names` and, through definitions and thresholds, everything they read.
void close_over(const dsl::Module& m, Names& names) {
    std::vector<std::string> todo(names.begin(), names.end());
    while (!todo.empty()) {
        const std::string name = todo.back();
        todo.pop_back();
        Names more;
        for (const auto& l : m.lets)
            if (l.id.name == name) names_in(l.value, more);
        for (const auto& t : m.thresholds)
            if (t.id.name == name) names_in(t.condition, more);
        for (const auto& f : m.facts)
            if (f.id.name == name)
                for (const auto& a : f.type.agencies) more.insert(a.name);
        for (const auto& n : more)
            if (names.insert(n).second) todo.push_back(n);
    }
}

bool from_outcome(const engine::Reason& r, const dsl::OutcomeRule& o) {
    const bool decline = o.kind == dsl::OutcomeKind::Decline;
    if (r.kind != (decline ? engine::ReasonKind::Decline : engine::ReasonKind::Refer) || r.ref != o.ref) return false;
    const std::string stem = o.reason.empty() ? (decline ? std::string("a condition for declining holds")
                                                         : "the condition for referral to " + o.authority + " holds")
                                              : o.reason.substr(0, o.reason.find('{'));
    return r.text.compare(0, stem.size(), stem) == 0;
}

bool has_reason(const engine::Decision& d, const dsl::Module& m, std::size_t index) {
    if (index == diff::kNone) return false;
    const auto& o = m.outcomes[index];
    return std::any_of(d.reasons.begin(), d.reasons.end(), [&](const engine::Reason& r) { return from_outcome(r, o); });
}

ojson amounts(const std::vector<std::string>& order, const std::map<std::string, MoneyTotal>& m) {
    ojson out = ojson::object();
    for (const auto& agency : order) {
        const auto it = m.find(agency);
        out[agency] = it == m.end() ? std::string("0.00") : it->second.to_string();
    }
    return out;
}

// Two decisions' allocations (issues) with the same money: line, dates, cost and shares.
bool same_money(const engine::Allocation& x, const engine::Allocation& y) {
    return x.line == y.line && x.from == y.from && x.to == y.to && x.days == y.days && x.cost == y.cost &&
           x.shares == y.shares;
}

bool same_money(const engine::Issue& x, const engine::Issue& y) {
    return x.line == y.line && x.from == y.from && x.to == y.to && x.cost == y.cost;
}

// The same but for wording: reason texts and messages.
bool same_but_wording(const engine::Allocation& x, const engine::Allocation& y) {
    return same_money(x, y) && x.rule == y.rule && x.ref == y.ref;
}

bool same_but_wording(const engine::Issue& x, const engine::Issue& y) {
    return same_money(x, y) && x.kind == y.kind && x.rules == y.rules && x.rule == y.rule && x.ref == y.ref &&
           x.referred_to == y.referred_to;
}

bool same_but_wording(const engine::Reason& x, const engine::Reason& y) {
    return x.kind == y.kind && x.rule == y.rule && x.ref == y.ref;
}

constexpr auto money_only = [](const auto& x, const auto& y) { return same_money(x, y); };
constexpr auto wording_only = [](const auto& x, const auto& y) { return same_but_wording(x, y); };

template <class T, class Same>
bool equal_by(const std::vector<T>& x, const std::vector<T>& y, Same same) {
    return std::equal(x.begin(), x.end(), y.begin(), y.end(), same);
}

std::map<std::string, MoneyTotal> minus(std::map<std::string, MoneyTotal> a, const std::map<std::string, MoneyTotal>& b) {
    for (const auto& [k, v] : b) a[k] -= v;
    return a;
}


}  // namespace

DiffImpact::DiffImpact(std::shared_ptr<const engine::Program> old_policy, std::shared_ptr<const engine::Program> new_policy,
                       const std::vector<PolicyChange>& changes)
    : old_(std::move(old_policy)), new_(std::move(new_policy)) {
    const dsl::Module& om = old_->module();
    const dsl::Module& nm = new_->module();
    for (const auto* p : {old_.get(), new_.get()})
        for (const auto& a : p->agencies())
            if (std::find(agencies_.begin(), agencies_.end(), a.id) == agencies_.end()) agencies_.push_back(a.id);

    // Families: rules linked by `exception to` in either policy (union-find by name).
    std::map<std::string, std::string> parent;
    std::function<std::string(const std::string&)> root = [&](const std::string& x) -> std::string {
        auto it = parent.find(x);
        if (it == parent.end()) return parent[x] = x;
        if (it->second == x) return x;
        return it->second = root(it->second);
    };
    std::vector<std::string> rule_order;
    for (const auto* m : {&om, &nm})
        for (const auto& r : m->rules) {
            if (std::find(rule_order.begin(), rule_order.end(), r.id.name) == rule_order.end())
                rule_order.push_back(r.id.name);
            for (const auto& x : r.exception_to) parent[root(r.id.name)] = root(x.name);
        }
    std::map<std::string, std::size_t> family_group;
    for (const auto& name : rule_order) {
        const std::string top = root(name);
        auto it = family_group.find(top);
        if (it == family_group.end()) {
            it = family_group.emplace(top, groups_.size()).first;
            groups_.push_back(Group{});
        }
        groups_[it->second].rules.push_back(name);
    }
    auto reads_of = [&](const std::vector<std::string>& rules) {
        Names reads;
        for (const auto* m : {&om, &nm}) {
            Names mine;
            for (const auto& r : m->rules)
                if (std::find(rules.begin(), rules.end(), r.id.name) != rules.end()) names_in(r, mine);
            close_over(*m, mine);
            reads.insert(mine.begin(), mine.end());
        }
        return reads;
    };
    auto declaration_change = [](const PolicyChange& c, const Names& reads) {
        return !c.declaration.empty() && reads.count(c.declaration) != 0;
    };
    for (auto& g : groups_) {
        const Names reads = reads_of(g.rules);
        g.subject = "rule " + g.rules.front();
        for (std::size_t k = 1; k < g.rules.size(); ++k) g.subject += (k + 1 == g.rules.size() ? " and " : ", ") + g.rules[k];
        for (std::size_t i = 0; i < changes.size(); ++i) {
            const auto& c = changes[i];
            const bool own = !c.rule.empty() && std::find(g.rules.begin(), g.rules.end(), c.rule) != g.rules.end();
            const bool rounding = c.what == "header" && c.name == "rounding";
            if (own || rounding || declaration_change(c, reads)) g.changes.push_back(i);
        }
    }
    std::erase_if(groups_, [](const Group& g) { return g.changes.empty(); });
    for (const auto& [i, j] : diff::outcome_pairs(om, nm)) {
        Group g;
        g.outcome = true;
        g.old_outcome = i;
        g.new_outcome = j;
        g.declines = (i != diff::kNone && om.outcomes[i].kind == dsl::OutcomeKind::Decline) ||
                     (j != diff::kNone && nm.outcomes[j].kind == dsl::OutcomeKind::Decline);
        g.subject = "outcome rule " + outcome_label(j != diff::kNone ? nm.outcomes[j] : om.outcomes[i]);
        const std::string key = diff::outcome_key(i, j);
        Names reads;
        if (i != diff::kNone) {
            Names mine;
            names_in(om.outcomes[i].condition, mine);
            close_over(om, mine);
            reads.insert(mine.begin(), mine.end());
        }
        if (j != diff::kNone) {
            Names mine;
            names_in(nm.outcomes[j].condition, mine);
            close_over(nm, mine);
            reads.insert(mine.begin(), mine.end());
        }
        for (std::size_t k = 0; k < changes.size(); ++k)
            if (changes[k].outcome == key || declaration_change(changes[k], reads)) g.changes.push_back(k);
        if (!g.changes.empty()) groups_.push_back(std::move(g));
    }
}

void DiffImpact::add_error(std::size_t number, const std::string& message) {
    ++cases_;
    errors_.push_back({{"case", number}, {"message", message}});
}

void DiffImpact::add(const nlohmann::json& request, std::size_t number) {
    if (!request.is_object()) return add_error(number, "a case must be a JSON object");
    std::optional<engine::Decision> decisions[2];
    const engine::Program* programs[2] = {old_.get(), new_.get()};
    for (std::size_t side = 0; side < 2; ++side) {
        const char* name = side == 0 ? "old" : "new";
        auto decoded = decode_request(request, programs[side]->schema());
        if (!decoded.request) {
            const auto& e = decoded.errors.front();
            return add_error(number, std::string("not a valid request for the ") + name + " policy: " +
                                         (e.path.empty() ? e.message : e.path + ": " + e.message));
        }
        decoded.request->explain_full = false;
        auto result = engine::evaluate(*programs[side], *decoded.request);
        if (!result.decision) {
            const auto& e = result.errors.front();
            return add_error(number, std::string("the ") + name + " policy cannot evaluate the case: " + e.message);
        }
        decisions[side] = std::move(result.decision);
    }
    ++cases_;
    ++evaluated_;
    count(*decisions[0], *decisions[1]);
}

void DiffImpact::count(const engine::Decision& a, const engine::Decision& b) {
    const dsl::Module& om = old_->module();
    const dsl::Module& nm = new_->module();
    const bool differs = a.outcome != b.outcome || a.by_agency != b.by_agency || a.allocations != b.allocations ||
                         a.issues != b.issues || a.outcome_reasons != b.outcome_reasons || a.referred_to != b.referred_to;
    if (differs) {
        ++changed_cases_;
        if (a.outcome != b.outcome) ++outcomes_changed_;
        else if (a.by_agency != b.by_agency || !equal_by(a.allocations, b.allocations, money_only) ||
                 !equal_by(a.issues, b.issues, money_only))
            ++money_changed_;
        else if (!equal_by(a.allocations, b.allocations, wording_only) || !equal_by(a.issues, b.issues, wording_only) ||
                 !equal_by(a.reasons, b.reasons, wording_only) ||
                 a.referred_to != b.referred_to)
            ++rules_changed_;
        else ++wording_changed_;
    }
    cost_old_ += a.total;
    for (const auto& i : a.issues) cost_old_ += i.cost;
    cost_new_ += b.total;
    for (const auto& i : b.issues) cost_new_ += i.cost;
    const bool funded_a = a.outcome != engine::Outcome::Decline;
    const bool funded_b = b.outcome != engine::Outcome::Decline;
    // allocated moved - declined_both + outcome = funded moved, to the penny.
    std::map<std::string, MoneyTotal> flip;  // a case declined under one policy only
    for (const auto& [agency, money] : a.by_agency) {
        allocated_old_[agency] += money;
        if (funded_a) funded_old_[agency] += money;
        else if (funded_b) flip[agency] += money;
        else declined_both_[agency] -= money;
    }
    for (const auto& [agency, money] : b.by_agency) {
        allocated_new_[agency] += money;
        if (funded_b) funded_new_[agency] += money;
        else if (funded_a) flip[agency] -= money;
        else declined_both_[agency] += money;
    }
    for (const auto& [agency, money] : flip) outcome_moved_[agency] += money;
    std::size_t credited = 0;
    for (auto& g : groups_) {
        if (g.outcome) {
            const bool before = has_reason(a, om, g.old_outcome);
            const bool after = has_reason(b, nm, g.new_outcome);
            if (before == after) continue;
            ++g.cases;
            ++(after ? g.now : g.no_longer);
            // Only a `decline` rule moves a case between funded and declined: a referred case
            // is funded, so a `refer` rule is credited with no money.
            if (funded_a == funded_b || !g.declines) continue;
            ++credited;
            for (const auto& [agency, money] : flip) g.moved[agency] += money;
            continue;
        }
        auto mine = [&](const std::string& rule) { return std::find(g.rules.begin(), g.rules.end(), rule) != g.rules.end(); };
        auto issue_mine = [&](const engine::Issue& i) {
            return mine(i.rule) || std::any_of(i.rules.begin(), i.rules.end(), mine);
        };
        std::vector<const engine::Allocation*> xa;
        std::vector<const engine::Allocation*> xb;
        for (const auto& al : a.allocations)
            if (mine(al.rule)) xa.push_back(&al);
        for (const auto& al : b.allocations)
            if (mine(al.rule)) xb.push_back(&al);
        std::vector<const engine::Issue*> ia;
        std::vector<const engine::Issue*> ib;
        for (const auto& i : a.issues)
            if (issue_mine(i)) ia.push_back(&i);
        for (const auto& i : b.issues)
            if (issue_mine(i)) ib.push_back(&i);
        auto deref = [](auto same) { return [same](const auto* p, const auto* q) { return same(*p, *q); }; };
        constexpr auto equal = [](const auto& p, const auto& q) { return p == q; };
        if (equal_by(xa, xb, deref(equal)) && equal_by(ia, ib, deref(equal))) continue;
        if (equal_by(xa, xb, deref(wording_only)) && equal_by(ia, ib, deref(wording_only))) {
            ++g.wording_cases;
            continue;
        }
        ++g.cases;
        for (const auto* al : xa)
            for (const auto& [agency, money] : al->shares) g.moved[agency] -= money;
        for (const auto* al : xb)
            for (const auto& [agency, money] : al->shares) g.moved[agency] += money;
    }
    if (funded_a != funded_b) {
        if (credited == 0)
            for (const auto& [agency, money] : flip) outcome_not_explained_[agency] += money;
        if (credited > 1) ++outcome_shared_cases_;
    }
}

ojson DiffImpact::result() const {
    ojson effects = ojson::array();
    std::map<std::string, MoneyTotal> explained;
    for (const auto& g : groups_) {
        ojson changes = ojson::array();
        for (const auto i : g.changes) changes.push_back(i + 1);
        ojson effect = {{"subject", g.subject},
                        {"kind", g.outcome ? "outcome" : "rules"},
                        {"changes", changes},
                        {"cases", g.cases}};
        if (g.outcome) {
            effect["now"] = g.now;
            effect["no_longer"] = g.no_longer;
        } else {
            effect["wording_cases"] = g.wording_cases;
        }
        effect["moved"] = amounts(agencies_, g.moved);
        effects.push_back(std::move(effect));
        if (!g.outcome)
            for (const auto& [agency, money] : g.moved) explained[agency] += money;
    }
    const auto moved = minus(allocated_new_, allocated_old_);
    return {{"cases", cases_},
            {"evaluated", evaluated_},
            {"skipped", cases_ - evaluated_},
            {"changed_cases", changed_cases_},
            {"outcomes_changed", outcomes_changed_},
            {"money_changed", money_changed_},
            {"rules_changed", rules_changed_},
            {"wording_changed", wording_changed_},
            {"effects", effects},
            {"allocated",
             {{"old", amounts(agencies_, allocated_old_)},
              {"new", amounts(agencies_, allocated_new_)},
              {"moved", amounts(agencies_, moved)},
              {"explained", amounts(agencies_, explained)},
              {"not_explained", amounts(agencies_, minus(moved, explained))}}},
            {"funded",
             {{"old", amounts(agencies_, funded_old_)},
              {"new", amounts(agencies_, funded_new_)},
              {"moved", amounts(agencies_, minus(funded_new_, funded_old_))},
              {"rules", amounts(agencies_, minus(moved, declined_both_))},
              {"outcomes", amounts(agencies_, outcome_moved_)},
              {"outcomes_not_explained", amounts(agencies_, outcome_not_explained_)},
              {"outcomes_shared_cases", outcome_shared_cases_}}},
            {"cost", {{"old", cost_old_.to_string()}, {"new", cost_new_.to_string()}, {"rounding", (cost_new_ - cost_old_).to_string()}}},
            {"errors", errors_}};
}

void diff_impact_stream(std::istream& in, DiffImpact& impact) {
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        auto parsed = parse_json(line);
        if (!parsed.value) {
            impact.add_error(number, "not JSON: " + parsed.error.message);
            continue;
        }
        impact.add(*parsed.value, number);
    }
}

}  // namespace jointly::server
