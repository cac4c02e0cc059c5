// Pool reconciliation without a policy: the shared acceptance pool case and hand-worked
// proportional splits.
#include "jointly/engine/pool.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace jointly::engine {
namespace {

Money money(const std::string& s) {
    const auto m = parse_money(s);
    EXPECT_TRUE(m.has_value()) << s;
    return m.value_or(Money());
}

Money amount_of(const AgencyAmounts& amounts, const std::string& id) {
    for (const auto& [agency, m] : amounts) {
        if (agency == id) return m;
    }
    return Money();
}

TEST(PoolAcceptance, EveryPoolCase) {
    const std::filesystem::path dir = std::filesystem::path(JOINTLY_ACCEPTANCE_DIR) / "cases";
    if (!std::filesystem::exists(dir)) GTEST_SKIP() << "acceptance cases not found at " << dir;
    int cases = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("pool-", 0) != 0) continue;
        SCOPED_TRACE(name);
        std::ifstream in(entry.path());
        const nlohmann::json c = nlohmann::json::parse(in);
        AgencyAmounts contributions;
        for (const auto& [id, amount] : c.at("contributions").items()) {
            contributions.emplace_back(id, money(amount.get<std::string>()));
        }
        PoolRequest request;
        request.spend = money(c.at("spend").get<std::string>());
        request.carry_forward = c.value("carry_forward", false);
        const PoolResult result = reconcile_proportional(contributions, request);
        ASSERT_TRUE(result.reconciliation.has_value()) << result.errors.front().message;
        const PoolReconciliation& r = *result.reconciliation;
        const nlohmann::json& e = c.at("expected");
        const auto expect = [&](const char* field, Money got) {
            if (e.contains(field)) {
                EXPECT_EQ(got, money(e[field].get<std::string>())) << field;
            }
        };
        expect("budget", r.budget);
        expect("spend", r.spend);
        expect("overspend", r.overspend);
        expect("underspend", r.underspend);
        expect("carried_forward", r.carried_forward);
        for (const char* field : {"overspend_shares", "underspend_returned"}) {
            if (!e.contains(field)) continue;
            const AgencyAmounts& got = std::string(field) == "overspend_shares" ? r.overspend_shares
                                                                                : r.underspend_returned;
            Money sum;
            for (const auto& [id, amount] : e[field].items()) {
                EXPECT_EQ(amount_of(got, id), money(amount.get<std::string>())) << field << " " << id;
                sum += money(amount.get<std::string>());
            }
            Money got_sum;
            for (const auto& [id, amount] : got) got_sum += amount;
            EXPECT_EQ(got_sum, sum) << field << " has parts the case does not list";
        }
        ++cases;
    }
    EXPECT_GE(cases, 1);
}

struct ProportionalCase {
    std::string name;
    AgencyAmounts contributions;
    std::string spend;
    bool carry_forward;
    AgencyAmounts over;
    AgencyAmounts under;
    std::string carried;
};

class Proportional : public ::testing::TestWithParam<ProportionalCase> {};

TEST_P(Proportional, SharesToThePenny) {
    const ProportionalCase& c = GetParam();
    PoolRequest request;
    request.spend = money(c.spend);
    request.carry_forward = c.carry_forward;
    const PoolResult result = reconcile_proportional(c.contributions, request);
    ASSERT_TRUE(result.reconciliation.has_value());
    const PoolReconciliation& r = *result.reconciliation;
    EXPECT_EQ(r.overspend_shares, c.over);
    EXPECT_EQ(r.underspend_returned, c.under);
    EXPECT_EQ(r.carried_forward, money(c.carried));
}

Money p(std::int64_t pence) { return Money::pence(pence); }

INSTANTIATE_TEST_SUITE_P(
    Cases, Proportional,
    ::testing::Values(
        // DOMAIN.md: £333.33 at 66/20/14 is 220.00 / 66.66 / 46.67.
        ProportionalCase{"overspend_66_20_14",
                         {{"social_care", p(6600)}, {"health", p(2000)}, {"education", p(1400)}},
                         "433.33", false,
                         {{"social_care", p(22000)}, {"health", p(6666)}, {"education", p(4667)}},
                         {}, "0.00"},
        ProportionalCase{"underspend_returned",
                         {{"social_care", p(30000)}, {"health", p(10000)}},
                         "300.00", false, {},
                         {{"social_care", p(7500)}, {"health", p(2500)}}, "0.00"},
        ProportionalCase{"underspend_carried_forward",
                         {{"social_care", p(30000)}, {"health", p(10000)}},
                         "300.00", true, {}, {}, "100.00"},
        ProportionalCase{"on_budget", {{"social_care", p(30000)}, {"health", p(10000)}},
                         "400.00", false, {}, {}, "0.00"}),
    [](const ::testing::TestParamInfo<ProportionalCase>& param) { return param.param.name; });

TEST(Proportional, NegativeSpendIsARequestError) {
    PoolRequest request;
    request.spend = Money::pence(-1);
    const PoolResult result = reconcile_proportional({{"health", Money::pence(100)}}, request);
    ASSERT_FALSE(result.reconciliation.has_value());
    EXPECT_EQ(code_text(result.errors.at(0).code), "E4104");
    EXPECT_EQ(result.errors.at(0).path, "/spend");
}

TEST(Proportional, NoContributionsCannotShareAnOverspend) {
    PoolRequest request;
    request.spend = Money::pence(100);
    const PoolResult result = reconcile_proportional({{"a", Money()}}, request, "adhoc");
    ASSERT_FALSE(result.reconciliation.has_value());
    EXPECT_EQ(code_text(result.errors.at(0).code), "E3103");
    // There is a partner: it contributed £0, which the request says, so the pointer is there.
    EXPECT_EQ(result.errors.at(0).path, "/contributions");
    EXPECT_EQ(result.errors.at(0).message,
              "the partner who shares an overspend of pool `adhoc` (`a`) contributed £0.00: there is no proportion to "
              "share the overspend of £1.00 by");
}

}  // namespace
}  // namespace jointly::engine
