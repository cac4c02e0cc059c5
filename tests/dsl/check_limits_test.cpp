// The checker's limits (dsl::Limits): diagnostics capped per code and in all with an
// "and N more" summary, the overlap analysis's step budget (W2008), the time limit (E2290),
// and the hostile policies of issue 9 (bench/hostile_policy.py) checked quickly and with a
// bounded answer.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "hostile_policy.hpp"
#include "jointly/dsl/check.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/dsl/parse.hpp"

namespace jointly::dsl {
namespace {

// What the semantic pass finds in a module (the program it builds is not needed here).
Diagnostics check(const Module& module, const Limits& limits = {}) {
    return engine::check(module, {}, limits).diagnostics;
}

using testing::overlapping_rules;
using testing::window_rules;

Diagnostics check_text(const std::string& text, const Limits& limits = {}) {
    ParseResult parsed = parse(text, "hostile.jf");
    if (!parsed.module) return parsed.diagnostics;
    return check(*parsed.module, limits);
}

std::size_t count(const Diagnostics& ds, const std::string& code) {
    return static_cast<std::size_t>(
        std::count_if(ds.begin(), ds.end(), [&](const Diagnostic& d) { return code_text(d.code) == code; }));
}

const Diagnostic* find_message(const Diagnostics& ds, const std::string& code, const std::string& start) {
    for (const Diagnostic& d : ds) {
        if (code_text(d.code) == code && d.message.rfind(start, 0) == 0) return &d;
    }
    return nullptr;
}

TEST(CheckLimits, OverlapsAreCappedPerCodeWithACount) {
    // 30 rules on one service: 435 overlapping pairs, 20 listed and one summary.
    const Diagnostics ds = check_text(overlapping_rules(30));
    EXPECT_EQ(count(ds, "W2002"), 21U);
    const Diagnostic* more = find_message(ds, "W2002", "and ");
    ASSERT_NE(more, nullptr);
    EXPECT_EQ(more->message,
              "and 415 more `W2002` warnings (two rules that can apply to the same line) not listed");
    EXPECT_EQ(more->severity, Severity::Warning);
    EXPECT_EQ(&ds.back(), more);  // summaries come last
    EXPECT_EQ(count(ds, "W2008"), 0U);
}

TEST(CheckLimits, UnboundedListsEveryPair) {
    const Diagnostics ds = check_text(overlapping_rules(30), Limits::unbounded());
    EXPECT_EQ(count(ds, "W2002"), 435U);
    EXPECT_EQ(find_message(ds, "W2002", "and "), nullptr);
}

TEST(CheckLimits, ErrorsAreCappedTooAndStayErrors) {
    std::string text = overlapping_rules(0);
    for (int i = 0; i < 25; ++i) {
        text += "rule u_" + std::to_string(i) + "\n  when service is s_" + std::to_string(i) +
                "\n  split nobody_" + std::to_string(i) + " 100%\n\n";
    }
    const Diagnostics ds = check_text(text);
    EXPECT_EQ(count(ds, "E2003"), 21U);
    const Diagnostic* more = find_message(ds, "E2003", "and ");
    ASSERT_NE(more, nullptr);
    EXPECT_EQ(more->message, "and 5 more `E2003` errors (unknown agency) not listed");
    EXPECT_EQ(more->severity, Severity::Error);
    EXPECT_TRUE(has_errors(ds));
}

TEST(CheckLimits, TotalCapCountsEveryCode) {
    Limits limits;
    limits.per_code = 0;
    limits.total = 7;
    const Diagnostics ds = check_text(overlapping_rules(10), limits);  // 45 pairs
    EXPECT_EQ(count(ds, "W2002"), 8U);
    const Diagnostic* more = find_message(ds, "W2002", "and 38 more");
    ASSERT_NE(more, nullptr);
    EXPECT_NE(more->help.find("at most 7 diagnostics are listed in all"), std::string::npos) << more->help;
}

TEST(CheckLimits, ASpentBudgetStopsTheOverlapAnalysisWithOneWarning) {
    Limits limits = Limits::unbounded();
    limits.overlap_steps = 100;
    const Diagnostics first = check_text(overlapping_rules(40), limits);
    ASSERT_EQ(count(first, "W2008"), 1U);
    const Diagnostic* cut = find_message(first, "W2008", "the check for overlapping rules (W2002) stopped at rule `r_");
    ASSERT_NE(cut, nullptr) << first.front().message;
    EXPECT_NE(cut->message.find("after 100 steps"), std::string::npos) << cut->message;
    EXPECT_LT(count(first, "W2002"), 100U);
    EXPECT_GT(count(first, "W2002"), 0U);
    // Deterministic: a step count, not a clock.
    const Diagnostics second = check_text(overlapping_rules(40), limits);
    ASSERT_EQ(first.size(), second.size());
    for (std::size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i].message, second[i].message);
}

TEST(CheckLimits, ExceptionChainsAreFollowedWithinTheBudget) {
    // Each rule an exception to the one before: no pair overlaps, whatever the depth.
    const Diagnostics ds = check_text(window_rules(200, true), Limits::unbounded());
    EXPECT_EQ(count(ds, "W2002"), 0U);
    EXPECT_EQ(count(ds, "W2008"), 0U);
    // Without the chain, every pair of rules may share a day (event windows), except the 100
    // pairs of `from e_k until e_k+1` and `within ... after e_k+1`, which meet at e_k+1.
    const Diagnostics open = check_text(window_rules(200, false), Limits::unbounded());
    EXPECT_EQ(count(open, "W2002"), 200U * 199U / 2U - 100U);
}

TEST(CheckLimits, APassedTimeLimitStopsWithAnError) {
    Limits limits;
    limits.time_limit = std::chrono::milliseconds(1500);
    limits.since = std::chrono::steady_clock::now() - std::chrono::seconds(2);  // already passed
    const Diagnostics ds = check_text(overlapping_rules(3), limits);
    ASSERT_EQ(count(ds, "E2290"), 1U);
    const Diagnostic* stop = find_message(ds, "E2290", "");
    EXPECT_EQ(stop->message, "the policy took longer than 1500 ms to check; checking stopped");
    EXPECT_TRUE(has_errors(ds));
}

TEST(CheckLimits, ATimeLimitNotReachedChangesNothing) {
    Limits limits;
    limits.time_limit = std::chrono::seconds(60);
    const Diagnostics timed = check_text(overlapping_rules(30), limits);
    const Diagnostics untimed = check_text(overlapping_rules(30));
    EXPECT_EQ(timed.size(), untimed.size());
    EXPECT_EQ(count(timed, "E2290"), 0U);
}

// The hostile policies of issue 9. Timings are generous bounds (sanitizer builds are slow);
// the point is that the answer is bounded and nothing throws.
struct Hostile {
    const char* name;
    std::string text;
    std::size_t most_w2002;  // listed, counting the summary
    bool cut_short;          // W2008 expected
};

void PrintTo(const Hostile& h, std::ostream* os) { *os << h.name; }

class HostilePolicy : public ::testing::TestWithParam<Hostile> {};

TEST_P(HostilePolicy, ChecksQuicklyWithABoundedAnswer) {
    const Hostile& h = GetParam();
    const auto start = std::chrono::steady_clock::now();
    Diagnostics ds;
    EXPECT_NO_THROW(ds = check_text(h.text));
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_LT(took, std::chrono::seconds(20));
    EXPECT_LE(count(ds, "W2002"), h.most_w2002);
    EXPECT_EQ(count(ds, "W2008"), h.cut_short ? 1U : 0U);
    EXPECT_LE(ds.size(), 300U);  // 200 in all, plus at most one summary per code
    EXPECT_FALSE(has_errors(ds));
}

INSTANTIATE_TEST_SUITE_P(
    Issue9, HostilePolicy,
    ::testing::Values(Hostile{"overlap_1000", overlapping_rules(1000), 21, false},
                      Hostile{"overlap_4000", overlapping_rules(4000), 21, true},
                      Hostile{"windows_2400", window_rules(2400, false), 21, true},
                      Hostile{"chain_2400", window_rules(2400, true), 0, true}),
    [](const ::testing::TestParamInfo<Hostile>& param) { return std::string(param.param.name); });

TEST(CheckLimits, ALongMisspeltNameCostsLittle) {
    // Two 20,000-letter names one letter apart: the suggestion is not worked out (it would
    // need a 20,000 x 20,000 table), and the check stays quick.
    const std::string a(20000, 'a');
    const std::string b = a.substr(1) + "b";
    const std::string text = "policy demo \"Demo\"\n  version \"1\"\n  effective from 2025-04-01\n\n"
                             "agency " + a + " \"A\"\n\nrule everything\n  split " + b + " 100%\n";
    const auto start = std::chrono::steady_clock::now();
    const Diagnostics ds = check_text(text);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    EXPECT_EQ(count(ds, "E2003"), 1U);
}

}  // namespace
}  // namespace jointly::dsl
