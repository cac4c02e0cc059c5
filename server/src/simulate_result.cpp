// A simulation's figures as JSON (POST /v1/simulate, `jointly simulate --format json`) and as
// a per-case CSV. docs/adr/0011-honest-simulation.md says what each figure means.
#include <algorithm>
#include <string>
#include <vector>

#include "csv.hpp"
#include "jointly/server/service.hpp"

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;

// The issue kinds in the order the figures list them (engine::IssueKind's order).
constexpr engine::IssueKind kIssueKinds[] = {engine::IssueKind::Uncovered, engine::IssueKind::Conflict,
                                             engine::IssueKind::CapExcess, engine::IssueKind::Refused,
                                             engine::IssueKind::Referred};
constexpr engine::Outcome kOutcomes[] = {engine::Outcome::Approve, engine::Outcome::Refer, engine::Outcome::Decline};

ojson amounts(const std::vector<std::string>& order, const std::map<std::string, MoneyTotal>& values) {
    ojson out = ojson::object();
    for (const auto& agency : order) {
        auto it = values.find(agency);
        out[agency] = (it == values.end() ? MoneyTotal{} : it->second).to_string();
    }
    return out;
}

ojson years_json(const std::map<std::string, std::map<std::string, MoneyTotal>>& years,
                 const std::vector<std::string>& order) {
    ojson out = ojson::object();
    for (const auto& [year, values] : years) out[year] = amounts(order, values);
    return out;
}

ojson outcomes_json(std::size_t approve, std::size_t refer, std::size_t decline) {
    return ojson{{"approve", approve}, {"refer", refer}, {"decline", decline}};
}

ojson text_or_null(const std::string& text) { return text.empty() ? ojson(nullptr) : ojson(text); }

template <class Totals>
ojson not_allocated_json(const Totals& t) {
    ojson out = ojson::object();
    out["total"] = t.not_allocated_total.to_string();
    for (const auto kind : kIssueKinds)
        out[engine::to_string(kind)] = t.not_allocated[static_cast<std::size_t>(kind)].to_string();
    return out;
}

// Cases, allocated money per agency, the money not allocated, and their sum.
template <class Totals>
ojson group_json(const Totals& t, const std::vector<std::string>& order, bool with_years) {
    ojson out = ojson::object();
    out["cases"] = t.cases;
    out["total"] = t.total.to_string();
    out["by_agency"] = amounts(order, t.by_agency);
    if (with_years) out["by_financial_year"] = years_json(t.by_year, order);
    out["not_allocated"] = not_allocated_json(t);
    MoneyTotal cost = t.total;
    cost += t.not_allocated_total;
    out["cost"] = cost.to_string();
    return out;
}

void append_agencies(const Snapshot& snapshot, const std::optional<std::string>& policy,
                     std::vector<std::string>& out) {
    for (const auto& id : snapshot.ids()) {
        if (policy && id != *policy) continue;
        for (const auto* loaded : snapshot.versions(id))
            for (const auto& agency : loaded->program->agencies())
                if (std::find(out.begin(), out.end(), agency.id) == out.end()) out.push_back(agency.id);
    }
}

}  // namespace

ojson Simulation::side_json(const Side& side, const std::vector<std::string>& order) const {
    ojson out = ojson::object();
    out["policies"] = side.policies;
    out["total"] = side.funded.total.to_string();
    out["by_agency"] = amounts(order, side.funded.by_agency);
    out["by_financial_year"] = years_json(side.funded.by_year, order);
    out["funded_cases"] = side.funded.cases;
    out["outcomes"] = outcomes_json(side.outcomes.approve, side.outcomes.refer, side.outcomes.decline);
    ojson by_policy = ojson::object();
    for (const auto& label : side.policies) {
        const Outcomes& o = side.outcomes_by_policy.at(label);
        by_policy[label] = outcomes_json(o.approve, o.refer, o.decline);
    }
    out["outcomes_by_policy"] = std::move(by_policy);
    out["approved"] = group_json(side.approved, order, false);
    out["referred"] = group_json(side.referred, order, false);
    out["not_allocated"] = not_allocated_json(side.funded);
    MoneyTotal cost = side.funded.total;
    cost += side.funded.not_allocated_total;
    out["cost"] = cost.to_string();
    out["declined"] = group_json(side.declined, order, true);
    ojson reasons = ojson::array();
    for (const auto& [key, r] : side.by_reason) {
        const auto& [kind, rule, ref] = key;
        reasons.push_back({{"kind", engine::to_string(kind)},
                           {"rule", text_or_null(rule)},
                           {"ref", text_or_null(ref)},
                           {"cases", r.cases},
                           {"total", r.total.to_string()},
                           {"not_allocated", r.not_allocated.to_string()}});
    }
    out["by_reason"] = std::move(reasons);
    out["outside_effective_dates"] = {{"cases", side.outside}, {"case_refs", side.outside_refs}};
    return out;
}

nlohmann::ordered_json Simulation::result() const {
    std::vector<std::string> order = tally_.a.agencies;
    for (const auto& agency : tally_.b.agencies)
        if (std::find(order.begin(), order.end(), agency) == order.end()) order.push_back(agency);
    ojson out = ojson::object();
    out["cases"] = tally_.cases;
    out["evaluated"] = tally_.evaluated;
    out["skipped"] = tally_.cases - tally_.evaluated;
    out["a"] = side_json(tally_.a, order);
    if (input_.b) {
        out["b"] = side_json(tally_.b, order);
        ojson diff = ojson::object();
        diff["total"] = (tally_.b.funded.total - tally_.a.funded.total).to_string();
        std::map<std::string, MoneyTotal> by_agency;
        for (const auto& agency : order) {
            auto get = [&](const Side& s) {
                auto it = s.funded.by_agency.find(agency);
                return it == s.funded.by_agency.end() ? MoneyTotal{} : it->second;
            };
            by_agency[agency] = get(tally_.b) - get(tally_.a);
        }
        diff["by_agency"] = amounts(order, by_agency);
        std::map<std::string, std::map<std::string, MoneyTotal>> years;
        for (const auto& [year, values] : tally_.a.funded.by_year)
            for (const auto& [agency, money] : values) years[year][agency] -= money;
        for (const auto& [year, values] : tally_.b.funded.by_year)
            for (const auto& [agency, money] : values) years[year][agency] += money;
        diff["by_financial_year"] = years_json(years, order);
        diff["not_allocated"] = (tally_.b.funded.not_allocated_total - tally_.a.funded.not_allocated_total).to_string();
        // The same lines of the same cases under both: only rounding, once per segment, on
        // segments cut differently, moves their cost.
        auto cost_of_lines = [](const Side& s) {
            MoneyTotal cost = s.funded.total;
            cost += s.funded.not_allocated_total;
            cost += s.declined.total;
            cost += s.declined.not_allocated_total;
            return cost;
        };
        diff["rounding"] = (cost_of_lines(tally_.b) - cost_of_lines(tally_.a)).to_string();
        out["difference"] = std::move(diff);
        out["outcomes_changed"] = tally_.outcomes_changed;
        ojson changes = ojson::array();
        for (const auto from : kOutcomes)
            for (const auto to : kOutcomes)
                if (const auto n = tally_.outcome_changes[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)]; n > 0)
                    changes.push_back({{"from", engine::to_string(from)}, {"to", engine::to_string(to)}, {"cases", n}});
        out["outcome_changes"] = std::move(changes);
        out["splits_changed"] = tally_.splits_changed;
        out["changed"] = tally_.changed;
        out["changed_omitted"] = tally_.changed_omitted;
    }
    out["errors"] = tally_.errors;
    return out;
}

SimulationCsv::SimulationCsv(const SimulationInput& input) : comparing_(input.b != nullptr) {
    if (input.a) append_agencies(*input.a, input.policy, agencies_);
    if (input.b) append_agencies(*input.b, input.policy, agencies_);
}

std::string SimulationCsv::header() const {
    std::string out = "case,case_ref";
    for (const char* column : {"outcome", "total", "not_allocated"}) {
        out += std::string(",") + column + "_a";
        if (comparing_) out += std::string(",") + column + "_b";
    }
    if (comparing_) out += ",rounding";
    for (const auto& agency : agencies_) {
        out += ',' + csv_text(agency + "_a");
        if (comparing_) out += ',' + csv_text(agency + "_b");
    }
    return out + "\r\n";
}

std::string SimulationCsv::row(const Simulation::Evaluated& e) const {
    const bool counted = e.counted(comparing_);
    using Figures = Simulation::Figures;
    const Figures* sides[2] = {counted ? &*e.a : nullptr, counted && comparing_ ? &*e.b : nullptr};
    const std::size_t n = comparing_ ? 2 : 1;
    std::string out = std::to_string(e.number) + ',' + csv_text(e.case_ref);
    for (std::size_t s = 0; s < n; ++s) out += ',' + std::string(counted ? engine::to_string(sides[s]->outcome) : "error");
    for (std::size_t s = 0; s < n; ++s) out += ',' + (counted ? csv_number(sides[s]->total.to_string()) : std::string());
    for (std::size_t s = 0; s < n; ++s)
        out += ',' + (counted ? csv_number(sides[s]->not_allocated_total.to_string()) : std::string());
    if (comparing_) {
        // What rounding each segment once moved in the cost of the case's lines (B - A).
        out += ',';
        if (counted) {
            MoneyTotal rounding;
            rounding += sides[1]->total;
            rounding += sides[1]->not_allocated_total;
            rounding -= sides[0]->total;
            rounding -= sides[0]->not_allocated_total;
            out += csv_number(rounding.to_string());
        }
    }
    for (const auto& agency : agencies_) {
        for (std::size_t s = 0; s < n; ++s) {
            out += ',';
            if (!counted) continue;
            const auto& list = sides[s]->by_agency;
            auto it = std::find_if(list.begin(), list.end(), [&](const auto& p) { return p.first == agency; });
            if (it != list.end()) out += csv_number(it->second.to_string());
        }
    }
    return out + "\r\n";
}

}  // namespace jointly::server
