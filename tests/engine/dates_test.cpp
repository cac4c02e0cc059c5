// Dates: `as_of`, `age` outside a rule, date arithmetic, `academic_year_end`, `birthday`, and windows
// that end on a date definition, `through` or `on or before`. Every figure is worked by hand
// in the case's comment.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine_fixture.hpp"
#include "expr_eval.hpp"

namespace jointly::testing {
namespace {

using engine::Decision;
using engine::Request;

struct MonthsCase {
    std::string name;
    const char* from;
    std::int64_t months;
    const char* to;
};

class AddMonths : public ::testing::TestWithParam<MonthsCase> {};

TEST_P(AddMonths, ClampsToTheMonthsLastDay) {
    const MonthsCase& c = GetParam();
    EXPECT_EQ(engine::detail::add_months(d(c.from), c.months), d(c.to));
}

INSTANTIATE_TEST_SUITE_P(
    Dates, AddMonths,
    ::testing::Values(
        MonthsCase{.name = "same_day", .from = "2025-01-15", .months = 1, .to = "2025-02-15"},
        MonthsCase{.name = "jan31_to_feb28", .from = "2025-01-31", .months = 1, .to = "2025-02-28"},
        MonthsCase{.name = "jan31_to_feb29_leap", .from = "2024-01-31", .months = 1, .to = "2024-02-29"},
        MonthsCase{.name = "leap_day_plus_a_year", .from = "2024-02-29", .months = 12, .to = "2025-02-28"},
        MonthsCase{.name = "leap_day_plus_four_years", .from = "2024-02-29", .months = 48, .to = "2028-02-29"},
        MonthsCase{.name = "mar31_minus_one", .from = "2025-03-31", .months = -1, .to = "2025-02-28"},
        MonthsCase{.name = "over_the_year_end", .from = "2025-12-15", .months = 1, .to = "2026-01-15"},
        MonthsCase{.name = "back_over_the_year_end", .from = "2025-01-15", .months = -1, .to = "2024-12-15"},
        MonthsCase{.name = "twenty_five_years", .from = "2000-06-15", .months = 300, .to = "2025-06-15"},
        MonthsCase{.name = "aug31_plus_six", .from = "2025-08-31", .months = 6, .to = "2026-02-28"}),
    [](const auto& param_info) { return param_info.param.name; });

struct YearEndCase {
    std::string name;
    const char* date;
    const char* end;
};

class AcademicYearEnd : public ::testing::TestWithParam<YearEndCase> {};

TEST_P(AcademicYearEnd, IsTheFirst31AugustOnOrAfter) {
    const YearEndCase& c = GetParam();
    EXPECT_EQ(engine::detail::academic_year_end(d(c.date)), d(c.end));
}

INSTANTIATE_TEST_SUITE_P(
    Dates, AcademicYearEnd,
    ::testing::Values(YearEndCase{.name = "june", .date = "2025-06-15", .end = "2025-08-31"},
                      YearEndCase{.name = "the_day_itself", .date = "2025-08-31", .end = "2025-08-31"},
                      YearEndCase{.name = "first_of_september", .date = "2025-09-01", .end = "2026-08-31"},
                      YearEndCase{.name = "new_years_eve", .date = "2025-12-31", .end = "2026-08-31"},
                      YearEndCase{.name = "new_year", .date = "2026-01-01", .end = "2026-08-31"}),
    [](const auto& param_info) { return param_info.param.name; });

// `birthday(DATE, N)` is the day `age` counted from DATE turns N: a 29 February birthday
// falls on 1 March in a common year (where `DATE + N years` is 28 February).
TEST(Dates, BirthdayIsTheDayAgeTurns) {
    using engine::detail::age_on;
    using engine::detail::birthday;
    EXPECT_EQ(birthday(d("2008-02-29"), 18), d("2026-03-01"));
    EXPECT_EQ(birthday(d("2008-02-29"), 16), d("2024-02-29"));
    EXPECT_EQ(birthday(d("2007-11-03"), 18), d("2025-11-03"));
    EXPECT_EQ(birthday(d("2000-02-29"), 100), d("2100-03-01"));  // 2100 is not a leap year
    for (const char* born : {"2008-02-29", "2007-11-03", "2000-12-31", "2004-03-01"}) {
        for (const std::int64_t n : {1, 4, 17, 18, 25}) {
            const engine::Date day = birthday(d(born), n);
            EXPECT_EQ(age_on(d(born), day), n) << born << " + " << n;
            EXPECT_EQ(age_on(d(born), day.plus_days(-1)), n - 1) << born << " + " << n;
        }
    }
}

// A window from `birthday(date_of_birth, 18)` meets a rule on `age < 18` exactly, leap day
// or not; one from `date_of_birth + 18 years` starts a day early for a 29 February birthday.
// 70.00 a week is 10.00 a day.
TEST(Dates, AWindowFromABirthdayMeetsTheAgeRule) {
    const std::string head = R"(
policy leap "Leap"
  version "1"
  effective from 2025-04-01

agency health "NHS"
agency social_care "Social Care"
fact date_of_birth: date
)";
    const std::string rules = R"(
rule child
  when service is x and age < 18
  split social_care 100%

rule adult
  when service is x
  from adult_from
  split health 100%
)";
    Request r;
    r.facts["date_of_birth"] = engine::Value(d("2008-02-29"));
    r.lines = {weekly("l", "x", "70.00", "2026-02-25", "2026-03-03")};
    const auto by_birthday = compile_ok(head + "let adult_from = birthday(date_of_birth, 18)\n" + rules);
    ASSERT_TRUE(by_birthday);
    Decision dec = decide(*by_birthday, r);
    // 25-28 Feb (4 days, 40.00) to social care; 1-3 Mar (3 days, 30.00) to health.
    EXPECT_TRUE(dec.issues.empty());
    ASSERT_EQ(dec.allocations.size(), 2U);
    EXPECT_EQ(dec.allocations[0].rule, "child");
    EXPECT_EQ(dec.allocations[0].to, d("2026-02-28"));
    EXPECT_EQ(dec.allocations[0].cost, m("40.00"));
    EXPECT_EQ(dec.allocations[1].rule, "adult");
    EXPECT_EQ(dec.allocations[1].from, d("2026-03-01"));
    EXPECT_EQ(dec.allocations[1].cost, m("30.00"));
    const auto by_years = compile_ok(head + "let adult_from = date_of_birth + 18 years\n" + rules);
    ASSERT_TRUE(by_years);
    dec = decide(*by_years, r);
    // 28 Feb is both under 18 and on or after 28 Feb: a conflict.
    ASSERT_EQ(dec.issues.size(), 1U);
    EXPECT_EQ(dec.issues[0].kind, engine::IssueKind::Conflict);
    EXPECT_EQ(dec.issues[0].from, d("2026-02-28"));
    EXPECT_EQ(dec.issues[0].to, d("2026-02-28"));
}

// 70.00 a week is exactly 10.00 a day.
constexpr const char* kDates = R"(
policy dates "Dates"
  version "1"
  effective from 2025-04-01
  panel "Joint Funding Panel"

agency health "NHS"
agency social_care "Social Care"

fact date_of_birth: date
fact referral: date default 2025-04-01
event ehcp_review

let support_ends = academic_year_end(date_of_birth + 25 years)
let waited = as_of - referral
let review_follow_up = ehcp_review + 6 weeks

eligible adult when age >= 18
  because "18 or over on the decision's date"

eligible long_wait when waited > 28
  because "waited more than four weeks"

rule therapy_to_review
  when service is therapy
  on or before ehcp_review
  split health 100%

rule follow_up
  when service is therapy
  from ehcp_review through review_follow_up
  split social_care 100%

rule further_education
  when service is further_education
  from 2025-04-01 through support_ends
  split social_care 100%

rule care_child
  when service is personal_care and age < 18
  split social_care 100%

rule care_adult
  when service is personal_care and not (age < 18)
  split health 100%

refer to "Head of Service" when long_wait and age >= 25
  because "a long wait at 25 or over"
)";

bool met(const Decision& dec, const std::string& name) {
    for (const auto& e : dec.eligibility) {
        if (e.name == name) return e.met;
    }
    ADD_FAILURE() << "no threshold " << name;
    return false;
}

// parse_date reads exactly YYYY-MM-DD naming a real day from 1900: every day of two centuries
// reads back as the day it was written from, and each kind of wrong text is refused.
TEST(Dates, ParseDateReadsEveryRealDayAndNothingElse) {
    const engine::Date first = *engine::parse_date("1900-01-01");
    const engine::Date last = *engine::parse_date("2100-12-31");
    std::size_t days = 0;
    for (engine::Date d = first; d <= last; d = d.plus_days(1)) {
        const auto back = engine::parse_date(d.to_string());
        ASSERT_TRUE(back) << d.to_string();
        ASSERT_EQ(*back, d) << d.to_string();
        ++days;
    }
    EXPECT_EQ(days, 73414U);  // 201 years, 49 of them leap years (1900 and 2100 are not)
    EXPECT_TRUE(engine::parse_date("9999-12-31"));
    EXPECT_TRUE(engine::parse_date("2024-02-29"));
    for (const char* wrong : {"2025-02-29", "2100-02-29", "1900-02-29", "2025-04-31", "2025-13-01", "2025-00-10",
                              "2025-01-00", "2025-01-32", "1899-12-31", "2025/01/01", "2025-1-01", "2025-01-1",
                              "2025-01-0a", "202a-01-01", ":025-01-01", "/025-01-01", "2025-01-01 ", " 2025-01-01",
                              "+2025-01-1", "2025-01-01T", "", "2025-01-:1", "2025-0/-01"}) {
        EXPECT_FALSE(engine::parse_date(wrong)) << wrong;
    }
}

TEST(Dates, AgeOutsideARuleIsTheAgeOnAsOf) {
    const auto program = compile_ok(kDates);
    ASSERT_TRUE(program);
    Request r;
    r.facts["date_of_birth"] = engine::Value(d("2007-11-03"));  // 18 on 2025-11-03
    r.lines = {weekly("pc", "personal_care", "70.00", "2025-10-01", "2025-11-30")};
    r.as_of = d("2025-11-02");
    EXPECT_FALSE(met(decide(*program, r), "adult"));  // 17 on 2025-11-02
    r.as_of = d("2025-11-03");
    const Decision dec = decide(*program, r);
    EXPECT_TRUE(met(dec, "adult"));  // 18 on the birthday
    // Inside the rules the line is still cut on the 18th birthday, whatever as_of is:
    // 1 Oct-2 Nov is 33 days (330.00) to social care, 3-30 Nov 28 days (280.00) to health.
    ASSERT_EQ(dec.allocations.size(), 2U);
    EXPECT_EQ(dec.allocations[0].to, d("2025-11-02"));
    EXPECT_EQ(dec.allocations[0].rule, "care_child");
    EXPECT_EQ(dec.allocations[0].cost, m("330.00"));
    EXPECT_EQ(dec.allocations[1].from, d("2025-11-03"));
    EXPECT_EQ(dec.allocations[1].rule, "care_adult");
    EXPECT_EQ(dec.allocations[1].cost, m("280.00"));
}

TEST(Dates, AnAgeInAnOutcomeDoesNotCutLines) {
    const auto program = compile_ok(kDates);
    ASSERT_TRUE(program);
    Request r;
    // 25 on 2025-06-15, inside the line: only `refer` reads `age >= 25`, on as_of, so the
    // line stays one segment: 1-30 Jun, 30 days, 300.00 to health (care_adult).
    r.facts["date_of_birth"] = engine::Value(d("2000-06-15"));
    r.as_of = d("2025-06-01");
    r.lines = {weekly("pc", "personal_care", "70.00", "2025-06-01", "2025-06-30")};
    const Decision dec = decide(*program, r);
    ASSERT_EQ(dec.allocations.size(), 1U);
    EXPECT_EQ(dec.allocations[0].rule, "care_adult");
    EXPECT_EQ(dec.allocations[0].cost, m("300.00"));
}

TEST(Dates, DateMinusDateIsWholeDays) {
    const auto program = compile_ok(kDates);
    ASSERT_TRUE(program);
    Request r;
    r.facts["date_of_birth"] = engine::Value(d("2000-01-01"));
    r.facts["referral"] = engine::Value(d("2025-05-01"));
    r.lines = {weekly("pc", "personal_care", "70.00", "2025-06-01", "2025-06-07")};
    r.as_of = d("2025-05-29");  // 28 days after 1 May: not more than 28
    Decision dec = decide(*program, r);
    EXPECT_FALSE(met(dec, "long_wait"));
    EXPECT_EQ(dec.outcome, engine::Outcome::Approve);
    r.as_of = d("2025-05-30");  // 29 days; 25 on as_of: referred
    dec = decide(*program, r);
    EXPECT_TRUE(met(dec, "long_wait"));
    EXPECT_EQ(dec.outcome, engine::Outcome::Refer);
    EXPECT_EQ(dec.referred_to, "Head of Service");
}

TEST(Dates, ARequestWithoutAsOfIsRefusedWhenThePolicyReadsIt) {
    const auto program = compile_ok(kDates);
    ASSERT_TRUE(program);
    Request r;
    r.facts["date_of_birth"] = engine::Value(d("2000-01-01"));
    r.lines = {weekly("pc", "personal_care", "70.00", "2025-06-01", "2025-06-07")};
    const engine::EvalResult result = engine::evaluate(*program, r);
    ASSERT_FALSE(result.decision);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(result.errors[0].code, dsl::Code::missing_field);
    EXPECT_EQ(result.errors[0].path, "/as_of");
}

TEST(Dates, APolicyThatDoesNotReadAsOfNeedsNone) {
    const auto program = compile_ok(R"(
policy plain "Plain"
  version "1"
  effective from 2025-04-01

agency health "NHS"
fact date_of_birth: date

rule care
  when service is personal_care and age < 18
  split health 100%
)");
    ASSERT_TRUE(program);
    Request r;
    r.facts["date_of_birth"] = engine::Value(d("2010-01-01"));
    r.lines = {weekly("pc", "personal_care", "70.00", "2025-06-01", "2025-06-07")};
    EXPECT_TRUE(engine::evaluate(*program, r).decision);
}

TEST(Dates, WindowEndsOnADateDefinitionThrough) {
    const auto program = compile_ok(kDates);
    ASSERT_TRUE(program);
    Request r;
    // 25 on 2025-06-15: support ends 2025-08-31. 1 Aug-30 Sep: 31 days (310.00) covered,
    // 1-30 Sep uncovered.
    r.facts["date_of_birth"] = engine::Value(d("2000-06-15"));
    r.as_of = d("2025-06-01");
    r.lines = {weekly("fe", "further_education", "70.00", "2025-08-01", "2025-09-30")};
    const Decision dec = decide(*program, r);
    ASSERT_EQ(dec.allocations.size(), 1U);
    EXPECT_EQ(dec.allocations[0].from, d("2025-08-01"));
    EXPECT_EQ(dec.allocations[0].to, d("2025-08-31"));
    EXPECT_EQ(dec.allocations[0].cost, m("310.00"));
    ASSERT_EQ(dec.issues.size(), 1U);
    EXPECT_EQ(dec.issues[0].from, d("2025-09-01"));
    EXPECT_EQ(dec.issues[0].to, d("2025-09-30"));
}

TEST(Dates, OnOrBeforeIncludesTheEventsDay) {
    const auto program = compile_ok(kDates);
    ASSERT_TRUE(program);
    Request r;
    r.facts["date_of_birth"] = engine::Value(d("2012-01-01"));
    r.as_of = d("2025-06-01");
    r.events["ehcp_review"] = {d("2025-06-10")};
    // `on or before` the review covers 1-10 Jun for health; `from` the review `through` 6
    // weeks after it covers 10 Jun-22 Jul for social care. 10 Jun is in both windows, so both
    // rules apply there: a conflict (an issue) on that one day. 1-9 Jun (9 days, 90.00)
    // health; 11-30 Jun (20 days, 200.00) social care.
    r.lines = {weekly("th", "therapy", "70.00", "2025-06-01", "2025-06-30")};
    const Decision dec = decide(*program, r);
    ASSERT_EQ(dec.allocations.size(), 2U);
    EXPECT_EQ(dec.allocations[0].from, d("2025-06-01"));
    EXPECT_EQ(dec.allocations[0].to, d("2025-06-09"));
    EXPECT_EQ(dec.allocations[0].cost, m("90.00"));
    EXPECT_EQ(dec.allocations[1].from, d("2025-06-11"));
    EXPECT_EQ(dec.allocations[1].to, d("2025-06-30"));
    EXPECT_EQ(dec.allocations[1].cost, m("200.00"));
    ASSERT_EQ(dec.issues.size(), 1U);
    EXPECT_EQ(dec.issues[0].from, d("2025-06-10"));
    EXPECT_EQ(dec.issues[0].to, d("2025-06-10"));
}

}  // namespace
}  // namespace jointly::testing
