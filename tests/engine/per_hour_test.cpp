// `per hour`: a fixed payment or cap counted for each hour of an hourly line, the amount
// times the line's `hours_per_week`, prorated by a segment's days as a weekly amount is and
// rounded once as the segment's cost is (half up here; a weekly amount is rounded down); a
// weekly or one-off line under such a rule is E3009. Every figure is worked by hand in the
// comments.
#include <gtest/gtest.h>

#include <string>

#include "engine_fixture.hpp"
#include "jointly/engine/codes.hpp"

namespace jointly::testing {
namespace {

using engine::Decision;
using engine::Request;

constexpr const char* kPerHour = R"(
policy per_hour "Per hour"
  version "1"
  effective from 2024-04-01
  panel "Joint panel"

agency health "NHS"
agency social_care "Social Care"

fact hourly_limit: money default £20

service slt "speech and language therapy" hourly
service support "support worker" hourly
service nursing "nursing" hourly

rule slt
  when service is slt
  split health 100%
  cap health at £25 per hour, excess to social_care

rule support
  when service is support
  pay health £12.50 per hour
  split social_care 100%

rule nursing
  when service is nursing
  split health 50%, social_care 50%
  cap health at hourly_limit per hour, excess to panel
)";

const engine::Program& program() {
    static const auto p = compile_ok(kPerHour);
    return *p;
}

Decision decide_hourly(const char* service, const char* rate, const char* hours, const char* start, const char* end) {
    Request r;
    r.lines = {hourly("l", service, rate, hours, start, end)};
    return decide(program(), r);
}

TEST(PerHour, ACapCountsTheLinesHours) {
    // £30 an hour for 10 hours a week over 14 days: 30 x 10 x 14 / 7 = 600.00. Health's limit
    // is 25 x 10 x 14 / 7 = 500.00; the other 100.00 goes to social care.
    const Decision d = decide_hourly("slt", "30.00", "10", "2025-06-01", "2025-06-14");
    EXPECT_EQ(d.total, m("600.00"));
    EXPECT_EQ(share_of(d.by_agency, "health"), m("500.00"));
    EXPECT_EQ(share_of(d.by_agency, "social_care"), m("100.00"));
    EXPECT_TRUE(d.issues.empty());
}

TEST(PerHour, HoursInPartsOfAnHour) {
    // £30 an hour for 2.5 hours a week over 14 days: 30 x 2.5 x 2 = 150.00; the limit is
    // 25 x 2.5 x 2 = 125.00, so 25.00 is excess.
    const Decision d = decide_hourly("slt", "30.00", "2.5", "2025-06-01", "2025-06-14");
    EXPECT_EQ(share_of(d.by_agency, "health"), m("125.00"));
    EXPECT_EQ(share_of(d.by_agency, "social_care"), m("25.00"));
}

TEST(PerHour, ACapAboveTheRateDoesNotBind) {
    // £20 an hour for 7.5 hours over 10 days: 20 x 7.5 x 10 / 7 = 1,500 / 7 = 214.2857 ->
    // 214.29 (half up). The limit, 25 x 7.5 x 10 / 7 = 267.857 -> 267.86, is above it.
    const Decision d = decide_hourly("slt", "20.00", "7.5", "2025-06-01", "2025-06-10");
    EXPECT_EQ(share_of(d.by_agency, "health"), m("214.29"));
    EXPECT_EQ(share_of(d.by_agency, "social_care"), m("0.00"));
}

TEST(PerHour, ALineAtTheCappedRateIsNeverOverIt) {
    // £25 an hour for 10 hours over 2 days: the cost is 25 x 10 x 2 / 7 = 71.4286 -> 71.43
    // (half up), and the limit the same amount rounded the same way, 71.43: nothing is over.
    // (A weekly cap, rounded down, would leave a penny: 71.42.) So for every length from 1 to
    // 60 days; and a rate a penny over the cap is over it.
    for (int days = 1; days <= 60; ++days) {
        const engine::Date start = d("2025-06-01");
        const std::string end = start.plus_days(days - 1).to_string();
        const Decision at = decide_hourly("slt", "25.00", "10", "2025-06-01", end.c_str());
        EXPECT_EQ(share_of(at.by_agency, "social_care"), m("0.00")) << days << " days";
        EXPECT_EQ(share_of(at.by_agency, "health"), at.total) << days << " days";
    }
    const Decision at = decide_hourly("slt", "25.00", "10", "2025-06-01", "2025-06-02");
    EXPECT_EQ(share_of(at.by_agency, "health"), m("71.43"));
    // £25.01 for 10 hours over 7 days: 250.10, against 250.00.
    const Decision over = decide_hourly("slt", "25.01", "10", "2025-06-01", "2025-06-07");
    EXPECT_EQ(share_of(over.by_agency, "social_care"), m("0.10"));
}

TEST(PerHour, AFixedPaymentByTheHour) {
    // £18 an hour for 12 hours over 30 days: 18 x 12 x 30 / 7 = 6,480 / 7 = 925.714 -> 925.71.
    // Health pays 12.50 x 12 x 30 / 7 = 4,500 / 7 = 642.857 -> 642.86 first (half up, as the
    // cost); social care the rest, 925.71 - 642.86 = 282.85.
    const Decision d = decide_hourly("support", "18.00", "12", "2025-06-01", "2025-06-30");
    EXPECT_EQ(share_of(d.by_agency, "health"), m("642.86"));
    EXPECT_EQ(share_of(d.by_agency, "social_care"), m("282.85"));
}

TEST(PerHour, AFixedPaymentAtTheLinesRateIsTheWholeCost) {
    // £12.50 an hour for 12 hours over 30 days: 4,500 / 7 = 642.857 -> 642.86, and health's
    // payment is the same amount: social care pays nothing (rounded down it would pay 0.01).
    const Decision d = decide_hourly("support", "12.50", "12", "2025-06-01", "2025-06-30");
    EXPECT_EQ(share_of(d.by_agency, "health"), m("642.86"));
    EXPECT_EQ(share_of(d.by_agency, "social_care"), m("0.00"));
}

TEST(PerHour, AFixedPaymentIsNeverMoreThanTheCost) {
    // £10 an hour for 4 hours over 7 days: 40.00, less than health's 12.50 x 4 = 50.00.
    const Decision d = decide_hourly("support", "10.00", "4", "2025-06-01", "2025-06-07");
    EXPECT_EQ(share_of(d.by_agency, "health"), m("40.00"));
    EXPECT_EQ(share_of(d.by_agency, "social_care"), m("0.00"));
}

TEST(PerHour, EachSegmentHasItsOwnLimit) {
    // 25 March to 7 April 2026 is cut at 1 April: 7 days in 2025-26 and 7 in 2026-27. Each
    // costs 30 x 10 = 300.00 and each limit is 25 x 10 = 250.00.
    const Decision d = decide_hourly("slt", "30.00", "10", "2026-03-25", "2026-04-07");
    ASSERT_EQ(d.allocations.size(), 2U);
    for (const auto& a : d.allocations) EXPECT_EQ(share_of(a.shares, "health"), m("250.00")) << a.from.to_string();
    EXPECT_EQ(share_of(d.by_financial_year.at("2025-26"), "health"), m("250.00"));
    EXPECT_EQ(share_of(d.by_financial_year.at("2026-27"), "social_care"), m("50.00"));
}

TEST(PerHour, AnAmountWorkedOutForTheRequest) {
    // £40 an hour for 5 hours over 7 days: 200.00, 100.00 each. With the default £20 an hour
    // health's limit is 20 x 5 = 100.00: within it. At £15 an hour the limit is 75.00 and
    // the 25.00 over it goes to the panel.
    const Decision within = decide_hourly("nursing", "40.00", "5", "2025-06-01", "2025-06-07");
    EXPECT_EQ(share_of(within.by_agency, "health"), m("100.00"));
    EXPECT_EQ(within.outcome, engine::Outcome::Approve);

    Request r;
    r.facts["hourly_limit"] = m("15.00");
    r.lines = {hourly("l", "nursing", "40.00", "5", "2025-06-01", "2025-06-07")};
    const Decision over = decide(program(), r);
    EXPECT_EQ(share_of(over.by_agency, "health"), m("75.00"));
    ASSERT_EQ(over.issues.size(), 1U);
    EXPECT_EQ(over.issues[0].kind, engine::IssueKind::CapExcess);
    EXPECT_EQ(over.issues[0].cost, m("25.00"));
    EXPECT_EQ(over.outcome, engine::Outcome::Refer);
}

// A policy that does not say how its services are bought: the checker warns (W2012), and a
// line with no hours under the rule stops the evaluation at that line.
constexpr const char* kUndeclared = R"(
policy undeclared "Undeclared"
  version "1"
  effective from 2024-04-01

agency health "NHS"
agency social_care "Social Care"

rule care
  split health 100%
  cap health at £25 per hour, excess to social_care
)";

TEST(PerHour, ALineWithoutHoursIsE3009AtThatLine) {
    const engine::CheckResult checked = engine::compile(kUndeclared, "undeclared.jf");
    ASSERT_TRUE(checked.program);
    ASSERT_EQ(checked.diagnostics.size(), 1U);
    EXPECT_EQ(checked.diagnostics[0].code, dsl::Code::hourly_amount_any_line);

    Request r;
    r.lines = {hourly("h", "care", "30.00", "10", "2025-06-01", "2025-06-14"),
               weekly("w", "care", "300.00", "2025-06-01", "2025-06-14")};
    const engine::EvalResult result = engine::evaluate(*checked.program, r);
    ASSERT_FALSE(result.decision);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(result.errors[0].code, engine::codes::kNotHourly);
    EXPECT_EQ(result.errors[0].path, "/lines/1");
    EXPECT_NE(result.errors[0].message.find("line `w` is weekly"), std::string::npos) << result.errors[0].message;
    ASSERT_TRUE(result.errors[0].policy_span);
    EXPECT_EQ(result.errors[0].policy_span->line, 11);  // the cap

    r.lines = {one_off("o", "care", "30.00", "2025-06-01")};
    const engine::EvalResult one = engine::evaluate(*checked.program, r);
    ASSERT_EQ(one.errors.size(), 1U);
    EXPECT_EQ(one.errors[0].code, engine::codes::kNotHourly);
    EXPECT_NE(one.errors[0].message.find("one-off"), std::string::npos) << one.errors[0].message;
}

TEST(PerHour, TheCheckerKnowsWhichServicesAreHourly) {
    const std::string head = R"(
policy p "P"
  version "1"
  effective from 2025-04-01
agency health "NHS"
service slt "speech and language therapy" hourly
service respite "respite care" weekly
service equipment "equipment" one_off
service other "other"
)";
    const auto codes_of = [&](const std::string& rule) {
        std::vector<dsl::Code> out;
        for (const dsl::Diagnostic& diag : engine::compile(head + rule, "p.jf").diagnostics) out.push_back(diag.code);
        return out;
    };
    const std::string cap = "  split health 100%\n  cap health at £5 per hour, excess to panel\n";
    EXPECT_EQ(codes_of("rule r\n  when service is slt\n" + cap), std::vector<dsl::Code>{});
    EXPECT_EQ(codes_of("rule r\n  when service in [slt, respite]\n" + cap),
              std::vector<dsl::Code>{dsl::Code::hourly_amount_not_hourly});
    EXPECT_EQ(codes_of("rule r\n  when service is equipment\n  pay health £5 per hour\n  split health 100%\n"),
              std::vector<dsl::Code>{dsl::Code::hourly_amount_not_hourly});
    EXPECT_EQ(codes_of("rule r\n  when service is other\n" + cap), std::vector<dsl::Code>{dsl::Code::hourly_amount_any_line});
    // A rule that does not name its services outright may or may not reach a weekly one: a
    // warning, not an error (it may be meant: `service is not respite`, or an exception that
    // takes the weekly services).
    EXPECT_EQ(codes_of("rule r\n" + cap), std::vector<dsl::Code>{dsl::Code::hourly_amount_any_line});
    EXPECT_EQ(codes_of("rule r\n  when service is not respite\n" + cap),
              std::vector<dsl::Code>{dsl::Code::hourly_amount_any_line});
    EXPECT_EQ(codes_of("rule r\n  when service is slt or service is other\n" + cap),
              std::vector<dsl::Code>{dsl::Code::hourly_amount_any_line});
    // The warning's help names the rule's own service when the policy declares none.
    const engine::CheckResult bare = engine::compile(R"(
policy p "P"
  version "1"
  effective from 2025-04-01
agency health "NHS"
rule r
  when service is nursing
  split health 100%
  cap health at £5 per hour, excess to panel
)", "bare.jf");
    ASSERT_EQ(bare.diagnostics.size(), 1U);
    EXPECT_NE(bare.diagnostics[0].help.find("`service nursing \"...\" hourly`"), std::string::npos)
        << bare.diagnostics[0].help;
}

}  // namespace
}  // namespace jointly::testing
