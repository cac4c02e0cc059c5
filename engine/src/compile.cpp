// Declarations: header, names, rules, exceptions, outcomes, pools; compile_module.
#include <algorithm>
#include <chrono>
#include <new>
#include <string>

#include "compiler.hpp"
#include "expr_eval.hpp"
#include "expr_text.hpp"
#include "jointly/dsl/check.hpp"
#include "jointly/engine/codes.hpp"
#include "sha256.hpp"

namespace jointly::engine::detail {
namespace {

Date civil(const dsl::CivilDate& d) { return Date::from_civil(d.year, d.month, d.day); }

// The agency's slot in a rule, appending it when only `pay` or a cap names it.
std::size_t slot_of(CRule& r, std::size_t agency) {
    const auto it = std::find(r.agencies.begin(), r.agencies.end(), agency);
    if (it != r.agencies.end()) return static_cast<std::size_t>(it - r.agencies.begin());
    r.agencies.push_back(agency);
    return r.agencies.size() - 1;
}

// Service names a condition requires through a top-level `service is X` or `service in [..]`
// conjunct; empty when none (the rule may apply to any service).
void service_keys(const dsl::Expr& e, std::vector<std::string>& out) {
    if (e.kind == dsl::ExprKind::Binary && e.binary_op == dsl::BinaryOp::And && e.args.size() == 2) {
        service_keys(e.args[0], out);
        if (out.empty()) service_keys(e.args[1], out);
        return;
    }
    auto is_service = [](const dsl::Expr& x) { return x.kind == dsl::ExprKind::Name && x.text == "service"; };
    if (e.kind == dsl::ExprKind::Binary && e.binary_op == dsl::BinaryOp::Eq && e.args.size() == 2) {
        const dsl::Expr& l = e.args[0];
        const dsl::Expr& r = e.args[1];
        if (is_service(l) && r.kind == dsl::ExprKind::Name) out.push_back(r.text);
        else if (is_service(r) && l.kind == dsl::ExprKind::Name) out.push_back(l.text);
        return;
    }
    // `service in [a, b]`; `service in list_fact` is keyed on nothing (the list is the request's).
    if (e.kind == dsl::ExprKind::In && e.args.size() == 2 && is_service(e.args[0]) &&
        e.args[1].kind == dsl::ExprKind::List) {
        std::vector<std::string> keys;
        for (const dsl::Expr& m : e.args[1].args) {
            if (m.kind != dsl::ExprKind::Name) return;
            keys.push_back(m.text);
        }
        out = std::move(keys);
    }
}

}  // namespace

void Compiler::run() {
    header();
    declarations();
    for (std::size_t i = 0; i < p_.lets.size(); ++i) compile_let(i, p_.module_.lets[i].span);
    for (std::size_t i = 0; i < p_.thresholds.size(); ++i) {
        compile_threshold(i, p_.module_.thresholds[i].span);
    }
    for (std::size_t i = 0; i < p_.tables.size(); ++i) compile_table(i, p_.module_.tables[i].span);
    fact_defaults();
    rules();
    exceptions();
    outcomes();
    pools();
    service_index();
    for (CThreshold& t : p_.thresholds) t.reason = reason_template(t.reason_text, false);

    auto& b = p_.age_birthdays;
    if (p_.date_of_birth >= 0 && age_uses_ > 0) b.push_back(18);
    if (age_uses_ > age_uses_handled_) p_.age_every_birthday = true;
    std::sort(b.begin(), b.end());
    b.erase(std::unique(b.begin(), b.end()), b.end());
}

void Compiler::header() {
    const dsl::Header& h = p_.module_.header;
    p_.id_ = h.id.name;
    p_.title_ = h.title;
    p_.version_ = h.version;
    if (h.effective_from) p_.effective_from_ = civil(*h.effective_from);
    if (h.effective_to) p_.effective_to_ = civil(*h.effective_to);
    p_.panel = h.panel;
    p_.rounding = h.rounding && *h.rounding == dsl::Rounding::HalfEven ? Rounding::HalfEven
                                                                        : Rounding::HalfUp;
#ifdef JOINTLY_VERSION
    p_.engine_name = std::string("jointly ") + JOINTLY_VERSION;
#else
    p_.engine_name = "jointly";
#endif
}

void Compiler::declarations() {
    const dsl::Module& m = p_.module_;
    for (const dsl::Agency& a : m.agencies) {
        agencies_.emplace(a.id.name, static_cast<std::int32_t>(p_.agency_info_.size()));
        p_.agency_info_.push_back(AgencyInfo{a.id.name, a.display_name});
        p_.agency_pays.push_back(a.display_name + " pays ");
    }
    for (const dsl::Scale& s : m.scales) {
        scales_.emplace(s.id.name, static_cast<std::int32_t>(p_.scales.size()));
        CScale c;
        c.name = s.id.name;
        for (const dsl::Ident& l : s.levels) c.levels.push_back(l.name);
        p_.scales.push_back(std::move(c));
    }
    for (const dsl::Fact& f : m.facts) {
        CFact c;
        c.name = f.id.name;
        c.type = f.type.kind;
        FactInfo info;
        info.name = f.id.name;
        info.type = f.type.kind;
        info.required = !f.default_value.has_value();
        if (f.type.kind == dsl::TypeKind::Level || f.type.kind == dsl::TypeKind::LevelMap) {
            const auto it = scales_.find(f.type.scale.name);
            if (it == scales_.end()) {
                error(codes::kCompileUnresolved, "unknown scale `" + f.type.scale.name + "`", f.type.span);
            } else {
                c.scale = it->second;
                info.scale = f.type.scale.name;
                info.levels = p_.scales[static_cast<std::size_t>(it->second)].levels;
            }
        }
        const auto index = static_cast<std::int32_t>(p_.facts_c.size());
        facts_.emplace(f.id.name, index);
        if (f.id.name == "date_of_birth" && f.type.kind == dsl::TypeKind::Date) p_.date_of_birth = index;
        p_.facts_c.push_back(std::move(c));
        p_.fact_info_.push_back(std::move(info));
    }
    for (std::size_t i = 0; i < p_.facts_c.size(); ++i) p_.facts_by_name.push_back(i);
    std::sort(p_.facts_by_name.begin(), p_.facts_by_name.end(), [&](std::size_t a, std::size_t b) {
        return p_.facts_c[a].name < p_.facts_c[b].name;
    });
    for (const dsl::Event& e : m.events) {
        events_.emplace(e.id.name, static_cast<std::int32_t>(p_.event_names_.size()));
        p_.event_names_.push_back(e.id.name);
    }
    for (const dsl::Let& l : m.lets) {
        lets_.emplace(l.id.name, static_cast<std::int32_t>(p_.lets.size()));
        p_.lets.push_back(CLet{l.id.name, -1, l.span});
    }
    let_state_.assign(p_.lets.size(), 0);
    for (const dsl::Threshold& t : m.thresholds) {
        thresholds_.emplace(t.id.name, static_cast<std::int32_t>(p_.thresholds.size()));
        CThreshold c;
        c.name = t.id.name;
        c.reason_text = t.reason;
        p_.thresholds.push_back(std::move(c));
    }
    threshold_state_.assign(p_.thresholds.size(), 0);
    for (const dsl::Table& t : m.tables) {
        tables_.emplace(t.id.name, static_cast<std::int32_t>(p_.tables.size()));
        CTable c;
        c.name = t.id.name;
        c.span = t.span;
        p_.tables.push_back(std::move(c));
    }
    table_state_.assign(p_.tables.size(), 0);
    table_dep_.assign(p_.tables.size(), Dep::Const);
    table_age_.assign(p_.tables.size(), 0);
    for (const dsl::Rule& r : m.rules) {
        rules_.emplace(r.id.name, static_cast<std::int32_t>(rules_.size()));
    }
    for (const dsl::Pool& pool : m.pools) p_.pool_names_.push_back(pool.id.name);
}

std::int32_t Compiler::compile_table(std::size_t index, const dsl::Span& use) {
    if (table_state_[index] == 2) return 0;
    if (table_state_[index] == 1) {
        error(codes::kCompileCycle, "table `" + p_.tables[index].name + "` looks itself up", use);
        return 0;
    }
    table_state_[index] = 1;
    const dsl::Table& t = p_.module_.tables[index];
    CTable& c = p_.tables[index];
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
        const dsl::TableRow& row = t.rows[i];
        CTableRow r;
        if (const auto low = decimal(row.low, row.span)) r.low = *low;
        if (!row.open_ended) {
            if (const auto high = decimal(row.high, row.span)) r.high = *high;
        }
        r.value = expr(row.value);
        const Node& vn = p_.nodes[static_cast<std::size_t>(r.value)];
        if (i == 0) c.type = vn.type;
        else if (vn.type != c.type) error(codes::kCompileType, "the rows of table `" + c.name + "` give different kinds of value", row.span);
        table_dep_[index] = std::max(table_dep_[index], vn.dep);
        if (vn.age) table_age_[index] = 1;
        c.rows.push_back(r);
    }
    table_state_[index] = 2;
    return 0;
}

void Compiler::fact_defaults() {
    const dsl::Module& m = p_.module_;
    for (std::size_t i = 0; i < m.facts.size(); ++i) {
        const dsl::Fact& f = m.facts[i];
        if (!f.default_value) continue;
        CFact& c = p_.facts_c[i];
        const dsl::Expr& e = *f.default_value;
        const std::string where = "the default of fact `" + f.id.name + "`";
        if (c.type == dsl::TypeKind::TextList && e.kind == dsl::ExprKind::List) {
            TextList list;
            for (const dsl::Expr& item : e.args) {
                if (item.kind != dsl::ExprKind::Text) {
                    error(codes::kCompileDefault, where + " must be a list of text", item.span);
                }
                list.push_back(item.text);
            }
            c.default_value = Value(std::move(list));
            continue;
        }
        const std::optional<Hint> hint =
            c.type == dsl::TypeKind::Level ? std::optional<Hint>(Hint{VType::Level, c.scale}) : std::nullopt;
        const std::size_t errors_before = diags_.size();
        const std::int32_t node = expr(e, hint);
        if (diags_.size() != errors_before) continue;
        const Node& n = p_.nodes[static_cast<std::size_t>(node)];
        if (n.dep != Dep::Const) {
            error(codes::kCompileDefault, where + " must be a constant", e.span);
            continue;
        }
        EvalContext cx;
        cx.program = &p_;
        const Val v = eval(cx, node);
        switch (c.type) {
            case dsl::TypeKind::Bool:
                if (v.type == VType::Bool) c.default_value = Value(v.b);
                break;
            case dsl::TypeKind::Whole:
                if (v.type == VType::Number && v.r.den() == 1) c.default_value = Value(v.r.num());
                break;
            case dsl::TypeKind::Decimal:
                if (v.type == VType::Number) c.default_value = Value(v.r);
                break;
            case dsl::TypeKind::Money:
                if (v.type == VType::Money && v.r.den() == 1) c.default_value = Value(Money::pence(v.r.num()));
                break;
            case dsl::TypeKind::Date:
                if (v.type == VType::Date) c.default_value = Value(Date::from_days(v.i));
                break;
            case dsl::TypeKind::Text:
                if (v.type == VType::Text) c.default_value = Value(*v.s);
                break;
            case dsl::TypeKind::Level:
                if (v.type == VType::Level && n.scale == c.scale) c.default_value = Value(Level{v.i});
                break;
            case dsl::TypeKind::LevelMap:
            case dsl::TypeKind::TextList: break;
        }
        if (!c.default_value) error(codes::kCompileDefault, where + " is not of the fact's type", e.span);
    }
}

std::optional<CWindow> Compiler::window(const dsl::Window& w) {
    CWindow c;
    c.label = window_text(w);
    auto event = [&](const dsl::Ident& id) -> std::int32_t {
        const auto it = events_.find(id.name);
        if (it == events_.end()) {
            error(codes::kCompileUnresolved, "unknown event `" + id.name + "`", id.span);
            return -1;
        }
        return it->second;
    };
    const std::int64_t days = w.unit == dsl::TimeUnit::Weeks ? w.amount * 7 : w.amount;
    switch (w.kind) {
        case dsl::WindowKind::After: {
            const std::int32_t e = event(w.event);
            c.from = CBound{std::nullopt, e, 0};
            c.to = CBound{std::nullopt, e, days};
            break;
        }
        case dsl::WindowKind::Before: {
            const std::int32_t e = event(w.event);
            c.from = CBound{std::nullopt, e, -days};
            c.to = CBound{std::nullopt, e, 0};
            break;
        }
        case dsl::WindowKind::Between: {
            auto bound = [&](const dsl::WindowBound& b, std::int64_t offset) {
                CBound out;
                out.offset = offset;
                if (b.date) out.date = civil(*b.date);
                else if (b.event) out.event = event(*b.event);
                return out;
            };
            if (w.from) c.from = bound(*w.from, 0);
            if (w.to) c.to = bound(*w.to, w.to_exclusive ? 0 : 1);
            break;
        }
    }
    return c;
}

void Compiler::rule(const dsl::Rule& r, CRule& out) {
    out.name = r.id.name;
    out.ref = r.ref;
    if (r.condition) {
        out.cond = expr(*r.condition);
        const Node& n = p_.nodes[static_cast<std::size_t>(out.cond)];
        if (n.type != VType::Bool) {
            error(codes::kCompileType, "the condition of rule `" + r.id.name + "` must be true or false",
                  r.condition->span);
        }
        out.uses_age = n.age;
        out.conjuncts = conjuncts(*r.condition, out.cond);
    }
    if (r.window) out.window = window(*r.window);
    auto agency = [&](const dsl::Ident& id) -> std::optional<std::size_t> {
        const auto it = agencies_.find(id.name);
        if (it == agencies_.end()) {
            error(codes::kCompileUnresolved, "unknown agency `" + id.name + "`", id.span);
            return std::nullopt;
        }
        return static_cast<std::size_t>(it->second);
    };
    Ratio sum;
    for (const dsl::Share& s : r.split) {
        const auto a = agency(s.agency);
        if (!a) continue;
        if (std::find(out.agencies.begin(), out.agencies.end(), *a) != out.agencies.end()) {
            error(codes::kCompileSplit, "agency `" + s.agency.name + "` appears twice in the split", s.span);
            continue;
        }
        Ratio share;
        if (s.kind == dsl::ShareKind::Percent) {
            if (const auto d = decimal(s.percent, s.span)) share = *d / Ratio::whole(100);
        } else if (s.denominator <= 0 || s.numerator < 0) {
            error(codes::kCompileSplit, "share of `" + s.agency.name + "` is not a fraction", s.span);
        } else {
            share = Ratio(s.numerator, s.denominator);
        }
        if (share < Ratio()) error(codes::kCompileSplit, "a share cannot be negative", s.span);
        out.agencies.push_back(*a);
        out.shares.push_back(share);
        sum = sum + share;
    }
    if (sum != Ratio::whole(1)) {
        error(codes::kCompileSplit,
              "the split of rule `" + r.id.name + "` totals " + (sum * Ratio::whole(100)).to_string(4) +
                  "%, not 100%",
              r.split_span.line != 0 ? r.split_span : r.span);
    }
    if (r.odd_penny) {
        if (const auto a = agency(*r.odd_penny)) {
            const auto it = std::find(out.agencies.begin(), out.agencies.end(), *a);
            if (it == out.agencies.end()) {
                error(codes::kCompileSplit, "the odd penny goes to `" + r.odd_penny->name + "`, which is not in the split",
                      r.odd_penny->span);
            } else {
                out.odd_penny = static_cast<std::size_t>(it - out.agencies.begin());
            }
        }
    }
    if (r.fixed) {
        const auto a = agency(r.fixed->agency);
        const auto amount = r.fixed->amount_expr ? std::optional<Money>(Money()) : pounds(r.fixed->amount, r.fixed->span);
        const std::int32_t node = r.fixed->amount_expr ? amount_node(*r.fixed->amount_expr) : -1;
        if (a && amount) out.fixed = CFixed{slot_of(out, *a), *amount, node, r.fixed->per};
        out.per_line = out.per_line || r.fixed->per == dsl::Per::Line;
    }
    for (const dsl::Cap& cap : r.caps) {
        const auto a = agency(cap.agency);
        const auto amount = cap.amount_expr ? std::optional<Money>(Money()) : pounds(cap.amount, cap.span);
        if (!a || !amount) continue;
        CCap c;
        c.slot = slot_of(out, *a);
        c.amount = *amount;
        c.amount_node = cap.amount_expr ? amount_node(*cap.amount_expr) : -1;
        c.per = cap.per;
        if (cap.excess_to) {
            const auto to = agency(*cap.excess_to);
            if (!to) continue;
            c.excess_slot = slot_of(out, *to);
        }
        out.per_line = out.per_line || cap.per == dsl::Per::Line;
        out.caps.push_back(c);
    }
    out.reason_text = r.reason;
    out.reason = reason_template(r.reason, true);
    out.reason_fixed = out.reason.empty() || (out.reason.size() == 1 && out.reason[0].hole == Hole::Literal);
    if (out.reason_fixed) {
        if (!r.reason.empty()) out.sentence_tail = ", because " + r.reason;
        if (!r.ref.empty()) out.sentence_tail += " (clause " + r.ref + ")";
        out.sentence_tail += '.';
    }
}

std::int32_t Compiler::amount_node(const dsl::Expr& e) {
    const std::int32_t node = expr(e);
    const Node& n = p_.nodes[static_cast<std::size_t>(node)];
    if (n.type != VType::Money) {
        error(codes::kCompileType, "an amount must be money, not `" + expr_text(e) + "`", e.span);
    } else if (n.dep > Dep::Request) {
        error(codes::kCompileType, "the amount `" + expr_text(e) + "` must be the same for the whole request", e.span);
    }
    return node;
}

void Compiler::tick() {
    if (deadline_ && (++ticks_ & 63U) == 0 && std::chrono::steady_clock::now() > *deadline_) {
        throw CompileOutOfTime{};
    }
}

void Compiler::rules() {
    const auto& rs = p_.module_.rules;
    p_.rules.resize(rs.size());
    rule_services_.resize(rs.size());
    for (std::size_t i = 0; i < rs.size(); ++i) {
        tick();
        rule(rs[i], p_.rules[i]);
        if (rs[i].condition) {
            std::vector<std::string> keys;
            service_keys(*rs[i].condition, keys);
            for (const std::string& k : keys) rule_services_[i].push_back(service_literal(k));
        }
    }
}

void Compiler::exceptions() {
    const auto& rs = p_.module_.rules;
    std::vector<std::vector<std::int32_t>> parents(rs.size());
    for (std::size_t i = 0; i < rs.size(); ++i) {
        for (const dsl::Ident& target : rs[i].exception_to) {
            const auto it = rules_.find(target.name);
            if (it == rules_.end()) {
                error(codes::kCompileUnresolved, "unknown rule `" + target.name + "`", target.span);
                continue;
            }
            parents[i].push_back(it->second);
        }
    }
    // overrides: every rule reachable through `exception to`, each once, nearest first.
    // `listed[r] == i`: r is already in rule i's overrides (one pass per rule, no search).
    std::vector<std::size_t> listed(rs.size(), rs.size());
    for (std::size_t i = 0; i < rs.size(); ++i) {
        tick();
        std::vector<std::int32_t>& over = p_.rules[i].overrides;
        bool cycle = false;
        auto visit = [&](std::size_t from) {
            for (const std::int32_t parent : parents[from]) {
                const auto at = static_cast<std::size_t>(parent);
                if (at == i) {
                    cycle = true;
                } else if (listed[at] != i) {
                    listed[at] = i;
                    over.push_back(parent);
                }
            }
        };
        visit(i);
        for (std::size_t k = 0; k < over.size(); ++k) visit(static_cast<std::size_t>(over[k]));
        if (cycle) {
            error(codes::kCompileCycle,
                  "rule `" + rs[i].id.name + "` is, through `exception to`, an exception to itself", rs[i].span);
        }
    }
}

void Compiler::outcomes() {
    for (const dsl::OutcomeRule& o : p_.module_.outcomes) {
        COutcome c;
        c.kind = o.kind;
        c.authority = o.authority;
        c.ref = o.ref;
        p_.outcome_refs = p_.outcome_refs || !o.ref.empty();
        c.cond = expr(o.condition);
        if (p_.nodes[static_cast<std::size_t>(c.cond)].type != VType::Bool) {
            error(codes::kCompileType, "an outcome condition must be true or false", o.condition.span);
        }
        c.conjuncts = conjuncts(o.condition, c.cond);
        c.reason_text = o.reason;
        c.reason = reason_template(o.reason, false);
        p_.outcomes.push_back(std::move(c));
    }
}

void Compiler::pools() {
    for (const dsl::Pool& pool : p_.module_.pools) {
        CPool c;
        c.name = pool.id.name;
        c.title = pool.title;
        if (pool.host) {
            const auto it = agencies_.find(pool.host->name);
            if (it == agencies_.end()) error(codes::kCompileUnresolved, "unknown agency `" + pool.host->name + "`", pool.host->span);
            else c.host = static_cast<std::size_t>(it->second);
        }
        for (const dsl::Contribution& k : pool.contributions) {
            const auto it = agencies_.find(k.agency.name);
            const auto amount = pounds(k.amount, k.span);
            if (it == agencies_.end()) {
                error(codes::kCompileUnresolved, "unknown agency `" + k.agency.name + "`", k.agency.span);
                continue;
            }
            if (amount) {
                c.contributions.push_back(CContribution{static_cast<std::size_t>(it->second), *amount,
                                                        k.shares_overspend, k.shares_underspend});
            }
        }
        c.overspend = pool.overspend;
        c.underspend = pool.underspend;
        c.carry_forward_allowed = pool.carry_forward_allowed;
        c.provisional = pool.provisional;
        c.risk_capped = pool.risk_capped;
        if (pool.tolerance) {
            if (const auto t = decimal(*pool.tolerance, pool.span)) c.tolerance = *t / Ratio::whole(100);
        }
        p_.pools_c.push_back(std::move(c));
    }
}

void Compiler::service_index() {
    const std::size_t n = p_.services.size();
    p_.rules_for_service.assign(n, {});
    for (std::size_t r = 0; r < p_.rules.size(); ++r) {
        tick();
        if (rule_services_[r].empty()) {
            p_.rules_any_service.push_back(static_cast<std::int32_t>(r));
            for (auto& list : p_.rules_for_service) list.push_back(static_cast<std::int32_t>(r));
            continue;
        }
        for (const std::int32_t s : rule_services_[r]) {
            auto& list = p_.rules_for_service[static_cast<std::size_t>(s)];
            if (list.empty() || list.back() != static_cast<std::int32_t>(r)) list.push_back(static_cast<std::int32_t>(r));
        }
    }
    for (std::size_t s = 0; s < n; ++s) p_.services_by_name.push_back(static_cast<std::int32_t>(s));
    std::sort(p_.services_by_name.begin(), p_.services_by_name.end(), [&](std::int32_t a, std::int32_t b) {
        return p_.services[static_cast<std::size_t>(a)] < p_.services[static_cast<std::size_t>(b)];
    });
}

}  // namespace jointly::engine::detail

namespace jointly::engine {

std::int32_t detail::ProgramImpl::service_index(std::string_view name) const {
    if (services.size() <= 8) {  // a few services: a scan comparing lengths first is quickest
        for (std::size_t i = 0; i < services.size(); ++i) {
            if (services[i].size() == name.size() && services[i] == name) return static_cast<std::int32_t>(i);
        }
        return -1;
    }
    const auto it = std::lower_bound(services_by_name.begin(), services_by_name.end(), name,
                                     [&](std::int32_t s, std::string_view n) {
                                         return services[static_cast<std::size_t>(s)] < n;
                                     });
    if (it != services_by_name.end() && services[static_cast<std::size_t>(*it)] == name) return *it;
    return -1;
}

std::int32_t detail::ProgramImpl::agency_index(std::string_view name) const {
    for (std::size_t i = 0; i < agency_info_.size(); ++i) {
        if (agency_info_[i].id == name) return static_cast<std::int32_t>(i);
    }
    return -1;
}

CompileResult compile_module(dsl::Module module, std::string source, const dsl::Limits& limits) {
    CompileResult result;
    const std::string file = module.file;
    const dsl::Span where = module.header.id.span.line > 0 ? module.header.id.span : module.header.span;
    try {
        detail::Compiler::Deadline deadline;
        if (limits.time_limit.count() > 0) {
            deadline = limits.since.value_or(std::chrono::steady_clock::now()) + limits.time_limit;
        }
        auto program = std::make_shared<detail::ProgramImpl>();
        program->module_ = std::move(module);
        program->sha256_ = detail::sha256_hex(source);
        program->source_ = std::move(source);
        try {
            detail::Compiler(*program, result.diagnostics, deadline).run();
        } catch (const OverflowError&) {
            dsl::Diagnostic d;
            d.code = codes::kCompileOverflow;
            d.message = "a number in the policy is too large to hold exactly";
            d.file = program->module_.file;
            result.diagnostics.push_back(std::move(d));
        } catch (const detail::EvalFailure& f) {
            dsl::Diagnostic d;
            d.code = f.code;
            d.message = f.message;
            d.file = program->module_.file;
            if (f.span) d.span = *f.span;
            result.diagnostics.push_back(std::move(d));
        } catch (const detail::CompileOutOfTime&) {
            result.diagnostics.push_back(dsl::time_limit_diagnostic(limits, file, where));
            result.stopped = CompileResult::Stopped::TimeLimit;
        }
        const bool failed = std::any_of(result.diagnostics.begin(), result.diagnostics.end(),
                                        [](const dsl::Diagnostic& d) { return d.severity == dsl::Severity::Error; });
        if (!failed) result.program = std::move(program);
    } catch (const std::bad_alloc&) {
        // Whatever the compiler held is freed by now: one diagnostic fits.
        result.program.reset();
        result.diagnostics.clear();
        result.diagnostics.push_back(dsl::out_of_memory_diagnostic(file, where));
        result.stopped = CompileResult::Stopped::OutOfMemory;
    }
    return result;
}

}  // namespace jointly::engine
