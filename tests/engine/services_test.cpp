// Declared services: display names in explanations, service groups in conditions and
// `funders(...)`, undeclared services and line kinds refused (E4216, E4217), and a weekly
// cap on a one-off line counted as one day.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine_fixture.hpp"

namespace jointly::testing {
namespace {

using engine::Decision;
using engine::Request;

constexpr const char* kPolicy = R"(
policy services "Services"
  version "2025.1"
  effective from 2025-04-01
  panel "Joint Funding Panel"

agency health "NHS Integrated Care Board"
agency social_care "Children's Social Care"

service slt "speech and language therapy" hourly
service residential_placement "residential placement" weekly
service foster_placement "foster placement" weekly
service equipment "specialist equipment" one_off
service group placements: residential_placement, foster_placement

rule therapy
  when service is slt
  split health 100%
  because "{service} is a health service"

rule placements
  when service is placements
  split health 50%, social_care 50%

rule equipment
  when service in [equipment]
  split social_care 100%

refer to "Complex Needs Funding Panel" when funders(placements) > 1
  because "jointly funded placements go to the panel"
)";

std::shared_ptr<const engine::Program> program() {
    static const auto p = compile_ok(kPolicy);
    return p;
}

Request request(std::vector<engine::Line> lines) {
    Request r;
    r.as_of = d("2025-05-01");
    r.lines = std::move(lines);
    return r;
}

// 3 hours a week at £65.62 an hour from 1 June to 10 August 2025 (71 days):
// 196.86 x 71 / 7 = 1,996.7228... = £1,996.72.
TEST(Services, DisplayNameInEveryExplanation) {
    const Decision dec = decide(*program(), request({hourly("t", "slt", "65.62", "3", "2025-06-01", "2025-08-10")}));
    ASSERT_FALSE(dec.explanation.empty());
    EXPECT_EQ(dec.explanation[0],
              "From 1 June 2025 to 10 August 2025, speech and language therapy costs £1,996.72: NHS Integrated "
              "Care Board pays £1,996.72, because speech and language therapy is a health service.");
}

// A group in `service is`, and `funders(group)` over its members: residential placement,
// 1-30 June at £700 a week = £3,000.00, halved £1,500.00 each, two funders: referred.
TEST(Services, GroupInConditionAndFunders) {
    const Decision dec =
        decide(*program(), request({weekly("r", "residential_placement", "700.00", "2025-06-01", "2025-06-30")}));
    ASSERT_EQ(dec.allocations.size(), 1U);
    EXPECT_EQ(dec.allocations[0].rule, "placements");
    EXPECT_EQ(dec.total, m("3000.00"));
    EXPECT_EQ(dec.outcome, engine::Outcome::Refer);
    EXPECT_EQ(dec.referred_to, "Complex Needs Funding Panel");
}

TEST(Services, UndeclaredServiceIsARequestError) {
    const engine::EvalResult r =
        engine::evaluate(*program(), request({weekly("f", "foster_placment", "700.00", "2025-06-01", "2025-06-30")}));
    ASSERT_EQ(r.errors.size(), 1U);
    EXPECT_EQ(r.errors[0].code, dsl::Code::undeclared_service);
    EXPECT_EQ(r.errors[0].path, "/lines/0/service");
    EXPECT_EQ(r.errors[0].message, "unknown service `foster_placment`: did you mean `foster_placement`?");
}

TEST(Services, LineOfAnotherKindIsARequestError) {
    const engine::EvalResult r =
        engine::evaluate(*program(), request({one_off("e", "equipment", "100.00", "2025-06-01"),
                                              one_off("f", "foster_placement", "700.00", "2025-06-01")}));
    ASSERT_EQ(r.errors.size(), 1U);
    EXPECT_EQ(r.errors[0].code, dsl::Code::service_line_kind);
    EXPECT_EQ(r.errors[0].path, "/lines/1/amount");
}

// A £1,500-a-week cap on a one-off line of £1,000: one day, 1,500 x 1 / 7 = 214.2857 = £214.28
// (rounded down); the other £785.72 goes to social care. The policy declares no services,
// so no W2009.
TEST(Services, WeeklyCapOnOneOffLineIsOneDay) {
    const auto p = compile_ok(R"(
policy oneoff "One-off"
  version "1"
  effective from 2025-04-01
agency health "NHS Integrated Care Board"
agency social_care "Children's Social Care"
rule equipment
  split health 100%
  cap health at £1,500 per week, excess to social_care
)");
    ASSERT_TRUE(p);
    Request r = request({one_off("e", "equipment", "1000.00", "2025-06-01")});
    const Decision dec = decide(*p, r);
    EXPECT_EQ(share_of(dec.by_agency, "health"), m("214.28"));
    EXPECT_EQ(share_of(dec.by_agency, "social_care"), m("785.72"));
}

struct CheckCase {
    const char* name;
    const char* text;
    dsl::Code code;
};

class ServicesCheck : public ::testing::TestWithParam<CheckCase> {};

TEST_P(ServicesCheck, Reports) {
    const std::string source = std::string(R"(
policy p "P"
  version "1"
  effective from 2025-04-01
agency health "NHS Integrated Care Board"
service respite "respite care" weekly
service equipment "equipment"
)") + GetParam().text;
    const engine::CheckResult r = engine::compile(source, "test.jf");
    bool found = false;
    for (const dsl::Diagnostic& diag : r.diagnostics) found = found || diag.code == GetParam().code;
    EXPECT_TRUE(found) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    All, ServicesCheck,
    ::testing::Values(
        CheckCase{.name = "unknown_in_is", .text = "rule r\n  when service is respit\n  split health 100%\n",
                  .code = dsl::Code::unknown_service},
        CheckCase{.name = "unknown_in_list", .text = "rule r\n  when service in [respite, nursing]\n  split health 100%\n",
                  .code = dsl::Code::unknown_service},
        CheckCase{.name = "unknown_in_funders", .text = "rule r\n  split health 100%\nrefer to \"X\" when funders(nursing) > 1\n",
                  .code = dsl::Code::unknown_service},
        CheckCase{.name = "unknown_group_member", .text = "service group g: respite, nursing\nrule r\n  split health 100%\n",
                  .code = dsl::Code::unknown_service},
        CheckCase{.name = "twice", .text = "service group respite: equipment\nrule r\n  split health 100%\n",
                  .code = dsl::Code::duplicate_service},
        CheckCase{.name = "weekly_cap_on_one_off",
                  .text = "rule r\n  when service is equipment\n  split health 100%\n  cap health at £5 per week, excess to panel\n",
                  .code = dsl::Code::weekly_amount_on_one_off},
        CheckCase{.name = "weekly_pay_any_service",
                  .text = "rule r\n  pay health £5 per week\n  split health 100%\n",
                  .code = dsl::Code::weekly_amount_on_one_off}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace jointly::testing
