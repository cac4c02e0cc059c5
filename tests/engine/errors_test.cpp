// Request problems (E4xxx, each with a JSON pointer) and evaluation errors (E3xxx): never a
// crash, never a wrap, never a partial decision.
#include <gtest/gtest.h>

#include <climits>
#include <functional>
#include <string>
#include <vector>

#include "engine_fixture.hpp"

namespace jointly::testing {
namespace {

using engine::Request;

constexpr const char* kPolicy = R"(
policy errors "Errors"
  version "1"
  effective from 2025-04-01
  panel "Panel"

agency health "NHS"
agency social_care "Social Care"

scale need: none < low < moderate < high < severe < priority
fact dst: map of need
fact band: need default none
fact points: whole default 0
fact has_ehcp: bool default false
event surgery

table budget
  from 0 to 99 gives £100
  from 100 to 199 gives £200

let allowance = lookup(budget, points)

rule care ref "1"
  when service is care and allowance >= £100
  split social_care 100%

rule strong ref "2"
  exception to care
  when service is care and count(dst, at least severe) >= 2 and band >= high
  split health 50%, social_care 50%

refer to "Panel" when total > allowance because "over the allowance of {allowance}"
)";

std::shared_ptr<const engine::Program> program() {
    static const auto p = compile_ok(kPolicy);
    return p;
}

Request base() {
    Request r;
    r.facts["dst"] = engine::Value(engine::LevelMap{});
    r.lines = {weekly("c", "care", "70.00", "2025-06-01", "2025-06-07")};
    return r;
}

struct ErrorCase {
    std::string name;
    std::function<void(Request&)> change;
    std::string code;
    std::string path;
};

class RequestErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RequestErrors, ReportedWithCodeAndPointer) {
    const ErrorCase& c = GetParam();
    Request r = base();
    c.change(r);
    const engine::EvalResult result = engine::evaluate(*program(), r);
    EXPECT_FALSE(result.decision.has_value());
    ASSERT_FALSE(result.errors.empty());
    const auto it = std::find_if(result.errors.begin(), result.errors.end(),
                                 [&](const engine::EvalError& e) { return code_text(e.code) == c.code && e.path == c.path; });
    EXPECT_NE(it, result.errors.end()) << "first error: " << result.errors[0].code << " " << result.errors[0].path
                                       << " " << result.errors[0].message;
    for (const engine::EvalError& e : result.errors) {
        EXPECT_FALSE(e.message.empty());
        EXPECT_NE(e.message.back(), '.') << "messages have no final period";
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RequestErrors,
    ::testing::Values(
        ErrorCase{"missing_required_fact", [](Request& r) { r.facts.erase("dst"); }, "E4001", "/facts/dst"},
        ErrorCase{"unknown_fact", [](Request& r) { r.facts["colour"] = engine::Value(std::string("red")); },
                  "E4002", "/facts/colour"},
        ErrorCase{"wrong_type", [](Request& r) { r.facts["has_ehcp"] = engine::Value(std::int64_t{1}); },
                  "E4003", "/facts/has_ehcp"},
        ErrorCase{"level_out_of_range", [](Request& r) { r.facts["band"] = engine::Value(engine::Level{6}); },
                  "E4004", "/facts/band"},
        ErrorCase{"map_level_out_of_range",
                  [](Request& r) {
                      r.facts["dst"] = engine::Value(engine::LevelMap{{"skin", engine::Level{-1}}});
                  },
                  "E4004", "/facts/dst/skin"},
        ErrorCase{"unknown_event", [](Request& r) { r.events["birthday"] = {d("2025-06-01")}; }, "E4005",
                  "/events/birthday"},
        ErrorCase{"repeated_line_id",
                  [](Request& r) { r.lines.push_back(one_off("c", "care", "1.00", "2025-06-01")); }, "E4006",
                  "/lines/1/id"},
        ErrorCase{"empty_line_id", [](Request& r) { r.lines[0].id.clear(); }, "E4006", "/lines/0/id"},
        ErrorCase{"end_before_start", [](Request& r) { r.lines[0].end = d("2025-05-31"); }, "E4007",
                  "/lines/0/end"},
        ErrorCase{"negative_weekly", [](Request& r) { r.lines[0].weekly = m("-1.00"); }, "E4008",
                  "/lines/0/weekly"},
        ErrorCase{"empty_service", [](Request& r) { r.lines[0].service.clear(); }, "E4009",
                  "/lines/0/service"},
        // Evaluation errors: a score outside every row of the table points at the table.
        ErrorCase{"lookup_outside_table", [](Request& r) { r.facts["points"] = engine::Value(std::int64_t{250}); },
                  "E3003", "/lines/0"},
        // A weekly amount whose prorated cost does not fit: an error, not a wrap.
        ErrorCase{"overflow_in_a_line",
                  [](Request& r) {
                      r.lines[0].weekly = engine::Money::pence(INT64_MAX / 2);
                      r.lines[0].end = d("2026-03-31");
                  },
                  "E3001", "/lines/0"},
        // Two lines each near the limit: the totals overflow.
        ErrorCase{"overflow_in_totals",
                  [](Request& r) {
                      r.lines = {one_off("a", "care", "1.00", "2025-06-01"), one_off("b", "care", "1.00", "2025-06-01")};
                      r.lines[0].amount = engine::Money::pence(INT64_MAX - 10);
                      r.lines[1].amount = engine::Money::pence(INT64_MAX - 10);
                  },
                  "E3001", "/lines/1"}),
    [](const ::testing::TestParamInfo<ErrorCase>& p) { return p.param.name; });

TEST(RequestErrors, EveryProblemAtOnce) {
    Request r = base();
    r.facts.erase("dst");
    r.facts["colour"] = engine::Value(std::string("red"));
    r.lines[0].end = d("2025-05-01");
    const engine::EvalResult result = engine::evaluate(*program(), r);
    EXPECT_EQ(result.errors.size(), 3U);
}

TEST(EvaluationErrors, LookupOutsideTablePointsAtThePolicy) {
    Request r = base();
    r.facts["points"] = engine::Value(std::int64_t{250});
    const engine::EvalResult result = engine::evaluate(*program(), r);
    ASSERT_EQ(result.errors.size(), 1U);
    ASSERT_TRUE(result.errors[0].policy_span.has_value());
    EXPECT_GT(result.errors[0].policy_span->line, 0U);
    EXPECT_NE(result.errors[0].message.find("`budget`"), std::string::npos);
}

TEST(Facts, MissingOptionalFactsTakeTheirDefaults) {
    // points 0 -> allowance £100; band none -> the exception's condition fails.
    Request r = base();
    r.facts["dst"] = engine::Value(engine::LevelMap{{"a", engine::Level{4}}, {"b", engine::Level{5}}});
    const engine::Decision dec = decide(*program(), r);
    ASSERT_EQ(dec.allocations.size(), 1U);
    EXPECT_EQ(dec.allocations[0].rule, "care");
    // With band high, count(dst, at least severe) = 2 (severe and priority): the exception.
    r.facts["band"] = engine::Value(engine::Level{3});
    const engine::Decision strong = decide(*program(), r);
    ASSERT_EQ(strong.allocations.size(), 1U);
    EXPECT_EQ(strong.allocations[0].rule, "strong");
    // count(dst, severe) counts only keys exactly at severe; missing keys are `none`.
    r.facts["dst"] = engine::Value(engine::LevelMap{{"a", engine::Level{4}}, {"b", engine::Level{3}}});
    EXPECT_EQ(decide(*program(), r).allocations[0].rule, "care");
}

TEST(Facts, LetsAndTablesFillReasons) {
    Request r = base();
    r.facts["points"] = engine::Value(std::int64_t{150});
    r.lines = {weekly("c", "care", "700.00", "2025-06-01", "2025-06-07")};
    const engine::Decision dec = decide(*program(), r);
    EXPECT_EQ(dec.outcome, engine::Outcome::Refer);
    ASSERT_EQ(dec.outcome_reasons.size(), 1U);
    EXPECT_EQ(dec.outcome_reasons[0], "over the allowance of £200.00");
}

TEST(Compile, SplitNotTotalling100IsRefused) {
    // The checker refuses it first; either way there is no program and an error names it.
    const engine::CheckResult r = engine::compile(R"(
policy bad "Bad"
  version "1"
  effective from 2025-04-01
agency health "NHS"
agency social_care "Social Care"
rule r ref "1"
  when service is care
  split health 50%, social_care 40%
)", "bad.jf");
    EXPECT_FALSE(r.program);
    EXPECT_TRUE(dsl::has_errors(r.diagnostics));
}

}  // namespace
}  // namespace jointly::testing
