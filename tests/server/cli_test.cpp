// The `jointly` subcommands, run in-process: exit codes, outputs, and the examples/ folder
// (every example request and caseload is run here, so the examples stay true).
#include <gtest/gtest.h>

#include "jointly/server/http.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>
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

// Runs with `input` as standard input (std::cin's buffer, restored after).
Run run_with_stdin(const std::vector<std::string>& args, const std::string& input) {
    std::istringstream in(input);
    auto* saved = std::cin.rdbuf(in.rdbuf());
    auto r = run(args);
    std::cin.rdbuf(saved);
    std::cin.clear();
    return r;
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
    EXPECT_EQ(run({"check", (dir_ / "missing").string()}).code, 2);  // I/O, not a finding
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
    EXPECT_EQ(r.out, "checked 1 file: 25 errors, 435 warnings, 0 notes (420 not listed)\n");
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
        if (entry.path().filename() == "invalid.json") {
            EXPECT_EQ(r.code, 1);
            EXPECT_EQ(r.out, "");  // the error body goes to standard error
            // After the library's warnings, the API's error body.
            const auto body = r.err.find("{\n  \"error\"");
            ASSERT_NE(body, std::string::npos) << r.err;
            EXPECT_GE(json::parse(r.err.substr(body))["error"]["details"].size(), 4u) << r.err;
        } else {
            auto j = json::parse(r.out);
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
    EXPECT_EQ(old.out, "");
    EXPECT_EQ(json::parse(old.err)["error"]["code"], "not_found");
    write_file(dir_ / "bad.json", "{");
    auto bad = run({"eval", "--policy", kReference, (dir_ / "bad.json").string()});
    EXPECT_EQ(bad.code, 1);
    EXPECT_EQ(bad.out, "");
    EXPECT_EQ(json::parse(bad.err)["error"]["code"], "invalid_request");
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
    const auto missing = run({"simulate", "--policy", kReference, "/nonexistent.jsonl"});
    EXPECT_EQ(missing.code, 2);
    EXPECT_NE(missing.err.find("cannot read `/nonexistent.jsonl`: no such file or directory"), std::string::npos)
        << missing.err;

    // An empty caseload decides nothing, but the header still names the policies compared.
    const auto empty = run_with_stdin({"simulate", "--policy", kReference, "--vs",
                                       kSource + "/examples/drafts/reference-8-weeks.jf", "-"},
                                      "\n");
    EXPECT_EQ(empty.code, 1);
    EXPECT_NE(empty.out.find("A: reference 2025.1 (loaded; no case was decided under it)\n"), std::string::npos)
        << empty.out;
    EXPECT_EQ(empty.out.find("A: -"), std::string::npos) << empty.out;
}

// Each segment is rounded to the penny once. Personal care of £100.01 a week from 1 June to 10
// July 2025 (40 days), surgery on 20 May: a 6-week window (to 30 June) cuts it into 30 and 10
// days (£428.6143 rounds to 428.61, £142.8714 to 142.87: 571.48), an 8-week one covers it whole
// (£571.4857 rounds to 571.49). The simulation and the diff say why the same lines cost a penny
// more.
TEST(Cli, SimulateSaysWhenRoundingPerSegmentMovesTheCost) {
    const std::string request =
        R"({"policy": "reference", "as_of": "2025-06-01", "case_ref": "R-1", "facts": {"dst": {"skin": "priority"}},)"
        R"( "events": {"surgery": "2025-05-20"}, "lines": [{"id": "pc", "service": "personal_care", "weekly": "100.01",)"
        R"( "start": "2025-06-01", "end": "2025-07-10"}]})";
    const std::string eight_weeks = kSource + "/tests/golden/diff/reference_three_changes/new.jf";
    auto j = run_with_stdin({"simulate", "-p", kReference, "--vs", eight_weeks, "-f", "json", "-"}, request + "\n");
    ASSERT_EQ(j.code, 0) << j.err;
    const auto result = json::parse(j.out);
    EXPECT_EQ(result["a"]["cost"], "571.48");
    EXPECT_EQ(result["b"]["cost"], "571.49");
    EXPECT_EQ(result["difference"]["rounding"], "0.01");
    auto text = run_with_stdin({"simulate", "-p", kReference, "--vs", eight_weeks, "-"}, request + "\n");
    ASSERT_EQ(text.code, 0) << text.err;
    EXPECT_NE(text.out.find("rounding: the same lines cost 0.01 more under B than under A"), std::string::npos)
        << text.out;
    auto csv = run_with_stdin({"simulate", "-p", kReference, "--vs", eight_weeks, "-f", "csv", "-"}, request + "\n");
    ASSERT_EQ(csv.code, 0) << csv.err;
    EXPECT_NE(csv.out.find(",rounding,"), std::string::npos) << csv.out;
    EXPECT_NE(csv.out.find("1,R-1,approve,approve,571.48,571.49,0.00,0.00,0.01,"), std::string::npos) << csv.out;
    auto diff = run_with_stdin({"diff", kReference + "/reference.jf", eight_weeks, "--caseload", "-"}, request + "\n");
    ASSERT_EQ(diff.code, 0) << diff.err;
    EXPECT_NE(diff.out.find("rounding: the same lines cost 0.01 more under the new policy (571.48 -> 571.49)"),
              std::string::npos)
        << diff.out;
    // The same policy on both sides: no rounding line.
    auto same = run_with_stdin({"simulate", "-p", kReference, "--vs", kReference, "-"}, request + "\n");
    EXPECT_EQ(same.out.find("rounding:"), std::string::npos) << same.out;
}

TEST(Cli, ServeRefusesBadFlags) {
    EXPECT_EQ(run({"serve", "--port", "70000"}).code, 2);
    EXPECT_EQ(run({"serve", "--threads", "x"}).code, 2);
    const auto statement_timeout = run({"serve", "--db-statement-timeout-ms", "50"});
    EXPECT_EQ(statement_timeout.code, 2);
    EXPECT_NE(statement_timeout.err.find("`--db-statement-timeout-ms 50` must be a whole number from 100 to 3600000"),
              std::string::npos)
        << statement_timeout.err;
    EXPECT_EQ(run({"serve", "--open-evaluation", "--client-evaluation"}).code, 2);
    EXPECT_EQ(run({"serve", "extra"}).code, 2);
    // A host is a name: not a URL, not with a port.
    for (const char* host : {"https://jointly.example", "jointly.example:8080", "a,,b", "jointly example"}) {
        const auto bad_host = run({"serve", "--allow-host", host});
        EXPECT_EQ(bad_host.code, 2) << host;
        EXPECT_NE(bad_host.err.find("each host must be a name"), std::string::npos) << bad_host.err;
    }
    auto missing = run({"serve", "--policies", "/nonexistent-policies", "--port", "0"});
    EXPECT_EQ(missing.code, 2);  // an unreadable folder is an I/O error
    EXPECT_NE(missing.err.find("/nonexistent-policies"), std::string::npos) << missing.err;
}

// `serve --help` gives each count's default (ServeOptions') and range (what run_serve checks);
// a value just outside the range shown is refused, naming the same range.
TEST(Cli, ServeHelpShowsEachCountsDefaultAndRange) {
    const auto help = run({"serve", "--help"});
    EXPECT_EQ(help.code, 0);
    const server::ServeOptions defaults;
    EXPECT_NE(help.out.find("--max-body BYTES            the largest request body (default " +
                            std::to_string(defaults.max_body) + "; 1 to 4294967296)"),
              std::string::npos)
        << help.out;
    EXPECT_NE(help.out.find("(default " + std::to_string(defaults.threads) + "; 1 to 1024)"), std::string::npos);
    EXPECT_NE(help.out.find("(default " + std::to_string(defaults.max_response) + "; 1024 to 4294967296)"),
              std::string::npos);
    const auto below = run({"serve", "--max-response", "1023"});
    EXPECT_EQ(below.code, 2);
    EXPECT_NE(below.err.find("must be a whole number from 1024 to 4294967296"), std::string::npos) << below.err;
    // A usage error inside a sub-subcommand points at its own --help.
    const auto copy = run({"store", "copy"});
    EXPECT_EQ(copy.code, 2);
    EXPECT_NE(copy.err.find("`jointly store copy --help` lists the options"), std::string::npos) << copy.err;
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

// Issue 13 §4: the conventions every subcommand follows.
const char* const kCommands[] = {"check", "fmt", "eval", "test", "simulate", "serve", "lsp"};

TEST(CliConventions, HelpOnEverySubcommandGoesToOutWithTheExitCodes) {
    for (const char* flag : {"--help", "-h"}) {
        auto top = run({flag});
        EXPECT_EQ(top.code, 0) << flag;
        EXPECT_EQ(top.err, "");
        EXPECT_NE(top.out.find("exit status: 0 success"), std::string::npos) << top.out;
        for (const char* command : kCommands) {
            EXPECT_NE(top.out.find(command), std::string::npos) << command;
            auto r = run({command, flag});
            EXPECT_EQ(r.code, 0) << command << " " << flag << "\n" << r.err;
            EXPECT_EQ(r.err, "") << command;
            EXPECT_NE(r.out.find(std::string("jointly ") + command), std::string::npos) << r.out;
            EXPECT_NE(r.out.find("2 usage or I/O error"), std::string::npos) << command << "\n" << r.out;
        }
    }
    // Help wins over a missing required argument.
    EXPECT_EQ(run({"eval", "--help"}).code, 0);
    EXPECT_NE(run({"test", "-h"}).out.find("--run"), std::string::npos);
}

TEST(CliConventions, UsageErrorsExitTwoAndNameTheOptionOnStderr) {
    struct Bad {
        std::vector<std::string> args;
        std::string named;
    };
    const Bad cases[] = {
        {{"check", "--colour", "x"}, "--colour"},
        {{"check", kReference, "--format"}, "--format"},
        {{"check", "-f", "xml", kReference}, "xml"},
        {{"check"}, "paths"},
        {{"eval", "r.json"}, "--policy"},
        {{"eval", "r.json", "-p"}, "--policy"},
        {{"fmt", "--write", "--check", kReference}, "--write"},
        {{"test", "--run", "(", kReference}, "--run ("},
        {{"simulate", "-p", kReference, "--vs"}, "--vs"},
        {{"serve", "--port", "70000"}, "--port"},
        {{"frobnicate"}, "frobnicate"},
    };
    for (const auto& c : cases) {
        auto r = run(c.args);
        EXPECT_EQ(r.code, 2) << c.args.front() << " " << r.err;
        EXPECT_EQ(r.out, "") << c.args.front();
        EXPECT_NE(r.err.find(c.named), std::string::npos) << c.named << "\n" << r.err;
    }
}

TEST_F(CliTest, ExitCodesZeroOneTwoForEachKindOfCommand) {
    std::string text = read_file(kReference + "/reference.jf");
    std::string bad = text;
    bad.replace(bad.find("split health 60%"), 16, "split heath 60%");
    write_file(dir_ / "bad.jf", bad);
    std::string messy = text;
    messy.replace(messy.find("agency health      \""), 20, "agency  health \"");
    write_file(dir_ / "messy.jf", messy);
    const std::string missing = (dir_ / "missing.jf").string();
    write_file(dir_ / "r.json", post_op_request().dump());
    write_file(dir_ / "refused.json", R"({"policy": "reference"})");
    write_file(dir_ / "all-bad.jsonl", "{}\n[1]\n");
    struct Expect {
        std::vector<std::string> args;
        int code;
    };
    const Expect cases[] = {
        {{"check", kReference}, 0},
        {{"check", (dir_ / "bad.jf").string()}, 1},
        {{"check", missing}, 2},
        {{"fmt", "--check", kReference}, 0},
        {{"fmt", "--check", (dir_ / "messy.jf").string()}, 1},
        {{"fmt", "--diff", missing}, 2},
        {{"eval", "-p", kReference, (dir_ / "r.json").string()}, 0},
        {{"eval", "-p", kReference, (dir_ / "refused.json").string()}, 1},
        {{"eval", "-p", kReference, missing}, 2},
        {{"eval", "-p", missing, (dir_ / "r.json").string()}, 2},
        {{"eval", "-p", (dir_ / "bad.jf").string(), (dir_ / "r.json").string()}, 1},
        {{"test", kReference}, 0},
        {{"test", "--run", "no such case at all", kReference}, 1},
        {{"test", missing}, 2},
        {{"simulate", "-p", kReference, kSource + "/examples/caseloads/reference-200.jsonl"}, 0},
        {{"simulate", "-p", kReference, (dir_ / "all-bad.jsonl").string()}, 1},
        {{"simulate", "-p", kReference, missing}, 2},
    };
    for (const auto& c : cases) {
        auto r = run(c.args);
        std::string line;
        for (const auto& a : c.args) line += a + " ";
        EXPECT_EQ(r.code, c.code) << line << "\n" << r.err.substr(0, 2000);
    }
    EXPECT_EQ(read_file(dir_ / "messy.jf"), messy);  // --check and --diff never write
}

TEST_F(CliTest, DashReadsStandardInput) {
    const std::string text = read_file(kReference + "/reference.jf");
    auto check = run_with_stdin({"check", "-"}, text);
    EXPECT_EQ(check.code, 0) << check.err;
    EXPECT_EQ(check.out.rfind("checked 1 file: 0 errors", 0), 0U) << check.out;
    std::string bad = text;
    bad.replace(bad.find("split health 60%"), 16, "split heath 60%");
    auto bad_check = run_with_stdin({"check", "-"}, bad);
    EXPECT_EQ(bad_check.code, 1);
    EXPECT_NE(bad_check.err.find("<stdin>:"), std::string::npos) << bad_check.err;

    std::string messy = text;
    messy.replace(messy.find("agency health      \""), 20, "agency  health \"");
    auto fmt = run_with_stdin({"fmt", "-"}, messy);
    EXPECT_EQ(fmt.code, 0) << fmt.err;
    EXPECT_EQ(fmt.out, text);
    EXPECT_EQ(run_with_stdin({"fmt", "--check", "-"}, messy).code, 1);

    const std::string request = post_op_request().dump();
    auto eval = run_with_stdin({"eval", "-p", kReference, "-"}, request);
    ASSERT_EQ(eval.code, 0) << eval.err;
    EXPECT_EQ(json::parse(eval.out)["outcome"], "approve");
    write_file(dir_ / "r.json", request);
    auto policy_from_stdin = run_with_stdin({"eval", "--policy", "-", (dir_ / "r.json").string()}, text);
    EXPECT_EQ(policy_from_stdin.code, 0) << policy_from_stdin.err;
    EXPECT_EQ(json::parse(policy_from_stdin.out)["outcome"], "approve");
    EXPECT_EQ(run_with_stdin({"eval", "-p", "-", "-"}, text).code, 2);  // standard input is read once

    auto simulate = run_with_stdin({"simulate", "-p", kReference, "-f", "json", "-"}, request + "\n" + request + "\n");
    ASSERT_EQ(simulate.code, 0) << simulate.err;
    EXPECT_EQ(json::parse(simulate.out)["evaluated"], 2);
}

TEST_F(CliTest, DoubleDashEndsTheOptions) {
    // After `--`, `--format` is a file name (and a missing one: an I/O error naming it).
    auto r = run({"check", "--", "--format"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("cannot read `--format`"), std::string::npos) << r.err;
    auto j = run({"check", "-f", "json", "--", kReference});
    ASSERT_EQ(j.code, 0) << j.err;
    EXPECT_EQ(json::parse(j.out)["ok"], true);
}

TEST_F(CliTest, FmtDiffPrintsAUnifiedDiffAndWriteRewrites) {
    const std::string text = read_file(kReference + "/reference.jf");
    std::string messy = text;
    messy.replace(messy.find("agency health      \""), 20, "agency  health \"");
    const auto file = (dir_ / "p.jf").string();
    write_file(file, messy);
    auto diff = run({"fmt", "--diff", file});
    EXPECT_EQ(diff.code, 1);
    EXPECT_EQ(diff.out, "--- " + file + "\n+++ " + file +
                            "\n"
                            "@@ -10,7 +10,7 @@\n"
                            "   ref \"jointly acceptance reference\"\n"
                            "   panel \"Joint Funding Panel\"\n"
                            " \n"
                            "-agency  health \"NHS Integrated Care Board\"\n"
                            "+agency health      \"NHS Integrated Care Board\"\n"
                            " agency social_care \"Children's Social Care\"\n"
                            " agency education   \"SEND Service\"\n"
                            " \n");
    EXPECT_EQ(read_file(file), messy);
    auto json_diff = run({"fmt", "--diff", "--format", "json", file});
    const auto report = json::parse(json_diff.out);
    EXPECT_EQ(report["written"], false);
    EXPECT_EQ(report["changed"], 1);
    EXPECT_EQ(report["files"][0]["diff"], diff.out);

    auto write = run({"fmt", "-w", file});
    EXPECT_EQ(write.code, 0) << write.err;
    EXPECT_EQ(write.out, "formatted " + file + "\n");
    EXPECT_EQ(read_file(file), text);
    EXPECT_EQ(run({"fmt", "--diff", file}).out, "");
    auto again = run({"fmt", "--write", "--format", "json", file});
    EXPECT_EQ(again.code, 0);
    EXPECT_EQ(json::parse(again.out)["files"][0]["changed"], false);
}

TEST_F(CliTest, TestRunSelectsCasesAndFormatJsonReportsEach) {
    fs::create_directories(dir_ / "p/cases");
    fs::copy_file(kReference + "/reference.jf", dir_ / "p/reference.jf");
    json good = {{"name", "good"}, {"request", post_op_request()}, {"expected", {{"outcome", "approve"}}}};
    json wrong = good;
    wrong["name"] = "wrong";
    wrong["expected"]["outcome"] = "decline";
    write_file(dir_ / "p/cases/a-good.json", good.dump());
    write_file(dir_ / "p/cases/b-wrong.json", wrong.dump());
    const auto folder = (dir_ / "p").string();
    auto only_good = run({"test", "--run", "^go", folder});
    EXPECT_EQ(only_good.code, 0) << only_good.out;
    EXPECT_EQ(only_good.out.find("wrong"), std::string::npos) << only_good.out;
    EXPECT_NE(only_good.out.find("1 passed, 0 failed\n"), std::string::npos) << only_good.out;
    auto by_file = run({"test", "-r", "b-wr", folder});  // the file's path matches too
    EXPECT_EQ(by_file.code, 1);
    EXPECT_NE(by_file.out.find("0 passed, 1 failed\n"), std::string::npos) << by_file.out;
    auto none = run({"test", "-r", "nothing", folder});
    EXPECT_EQ(none.code, 1);
    EXPECT_NE(none.out.find("no worked case matches"), std::string::npos) << none.out;

    auto j = run({"test", "-f", "json", folder});
    EXPECT_EQ(j.code, 1);
    const auto report = json::parse(j.out);
    EXPECT_EQ(report["passed"], 1);
    EXPECT_EQ(report["failed"], 1);
    ASSERT_EQ(report["cases"].size(), 2U);
    EXPECT_EQ(report["cases"][0]["name"], "good");
    EXPECT_EQ(report["cases"][0]["passed"], true);
    EXPECT_EQ(report["cases"][1]["name"], "wrong");
    EXPECT_EQ(report["cases"][1]["passed"], false);
    ASSERT_FALSE(report["cases"][1]["differences"].empty());
    EXPECT_NE(report["cases"][1]["differences"][0].get<std::string>().find("outcome"), std::string::npos);
}

// `test --coverage` on a small policy: the text report is tests/golden/coverage/small.txt
// (the source folder written `$SRC`; UPDATE_GOLDEN=1 rewrites it), the JSON lists every item,
// and --threshold holds the rules, exceptions, window edges and outcome rules to N%.
TEST(Cli, TestCoverageReportsWhatTheCasesExercised) {
    const std::string folder = kSource + "/tests/golden/coverage/small";
    auto r = run({"test", "--coverage", folder});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    std::string text = r.out;
    for (auto at = text.find(kSource); at != std::string::npos; at = text.find(kSource))
        text.replace(at, kSource.size(), "$SRC");
    const std::string golden = kSource + "/tests/golden/coverage/small.txt";
    if (std::getenv("UPDATE_GOLDEN") != nullptr) write_file(golden, text);
    EXPECT_EQ(text, read_file(golden));

    auto j = run({"test", "--coverage", "--format", "json", folder});
    EXPECT_EQ(j.code, 0) << j.out;
    const auto report = json::parse(j.out);
    const auto& policy = report["coverage"]["policies"][0];
    EXPECT_EQ(policy["id"], "cov");
    EXPECT_EQ(policy["items"].size(), 15U);
    EXPECT_EQ(policy["categories"]["window_edges"]["covered"], 4);
    EXPECT_EQ(policy["categories"]["caps"]["covered"], 1);
    EXPECT_EQ(policy["categories"]["caps"]["total"], 2);
    // Gated: rules 1/2, exception 1/1, window edges 4/4, outcome rules 1/2: 7/9, 77.7%.
    EXPECT_EQ(report["coverage"]["gated"]["covered"], 7);
    EXPECT_EQ(report["coverage"]["gated"]["total"], 9);
    EXPECT_EQ(report["coverage"]["gated"]["percent"], 77.7);
    EXPECT_EQ(report["coverage"]["threshold"], nullptr);
    const auto& first = policy["items"][0];
    EXPECT_EQ(first["category"], "rules");
    EXPECT_EQ(first["file"], folder + "/small.jf");
    EXPECT_EQ(first["covered"], true);

    EXPECT_EQ(run({"test", "--coverage", "--threshold", "77", folder}).code, 0);
    auto below = run({"test", "--coverage", "--threshold", "78", folder});
    EXPECT_EQ(below.code, 1);
    EXPECT_NE(below.out.find("FAIL coverage of rules, exceptions, window edges and outcome rules 77.7% is below "
                             "--threshold 78%"),
              std::string::npos)
        << below.out;
    auto below_json = json::parse(run({"test", "--coverage", "--threshold", "78", "-f", "json", folder}).out);
    EXPECT_EQ(below_json["coverage"]["below_threshold"], true);
    EXPECT_EQ(run({"test", "--threshold", "50", folder}).code, 2);  // needs --coverage
    EXPECT_EQ(run({"test", "--coverage", "--threshold", "101", folder}).code, 2);
}

// A folder whose policies do not compile together (E2302, one version loaded twice) runs no
// case: it fails, and its policies are left out of the coverage (not reported as 0/N).
TEST_F(CliTest, TestCoverageLeavesOutAFolderThatDoesNotCompile) {
    fs::copy(kSource + "/tests/golden/coverage/small", dir_ / "good", fs::copy_options::recursive);
    const std::string twice = "policy twice \"Twice\"\n  version \"1\"\n  effective from 2025-04-01\n"
                              "agency health \"NHS\"\nrule r\n  split health 100%\n";
    write_file(dir_ / "bad/a.jf", twice);
    write_file(dir_ / "bad/b.jf", twice);
    auto r = run({"test", "--coverage", dir_.string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("E2302"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("FAIL " + (dir_ / "bad").string() + ": a policy here does not compile"), std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("coverage of " + (dir_ / "bad").string()), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("coverage of " + (dir_ / "good/small.jf").string()), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("coverage of 1 policy: rules, exceptions, window edges and outcome rules 7/9"),
              std::string::npos)
        << r.out;
    const auto report = json::parse(run({"test", "--coverage", "-f", "json", dir_.string()}).out);
    ASSERT_EQ(report["coverage"]["policies"].size(), 1U) << report.dump(2);
    EXPECT_EQ(report["coverage"]["policies"][0]["id"], "cov");
}

// A key jointly does not know, in a case or in its expected error, fails the case by name.
TEST_F(CliTest, TestRejectsUnknownKeysInACase) {
    fs::create_directories(dir_ / "p/cases");
    fs::copy_file(kReference + "/reference.jf", dir_ / "p/reference.jf");
    json typo = {{"name", "typo"}, {"descripton", "x"}, {"request", post_op_request()},
                 {"expected", {{"outcome", "approve"}}}};
    json error = {{"name", "error"},
                  {"request", {{"policy", "reference"}, {"as_of", "2025-06-01"}, {"lines", "no"}}},
                  {"expected",
                   {{"error",
                     {{"status", 400}, {"code", "invalid_request"}, {"detials", json::array()},
                      {"details", {{{"path", "/lines"}, {"code", "E4102"}, {"message", "m"}}}}}}}}};
    write_file(dir_ / "p/cases/a-typo.json", typo.dump());
    write_file(dir_ / "p/cases/b-error.json", error.dump());
    auto r = run({"test", (dir_ / "p").string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("unknown key `descripton` in the case (known: `name`, `description`"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("unknown key `detials` in `expected.error`"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("unknown key `message` in `expected.error.details[0]`"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("0 passed, 2 failed"), std::string::npos) << r.out;
}

// A misspelt key of `expected` is named as an unknown key with the nearest known one, not
// reported as the engine giving nothing.
TEST_F(CliTest, TestNamesAnUnknownKeyOfExpected) {
    fs::create_directories(dir_ / "p/cases");
    fs::create_directories(dir_ / "q/cases");
    fs::copy_file(kReference + "/reference.jf", dir_ / "p/reference.jf");
    fs::copy_file(kSource + "/policies/pooled-budgets/pooled_budgets.jf", dir_ / "q/pooled_budgets.jf");
    json decision = {{"name", "decision"},
                     {"request", post_op_request()},
                     {"expected", {{"by_agencey", {{"health", "1.00"}}}, {"referred_to", "x"}, {"totl", "1.00"}}}};
    json pool = {{"name", "pool"},
                 {"pool", "authority_1_children"},
                 {"spend", "1.00"},
                 {"expected", {{"underspend_shares", {{"health", "1.00"}}}, {"budgte", "1.00"}}}};
    write_file(dir_ / "p/cases/decision.json", decision.dump());
    write_file(dir_ / "q/cases/pool.json", pool.dump());
    auto r = run({"test", (dir_ / "p").string(), (dir_ / "q").string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("- unknown key `by_agencey` in `expected`: a decision has no such field; did you mean "
                         "`by_agency`?"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("- unknown key `totl` in `expected`: a decision has no such field; did you mean `total`?"),
              std::string::npos)
        << r.out;
    // `referred_to` is a decision's field when it refers: a real difference, not a misspelling
    EXPECT_NE(r.out.find("- referred_to: expected x, got nothing"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("- unknown key `underspend_shares` in `expected`: a reconciliation has no such field; "
                         "did you mean `underspend_returned`?"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("- unknown key `budgte` in `expected`: a reconciliation has no such field; did you mean "
                         "`budget`?"),
              std::string::npos)
        << r.out;
    const auto nothing = r.out.find("got nothing");
    EXPECT_EQ(r.out.find("got nothing", nothing + 1), std::string::npos) << r.out;  // only `referred_to`'s
    EXPECT_NE(r.out.find("0 passed, 2 failed"), std::string::npos) << r.out;
}

// An expected error is compared fully when it states its details: the code, and each
// detail's path and code in order, no more and no fewer.
TEST_F(CliTest, TestComparesAnExpectedErrorsDetailsInFull) {
    fs::create_directories(dir_ / "p/cases");
    fs::copy_file(kReference + "/reference.jf", dir_ / "p/reference.jf");
    auto request = post_op_request();
    request["lines"][0].erase("weekly");
    json right = {{"name", "right"},
                  {"request", request},
                  {"expected",
                   {{"error",
                     {{"status", 400}, {"code", "invalid_request"}, {"details", {{{"path", "/lines/0"}, {"code", "E4210"}}}}}}}}};
    json wrong = right;
    wrong["name"] = "wrong";
    wrong["expected"]["error"]["details"][0]["path"] = "/lines/1";
    write_file(dir_ / "p/cases/a-right.json", right.dump());
    write_file(dir_ / "p/cases/b-wrong.json", wrong.dump());
    auto r = run({"test", (dir_ / "p").string()});
    EXPECT_NE(r.out.find("ok   " + (dir_ / "p/cases/a-right.json").string()), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("error.details: expected"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("1 passed, 1 failed"), std::string::npos) << r.out;
}

TEST_F(CliTest, CheckFormatJsonGivesEachDiagnosticsFields) {
    std::string text = read_file(kReference + "/reference.jf");
    text.replace(text.find("split health 60%"), 16, "split heath 60%");
    write_file(dir_ / "bad.jf", text);
    auto r = run({"check", "--format", "json", (dir_ / "bad.jf").string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.err, "");  // the report is the output
    const auto report = json::parse(r.out);
    EXPECT_EQ(report["ok"], false);
    EXPECT_EQ(report["errors"], 1);
    const auto& d = report["files"][0]["diagnostics"][0];
    EXPECT_EQ(d["code"], "E2003");
    EXPECT_EQ(d["severity"], "error");
    EXPECT_EQ(d["file"], (dir_ / "bad.jf").string());
    const auto line = text.substr(0, text.find("split heath"));
    EXPECT_EQ(d["line"], std::count(line.begin(), line.end(), '\n') + 1);
    EXPECT_EQ(d["column"], line.size() - line.rfind('\n') - 1 + 7);  // `heath` after `split `
    EXPECT_NE(d["message"].get<std::string>().find("heath"), std::string::npos);
}

TEST_F(CliTest, NotesAreCountedAndCanBeSilenced) {
    std::string text = read_file(kReference + "/reference.jf");
    text.replace(text.find("agency education"), 16, "agency idle \"Idle\"\nagency education");
    write_file(dir_ / "n.jf", text);
    auto r = run({"check", (dir_ / "n.jf").string()});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "checked 1 file: 0 errors, 0 warnings, 1 note\n");
    EXPECT_NE(r.err.find("W2003"), std::string::npos) << r.err;
    auto quiet = run({"check", "-q", (dir_ / "n.jf").string()});
    EXPECT_EQ(quiet.code, 0);
    EXPECT_EQ(quiet.out, "checked 1 file: 0 errors, 0 warnings, 1 note (notes not shown)\n");
    EXPECT_EQ(quiet.err, "");
    auto j = json::parse(run({"check", "-f", "json", "--quiet-notes", (dir_ / "n.jf").string()}).out);
    EXPECT_EQ(j["notes"], 1);
    EXPECT_TRUE(j["files"][0]["diagnostics"].empty());
}

TEST_F(CliTest, SimulateExitsOneWhenEveryCaseIsSkipped) {
    write_file(dir_ / "bad.jsonl", "{}\nnot json\n");
    auto r = run({"simulate", "-p", kReference, (dir_ / "bad.jsonl").string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("cases: 2 (0 evaluated, 2 skipped)"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("no case was evaluated"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace jointly::testing
