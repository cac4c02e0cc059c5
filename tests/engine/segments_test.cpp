// Segments and windows: where a line is cut and which rule each piece falls under.
// Every expected figure is worked by hand in the case's comment.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine_fixture.hpp"

namespace jointly::testing {
namespace {

using engine::Decision;
using engine::Request;

// Personal care: social care alone, health and social care 50/50 for six weeks after
// surgery when continuing care is met. 70.00 a week is exactly 10.00 a day.
constexpr const char* kPostOp = R"(
policy edge "Edge cases"
  version "1"
  effective from 2025-04-01
  panel "Joint Funding Panel"

agency health "NHS"
agency social_care "Social Care"

scale need: none < low < moderate < high < severe < priority
fact dst: map of need
event surgery

eligible continuing_care when count(dst, priority) >= 1 or count(dst, severe) >= 2
  because "continuing care"

rule personal_care ref "1"
  when service is personal_care
  split social_care 100%

rule post_op ref "2"
  exception to personal_care
  when service is personal_care and continuing_care
  within 6 weeks after surgery
  split health 50%, social_care 50%
  odd penny to health
)";

struct Piece {
    const char* from;
    const char* to;
    const char* rule;
    const char* cost;
};

struct WindowCase {
    std::string name;
    const char* surgery;  // "" = the event is absent
    bool continuing_care;
    const char* start;
    const char* end;
    std::vector<Piece> pieces;
};

class PostOpWindow : public ::testing::TestWithParam<WindowCase> {};

TEST_P(PostOpWindow, CutsAndMatches) {
    const WindowCase& c = GetParam();
    const auto program = compile_ok(kPostOp);
    ASSERT_TRUE(program);
    Request r;
    r.facts["dst"] = engine::Value(engine::LevelMap{{"breathing", engine::Level{c.continuing_care ? 5 : 3}}});
    if (std::string(c.surgery).size() != 0) r.events["surgery"] = {d(c.surgery)};
    r.lines = {weekly("pc", "personal_care", "70.00", c.start, c.end)};
    const Decision dec = decide(*program, r);
    ASSERT_EQ(dec.allocations.size(), c.pieces.size());
    engine::Money total;
    for (std::size_t i = 0; i < c.pieces.size(); ++i) {
        SCOPED_TRACE(i);
        const auto& a = dec.allocations[i];
        EXPECT_EQ(a.from, d(c.pieces[i].from));
        EXPECT_EQ(a.to, d(c.pieces[i].to));
        EXPECT_EQ(a.days, a.from.days_until(a.to) + 1);
        EXPECT_EQ(a.rule, c.pieces[i].rule);
        EXPECT_EQ(a.cost, m(c.pieces[i].cost));
        total += a.cost;
    }
    EXPECT_EQ(dec.total, total);
    EXPECT_TRUE(dec.issues.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Windows, PostOpWindow,
    ::testing::Values(
        // The window [2025-05-20, 2025-07-01) starts before the line: only its tail is shared.
        WindowCase{"starts_before_line", "2025-05-20", true, "2025-06-01", "2025-07-31",
                   {{"2025-06-01", "2025-06-30", "post_op", "300.00"},
                    {"2025-07-01", "2025-07-31", "personal_care", "310.00"}}},
        // [2025-07-20, 2025-08-31) runs past the line's end.
        WindowCase{"ends_after_line", "2025-07-20", true, "2025-06-01", "2025-07-31",
                   {{"2025-06-01", "2025-07-19", "personal_care", "490.00"},
                    {"2025-07-20", "2025-07-31", "post_op", "120.00"}}},
        // [2026-03-20, 2026-05-01) crosses 1 April: cut there too, same rule both sides.
        WindowCase{"crosses_1_april", "2026-03-20", true, "2026-03-01", "2026-05-31",
                   {{"2026-03-01", "2026-03-19", "personal_care", "190.00"},
                    {"2026-03-20", "2026-03-31", "post_op", "120.00"},
                    {"2026-04-01", "2026-04-30", "post_op", "300.00"},
                    {"2026-05-01", "2026-05-31", "personal_care", "310.00"}}},
        // The window covers the whole line.
        WindowCase{"covers_line", "2025-05-25", true, "2025-06-01", "2025-06-10",
                   {{"2025-06-01", "2025-06-10", "post_op", "100.00"}}},
        // The last day of the window is day 42 (surgery + 41): 2025-06-10 + 41 = 2025-07-21.
        WindowCase{"last_day_is_day_42", "2025-06-10", true, "2025-07-21", "2025-07-22",
                   {{"2025-07-21", "2025-07-21", "post_op", "10.00"},
                    {"2025-07-22", "2025-07-22", "personal_care", "10.00"}}},
        // No surgery: the window never applies and cuts nothing.
        WindowCase{"event_absent", "", true, "2025-06-01", "2025-06-30",
                   {{"2025-06-01", "2025-06-30", "personal_care", "300.00"}}},
        // The exception's condition fails (no continuing care): no cut at its window edges.
        WindowCase{"exception_condition_fails", "2025-06-10", false, "2025-06-01", "2025-06-30",
                   {{"2025-06-01", "2025-06-30", "personal_care", "300.00"}}},
        // The surgery long before: the window ended before the line.
        WindowCase{"window_long_past", "2024-01-10", true, "2025-06-01", "2025-06-30",
                   {{"2025-06-01", "2025-06-30", "personal_care", "300.00"}}}),
    [](const ::testing::TestParamInfo<WindowCase>& p) { return p.param.name; });

// Window forms other than `within N weeks after`: each rule is an exception to the base,
// so the window's days show up as that rule. 7.00 a week is 1.00 a day.
constexpr const char* kForms = R"(
policy forms "Window forms"
  version "1"
  effective from 2025-04-01
  panel "Panel"

agency health "NHS"
agency social_care "Social Care"
event review

rule base ref "1"
  when service is care
  split social_care 100%

rule one_day ref "2"
  exception to base
  when service is care
  within 1 days after review
  split health 100%

rule fixed_range ref "3"
  exception to respite_base
  when service is respite
  from 2025-06-10 to 2025-06-20
  split health 100%

rule respite_base ref "4"
  when service is respite
  split social_care 100%

rule until ref "5"
  exception to short_break_base
  when service is short_break
  before 2025-06-10
  split health 100%

rule short_break_base ref "6"
  when service is short_break
  split social_care 100%

rule lead_in ref "7"
  exception to short_break_base
  when service is short_break
  within 3 days before review
  split health 50%, social_care 50%

rule plan_base ref "8"
  when service is plan_care
  split social_care 100%

rule plan_window ref "9"
  exception to plan_base
  when service is plan_care
  from 2025-06-10 until review
  split health 100%

rule nursing_early ref "10"
  when service is nursing
  before 2025-06-16
  split social_care 100%

rule nursing_late ref "11"
  when service is nursing
  from 2025-06-16
  split social_care 50%, health 50%

rule chc ref "12"
  exception to nursing_early, nursing_late
  when service is nursing
  within 3 days after review
  split health 100%
)";

struct FormCase {
    std::string name;
    const char* service;
    std::vector<Piece> pieces;
};

class WindowForms : public ::testing::TestWithParam<FormCase> {};

TEST_P(WindowForms, BoundsAreExact) {
    const FormCase& c = GetParam();
    const auto program = compile_ok(kForms);
    ASSERT_TRUE(program);
    Request r;
    r.events["review"] = {d("2025-06-15")};
    r.lines = {weekly("l", c.service, "7.00", "2025-06-01", "2025-06-30")};
    const Decision dec = decide(*program, r);
    ASSERT_EQ(dec.allocations.size(), c.pieces.size()) << c.name;
    for (std::size_t i = 0; i < c.pieces.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(dec.allocations[i].from, d(c.pieces[i].from));
        EXPECT_EQ(dec.allocations[i].to, d(c.pieces[i].to));
        EXPECT_EQ(dec.allocations[i].rule, c.pieces[i].rule);
        EXPECT_EQ(dec.allocations[i].cost, m(c.pieces[i].cost));
    }
}

INSTANTIATE_TEST_SUITE_P(
    Forms, WindowForms,
    ::testing::Values(
        // `within 1 days after review`: [15, 16): the single day 15 June.
        FormCase{"one_day", "care",
                 {{"2025-06-01", "2025-06-14", "base", "14.00"},
                  {"2025-06-15", "2025-06-15", "one_day", "1.00"},
                  {"2025-06-16", "2025-06-30", "base", "15.00"}}},
        // `from 2025-06-10 to 2025-06-20`: both ends inclusive, 11 days.
        FormCase{"from_to_inclusive", "respite",
                 {{"2025-06-01", "2025-06-09", "respite_base", "9.00"},
                  {"2025-06-10", "2025-06-20", "fixed_range", "11.00"},
                  {"2025-06-21", "2025-06-30", "respite_base", "10.00"}}},
        // `before 2025-06-10`: 9 June is the last day; and `within 3 days before review`:
        // [12, 15) June.
        FormCase{"before_exclusive_and_lead_in", "short_break",
                 {{"2025-06-01", "2025-06-09", "until", "9.00"},
                  {"2025-06-10", "2025-06-11", "short_break_base", "2.00"},
                  {"2025-06-12", "2025-06-14", "lead_in", "3.00"},
                  {"2025-06-15", "2025-06-30", "short_break_base", "16.00"}}},
        // `from 2025-06-10 until review` (15 June): [10, 15) June, the review day left out.
        FormCase{"from_until_exclusive", "plan_care",
                 {{"2025-06-01", "2025-06-09", "plan_base", "9.00"},
                  {"2025-06-10", "2025-06-14", "plan_window", "5.00"},
                  {"2025-06-15", "2025-06-30", "plan_base", "16.00"}}},
        // `chc` is an exception to both nursing rules: within 3 days after review, [15, 18)
        // June, it wins over `nursing_early` (15 June) and `nursing_late` (16-17 June).
        FormCase{"exception_to_two_rules", "nursing",
                 {{"2025-06-01", "2025-06-14", "nursing_early", "14.00"},
                  {"2025-06-15", "2025-06-15", "chc", "1.00"},
                  {"2025-06-16", "2025-06-17", "chc", "2.00"},
                  {"2025-06-18", "2025-06-30", "nursing_late", "13.00"}}}),
    [](const ::testing::TestParamInfo<FormCase>& p) { return p.param.name; });

TEST(Segments, OneOffLineIsOneDay) {
    const auto program = compile_ok(kPostOp);
    ASSERT_TRUE(program);
    Request r;
    r.facts["dst"] = engine::Value(engine::LevelMap{});
    r.lines = {one_off("x", "personal_care", "123.45", "2026-04-01")};
    const Decision dec = decide(*program, r);
    ASSERT_EQ(dec.allocations.size(), 1U);
    EXPECT_EQ(dec.allocations[0].days, 1);
    EXPECT_EQ(dec.allocations[0].from, dec.allocations[0].to);
    EXPECT_EQ(dec.allocations[0].cost, m("123.45"));
    ASSERT_EQ(dec.by_financial_year.count("2026-27"), 1U);
}

TEST(Segments, LineOverSeveralYearsIsCutAtEvery1April) {
    const auto program = compile_ok(kPostOp);
    ASSERT_TRUE(program);
    Request r;
    r.facts["dst"] = engine::Value(engine::LevelMap{});
    r.lines = {weekly("pc", "personal_care", "70.00", "2025-03-31", "2027-04-01")};
    const Decision dec = decide(*program, r);
    ASSERT_EQ(dec.allocations.size(), 4U);
    EXPECT_EQ(dec.allocations[0].to, d("2025-03-31"));
    EXPECT_EQ(dec.allocations[1].from, d("2025-04-01"));
    EXPECT_EQ(dec.allocations[1].days, 365);
    EXPECT_EQ(dec.allocations[2].days, 365);  // 2026-04-01..2027-03-31
    EXPECT_EQ(dec.allocations[3].from, d("2027-04-01"));
    EXPECT_EQ(dec.by_financial_year.size(), 4U);
    EXPECT_EQ(dec.total, m("7320.00"));  // 1 + 365 + 365 + 1 = 732 days at 10.00
}

// Rounding once per segment: 0.05 an hour for 0.5 hours a week is 2.5p a week, so a 7-day
// segment costs exactly 2.5p: half up gives 3p, half even 2p.
TEST(Segments, RoundingHalfUpAndHalfEven) {
    for (const bool even : {false, true}) {
        std::string source = R"(
policy half_pennies "Rounding"
  version "1"
  effective from 2025-04-01
)";
        if (even) source += "  rounding half_even\n";
        source += R"(
agency health "NHS"
rule all ref "1"
  when service is care
  split health 100%
)";
        const auto program = compile_ok(source);
        ASSERT_TRUE(program);
        Request r;
        r.lines = {hourly("h", "care", "0.05", "0.5", "2025-06-02", "2025-06-08")};
        const Decision dec = decide(*program, r);
        ASSERT_EQ(dec.allocations.size(), 1U);
        EXPECT_EQ(dec.allocations[0].cost, engine::Money::pence(even ? 2 : 3)) << (even ? "half_even" : "half_up");
    }
}

// An 18th birthday inside a line cuts it when a rule reads `age`.
TEST(Segments, EighteenthBirthdayCutsWhenAgeIsUsed) {
    const auto program = compile_ok(R"(
policy transition "Transition"
  version "1"
  effective from 2025-04-01

agency social_care "Children's Social Care"
agency adult_social_care "Adult Social Care"
fact date_of_birth: date

rule child ref "1"
  when service is care and age < 18
  split social_care 100%

rule adult ref "2"
  when service is care and age >= 18
  split adult_social_care 100%
)");
    ASSERT_TRUE(program);
    Request r;
    r.facts["date_of_birth"] = engine::Value(d("2007-07-15"));
    r.lines = {weekly("c", "care", "70.00", "2025-07-01", "2025-07-31")};
    const Decision dec = decide(*program, r);
    ASSERT_EQ(dec.allocations.size(), 2U);
    EXPECT_EQ(dec.allocations[0].rule, "child");
    EXPECT_EQ(dec.allocations[0].to, d("2025-07-14"));
    EXPECT_EQ(dec.allocations[1].rule, "adult");
    EXPECT_EQ(dec.allocations[1].from, d("2025-07-15"));
    EXPECT_EQ(share_of(dec.by_agency, "social_care"), m("140.00"));
    EXPECT_EQ(share_of(dec.by_agency, "adult_social_care"), m("170.00"));
}

}  // namespace
}  // namespace jointly::testing
