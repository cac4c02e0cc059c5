// The `jointly` subcommands, run in-process: exit codes, outputs, and the examples/ folder
// (every example request and caseload is run here, so the examples stay true).
#include <gtest/gtest.h>

#include "jointly/server/http.hpp"

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http_fixture.hpp"
#include "jointly/server/cli.hpp"

namespace jointly::testing {
namespace {

using nlohmann::json;

struct Run {
    int code;
    std::string out;
    std::string err;
};

Run run(const std::vector<std::string>& args) {
    std::ostringstream out;
    std::ostringstream err;
    const int code = server::run_cli(args, out, err);
    return {code, out.str(), err.str()};
}

const std::string kSource = JOINTLY_SOURCE_DIR;
const std::string kReference = kSource + "/policies/reference";

class CliTest : public ::testing::Test {
protected:
    void SetUp() override { dir_ = make_temp_dir("jointly-cli-"); }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST(Cli, UsageAndUnknownCommands) {
    EXPECT_EQ(run({}).code, 2);
    EXPECT_EQ(run({"frobnicate"}).code, 2);
    EXPECT_EQ(run({"check"}).code, 2);
    EXPECT_EQ(run({"check", "--colour", "x"}).code, 2);
    EXPECT_EQ(run({"eval", "x.json"}).code, 2);
    auto help = run({"help"});
    EXPECT_EQ(help.code, 0);
    for (const char* command : {"check", "fmt", "eval", "test", "simulate", "serve"})
        EXPECT_NE(help.out.find(command), std::string::npos) << command;
    EXPECT_EQ(run({"version"}).out, "jointly 0.1.0\n");
}

TEST(Cli, CheckThePolicyLibrary) {
    auto r = run({"check", kSource + "/policies"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("0 errors"), std::string::npos) << r.out;
    auto j = run({"check", "--format", "json", kReference});
    ASSERT_EQ(j.code, 0);
    auto report = json::parse(j.out);
    EXPECT_EQ(report["ok"], true);
    EXPECT_EQ(report["errors"], 0);
}

TEST_F(CliTest, CheckReportsErrorsGccStyleAndExitsOne) {
    std::string text = read_file(kReference + "/reference.jf");
    text.replace(text.find("split health 60%"), 16, "split heath 60%");
    write_file(dir_ / "bad.jf", text);
    auto r = run({"check", (dir_ / "bad.jf").string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("bad.jf:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("error[E"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("heath"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("^"), std::string::npos) << r.err;
    EXPECT_EQ(run({"check", (dir_ / "missing").string()}).code, 1);
}

TEST_F(CliTest, CheckFindsOverlappingVersionsAcrossFiles) {
    std::string text = read_file(kReference + "/reference.jf");
    write_file(dir_ / "a.jf", text);
    text.replace(text.find("version \"2025.1\""), 16, "version \"2026.1\"");
    write_file(dir_ / "b.jf", text);
    auto r = run({"check", dir_.string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("E2301"), std::string::npos) << r.err;
}

// 30 rules on one service whose conditions all overlap (435 pairs, W2002) and 25 rules that
// split to undeclared agencies (E2003): past the checker's cap of 20 per code, each code is
// listed 20 times plus one "and N more" summary.
std::string capped_policy() {
    std::string text = "policy capped \"Capped\"\n  version \"1\"\n  effective from 2025-04-01\n\n"
                       "agency social_care \"Social care\"\n\nfact points: whole default 0\n\n";
    for (int i = 0; i < 30; ++i)
        text += "rule r_" + std::to_string(i) + "\n  when service is personal_care and points >= " +
                std::to_string(i) + "\n  split social_care 100%\n\n";
    for (int i = 0; i < 25; ++i)
        text += "rule u_" + std::to_string(i) + "\n  when service is s_" + std::to_string(i) + "\n  split nobody_" +
                std::to_string(i) + " 100%\n\n";
    return text;
}

TEST_F(CliTest, CheckCountsProblemsACappedListLeftOut) {
    write_file(dir_ / "capped.jf", capped_policy());
    auto r = run({"check", (dir_ / "capped.jf").string()});
    EXPECT_EQ(r.code, 1);
    // 20 listed + 5 not listed errors, 20 listed + 415 not listed warnings.
    EXPECT_EQ(r.out, "checked 1 file: 25 errors, 435 warnings (420 not listed)\n");
    EXPECT_NE(r.err.find("and 5 more `E2003` errors (unknown agency) not listed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("and 415 more `W2002` warnings"), std::string::npos) << r.err;

    auto j = run({"check", "--format", "json", (dir_ / "capped.jf").string()});
    EXPECT_EQ(j.code, 1);
    const auto report = json::parse(j.out);
    EXPECT_EQ(report["errors"], 25);
    EXPECT_EQ(report["warnings"], 435);
    EXPECT_EQ(report["not_listed"], json::parse(R"({"errors": 5, "warnings": 415})"));
    ASSERT_EQ(report["files"].size(), 1U);
    std::size_t listed_errors = 0;
    std::size_t listed_warnings = 0;
    for (const auto& d : report["files"][0]["diagnostics"]) {
        listed_errors += d["severity"] == "error" ? 1U : 0U;
        listed_warnings += d["severity"] == "warning" ? 1U : 0U;
    }
    EXPECT_EQ(listed_errors, 21U);    // 20 and the summary
    EXPECT_EQ(listed_warnings, 21U);
}

TEST_F(CliTest, CheckWithNothingLeftOutPrintsNoNotListed) {
    std::string text = read_file(kReference + "/reference.jf");
    write_file(dir_ / "ok.jf", text);
    auto r = run({"check", (dir_ / "ok.jf").string()});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out.find("not listed"), std::string::npos) << r.out;
    auto j = run({"check", "--format", "json", (dir_ / "ok.jf").string()});
    EXPECT_EQ(json::parse(j.out)["not_listed"], json::parse(R"({"errors": 0, "warnings": 0})"));
}

TEST_F(CliTest, FmtCheckAndRewrite) {
    EXPECT_EQ(run({"fmt", "--check", kSource + "/policies"}).code, 0);
    std::string text = read_file(kReference + "/reference.jf");
    std::string messy = text;
    messy.replace(messy.find("agency health"), 13, "agency    health");
    write_file(dir_ / "p.jf", messy);
    auto check = run({"fmt", "--check", (dir_ / "p.jf").string()});
    EXPECT_EQ(check.code, 1);
    EXPECT_NE(check.out.find("not formatted"), std::string::npos);
    EXPECT_EQ(read_file(dir_ / "p.jf"), messy);  // --check never writes
    auto rewrite = run({"fmt", (dir_ / "p.jf").string()});
    EXPECT_EQ(rewrite.code, 0) << rewrite.err;
    EXPECT_EQ(run({"fmt", "--check", (dir_ / "p.jf").string()}).code, 0);
    write_file(dir_ / "broken.jf", "policy");
    EXPECT_EQ(run({"fmt", (dir_ / "broken.jf").string()}).code, 1);
}

TEST(Cli, EvalTheExampleRequests) {
    for (const auto& entry : fs::directory_iterator(kSource + "/examples/requests")) {
        auto r = run({"eval", "--policy", kSource + "/policies", entry.path().string()});
        auto j = json::parse(r.out);
        if (entry.path().filename() == "invalid.json") {
            EXPECT_EQ(r.code, 1);
            EXPECT_GE(j["error"]["details"].size(), 4u) << r.out;
        } else {
            EXPECT_EQ(r.code, 0) << entry.path() << "\n" << r.out << r.err;
            EXPECT_TRUE(j.contains("outcome")) << entry.path();
        }
    }
}

TEST_F(CliTest, EvalOptions) {
    auto request = post_op_request();
    request.erase("as_of");
    write_file(dir_ / "r.json", request.dump());
    auto r = run({"eval", "--policy", kReference, "--as-of", "2025-06-01", "--explain", (dir_ / "r.json").string()});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    auto j = json::parse(r.out);
    EXPECT_EQ(j["as_of"], "2025-06-01");
    EXPECT_TRUE(j.contains("trace"));
    EXPECT_EQ(run({"eval", "--policy", kReference, "--as-of", "June", (dir_ / "r.json").string()}).code, 2);
    auto old = run({"eval", "--policy", kReference, "--as-of", "2020-01-01", (dir_ / "r.json").string()});
    EXPECT_EQ(old.code, 1);
    EXPECT_EQ(json::parse(old.out)["error"]["code"], "not_found");
    write_file(dir_ / "bad.json", "{");
    auto bad = run({"eval", "--policy", kReference, (dir_ / "bad.json").string()});
    EXPECT_EQ(bad.code, 1);
    EXPECT_EQ(json::parse(bad.out)["error"]["code"], "invalid_request");
}

TEST(Cli, TestRunsEveryWorkedCase) {
    auto r = run({"test", kSource + "/policies"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find(" passed, 0 failed\n"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
}

TEST_F(CliTest, TestReportsFailuresWithADiffAndFoldersWithoutCases) {
    fs::create_directories(dir_ / "p/cases");
    fs::copy_file(kReference + "/reference.jf", dir_ / "p/reference.jf");
    json good = {{"name", "good"}, {"request", post_op_request()}, {"expected", {{"outcome", "approve"}, {"total", "5914.28"}}}};
    json wrong = good;
    wrong["name"] = "wrong";
    wrong["expected"]["total"] = "5914.29";
    wrong["expected"]["by_agency"] = {{"health", "1350.01"}};
    write_file(dir_ / "p/cases/a-good.json", good.dump());
    write_file(dir_ / "p/cases/b-wrong.json", wrong.dump());
    std::string other = read_file(kReference + "/reference.jf");
    other.replace(other.find("policy reference"), 16, "policy other");
    write_file(dir_ / "q/other.jf", other);
    auto r = run({"test", (dir_ / "p").string(), (dir_ / "q").string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("ok   "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("FAIL " + (dir_ / "p/cases/b-wrong.json").string() + " (wrong)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("total: expected 5914.29, got 5914.28"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("by_agency.health: expected 1350.01, got 1350.00"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("no worked cases"), std::string::npos) << r.out;
    const auto last = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
    EXPECT_EQ(last, "1 passed, 2 failed\n");
}

TEST(Cli, SimulateTheExampleCaseloads) {
    const std::string caseloads = kSource + "/examples/caseloads";
    auto r = run({"simulate", "--policy", kReference, "--vs", kSource + "/examples/drafts/reference-8-weeks.jf",
                  "--format", "json", caseloads + "/reference-200.jsonl"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto j = json::parse(r.out);
    EXPECT_EQ(j["cases"], 200);
    EXPECT_EQ(j["evaluated"], 200);
    EXPECT_GT(j["splits_changed"].get<int>(), 0);
    EXPECT_NE(j["difference"]["by_agency"]["health"], "0.00");

    auto text = run({"simulate", "--policy", kReference, caseloads + "/with-bad-lines.jsonl"});
    EXPECT_EQ(text.code, 0);
    EXPECT_NE(text.err.find("line 4: skipped"), std::string::npos) << text.err;
    EXPECT_NE(text.err.find("line 5: skipped"), std::string::npos) << text.err;
    EXPECT_NE(text.err.find("/lines/0/amount"), std::string::npos) << text.err;
    EXPECT_NE(text.out.find("cases: 7 (5 evaluated, 2 skipped)"), std::string::npos) << text.out;
    EXPECT_EQ(run({"simulate", "--policy", kReference, "/nonexistent.jsonl"}).code, 1);
}

TEST(Cli, ServeRefusesBadFlags) {
    EXPECT_EQ(run({"serve", "--port", "70000"}).code, 2);
    EXPECT_EQ(run({"serve", "--threads", "x"}).code, 2);
    EXPECT_EQ(run({"serve", "--open-evaluation", "--client-evaluation"}).code, 2);
    EXPECT_EQ(run({"serve", "extra"}).code, 2);
    auto missing = run({"serve", "--policies", "/nonexistent-policies", "--port", "0"});
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.err.find("/nonexistent-policies"), std::string::npos) << missing.err;
}

// Secure by default: no tokens file, no server (unless it is said to be a development one).
TEST(Cli, ServeRefusesToStartWithoutTokens) {
    auto open = run({"serve", "--policies", kReference, "--port", "0"});
    EXPECT_EQ(open.code, 1);
    EXPECT_NE(open.err.find("no tokens file"), std::string::npos) << open.err;
    EXPECT_NE(open.err.find("--insecure-dev"), std::string::npos) << open.err;
    EXPECT_EQ(open.out.find("listening"), std::string::npos) << open.out;
    server::ServeOptions defaults;
    EXPECT_FALSE(defaults.open_evaluation);
    EXPECT_FALSE(defaults.insecure_dev);
    defaults.policies = kReference;
    EXPECT_THROW(server::ApiServer::create(defaults), server::StartError);
}

}  // namespace
}  // namespace jointly::testing
