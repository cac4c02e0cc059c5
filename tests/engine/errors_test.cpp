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

// An evaluation error caused by a value the request gives names it: `inputs` lists the
// request's values the failing part of the policy reads (through definitions too), and the
// path is the first of them unless the error happened while a line was split.
constexpr const char* kInputsPolicy = R"(
policy inputs "Inputs"
  version "1"
  effective from 2025-04-01

agency health "NHS"
agency social_care "Social Care"

fact which: whole default 0
fact budget: money default £0
fact weeks: whole default 0
fact points: whole default 0
fact date_of_birth: date default 2010-01-01
event surgery

table band
  from 0 to 99 gives £100

let weekly_rate = budget / weeks
let adult_on = birthday(date_of_birth, 18)

eligible divides when which = 1 and weekly_rate > £500
  because "over £500 a week"
eligible looks_up when which = 2 and lookup(band, points) > £50
  because "in a band"
eligible adult when which = 3 and adult_on > 2025-01-01
  because "an adult"
eligible operated when which = 4 and surgery > 2025-01-01
  because "operated on"
eligible huge when which = 5 and budget * 1000000000000 > £1
  because "a huge budget"
eligible moved when which = 7 and date_of_birth + 30 days > 2025-01-01
  because "moved"
eligible operated_if_given when which = 8 and happened(surgery) and surgery > 2025-01-01
  because "operated on, if at all"

rule in_line
  when service is care and which = 6 and budget / (weeks + points) > £1
  split social_care 100%

rule other
  when service is care and which != 6
  split health 100%
)";

// `line_from`: the week the one line covers starts that day (after a date of birth near 9999:
// a line before the birth is refused first, E4010).
engine::EvalError inputs_error(std::int64_t which, engine::Facts facts, bool surgery = false,
                               const char* line_from = "2025-06-01", const char* line_to = "2025-06-07") {
    static const auto program = compile_ok(kInputsPolicy);
    Request r;
    r.facts = std::move(facts);
    r.facts["which"] = engine::Value(which);
    if (surgery) r.events["surgery"] = {d("2025-06-01")};
    r.lines = {weekly("c", "care", "70.00", line_from, line_to)};
    const engine::EvalResult result = engine::evaluate(*program, r);
    EXPECT_FALSE(result.decision);
    EXPECT_EQ(result.errors.size(), 1U);
    return result.errors.empty() ? engine::EvalError{} : result.errors[0];
}

TEST(EvaluationErrors, DivisionByAGivenZeroPointsAtTheFact) {
    const engine::EvalError e = inputs_error(1, {{"budget", engine::Value(m("100.00"))},
                                                 {"weeks", engine::Value(std::int64_t{0})}});
    EXPECT_EQ(code_text(e.code), "E3002");
    // The divisor is read through the definition `weekly_rate`; `budget` is not the divisor.
    EXPECT_EQ(e.inputs, std::vector<std::string>{"/facts/weeks"});
    EXPECT_EQ(e.path, "/facts/weeks");
    EXPECT_EQ(e.message, "division by zero");
    ASSERT_TRUE(e.policy_span);
    EXPECT_EQ(e.policy_span->line, 19U);  // `budget / weeks` in `weekly_rate`
}

TEST(EvaluationErrors, AValueTheRequestLeftToItsDefaultIsNotNamed) {
    // `weeks` not given: its default 0 is the policy's, not the caller's.
    const engine::EvalError e = inputs_error(1, {{"budget", engine::Value(m("100.00"))}});
    EXPECT_EQ(code_text(e.code), "E3002");
    EXPECT_TRUE(e.inputs.empty());
    EXPECT_EQ(e.path, "");
}

TEST(EvaluationErrors, LookupOutsideTheTableNamesTheNumberLookedUp) {
    const engine::EvalError e = inputs_error(2, {{"points", engine::Value(std::int64_t{140})}});
    EXPECT_EQ(code_text(e.code), "E3003");
    EXPECT_EQ(e.inputs, std::vector<std::string>{"/facts/points"});
    EXPECT_EQ(e.path, "/facts/points");
}

TEST(EvaluationErrors, ADateMovedPastTheCalendarNamesTheFactAndThePolicy) {
    // 9990-06-01's 18th birthday is past 9999: an error at `birthday(...)`, from the fact.
    const engine::EvalError e =
        inputs_error(3, {{"date_of_birth", engine::Value(d("9990-06-01"))}}, false, "9995-06-01", "9995-06-07");
    EXPECT_EQ(code_text(e.code), "E3001");
    EXPECT_EQ(e.message, "a date works out outside the years 1900 to 9999");
    EXPECT_EQ(e.inputs, std::vector<std::string>{"/facts/date_of_birth"});
    ASSERT_TRUE(e.policy_span);
    EXPECT_EQ(e.policy_span->line, 20U);  // `birthday(...)` in `adult_on`
    // `date + 30 days`, moved past 9999 by day arithmetic.
    const engine::EvalError days =
        inputs_error(7, {{"date_of_birth", engine::Value(d("9999-12-15"))}}, false, "9999-12-20", "9999-12-26");
    EXPECT_EQ(code_text(days.code), "E3001");
    EXPECT_EQ(days.inputs, std::vector<std::string>{"/facts/date_of_birth"});
    ASSERT_TRUE(days.policy_span);
    EXPECT_EQ(days.policy_span->line, 32U);
}

TEST(EvaluationErrors, AnEventNotGivenIsNamedWhereItWouldGo) {
    const engine::EvalError e = inputs_error(4, {});
    EXPECT_EQ(code_text(e.code), "E3004");
    EXPECT_EQ(e.inputs, std::vector<std::string>{"/events/surgery"});
    EXPECT_EQ(e.path, "/events/surgery");
    // Given, the same threshold evaluates.
    static const auto program = compile_ok(kInputsPolicy);
    Request r;
    r.facts["which"] = engine::Value(std::int64_t{4});
    r.events["surgery"] = {d("2025-06-01")};
    r.lines = {weekly("c", "care", "70.00", "2025-06-01", "2025-06-07")};
    EXPECT_TRUE(engine::evaluate(*program, r).decision);
}

TEST(RequestErrors, ADateOfBirthAfterTheCareIsRefused) {
    static const auto program = compile_ok(kInputsPolicy);
    Request r;
    r.facts["date_of_birth"] = engine::Value(d("2026-02-14"));  // 2016 typed 2026
    r.lines = {weekly("c", "care", "70.00", "2025-06-01", "2025-06-07"), one_off("e", "care", "10.00", "2026-03-01")};
    engine::EvalResult result = engine::evaluate(*program, r);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(code_text(result.errors[0].code), "E4010");
    EXPECT_EQ(result.errors[0].path, "/facts/date_of_birth");
    EXPECT_EQ(result.errors[0].message,
              "the date of birth 2026-02-14 is after line `c` starts (2025-06-01): care cannot be funded before "
              "birth; check the year of the date of birth");
    // An hourly line starts as a weekly one does.
    engine::Line hourly;
    hourly.id = "h";
    hourly.service = "care";
    hourly.kind = engine::LineKind::Hourly;
    hourly.hourly = m("20.00");
    hourly.hours_per_week = engine::Ratio::whole(10);
    hourly.start = d("2026-01-01");
    hourly.end = d("2026-03-31");
    r.lines = {hourly};
    result = engine::evaluate(*program, r);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(code_text(result.errors[0].code), "E4010");
    EXPECT_NE(result.errors[0].message.find("line `h` starts (2026-01-01)"), std::string::npos)
        << result.errors[0].message;
    // After as_of, with every line after the birth.
    r.lines = {one_off("e", "care", "10.00", "2026-03-01")};
    r.as_of = d("2025-06-01");
    result = engine::evaluate(*program, r);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(code_text(result.errors[0].code), "E4010");
    EXPECT_NE(result.errors[0].message.find("`as_of` 2025-06-01"), std::string::npos) << result.errors[0].message;
    // Born on the day the care starts, or the policy's default (not the caller's): decided.
    r.as_of.reset();
    r.facts["date_of_birth"] = engine::Value(d("2026-03-01"));
    EXPECT_TRUE(engine::evaluate(*program, r).decision);
    r.facts.erase("date_of_birth");
    r.lines = {one_off("e", "care", "10.00", "2009-03-01")};  // before the default 2010-01-01
    EXPECT_TRUE(engine::evaluate(*program, r).decision);
}

TEST(EvaluationErrors, HappenedGuardsAnEventsDate) {
    static const auto program = compile_ok(kInputsPolicy);
    const auto operated = [&](bool given) {
        Request r;
        r.facts["which"] = engine::Value(std::int64_t{8});
        if (given) r.events["surgery"] = {d("2025-06-01")};
        r.lines = {weekly("c", "care", "70.00", "2025-06-01", "2025-06-07")};
        const engine::EvalResult result = engine::evaluate(*program, r);
        EXPECT_TRUE(result.errors.empty()) << (result.errors.empty() ? "" : result.errors[0].message);
        if (!result.decision) return std::optional<bool>();
        for (const engine::Eligibility& e : result.decision->eligibility) {
            if (e.name == "operated_if_given") return std::optional<bool>(e.met);
        }
        return std::optional<bool>();
    };
    EXPECT_EQ(operated(false), std::optional<bool>(false));  // not given: no E3004
    EXPECT_EQ(operated(true), std::optional<bool>(true));
}

TEST(Compile, HappenedTakesOneDeclaredEvent) {
    for (const auto& [condition, code] : std::vector<std::pair<std::string, std::string>>{
             {"happened(surgry)", "E2006"}, {"happened()", "E2012"}, {"happened(surgery, surgery)", "E2012"},
             {"happened(2025-01-01)", "E2012"}}) {
        const engine::CheckResult r = engine::compile(R"(policy p "P"
  version "1"
  effective from 2025-04-01
agency health "NHS"
event surgery
rule r
  when service is care and )" + condition + R"(
  split health 100%
)", "p.jf");
        ASSERT_FALSE(r.diagnostics.empty()) << condition;
        EXPECT_EQ(code_text(r.diagnostics[0].code), code) << condition << ": " << r.diagnostics[0].message;
    }
}

TEST(EvaluationErrors, AnAmountTooLargeNamesTheOperationAndTheFact) {
    const engine::EvalError e = inputs_error(5, {{"budget", engine::Value(m("100000000.00"))}});
    EXPECT_EQ(code_text(e.code), "E3001");
    EXPECT_EQ(e.message.rfind("an amount is too large to compute exactly (", 0), 0U) << e.message;
    EXPECT_EQ(e.inputs, std::vector<std::string>{"/facts/budget"});
    ASSERT_TRUE(e.policy_span);  // before: no position at all
    EXPECT_EQ(e.policy_span->line, 30U);
}

TEST(EvaluationErrors, InALineThePathIsTheLineAndTheMessageNamesTheValues) {
    const engine::EvalError e = inputs_error(6, {{"budget", engine::Value(m("100.00"))},
                                                 {"weeks", engine::Value(std::int64_t{0})},
                                                 {"points", engine::Value(std::int64_t{0})}});
    EXPECT_EQ(code_text(e.code), "E3002");
    EXPECT_EQ(e.path, "/lines/0");
    EXPECT_EQ(e.inputs, (std::vector<std::string>{"/facts/weeks", "/facts/points"}));
    EXPECT_EQ(e.message, "division by zero (from the request's /facts/weeks and /facts/points)");
}

}  // namespace
}  // namespace jointly::testing
