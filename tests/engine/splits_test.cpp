// Splits, fixed amounts, caps, conflicts, gaps and the outcome.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "engine_fixture.hpp"

namespace jointly::testing {
namespace {

using engine::Decision;
using engine::IssueKind;
using engine::Outcome;
using engine::Request;

// 70.00 a week is 10.00 a day throughout.
constexpr const char* kSplits = R"(
policy splits "Splits"
  version "1"
  effective from 2025-04-01
  panel "Joint Funding Panel"

agency health "NHS"
agency social_care "Social Care"
agency education "SEND"

fact over_limit_ok: bool default false

rule weekly_cap ref "1"
  when service is placement
  split health 50%, social_care 50%
  cap health at £14 per week, excess to social_care

rule line_cap ref "2"
  when service is equipment
  split health 50%, social_care 50%
  cap health at £1,000 per line, excess to social_care

rule panel_cap ref "3"
  when service is therapy
  split health 100%
  cap health at £35 per week, excess to panel

rule nursing ref "4"
  when service is nursing
  pay health £35 per week
  split social_care 100%

rule nursing_line ref "5"
  when service is nursing_lump
  pay health £500 per line
  split social_care 50%, education 50%

rule respite_a ref "6"
  when service is respite
  split health 100%

rule respite_b ref "7"
  when service is respite
  split social_care 100%

decline when total(education) > £10,000 because "education's share {education} is over its limit"
refer to "Director" when total > £5,000 because "the package costs {total}"
refer to "Finance" when funders() >= 2 because "several funders"
)";

std::shared_ptr<const engine::Program> splits() {
    static const auto program = compile_ok(kSplits);
    return program;
}

Decision run(std::vector<engine::Line> lines) {
    Request r;
    r.lines = std::move(lines);
    return decide(*splits(), r);
}

TEST(Caps, WeeklyCapProratedAndRoundedDown) {
    // 10 days at 10.00 = 100.00, halves 50.00; health's cap 14.00 x 10 / 7 = 20.00.
    // 3 days: 30.00, halves 15.00; cap 14 x 3 / 7 = 6.00. A 1-day line: 5.00, cap 2.00.
    const Decision dec = run({weekly("p", "placement", "70.00", "2025-06-01", "2025-06-10"),
                              weekly("q", "placement", "70.00", "2025-06-01", "2025-06-03"),
                              weekly("r", "placement", "7.07", "2025-06-01", "2025-06-01")});
    ASSERT_EQ(dec.allocations.size(), 3U);
    EXPECT_EQ(share_of(dec.allocations[0].shares, "health"), m("20.00"));
    EXPECT_EQ(share_of(dec.allocations[0].shares, "social_care"), m("80.00"));
    EXPECT_EQ(share_of(dec.allocations[1].shares, "health"), m("6.00"));
    EXPECT_EQ(share_of(dec.allocations[1].shares, "social_care"), m("24.00"));
    // 7.07 a week for a day is 1.01; halves 0.51 / 0.50 (first listed wins the odd penny);
    // cap 14 / 7 = 2.00 does not bite.
    EXPECT_EQ(share_of(dec.allocations[2].shares, "health"), m("0.51"));
    EXPECT_EQ(share_of(dec.allocations[2].shares, "social_care"), m("0.50"));
}

TEST(Caps, PerLineCapBitesOnPartOfALine) {
    // 2026-03-01..2026-04-30 at 700.00 a week (100.00 a day), cut at 1 April.
    // March: 3,100.00, halves 1,550.00; health capped at 1,000.00, 550.00 to social care.
    // April: 3,000.00, halves 1,500.00; health's cap is used up: all to social care.
    const Decision dec = run({weekly("e", "equipment", "700.00", "2026-03-01", "2026-04-30")});
    ASSERT_EQ(dec.allocations.size(), 2U);
    EXPECT_EQ(share_of(dec.allocations[0].shares, "health"), m("1000.00"));
    EXPECT_EQ(share_of(dec.allocations[0].shares, "social_care"), m("2100.00"));
    EXPECT_EQ(share_of(dec.allocations[1].shares, "health"), m("0.00"));
    EXPECT_EQ(share_of(dec.allocations[1].shares, "social_care"), m("3000.00"));
    EXPECT_EQ(share_of(dec.by_agency, "health"), m("1000.00"));
    EXPECT_EQ(share_of(dec.by_financial_year.at("2026-27"), "social_care"), m("3000.00"));
    EXPECT_EQ(dec.by_financial_year.at("2026-27").size(), 1U);  // only non-zero agencies
}

TEST(Caps, PerLineCapIsPerLine) {
    const Decision dec = run({one_off("a", "equipment", "3000.00", "2025-06-01"),
                              one_off("b", "equipment", "3000.00", "2025-06-02")});
    EXPECT_EQ(share_of(dec.allocations[0].shares, "health"), m("1000.00"));
    EXPECT_EQ(share_of(dec.allocations[1].shares, "health"), m("1000.00"));
}

TEST(Caps, ExcessToPanelIsAnIssueOutsideTheTotals) {
    // 14 days at 10.00 = 140.00, all health's; cap 35 x 14 / 7 = 70.00; 70.00 to the panel.
    const Decision dec = run({weekly("t", "therapy", "70.00", "2025-06-01", "2025-06-14")});
    ASSERT_EQ(dec.allocations.size(), 1U);
    EXPECT_EQ(dec.allocations[0].cost, m("140.00"));
    EXPECT_EQ(share_of(dec.allocations[0].shares, "health"), m("70.00"));
    ASSERT_EQ(dec.issues.size(), 1U);
    EXPECT_EQ(dec.issues[0].kind, IssueKind::CapExcess);
    EXPECT_EQ(dec.issues[0].cost, m("70.00"));
    EXPECT_EQ(dec.issues[0].rules, std::vector<std::string>{"panel_cap"});
    EXPECT_EQ(dec.total, m("70.00"));
    EXPECT_EQ(dec.outcome, Outcome::Refer);
    EXPECT_EQ(dec.referred_to, "Joint Funding Panel");
}

TEST(Fixed, PerWeekProratedNeverMoreThanCost) {
    // 7 days at 10.00: health pays 35.00 first, social care the other 35.00.
    // 0.70 a week for 7 days is 0.70: health's 35.00 is capped at the cost.
    const Decision dec = run({weekly("n", "nursing", "70.00", "2025-06-01", "2025-06-07"),
                              weekly("s", "nursing", "0.70", "2025-06-01", "2025-06-07")});
    ASSERT_EQ(dec.allocations.size(), 2U);
    EXPECT_EQ(share_of(dec.allocations[0].shares, "health"), m("35.00"));
    EXPECT_EQ(share_of(dec.allocations[0].shares, "social_care"), m("35.00"));
    EXPECT_EQ(share_of(dec.allocations[1].shares, "health"), m("0.70"));
    EXPECT_EQ(share_of(dec.allocations[1].shares, "social_care"), m("0.00"));
    // The fixed agency, named only by `pay`, follows the split's agencies.
    ASSERT_EQ(dec.allocations[0].shares.size(), 2U);
    EXPECT_EQ(dec.allocations[0].shares[0].first, "social_care");
    EXPECT_EQ(dec.allocations[0].shares[1].first, "health");
}

TEST(Fixed, PerLineAcrossSegments) {
    // March 2026: 31 days x 10.00 = 310.00, all to health's 500.00; April: 300.00, health's
    // remaining 190.00 first, then 110.00 split 55.00 / 55.00.
    const Decision dec = run({weekly("l", "nursing_lump", "70.00", "2026-03-01", "2026-04-30")});
    ASSERT_EQ(dec.allocations.size(), 2U);
    EXPECT_EQ(share_of(dec.allocations[0].shares, "health"), m("310.00"));
    EXPECT_EQ(share_of(dec.allocations[0].shares, "social_care"), m("0.00"));
    EXPECT_EQ(share_of(dec.allocations[1].shares, "health"), m("190.00"));
    EXPECT_EQ(share_of(dec.allocations[1].shares, "social_care"), m("55.00"));
    EXPECT_EQ(share_of(dec.allocations[1].shares, "education"), m("55.00"));
}

TEST(Matching, ConflictNamesTheRulesAndCountsInNoTotal) {
    const Decision dec = run({weekly("r", "respite", "70.00", "2025-06-01", "2025-06-07")});
    EXPECT_TRUE(dec.allocations.empty());
    ASSERT_EQ(dec.issues.size(), 1U);
    EXPECT_EQ(dec.issues[0].kind, IssueKind::Conflict);
    EXPECT_EQ(dec.issues[0].line, "r");
    EXPECT_EQ(dec.issues[0].cost, m("70.00"));
    EXPECT_EQ(dec.issues[0].rules, (std::vector<std::string>{"respite_a", "respite_b"}));
    EXPECT_NE(dec.issues[0].message.find("`respite_a`"), std::string::npos);
    EXPECT_EQ(dec.total, m("0.00"));
    EXPECT_EQ(dec.outcome, Outcome::Refer);
    EXPECT_EQ(dec.referred_to, "Joint Funding Panel");
}

TEST(Matching, UncoveredNamesTheLine) {
    const Decision dec = run({weekly("tx", "transport", "70.00", "2025-06-01", "2025-06-07"),
                              one_off("e", "equipment", "10.00", "2025-06-01")});
    ASSERT_EQ(dec.issues.size(), 1U);
    EXPECT_EQ(dec.issues[0].kind, IssueKind::Uncovered);
    EXPECT_EQ(dec.issues[0].line, "tx");
    EXPECT_TRUE(dec.issues[0].rules.empty());
    EXPECT_NE(dec.issues[0].message.find("`tx`"), std::string::npos);
    EXPECT_EQ(dec.total, m("10.00"));
    EXPECT_EQ(dec.by_line.at("tx").size(), 0U);
    EXPECT_EQ(dec.outcome, Outcome::Refer);
}

TEST(Totals, EveryAgencyInDeclarationOrderAndReconciled) {
    const Decision dec = run({weekly("p", "placement", "700.00", "2026-03-25", "2026-04-05"),
                              one_off("e", "equipment", "99.99", "2025-06-01")});
    ASSERT_EQ(dec.by_agency.size(), 3U);
    EXPECT_EQ(dec.by_agency[0].first, "health");
    EXPECT_EQ(dec.by_agency[1].first, "social_care");
    EXPECT_EQ(dec.by_agency[2].first, "education");
    EXPECT_EQ(dec.by_agency[2].second, m("0.00"));
    engine::Money sum_parts;
    for (const auto& a : dec.allocations) {
        engine::Money parts;
        for (const auto& [id, money] : a.shares) parts += money;
        EXPECT_EQ(parts, a.cost);
        sum_parts += parts;
    }
    engine::Money sum_agencies;
    for (const auto& [id, money] : dec.by_agency) sum_agencies += money;
    engine::Money sum_years;
    for (const auto& [year, amounts] : dec.by_financial_year) {
        for (const auto& [id, money] : amounts) sum_years += money;
    }
    engine::Money sum_lines;
    for (const auto& [line, amounts] : dec.by_line) {
        for (const auto& [id, money] : amounts) sum_lines += money;
    }
    EXPECT_EQ(dec.total, sum_parts);
    EXPECT_EQ(dec.total, sum_agencies);
    EXPECT_EQ(dec.total, sum_years);
    EXPECT_EQ(dec.total, sum_lines);
    EXPECT_EQ(dec.by_financial_year.size(), 2U);
}

// by_line and by_financial_year are in key order whatever order the lines come in, each line's
// amounts are the sum of its allocations' shares, and a result evaluated into again (with more
// lines, fewer, then others) says what a new one says.
TEST(Totals, ByLineInIdOrderAndTheSameInAReusedResult) {
    const std::vector<std::vector<engine::Line>> packages = {
        {weekly("zeta", "placement", "70.00", "2026-03-25", "2026-04-05"), one_off("alpha", "equipment", "99.99", "2025-06-01"),
         weekly("mid", "placement", "140.00", "2025-06-01", "2025-06-14")},
        {one_off("only", "equipment", "10.00", "2025-06-01")},
        {one_off("e", "equipment", "1.00", "2025-06-01"), one_off("d", "equipment", "2.00", "2025-06-01"),
         one_off("c", "equipment", "3.00", "2025-06-01"), one_off("b", "equipment", "4.00", "2025-06-01"),
         one_off("a", "equipment", "5.00", "2025-06-01"), weekly("f", "placement", "70.00", "2027-03-30", "2027-04-02")},
        {weekly("y", "placement", "70.00", "2026-06-01", "2026-06-07"), one_off("x", "equipment", "7.00", "2025-06-01")},  // years out of order
    };
    engine::EvalResult reused;
    for (int pass = 0; pass < 2; ++pass) {
        for (const auto& lines : packages) {
            Request r;
            r.lines = lines;
            const Decision fresh = decide(*splits(), r);
            std::vector<std::string> ids;
            for (const auto& l : lines) ids.push_back(l.id);
            std::sort(ids.begin(), ids.end());
            std::vector<std::string> keys;
            for (const auto& [id, amounts] : fresh.by_line) {
                keys.push_back(id);
                std::map<std::string, engine::Money> expected;  // the line's shares, summed
                for (const auto& a : fresh.allocations)
                    if (a.line == id)
                        for (const auto& [agency, money] : a.shares) expected[agency] += money;
                for (const auto& [agency, money] : amounts) EXPECT_EQ(money, expected[agency]) << id << " " << agency;
            }
            EXPECT_EQ(keys, ids);
            std::vector<std::string> years;
            for (const auto& [year, amounts] : fresh.by_financial_year) years.push_back(year);
            EXPECT_TRUE(std::is_sorted(years.begin(), years.end()));
            engine::evaluate_into(*splits(), r, reused);
            ASSERT_TRUE(reused.decision);
            EXPECT_TRUE(*reused.decision == fresh) << ids.front();
        }
    }
}

TEST(Outcome, ReferRulesInWrittenOrderAndEveryReason) {
    // 10,000.00 of equipment: health 1,000.00, social care 9,000.00: over 5,000 and two funders.
    const Decision dec = run({one_off("e", "equipment", "10000.00", "2025-06-01")});
    EXPECT_EQ(dec.outcome, Outcome::Refer);
    EXPECT_EQ(dec.referred_to, "Director");
    ASSERT_EQ(dec.outcome_reasons.size(), 2U);
    EXPECT_EQ(dec.outcome_reasons[0], "the package costs £10,000.00");
    EXPECT_EQ(dec.outcome_reasons[1], "several funders");
}

TEST(Outcome, DeclineBeatsReferAndFillsAgencyTotals) {
    // 22 days at 1,000.00: health's 500.00 first, then 21,500.00 halved: education's
    // 10,750.00 is over its 10,000 limit.
    const Decision dec = run({weekly("l", "nursing_lump", "7000.00", "2025-06-01", "2025-06-22")});
    EXPECT_EQ(dec.outcome, Outcome::Decline);
    EXPECT_TRUE(dec.referred_to.empty());
    ASSERT_EQ(dec.outcome_reasons.size(), 1U);
    EXPECT_EQ(dec.outcome_reasons[0], "education's share £10,750.00 is over its limit");
}

TEST(Outcome, ApproveWhenNothingHolds) {
    const Decision dec = run({one_off("e", "therapy", "1.00", "2025-06-01")});
    EXPECT_EQ(dec.outcome, Outcome::Approve);
    EXPECT_TRUE(dec.outcome_reasons.empty());
    EXPECT_EQ(dec.explanation.back(), "The package is approved.");
}

TEST(Outcome, EmptyPackageIsApprovedWithZeroTotals) {
    const Decision dec = run({});
    EXPECT_EQ(dec.outcome, Outcome::Approve);
    EXPECT_EQ(dec.total, m("0.00"));
    EXPECT_EQ(dec.by_agency.size(), 3U);
    EXPECT_TRUE(dec.by_financial_year.empty());
}

}  // namespace
}  // namespace jointly::testing
