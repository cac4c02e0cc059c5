// Agency groups and facts that pick an agency:
//   agency group health: icb_north, icb_south
//   fact responsible_icb: agency in icb_north, icb_south
//
// A group is several declared agencies at once, for totals in outcome rules and the
// decision's `by_agency_group`; it pays nothing itself. A fact that picks an agency is named
// by rules where an agency is (split, `pay`, a cap, `excess to`, `odd penny to`, `total`),
// and stands for the agency the request gives. One rule may not name such a fact and an
// agency it may pick, or two such facts that may pick the same agency (E2018): the same
// agency would then hold two shares of one segment.
#include <algorithm>
#include <string>
#include <unordered_set>

#include "context.hpp"

namespace jointly::engine::semantic {
namespace {

bool is_group(const Checker& c, const std::string& name) {
    const Symbol* symbol = c.value(name);
    return symbol != nullptr && symbol->kind == SymbolKind::AgencyGroup;
}

// The fact index of a fact that picks an agency, or nullopt.
std::optional<std::size_t> agency_fact(const Checker& c, const std::string& name) {
    const Symbol* symbol = c.value(name);
    if (symbol == nullptr || symbol->kind != SymbolKind::Fact) return std::nullopt;
    if (c.module.facts[symbol->index].type.kind != TypeKind::Agency) return std::nullopt;
    return symbol->index;
}

// Agencies, and facts that pick one, for suggestions where a rule names who pays.
std::vector<std::string> payer_names(const Checker& c) {
    std::vector<std::string> names = c.names_of(SymbolKind::Agency);
    if (!c.suggesting()) return names;
    for (const Fact& f : c.module.facts) {
        if (f.type.kind == TypeKind::Agency) names.push_back(f.id.name);
    }
    return names;
}

// Every agency a rule names as a payer, by name, with where it is named first.
std::vector<const Ident*> named_payers(const Rule& rule) {
    std::vector<const Ident*> out;
    auto add = [&](const Ident& id) {
        const bool seen = std::any_of(out.begin(), out.end(), [&](const Ident* o) { return o->name == id.name; });
        if (!seen) out.push_back(&id);
    };
    for (const Share& s : rule.split) add(s.agency);
    if (rule.fixed) add(rule.fixed->agency);
    for (const Cap& cap : rule.caps) {
        add(cap.agency);
        if (cap.excess_to) add(*cap.excess_to);
    }
    if (rule.odd_penny) add(*rule.odd_penny);
    return out;
}

}  // namespace

void declare_agencies(Checker& c) {
    ProgramImpl& p = c.program;
    const Module& m = c.module;
    for (const AgencyGroup& g : m.agency_groups) {
        const Symbol* symbol = c.value(g.id.name);
        if (symbol == nullptr || symbol->kind != SymbolKind::AgencyGroup || &m.agency_groups[symbol->index] != &g) {
            continue;  // declared twice, or clashing: E2001 / E2015 already
        }
        std::vector<std::size_t>& members = c.agency_groups[g.id.name];
        AgencyGroupInfo info{g.id.name, {}};
        for (const Ident& member : g.members) {
            if (is_group(c, member.name)) {
                c.emit(Code::not_one_agency, member.span,
                       "`" + member.name + "` is an agency group; a group's members are agencies",
                       "list the agencies of `" + member.name + "` instead");
                continue;
            }
            if (!c.require_agency(member, false)) continue;
            const std::size_t index = c.value(member.name)->index;
            if (std::find(members.begin(), members.end(), index) != members.end()) continue;
            members.push_back(index);
            info.members.push_back(member.name);
        }
        p.agency_groups.push_back(detail::CAgencyGroup{g.id.name, members});
        p.schema.agency_groups.push_back(std::move(info));
    }
    for (std::size_t f = 0; f < m.facts.size(); ++f) {
        const TypeRef& type = m.facts[f].type;
        if (type.kind != TypeKind::Agency) continue;
        std::vector<std::size_t> set;
        for (const Ident& named : type.agencies) {
            if (const auto group = c.agency_groups.find(named.name); group != c.agency_groups.end()) {
                set.insert(set.end(), group->second.begin(), group->second.end());
                continue;
            }
            if (is_group(c, named.name)) continue;  // a group with an error of its own
            if (c.require_agency(named, false)) set.push_back(c.value(named.name)->index);
        }
        std::sort(set.begin(), set.end());
        set.erase(std::unique(set.begin(), set.end()), set.end());
        FactInfo& info = p.schema.facts[f];
        for (const std::size_t a : set) info.agencies.push_back(p.schema.agencies[a].id);
        c.agency_fact_sets[f] = std::move(set);
        p.agency_facts.push_back(static_cast<std::int32_t>(f));
    }
}

std::optional<std::vector<std::size_t>> Checker::payer(const Ident& id) {
    if (const auto fact = agency_fact(*this, id.name)) {
        fact_used[*fact] = true;
        const std::vector<std::size_t>& set = agency_fact_sets[*fact];
        for (const std::size_t a : set) agency_used[a] = true;
        return set;
    }
    if (is_group(*this, id.name)) {
        emit(Code::not_one_agency, id.span, "`" + id.name + "` is an agency group, which pays nothing itself",
             "name one agency, or a fact that picks one, e.g. `fact responsible_icb: agency in " + id.name + "`");
        return std::nullopt;
    }
    const Symbol* symbol = value(id.name);
    if (symbol != nullptr && symbol->kind == SymbolKind::Agency) {
        agency_used[symbol->index] = true;
        return std::vector<std::size_t>{symbol->index};
    }
    if (symbol != nullptr && symbol->kind == SymbolKind::Fact) {
        emit(Code::not_one_agency, id.span, "`" + id.name + "` is a fact, not an agency",
             "a fact names who pays when it is declared `fact " + id.name + ": agency in AGENCY, AGENCY`");
        return std::nullopt;
    }
    std::string help = suggestion(id.name, payer_names(*this));
    if (help.empty()) help = "declare it, e.g. `agency " + id.name + " \"Display name\"`";
    emit(Code::unknown_agency, id.span, "unknown agency `" + id.name + "`", help);
    return std::nullopt;
}

std::size_t Checker::agency_ref(const std::string& name) const {
    const Symbol* symbol = value(name);
    if (symbol->kind == SymbolKind::Agency) return symbol->index;
    const auto at = std::find(program.agency_facts.begin(), program.agency_facts.end(),
                              static_cast<std::int32_t>(symbol->index));
    return program.schema.agencies.size() + static_cast<std::size_t>(at - program.agency_facts.begin());
}

void check_agencies_once(Checker& c) {
    for (const Rule& rule : c.module.rules) {
        const std::vector<const Ident*> named = named_payers(rule);
        if (named.size() < 2) continue;
        std::vector<std::vector<std::size_t>> sets;
        sets.reserve(named.size());
        for (const Ident* id : named) {
            const Symbol* symbol = c.value(id->name);
            if (symbol == nullptr) {
                sets.emplace_back();
            } else if (symbol->kind == SymbolKind::Agency) {
                sets.push_back({symbol->index});
            } else if (const auto f = agency_fact(c, id->name)) {
                sets.push_back(c.agency_fact_sets[*f]);
            } else {
                sets.emplace_back();
            }
        }
        for (std::size_t j = 1; j < named.size(); ++j) {
            for (std::size_t i = 0; i < j; ++i) {
                std::vector<std::size_t> both;
                std::set_intersection(sets[i].begin(), sets[i].end(), sets[j].begin(), sets[j].end(),
                                      std::back_inserter(both));
                if (both.empty()) continue;
                const std::string& agency = c.module.agencies[both.front()].id.name;
                c.emit(Code::agency_named_twice, named[j]->span,
                       "rule `" + rule.id.name + "` names `" + named[i]->name + "` and `" + named[j]->name +
                           "`, which may be the same agency (`" + agency + "`)",
                       "a fact that picks an agency stands for one of the agencies it lists; a rule names "
                       "each agency once, so write a rule for the case where they are the same");
                break;
            }
        }
    }
}

}  // namespace jointly::engine::semantic
