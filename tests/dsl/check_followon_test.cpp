// One slip, one message: an error that reports a name as unknown or invalid is not followed
// by warnings about the same slip (an agency that "pays for nothing" because its one use is
// misspelt, a contributor "not a party to the agreement" that does not exist, a fact "never
// used" whose declaration is refused). Names no error is about, and every name in a policy
// without errors, still get them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jointly/dsl/check.hpp"
#include "jointly/dsl/parse.hpp"
#include "jointly/engine/program.hpp"

namespace jointly::dsl {
namespace {

const std::string kHead =
    "policy p \"P\"\n  version \"1\"\n  effective from 2025-04-01\n  agreed by social_care\n"
    "agency health \"NHS\"\nagency social_care \"Social care\"\n";
const std::string kPool =
    "  overspend shared in proportion to contributions\n  underspend returned in proportion to contributions\n";

// The codes of what checking `body` (after kHead) reports, in order.
std::vector<std::string> codes(const std::string& body) {
    const ParseResult parsed = parse(kHead + body, "t.jf");
    if (!parsed.module) return {"parse: " + parsed.diagnostics.at(0).message};
    std::vector<std::string> out;
    for (const Diagnostic& d : engine::check(*parsed.module, {}, {}).diagnostics) {
        out.emplace_back(code_text(d.code));
    }
    return out;
}

struct FollowOnCase {
    const char* name;
    std::string body;
    std::vector<std::string> codes;
};

void PrintTo(const FollowOnCase& c, std::ostream* os) { *os << c.name; }

class CheckFollowOn : public ::testing::TestWithParam<FollowOnCase> {};

TEST_P(CheckFollowOn, ReportsTheSlipOnce) { EXPECT_EQ(codes(GetParam().body), GetParam().codes); }

INSTANTIATE_TEST_SUITE_P(
    Check, CheckFollowOn,
    ::testing::Values(
        // `helth` is unknown: not also "not a party to the agreement", and `health`, which
        // it meant, does not "pay for nothing".
        FollowOnCase{"misspelt_contributor",
                     "rule r\n  split social_care 100%\npool q \"Q\"\n  host social_care\n"
                     "  contribution social_care \xC2\xA3" "10,000\n  contribution helth \xC2\xA3" "5,000\n" + kPool,
                     {"E2003"}},
        FollowOnCase{"declared_contributor_outside_the_agreement",
                     "rule r\n  split social_care 100%\npool q \"Q\"\n  host social_care\n"
                     "  contribution social_care \xC2\xA3" "10,000\n  contribution health \xC2\xA3" "5,000\n" + kPool,
                     {"W2007"}},
        FollowOnCase{"misspelt_share", "rule r\n  when service is x\n  split heath 50%, social_care 50%\n",
                     {"E2003"}},
        // `police` is not a misspelling of `health`, which does pay for nothing.
        FollowOnCase{"unknown_agency_like_no_other", "rule r\n  split police 50%, social_care 50%\n",
                     {"W2003", "E2003"}},
        FollowOnCase{"fact_named_by_an_error",
                     "fact urgent: bool\nrule r\n  split urgent 50%, health 25%, social_care 25%\n", {"E2019"}},
        FollowOnCase{"unused_agency_without_errors", "rule r\n  when service is x\n  split social_care 100%\n",
                     {"W2003"}},
        FollowOnCase{"builtin_name_declared_as_a_fact", "fact age: whole\nrule r\n  split health 50%, social_care 50%\n",
                     {"E2013"}},
        FollowOnCase{"misspelt_fact_in_a_condition",
                     "fact points: whole\nrule r\n  when pointz > 5\n  split health 50%, social_care 50%\n",
                     {"E2005"}},
        FollowOnCase{"misspelt_fact_in_a_reason",
                     "fact school: text\nrule r\n  split health 50%, social_care 50%\n  because \"at {shcool}\"\n",
                     {"E2280"}},
        FollowOnCase{"unused_fact_without_errors", "fact points: whole\nrule r\n  split health 50%, social_care 50%\n",
                     {"W2004"}}),
    [](const ::testing::TestParamInfo<FollowOnCase>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace jointly::dsl
