// Every worked case beside a policy (policies/*/cases/*.json) through the engine: the
// policy chosen by id and `as_of` among the folder's versions, pools reconciled by the
// policy's own rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "case_support.hpp"
#include "jointly/engine/evaluate.hpp"
#include "jointly/engine/pool.hpp"

namespace jointly::testing {
namespace {

namespace fs = std::filesystem;

fs::path policies_dir() { return fs::path(JOINTLY_SOURCE_DIR) / "policies"; }

std::vector<std::string> case_paths() {
    std::vector<std::string> out;
    for (const auto& folder : fs::directory_iterator(policies_dir())) {
        const fs::path cases = folder.path() / "cases";
        if (!fs::exists(cases)) continue;
        for (const auto& entry : fs::directory_iterator(cases)) {
            if (entry.path().extension() == ".json") {
                out.push_back(fs::relative(entry.path(), policies_dir()).string());
            }
        }
    }
    std::sort(out.begin(), out.end());
    if (out.empty()) out.emplace_back();
    return out;
}

// The folder's policies, compiled once.
const std::vector<std::shared_ptr<const engine::Program>>& programs_in(const fs::path& folder) {
    static std::map<std::string, std::vector<std::shared_ptr<const engine::Program>>> cache;
    auto& list = cache[folder.string()];
    if (list.empty()) {
        for (const auto& entry : fs::directory_iterator(folder)) {
            if (entry.path().extension() != ".jf") continue;
            std::string problems;
            auto p = compile_file(entry.path(), problems);
            EXPECT_TRUE(p) << entry.path() << "\n" << problems;
            if (p) list.push_back(p);
        }
    }
    return list;
}

// The refusal a case states, detail for detail (`path`, `code`); the status and the error's
// own code belong to the API and are checked by `jointly test` and the server's corpus test.
void expect_refusal(const nlohmann::json& error, const std::vector<engine::EvalError>& errors) {
    ASSERT_TRUE(error.is_object() && error.contains("details") && error["details"].is_array())
        << "expected.error must state its `details`: " << error.dump();
    nlohmann::json got = nlohmann::json::array();
    for (const auto& e : errors) got.push_back({{"path", e.path}, {"code", e.code}});
    nlohmann::json wanted = nlohmann::json::array();
    for (const auto& d : error["details"]) wanted.push_back({{"path", d.value("path", "")}, {"code", d.value("code", "")}});
    EXPECT_EQ(got, wanted);
}

class PolicyCases : public ::testing::TestWithParam<std::string> {};

TEST_P(PolicyCases, EngineReproducesTheCase) {
    if (GetParam().empty()) GTEST_SKIP() << "no policy cases under " << policies_dir();
    const fs::path path = policies_dir() / GetParam();
    const nlohmann::json c = read_json(path);
    const auto& programs = programs_in(path.parent_path().parent_path());
    ASSERT_FALSE(programs.empty());
    std::vector<std::string> problems;
    if (c.contains("pool")) {
        const std::string pool = c["pool"].get<std::string>();
        const auto it = std::find_if(programs.begin(), programs.end(), [&](const auto& p) {
            const auto& pools = p->pools();
            return std::find(pools.begin(), pools.end(), pool) != pools.end();
        });
        ASSERT_NE(it, programs.end()) << "no policy declares pool " << pool;
        const engine::PoolRequest request = decode_pool_request(c, problems);
        ASSERT_TRUE(problems.empty()) << problems.front();
        const engine::PoolResult r = engine::reconcile(**it, pool, request);
        if (c["expected"].contains("error")) {
            ASSERT_FALSE(r.reconciliation) << "expected an error, got a reconciliation";
            expect_refusal(c["expected"]["error"], r.errors);
            return;
        }
        ASSERT_TRUE(r.reconciliation) << r.errors.front().code << " " << r.errors.front().message;
        for (const std::string& d : compare_reconciliation(*r.reconciliation, c.at("expected"))) ADD_FAILURE() << d;
        return;
    }
    const nlohmann::json& body = c.at("request");
    const auto as_of = engine::parse_date(body.value("as_of", ""));
    const std::string id = body.value("policy", "");
    auto it = std::find_if(programs.begin(), programs.end(), [&](const auto& p) {
        return (id.empty() || p->id() == id) && (!as_of || p->in_effect(*as_of));
    });
    // Choosing a version is the registry's job, not the engine's: with a single version, a
    // case dated outside its range still tests the engine.
    if (it == programs.end() && programs.size() == 1) it = programs.begin();
    ASSERT_NE(it, programs.end()) << "no version of " << id << " in effect";
    const engine::Request request = decode_request(body, (*it)->schema(), problems);
    ASSERT_TRUE(problems.empty()) << problems.front();
    const engine::EvalResult r = engine::evaluate(**it, request);
    if (c["expected"].contains("error")) {
        ASSERT_FALSE(r.decision) << "expected an error, got a decision";
        expect_refusal(c["expected"]["error"], r.errors);
        return;
    }
    ASSERT_TRUE(r.decision) << r.errors.front().code << " " << r.errors.front().path << " " << r.errors.front().message;
    for (const std::string& d : compare_decision(*r.decision, c.at("expected"))) ADD_FAILURE() << d;
}

// One EvalResult reused for every case, forwards then backwards, plain and with
// explain=full, with a failing request among them: each time the same as a fresh evaluate(),
// field for field, so nothing of an earlier decision (more allocations, an issue, a
// referral, a trace) is left in a later one.
TEST(EvaluateInto, ReusedResultEqualsAFreshOne) {
    struct Case {
        std::shared_ptr<const engine::Program> program;
        engine::Request request;
    };
    std::vector<Case> cases;
    for (const std::string& rel : case_paths()) {
        if (rel.empty()) GTEST_SKIP() << "no policy cases under " << policies_dir();
        const fs::path path = policies_dir() / rel;
        const nlohmann::json c = read_json(path);
        if (c.contains("pool")) continue;
        const auto& programs = programs_in(path.parent_path().parent_path());
        const nlohmann::json& body = c.at("request");
        const auto as_of = engine::parse_date(body.value("as_of", ""));
        auto it = std::find_if(programs.begin(), programs.end(), [&](const auto& p) {
            return (body.value("policy", "").empty() || p->id() == body.value("policy", "")) &&
                   (!as_of || p->in_effect(*as_of));
        });
        if (it == programs.end()) it = programs.begin();
        std::vector<std::string> problems;
        cases.push_back(Case{*it, decode_request(body, (*it)->schema(), problems)});
        ASSERT_TRUE(problems.empty()) << rel << ": " << problems.front();
    }
    ASSERT_GT(cases.size(), 20U);
    // A request the engine refuses, in the middle: the result holds errors, then recovers.
    Case bad = cases.front();
    bad.request.facts["no_such_fact"] = engine::Value(true);
    cases.insert(cases.begin() + static_cast<std::ptrdiff_t>(cases.size() / 2), bad);

    engine::EvalResult reused;
    std::size_t differing_neighbours = 0;
    std::optional<engine::Decision> previous;
    for (int pass = 0; pass < 4; ++pass) {
        for (std::size_t k = 0; k < cases.size(); ++k) {
            Case& c = cases[pass % 2 == 0 ? k : cases.size() - 1 - k];
            c.request.explain_full = pass >= 2;
            const engine::EvalResult fresh = engine::evaluate(*c.program, c.request);
            engine::evaluate_into(*c.program, c.request, reused);
            ASSERT_EQ(reused.decision.has_value(), fresh.decision.has_value()) << "case " << k << " pass " << pass;
            ASSERT_EQ(reused.errors.size(), fresh.errors.size());
            for (std::size_t e = 0; e < fresh.errors.size(); ++e) {
                EXPECT_EQ(reused.errors[e].code, fresh.errors[e].code);
                EXPECT_EQ(reused.errors[e].path, fresh.errors[e].path);
                EXPECT_EQ(reused.errors[e].message, fresh.errors[e].message);
            }
            if (!fresh.decision) continue;
            EXPECT_TRUE(*reused.decision == *fresh.decision) << "case " << k << " pass " << pass << " ("
                                                             << fresh.decision->case_ref << ")";
            if (previous && !(*previous == *fresh.decision)) ++differing_neighbours;
            previous = fresh.decision;
        }
    }
    // The comparison can tell decisions apart (it is not vacuously true).
    EXPECT_GT(differing_neighbours, cases.size());

    // Only the figures (a simulation's evaluation), into the same reused result: the
    // decision without its words, allocations and per-line totals, field for field, and
    // nothing of an earlier decision's.
    std::size_t decisions = 0;
    std::size_t with_words = 0;
    for (int pass = 0; pass < 2; ++pass) {
        for (std::size_t k = 0; k < cases.size(); ++k) {
            Case& c = cases[pass == 0 ? k : cases.size() - 1 - k];
            c.request.explain_full = false;
            c.request.figures_only = false;
            const engine::EvalResult full = engine::evaluate(*c.program, c.request);
            c.request.figures_only = true;
            engine::evaluate_into(*c.program, c.request, reused);
            ASSERT_EQ(reused.decision.has_value(), full.decision.has_value()) << "case " << k;
            if (!full.decision) continue;
            engine::Decision expected = *full.decision;
            ++decisions;
            if (!expected.explanation.empty()) ++with_words;
            expected.explanation.clear();
            for (auto& text : expected.outcome_reasons) text.clear();
            for (auto& reason : expected.reasons) reason.text.clear();
            expected.allocations.clear();
            expected.by_line.clear();
            for (auto& issue : expected.issues) {
                issue.message.clear();
                issue.reason.clear();
            }
            for (auto& test : expected.eligibility) test.reason.clear();
            EXPECT_TRUE(*reused.decision == expected) << "case " << k << " (" << expected.case_ref << ")";
        }
    }
    EXPECT_GT(decisions, cases.size());
    EXPECT_EQ(with_words, decisions);  // every decision has words to leave out
}

INSTANTIATE_TEST_SUITE_P(Policies, PolicyCases, ::testing::ValuesIn(case_paths()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             std::string n = param.param.empty() ? "missing" : param.param;
                             n = n.substr(0, n.find(".json"));
                             for (char& ch : n) {
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             }
                             return n;
                         });

}  // namespace
}  // namespace jointly::testing
