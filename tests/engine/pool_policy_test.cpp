// Pools reconciled by a policy's own rules: risk caps, unstated rules refused, carry
// forward, tolerance, provisional returns.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "engine_fixture.hpp"
#include "jointly/engine/pool.hpp"

namespace jointly::testing {
namespace {

using engine::PoolRequest;
using engine::PoolResult;

constexpr const char* kPools = R"(
policy pools "Pools"
  version "1"
  effective from 2025-04-01

agency a "Partner A"
agency b "Partner B"
agency c "Partner C"

pool capped "Capped"
  contribution a £100
  contribution b £300
  overspend shared in proportion to contributions
  underspend returned in proportion to actual contributions unless carried forward in consultation with partners
  risk capped at contribution
  tolerance 10%

pool silent "Silent"
  contribution a £100
  contribution b £100

pool others "Others do not share"
  contribution a £100
  contribution b £100
  contribution c £200 not sharing overspend
  overspend shared in proportion to contributions
  underspend returned in proportion to contributions

pool keeps_nothing "C shares an overspend but gets no underspend back"
  contribution a £100
  contribution b £300 not sharing underspend
  contribution c £200 sharing overspend, not sharing underspend
  overspend shared in proportion to contributions
  underspend returned in proportion to contributions
)";

std::shared_ptr<const engine::Program> program() {
    static const auto p = compile_ok(kPools);
    return p;
}

PoolResult run(const std::string& pool, const char* spend, engine::AgencyAmounts actual = {},
               bool carry_forward = false) {
    PoolRequest r;
    r.spend = m(spend);
    r.actual_contributions = std::move(actual);
    r.carry_forward = carry_forward;
    return engine::reconcile(*program(), pool, r);
}

TEST(PoolPolicy, RiskCapReSharesAmongTheOthers) {
    // Actual: a paid 50.00 of its agreed 100.00; budget 350.00; spend 650.00: overspend
    // 300.00 shared on the agreed 100/300: a 75.00, b 225.00. a is capped at its 50.00
    // contribution; the 25.00 goes to b: 250.00, within b's 300.00.
    const PoolResult r = run("capped", "650.00", {{"a", m("50.00")}, {"b", m("300.00")}});
    ASSERT_TRUE(r.reconciliation) << r.errors.front().message;
    EXPECT_EQ(r.reconciliation->budget, m("350.00"));
    EXPECT_EQ(r.reconciliation->overspend, m("300.00"));
    EXPECT_EQ(share_of(r.reconciliation->overspend_shares, "a"), m("50.00"));
    EXPECT_EQ(share_of(r.reconciliation->overspend_shares, "b"), m("250.00"));
    EXPECT_EQ(r.reconciliation->overspend_shares.size(), 2U);
    EXPECT_TRUE(r.reconciliation->tolerance_exceeded);  // 300 >= 10% of 350
}

TEST(PoolPolicy, RiskCapRemainderIsReported) {
    // Overspend 500.00 on a 400.00 budget: a 125.00 -> 100.00, b 375.00 -> 300.00; the
    // 100.00 nobody can carry goes to the panel.
    const PoolResult r = run("capped", "900.00");
    ASSERT_TRUE(r.reconciliation) << r.errors.front().message;
    EXPECT_EQ(share_of(r.reconciliation->overspend_shares, "a"), m("100.00"));
    EXPECT_EQ(share_of(r.reconciliation->overspend_shares, "b"), m("300.00"));
    EXPECT_EQ(share_of(r.reconciliation->overspend_shares, "panel"), m("100.00"));
}

TEST(PoolPolicy, UnderspendProvisionalAndCarryForward) {
    const PoolResult returned = run("capped", "360.00");
    ASSERT_TRUE(returned.reconciliation);
    EXPECT_EQ(returned.reconciliation->underspend, m("40.00"));
    EXPECT_EQ(share_of(returned.reconciliation->underspend_returned, "a"), m("10.00"));
    EXPECT_EQ(share_of(returned.reconciliation->underspend_returned, "b"), m("30.00"));
    EXPECT_TRUE(returned.reconciliation->provisional);
    EXPECT_TRUE(returned.reconciliation->tolerance_exceeded);  // |-40.00| reaches 10% of 400.00
    const PoolResult carried = run("capped", "360.00", {}, true);
    ASSERT_TRUE(carried.reconciliation);
    EXPECT_EQ(carried.reconciliation->carried_forward, m("40.00"));
    EXPECT_TRUE(carried.reconciliation->underspend_returned.empty());
}

TEST(PoolPolicy, UnstatedRulesAreRefusedNeverInvented) {
    const PoolResult over = run("silent", "300.00");
    ASSERT_FALSE(over.reconciliation);
    EXPECT_EQ(code_text(over.errors.at(0).code), "E3101");
    const PoolResult under = run("silent", "100.00");
    ASSERT_FALSE(under.reconciliation);
    EXPECT_EQ(code_text(under.errors.at(0).code), "E3102");
    const PoolResult carry = run("others", "100.00", {}, true);
    ASSERT_FALSE(carry.reconciliation);
    EXPECT_EQ(code_text(carry.errors.at(0).code), "E4102");
}

TEST(PoolPolicy, PartnersNotSharingOverspend) {
    // Overspend 100.00 shared by a and b only (100 / 100): 50.00 each; c pays nothing.
    const PoolResult r = run("others", "500.00");
    ASSERT_TRUE(r.reconciliation);
    EXPECT_EQ(share_of(r.reconciliation->overspend_shares, "a"), m("50.00"));
    EXPECT_EQ(share_of(r.reconciliation->overspend_shares, "b"), m("50.00"));
    EXPECT_EQ(r.reconciliation->overspend_shares.size(), 2U);
    // An underspend goes back to every partner, c included: 200.00 on 100/100/200 is
    // 50.00 / 50.00 / 100.00.
    const PoolResult u = run("others", "200.00");
    ASSERT_TRUE(u.reconciliation);
    EXPECT_EQ(share_of(u.reconciliation->underspend_returned, "c"), m("100.00"));
}

TEST(PoolPolicy, PartnersNotSharingUnderspend) {
    // Underspend 60.00 (budget 600.00, spend 540.00) goes back to a alone: b and c do not
    // share it.
    const PoolResult u = run("keeps_nothing", "540.00");
    ASSERT_TRUE(u.reconciliation);
    ASSERT_EQ(u.reconciliation->underspend_returned.size(), 1U);
    EXPECT_EQ(share_of(u.reconciliation->underspend_returned, "a"), m("60.00"));
    EXPECT_NE(std::find(u.reconciliation->notes.begin(), u.reconciliation->notes.end(),
                        "Partner C does not share an underspend."),
              u.reconciliation->notes.end());
    // An overspend of 60.00 is shared by all three, 100 : 300 : 200: 10.00, 30.00, 20.00.
    const PoolResult o = run("keeps_nothing", "660.00");
    ASSERT_TRUE(o.reconciliation);
    EXPECT_EQ(share_of(o.reconciliation->overspend_shares, "a"), m("10.00"));
    EXPECT_EQ(share_of(o.reconciliation->overspend_shares, "b"), m("30.00"));
    EXPECT_EQ(share_of(o.reconciliation->overspend_shares, "c"), m("20.00"));
}

TEST(PoolPolicy, RequestProblems) {
    EXPECT_EQ(code_text(run("nope", "1.00").errors.at(0).code), "E4101");
    EXPECT_EQ(code_text(run("capped", "-1.00").errors.at(0).code), "E4104");
    EXPECT_EQ(code_text(run("capped", "1.00", {{"z", m("1.00")}}).errors.at(0).code), "E4103");
    EXPECT_EQ(run("capped", "1.00", {{"a", m("1.00")}}).errors.at(0).path, "/contributions/b");
}

}  // namespace
}  // namespace jointly::testing
