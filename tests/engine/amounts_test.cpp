// Caps and fixed payments whose amount is a definition or a table lookup, worked out once per
// request and prorated exactly as written amounts are. Every figure is worked by hand.
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <string>
#include <vector>

#include "engine_fixture.hpp"
#include "jointly/dsl/print.hpp"

namespace jointly::testing {
namespace {

using engine::Decision;
using engine::IssueKind;
using engine::Line;
using engine::Outcome;
using engine::Request;

constexpr const char* kAmounts = R"(
policy amounts "Amounts"
  version "1"
  effective from 2025-04-01
  panel "Panel"

agency health "NHS"
agency social_care "Social Care"

fact points: whole default 0
fact weekly_rate: money default £35
fact budget: money default £0
fact spent: money default £0

table annual_budget
  from 0 to 69 gives £0
  from 70 to 115 gives £500
  from 116 gives £1,000

let budget_band = lookup(annual_budget, points)
let third = weekly_rate / 3

rule breaks
  when service is short_breaks
  split social_care 100%
  cap social_care at budget_band per line, excess to panel

rule nursing
  when service is nursing
  pay health weekly_rate per week
  split social_care 100%

rule thirds
  when service is thirds
  pay health third per week
  split social_care 100%

rule left
  when service is left
  split social_care 100%
  cap social_care at budget - spent per line, excess to health
)";

const engine::Program& program() {
    static const auto p = compile_ok(kAmounts);
    return *p;
}

struct AmountCase {
    std::string name;
    engine::Facts facts;
    std::vector<Line> lines;
    std::map<std::string, const char*> by_agency;
    const char* panel_excess = "0.00";  // the cap_excess issues' total
};

void PrintTo(const AmountCase& c, std::ostream* os) { *os << c.name; }

class Amounts : public ::testing::TestWithParam<AmountCase> {};

TEST_P(Amounts, AreWorkedOutPerRequest) {
    const AmountCase& c = GetParam();
    Request r;
    for (const auto& [name, value] : c.facts) r.facts[name] = value;
    r.lines = c.lines;
    const Decision dec = decide(program(), r);
    for (const auto& [agency, amount] : c.by_agency) {
        EXPECT_EQ(share_of(dec.by_agency, agency), m(amount)) << agency;
    }
    engine::Money excess;
    for (const engine::Issue& issue : dec.issues) {
        EXPECT_EQ(issue.kind, IssueKind::CapExcess);
        excess += issue.cost;
    }
    EXPECT_EQ(excess, m(c.panel_excess));
    EXPECT_EQ(dec.outcome, excess == engine::Money() ? Outcome::Approve : Outcome::Refer);
}

INSTANTIATE_TEST_SUITE_P(
    Engine, Amounts,
    ::testing::Values(
        // 100 points: a budget of £500 from the table. 70.00 a week for 70 days is 700.00:
        // social care pays up to its 500.00 for the line, the 200.00 over goes to the panel.
        AmountCase{"cap_from_a_table_per_line",
                   {{"points", engine::Value(std::int64_t{100})}},
                   {weekly("sb", "short_breaks", "70.00", "2025-06-01", "2025-08-09")},
                   {{"social_care", "500.00"}, {"health", "0.00"}},
                   "200.00"},
        // 50 points: a budget of £0. A cap of £0 is allowed: all 700.00 to the panel.
        AmountCase{"cap_of_zero_from_the_table",
                   {{"points", engine::Value(std::int64_t{50})}},
                   {weekly("sb", "short_breaks", "70.00", "2025-06-01", "2025-08-09")},
                   {{"social_care", "0.00"}},
                   "700.00"},
        // A per-line cap across 1 April: 350.00 a week, 25 March-7 April 2026, 7 days each side
        // (350.00 + 350.00). Social care pays 350.00 in 2025-26, then 150.00 up to its 500.00;
        // 200.00 to the panel.
        AmountCase{"per_line_cap_across_segments",
                   {{"points", engine::Value(std::int64_t{100})}},
                   {weekly("sb", "short_breaks", "350.00", "2026-03-25", "2026-04-07")},
                   {{"social_care", "500.00"}},
                   "200.00"},
        // `pay health weekly_rate per week` at the default 35.00: 14 days is 70.00 of 140.00.
        AmountCase{"pay_from_a_fact_default",
                   {},
                   {weekly("n", "nursing", "70.00", "2025-06-01", "2025-06-14")},
                   {{"health", "70.00"}, {"social_care", "70.00"}}},
        // At 254.06 a week, 14 days is 508.12, more than the 140.00 cost: health pays it all.
        AmountCase{"pay_never_more_than_cost",
                   {{"weekly_rate", engine::Value(m("254.06"))}},
                   {weekly("n", "nursing", "70.00", "2025-06-01", "2025-06-14")},
                   {{"health", "140.00"}, {"social_care", "0.00"}}},
        // A third of 35.00 a week is 1166.66... pence a week, kept exact: 10 days is
        // 3500 x 10 / (3 x 7) = 1666.67 pence, rounded down to 16.66. The cost is 100.00.
        AmountCase{"fraction_of_a_penny_prorated_exactly",
                   {},
                   {weekly("t", "thirds", "70.00", "2025-06-01", "2025-06-10")},
                   {{"health", "16.66"}, {"social_care", "83.34"}}},
        // budget - spent = 600.00 for the line; a one-off 1,000.00: social care 600.00, health
        // the 400.00 over.
        AmountCase{"cap_from_arithmetic_on_facts",
                   {{"budget", engine::Value(m("1000.00"))}, {"spent", engine::Value(m("400.00"))}},
                   {one_off("x", "left", "1000.00", "2025-06-01")},
                   {{"social_care", "600.00"}, {"health", "400.00"}}}),
    [](const ::testing::TestParamInfo<AmountCase>& p) { return p.param.name; });

TEST(Amounts, NegativeIsAnEvaluationError) {
    Request r;
    r.facts["budget"] = engine::Value(m("1000.00"));
    r.facts["spent"] = engine::Value(m("1200.00"));
    r.lines = {one_off("x", "left", "1000.00", "2025-06-01")};
    const engine::EvalResult result = engine::evaluate(program(), r);
    EXPECT_FALSE(result.decision);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(code_text(result.errors[0].code), "E3006");
    EXPECT_EQ(result.errors[0].path, "/lines/0");
    // The cap reads two facts: the line is the path, the facts are named.
    EXPECT_EQ(result.errors[0].message,
              "a cap works out at -£200.00, below £0 (from the request's /facts/budget and /facts/spent)");
    EXPECT_EQ(result.errors[0].inputs, (std::vector<std::string>{"/facts/budget", "/facts/spent"}));
    ASSERT_TRUE(result.errors[0].policy_span);
    EXPECT_EQ(result.errors[0].policy_span->line, 41U);  // `budget - spent` in `left`
}

TEST(Amounts, ExpressionsAreMoneyKnownPerRequest) {
    // The checker refuses these first (E2214, E2215); the engine refuses them too.
    for (const char* amount : {"points", "total"}) {
        const std::string source = std::string(kAmounts) + "\nrule bad\n  when service is bad\n  pay health " + amount +
                                   " per week\n  split social_care 100%\n";
        const engine::CheckResult r = engine::compile(source, "bad.jf");
        EXPECT_FALSE(r.program) << amount;
    }
}

// Money is written digit by digit: the text of the printer's decimal_text at every edge (zero,
// under a pound, negative, the int64 extremes).
TEST(MoneyText, IsTheDecimalTextOfItsPence) {
    const std::int64_t max = std::numeric_limits<std::int64_t>::max();
    const std::int64_t min = std::numeric_limits<std::int64_t>::min();
    for (const std::int64_t p : {std::int64_t{0}, std::int64_t{1}, std::int64_t{9}, std::int64_t{10}, std::int64_t{99},
                                 std::int64_t{100}, std::int64_t{101}, std::int64_t{123456}, std::int64_t{-1},
                                 std::int64_t{-99}, std::int64_t{-100}, std::int64_t{-123456}, max, max - 1, min,
                                 min + 1}) {
        EXPECT_EQ(engine::Money::pence(p).to_string(), dsl::decimal_text(dsl::Decimal{p, 2})) << p;
    }
    EXPECT_EQ(engine::Money::pence(-5).to_string(), "-0.05");
    EXPECT_EQ(engine::Money::pence(123456).to_string(), "1234.56");
}

}  // namespace
}  // namespace jointly::testing
