// SummaryReport: stored decisions summed into outcomes, referrals, declines and spend.
#include "report.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <tuple>

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;

// The age bands of `by_age_band`, youngest first.
constexpr std::array<const char*, 7> kAgeBands{"0-4", "5-10", "11-15", "16-17", "18-25", "26+", "unknown"};

// The rules' outcomes and the panel's, in the order the report lists them.
constexpr std::array<const char*, 3> kOutcomes{"approve", "refer", "decline"};
constexpr std::array<const char*, 5> kPanelOutcomes{"approved", "deferred", "declined", "escalated", "none"};

template <std::size_t N>
ojson counts_in_order(const std::array<std::size_t, N>& counts, const std::array<const char*, N>& order) {
    ojson out = ojson::object();
    for (std::size_t i = 0; i < N; ++i) out[order[i]] = counts[i];
    return out;
}

// Counts one more of `name` (one of `order`; the decoders admit no other) in `counts`.
template <std::size_t N>
void count_of(std::array<std::size_t, N>& counts, const std::array<const char*, N>& order, std::string_view name) {
    for (std::size_t i = 0; i < N; ++i)
        if (name == order[i]) {
            ++counts[i];
            return;
        }
}

// The entry for `key`, made when missing (maps keyed by std::string, looked up by view).
template <class Map, class Key>
typename Map::mapped_type& entry(Map& map, const Key& key) {
    auto it = map.find(key);
    if (it == map.end()) it = map.emplace(typename Map::key_type(key), typename Map::mapped_type{}).first;
    return it->second;
}

}  // namespace

void SummaryReport::note_agency(std::string_view agency) {
    if (std::find(agencies_.begin(), agencies_.end(), agency) == agencies_.end()) agencies_.emplace_back(agency);
}

void SummaryReport::add(const DecisionRecord& decision, const std::optional<PanelRecord>& latest_panel) {
    summary::Contribution c;
    summary::PanelContribution p;
    const engine::Schema* schema = nullptr;
    try {
        schema = schema_of_ ? schema_of_(decision.policy_id, decision.policy_version) : nullptr;
        c = summary::read_decision(decision);
        if (latest_panel) p = summary::read_panel(latest_panel->record_json);
    } catch (const std::exception&) {
        ++unreadable_;
        return;
    }
    summary::view_of(c, view_);
    summary::view_of(p, panel_view_);
    summary::need_levels(view_, schema, need_levels_);
    apply(view_, panel_view_, need_levels_, std::string_view(decision.created_at).substr(0, 7));
}

void SummaryReport::add(const SummaryRow& row) {
    if (!summary::decode_decision(row.summary, view_)) {
        ++unreadable_;
        return;
    }
    if (row.panel) {
        if (!summary::decode_panel(*row.panel, panel_view_)) {
            ++unreadable_;
            return;
        }
    } else {
        panel_view_.outcome = "none";
        panel_view_.overrides = false;
        panel_view_.shares.clear();
    }
    const engine::Schema* schema = nullptr;
    if (schema_of_ && !view_.level_candidates.empty()) {
        auto it = schemas_.find(std::make_pair(row.policy_id, row.policy_version));
        if (it == schemas_.end()) {
            auto key = std::make_pair(std::string(row.policy_id), std::string(row.policy_version));
            const auto* found = schema_of_(key.first, key.second);
            it = schemas_.emplace(std::move(key), found).first;
        }
        schema = it->second;
    }
    summary::need_levels(view_, schema, need_levels_);
    apply(view_, panel_view_, need_levels_, row.day.substr(0, 7));
}

void SummaryReport::apply(const summary::ContributionView& c, const summary::PanelView& p,
                          const summary::NeedLevels& need_levels, std::string_view month) {
    ++decisions_;
    count_of(outcomes_, kOutcomes, c.outcome);
    count_of(panel_outcomes_, kPanelOutcomes, p.outcome);
    if (c.outcome == "refer") ++entry(referred_to_, c.referred_to);
    for (const auto& reason : c.reasons) {
        auto it = by_reason_.find(reason);
        if (it == by_reason_.end())
            it = by_reason_.emplace(std::make_tuple(std::string(std::get<0>(reason)), std::string(std::get<1>(reason)),
                                                    std::string(std::get<2>(reason))),
                                    0)
                     .first;
        ++it->second;
    }
    const bool funded = p.outcome == "approved" || (p.outcome != "declined" && c.outcome != "decline");
    Spend& s = funded ? funded_ : declined_;
    ++s.decisions;
    s.total += c.total;
    for (const auto& [agency, money] : c.by_agency) {
        note_agency(agency);
        entry(s.by_agency, agency) += money;
    }
    for (const auto& [year, agency, money] : c.by_year) entry(entry(s.by_year, year), agency) += money;
    for (const auto& service : c.services) {
        ++entry(s.service_decisions, service);
        entry(s.by_service, service);  // present even when nothing is allocated
    }
    for (const auto& [service, agency, money] : c.by_service) entry(entry(s.by_service, service), agency) += money;
    if (funded && p.overrides) {
        ++overrides_;
        for (const auto& [agency, money] : p.shares) {
            note_agency(agency);
            entry(override_change_, agency) += money;
        }
        for (const auto& [agency, money] : c.by_agency) entry(override_change_, agency) -= money;
    }
    const auto count = [&](Group& g) {
        ++g.decisions;
        count_of(g.outcomes, kOutcomes, c.outcome);
        count_of(g.panel_outcomes, kPanelOutcomes, p.outcome);
        if (funded) {
            g.funded += c.total;
            if (p.overrides) ++g.overrides;
        }
    };
    count(entry(by_month_, month));
    count(entry(by_age_band_, c.age_band));
    for (const auto& [fact, place, level] : need_levels) {
        auto& levels = entry(by_need_level_, fact);
        auto it = levels.find(std::make_pair(place, level));
        if (it == levels.end()) it = levels.emplace(std::make_pair(place, std::string(level)), Group{}).first;
        count(it->second);
    }
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
