// decision_text: the answer written straight into text must be, byte for byte, what
// encode_decision_ordered's document gives when dumped as the API dumps it, for every worked
// case of every policy (plain and with the trace) and for strings that need escaping.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "jointly/server/codec.hpp"
#include "jointly/server/registry.hpp"
#include "jointly/server/service.hpp"
#include "worked_bodies.hpp"

namespace jointly::server {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string dumped(const engine::Decision& d, const nlohmann::ordered_json& prefix = nlohmann::ordered_json::object()) {
    nlohmann::ordered_json out = prefix;
    const nlohmann::ordered_json doc = encode_decision_ordered(d);
    for (const auto& [key, value] : doc.items()) out[key] = value;
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(DecisionText, EqualsTheDumpedDocumentForEveryWorkedCase) {
    const fs::path policies = fs::path(JOINTLY_SOURCE_DIR) / "policies";
    const auto load = load_policies({policies});
    ASSERT_TRUE(load.ok);
    const Snapshot snapshot(load.policies, 1);
    std::size_t compared = 0;
    std::set<std::string> outcomes;
    for (const auto& [file, body] : testing::worked_bodies(policies, load)) {
        for (const bool full : {false, true}) {
            EvaluateOptions options;
            options.explain_full = full;
            const auto result = evaluate_body(snapshot, body, options);
            if (!result.evaluated) continue;  // a case that expects an error
            const auto& d = result.evaluated->decision;
            EXPECT_EQ(decision_text(d), dumped(d)) << file << (full ? " (explain=full)" : "");
            outcomes.insert(engine::to_string(d.outcome));
            ++compared;
        }
    }
    // The corpus reaches every outcome, so every optional field is written at least once.
    EXPECT_GT(compared, 100u);
    EXPECT_EQ(outcomes, (std::set<std::string>{"approve", "decline", "refer"}));
}

engine::Decision awkward() {
    engine::Decision d;
    d.policy_id = "p";
    d.policy_version = "1 \"quoted\" \\ back";
    d.policy_sha256 = std::string(64, 'a');
    d.engine = "jointly 0.1.0";
    d.case_ref = "tab\there, line\nend, bell\x07, del\x7f, nul-free \x01\x1f";
    d.outcome = engine::Outcome::Refer;
    d.referred_to = "Director of Children’s Services £";
    d.outcome_reasons = {"over £250,000.00", "é ü 😀"};
    d.reasons = {{engine::ReasonKind::Refer, "", "", "over £250,000.00"},
                 {engine::ReasonKind::LineRefer, "rule\\r", "CNP 5.2", "x"}};
    // The same name twice: ordered_json keeps its first place and its last value.
    d.eligibility = {{"cc", true, engine::Words("first")},
                     {"other", false, engine::Words("b")},
                     {"cc", false, engine::Words("last")}};
    d.total = engine::Money::pence(-12345);
    d.by_agency = {{"health", engine::Money::pence(1)}, {"social_care", engine::Money::pence(-2)}};
    d.by_agency_group = {{"nhs", engine::Money::pence(3)}};
    d.by_financial_year["2025-26"] = {{"health", engine::Money::pence(100)}};
    d.by_line["l\"1"] = {{"health", engine::Money::pence(100)}};
    engine::Allocation a;
    a.line = "l\"1";
    a.days = 7;
    a.rule = "r";
    // Two slots of a split that facts resolved to one agency.
    a.shares = {{"health", engine::Money::pence(5)}, {"social_care", engine::Money::pence(6)},
                {"health", engine::Money::pence(7)}};
    a.reason = "because \"we\" said\r\n";
    d.allocations = {a};
    engine::Issue refused;
    refused.kind = engine::IssueKind::Refused;
    refused.rules = {"a", "b\\"};
    refused.reason = "no";
    engine::Issue referred;
    referred.kind = engine::IssueKind::Referred;
    referred.rule = "r";
    referred.referred_to = "panel\b\f";
    engine::Issue uncovered;
    d.issues = {refused, referred, uncovered};
    d.explanation = {"one", "", "three\u2028"};
    d.trace = {{"line pc", "r", true, {"a: true", "b"}}, {"outcome", "", false, {}}};
    return d;
}

TEST(DecisionText, EscapesAsNlohmannDoes) {
    const auto d = awkward();
    EXPECT_EQ(decision_text(d), dumped(d));
    // What the text must hold, read back: the escapes were escapes, not raw control bytes.
    const json back = json::parse(decision_text(d));
    EXPECT_EQ(back.at("case_ref"), d.case_ref);
    EXPECT_EQ(back.at("eligibility").at("cc").at("reason"), "last");
    EXPECT_EQ(back.at("allocations").at(0).at("shares").at("health"), "0.07");
    EXPECT_EQ(back.at("allocations").at(0).at("shares").size(), 2u);
    EXPECT_TRUE(back.at("reasons").at(0).at("rule").is_null());
    EXPECT_EQ(back.at("referred_to"), d.referred_to);
}

// Strings are checked and copied 16 bytes at a time (8 without SSE2), the last block overlapping
// the one before, strings of 8 to 15 bytes as two words and shorter ones byte by byte: each
// byte that needs care, at every place in strings of every length up to three blocks and a
// part, is written as nlohmann writes it.
TEST(DecisionText, EscapesEveryByteAtEveryPlace) {
    auto d = awkward();
    std::size_t checked = 0;
    const std::vector<std::string> specials{"\"", "\\", "\n", std::string(1, '\0'), "\x1f", "\x7f", "\xc2\xa3", "\xff", " "};
    for (const std::string& special : specials) {
        for (std::size_t length = 0; length <= 50; ++length) {
            for (std::size_t at = 0; at < length; ++at) {
                std::string s(length, 'a');
                s.replace(at, 1, special);
                d.case_ref = s;
                ASSERT_EQ(decision_text(d), dumped(d)) << "byte " << at << " of " << length;
                ++checked;
            }
        }
    }
    EXPECT_EQ(checked, 9U * 1275U);  // 1 + 2 + ... + 50 places for each
    // A byte to escape first, then, blocks later, bytes past 0x7f (valid or not): the whole
    // string is checked, not only up to the escape.
    for (const std::string& late : {std::string("\xff"), std::string("\xc2\xa3"), std::string("\xe2\x82")}) {
        d.case_ref = "\"" + std::string(20, 'a') + late + std::string(20, 'a');
        ASSERT_EQ(decision_text(d), dumped(d));
    }
}

TEST(DecisionText, ReplacesInvalidUtf8AsTheApiDid) {
    auto d = awkward();
    d.case_ref = "bad \xff\xfe byte";
    d.explanation = {"cut \xe2\x82"};
    EXPECT_EQ(decision_text(d), dumped(d));
    EXPECT_NE(decision_text(d).find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
}

// A batch appends each answer to the text before it (the writer makes room past the text and
// cuts the string to what it wrote): the text before is left as it was, and each answer, with
// strings that are not UTF-8 or without, is what decision_text gives alone.
TEST(DecisionText, AppendedAfterOtherTextTheSameWithAndWithoutInvalidUtf8) {
    auto valid = awkward();
    auto invalid = awkward();
    invalid.explanation = {"£ fine", "cut \xe2\x82", "é"};
    for (const auto* d : {&valid, &invalid}) {
        std::string text = R"({"count":2,"results":[)";
        const std::string before = text;
        append_decision_text(text, *d);
        text += ',';
        append_decision_text(text, *d);
        EXPECT_EQ(text, before + dumped(*d) + "," + dumped(*d));
    }
    EXPECT_NE(decision_text(invalid).find("\xEF\xBF\xBD"), std::string::npos);
}

TEST(DecisionText, WritesThePrefixFirstInTheObject) {
    const auto d = awkward();
    const nlohmann::ordered_json prefix = {{"decision_id", "D-1"}, {"supersedes", "D-0"}};
    EXPECT_EQ(decision_text(d, R"("decision_id":"D-1","supersedes":"D-0",)"), dumped(d, prefix));
}

}  // namespace
}  // namespace jointly::server
