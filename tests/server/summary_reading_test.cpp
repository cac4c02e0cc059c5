// summary::read_decision reads a stored response with simdjson's DOM. It must read what the
// ordered_json reading it replaced read: the same total, referral, amounts in the same order,
// reasons and spend per service, over every worked case's answer and over stored answers of
// odd shapes (members missing, of other types, not money, not JSON), which it must find
// unreadable exactly when that reading threw. The oracle below is that reading, kept here.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "jointly/server/codec.hpp"
#include "jointly/server/registry.hpp"
#include "jointly/server/service.hpp"
#include "summary_contribution.hpp"  // server/src: private to the server library
#include "worked_bodies.hpp"

namespace jointly::server {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

// --- the oracle: the ordered_json reading of the response -----------------------------
engine::Money money_at(const ojson& value) {
    std::string message;
    const auto money = json_money(nlohmann::json(value), &message);
    if (!money) throw std::runtime_error("not money: " + message);
    return *money;
}

summary::AgencyAmounts amounts_of(const ojson& object) {
    summary::AgencyAmounts out;
    if (!object.is_object()) return out;
    for (const auto& [agency, value] : object.items()) out.emplace_back(agency, money_at(value));
    return out;
}

struct Read {
    engine::Money total;
    std::string referred_to;
    summary::AgencyAmounts by_agency;
    summary::KeyedAmounts by_year;
    summary::KeyedAmounts by_line;  // (line, agency, money): the service comes from the request
    std::set<std::tuple<std::string, std::string, std::string>> reasons;
};

std::optional<Read> oracle(const std::string& outcome, const std::string& response_json) {
    try {
        Read r;
        const auto response = ojson::parse(response_json);
        r.total = money_at(response.at("total"));
        if (outcome == "refer") r.referred_to = response.value("referred_to", std::string());
        r.by_agency = amounts_of(response.at("by_agency"));
        const ojson reasons = response.value("reasons", ojson::array());
        for (const auto& reason : reasons) {
            auto text = [&](const char* key) {
                const auto it = reason.find(key);
                return it != reason.end() && it->is_string() ? it->get<std::string>() : std::string();
            };
            r.reasons.emplace(text("kind"), text("rule"), text("ref"));
        }
        const ojson& years = response.at("by_financial_year");
        for (const auto& [year, list] : years.items())
            for (auto& [agency, money] : amounts_of(list)) r.by_year.emplace_back(year, std::move(agency), money);
        const ojson lines = response.value("by_line", ojson::object());
        for (const auto& [line, list] : lines.items())
            for (auto& [agency, money] : amounts_of(list)) r.by_line.emplace_back(line, std::move(agency), money);
        return r;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// A request whose lines' ids are their services, so that by_service names each line.
const std::string kLinesAsServices =
    R"({"lines": [{"id": "pc", "service": "pc"}, {"id": "res", "service": "res"}, {"id": "eq", "service": "eq"},
                  {"id": "a", "service": "a"}, {"id": "0", "service": "0"}]})";

// read_decision against the oracle on one stored response.
// `lines_are_services`: the request names each line's service as the line (so by_service can be
// compared with the oracle's by_line).
void agree(const std::string& outcome, const std::string& response_json, const std::string& request_json,
           bool lines_are_services = false) {
    DecisionRecord record;
    record.outcome = outcome;
    record.as_of = "2025-06-01";
    record.request_json = request_json;
    record.response_json = response_json;
    const auto expected = oracle(outcome, response_json);
    std::optional<summary::Contribution> got;
    try {
        got = summary::read_decision(record);
    } catch (const std::exception&) {
    }
    ASSERT_EQ(got.has_value(), expected.has_value()) << response_json;
    if (!got) return;
    EXPECT_EQ(got->total, expected->total) << response_json;
    EXPECT_EQ(got->referred_to, expected->referred_to) << response_json;
    EXPECT_EQ(got->by_agency, expected->by_agency) << response_json;
    EXPECT_EQ(got->by_year, expected->by_year) << response_json;
    const std::vector<std::tuple<std::string, std::string, std::string>> reasons(expected->reasons.begin(),
                                                                                 expected->reasons.end());
    EXPECT_EQ(got->reasons, reasons) << response_json;
    if (lines_are_services) {
        EXPECT_EQ(got->by_service, expected->by_line) << response_json;
    }
}

TEST(SummaryReading, ReadsEveryWorkedCaseAnswerAsOrderedJsonDid) {
    std::size_t read = 0;
    testing::each_worked_result(EvaluateOptions{}, [&](const fs::path&, const nlohmann::json& body,
                                                       const EvaluateResult& result) {
        if (!result.evaluated) return;
        const auto& d = result.evaluated->decision;
        agree(engine::to_string(d.outcome), decision_text(d), body.dump());
        ++read;
    });
    EXPECT_GT(read, 70U);
}

TEST(SummaryReading, ReadsOddShapesAsOrderedJsonDid) {
    const std::string amounts = R"("by_agency": {"health": "10.00", "social_care": 5}, )";
    const std::string years = R"("by_financial_year": {"2025-26": {"health": "10.00"}, "2024-25": {"social_care": "5.00"}})";
    const std::vector<std::string> responses{
        "{" + std::string(R"("total": "15.00", )") + amounts + years + "}",
        "{" + std::string(R"("total": 15, )") + amounts + years + R"(, "reasons": [{"kind": "issue"}, {"kind": 3, "rule": "r", "ref": null}, 7, []])" + "}",
        "{" + std::string(R"("total": "15.00", )") + amounts + years + R"(, "reasons": {"a": {"kind": "refer", "rule": "x", "ref": "1"}})" + "}",
        "{" + std::string(R"("total": "15.00", )") + amounts + years + R"(, "reasons": null, "referred_to": "the CHC panel")" + "}",
        "{" + std::string(R"("total": "15.00", )") + amounts + years + R"(, "referred_to": null)" + "}",
        "{" + std::string(R"("total": "15.00", )") + amounts + years + R"(, "referred_to": 4)" + "}",
        "{" + std::string(R"("total": "15.00", )") + amounts + years + R"(, "by_line": {"pc": {"health": "1.00"}, "eq": [], "res": {"education": "2.50"}})" + "}",
        "{" + std::string(R"("total": "15.00", )") + amounts + years + R"(, "by_line": [{"health": "1.00"}, 2])" + "}",
        "{" + std::string(R"("total": "15.00", )") + amounts + years + R"(, "by_line": null)" + "}",
        "{" + std::string(R"("total": "15.00", )") + amounts + years + R"(, "by_line": {"pc": {"health": 1.5}})" + "}",
        "{" + std::string(R"("total": "15.00", "by_agency": [1, 2], )") + years + "}",
        "{" + std::string(R"("total": "15.00", "by_agency": {"health": null}, )") + years + "}",
        "{" + std::string(R"("total": "15.00", "by_agency": {"health": {"x": 1}}, )") + years + "}",
        "{" + std::string(R"("total": "15.00", )") + amounts + R"("by_financial_year": [{"health": "1.00"}, "x"])" + "}",
        "{" + std::string(R"("total": "15.00", )") + amounts + R"("by_financial_year": null)" + "}",
        "{" + std::string(R"("total": "15.00", )") + amounts + R"("by_financial_year": "2025-26")" + "}",
        "{" + std::string(R"("total": "15.00", )") + amounts + "}",
        "{" + amounts + years + "}",
        "{" + std::string(R"("total": "15.00", )") + years + "}",
        "{" + std::string(R"("total": "fifteen", )") + amounts + years + "}",
        "{" + std::string(R"("total": "15.001", )") + amounts + years + "}",
        "{" + std::string(R"("total": 1e3, )") + amounts + years + "}",
        "{" + std::string(R"("total": true, )") + amounts + years + "}",
        R"([1, 2])",
        R"("total")",
        R"({"total": "15.00")",
        "",
        R"({"total": "15.00", "by_agency": {"health": "15.00"}, "by_financial_year": {}} trailing)",
        "{" + std::string(R"("total": "15.00", )") + amounts + years + R"(, "explanation": ["£ and \u00e9 \ud83d\ude00"])" + "}",
    };
    for (const auto& response : responses) {
        for (const char* outcome : {"approve", "refer"}) agree(outcome, response, kLinesAsServices, true);
    }
}

// A thread frees its parser's memory after an answer over 64 KiB: the answers read after it, and
// it, are read as before.
TEST(SummaryReading, ReadsAnAnswerOverItsKeptSizeAndThoseAfter) {
    std::string by_line;
    std::string lines;
    for (int i = 0; i < 3000; ++i) {
        const std::string id = "line-" + std::to_string(i);
        by_line += (i ? "," : "") + ("\"" + id + "\": {\"health\": \"1.00\"}");
        lines += (i ? "," : "") + ("{\"id\": \"" + id + "\", \"service\": \"" + id + "\"}");
    }
    lines += R"(, {"id": "pc", "service": "pc"})";
    const std::string request = R"({"lines": [)" + lines + "]}";
    const std::string large = R"({"total": "3000.00", "by_agency": {"health": "3000.00"}, )"
                              R"("by_financial_year": {"2025-26": {"health": "3000.00"}}, "by_line": {)" + by_line + "}}";
    ASSERT_GT(large.size(), 64U * 1024);
    const std::string small = R"({"total": "1.00", "by_agency": {"health": "1.00"}, "by_financial_year": {"2025-26": {"health": "1.00"}}, )"
                              R"("by_line": {"pc": {"health": "1.00"}}})";
    for (const auto* response : {&small, &large, &small, &large, &large, &small}) agree("approve", *response, request, true);
}

}  // namespace
}  // namespace jointly::server
