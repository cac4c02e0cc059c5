// Agencies taken from a fact (`fact responsible_icb: agency in icb_north, icb_south`) and agency
// groups (`agency group health: icb_north, icb_south`): every figure worked by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine_fixture.hpp"
#include "jointly/dsl/codes.hpp"
#include "jointly/engine/codes.hpp"

namespace jointly::testing {
namespace {

using engine::Decision;
using engine::Request;

constexpr const char* kPolicy = R"(policy icbs "Two ICBs"
  version "1"
  effective from 2024-04-01

agency icb_north   "NHS North ICB"
agency icb_south   "NHS South ICB"
agency social_care "Children's Social Care"
agency group health: icb_north, icb_south

fact responsible_icb: agency in health

rule care
  when service is care
  split responsible_icb 50%, social_care 50%
  because "{responsible_icb} and social care share care; the ICB's part is {icb_south}"

rule nursing
  when service is nursing
  split responsible_icb 100%
  cap responsible_icb at £35 per week, excess to social_care
  because "the child's ICB funds nursing up to £35 a week"

rule equipment
  when service is equipment
  pay responsible_icb £7 per line
  split social_care 50%, responsible_icb 50%
  odd penny to responsible_icb
  because "equipment"

refer to "Yearly" when yearly total(health) > £100 because "health's year is over £100"
refer to "Whole" when total(health) > £100 because "health's part is over £100"
refer to "Fact" when total(responsible_icb) > £1,000 because "the ICB's part is over £1,000"
)";

Request request(const char* icb) {
    Request r;
    r.facts["responsible_icb"] = std::string(icb);
    return r;
}

std::vector<std::string> codes_of(const char* source) {
    const engine::CheckResult r = engine::compile(source, "t.jf");
    std::vector<std::string> out;
    for (const auto& diag : r.diagnostics) out.emplace_back(dsl::code_text(diag.code));
    return out;
}

bool has(const std::vector<std::string>& codes, const char* code) {
    return std::find(codes.begin(), codes.end(), code) != codes.end();
}

TEST(AgencyFacts, TheSplitNamesTheAgencyTheRequestGives) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    // 70.00 a week for 14 days = 140.00; half each: 70.00 to the south ICB, 70.00 to social care.
    Request r = request("icb_south");
    r.lines.push_back(weekly("c", "care", "70.00", "2025-05-05", "2025-05-18"));
    const Decision dec = decide(*program, r);
    ASSERT_EQ(dec.allocations.size(), 1U);
    ASSERT_EQ(dec.allocations[0].shares.size(), 2U);
    EXPECT_EQ(dec.allocations[0].shares[0].first, "icb_south");
    EXPECT_EQ(dec.allocations[0].shares[0].second, m("70.00"));
    EXPECT_EQ(share_of(dec.by_agency, "icb_north"), m("0.00"));
    EXPECT_EQ(share_of(dec.by_agency, "icb_south"), m("70.00"));
    EXPECT_EQ(share_of(dec.by_agency, "social_care"), m("70.00"));
    // The reason shows the fact as the agency's name, and `{icb_south}` as its part.
    EXPECT_EQ(dec.allocations[0].reason, "NHS South ICB and social care share care; the ICB's part is £70.00");
    ASSERT_FALSE(dec.explanation.empty());
    EXPECT_NE(dec.explanation[0].find("NHS South ICB pays £70.00"), std::string::npos) << dec.explanation[0];

    // The same package for a child in the north: the same rule, the other ICB.
    Request north = request("icb_north");
    north.lines = r.lines;
    const Decision n = decide(*program, north);
    EXPECT_EQ(share_of(n.by_agency, "icb_north"), m("70.00"));
    EXPECT_EQ(share_of(n.by_agency, "icb_south"), m("0.00"));
    // `{icb_south}` is the south ICB's part of this segment: nothing, when the north pays.
    EXPECT_EQ(n.allocations[0].reason, "NHS North ICB and social care share care; the ICB's part is £0.00");
}

TEST(AgencyFacts, CapExcessPayAndOddPennyFollowTheFact) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request r = request("icb_north");
    // Nursing 140.00 for 14 days; the ICB's cap 35 x 14 / 7 = 70.00, the excess 70.00 to social care.
    r.lines.push_back(weekly("n", "nursing", "70.00", "2025-05-05", "2025-05-18"));
    // Equipment 10.03: the north ICB pays 7.00 first; the rest 3.03 is shared 1.515 / 1.515:
    // 1.51 each and the odd penny to the ICB. North 7.00 + 1.52 = 8.52; social care 1.51.
    r.lines.push_back(one_off("e", "equipment", "10.03", "2025-05-06"));
    const Decision dec = decide(*program, r);
    ASSERT_EQ(dec.allocations.size(), 2U);
    EXPECT_EQ(share_of(dec.allocations[0].shares, "icb_north"), m("70.00"));
    EXPECT_EQ(share_of(dec.allocations[0].shares, "social_care"), m("70.00"));
    EXPECT_EQ(share_of(dec.allocations[1].shares, "icb_north"), m("8.52"));
    EXPECT_EQ(share_of(dec.allocations[1].shares, "social_care"), m("1.51"));
    EXPECT_EQ(share_of(dec.by_agency, "icb_north"), m("78.52"));
    EXPECT_EQ(share_of(dec.by_agency, "icb_south"), m("0.00"));
    EXPECT_EQ(share_of(dec.by_agency, "social_care"), m("71.51"));
    EXPECT_EQ(dec.total, m("150.03"));
}

TEST(AgencyFacts, GroupTotalsAndByAgencyGroup) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    // Nursing 35.00 a week (the cap is not reached), 25 Mar-7 Apr 2025: 7 days in 2024-25
    // (35.00) and 7 days in 2025-26 (35.00), all the south ICB's. Health's largest year is
    // 35.00 (not over 100), its whole part 70.00 (not over 100): approved.
    Request r = request("icb_south");
    r.lines.push_back(weekly("n", "nursing", "35.00", "2025-03-25", "2025-04-07"));
    Decision dec = decide(*program, r);
    EXPECT_EQ(dec.outcome, engine::Outcome::Approve);
    ASSERT_EQ(dec.by_agency_group.size(), 1U);
    EXPECT_EQ(dec.by_agency_group[0].first, "health");
    EXPECT_EQ(dec.by_agency_group[0].second, m("70.00"));

    // A second nursing line, 35.00 a week for 28 days in 2025-26 (140.00): health's years are
    // 35.00 and 175.00, its whole part 210.00. Both health rules hold; "Yearly" is written
    // first, so it names the referral. The ICB's own part, 210.00, is not over 1,000.
    r.lines.push_back(weekly("n2", "nursing", "35.00", "2025-04-08", "2025-05-05"));
    dec = decide(*program, r);
    EXPECT_EQ(dec.outcome, engine::Outcome::Refer);
    EXPECT_EQ(dec.referred_to, "Yearly");
    EXPECT_EQ(dec.by_agency_group[0].second, m("210.00"));
    EXPECT_EQ(dec.outcome_reasons.size(), 2U);
}

TEST(AgencyFacts, NoGroupsMeansNoByAgencyGroup) {
    const auto program = compile_ok(R"(policy p "P"
  version "1"
  effective from 2025-04-01
agency health "NHS"
rule all
  split health 100%
)");
    ASSERT_TRUE(program);
    Request r;
    r.lines.push_back(one_off("a", "x", "1.00", "2025-05-01"));
    EXPECT_TRUE(decide(*program, r).by_agency_group.empty());
}

TEST(AgencyFacts, MissingOrUnlistedAgencyIsRefusedAtItsPath) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request missing;
    missing.lines.push_back(one_off("e", "equipment", "1.00", "2025-05-01"));
    engine::EvalResult r = engine::evaluate(*program, missing);
    ASSERT_FALSE(r.decision);
    ASSERT_EQ(r.errors.size(), 1U);
    EXPECT_EQ(r.errors[0].code, engine::codes::kMissingFact);
    EXPECT_EQ(r.errors[0].path, "/facts/responsible_icb");

    Request unlisted = request("social_care");  // an agency, but not one the fact allows
    unlisted.lines = missing.lines;
    r = engine::evaluate(*program, unlisted);
    ASSERT_FALSE(r.decision);
    ASSERT_EQ(r.errors.size(), 1U);
    EXPECT_EQ(r.errors[0].code, engine::codes::kAgencyNotAllowed);
    EXPECT_EQ(r.errors[0].path, "/facts/responsible_icb");
    EXPECT_NE(r.errors[0].message.find("`icb_north` or `icb_south`"), std::string::npos) << r.errors[0].message;

    Request typo = request("icb_sout");
    typo.lines = missing.lines;
    r = engine::evaluate(*program, typo);
    ASSERT_EQ(r.errors.size(), 1U);
    EXPECT_NE(r.errors[0].message.find("did you mean `icb_south`?"), std::string::npos) << r.errors[0].message;

    Request wrong_type;
    wrong_type.facts["responsible_icb"] = true;
    wrong_type.lines = missing.lines;
    r = engine::evaluate(*program, wrong_type);
    ASSERT_EQ(r.errors.size(), 1U);
    EXPECT_EQ(r.errors[0].code, engine::codes::kFactType);
}

constexpr const char* kHead = R"(policy p "P"
  version "1"
  effective from 2025-04-01
agency icb_north "N"
agency icb_south "S"
agency social_care "SC"
agency group health: icb_north, icb_south
)";

std::vector<std::string> codes_with(const std::string& rest) {
    const std::string source = std::string(kHead) + rest;
    return codes_of(source.c_str());
}

TEST(AgencyFactsCheck, AFactAndAnAgencyItMayPickInOneRuleIsE2018) {
    EXPECT_TRUE(has(codes_with("fact icb: agency in health\nrule r\n  split icb 50%, icb_north 50%\n"), "E2018"));
    EXPECT_TRUE(has(codes_with("fact icb: agency in icb_north, icb_south\nrule r\n  split icb 100%\n"
                               "  cap icb at £1 per week, excess to icb_south\n"),
                    "E2018"));
    EXPECT_TRUE(has(codes_with("fact a: agency in icb_north\nfact b: agency in icb_north, icb_south\n"
                               "rule r\n  split a 50%, b 50%\n"),
                    "E2018"));
    // Lists that do not meet: the two can never be the same agency.
    const auto apart = codes_with("fact icb: agency in health\nrule r\n  split icb 50%, social_care 50%\n");
    EXPECT_TRUE(apart.empty()) << apart.front();
}

TEST(AgencyFactsCheck, GroupsAndFactsWhereOneAgencyIsNeededAreE2019) {
    EXPECT_TRUE(has(codes_with("rule r\n  split health 100%\n"), "E2019"));
    EXPECT_TRUE(has(codes_with("agency group all: health, social_care\nrule r\n  split social_care 100%\n"), "E2019"));
    EXPECT_TRUE(has(codes_with("fact icb: agency in health\nfact n: bool\nrule r\n  split n 100%\n"), "E2019"));
    const std::string agreed = R"(policy p "P"
  version "1"
  effective from 2025-04-01
  agreed by icb
agency icb_north "N"
fact icb: agency in icb_north
rule r
  split icb 100%
)";
    EXPECT_TRUE(has(codes_of(agreed.c_str()), "E2019"));
}

TEST(AgencyFactsCheck, OtherMistakes) {
    // A default agency.
    EXPECT_TRUE(has(codes_with("fact icb: agency in health default icb_north\nrule r\n  split icb 100%\n"), "E2108"));
    // Not a value in a condition.
    EXPECT_TRUE(has(codes_with("fact icb: agency in health\nrule r\n  when icb = icb\n  split icb 100%\n"), "E2015"));
    // A misspelt member, with a suggestion.
    const engine::CheckResult r =
        engine::compile(std::string(kHead) + "fact icb: agency in icb_nort\nrule r\n  split icb 100%\n", "t.jf");
    const auto unknown = std::find_if(r.diagnostics.begin(), r.diagnostics.end(),
                                      [](const dsl::Diagnostic& diag) { return dsl::code_text(diag.code) == "E2003"; });
    ASSERT_NE(unknown, r.diagnostics.end());
    EXPECT_NE(unknown->help.find("icb_north"), std::string::npos) << unknown->help;
    // An agency reached only through a fact a rule names is used (no W2005-style warning).
    EXPECT_TRUE(codes_with("fact icb: agency in health\nrule r\n  split icb 50%, social_care 50%\n").empty());
}

}  // namespace
}  // namespace jointly::testing
