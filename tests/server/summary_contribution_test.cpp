// A stored answer's members for the summary are read with simdjson (read_answer_fast) and,
// where that reading declines, with ordered_json (read_answer, the reference). Where the fast
// reading answers it must give what the reference gives, and throw where the reference throws:
// over every worked case's answer, stored answers of odd shapes (members missing, of other
// types, not money, not JSON) and answers over and under the size a thread's parser keeps. It
// must decline exactly the texts where simdjson would read otherwise (a key named twice, a
// byte-order mark, a NUL after the document, an integer past 64 bits, deep nesting), and then
// read_decision reads them as the reference does.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jointly/server/codec.hpp"
#include "jointly/server/service.hpp"
#include "summary_contribution.hpp"  // server/src: private to the server library
#include "worked_bodies.hpp"

namespace jointly::server {
namespace {

namespace fs = std::filesystem;
using summary::detail::Answer;

enum class Fast { Answered, Threw, Declined };

std::optional<Answer> reference(const std::string& outcome, const std::string& text, bool with_lines) {
    try {
        return summary::detail::read_answer(outcome, text, with_lines);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// The fast reading against the reference on one stored answer; what the fast reading did.
Fast agree(const std::string& outcome, const std::string& text, bool with_lines = true) {
    const auto expected = reference(outcome, text, with_lines);
    std::optional<Answer> got;
    try {
        got = summary::detail::read_answer_fast(outcome, text, with_lines);
    } catch (const std::exception&) {
        EXPECT_FALSE(expected) << "the fast reading threw where the reference reads: " << text;
        return Fast::Threw;
    }
    if (!got) return Fast::Declined;
    EXPECT_TRUE(expected) << "the fast reading read what the reference cannot: " << text;
    if (expected) {
        EXPECT_TRUE(*got == *expected) << text;
    }
    return Fast::Answered;
}

// Each answer as the route stores it (after its decision_id, and after a supersedes), and as
// an erasure keeps it (the figures only, no reasons or lines: read without lines).
TEST(SummaryReading, ReadsEveryWorkedCaseAnswerAsTheReference) {
    std::size_t read = 0;
    testing::each_worked_result(EvaluateOptions{}, [&](const fs::path& file, const nlohmann::json&,
                                                       const EvaluateResult& result) {
        if (!result.evaluated) return;
        const auto& d = result.evaluated->decision;
        const std::string outcome = engine::to_string(d.outcome);
        const std::string stored = decision_text(d, R"("decision_id":"d-0123456789abcdef",)");
        EXPECT_EQ(agree(outcome, stored), Fast::Answered) << file;
        EXPECT_EQ(agree(outcome, decision_text(d, R"("decision_id":"d-1","supersedes":"d-0",)")), Fast::Answered)
            << file;
        nlohmann::ordered_json erased = nlohmann::ordered_json::object();
        const auto whole = nlohmann::ordered_json::parse(stored);
        for (const char* key : {"decision_id", "policy", "engine", "as_of", "outcome", "referred_to", "total",
                                "by_agency", "by_financial_year"})
            if (whole.contains(key)) erased[key] = whole[key];
        EXPECT_EQ(agree(outcome, erased.dump(), false), Fast::Answered) << file;
        ++read;
    });
    EXPECT_GT(read, 70U);
}

const std::string kAmounts = R"("by_agency": {"health": "10.00", "social_care": 5}, )";
const std::string kYears = R"("by_financial_year": {"2025-26": {"health": "10.00"}, "2024-25": {"social_care": "5.00"}})";

// `{"total": "15.00", by_agency, by_financial_year` and `rest`.
std::string answer(const std::string& rest) { return R"({"total": "15.00", )" + kAmounts + kYears + rest + "}"; }

TEST(SummaryReading, ReadsOddShapesAsTheReference) {
    const std::vector<std::string> texts{
        answer(""),
        R"({"total": 15, )" + kAmounts + kYears + R"(, "reasons": [{"kind": "issue"}, {"kind": 3, "rule": "r", "ref": null}, 7, []]})",
        answer(R"(, "reasons": {"a": {"kind": "refer", "rule": "x", "ref": "1"}})"),
        answer(R"(, "reasons": 7)"),
        answer(R"(, "reasons": "issue")"),
        answer(R"(, "reasons": null, "referred_to": "the CHC panel")"),
        answer(R"(, "referred_to": null)"),
        answer(R"(, "referred_to": 4)"),
        answer(R"(, "by_line": {"pc": {"health": "1.00"}, "eq": [], "res": {"education": "2.50"}})"),
        answer(R"(, "by_line": [{"health": "1.00"}, 2])"),
        answer(R"(, "by_line": null)"),
        answer(R"(, "by_line": "pc")"),
        answer(R"(, "by_line": {"pc": {"health": 1.5}})"),
        answer(R"(, "explanation": ["£ and \u00e9 \ud83d\ude00"])"),
        R"({"total": "15.00", "by_agency": [1, 2], )" + kYears + "}",
        R"({"total": "15.00", "by_agency": {"health": null}, )" + kYears + "}",
        R"({"total": "15.00", "by_agency": {"health": {"x": 1}}, )" + kYears + "}",
        R"({"total": "15.00", )" + kAmounts + R"("by_financial_year": [{"health": "1.00"}, "x"]})",
        R"({"total": "15.00", )" + kAmounts + R"("by_financial_year": null})",
        R"({"total": "15.00", )" + kAmounts + R"("by_financial_year": "2025-26"})",
        R"({"total": "15.00", "by_agency": {"health": "15.00"}})",
        "{" + kAmounts + kYears + "}",
        R"({"total": "15.00", )" + kYears + "}",
        R"({"total": "fifteen", )" + kAmounts + kYears + "}",
        R"({"total": "15.001", )" + kAmounts + kYears + "}",
        R"({"total": 1e3, )" + kAmounts + kYears + "}",
        R"({"total": -0, )" + kAmounts + kYears + "}",
        R"({"total": true, )" + kAmounts + kYears + "}",
        R"({"total": "15.00", "by_agency": {"health": 18446744073709551615}, )" + kYears + "}",
        R"({"tot\u0061l": "15.00", )" + kAmounts + kYears + "}",
        R"([1, 2])",
        R"("total")",
        "null",
    };
    for (const auto& text : texts) {
        for (const char* outcome : {"approve", "refer"}) {
            for (const bool with_lines : {true, false}) {
                EXPECT_NE(agree(outcome, text, with_lines), Fast::Declined) << text;
            }
        }
    }
}

// Text that is not JSON: the fast reading declines, and the reference finds it unreadable.
TEST(SummaryReading, DeclinesWhatIsNotJson) {
    for (const std::string& text : {std::string(), std::string("   "), answer(R"(, "x": ["\ud800 lone"])"),
                                   std::string(R"({"total": "15.00", )") + kAmounts + "}", std::string("{not json")}) {
        EXPECT_EQ(agree("approve", text), Fast::Declined) << text;
        EXPECT_FALSE(reference("approve", text, true)) << text;
    }
}

// Where simdjson would read a text otherwise than ordered_json, the fast reading declines, and
// read_decision gives what the reference gives.
TEST(SummaryReading, DeclinesWhatSimdjsonWouldReadOtherwise) {
    std::string deep = answer(R"(, "x": )");
    deep.pop_back();
    for (int i = 0; i < 1100; ++i) deep += "[";
    for (int i = 0; i < 1100; ++i) deep += "]";
    deep += "}";
    const std::vector<std::string> texts{
        R"({"total": "1.00", "total": "2.00", )" + kAmounts + kYears + "}",
        R"({"total": "x", "total": "2.00", )" + kAmounts + kYears + "}",
        R"({"total": "1.00", "tot\u0061l": "2.00", )" + kAmounts + kYears + "}",
        R"({"total": "1.00", "by_agency": {"health": "1.00", "la": "2.00", "health": "3.00"}, )" + kYears + "}",
        answer(R"(, "reasons": [{"kind": "a", "kind": "b"}])"),
        answer(R"(, "referred_to": null, "referred_to": "the panel")"),
        answer(R"(, "by_line": {"pc": {"health": "1.00"}, "pc": {"health": "2.00"}})"),
        answer(R"(, "explanation": [], "explanation": [])"),
        "\xEF\xBB\xBF" + answer(""),
        answer("") + std::string(1, '\0'),
        answer("") + std::string(1, '\0') + "junk",
        answer(R"(, "x": 18446744073709551616)"),
        answer(R"(, "x": 123456789012345678901234567890)"),
        deep,
    };
    for (const auto& text : texts) {
        EXPECT_EQ(agree("refer", text), Fast::Declined) << text;
        DecisionRecord record;
        record.outcome = "refer";
        record.as_of = "2025-06-01";
        record.request_json = "{}";
        record.response_json = text;
        const auto expected = reference("refer", text, true);
        std::optional<summary::Contribution> got;
        try {
            got = summary::read_decision(record);
        } catch (const std::exception&) {
        }
        ASSERT_EQ(got.has_value(), expected.has_value()) << text;
        if (!got) continue;
        EXPECT_EQ(got->total, expected->total) << text;
        EXPECT_EQ(got->referred_to, expected->referred_to) << text;
        EXPECT_EQ(got->by_agency, expected->by_agency) << text;
        EXPECT_EQ(got->by_year, expected->by_year) << text;
        EXPECT_EQ(got->reasons, expected->reasons) << text;
    }
}

// Answers over and under the size a thread keeps its parser for, read in turn: each is read as
// the reference reads it, whatever the parser read before.
TEST(SummaryReading, ReadsAnswersOverAndUnderTheSizeItsParserKeepsInTurn) {
    std::string by_line;
    for (int i = 0; i < 3000; ++i) by_line += (i ? "," : "") + ("\"line-" + std::to_string(i) + "\": {\"health\": \"1.00\"}");
    const std::string large = answer(R"(, "by_line": {)" + by_line + "}");
    ASSERT_GT(large.size(), summary::detail::kKeepParserForAnswersUpTo);
    ASSERT_LT(std::string(answer("")).size(), summary::detail::kKeepParserForAnswersUpTo);
    const std::string small = answer(R"(, "by_line": {"pc": {"health": "1.00"}})");
    for (const auto* text : {&small, &large, &small, &large, &large, &small})
        EXPECT_EQ(agree("approve", *text), Fast::Answered);
}

}  // namespace
}  // namespace jointly::server
