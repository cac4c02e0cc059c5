// The shared acceptance cases (shared/acceptance/cases) through the engine: the reference
// policy compiled from policies/reference/reference.jf, every figure compared to the penny.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "case_support.hpp"
#include "jointly/engine/evaluate.hpp"
#include "jointly/engine/pool.hpp"

namespace jointly::testing {
namespace {

namespace fs = std::filesystem;

fs::path cases_dir() { return fs::path(JOINTLY_ACCEPTANCE_DIR) / "cases"; }

std::vector<std::string> case_names() {
    std::vector<std::string> names;
    if (fs::exists(cases_dir())) {
        for (const auto& entry : fs::directory_iterator(cases_dir())) {
            if (entry.path().extension() == ".json") names.push_back(entry.path().filename().string());
        }
    }
    std::sort(names.begin(), names.end());
    if (names.empty()) names.emplace_back();  // one test that reports the folder is missing
    return names;
}

const engine::Program& reference() {
    static const std::shared_ptr<const engine::Program> program = [] {
        std::string problems;
        auto p = compile_file(fs::path(JOINTLY_SOURCE_DIR) / "policies/reference/reference.jf", problems);
        EXPECT_TRUE(p) << problems;
        return p;
    }();
    if (!program) throw std::runtime_error("the reference policy does not compile");
    return *program;
}

class Acceptance : public ::testing::TestWithParam<std::string> {};

TEST_P(Acceptance, ReproducesEveryFigure) {
    if (GetParam().empty()) {
        // On CI (the environment variable CI set) the shared cases must be there: a missing
        // folder would otherwise turn the whole suite into one quiet skip.
        const char* ci = std::getenv("CI");
        if (ci != nullptr && *ci != '\0') FAIL() << "no acceptance cases at " << cases_dir() << " and CI is set";
        GTEST_SKIP() << "no acceptance cases at " << cases_dir() << " (set CI to make this a failure)";
    }
    const nlohmann::json c = read_json(cases_dir() / GetParam());
    std::vector<std::string> problems;
    if (GetParam().rfind("pool-", 0) == 0) {
        engine::AgencyAmounts contributions;
        engine::PoolRequest request = decode_pool_request(c, problems);
        contributions.swap(request.actual_contributions);
        ASSERT_TRUE(problems.empty()) << problems.front();
        const engine::PoolResult r = engine::reconcile_proportional(contributions, request);
        ASSERT_TRUE(r.reconciliation) << r.errors.front().code << " " << r.errors.front().message;
        for (const std::string& d : compare_reconciliation(*r.reconciliation, c.at("expected"))) ADD_FAILURE() << d;
        return;
    }
    const engine::Program& program = reference();
    const engine::Request request = decode_request(c.at("request"), program.schema(), problems);
    ASSERT_TRUE(problems.empty()) << problems.front();
    const engine::EvalResult r = engine::evaluate(program, request);
    ASSERT_TRUE(r.decision) << r.errors.front().code << " " << r.errors.front().path << " " << r.errors.front().message;
    for (const std::string& d : compare_decision(*r.decision, c.at("expected"))) ADD_FAILURE() << d;
}

INSTANTIATE_TEST_SUITE_P(SharedCases, Acceptance, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             std::string n = param.param.empty() ? "missing" : param.param;
                             n = n.substr(0, n.find(".json"));
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

}  // namespace
}  // namespace jointly::testing
