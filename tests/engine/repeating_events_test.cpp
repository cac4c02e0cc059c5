// Repeating events (`event surgery repeats`): a window after or before the event covers the
// union of the windows around each date, merged into stretches; the request's dates are
// checked (E4215); the reason names the dates whose windows meet the allocation, counting
// them past five; the text a decision holds is bounded (E3008). Every figure is
// worked by hand in the test's comment.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine_fixture.hpp"
#include "jointly/engine/codes.hpp"
#include "jointly/engine/evaluate.hpp"

namespace jointly::testing {
namespace {

using engine::Decision;
using engine::Request;

// 70.00 a week is exactly 10.00 a day.
constexpr const char* kPolicy = R"(
policy repeat "Repeating events"
  version "1"
  effective from 2025-04-01
  panel "Joint Funding Panel"

agency health "NHS"
agency social_care "Social Care"

event surgery repeats
event review repeats
event admission

rule personal_care
  when service is personal_care
  split social_care 100%

rule post_op
  exception to personal_care
  when service is personal_care
  within 2 weeks after surgery
  split health 50%, social_care 50%
  because "after the operations on {surgery}"

rule review_base
  when service is review_support
  split social_care 100%

rule before_review
  exception to review_base
  when service is review_support
  within 3 days before review
  split health 100%

refer to "Joint Funding Panel" when total > £1,000,000
  because "never"
)";

struct Piece {
    const char* from;
    const char* to;
    const char* rule;
    const char* cost;
};

struct RepeatCase {
    std::string name;
    const char* service;
    std::vector<const char*> dates;  // of `surgery` (post_op) or `review` (before_review)
    std::vector<Piece> pieces;
};

class RepeatingWindow : public ::testing::TestWithParam<RepeatCase> {};

TEST_P(RepeatingWindow, CutsAtStretchEdgesOnly) {
    const RepeatCase& c = GetParam();
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request r;
    std::vector<engine::Date> dates;
    for (const char* iso : c.dates) dates.push_back(d(iso));
    r.events[std::string(c.service) == "personal_care" ? "surgery" : "review"] = dates;
    r.lines = {weekly("l", c.service, "70.00", "2025-06-01", "2025-07-31")};
    const Decision dec = decide(*program, r);
    ASSERT_EQ(dec.allocations.size(), c.pieces.size());
    for (std::size_t i = 0; i < c.pieces.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(dec.allocations[i].from, d(c.pieces[i].from));
        EXPECT_EQ(dec.allocations[i].to, d(c.pieces[i].to));
        EXPECT_EQ(dec.allocations[i].rule, c.pieces[i].rule);
        EXPECT_EQ(dec.allocations[i].cost, m(c.pieces[i].cost));
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RepeatingWindow,
    ::testing::Values(
        // One date: [10, 24) June, as a plain event.
        RepeatCase{"one_date", "personal_care", {"2025-06-10"},
                   {{"2025-06-01", "2025-06-09", "personal_care", "90.00"},
                    {"2025-06-10", "2025-06-23", "post_op", "140.00"},
                    {"2025-06-24", "2025-07-31", "personal_care", "380.00"}}},
        // 10 and 17 June: [10, 24) and [17, 1 Jul) overlap: one stretch [10 Jun, 1 Jul), 21
        // days, not cut at 17 or 24 June.
        RepeatCase{"overlapping", "personal_care", {"2025-06-17", "2025-06-10"},
                   {{"2025-06-01", "2025-06-09", "personal_care", "90.00"},
                    {"2025-06-10", "2025-06-30", "post_op", "210.00"},
                    {"2025-07-01", "2025-07-31", "personal_care", "310.00"}}},
        // 10 and 24 June: [10, 24) and [24 Jun, 8 Jul) meet: one stretch of 28 days.
        RepeatCase{"touching", "personal_care", {"2025-06-10", "2025-06-24"},
                   {{"2025-06-01", "2025-06-09", "personal_care", "90.00"},
                    {"2025-06-10", "2025-07-07", "post_op", "280.00"},
                    {"2025-07-08", "2025-07-31", "personal_care", "240.00"}}},
        // 10 and 25 June: [10, 24) and [25 Jun, 9 Jul): one day (24 June) between them.
        RepeatCase{"one_day_apart", "personal_care", {"2025-06-10", "2025-06-25"},
                   {{"2025-06-01", "2025-06-09", "personal_care", "90.00"},
                    {"2025-06-10", "2025-06-23", "post_op", "140.00"},
                    {"2025-06-24", "2025-06-24", "personal_care", "10.00"},
                    {"2025-06-25", "2025-07-08", "post_op", "140.00"},
                    {"2025-07-09", "2025-07-31", "personal_care", "230.00"}}},
        // A date before the line and one after it: [20 May, 3 Jun) covers 1-2 June; [5 Aug,
        // ...) is after the line.
        RepeatCase{"outside_the_line", "personal_care", {"2025-05-20", "2025-08-05"},
                   {{"2025-06-01", "2025-06-02", "post_op", "20.00"},
                    {"2025-06-03", "2025-07-31", "personal_care", "590.00"}}},
        // No dates: the window never applies.
        RepeatCase{"no_dates", "personal_care", {},
                   {{"2025-06-01", "2025-07-31", "personal_care", "610.00"}}},
        // `within 3 days before review`, reviews 10 and 12 June: [7, 10) and [9, 12) merge into
        // [7, 12); a review on 20 July: [17, 20) July.
        RepeatCase{"before", "review_support", {"2025-06-10", "2025-06-12", "2025-07-20"},
                   {{"2025-06-01", "2025-06-06", "review_base", "60.00"},
                    {"2025-06-07", "2025-06-11", "before_review", "50.00"},
                    {"2025-06-12", "2025-07-16", "review_base", "350.00"},
                    {"2025-07-17", "2025-07-19", "before_review", "30.00"},
                    {"2025-07-20", "2025-07-31", "review_base", "120.00"}}}),
    [](const ::testing::TestParamInfo<RepeatCase>& p) { return p.param.name; });

TEST(RepeatingEvent, ReasonNamesTheDatesThatOpenedTheStretch) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request r;
    // 1 and 8 June merge ([1, 22) June); 1 July stands alone ([1, 15) July).
    r.events["surgery"] = {d("2025-07-01"), d("2025-06-08"), d("2025-06-01")};
    r.lines = {weekly("l", "personal_care", "70.00", "2025-06-01", "2025-07-31")};
    const Decision dec = decide(*program, r);
    ASSERT_EQ(dec.allocations.size(), 4U);
    EXPECT_EQ(dec.allocations[0].reason, "after the operations on 1 June 2025 and 8 June 2025");
    EXPECT_EQ(dec.allocations[0].to, d("2025-06-21"));
    EXPECT_EQ(dec.allocations[2].reason, "after the operations on 1 July 2025");
    EXPECT_EQ(dec.allocations[2].cost, m("140.00"));
}

// One stretch cut at 1 April: each allocation names only the dates whose own window meets
// it. Operations every 7 days from 1 March to 26 April 2025 (1, 8, 15, 22, 29 March, 5, 12,
// 19, 26 April) make one stretch, 1 March to 9 May ([d, d + 14) each); the line is cut at
// 1 April. 1-31 March meets the windows of the five March dates (written out); 1 April-9 May
// meets those ending after 1 April (d + 14 > 1 April: 22 March onwards), six dates, counted.
TEST(RepeatingEvent, ReasonNamesTheDatesWhoseWindowsMeetTheAllocation) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request r;
    std::vector<engine::Date> dates;
    for (engine::Date day = d("2025-03-01"); day <= d("2025-04-26"); day = day.plus_days(7)) dates.push_back(day);
    ASSERT_EQ(dates.size(), 9U);
    r.events["surgery"] = dates;
    r.lines = {weekly("l", "personal_care", "70.00", "2025-03-01", "2025-05-09")};
    const Decision dec = decide(*program, r);
    ASSERT_EQ(dec.allocations.size(), 2U);
    EXPECT_EQ(dec.allocations[0].to, d("2025-03-31"));
    EXPECT_EQ(dec.allocations[0].reason,
              "after the operations on 1 March 2025, 8 March 2025, 15 March 2025, 22 March 2025 and 29 March 2025");
    EXPECT_EQ(dec.allocations[1].from, d("2025-04-01"));
    EXPECT_EQ(dec.allocations[1].reason, "after the operations on 6 dates from 22 March 2025 to 26 April 2025");
    EXPECT_NE(dec.explanation[1].find("because after the operations on 6 dates from 22 March 2025 to 26 April 2025"),
              std::string::npos)
        << dec.explanation[1];
}

// The text a decision holds is bounded by EvalLimits::max_text_bytes: past it the evaluation
// stops with E3008, and the same request is answered within a limit it fits.
TEST(RepeatingEvent, TheTextOfADecisionIsBounded) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request r;
    r.events["surgery"] = {d("2025-06-01")};
    r.lines = {weekly("l", "personal_care", "70.00", "2025-06-01", "2025-07-31")};
    engine::EvalLimits limits;
    const auto fits = engine::evaluate(*program, r, limits);
    ASSERT_TRUE(fits.decision);
    std::size_t text = 0;
    for (const auto& a : fits.decision->allocations) text += a.reason.size();
    for (const auto& s : fits.decision->explanation) text += s.size();
    limits.max_text_bytes = text;
    EXPECT_TRUE(engine::evaluate(*program, r, limits).decision) << "exactly the text it holds fits";
    limits.max_text_bytes = 100;
    const auto refused = engine::evaluate(*program, r, limits);
    ASSERT_FALSE(refused.decision);
    ASSERT_EQ(refused.errors.size(), 1U);
    EXPECT_EQ(refused.errors[0].code, engine::codes::kAnswerTooLong);
    EXPECT_NE(refused.errors[0].message.find("more than 100 bytes"), std::string::npos) << refused.errors[0].message;
    // The trace is text too: with explain=full the same limit that fits the sentences does not.
    limits.max_text_bytes = text;
    r.explain_full = true;
    const auto traced = engine::evaluate(*program, r, limits);
    ASSERT_FALSE(traced.decision);
    EXPECT_EQ(traced.errors[0].code, engine::codes::kAnswerTooLong);
}

TEST(RepeatingEvent, TraceListsEveryStretch) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request r;
    r.explain_full = true;
    r.events["surgery"] = {d("2025-06-10"), d("2025-07-01")};
    r.lines = {weekly("l", "personal_care", "70.00", "2025-06-01", "2025-07-31")};
    const Decision dec = decide(*program, r);
    bool found = false;
    for (const auto& step : dec.trace) {
        for (const auto& line : step.detail) {
            if (line.find("within 2 weeks after surgery (2025-06-10 to 2025-06-23, 2025-07-01 to 2025-07-14)") == 0)
                found = true;
        }
    }
    EXPECT_TRUE(found);
}

struct DatesError {
    std::string name;
    std::string event;
    std::vector<const char*> dates;
    const char* path;
};

class RepeatingEventDates : public ::testing::TestWithParam<DatesError> {};

TEST_P(RepeatingEventDates, AreRefusedWithThePath) {
    const DatesError& c = GetParam();
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request r;
    std::vector<engine::Date> dates;
    for (const char* iso : c.dates) dates.push_back(d(iso));
    r.events[c.event] = dates;
    r.lines = {weekly("l", "personal_care", "70.00", "2025-06-01", "2025-07-31")};
    const engine::EvalResult result = engine::evaluate(*program, r);
    EXPECT_FALSE(result.decision);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(dsl::code_text(result.errors[0].code), "E4215");
    EXPECT_EQ(result.errors[0].path, c.path);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RepeatingEventDates,
    ::testing::Values(DatesError{"twice", "surgery", {"2025-06-10", "2025-07-01", "2025-06-10"}, "/events/surgery/2"},
                      DatesError{"not_repeating", "admission", {"2025-06-10", "2025-07-01"}, "/events/admission"}),
    [](const ::testing::TestParamInfo<DatesError>& p) { return p.param.name; });

TEST(RepeatingEvent, MoreDatesThanTheLimitAreRefused) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request r;
    std::vector<engine::Date> dates;
    for (std::size_t k = 0; k <= engine::kMaxEventDates; ++k) dates.push_back(d("2020-01-01").plus_days(static_cast<std::int64_t>(k)));
    r.events["surgery"] = dates;
    r.lines = {weekly("l", "personal_care", "70.00", "2025-06-01", "2025-07-31")};
    const engine::EvalResult result = engine::evaluate(*program, r);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(dsl::code_text(result.errors[0].code), "E4215");
    dates.pop_back();
    r.events["surgery"] = dates;
    EXPECT_TRUE(engine::evaluate(*program, r).decision);
}

}  // namespace
}  // namespace jointly::testing
