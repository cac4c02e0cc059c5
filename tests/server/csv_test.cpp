// The CSV exports (server/src/csv.hpp, docs/csv.md): RFC 4180 quoting and CRLF, the formula
// guard on text and never on numbers, UTF-8 passed through, decisions one row per agency, and
// the summary report's money in long form, checked byte for byte.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "csv.hpp"     // server/src: private to the server library
#include "report.hpp"  // server/src

namespace jointly::server {
namespace {

struct FieldCase {
    std::string name;
    std::string in;
    std::string text;    // csv_text(in)
    std::string number;  // csv_number(in)
};

class CsvField : public ::testing::TestWithParam<FieldCase> {};

TEST_P(CsvField, IsWrittenAsShown) {
    const auto& c = GetParam();
    EXPECT_EQ(csv_text(c.in), c.text);
    EXPECT_EQ(csv_number(c.in), c.number);
}

INSTANTIATE_TEST_SUITE_P(
    Csv, CsvField,
    ::testing::Values(
        FieldCase{.name = "plain", .in = "C-1042", .text = "C-1042", .number = "C-1042"},
        FieldCase{.name = "empty", .in = "", .text = "", .number = ""},
        FieldCase{.name = "comma", .in = "Smith, J", .text = "\"Smith, J\"", .number = "\"Smith, J\""},
        FieldCase{.name = "quote", .in = "the \"big\" one", .text = "\"the \"\"big\"\" one\"",
                  .number = "\"the \"\"big\"\" one\""},
        FieldCase{.name = "lf", .in = "a\nb", .text = "\"a\nb\"", .number = "\"a\nb\""},
        FieldCase{.name = "crlf_inside", .in = "a\r\nb", .text = "\"a\r\nb\"", .number = "\"a\r\nb\""},
        FieldCase{.name = "formula", .in = "=HYPERLINK(\"http://x\")", .text = "\"'=HYPERLINK(\"\"http://x\"\")\"",
                  .number = "\"'=HYPERLINK(\"\"http://x\"\")\""},
        FieldCase{.name = "plus", .in = "+44 20", .text = "'+44 20", .number = "'+44 20"},
        FieldCase{.name = "at", .in = "@SUM(A1)", .text = "'@SUM(A1)", .number = "'@SUM(A1)"},
        FieldCase{.name = "tab", .in = "\tx", .text = "'\tx", .number = "'\tx"},
        FieldCase{.name = "cr", .in = "\rx", .text = "\"'\rx\"", .number = "\"'\rx\""},
        FieldCase{.name = "dde", .in = "-2+3+cmd|' /C calc'!A0", .text = "'-2+3+cmd|' /C calc'!A0",
                  .number = "'-2+3+cmd|' /C calc'!A0"},
        // Negative money is a number: only csv_text guards it (a case_ref of "-12.50" is text).
        FieldCase{.name = "negative_money", .in = "-12.50", .text = "'-12.50", .number = "-12.50"},
        FieldCase{.name = "money", .in = "9858.01", .text = "9858.01", .number = "9858.01"},
        FieldCase{.name = "count", .in = "42", .text = "42", .number = "42"},
        FieldCase{.name = "not_a_number", .in = "-12.50.1", .text = "'-12.50.1", .number = "'-12.50.1"},
        FieldCase{.name = "bare_minus", .in = "-", .text = "'-", .number = "'-"},
        FieldCase{.name = "equals_inside", .in = "a=b", .text = "a=b", .number = "a=b"},
        FieldCase{.name = "non_ascii", .in = "Zoë Łukasiewicz – £1,500 ✓", .text = "\"Zoë Łukasiewicz – £1,500 ✓\"",
                  .number = "\"Zoë Łukasiewicz – £1,500 ✓\""},
        FieldCase{.name = "non_ascii_plain", .in = "Jürgen", .text = "Jürgen", .number = "Jürgen"}),
    [](const ::testing::TestParamInfo<FieldCase>& field) { return field.param.name; });

DecisionRecord decision(std::string id, std::string case_ref, std::string outcome, std::string total,
                        std::string response_json, std::string request_json = "{}") {
    DecisionRecord r;
    r.id = std::move(id);
    r.created_at = "2026-12-02T14:08:02Z";
    r.case_ref = std::move(case_ref);
    r.policy_id = "reference";
    r.policy_version = "2025.1";
    r.policy_sha256 = "ab12";
    r.as_of = "2025-06-01";
    r.outcome = std::move(outcome);
    r.total = std::move(total);
    r.request_json = std::move(request_json);
    r.response_json = std::move(response_json);
    return r;
}

const char* const kDecisionsHeader =
    "decision_id,created_at,case_ref,policy_id,policy_version,policy_sha256,as_of,outcome,total,erased,agency,"
    "amount\r\n";

TEST(Csv, ADecisionWithTwoAgenciesIsTwoRowsExactly) {
    const auto csv = decisions_csv({decision(
        "d-0123456789abcdef", "C-1042", "approve", "1000.00",
        R"({"decision_id": "d-0123456789abcdef", "total": "1000.00",
            "by_agency": {"health": "600.00", "social_care": "400.00"}})")});
    EXPECT_EQ(csv, std::string(kDecisionsHeader) +
                       "d-0123456789abcdef,2026-12-02T14:08:02Z,C-1042,reference,2025.1,ab12,2025-06-01,approve,"
                       "1000.00,false,health,600.00\r\n"
                       "d-0123456789abcdef,2026-12-02T14:08:02Z,C-1042,reference,2025.1,ab12,2025-06-01,approve,"
                       "1000.00,false,social_care,400.00\r\n");
}

TEST(Csv, DecisionsKeepTheirOrderAgenciesTheirsAndAmountsAsStored) {
    const auto csv = decisions_csv({
        decision("d-2", "=cmd()", "refer", "0.10", R"({"by_agency": {"education": "0.1", "health": "-0.00"}})"),
        decision("d-1", "Zoë, \"Z\"", "decline", "12.00", R"({"by_agency": {}})"),
        decision("d-0", "", "approve", "5.00", "not json"),
    });
    EXPECT_EQ(csv, std::string(kDecisionsHeader) +
                       // amounts exactly as stored, never reformatted
                       "d-2,2026-12-02T14:08:02Z,'=cmd(),reference,2025.1,ab12,2025-06-01,refer,0.10,false,education,0.1\r\n"
                       "d-2,2026-12-02T14:08:02Z,'=cmd(),reference,2025.1,ab12,2025-06-01,refer,0.10,false,health,-0.00\r\n"
                       // no agencies: one row, agency and amount empty
                       "d-1,2026-12-02T14:08:02Z,\"Zoë, \"\"Z\"\"\",reference,2025.1,ab12,2025-06-01,decline,12.00,false,,\r\n"
                       // a response that cannot be read: the same
                       "d-0,2026-12-02T14:08:02Z,,reference,2025.1,ab12,2025-06-01,approve,5.00,false,,\r\n");
}

TEST(Csv, AnErasedDecisionSaysSoWithItsFiguresAndNoCaseReference) {
    auto erased = decision("d-e", "", "approve", "10.00", R"({"by_agency": {"health": "10.00"}})");
    erased.erased = Erasure{"d-e", "2026-12-03T09:00:00Z", "records-officer", "ER-1", "req-1", std::nullopt};
    EXPECT_EQ(decisions_csv({erased}),
              std::string(kDecisionsHeader) + "d-e,2026-12-02T14:08:02Z,,reference,2025.1,ab12,2025-06-01,approve,10.00,true,"
                                               "health,10.00\r\n");
}

TEST(Csv, NoDecisionsIsTheHeaderAlone) { EXPECT_EQ(decisions_csv({}), kDecisionsHeader); }

TEST(Csv, EveryLineEndsInCrlfAndNoLoneLf) {
    const auto csv = decisions_csv({decision("d-1", "line\nbreak", "approve", "1.00", R"({"by_agency": {"a": "1.00"}})")});
    // The only LF not after a CR is inside the quoted field.
    EXPECT_EQ(csv.substr(csv.size() - 2), "\r\n");
    EXPECT_NE(csv.find(",\"line\nbreak\","), std::string::npos) << csv;
}

// The summary report's own JSON (SummaryReport), so the CSV follows its real shape.
TEST(Csv, TheSummaryReportInLongForm) {
    SummaryReport report;
    report.add(decision("d-1", "S-1", "approve", "1000.00",
                        R"({"total": "1000.00", "by_agency": {"health": "600.00", "social_care": "400.00"},
                            "by_financial_year": {"2025-26": {"health": "600.00", "social_care": "400.00"}},
                            "by_line": {"eq": {"health": "600.00", "social_care": "400.00"}}})",
                        R"({"lines": [{"id": "eq", "service": "equipment", "amount": "1000.00", "date": "2025-06-01"}]})"),
               PanelRecord{"p-1", "d-1",
                           R"({"outcome": "approved", "override": {"shares": {"health": "500.00", "social_care": "500.00"}}})",
                           "", "2026-12-02T15:00:00Z"});
    report.add(decision("d-2", "S-2", "decline", "70.00",
                        R"({"total": "70.00", "by_agency": {"health": "0.00", "social_care": "70.00"},
                            "by_financial_year": {"2025-26": {"health": "0.00", "social_care": "70.00"}},
                            "by_line": {"tx": {"health": "0.00", "social_care": "70.00"}}})",
                        R"({"lines": [{"id": "tx", "service": "transport", "amount": "70.00", "date": "2025-06-01"}]})"),
               std::nullopt);
    nlohmann::ordered_json summary = {{"from", "2026-12-01"}, {"to", nullptr}, {"policy", "reference"}};
    const auto result = report.result();
    for (const auto& [key, value] : result.items()) summary[key] = value;
    EXPECT_EQ(summary_csv(summary),
              "from,to,policy,section,breakdown,key,decisions,agency,amount\r\n"
              "2026-12-01,,reference,funded,all,,1,health,600.00\r\n"
              "2026-12-01,,reference,funded,all,,1,social_care,400.00\r\n"
              "2026-12-01,,reference,funded,financial_year,2025-26,,health,600.00\r\n"
              "2026-12-01,,reference,funded,financial_year,2025-26,,social_care,400.00\r\n"
              "2026-12-01,,reference,funded,service,equipment,1,health,600.00\r\n"
              "2026-12-01,,reference,funded,service,equipment,1,social_care,400.00\r\n"
              "2026-12-01,,reference,declined,all,,1,health,0.00\r\n"
              "2026-12-01,,reference,declined,all,,1,social_care,70.00\r\n"
              "2026-12-01,,reference,declined,financial_year,2025-26,,health,0.00\r\n"
              "2026-12-01,,reference,declined,financial_year,2025-26,,social_care,70.00\r\n"
              "2026-12-01,,reference,declined,service,transport,1,health,0.00\r\n"
              "2026-12-01,,reference,declined,service,transport,1,social_care,70.00\r\n"
              // the override's change: negative money is written as the number it is
              "2026-12-01,,reference,overrides,all,,1,health,-100.00\r\n"
              "2026-12-01,,reference,overrides,all,,1,social_care,100.00\r\n");
}

TEST(Csv, APartialSummaryWritesWhatItHas) {
    EXPECT_EQ(summary_csv(nlohmann::ordered_json::object()),
              "from,to,policy,section,breakdown,key,decisions,agency,amount\r\n");
    EXPECT_EQ(summary_csv(nlohmann::ordered_json::array()),
              "from,to,policy,section,breakdown,key,decisions,agency,amount\r\n");
    const auto odd = nlohmann::ordered_json::parse(R"({"policy": "=x", "funded": {"by_agency": {"@a": "-1.00"}}})");
    EXPECT_EQ(summary_csv(odd),
              "from,to,policy,section,breakdown,key,decisions,agency,amount\r\n"
              ",,'=x,funded,all,,,'@a,-1.00\r\n");
}

}  // namespace
}  // namespace jointly::server
