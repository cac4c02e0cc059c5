// Reports over the stored decisions (GET /v1/reports/summary): outcomes, referrals, declines,
// and spend per agency, per financial year and per service, as planning evidence.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "jointly/engine/money.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/server/money_total.hpp"
#include "jointly/server/store.hpp"
#include "summary_contribution.hpp"

namespace jointly::server {

// Accumulates stored decisions, one at a time, into the summary. Not thread-safe.
//
// Each decision is counted once, as its latest record says: the rules' outcome, unless the
// panel's latest record (the one no later record supersedes) approved or declined it. A
// decision is *funded* when the panel approved it, or when the rules approved or referred it
// and the panel has not declined it (a referral, deferral or escalation still stands under
// the pre-agreed split, pending the panel); otherwise it is *declined*. Funded decisions are
// summed per agency, per financial year and per service (a line's service, from the stored
// request) under the rules' split, so every total reconciles; declined ones are counted and
// their would-be split shown apart, never in spend. A panel override of the split is reported
// as the change it makes to each agency's funded total. A stored record that cannot be read
// is counted in `unreadable` and otherwise ignored. Sums are kept in 128 bits (MoneyTotal), so
// no number of stored decisions, whatever their amounts, can overflow them.
class SummaryReport {
public:
    // The schema of a policy version, or nullptr when it is not loaded: the order of a scale's
    // levels, for `by_need_level`.
    using SchemaOf = std::function<const engine::Schema*(const std::string& id, const std::string& version)>;
    SummaryReport() = default;
    explicit SummaryReport(SchemaOf schema_of) : schema_of_(std::move(schema_of)) {}

    // Adds one decision read from its stored JSON (the reference reading).
    void add(const DecisionRecord& decision, const std::optional<PanelRecord>& latest_panel);
    // Adds one decision from the compact contribution the store keeps beside it
    // (Store::scan_summaries); the same figures as add() of the decision it was computed from.
    void add(const SummaryRow& row);

    // {"decisions", "outcomes", "panel_outcomes", "referred_to", "by_reason", "funded",
    //  "declined", "overrides", "unreadable"}; money as decimal strings, agencies in
    //  first-seen order. `by_reason` counts decisions by the structured reasons the rules gave
    //  (kind, rule, clause), each decision once per distinct reason; decisions stored before
    //  reasons were recorded, and erased ones, give none. Three breakdowns count decisions
    //  ({"decisions", "outcomes", "panel_outcomes", "overrides", "funded"}: the rules'
    //  outcomes, the latest panel outcomes, the overrides among funded decisions, the funded
    //  total): `by_month` (the UTC month the decision was stored, oldest first), `by_age_band`
    //  (the child's age on the decision's as_of, or the day it was stored, from the request's
    //  `date_of_birth` fact: 0-4, 5-10, 11-15, 16-17, 18-25, 26+, or unknown) and
    //  `by_need_level` (per scale fact of the policy version, the highest level the request
    //  gives in any domain; facts of versions no longer loaded, and erased requests, are not
    //  counted).
    nlohmann::ordered_json result() const;

private:
    // Maps looked up by std::string_view (std::less<>): a row's texts are views.
    template <class V>
    using ByName = std::map<std::string, V, std::less<>>;
    using Amounts = ByName<MoneyTotal>;
    struct Spend {
        std::size_t decisions = 0;
        MoneyTotal total;
        Amounts by_agency;
        ByName<Amounts> by_year;
        ByName<Amounts> by_service;
        ByName<std::size_t> service_decisions;  // decisions with a line of the service
    };

    struct Group {
        std::size_t decisions = 0;
        std::array<std::size_t, 3> outcomes{};        // approve, refer, decline
        std::array<std::size_t, 5> panel_outcomes{};  // approved, deferred, declined, escalated, none
        std::size_t overrides = 0;
        MoneyTotal funded;
    };
    static nlohmann::ordered_json group_json(const Group& g);
    // Reused from decision to decision.
    summary::ContributionView view_;
    summary::PanelView panel_view_;
    summary::NeedLevels need_levels_;

    void apply(const summary::ContributionView& c, const summary::PanelView& p,
               const summary::NeedLevels& need_levels, std::string_view month);
    void note_agency(std::string_view agency);
    nlohmann::ordered_json amounts(const Amounts& values) const;
    nlohmann::ordered_json spend(const Spend& s, bool with_years) const;

    std::size_t decisions_ = 0;
    std::size_t unreadable_ = 0;
    std::array<std::size_t, 3> outcomes_{};        // approve, refer, decline
    std::array<std::size_t, 5> panel_outcomes_{};  // approved, deferred, declined, escalated, none
    ByName<std::size_t> referred_to_;
    struct ReasonOrder {  // (kind, rule, ref), looked up with views
        using is_transparent = void;
        template <class A, class B>
        bool operator()(const A& a, const B& b) const {
            return std::make_tuple(std::string_view(std::get<0>(a)), std::string_view(std::get<1>(a)),
                                   std::string_view(std::get<2>(a))) <
                   std::make_tuple(std::string_view(std::get<0>(b)), std::string_view(std::get<1>(b)),
                                   std::string_view(std::get<2>(b)));
        }
    };
    std::map<std::tuple<std::string, std::string, std::string>, std::size_t, ReasonOrder> by_reason_;
    std::vector<std::string> agencies_;  // first-seen order
    Spend funded_;
    Spend declined_;
    std::size_t overrides_ = 0;
    Amounts override_change_;
    SchemaOf schema_of_;
    struct VersionOrder {  // (id, version), looked up with views
        using is_transparent = void;
        template <class A, class B>
        bool operator()(const A& a, const B& b) const {
            return std::make_pair(std::string_view(a.first), std::string_view(a.second)) <
                   std::make_pair(std::string_view(b.first), std::string_view(b.second));
        }
    };
    std::map<std::pair<std::string, std::string>, const engine::Schema*, VersionOrder> schemas_;  // looked up once
    ByName<Group> by_month_;
    ByName<Group> by_age_band_;
    // fact -> (the level's place in its scale, level) -> group: levels lowest first
    struct LevelOrder {  // (place, level), looked up with a view of the level
        using is_transparent = void;
        template <class A, class B>
        bool operator()(const A& a, const B& b) const {
            return a.first != b.first ? a.first < b.first : std::string_view(a.second) < std::string_view(b.second);
        }
    };
    ByName<std::map<std::pair<std::size_t, std::string>, Group, LevelOrder>> by_need_level_;
};

}  // namespace jointly::server
