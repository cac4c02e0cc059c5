// SummaryReport: stored decisions summed into outcomes, referrals, declines and spend.
#include "report.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <tuple>

#include "jointly/engine/date.hpp"
#include "jointly/server/codec.hpp"

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;

// Money from a stored response (always a decimal string there); throws when it is not.
engine::Money money_at(const ojson& value) {
    std::string message;
    const auto money = json_money(nlohmann::json(value), &message);
    if (!money) throw std::runtime_error("not money: " + message);
    return *money;
}

// An agency -> money object as (agency, money) pairs, in the object's order.
std::vector<std::pair<std::string, engine::Money>> amounts_of(const ojson& object) {
    std::vector<std::pair<std::string, engine::Money>> out;
    if (!object.is_object()) return out;
    for (const auto& [agency, value] : object.items()) out.emplace_back(agency, money_at(value));
    return out;
}

// What one stored decision contributes, read completely before anything is added.
struct Reading {
    std::string outcome;
    std::string referred_to;
    std::string panel_outcome = "none";
    std::vector<std::pair<std::string, engine::Money>> by_agency;
    std::vector<std::pair<std::string, std::vector<std::pair<std::string, engine::Money>>>> by_year;
    std::vector<std::pair<std::string, std::vector<std::pair<std::string, engine::Money>>>> by_service;  // per line
    std::set<std::string> services;
    std::set<std::tuple<std::string, std::string, std::string>> reasons;  // (kind, rule, ref), each once
    engine::Money total;
    std::optional<std::vector<std::pair<std::string, engine::Money>>> override_shares;
    std::string age_band = "unknown";
    std::vector<std::tuple<std::string, std::size_t, std::string>> need_levels;  // (scale fact, place, level)
};

// The age bands of `by_age_band`, youngest first.
constexpr std::array<const char*, 7> kAgeBands{"0-4", "5-10", "11-15", "16-17", "18-25", "26+", "unknown"};

std::string age_band(int age) {
    if (age < 0) return "unknown";
    if (age <= 4) return "0-4";
    if (age <= 10) return "5-10";
    if (age <= 15) return "11-15";
    if (age <= 17) return "16-17";
    if (age <= 25) return "18-25";
    return "26+";
}

// Whole years from `born` to `on` (a birthday on 29 February falls on 1 March in other years).
int age_on(engine::Date born, engine::Date on) {
    int age = on.year() - born.year();
    if (on.month() < born.month() || (on.month() == born.month() && on.day() < born.day())) --age;
    return age;
}

// The child's age band and, for each scale fact of the version, the highest level given.
void read_child(const DecisionRecord& decision, const ojson& request, const engine::Schema* schema, Reading& r) {
    const auto facts = request.value("facts", ojson::object());
    if (!facts.is_object()) return;
    if (auto it = facts.find("date_of_birth"); it != facts.end() && it->is_string()) {
        const auto born = engine::parse_date(it->get<std::string>());
        const auto on = engine::parse_date(decision.as_of.empty() ? decision.created_at.substr(0, 10) : decision.as_of);
        if (born && on) r.age_band = age_band(age_on(*born, *on));
    }
    if (schema == nullptr) return;
    for (const auto& fact : schema->facts) {
        if (fact.type != dsl::TypeKind::LevelMap && fact.type != dsl::TypeKind::Level) continue;
        auto it = facts.find(fact.name);
        if (it == facts.end()) continue;
        std::optional<std::size_t> highest;
        const auto consider = [&](const ojson& value) {
            if (!value.is_string()) return;
            const auto level = std::find(fact.levels.begin(), fact.levels.end(), value.get<std::string>());
            if (level == fact.levels.end()) return;
            const auto index = static_cast<std::size_t>(level - fact.levels.begin());
            if (!highest || index > *highest) highest = index;
        };
        if (it->is_object()) {
            for (const auto& [domain, value] : it->items()) consider(value);
        } else {
            consider(*it);
        }
        if (highest) r.need_levels.emplace_back(fact.name, *highest, fact.levels[*highest]);
    }
}

constexpr const char* kErasedService = "(erased)";

// The rules' outcomes and the panel's, in the order the report lists them.
constexpr std::array<const char*, 3> kOutcomes{"approve", "refer", "decline"};
constexpr std::array<const char*, 5> kPanelOutcomes{"approved", "deferred", "declined", "escalated", "none"};

template <std::size_t N>
ojson counts_in_order(const std::map<std::string, std::size_t>& counts, const std::array<const char*, N>& order) {
    ojson out = ojson::object();
    for (const char* key : order) out[key] = counts.at(key);
    return out;
}

// A decision's spend per service: each line's allocation under the service the stored request
// gives it.
void read_services(const ojson& request, const ojson& response, Reading& r) {
    std::map<std::string, std::string> service_of;
    for (const auto& line : request.value("lines", ojson::array())) {
        if (!line.is_object()) continue;
        const auto id = line.value("id", std::string());
        const auto service = line.value("service", std::string());
        service_of[id] = service;
        r.services.insert(service);
    }
    const auto by_line = response.value("by_line", ojson::object());
    for (const auto& [line, list] : by_line.items()) {
        auto it = service_of.find(line);
        const std::string service = it == service_of.end() ? std::string("(unknown)") : it->second;
        r.services.insert(service);
        r.by_service.emplace_back(service, amounts_of(list));
    }
}

Reading read(const DecisionRecord& decision, const std::optional<PanelRecord>& panel, const engine::Schema* schema) {
    Reading r;
    r.outcome = decision.outcome;
    if (r.outcome != "approve" && r.outcome != "refer" && r.outcome != "decline")
        throw std::runtime_error("unknown outcome");
    const auto response = ojson::parse(decision.response_json);
    r.total = money_at(response.at("total"));
    if (r.outcome == "refer") r.referred_to = response.value("referred_to", std::string());
    r.by_agency = amounts_of(response.at("by_agency"));
    for (const auto& reason : response.value("reasons", ojson::array())) {
        auto text = [&](const char* key) {
            const auto it = reason.find(key);
            return it != reason.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        r.reasons.emplace(text("kind"), text("rule"), text("ref"));
    }
    for (const auto& [year, list] : response.at("by_financial_year").items()) r.by_year.emplace_back(year, amounts_of(list));
    if (decision.erased) {
        // Its lines went with the child's data: its money is counted under one service,
        // `(erased)`, so the services still sum to the total.
        r.services.insert(kErasedService);
        r.by_service.emplace_back(kErasedService, r.by_agency);
    } else {
        // The stored request, read once for the services and for the child's age and needs.
        const auto request = ojson::parse(decision.request_json);
        read_services(request, response, r);
        read_child(decision, request, schema, r);
    }
    if (panel) {
        const auto record = ojson::parse(panel->record_json);
        r.panel_outcome = record.value("outcome", std::string());
        if (r.panel_outcome != "approved" && r.panel_outcome != "deferred" && r.panel_outcome != "declined" &&
            r.panel_outcome != "escalated")
            throw std::runtime_error("unknown panel outcome");
        if (auto o = record.find("override"); o != record.end() && o->is_object())
            r.override_shares = amounts_of(o->value("shares", ojson::object()));
    }
    return r;
}

}  // namespace

void SummaryReport::note_agency(const std::string& agency) {
    if (std::find(agencies_.begin(), agencies_.end(), agency) == agencies_.end()) agencies_.push_back(agency);
}

void SummaryReport::add(const DecisionRecord& decision, const std::optional<PanelRecord>& latest_panel) {
    Reading r;
    try {
        const engine::Schema* schema = schema_of_ ? schema_of_(decision.policy_id, decision.policy_version) : nullptr;
        r = read(decision, latest_panel, schema);
    } catch (const std::exception&) {
        ++unreadable_;
        return;
    }
    ++decisions_;
    ++outcomes_[r.outcome];
    ++panel_outcomes_[r.panel_outcome];
    if (r.outcome == "refer") ++referred_to_[r.referred_to];
    for (const auto& reason : r.reasons) ++by_reason_[reason];
    const bool funded = r.panel_outcome == "approved" || (r.panel_outcome != "declined" && r.outcome != "decline");
    Spend& s = funded ? funded_ : declined_;
    ++s.decisions;
    s.total += r.total;
    for (const auto& [agency, money] : r.by_agency) {
        note_agency(agency);
        s.by_agency[agency] += money;
    }
    for (const auto& [year, list] : r.by_year)
        for (const auto& [agency, money] : list) s.by_year[year][agency] += money;
    for (const auto& service : r.services) {
        ++s.service_decisions[service];
        s.by_service[service];  // present even when nothing is allocated
    }
    for (const auto& [service, list] : r.by_service)
        for (const auto& [agency, money] : list) s.by_service[service][agency] += money;
    if (funded && r.override_shares) {
        ++overrides_;
        for (const auto& [agency, money] : *r.override_shares) {
            note_agency(agency);
            override_change_[agency] += money;
        }
        for (const auto& [agency, money] : r.by_agency) override_change_[agency] -= money;
    }
    const auto count = [&](Group& g) {
        ++g.decisions;
        ++g.outcomes[r.outcome];
        ++g.panel_outcomes[r.panel_outcome];
        if (funded) {
            g.funded += r.total;
            if (r.override_shares) ++g.overrides;
        }
    };
    count(by_month_[decision.created_at.substr(0, 7)]);
    count(by_age_band_[r.age_band]);
    for (const auto& [fact, place, level] : r.need_levels) count(by_need_level_[fact][{place, level}]);
}

nlohmann::ordered_json SummaryReport::group_json(const Group& g) {
    ojson out = ojson::object();
    out["decisions"] = g.decisions;
    out["outcomes"] = counts_in_order(g.outcomes, kOutcomes);
    out["panel_outcomes"] = counts_in_order(g.panel_outcomes, kPanelOutcomes);
    out["overrides"] = g.overrides;
    out["funded"] = g.funded.to_string();
    return out;
}

nlohmann::ordered_json SummaryReport::amounts(const Amounts& values) const {
    ojson out = ojson::object();
    for (const auto& agency : agencies_) {
        auto it = values.find(agency);
        out[agency] = (it == values.end() ? MoneyTotal{} : it->second).to_string();
    }
    return out;
}

nlohmann::ordered_json SummaryReport::spend(const Spend& s, bool with_years) const {
    ojson out = ojson::object();
    out["decisions"] = s.decisions;
    out["total"] = s.total.to_string();
    out["by_agency"] = amounts(s.by_agency);
    if (with_years) {
        ojson years = ojson::object();
        for (const auto& [year, values] : s.by_year) years[year] = amounts(values);
        out["by_financial_year"] = std::move(years);
    }
    ojson services = ojson::object();
    for (const auto& [service, values] : s.by_service) {
        MoneyTotal total;
        for (const auto& [agency, money] : values) total += money;
        ojson item = ojson::object();
        auto count = s.service_decisions.find(service);
        item["decisions"] = count == s.service_decisions.end() ? 0 : count->second;
        item["total"] = total.to_string();
        item["by_agency"] = amounts(values);
        services[service] = std::move(item);
    }
    out["by_service"] = std::move(services);
    return out;
}

nlohmann::ordered_json SummaryReport::result() const {
    ojson out = ojson::object();
    out["decisions"] = decisions_;
    out["outcomes"] = counts_in_order(outcomes_, kOutcomes);
    out["panel_outcomes"] = counts_in_order(panel_outcomes_, kPanelOutcomes);
    ojson referred = ojson::object();
    for (const auto& [authority, count] : referred_to_) referred[authority] = count;
    out["referred_to"] = std::move(referred);
    ojson reasons = ojson::array();
    for (const auto& [key, count] : by_reason_) {
        const auto& [kind, rule, ref] = key;
        reasons.push_back({{"kind", kind},
                           {"rule", rule.empty() ? ojson() : ojson(rule)},
                           {"ref", ref.empty() ? ojson() : ojson(ref)},
                           {"decisions", count}});
    }
    out["by_reason"] = std::move(reasons);
    out["funded"] = spend(funded_, true);
    out["declined"] = spend(declined_, true);
    out["overrides"] = {{"decisions", overrides_}, {"by_agency", amounts(override_change_)}};
    ojson months = ojson::object();
    for (const auto& [month, group] : by_month_) months[month] = group_json(group);
    out["by_month"] = std::move(months);
    ojson bands = ojson::object();
    for (const char* band : kAgeBands)
        if (auto it = by_age_band_.find(band); it != by_age_band_.end()) bands[band] = group_json(it->second);
    out["by_age_band"] = std::move(bands);
    ojson needs = ojson::object();
    for (const auto& [fact, levels] : by_need_level_) {
        ojson list = ojson::object();
        for (const auto& [level, group] : levels) list[level.second] = group_json(group);
        needs[fact] = std::move(list);
    }
    out["by_need_level"] = std::move(needs);
    out["unreadable"] = unreadable_;
    return out;
}

}  // namespace jointly::server
