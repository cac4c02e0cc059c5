// `per financial year`: a fixed payment or cap counted once in each financial year (1 April
// to 31 March) a line covers, not prorated; against `per line` (once over the whole line).
// Every figure is worked by hand in the comments.
#include <gtest/gtest.h>

#include <string>

#include "engine_fixture.hpp"
#include "jointly/dsl/parse.hpp"

namespace jointly::testing {
namespace {

using engine::Decision;
using engine::Request;

constexpr const char* kPerYear = R"(
policy per_year "Per financial year"
  version "1"
  effective from 2024-04-01

agency school "School"
agency high_needs "High needs block"
agency health "NHS"
agency social_care "Social Care"

rule school_first
  when service is additional_support
  pay school £6,000 per financial year
  split high_needs 100%

rule school_first_once
  when service is additional_support_once
  pay school £6,000 per line
  split high_needs 100%

rule capped
  when service is nursing
  split health 100%
  cap health at £1,000 per financial year, excess to social_care

rule capped_twice
  when service is care
  split health 50%, social_care 50%
  cap health at £1,500 per line, excess to high_needs
  cap social_care at £1,000 per financial year, excess to high_needs
)";

const engine::Program& program() {
    static const auto p = compile_ok(kPerYear);
    return *p;
}

Decision decide_line(const char* service, const char* weekly_amount, const char* start, const char* end) {
    Request r;
    r.lines = {weekly("l", service, weekly_amount, start, end)};
    return decide(program(), r);
}

TEST(PerFinancialYear, AFixedPaymentIsMadeAgainInEachYear) {
    // £300 a week, 2025-09-01 to 2026-07-17, cut at 1 April 2026:
    //   2025-26: 212 days, 300 x 212 / 7 = 9,085.71: the school 6,000.00, high needs 3,085.71;
    //   2026-27: 108 days, 300 x 108 / 7 = 4,628.57: the school all of it (below 6,000).
    const Decision d = decide_line("additional_support", "300.00", "2025-09-01", "2026-07-17");
    EXPECT_EQ(share_of(d.by_agency, "school"), m("10628.57"));
    EXPECT_EQ(share_of(d.by_agency, "high_needs"), m("3085.71"));
    // `per line`: 6,000.00 once; high needs the rest (9,085.71 + 4,628.57 - 6,000.00).
    const Decision once = decide_line("additional_support_once", "300.00", "2025-09-01", "2026-07-17");
    EXPECT_EQ(share_of(once.by_agency, "school"), m("6000.00"));
    EXPECT_EQ(share_of(once.by_agency, "high_needs"), m("7714.28"));
}

TEST(PerFinancialYear, ACapIsWholeInEachYearNotProrated) {
    // £500 a week, 2025-03-01 to 2025-04-30: 2024-25 is 31 days (2,214.29), 2025-26 is 30
    // days (2,142.86). Health is held to 1,000.00 in each, though each year is one month.
    const Decision d = decide_line("nursing", "500.00", "2025-03-01", "2025-04-30");
    EXPECT_EQ(share_of(d.by_agency, "health"), m("2000.00"));
    EXPECT_EQ(share_of(d.by_agency, "social_care"), m("2357.15"));
    ASSERT_EQ(d.by_financial_year.size(), 2U);
}

TEST(PerFinancialYear, ALineCapAndAYearCapInOneRuleKeepTheirOwnTotals) {
    // 2024-25: 2,214.29 halved, health 1,107.15 (the odd penny to the first written) and
    // social care 1,107.14, held to 1,000.00 for the year (107.14 to high needs).
    // 2025-26: 2,142.86 halved, 1,071.43 each. Health's line cap leaves 1,500.00 - 1,107.15
    // = 392.85 (678.58 to high needs); social care's year cap is whole again, 1,000.00 (71.43
    // to high needs).
    const Decision d = decide_line("care", "500.00", "2025-03-01", "2025-04-30");
    EXPECT_EQ(share_of(d.by_agency, "health"), m("1500.00"));
    EXPECT_EQ(share_of(d.by_agency, "social_care"), m("2000.00"));
    EXPECT_EQ(share_of(d.by_agency, "high_needs"), m("857.15"));
}

TEST(PerFinancialYear, ACenturyOfYearsEachPaysItsOwn) {
    // 1 April 2000 to 31 March 2100: 100 whole financial years, each costing more than £6,000
    // (£300 a week): the school pays 6,000.00 in each, 600,000.00 in all.
    const Decision d = decide_line("additional_support", "300.00", "2000-04-01", "2100-03-31");
    EXPECT_EQ(share_of(d.by_agency, "school"), m("600000.00"));
    EXPECT_EQ(d.by_financial_year.size(), 100U);
}

TEST(PerFinancialYear, OneOffLinesEachHaveTheirOwnYear) {
    // Two one-off lines in one year: each line has its own totals, as with `per line`.
    Request r;
    r.lines = {one_off("a", "additional_support", "5000.00", "2025-06-01"),
               one_off("b", "additional_support", "5000.00", "2025-07-01")};
    const Decision d = decide(program(), r);
    EXPECT_EQ(share_of(d.by_agency, "school"), m("10000.00"));
    EXPECT_EQ(share_of(d.by_agency, "high_needs"), m("0.00"));
}

TEST(PerFinancialYear, PerYearAloneIsAnErrorNamingTheForms) {
    const std::string source = R"(policy p "P"
  version "1"
  effective from 2025-04-01
agency school "School"
rule r
  when service is s
  pay school £6,000 per year
  split school 100%
)";
    const engine::CheckResult r = engine::compile(source, "p.jf");
    ASSERT_FALSE(r.diagnostics.empty());
    EXPECT_EQ(dsl::code_text(r.diagnostics[0].code), "E1001");
    EXPECT_NE(r.diagnostics[0].message.find("`financial year`"), std::string::npos) << r.diagnostics[0].message;
    EXPECT_EQ(r.diagnostics[0].span.line, 7U);
}

}  // namespace
}  // namespace jointly::testing
