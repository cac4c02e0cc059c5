// Bounded work per request: the segment limit (E3007) and long chains of window rules, whose
// winners are found without comparing every pair of applying rules.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine_fixture.hpp"
#include "jointly/engine/codes.hpp"

namespace jointly::testing {
namespace {

constexpr const char* kPolicy = R"(policy demo "Demo"
  version "1"
  effective from 2025-04-01

agency health "NHS"

rule everything
  split health 100%
)";

struct SegmentCase {
    const char* name;
    std::vector<engine::Line> lines;
    std::size_t max_segments;
    bool fails;
    const char* path;  // when it fails
};

void PrintTo(const SegmentCase& c, std::ostream* os) { *os << c.name; }

class SegmentLimit : public ::testing::TestWithParam<SegmentCase> {};

// 2025-06-01..2026-05-31 is cut at 1 April 2026: two segments. A one-off line is one.
TEST_P(SegmentLimit, CountsEverySegmentOfTheRequest) {
    const SegmentCase& c = GetParam();
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    engine::Request request;
    request.lines = c.lines;
    engine::EvalLimits limits;
    limits.max_segments = c.max_segments;
    const engine::EvalResult r = engine::evaluate(*program, request, limits);
    if (!c.fails) {
        ASSERT_TRUE(r.decision) << r.errors.front().message;
        return;
    }
    ASSERT_FALSE(r.decision);
    ASSERT_EQ(r.errors.size(), 1U);
    EXPECT_EQ(r.errors[0].code, engine::codes::kTooManySegments);
    EXPECT_EQ(code_text(r.errors[0].code), "E3007");
    EXPECT_EQ(r.errors[0].path, c.path);
    EXPECT_EQ(r.errors[0].message,
              "the request needs more than " + std::to_string(c.max_segments) +
                  " segments (a segment is a stretch of a line between 1 April, a birthday that matters or a "
                  "window edge); shorten the lines or send fewer");
}

INSTANTIATE_TEST_SUITE_P(
    Limits, SegmentLimit,
    ::testing::Values(
        SegmentCase{.name = "at_the_limit",
                    .lines = {weekly("pc", "personal_care", "700.00", "2025-06-01", "2026-05-31"),
                              one_off("eq", "equipment", "200.00", "2025-06-01")},
                    .max_segments = 3,
                    .fails = false,
                    .path = ""},
        SegmentCase{.name = "one_off_line_past_it",
                    .lines = {weekly("pc", "personal_care", "700.00", "2025-06-01", "2026-05-31"),
                              one_off("eq", "equipment", "200.00", "2025-06-01")},
                    .max_segments = 2,
                    .fails = true,
                    .path = "/lines/1"},
        SegmentCase{.name = "periodic_line_past_it",
                    .lines = {one_off("eq", "equipment", "200.00", "2025-06-01"),
                              weekly("pc", "personal_care", "700.00", "2025-06-01", "2026-05-31")},
                    .max_segments = 2,
                    .fails = true,
                    .path = "/lines/1"},
        // 8,000 years would be 8,000 segments: refused after the first line's cuts, before any
        // segment is matched.
        SegmentCase{.name = "eight_thousand_years",
                    .lines = {weekly("pc", "personal_care", "700.00", "2000-01-01", "9999-12-31")},
                    .max_segments = 1000,
                    .fails = true,
                    .path = "/lines/0"},
        SegmentCase{.name = "default_limit_is_100000",
                    .lines = {weekly("pc", "personal_care", "700.00", "2000-01-01", "9999-12-31")},
                    .max_segments = engine::EvalLimits{}.max_segments,
                    .fails = false,
                    .path = ""}),
    [](const ::testing::TestParamInfo<SegmentCase>& p) { return std::string(p.param.name); });

TEST(SegmentLimit, DefaultIsOneHundredThousand) { EXPECT_EQ(engine::EvalLimits{}.max_segments, 100000U); }

// `chain` rules w_1..w_n on personal care, w_i within i days after surgery and an exception to
// w_(i-1) (w_1 to `base`); `crossing`, when set, a second chain x_1..x_n on the same service with
// no exception relation to the first.
std::string chain_policy(int n, bool crossing) {
    std::string s = R"(policy chain "Chain"
  version "1"
  effective from 2025-04-01

agency health "NHS"
agency social_care "Social care"
event surgery

rule base
  when service is personal_care
  split social_care 100%

)";
    for (const char* prefix : {"w_", "x_"}) {
        if (std::string(prefix) == "x_" && !crossing) break;
        for (int i = 1; i <= n; ++i) {
            s += "rule " + std::string(prefix) + std::to_string(i) + "\n  exception to " +
                 (i == 1 ? std::string("base") : prefix + std::to_string(i - 1)) +
                 "\n  when service is personal_care\n  within " + std::to_string(i) +
                 " days after surgery\n  split health 50%, social_care 50%\n\n";
        }
    }
    return s;
}

engine::Request chain_request(bool explain) {
    engine::Request r;
    r.events["surgery"] = {d("2025-06-10")};
    r.lines = {weekly("pc", "personal_care", "700.00", "2025-06-01", "2025-08-31")};
    r.explain_full = explain;
    return r;
}

// £700 a week is £100 a day. 1-9 June (9 days) before surgery: base, social care £900. From
// 10 June, 40 one-day segments (cut at every window's end), in each of which w_k..w_40 apply
// and w_40, the exception to all of them, wins: £50 each to health and social care. From
// 20 July to 31 August (43 days): base, £4,300. Health £2,000.00, social care £7,200.00.
TEST(WindowChain, TheLastExceptionWinsEverySegment) {
    const auto program = compile_ok(chain_policy(40, false));
    ASSERT_TRUE(program);
    const engine::Decision decision = decide(*program, chain_request(false));
    EXPECT_EQ(decision.total, m("9200.00"));
    EXPECT_EQ(share_of(decision.by_agency, "health"), m("2000.00"));
    EXPECT_EQ(share_of(decision.by_agency, "social_care"), m("7200.00"));
    EXPECT_TRUE(decision.issues.empty());
    ASSERT_EQ(decision.allocations.size(), 42U);
    EXPECT_EQ(decision.allocations.front().rule, "base");
    EXPECT_EQ(decision.allocations.front().to, d("2025-06-09"));
    for (std::size_t k = 1; k <= 40; ++k) {
        EXPECT_EQ(decision.allocations[k].rule, "w_40") << k;
        EXPECT_EQ(decision.allocations[k].days, 1) << k;
        EXPECT_EQ(decision.allocations[k].cost, m("100.00")) << k;
    }
    EXPECT_EQ(decision.allocations.back().rule, "base");
    EXPECT_EQ(decision.allocations.back().from, d("2025-07-20"));
    EXPECT_EQ(decision.allocations.back().cost, m("4300.00"));
}

// The trace says which exception set each rule aside: with 40 rules applying on 10 June, every
// one of w_1..w_39 (and base) is set aside by w_40.
TEST(WindowChain, TraceNamesTheExceptionThatWins) {
    const auto program = compile_ok(chain_policy(40, false));
    ASSERT_TRUE(program);
    const engine::Decision decision = decide(*program, chain_request(true));
    int set_aside = 0;
    for (const engine::TraceStep& step : decision.trace) {
        if (step.subject != "line pc 2025-06-10..2025-06-10") continue;
        if (step.rule == "w_40") {
            EXPECT_TRUE(step.applied);
            continue;
        }
        EXPECT_FALSE(step.applied) << step.rule;
        ASSERT_FALSE(step.detail.empty()) << step.rule;
        EXPECT_EQ(step.detail.back(), "set aside: `w_40` is an exception to it") << step.rule;
        ++set_aside;
    }
    EXPECT_EQ(set_aside, 40);
}

// Two chains with no exception between them: on each of the 40 days both last links apply, a
// conflict naming exactly w_40 and x_40, referred to the panel; the rest is base's.
TEST(WindowChain, TwoUnrelatedChainsConflictByTheirLastLinks) {
    const auto program = compile_ok(chain_policy(40, true));
    ASSERT_TRUE(program);
    const engine::Decision decision = decide(*program, chain_request(false));
    ASSERT_EQ(decision.issues.size(), 40U);
    for (const engine::Issue& issue : decision.issues) {
        EXPECT_EQ(issue.kind, engine::IssueKind::Conflict);
        EXPECT_EQ(issue.rules, (std::vector<std::string>{"w_40", "x_40"}));
        EXPECT_EQ(issue.cost, m("100.00"));
    }
    EXPECT_EQ(decision.outcome, engine::Outcome::Refer);
    EXPECT_EQ(share_of(decision.by_agency, "social_care"), m("5200.00"));
    EXPECT_EQ(share_of(decision.by_agency, "health"), m("0.00"));
}

}  // namespace
}  // namespace jointly::testing
