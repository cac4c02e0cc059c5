// Outcome rules: per-year totals (`yearly total`), clause references on outcome rules.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine_fixture.hpp"

namespace jointly::testing {
namespace {

using engine::Decision;
using engine::Line;
using engine::Outcome;
using engine::Request;

// A residential placement at 5,000.00 a week from 1 October 2025 to 30 September 2026 is cut
// at 1 April: 182 days in 2025-26 (130,000.00 exactly, 26 weeks) and 183 days in 2026-27
// (183 x 5,000 / 7 = 130,714.2857..., 130,714.29). Halved by largest remainder:
// 65,000.00 each in 2025-26; 65,357.15 to health (the odd penny: written first) and
// 65,357.14 to social care in 2026-27. The package total is 260,714.29.
constexpr const char* kYearly = R"(
policy yearly "Yearly"
  version "1"
  effective from 2025-04-01
  panel "Panel"

agency health "NHS"
agency social_care "Social Care"

let busiest = yearly total
let busiest_social_care = yearly total(social_care)

rule residential
  when service is residential
  split health 50%, social_care 50%

rule equipment
  when service is equipment
  split social_care 100%

refer to "Director" when yearly total > £200,000
  because "the package costs {busiest} in its busiest financial year"
refer to "Finance" when yearly total(social_care) > £65,357.13
  because "social care pays {busiest_social_care} in one year"
)";

std::shared_ptr<const engine::Program> yearly() {
    static const auto program = compile_ok(kYearly);
    return program;
}

Decision run(const std::vector<Line>& lines, bool explain = false) {
    Request r;
    r.lines = lines;
    r.explain_full = explain;
    return decide(*yearly(), r);
}

Line placement() { return weekly("res", "residential", "5000.00", "2025-10-01", "2026-09-30"); }

TEST(YearlyTotal, IsTheBusiestFinancialYearNotThePackage) {
    const Decision dec = run({placement()});
    EXPECT_EQ(dec.total, m("260714.29"));
    // 130,714.29 in 2026-27 is under the Director's 200,000 a year although the package is over
    // it; social care's busiest year (65,357.14) is just over Finance's 65,357.13.
    EXPECT_EQ(dec.outcome, Outcome::Refer);
    EXPECT_EQ(dec.referred_to, "Finance");
    ASSERT_EQ(dec.outcome_reasons.size(), 1U);
    EXPECT_EQ(dec.outcome_reasons[0], "social care pays £65,357.14 in one year");
    ASSERT_EQ(dec.reasons.size(), 1U);
    EXPECT_EQ(dec.reasons[0].kind, engine::ReasonKind::Refer);
    EXPECT_EQ(dec.reasons[0].ref, "");  // no outcome rule of the policy cites a clause
    EXPECT_EQ(dec.reasons[0].text, dec.outcome_reasons[0]);
}

TEST(YearlyTotal, OneYearOverTheLimitRefers) {
    // 80,000.00 of equipment in January 2026 makes 2025-26 cost 210,000.00.
    const Decision dec = run({placement(), one_off("eq", "equipment", "80000.00", "2026-01-15")});
    EXPECT_EQ(dec.outcome, Outcome::Refer);
    EXPECT_EQ(dec.referred_to, "Director");
    ASSERT_EQ(dec.outcome_reasons.size(), 2U);
    EXPECT_EQ(dec.outcome_reasons[0], "the package costs £210,000.00 in its busiest financial year");
    EXPECT_EQ(dec.outcome_reasons[1], "social care pays £145,000.00 in one year");
}

TEST(YearlyTotal, AgencyTotalsAreTakenYearByYear) {
    // Social care's 2025-26 part alone (65,000.00) is under 65,357.13: no referral.
    const Decision dec = run({weekly("res", "residential", "5000.00", "2025-10-01", "2026-03-31")});
    EXPECT_EQ(dec.total, m("130000.00"));
    EXPECT_EQ(dec.outcome, Outcome::Approve);
}

TEST(YearlyTotal, EmptyPackageIsZero) {
    const Decision dec = run({});
    EXPECT_EQ(dec.outcome, Outcome::Approve);
}

TEST(YearlyTotal, TraceShowsTheValueCompared) {
    const Decision dec = run({placement()}, true);
    bool found = false;
    for (const engine::TraceStep& step : dec.trace) {
        for (const std::string& d : step.detail) {
            found = found || d == "yearly total > £200,000: false (yearly total is £130,714.29)";
        }
    }
    EXPECT_TRUE(found);
}

// Outcome rules with and without a clause reference; `{ref}` and `{rule}` in reasons.
constexpr const char* kRefs = R"policy(
policy refs "Refs"
  version "1"
  effective from 2025-04-01
  panel "Panel"

agency health "NHS"
agency social_care "Social Care"
fact has_plan: bool default true

rule placement ref "CNP 4.2"
  when service is placement
  split health 50%, social_care 50%
  because "{rule} under clause {ref}"

decline ref "CNP 3.1" when not has_plan
  because "there is no plan"
refer to "Complex Needs Funding Panel" ref "CNP 5.2" when funders() > 1
  because "jointly funded placements are agreed at the panel"
refer to "Director" ref "CNP 6.1" when total > £1,000
refer to "Finance" when total > £2,000
  because "over £2,000, clause [{ref}]"
)policy";

Decision run_refs(const char* amount, bool has_plan = true) {
    static const auto program = compile_ok(kRefs);
    Request r;
    r.facts["has_plan"] = has_plan;
    r.lines = {one_off("p", "placement", amount, "2025-06-01")};
    return decide(*program, r);
}

TEST(OutcomeRef, ClauseFollowsEachReason) {
    const Decision dec = run_refs("3000.00");
    EXPECT_EQ(dec.outcome, Outcome::Refer);
    EXPECT_EQ(dec.referred_to, "Complex Needs Funding Panel");
    const std::vector<std::string> reasons = {
        "jointly funded placements are agreed at the panel (clause CNP 5.2)",
        "the condition for referral to Director holds (clause CNP 6.1)",
        "over £2,000, clause []"};
    EXPECT_EQ(dec.outcome_reasons, reasons);
    ASSERT_EQ(dec.reasons.size(), 3U);
    for (std::size_t k = 0; k < 3; ++k) {
        EXPECT_EQ(dec.reasons[k].kind, engine::ReasonKind::Refer);
        EXPECT_EQ(dec.reasons[k].text, reasons[k]);
    }
    EXPECT_EQ(dec.reasons[0].ref, "CNP 5.2");
    EXPECT_EQ(dec.reasons[1].ref, "CNP 6.1");
    EXPECT_EQ(dec.reasons[2].ref, "");
    EXPECT_EQ(dec.explanation.back(),
              "It would also go to the Finance because over £2,000, clause [].");
    EXPECT_EQ(dec.explanation.at(dec.explanation.size() - 3),
              "The package is referred to the Complex Needs Funding Panel because jointly funded placements are "
              "agreed at the panel (clause CNP 5.2).");
}

TEST(OutcomeRef, DeclineCitesItsClause) {
    const Decision dec = run_refs("100.00", false);
    EXPECT_EQ(dec.outcome, Outcome::Decline);
    EXPECT_EQ(dec.outcome_reasons, (std::vector<std::string>{"there is no plan (clause CNP 3.1)"}));
    ASSERT_EQ(dec.reasons.size(), 1U);
    EXPECT_EQ(dec.reasons[0].kind, engine::ReasonKind::Decline);
    EXPECT_EQ(dec.reasons[0].ref, "CNP 3.1");
    EXPECT_EQ(dec.explanation.back(), "The package is declined because there is no plan (clause CNP 3.1).");
}

TEST(OutcomeRef, RuleReasonFillsRuleAndRef) {
    const Decision dec = run_refs("100.00");
    ASSERT_EQ(dec.allocations.size(), 1U);
    EXPECT_EQ(dec.allocations[0].reason, "placement under clause CNP 4.2");
    EXPECT_EQ(dec.reasons.size(), dec.outcome_reasons.size());
}

TEST(OutcomeRef, IssuesHaveNoClause) {
    static const auto program = compile_ok(kRefs);
    Request r;
    r.lines = {one_off("t", "therapy", "100.00", "2025-06-01")};
    const Decision dec = decide(*program, r);
    EXPECT_EQ(dec.referred_to, "Panel");
    ASSERT_EQ(dec.outcome_reasons.size(), 1U);
    ASSERT_EQ(dec.reasons.size(), 1U);
    EXPECT_EQ(dec.reasons[0].kind, engine::ReasonKind::Issue);
    EXPECT_EQ(dec.reasons[0].rule, "");
    EXPECT_EQ(dec.reasons[0].ref, "");
}

}  // namespace
}  // namespace jointly::testing
