// Rules that refuse or refer the segments they win (`refuse`, `refer to "..."`): nobody pays
// them, they count in no total, they are issues naming the rule, its clause and its reason;
// the outcome order puts line referrals with refer rules, in written order. Every figure is
// worked by hand in the test's comment (70.00 a week is 10.00 a day; 700.00 is 100.00).
#include <gtest/gtest.h>

#include <string>

#include "engine_fixture.hpp"

namespace jointly::testing {
namespace {

using engine::Decision;
using engine::IssueKind;
using engine::Outcome;
using engine::ReasonKind;
using engine::Request;

constexpr const char* kPolicy = R"(
policy la "Line actions"
  version "1"
  effective from 2025-04-01
  panel "Joint Funding Panel"

agency health "NHS"
agency social_care "Social Care"

fact phb_eligible: bool default true
fact out_of_area: bool default false

rule phb ref "PHB 2.1"
  when service is personal_health_budget
  split health 100%

rule phb_not_eligible ref "PHB 2.4"
  exception to phb
  when service is personal_health_budget and not phb_eligible
  refuse
  because "the {cost} asked for is not for a service eligible for a personal health budget"

rule care
  when service is personal_care
  split social_care 100%

rule placement ref "CNP 4"
  when service is residential_placement
  split health 50%, social_care 50%

rule out_of_area_placement ref "CNP 7.1"
  exception to placement
  when service is residential_placement and out_of_area
  refer to "Director of Children's Services"
  because "an out-of-area placement is agreed by the Director"

refer to "Head of Finance" ref "FIN 1" when total > £10,000
  because "the package is over £10,000"
)";

Request base() {
    Request r;
    r.as_of = d("2025-06-01");
    return r;
}

// PHB 300.00 (30 days) refused; personal care 300.00 to social care. Approved: the refusal
// alone does not stop it. Total 300.00: health 0.00, social care 300.00.
TEST(LineActions, RefusedSegmentIsPaidByNobodyAndTheRestIsApproved) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request r = base();
    r.facts["phb_eligible"] = engine::Value(false);
    r.lines = {weekly("phb", "personal_health_budget", "70.00", "2025-06-01", "2025-06-30"),
               weekly("pc", "personal_care", "70.00", "2025-06-01", "2025-06-30")};
    const Decision dec = decide(*program, r);
    EXPECT_EQ(dec.outcome, Outcome::Approve);
    EXPECT_EQ(dec.total, m("300.00"));
    EXPECT_EQ(share_of(dec.by_agency, "health"), m("0.00"));
    EXPECT_EQ(share_of(dec.by_agency, "social_care"), m("300.00"));
    ASSERT_EQ(dec.allocations.size(), 1U);
    EXPECT_EQ(dec.allocations[0].line, "pc");
    ASSERT_EQ(dec.issues.size(), 1U);
    const engine::Issue& refused = dec.issues[0];
    EXPECT_EQ(refused.kind, IssueKind::Refused);
    EXPECT_EQ(refused.line, "phb");
    EXPECT_EQ(refused.cost, m("300.00"));
    EXPECT_EQ(refused.rule, "phb_not_eligible");
    EXPECT_EQ(refused.ref, "PHB 2.4");
    EXPECT_EQ(refused.reason, "the £300.00 asked for is not for a service eligible for a personal health budget");
    EXPECT_TRUE(dec.outcome_reasons.empty());
    EXPECT_TRUE(dec.reasons.empty());
    ASSERT_EQ(dec.explanation.size(), 3U);
    EXPECT_EQ(dec.explanation[1],
              "From 1 June 2025 to 30 June 2025, personal health budget costs £300.00, which is refused under "
              "\"phb not eligible\" (clause PHB 2.4), because the £300.00 asked for is not for a service eligible "
              "for a personal health budget: no agency pays it.");
    EXPECT_EQ(dec.explanation[2], "The rest of the package is approved; what is refused above is paid by no agency.");
}

// Out of area: the placement (10 days, 1,000.00) goes to the Director; nobody pays it. Personal
// care 300.00 to social care. Total 300.00. Referred to the Director, one reason.
TEST(LineActions, ReferredSegmentNamesTheAuthority) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request r = base();
    r.facts["out_of_area"] = engine::Value(true);
    r.lines = {weekly("rp", "residential_placement", "700.00", "2025-06-01", "2025-06-10"),
               weekly("pc", "personal_care", "70.00", "2025-06-01", "2025-06-30")};
    const Decision dec = decide(*program, r);
    EXPECT_EQ(dec.outcome, Outcome::Refer);
    EXPECT_EQ(dec.referred_to, "Director of Children's Services");
    EXPECT_EQ(dec.total, m("300.00"));
    ASSERT_EQ(dec.issues.size(), 1U);
    EXPECT_EQ(dec.issues[0].kind, IssueKind::Referred);
    EXPECT_EQ(dec.issues[0].cost, m("1000.00"));
    EXPECT_EQ(dec.issues[0].referred_to, "Director of Children's Services");
    ASSERT_EQ(dec.reasons.size(), 1U);
    EXPECT_EQ(dec.reasons[0].kind, ReasonKind::LineRefer);
    EXPECT_EQ(dec.reasons[0].rule, "out_of_area_placement");
    EXPECT_EQ(dec.reasons[0].ref, "CNP 7.1");
    EXPECT_EQ(dec.reasons[0].text, "an out-of-area placement is agreed by the Director (clause CNP 7.1)");
    EXPECT_EQ(dec.outcome_reasons, std::vector<std::string>{dec.reasons[0].text});
    EXPECT_EQ(dec.explanation.back(),
              "The package is referred to the Director of Children's Services because an out-of-area placement is "
              "agreed by the Director (clause CNP 7.1).");
}

// A placement cut at 1 April is two referred segments but one referral. Personal care at
// 7,000.00 a week for 14 days is 14,000.00 > 10,000: the Head of Finance's rule holds too. The
// referring rule is written first, so the Director is named; both give a reason, in order.
TEST(LineActions, LineReferralsAndReferRulesGoInWrittenOrder) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request r = base();
    r.facts["out_of_area"] = engine::Value(true);
    r.lines = {weekly("rp", "residential_placement", "700.00", "2026-03-30", "2026-04-02"),
               weekly("pc", "personal_care", "7000.00", "2025-06-01", "2025-06-14")};
    const Decision dec = decide(*program, r);
    EXPECT_EQ(dec.outcome, Outcome::Refer);
    EXPECT_EQ(dec.referred_to, "Director of Children's Services");
    EXPECT_EQ(dec.total, m("14000.00"));
    ASSERT_EQ(dec.issues.size(), 2U);  // 30-31 March and 1-2 April
    EXPECT_EQ(dec.issues[0].cost, m("200.00"));
    EXPECT_EQ(dec.issues[1].cost, m("200.00"));
    ASSERT_EQ(dec.reasons.size(), 2U);
    EXPECT_EQ(dec.reasons[0].kind, ReasonKind::LineRefer);
    EXPECT_EQ(dec.reasons[1].kind, ReasonKind::Refer);
    EXPECT_EQ(dec.reasons[1].rule, "");
    EXPECT_EQ(dec.reasons[1].ref, "FIN 1");
    EXPECT_EQ(dec.reasons[1].text, "the package is over £10,000 (clause FIN 1)");
}

// An uncovered line (equipment, 150.00) sends the package to the policy's panel first; the
// line referral is listed after it ("It would also go to").
TEST(LineActions, PanelIssuesComeBeforeLineReferrals) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request r = base();
    r.facts["out_of_area"] = engine::Value(true);
    r.lines = {weekly("rp", "residential_placement", "700.00", "2025-06-01", "2025-06-10"),
               one_off("eq", "equipment", "150.00", "2025-06-05")};
    const Decision dec = decide(*program, r);
    EXPECT_EQ(dec.outcome, Outcome::Refer);
    EXPECT_EQ(dec.referred_to, "Joint Funding Panel");
    EXPECT_EQ(dec.total, m("0.00"));
    ASSERT_EQ(dec.reasons.size(), 2U);
    EXPECT_EQ(dec.reasons[0].kind, ReasonKind::Issue);
    EXPECT_EQ(dec.reasons[1].kind, ReasonKind::LineRefer);
    EXPECT_EQ(dec.explanation.back(),
              "It would also go to the Director of Children's Services because an out-of-area placement is agreed by "
              "the Director (clause CNP 7.1).");
}

// Without the fact, the ordinary rules apply: 1,000.00 split 500.00 / 500.00, approved.
TEST(LineActions, OrdinaryRuleAppliesWhenTheExceptionDoesNot) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request r = base();
    r.lines = {weekly("rp", "residential_placement", "700.00", "2025-06-01", "2025-06-10")};
    const Decision dec = decide(*program, r);
    EXPECT_EQ(dec.outcome, Outcome::Approve);
    EXPECT_TRUE(dec.issues.empty());
    EXPECT_EQ(share_of(dec.by_agency, "health"), m("500.00"));
    EXPECT_EQ(share_of(dec.by_agency, "social_care"), m("500.00"));
}

// `jointly_funded()`: lines with a segment two agencies each pay a part of. Placement 50/50
// (1,000.00: 500.00 / 500.00) counts; personal care 100% social care does not; therapy
// paid by health up to its cap of 35.00 a week (10 days: 50.00) with the excess to social
// care (100.00 - 50.00) counts. With funders() > 1 the therapy line alone would not be told
// apart from two lines each paid by one agency.
constexpr const char* kJointly = R"(
policy jf "Jointly funded"
  version "1"
  effective from 2025-04-01

agency health "NHS"
agency social_care "Social Care"

rule placement
  when service is residential_placement
  split health 50%, social_care 50%

rule care
  when service is personal_care
  split social_care 100%

rule therapy
  when service is therapy
  split health 100%
  cap health at £35 per week, excess to social_care

rule equipment
  when service is equipment
  split health 100%

let joint_lines = jointly_funded()

refer to "Multi-agency panel" when jointly_funded() > 0
  because "{joint_lines} line(s) are jointly funded"
)";

TEST(JointlyFunded, CountsLinesTwoAgenciesPayAPartOf) {
    const auto program = compile_ok(kJointly);
    ASSERT_TRUE(program);
    Request r = base();
    r.lines = {weekly("rp", "residential_placement", "700.00", "2025-06-01", "2025-06-10"),
               weekly("pc", "personal_care", "70.00", "2025-06-01", "2025-06-30"),
               weekly("th", "therapy", "70.00", "2025-06-01", "2025-06-10")};
    const Decision dec = decide(*program, r);
    EXPECT_EQ(dec.outcome, Outcome::Refer);
    ASSERT_EQ(dec.outcome_reasons.size(), 1U);
    EXPECT_EQ(dec.outcome_reasons[0], "2 line(s) are jointly funded");
    EXPECT_EQ(share_of(dec.by_line.at("th"), "health"), m("50.00"));
    EXPECT_EQ(share_of(dec.by_line.at("th"), "social_care"), m("50.00"));
}

// Health pays the equipment and social care the personal care: two funders, no line jointly
// funded, approved.
TEST(JointlyFunded, TwoAgenciesOnDifferentLinesIsNotJointFunding) {
    const auto program = compile_ok(kJointly);
    ASSERT_TRUE(program);
    Request r = base();
    r.lines = {one_off("eq", "equipment", "150.00", "2025-06-05"),
               weekly("pc", "personal_care", "70.00", "2025-06-01", "2025-06-30")};
    const Decision dec = decide(*program, r);
    EXPECT_EQ(dec.outcome, Outcome::Approve);
}

TEST(JointlyFunded, OnlyInOutcomesAndWithoutArguments) {
    const std::string head = "policy jf \"J\"\n  version \"1\"\n  effective from 2025-04-01\nagency health \"NHS\"\n";
    const auto in_rule = engine::compile(head + "rule r\n  when jointly_funded() > 0\n  split health 100%\n", "t.jf");
    EXPECT_FALSE(in_rule.program);
    const auto with_argument =
        engine::compile(head + "rule r\n  split health 100%\nrefer to \"P\" when jointly_funded(health) > 0\n", "t.jf");
    ASSERT_FALSE(with_argument.program);
    EXPECT_EQ(dsl::code_text(with_argument.diagnostics.front().code), "E2012");
}

}  // namespace
}  // namespace jointly::testing
