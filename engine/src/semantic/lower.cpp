// The semantic pass's building half: the program's header and name tables (`declare`, right
// after the names are collected) and, once everything has checked clean, the rules,
// exceptions, outcome rules and pools (`lower`), read from what the checking passes
// resolved and built. Nothing here resolves a name by itself or types an expression, and
// nothing here can find a mistake the checking passes did not: it only assembles.
#include <algorithm>
#include <string>
#include <vector>

#include "context.hpp"

namespace jointly::engine::semantic {
namespace {

Date civil(const CivilDate& d) { return Date::from_civil(d.year, d.month, d.day); }

std::int64_t pow10(std::int32_t scale) {
    std::int64_t p = 1;
    for (std::int32_t i = 0; i < scale; ++i) p *= 10;
    return p;
}

// Exact value of a checked decimal (the parser holds at most 18 decimal places).
Ratio exact(const Decimal& d) { return Ratio(d.units, pow10(d.scale)); }

// A checked amount in pence (the parser holds at most two decimal places of a pound).
Money pounds(const Decimal& d) { return Money::pence((exact(d) * Ratio::whole(100)).num()); }

std::size_t index_of(const Checker& c, const std::string& name) { return c.value(name)->index; }

// The agency's slot in a rule, appending it when only `pay` or a cap names it.
std::size_t slot_of(detail::CRule& r, std::size_t agency) {
    const auto it = std::find(r.agencies.begin(), r.agencies.end(), agency);
    if (it != r.agencies.end()) return static_cast<std::size_t>(it - r.agencies.begin());
    r.agencies.push_back(agency);
    return r.agencies.size() - 1;
}

}  // namespace

void service_keys(const Expr& e, std::vector<std::string>& out) {
    const Binary* binary = e.as<Binary>();
    if (binary != nullptr && binary->op == BinaryOp::And) {
        service_keys(*binary->left, out);
        if (out.empty()) service_keys(*binary->right, out);
        return;
    }
    auto is_service = [](const Expr& x) { return x.name() != nullptr && *x.name() == "service"; };
    if (binary != nullptr && binary->op == BinaryOp::Eq) {
        const Expr& l = *binary->left;
        const Expr& r = *binary->right;
        if (is_service(l) && r.name() != nullptr) out.push_back(*r.name());
        else if (is_service(r) && l.name() != nullptr) out.push_back(*l.name());
        return;
    }
    // `service in [a, b]`; `service in list_fact` is keyed on nothing (the list is the request's).
    const In* in = e.as<In>();
    if (in != nullptr && is_service(*in->needle) && in->set->is<List>()) {
        std::vector<std::string> keys;
        for (const Expr& m : in->set->as<List>()->items) {
            if (m.name() == nullptr) return;
            keys.push_back(*m.name());
        }
        out = std::move(keys);
    }
}

namespace {

bool repeats(const Checker& c, const Ident& event) {
    const Symbol* symbol = c.value(event.name);
    return symbol != nullptr && symbol->kind == SymbolKind::Event && c.module.events[symbol->index].repeats;
}

detail::CWindow window(const Checker& c, const Window& w) {
    detail::CWindow out;
    out.label = window_text(w);
    auto event = [&](const Ident& id) { return static_cast<std::int32_t>(index_of(c, id.name)); };
    const std::int64_t days = w.unit == TimeUnit::Weeks ? w.amount * 7 : w.amount;
    switch (w.kind) {
        case WindowKind::After: {
            const std::int32_t e = event(w.event);
            out.from = detail::CBound{std::nullopt, e, 0};
            out.to = detail::CBound{std::nullopt, e, days};
            out.repeats = repeats(c, w.event);
            break;
        }
        case WindowKind::Before: {
            const std::int32_t e = event(w.event);
            out.from = detail::CBound{std::nullopt, e, -days};
            out.to = detail::CBound{std::nullopt, e, 0};
            out.repeats = repeats(c, w.event);
            break;
        }
        case WindowKind::Between: {
            auto bound = [&](const WindowBound& b, std::int64_t offset) {
                detail::CBound at;
                at.offset = offset;
                if (b.date) {
                    at.date = civil(*b.date);
                } else if (b.event) {
                    const Symbol* symbol = c.value(b.event->name);
                    if (symbol != nullptr && symbol->kind == SymbolKind::Let) {
                        at.let = static_cast<std::int32_t>(symbol->index);
                    } else if (symbol != nullptr && symbol->kind == SymbolKind::Fact) {
                        at.fact = static_cast<std::int32_t>(symbol->index);
                    } else {
                        at.event = event(*b.event);
                    }
                }
                return at;
            };
            if (w.from) out.from = bound(*w.from, 0);
            if (w.to) out.to = bound(*w.to, w.to_exclusive ? 0 : 1);
            break;
        }
    }
    return out;
}

void rule(Checker& c, std::size_t index, detail::CRule& out) {
    const Rule& r = c.module.rules[index];
    out.name = r.id.name;
    out.ref = r.ref;
    out.order = r.span.offset;
    if (r.action) {
        out.action = r.action->kind;
        out.authority = r.action->authority;
    }
    if (r.condition) {
        out.cond = c.rule_conditions[index];
        out.uses_age = c.program.nodes[static_cast<std::size_t>(out.cond)].age;
        out.conjuncts = conjuncts(c, *r.condition, out.cond);
    }
    if (r.window) out.window = window(c, *r.window);
    auto agency = [&](const Ident& id) { return c.agency_ref(id.name); };
    for (const Share& s : r.split) {
        out.agencies.push_back(agency(s.agency));
        out.shares.push_back(s.kind == ShareKind::Percent ? exact(s.percent) / Ratio::whole(100)
                                                          : Ratio(s.numerator, s.denominator));
    }
    if (r.odd_penny) {
        const auto it = std::find(out.agencies.begin(), out.agencies.end(), agency(*r.odd_penny));
        out.odd_penny = static_cast<std::size_t>(it - out.agencies.begin());
    }
    auto amount_node = [&](const std::optional<Expr>& e) { return e ? c.amounts.at(&*e) : -1; };
    if (r.fixed) {
        const Money amount = r.fixed->amount_expr ? Money() : pounds(r.fixed->amount);
        out.fixed = detail::CFixed{slot_of(out, agency(r.fixed->agency)), amount,
                                   amount_node(r.fixed->amount_expr), r.fixed->per, r.fixed->span};
        out.per_line = out.per_line || r.fixed->per == Per::Line;
        out.per_year = out.per_year || r.fixed->per == Per::FinancialYear;
    }
    for (const Cap& cap : r.caps) {
        detail::CCap built;
        built.slot = slot_of(out, agency(cap.agency));
        built.amount = cap.amount_expr ? Money() : pounds(cap.amount);
        built.amount_node = amount_node(cap.amount_expr);
        built.per = cap.per;
        built.span = cap.span;
        if (cap.excess_to) built.excess_slot = slot_of(out, agency(*cap.excess_to));
        out.per_line = out.per_line || cap.per == Per::Line;
        out.per_year = out.per_year || cap.per == Per::FinancialYear;
        out.caps.push_back(built);
    }
    out.reason_text = r.reason;
    out.reason = std::move(c.rule_reasons[index]);
    out.reason_fixed = out.reason.empty() || (out.reason.size() == 1 && out.reason[0].hole == detail::Hole::Literal);
    if (out.reason_fixed) {
        if (!r.reason.empty()) out.sentence_tail = ", because " + r.reason;
        if (!r.ref.empty()) out.sentence_tail += " (clause " + r.ref + ")";
        out.sentence_tail += '.';
    }
}

// Each rule's overrides: every rule reachable through `exception to`, each once, nearest
// first (the checker has ruled out cycles and unknown names).
void exceptions(Checker& c) {
    const std::vector<Rule>& rs = c.module.rules;
    std::vector<std::vector<std::int32_t>> parents(rs.size());
    for (std::size_t i = 0; i < rs.size(); ++i) {
        for (const Ident& target : rs[i].exception_to) {
            parents[i].push_back(static_cast<std::int32_t>(c.rule_index.at(target.name)));
        }
    }
    // `listed[r] == i`: r is already in rule i's overrides (one pass per rule, no search).
    std::vector<std::size_t> listed(rs.size(), rs.size());
    for (std::size_t i = 0; i < rs.size(); ++i) {
        c.tick();
        std::vector<std::int32_t>& over = c.program.rules[i].overrides;
        auto visit = [&](std::size_t from) {
            for (const std::int32_t parent : parents[from]) {
                const auto at = static_cast<std::size_t>(parent);
                if (at != i && listed[at] != i) {
                    listed[at] = i;
                    over.push_back(parent);
                }
            }
        };
        visit(i);
        for (std::size_t k = 0; k < over.size(); ++k) visit(static_cast<std::size_t>(over[k]));
    }
}

void outcomes(Checker& c) {
    for (std::size_t i = 0; i < c.module.outcomes.size(); ++i) {
        const OutcomeRule& o = c.module.outcomes[i];
        detail::COutcome built;
        built.kind = o.kind;
        built.authority = o.authority;
        built.order = o.span.offset;
        built.ref = o.ref;
        built.cond = c.outcome_conditions[i];
        built.conjuncts = conjuncts(c, o.condition, built.cond);
        built.reason_text = o.reason;
        built.reason = std::move(c.outcome_reasons[i]);
        c.program.outcomes.push_back(std::move(built));
    }
}

void pools(Checker& c) {
    for (const Pool& pool : c.module.pools) {
        detail::CPool built;
        built.name = pool.id.name;
        built.title = pool.title;
        if (pool.host) built.host = index_of(c, pool.host->name);
        for (const Contribution& k : pool.contributions) {
            built.contributions.push_back(detail::CContribution{index_of(c, k.agency.name), pounds(k.amount),
                                                                k.shares_overspend, k.shares_underspend});
        }
        built.overspend = pool.overspend;
        built.underspend = pool.underspend;
        built.carry_forward_allowed = pool.carry_forward_allowed;
        built.provisional = pool.provisional;
        built.risk_capped = pool.risk_capped;
        if (pool.tolerance) built.tolerance = exact(*pool.tolerance) / Ratio::whole(100);
        c.program.pools_c.push_back(std::move(built));
    }
}

// Rules by the service they are keyed on, so a line is matched only against rules that
// may apply to its service.
void service_index(Checker& c) {
    ProgramImpl& p = c.program;
    std::vector<std::vector<std::int32_t>> keyed(p.rules.size());
    for (std::size_t r = 0; r < p.rules.size(); ++r) {
        const std::optional<Expr>& condition = c.module.rules[r].condition;
        if (!condition) continue;
        std::vector<std::string> keys;
        service_keys(*condition, keys);
        for (const std::string& k : keys) {
            for (const std::int32_t s : c.service_indices(k)) keyed[r].push_back(s);
        }
    }
    const std::size_t n = p.services.size();
    p.rules_for_service.assign(n, {});
    for (std::size_t r = 0; r < p.rules.size(); ++r) {
        c.tick();
        if (keyed[r].empty()) {
            p.rules_any_service.push_back(static_cast<std::int32_t>(r));
            for (auto& list : p.rules_for_service) list.push_back(static_cast<std::int32_t>(r));
            continue;
        }
        for (const std::int32_t s : keyed[r]) {
            auto& list = p.rules_for_service[static_cast<std::size_t>(s)];
            if (list.empty() || list.back() != static_cast<std::int32_t>(r)) list.push_back(static_cast<std::int32_t>(r));
        }
    }
    for (std::size_t s = 0; s < n; ++s) p.services_by_name.push_back(static_cast<std::int32_t>(s));
    std::sort(p.services_by_name.begin(), p.services_by_name.end(), [&](std::int32_t a, std::int32_t b) {
        return p.services[static_cast<std::size_t>(a)] < p.services[static_cast<std::size_t>(b)];
    });
}

}  // namespace

void declare(Checker& c) {
    ProgramImpl& p = c.program;
    const Module& m = c.module;
    const Header& h = m.header;
    p.id_ = h.id.name;
    p.title_ = h.title;
    p.version_ = h.version;
    if (h.effective_from) p.effective_from_ = civil(*h.effective_from);
    if (h.effective_to) p.effective_to_ = civil(*h.effective_to);
    p.panel = h.panel;
    p.rounding = h.rounding && *h.rounding == dsl::Rounding::HalfEven ? engine::Rounding::HalfEven
                                                                       : engine::Rounding::HalfUp;
#ifdef JOINTLY_VERSION
    p.engine_name = std::string("jointly ") + JOINTLY_VERSION;
#else
    p.engine_name = "jointly";
#endif
    for (const Agency& a : m.agencies) {
        p.schema.agencies.push_back(AgencyInfo{a.id.name, a.display_name});
        p.agency_pays.push_back(a.display_name + " pays ");
    }
    for (const Scale& s : m.scales) {
        detail::CScale built;
        built.name = s.id.name;
        for (const Ident& l : s.levels) built.levels.push_back(l.name);
        p.scales.push_back(std::move(built));
    }
    for (const Fact& f : m.facts) {
        detail::CFact built;
        built.name = f.id.name;
        built.type = f.type.kind;
        FactInfo info;
        info.name = f.id.name;
        info.type = f.type.kind;
        info.required = !f.default_value.has_value();
        info.label = f.label.value_or(std::string());
        if (f.type.kind == TypeKind::Level || f.type.kind == TypeKind::LevelMap) {
            const auto it = c.scale_index.find(f.type.scale.name);
            if (it != c.scale_index.end()) {  // else E2008, from check_facts
                built.scale = static_cast<std::int32_t>(it->second);
                info.scale = f.type.scale.name;
                info.levels = p.scales[it->second].levels;
            }
        }
        const auto index = static_cast<std::int32_t>(p.facts_c.size());
        if (f.id.name == "date_of_birth" && f.type.kind == TypeKind::Date) p.date_of_birth = index;
        p.facts_c.push_back(std::move(built));
        p.schema.facts.push_back(std::move(info));
    }
    for (std::size_t i = 0; i < p.facts_c.size(); ++i) p.facts_by_name.push_back(i);
    std::sort(p.facts_by_name.begin(), p.facts_by_name.end(), [&](std::size_t a, std::size_t b) {
        return p.facts_c[a].name < p.facts_c[b].name;
    });
    for (const Event& e : m.events) {
        p.schema.events.push_back(e.id.name);
        if (e.repeats) p.schema.repeating_events.push_back(e.id.name);
    }
    for (const Let& l : m.lets) p.lets.push_back(detail::CLet{l.id.name, -1, l.span});
    for (const Threshold& t : m.thresholds) {
        detail::CThreshold built;
        built.name = t.id.name;
        built.reason_text = t.reason;
        p.thresholds.push_back(std::move(built));
    }
    for (const Table& t : m.tables) {
        detail::CTable built;
        built.name = t.id.name;
        built.span = t.span;
        p.tables.push_back(std::move(built));
    }
    for (const Pool& pool : m.pools) p.pool_names_.push_back(pool.id.name);
}

void lower(Checker& c) {
    if (c.has_errors()) return;  // the program is not kept
    const Span& where = pick(c.module.header.id.span, c.module.header.span);
    try {
        ProgramImpl& p = c.program;
        p.rules.resize(c.module.rules.size());
        for (std::size_t i = 0; i < p.rules.size(); ++i) {
            c.tick();
            rule(c, i, p.rules[i]);
        }
        exceptions(c);
        outcomes(c);
        pools(c);
        service_index(c);
        for (std::size_t i = 0; i < p.thresholds.size(); ++i) {
            p.thresholds[i].reason = std::move(c.threshold_reasons[i]);
        }
        auto& b = p.age_birthdays;
        if (p.date_of_birth >= 0 && c.age_uses > 0) b.push_back(18);
        if (c.age_uses > c.age_uses_handled) p.age_every_birthday = true;
        std::sort(b.begin(), b.end());
        b.erase(std::unique(b.begin(), b.end()), b.end());
    } catch (const OverflowError&) {
        // Shares whose sum, or amounts whose pence, do not fit the exact representation.
        c.emit(Code::number_too_large, where, "a share or an amount in the policy is too large to hold exactly",
               "shares are fractions of up to 18 digits; amounts are at most 18 digits of pence");
    }
}

}  // namespace jointly::engine::semantic

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
    for (std::size_t i = 0; i < schema.agencies.size(); ++i) {
        if (schema.agencies[i].id == name) return static_cast<std::int32_t>(i);
    }
    return -1;
}

}  // namespace jointly::engine
