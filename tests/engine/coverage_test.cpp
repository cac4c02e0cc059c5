// The coverage recorder (engine::Coverage, docs/adr/0014-coverage.md): each kind of item
// covered and not, from what evaluation did; a decision is the same with a recorder or without.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine_fixture.hpp"
#include "jointly/engine/coverage.hpp"

namespace jointly::testing {
namespace {

using engine::Coverage;
using engine::CoverageItem;
using engine::Request;

constexpr const char* kPolicy = R"(
policy cov "Coverage"
  version "1"
  effective from 2025-04-01

agency health "NHS"
agency social_care "Social Care"

fact points: whole default 0
event surgery

table rate
  from 0 to 9 gives £70
  from 10 gives £140

let weekly_cap = lookup(rate, points)

eligible high_needs
  when points >= 10
  because "ten points or more"

rule care
  when service is personal_care
  split social_care 100%
  cap social_care at weekly_cap per week, excess to panel

rule post_op
  exception to care
  when service is personal_care
  within 2 weeks after surgery
  split health 50%, social_care 50%
  regardless of cost

rule transport
  when service is transport
  split social_care 100%
  regardless of cost

decline when total > £1,000
  because "over £1,000"
)";

Request base() {
    Request r;
    r.as_of = d("2025-06-01");
    return r;
}

// "subject: what" of the items `covered` (or not).
std::vector<std::string> items(const std::vector<CoverageItem>& all, bool covered) {
    std::vector<std::string> out;
    for (const auto& i : all) {
        if (i.covered == covered) out.push_back(i.subject + ": " + i.what);
    }
    return out;
}

TEST(Coverage, NothingEvaluatedCoversNothing) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    const auto all = engine::coverage_items(*program, Coverage{});
    EXPECT_TRUE(items(all, true).empty());
    // rules care, transport; exception post_op; window inside, outside, start, end; cap bound,
    // not bound; two table rows; eligibility met, not met; decline held, not held.
    EXPECT_EQ(all.size(), 15U);
    EXPECT_EQ(all[0].category, engine::CoverageCategory::Rule);
    EXPECT_EQ(all[0].subject, "rule `care`");
    EXPECT_EQ(all[0].span.line, 22U);  // `rule care`
}

// Personal care 70.00 a week from 2025-06-01 to 2025-06-30, surgery on 2025-06-08: the window
// is 2025-06-08 .. 2025-06-21. Segments: 06-01..06-07 (care, outside the window: 70.00 at a
// cap of 70.00 a week, not bound), 06-08..06-21 (post_op on the start and end edges),
// 06-22..06-30 (care, 90.00 under a cap of 90.00: not bound). Points 0: row 1, not eligible;
// total 300.00: the decline does not hold.
TEST(Coverage, ALineAcrossTheWindowCoversItsEdges) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request r = base();
    r.events["surgery"] = {d("2025-06-08")};
    r.lines = {weekly("pc", "personal_care", "70.00", "2025-06-01", "2025-06-30")};
    Coverage c;
    engine::EvalResult with;
    engine::evaluate_into(*program, r, with, {}, &c);
    ASSERT_TRUE(with.decision);
    EXPECT_EQ(*with.decision, decide(*program, r));  // the recorder changes nothing
    EXPECT_EQ(with.decision->total, m("300.00"));
    const auto all = engine::coverage_items(*program, c);
    EXPECT_EQ(items(all, false),
              (std::vector<std::string>{"rule `transport`: applied (won a segment)", "cap on `social_care` in `care`: bound",
                                        "row 2 of table `rate`: looked up", "eligible `high_needs`: met",
                                        "`decline`: held"}));
}

// A second evaluation adds to the first: 10 points (row 2, eligible), personal care at
// 210.00 a week for 7 days with no surgery (the window never applies: outside) is capped at
// 140.00 (bound), transport 1,000.00 one-off; total 1,140.00 > 1,000.00: declined.
TEST(Coverage, MarksAddUpOverEvaluations) {
    const auto program = compile_ok(kPolicy);
    ASSERT_TRUE(program);
    Request first = base();
    first.events["surgery"] = {d("2025-06-08")};
    first.lines = {weekly("pc", "personal_care", "70.00", "2025-06-01", "2025-06-30")};
    Request second = base();
    second.facts["points"] = engine::Value(std::int64_t{10});
    second.lines = {weekly("pc", "personal_care", "210.00", "2025-06-01", "2025-06-07"),
                    one_off("t", "transport", "1000.00", "2025-06-02")};
    Coverage c;
    engine::EvalResult result;
    engine::evaluate_into(*program, first, result, {}, &c);
    engine::evaluate_into(*program, second, result, {}, &c);
    ASSERT_TRUE(result.decision);
    EXPECT_EQ(result.decision->outcome, engine::Outcome::Decline);
    EXPECT_EQ(result.decision->total, m("1140.00"));
    const auto all = engine::coverage_items(*program, c);
    EXPECT_EQ(items(all, false), std::vector<std::string>{});
}

// Inside the window but not on an edge, and an exception that wins where its parent does not
// apply (another service) does not count as overriding it.
TEST(Coverage, InsideWithoutEdgesAndAnExceptionThatOverridesNothing) {
    constexpr const char* kOther = R"(
policy other "Other"
  version "1"
  effective from 2025-04-01

agency health "NHS"

event surgery

rule care
  when service is personal_care
  split health 100%
  regardless of cost

rule nursing
  exception to care
  when service is nursing
  within 4 weeks after surgery
  split health 100%
  regardless of cost
)";
    const auto program = compile_ok(kOther);
    ASSERT_TRUE(program);
    Request r = base();
    r.events["surgery"] = {d("2025-06-01")};
    r.lines = {weekly("n", "nursing", "70.00", "2025-06-05", "2025-06-10")};
    Coverage c;
    engine::EvalResult result;
    engine::evaluate_into(*program, r, result, {}, &c);
    ASSERT_TRUE(result.decision);
    const auto all = engine::coverage_items(*program, c);
    EXPECT_EQ(items(all, true), std::vector<std::string>{"window `within 4 weeks after surgery` of `nursing`: inside"});
}

}  // namespace
}  // namespace jointly::testing
