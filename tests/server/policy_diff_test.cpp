// `jointly diff`: one golden per kind of change (tests/golden/diff/NAME/old.jf, new.jf and the
// expected text, `expected.txt`, and JSON, `expected.json`, where present; a folder with a
// `caseload.jsonl` is run with --caseload), the empty diff of every library policy with itself
// and with its `jointly fmt`, the exit codes, and a caseload's attribution worked by hand.
// UPDATE_GOLDEN=1 rewrites the expected files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include "jointly/dsl/format.hpp"
#include "jointly/dsl/parse.hpp"
#include "jointly/engine/money.hpp"
#include "jointly/server/cli.hpp"
#include "jointly/server/policy_diff.hpp"

namespace jointly::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using server::MoneyTotal;

const fs::path kSource = JOINTLY_SOURCE_DIR;
const fs::path kGolden = kSource / "tests" / "golden" / "diff";

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

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

bool updating() {
    const char* update = std::getenv("UPDATE_GOLDEN");
    return update != nullptr && std::string(update) == "1";
}

std::vector<std::string> golden_names() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(kGolden))
        if (entry.is_directory()) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

class DiffGolden : public ::testing::TestWithParam<std::string> {
protected:
    // Paths relative to the source folder, as the expected output names them.
    void SetUp() override { fs::current_path(kSource); }
};

TEST_P(DiffGolden, MatchesExpected) {
    const std::string dir = "tests/golden/diff/" + GetParam();
    std::vector<std::string> args = {"diff", dir + "/old.jf", dir + "/new.jf"};
    if (fs::exists(dir + "/caseload.jsonl")) {
        args.push_back("--caseload");
        args.push_back(dir + "/caseload.jsonl");
    }
    const auto text = run(args);
    ASSERT_EQ(text.code, 0) << text.err;
    args.push_back("--format");
    args.push_back("json");
    const auto as_json = run(args);
    ASSERT_EQ(as_json.code, 0) << as_json.err;
    ASSERT_TRUE(json::accept(as_json.out)) << as_json.out;
    if (updating()) {
        std::ofstream(dir + "/expected.txt", std::ios::binary) << text.out;
        if (fs::exists(dir + "/expected.json")) std::ofstream(dir + "/expected.json", std::ios::binary) << as_json.out;
        return;
    }
    ASSERT_TRUE(fs::exists(dir + "/expected.txt")) << dir << "/expected.txt is missing; run with UPDATE_GOLDEN=1";
    EXPECT_EQ(text.out, slurp(dir + "/expected.txt"));
    if (fs::exists(dir + "/expected.json")) {
        EXPECT_EQ(as_json.out, slurp(dir + "/expected.json"));
    }
    // Every change but a formatting one is seen, and said in the other direction too.
    const auto back = run({"diff", dir + "/new.jf", dir + "/old.jf", "--format", "json"});
    ASSERT_EQ(back.code, 0) << back.err;
    EXPECT_EQ(json::parse(back.out)["count"], json::parse(as_json.out)["count"]);
    EXPECT_EQ(json::parse(as_json.out)["count"] == 0, GetParam() == "format_only");
}

INSTANTIATE_TEST_SUITE_P(Golden, DiffGolden, ::testing::ValuesIn(golden_names()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

std::vector<std::string> library_policies() {
    std::vector<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(kSource / "policies"))
        if (entry.path().extension() == ".jf") files.push_back(fs::relative(entry.path(), kSource).string());
    std::sort(files.begin(), files.end());
    return files;
}

std::string test_name(const std::string& path) {
    std::string out;
    for (const char c : path) out += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
    return out;
}

class SelfDiff : public ::testing::TestWithParam<std::string> {};

TEST_P(SelfDiff, ItselfAndItsFormattingAreNoChange) {
    const std::string source = slurp(kSource / GetParam());
    auto parsed = dsl::parse(source, GetParam());
    ASSERT_TRUE(parsed.module) << GetParam();
    EXPECT_TRUE(server::diff_policies(*parsed.module, *parsed.module).empty());
    const std::string formatted = dsl::format(*parsed.module, source);
    auto reparsed = dsl::parse(formatted, GetParam());
    ASSERT_TRUE(reparsed.module);
    const auto changes = server::diff_policies(*parsed.module, *reparsed.module);
    EXPECT_TRUE(changes.empty()) << (changes.empty() ? "" : changes.front().sentence);
    const auto cli = run({"diff", (kSource / GetParam()).string(), (kSource / GetParam()).string()});
    EXPECT_EQ(cli.code, 0) << cli.err;
    EXPECT_EQ(cli.out.rfind("no changes from ", 0), 0u) << cli.out;
}

INSTANTIATE_TEST_SUITE_P(Library, SelfDiff, ::testing::ValuesIn(library_policies()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return test_name(p.param); });

TEST(DiffCli, ExitCodes) {
    const std::string old_file = (kGolden / "rule_window" / "old.jf").string();
    const std::string new_file = (kGolden / "rule_window" / "new.jf").string();
    // Changes are not a failure.
    EXPECT_EQ(run({"diff", old_file, new_file}).code, 0);
    // A missing argument, an unreadable file, standard input named twice: usage.
    EXPECT_EQ(run({"diff", old_file}).code, 2);
    EXPECT_EQ(run({"diff", old_file, (kGolden / "missing.jf").string()}).code, 2);
    EXPECT_EQ(run({"diff", "-", "-"}).code, 2);
    EXPECT_EQ(run({"diff", old_file, new_file, "--caseload", (kGolden / "missing.jsonl").string()}).code, 2);
    EXPECT_EQ(run({"diff", old_file, new_file, "--format", "yaml"}).code, 2);
    // A policy with errors: its diagnostics, exit 1.
    std::istringstream bad("policy p \"P\"\n  version \"1\"\n  effective from 2025-04-01\nagency health \"H\"\n"
                           "rule r\n  split heath 100%\n");
    auto* saved = std::cin.rdbuf(bad.rdbuf());
    const auto r = run({"diff", old_file, "-"});
    std::cin.rdbuf(saved);
    std::cin.clear();
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("<stdin>:6:9: error[E2003]"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
    const auto help = run({"diff", "--help"});
    EXPECT_EQ(help.code, 0);
    EXPECT_NE(help.out.find("exit 0 whether or not"), std::string::npos) << help.out;
}

// tests/golden/diff/caseload: the post-operative window grows from 6 to 8 weeks, equipment's
// split goes from 60/40 to 50/50 and the decline threshold from £1,000 to £2,000.
//   A complex, surgery 1 June, personal care £700 a week 1 June - 9 August (70 days).
//     Old: 42 days after surgery, £4,200.00, 50/50 = £2,100.00 each; 28 days, £2,800.00, to
//     social care. New: 56 days, £5,600.00 = £2,800.00 each; 14 days, £1,400.00, to social
//     care. Rules personal_care and post_op_personal_care (one family): health +700.00,
//     social care -700.00.
//   B complex, equipment £1,000: 600/400 -> 500/500: health -100.00, social care +100.00.
//   C not complex, personal care £300 a week for 28 days, £1,200.00 to social care under both;
//     over £1,000: declined under old, approved under new (the decline rule's reason goes).
//     No rule's allocation moves; funded social care +1,200.00.
//   D not complex, equipment £500: 300/200 -> 250/250: health -50.00, social care +50.00.
//   E `complex` is not a bool: skipped.
// Allocated: health +700 - 100 - 50 = +550.00, social care -550.00, all explained.
// Funded (C funded under new only): health +550.00, social care -550.00 + 1,200.00 = +650.00.
TEST(DiffCaseload, AttributesMovementsToChanges) {
    const fs::path dir = kGolden / "caseload";
    const auto r = run({"diff", (dir / "old.jf").string(), (dir / "new.jf").string(), "--caseload",
                        (dir / "caseload.jsonl").string(), "--format", "json"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("line 6: skipped: not a valid request for the old policy: /facts/complex"), std::string::npos)
        << r.err;
    const auto j = json::parse(r.out);
    const auto& c = j["caseload"];
    EXPECT_EQ(c["cases"], 5);
    EXPECT_EQ(c["evaluated"], 4);
    EXPECT_EQ(c["skipped"], 1);
    EXPECT_EQ(c["changed_cases"], 4);
    EXPECT_EQ(c["outcomes_changed"], 1);
    ASSERT_EQ(c["effects"].size(), 3u) << c["effects"].dump(2);
    const auto& family = c["effects"][0];
    EXPECT_EQ(family["subject"], "rule personal_care and post_op_personal_care");
    EXPECT_EQ(family["cases"], 1);
    EXPECT_EQ(family["moved"], json({{"health", "700.00"}, {"social_care", "-700.00"}}));
    const auto& equipment = c["effects"][1];
    EXPECT_EQ(equipment["subject"], "rule equipment");
    EXPECT_EQ(equipment["cases"], 2);
    EXPECT_EQ(equipment["moved"], json({{"health", "-150.00"}, {"social_care", "150.00"}}));
    const auto& decline = c["effects"][2];
    EXPECT_EQ(decline["subject"], "outcome rule decline (CC 2.1)");
    EXPECT_EQ(decline["kind"], "outcome");
    EXPECT_EQ(decline["cases"], 1);
    EXPECT_EQ(decline["moved"], json({{"health", "0.00"}, {"social_care", "1200.00"}}));
    EXPECT_EQ(c["allocated"]["moved"], json({{"health", "550.00"}, {"social_care", "-550.00"}}));
    EXPECT_EQ(c["allocated"]["not_explained"], json({{"health", "0.00"}, {"social_care", "0.00"}}));
    EXPECT_EQ(c["funded"]["moved"], json({{"health", "550.00"}, {"social_care", "650.00"}}));
    // The changes each effect counts: 1-based numbers into `changes`.
    for (const auto& e : c["effects"])
        for (const auto& n : e["changes"]) EXPECT_LE(n.get<std::size_t>(), j["changes"].size());
}

// tests/golden/diff/reference_three_changes over examples/caseloads/reference-200.jsonl: the
// post-operative window grows, equipment's split moves and the referral limit falls. The
// referral rule refers more cases, and a referred case is funded as an approved one is: it
// moves no money, whatever the other changes moved in the same cases. Every figure reconciles.
json caseload_diff(const fs::path& old_file, const fs::path& new_file) {
    const auto r = run({"diff", old_file.string(), new_file.string(), "--caseload",
                        (kSource / "examples" / "caseloads" / "reference-200.jsonl").string(), "--format", "json"});
    EXPECT_EQ(r.code, 0) << r.err;
    return json::parse(r.out)["caseload"];
}

// What a policy derived from the reference policy by `edit` moves over the example caseload.
json reference_edited(const std::string& name, const std::function<void(std::string&)>& edit) {
    const fs::path old_file = kSource / "policies" / "reference" / "reference.jf";
    std::string text = slurp(old_file);
    edit(text);
    const fs::path new_file = fs::temp_directory_path() / ("jointly-diff-" + name + "-" + std::to_string(::getpid()) + ".jf");
    std::ofstream(new_file, std::ios::binary) << text;
    auto out = caseload_diff(old_file, new_file);
    fs::remove(new_file);
    return out;
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
}

MoneyTotal money(const json& text) {
    MoneyTotal m;
    m += engine::parse_money(text.get<std::string>()).value();
    return m;
}

TEST(DiffCaseload, EachChangeIsCreditedOnlyWithTheMoneyItMoves) {
    const fs::path dir = kGolden / "reference_three_changes";
    const auto c = caseload_diff(dir / "old.jf", dir / "new.jf");
    ASSERT_EQ(c["evaluated"], 200) << c.dump(2);
    const json* referral = nullptr;
    std::map<std::string, MoneyTotal> listed;
    for (const auto& e : c["effects"]) {
        if (e["kind"] == "outcome") {
            referral = &e;
        } else {
            for (const auto& [agency, m] : e["moved"].items()) listed[agency] += money(m);
        }
    }
    ASSERT_NE(referral, nullptr) << c["effects"].dump(2);
    EXPECT_EQ((*referral)["subject"], "outcome rule refer to \"Director of Children's Services\"");
    EXPECT_GT((*referral)["cases"].get<int>(), 0);
    EXPECT_EQ((*referral)["now"], (*referral)["cases"]);
    for (const auto& [agency, m] : (*referral)["moved"].items()) EXPECT_EQ(m, "0.00") << agency;
    for (const auto& [agency, m] : c["allocated"]["moved"].items()) {
        // The rules' effects add up to what the rules allocate: nothing is left unexplained.
        EXPECT_EQ(listed[agency].to_string(), c["allocated"]["explained"][agency]) << agency;
        EXPECT_EQ(c["allocated"]["not_explained"][agency], "0.00") << agency;
        // What is funded is the rules' movements (less the cases declined under both) plus the
        // cases declined under one policy only (none here: no decline rule changed).
        MoneyTotal sum = money(c["funded"]["rules"][agency]);
        sum += money(c["funded"]["outcomes"][agency]);
        EXPECT_EQ(sum.to_string(), c["funded"]["moved"][agency]) << agency;
        EXPECT_EQ(c["funded"]["outcomes"][agency], "0.00") << agency;
    }
    // The counts partition the cases decided differently.
    EXPECT_EQ(c["changed_cases"].get<int>(), c["outcomes_changed"].get<int>() + c["money_changed"].get<int>() +
                                                 c["rules_changed"].get<int>() + c["wording_changed"].get<int>());
}

// A change of wording moves nothing and changes no outcome: the cases it touches are counted
// as differing only in wording, not as decided differently in money or outcome.
TEST(DiffCaseload, AChangeOfWordingIsCountedAsWording) {
    const auto c = reference_edited("wording", [](std::string& text) {
        replace_once(text, "because \"personal care is funded by children's social care\"",
                     "because \"children's social care funds personal care\"");
    });
    EXPECT_GT(c["changed_cases"].get<int>(), 0);
    EXPECT_EQ(c["wording_changed"], c["changed_cases"]);
    EXPECT_EQ(c["outcomes_changed"], 0);
    EXPECT_EQ(c["money_changed"], 0);
    ASSERT_EQ(c["effects"].size(), 1u) << c["effects"].dump(2);
    EXPECT_EQ(c["effects"][0]["cases"], 0);
    EXPECT_GT(c["effects"][0]["wording_cases"].get<int>(), 0);

    // A lower referral limit changes outcomes; the cases it referred under both differ only in
    // the reason's wording (it names the limit), a case already referred to the panel gains a
    // reason (the same outcome and money, another reason), and no money moves.
    const auto limit = reference_edited("limit", [](std::string& text) {
        replace_once(text, "when total > £250,000", "when total > £150,000");
        replace_once(text, "delegated authority of £250,000\"", "delegated authority of £150,000\"");
    });
    EXPECT_GT(limit["outcomes_changed"].get<int>(), 0);
    EXPECT_GT(limit["wording_changed"].get<int>(), 0);
    EXPECT_EQ(limit["money_changed"], 0);
    EXPECT_EQ(limit["changed_cases"].get<int>(), limit["outcomes_changed"].get<int>() + limit["rules_changed"].get<int>() +
                                                     limit["wording_changed"].get<int>());
    for (const auto& [agency, m] : limit["funded"]["moved"].items()) EXPECT_EQ(m, "0.00") << agency;
}

// A decline rule replaced by a referral with the same condition: the cases it declined are
// referred, so funded. The money they move is the decline rule's; the referral, whose reason
// the same cases now carry, is credited with none.
TEST(DiffCaseload, ADeclineTurnedReferralCreditsTheDeclineRuleOnly) {
    const fs::path dir = kGolden / "caseload";
    std::string text = slurp(dir / "old.jf");
    replace_once(text, "decline ref \"CC 2.1\" when not complex and total > £1,000",
                 "refer to \"Panel\" ref \"CC 2.2\" when not complex and total > £1,000");
    const fs::path new_file = fs::temp_directory_path() / ("jointly-diff-refer-" + std::to_string(::getpid()) + ".jf");
    std::ofstream(new_file, std::ios::binary) << text;
    const auto r = run({"diff", (dir / "old.jf").string(), new_file.string(), "--caseload",
                        (dir / "caseload.jsonl").string(), "--format", "json"});
    fs::remove(new_file);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto c = json::parse(r.out)["caseload"];
    const json* decline = nullptr;
    const json* referral = nullptr;
    for (const auto& e : c["effects"]) {
        if (e["kind"] != "outcome") continue;
        (e["subject"].get<std::string>().find("refer") != std::string::npos ? referral : decline) = &e;
    }
    ASSERT_NE(decline, nullptr) << c["effects"].dump(2);
    ASSERT_NE(referral, nullptr) << c["effects"].dump(2);
    EXPECT_GT((*referral)["cases"].get<int>(), 0);
    for (const auto& [agency, m] : (*referral)["moved"].items()) EXPECT_EQ(m, "0.00") << agency;
    EXPECT_EQ((*decline)["moved"], c["funded"]["outcomes"]);
    EXPECT_EQ(c["funded"]["outcomes_shared_cases"], 0);
    EXPECT_NE((*decline)["moved"]["social_care"], "0.00");
}

TEST(DiffCaseload, NoCaseEvaluatedIsAFailure) {
    const fs::path dir = kGolden / "caseload";
    std::istringstream empty("\n");
    auto* saved = std::cin.rdbuf(empty.rdbuf());
    const auto r = run({"diff", (dir / "old.jf").string(), (dir / "new.jf").string(), "--caseload", "-"});
    std::cin.rdbuf(saved);
    std::cin.clear();
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("no case of the caseload was evaluated"), std::string::npos) << r.err;
}

// The examples in docs/authoring.md and docs/cli.md are this command's real output.
TEST(DiffDocs, ExamplesAreTheRealOutput) {
    fs::current_path(kSource);
    const auto threshold = run({"diff", "policies/threshold-change/threshold_change_2024.jf",
                                "policies/threshold-change/threshold_change_2025.jf", "--caseload",
                                "policies/threshold-change/caseload.jsonl"});
    ASSERT_EQ(threshold.code, 0) << threshold.err;
    const std::string authoring = slurp(kSource / "docs" / "authoring.md");
    const std::string marker = "<!-- diff example: the output below is checked by tests/server/policy_diff_test.cpp -->\n```\n";
    EXPECT_NE(authoring.find(marker + threshold.out + "```\n"), std::string::npos) << threshold.out;
    const auto caseload = run({"diff", "tests/golden/diff/caseload/old.jf", "tests/golden/diff/caseload/new.jf"});
    ASSERT_EQ(caseload.code, 0) << caseload.err;
    EXPECT_NE(slurp(kSource / "docs" / "cli.md").find("```\n" + caseload.out + "```\n"), std::string::npos)
        << caseload.out;
}

}  // namespace
}  // namespace jointly::testing
