// GET /v1/reports/summary over decisions stored through the API, with panel records, against
// figures worked by hand; and SummaryReport on records it cannot read.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "http_fixture.hpp"
#include "report.hpp"  // server/src: private to the server library

namespace jointly::testing {
namespace {

using nlohmann::json;

json request(const char* case_ref, const json& facts, const json& lines) {
    return {{"policy", "reference"}, {"as_of", "2025-06-01"}, {"case_ref", case_ref}, {"facts", facts}, {"lines", lines}};
}

json panel(const char* outcome) { return {{"outcome", outcome}, {"date", "2025-07-01"}, {"members", {"Chair"}}}; }

// Five decisions under the reference policy, stored in this order:
//   D1 priority need: equipment 1,000.00 at 60/40 = health 600.00, social care 400.00. Approved.
//   D2 priority need: personal care 700.00 a week, 23 March - 5 April 2026, cut at 1 April:
//      9 days = 900.00 (2025-26) + 5 days = 500.00 (2026-27), all social care. Approved; the
//      panel approves it with an override: health 700.00, social care 700.00.
//   D3 EHC plan: residential 7,000.00 a week, 7 April 2025 - 29 March 2026 (357 days) =
//      357,000.00 in thirds of 119,000.00; health's cap 1,500 x 357 / 7 = 76,500.00, the
//      excess 42,500.00 to social care (161,500.00). Over £250,000: referred to the Director
//      of Children's Services; the panel defers it, so it still stands under the split.
//   D4 one high need, no EHC plan: personal care 350.00 a week, 2-29 June (28 days) =
//      1,400.00 social care; equipment 500.00 = 300.00 / 200.00. Declined by the rules.
//   D5 priority need: equipment 2,000.00 = 1,200.00 / 800.00. Approved by the rules; the
//      panel approves, then a later record declines it: the latest record decides.
// Funded: D1, D2, D3 = 359,400.00: health 600 + 76,500 = 77,100.00; social care 400 + 1,400
// + 161,500 = 163,300.00; education 119,000.00. In 2025-26 social care has 162,800.00, in
// 2026-27 500.00. Declined: D4, D5 = 3,900.00: health 1,500.00, social care 2,400.00.
// The override moves 700.00 from social care to health.
class ReportSummary : public ::testing::Test {
protected:
    void SetUp() override {
        auto c = server_.client();
        const json priority = {{"dst", {{"breathing", "priority"}}}};
        store(request("D1", priority, json::parse(R"([{"id":"eq","service":"equipment","amount":"1000.00","date":"2025-06-10"}])")));
        const auto d2 = store(request("D2", {{"dst", {{"skin", "priority"}}}},
                                      json::parse(R"([{"id":"pc","service":"personal_care","weekly":"700.00","start":"2026-03-23","end":"2026-04-05"}])")));
        auto override_record = panel("approved");
        override_record["override"] = {{"shares", {{"health", "700.00"}, {"social_care", "700.00"}}},
                                       {"reason", "health shares the fortnight"}};
        record(d2, override_record);
        const auto d3 = store(request("D3", {{"has_ehcp", true}, {"dst", json::object()}},
                                      json::parse(R"([{"id":"res","service":"residential_placement","weekly":"7000.00","start":"2025-04-07","end":"2026-03-29"}])")));
        record(d3, panel("deferred"));
        store(request("D4", {{"dst", {{"skin", "high"}}}},
                      json::parse(R"([{"id":"pc","service":"personal_care","weekly":"350.00","start":"2025-06-02","end":"2025-06-29"},
                                      {"id":"eq","service":"equipment","amount":"500.00","date":"2025-06-10"}])")));
        const auto d5 = store(request("D5", priority,
                                      json::parse(R"([{"id":"eq","service":"equipment","amount":"2000.00","date":"2025-07-01"}])")));
        record(d5, panel("approved"));
        record(d5, panel("declined"));
    }

    std::string store(const json& body) {
        auto r = server_.client().Post("/v1/decisions", bearer(kClientToken), body.dump(), "application/json");
        EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
        return r ? body_of(r).value("decision_id", "") : "";
    }
    void record(const std::string& id, const json& body) {
        auto r = server_.client().Post(("/v1/decisions/" + id + "/panel").c_str(), bearer(kPanelToken), body.dump(),
                                       "application/json");
        EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
    }
    json summary(const std::string& query, int status = 200) {
        auto r = server_.client().Get(("/v1/reports/summary" + query).c_str(), bearer(kClientToken));
        EXPECT_TRUE(r);
        if (!r) return nullptr;
        EXPECT_EQ(r->status, status) << r->body;
        return body_of(r);
    }

    TestServer server_;
};

TEST_F(ReportSummary, CountsOutcomesAndSumsWhatIsFunded) {
    const auto s = summary("");
    const std::vector<std::pair<const char*, json>> expected = {
        {"/decisions", 5},
        {"/outcomes", {{"approve", 3}, {"refer", 1}, {"decline", 1}}},
        {"/panel_outcomes", {{"approved", 1}, {"deferred", 1}, {"declined", 1}, {"escalated", 0}, {"none", 2}}},
        {"/referred_to", {{"Director of Children's Services", 1}}},
        // D4's decline and D3's referral, each from an outcome rule without a clause; the
        // approved D1, D2 and D5 give no reason.
        {"/by_reason", json::array({{{"kind", "decline"}, {"rule", nullptr}, {"ref", nullptr}, {"decisions", 1}},
                                    {{"kind", "refer"}, {"rule", nullptr}, {"ref", nullptr}, {"decisions", 1}}})},
        {"/funded/decisions", 3},
        {"/funded/total", "359400.00"},
        {"/funded/by_agency", {{"health", "77100.00"}, {"social_care", "163300.00"}, {"education", "119000.00"}}},
        {"/funded/by_financial_year",
         {{"2025-26", {{"health", "77100.00"}, {"social_care", "162800.00"}, {"education", "119000.00"}}},
          {"2026-27", {{"health", "0.00"}, {"social_care", "500.00"}, {"education", "0.00"}}}}},
        {"/funded/by_service/equipment",
         {{"decisions", 1}, {"total", "1000.00"},
          {"by_agency", {{"health", "600.00"}, {"social_care", "400.00"}, {"education", "0.00"}}}}},
        {"/funded/by_service/personal_care/total", "1400.00"},
        {"/funded/by_service/residential_placement",
         {{"decisions", 1}, {"total", "357000.00"},
          {"by_agency", {{"health", "76500.00"}, {"social_care", "161500.00"}, {"education", "119000.00"}}}}},
        {"/declined/decisions", 2},
        {"/declined/total", "3900.00"},
        {"/declined/by_agency", {{"health", "1500.00"}, {"social_care", "2400.00"}, {"education", "0.00"}}},
        {"/declined/by_service/equipment/decisions", 2},
        {"/declined/by_service/equipment/total", "2500.00"},
        {"/declined/by_service/personal_care/by_agency/social_care", "1400.00"},
        {"/overrides", {{"decisions", 1}, {"by_agency", {{"health", "700.00"}, {"social_care", "-700.00"}, {"education", "0.00"}}}}},
        {"/unreadable", 0},
        {"/from", nullptr},
        {"/policy", nullptr},
    };
    for (const auto& [pointer, value] : expected) {
        const json::json_pointer at(pointer);
        ASSERT_TRUE(s.contains(at)) << pointer << " missing from " << s.dump();
        EXPECT_EQ(s[at], value) << pointer;
    }
}

// The breakdowns of the same five decisions. Need level: the highest DST level given. D1, D2
// and D5 are `priority` (approved by the rules; the panel: D2 approved with an override, D5
// declined, D1 none), funded D1 1,000.00 + D2 1,400.00 = 2,400.00 (D5 declined by the panel);
// D4 is `high` (declined: nothing funded); D3 gives no level and is not counted. All were
// stored this month; no request gives a date of birth, so every age band is `unknown`.
TEST_F(ReportSummary, BreaksDecisionsDownByMonthNeedLevelAndAgeBand) {
    const auto s = summary("");
    const json priority = {{"decisions", 3},
                           {"outcomes", {{"approve", 3}, {"refer", 0}, {"decline", 0}}},
                           {"panel_outcomes", {{"approved", 1}, {"deferred", 0}, {"declined", 1}, {"escalated", 0}, {"none", 1}}},
                           {"overrides", 1},
                           {"funded", "2400.00"}};
    const json high = {{"decisions", 1},
                       {"outcomes", {{"approve", 0}, {"refer", 0}, {"decline", 1}}},
                       {"panel_outcomes", {{"approved", 0}, {"deferred", 0}, {"declined", 0}, {"escalated", 0}, {"none", 1}}},
                       {"overrides", 0},
                       {"funded", "0.00"}};
    EXPECT_EQ(s["by_need_level"], json({{"dst", {{"high", high}, {"priority", priority}}}})) << s["by_need_level"].dump();
    EXPECT_EQ(s["by_need_level"]["dst"].begin().key(), "high");  // lowest level first
    ASSERT_EQ(s["by_month"].size(), 1u) << s["by_month"].dump();
    const auto& month = s["by_month"].begin();
    EXPECT_EQ(month.key().size(), 7u);
    EXPECT_EQ((*month)["decisions"], 5);
    EXPECT_EQ((*month)["outcomes"], json({{"approve", 3}, {"refer", 1}, {"decline", 1}}));
    EXPECT_EQ((*month)["overrides"], 1);
    EXPECT_EQ((*month)["funded"], "359400.00");
    EXPECT_EQ(s["by_age_band"].size(), 1u);
    EXPECT_EQ(s["by_age_band"]["unknown"]["decisions"], 5);
}

TEST_F(ReportSummary, FiltersByDayStoredAndPolicy) {
    EXPECT_EQ(summary("?from=2000-01-01&to=2999-12-31&policy=reference")["decisions"], 5);
    const auto later = summary("?from=2999-01-01");
    EXPECT_EQ(later["decisions"], 0);
    EXPECT_EQ(later["from"], "2999-01-01");
    EXPECT_EQ(later["funded"]["total"], "0.00");
    EXPECT_EQ(summary("?to=2000-01-01")["decisions"], 0);
    EXPECT_EQ(summary("?policy=other")["decisions"], 0);
    const auto bad = summary("?from=2025-02-30&policy=", 400);
    ASSERT_EQ(bad["error"]["details"].size(), 2u) << bad.dump();
    EXPECT_EQ(bad["error"]["details"][0]["path"], "?from");
    EXPECT_EQ(bad["error"]["details"][1]["path"], "?policy");
    auto anonymous = server_.client().Get("/v1/reports/summary");
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401);
}

TEST(SummaryReport, CountsUnreadableRecordsApart) {
    server::SummaryReport report;
    server::DecisionRecord broken;
    broken.outcome = "approve";
    broken.response_json = "{not json";
    broken.request_json = "{}";
    report.add(broken, std::nullopt);
    server::DecisionRecord good;
    good.outcome = "decline";
    good.request_json = R"({"lines": [{"id": "a", "service": "transport"}]})";
    good.response_json = R"({"total": "10.00", "by_agency": {"health": "10.00"}, "by_financial_year": {"2025-26": {"health": "10.00"}},
                              "by_line": {"a": {"health": "10.00"}}})";
    report.add(good, server::PanelRecord{"p-1", "d-1", R"({"outcome": "mislaid"})", "", ""});  // unknown panel outcome
    report.add(good, std::nullopt);
    const auto r = report.result();
    EXPECT_EQ(r["unreadable"], 2);
    EXPECT_EQ(r["decisions"], 1);
    EXPECT_EQ(r["declined"]["by_service"]["transport"]["total"], "10.00");
    EXPECT_EQ(r["funded"]["total"], "0.00");
}

// Ages on the decision's as_of (or the day stored), in whole years: born 2009-06-02 is 15 on
// 2025-06-01 and 16 on 2025-06-02; born 2020-02-29 is 5 on 2025-03-01; born 1990-01-01 is 35.
TEST(SummaryReport, AgeBandsFromTheDateOfBirthOnTheDecisionDate) {
    server::SummaryReport report;
    const auto add = [&](const std::string& born, const std::string& as_of, const std::string& created_at) {
        server::DecisionRecord d;
        d.outcome = "approve";
        d.as_of = as_of;
        d.created_at = created_at;
        d.request_json = born.empty() ? R"({"facts": {}})" : R"({"facts": {"date_of_birth": ")" + born + R"("}})";
        d.response_json = R"({"total": "10.00", "by_agency": {"health": "10.00"}, "by_financial_year": {}})";
        report.add(d, std::nullopt);
    };
    add("2009-06-02", "2025-06-01", "2025-07-01T10:00:00.000Z");  // 15
    add("2009-06-02", "2025-06-02", "2025-07-01T10:00:00.000Z");  // 16
    add("2009-06-02", "", "2025-06-02T10:00:00.000Z");            // 16 on the day stored
    add("2020-02-29", "2025-03-01", "2025-08-01T10:00:00.000Z");  // 5
    add("2020-02-29", "2025-02-28", "2025-08-01T10:00:00.000Z");  // 4
    add("1990-01-01", "2025-06-01", "2025-08-01T10:00:00.000Z");  // 35
    add("", "2025-06-01", "2025-08-01T10:00:00.000Z");            // no date of birth
    const auto r = report.result();
    std::vector<std::pair<std::string, int>> bands;
    for (const auto& [band, group] : r["by_age_band"].items()) bands.emplace_back(band, group["decisions"].get<int>());
    EXPECT_EQ(bands, (std::vector<std::pair<std::string, int>>{
                         {"0-4", 1}, {"5-10", 1}, {"11-15", 1}, {"16-17", 2}, {"26+", 1}, {"unknown", 1}}));
    std::vector<std::pair<std::string, int>> months;
    for (const auto& [month, group] : r["by_month"].items()) months.emplace_back(month, group["decisions"].get<int>());
    EXPECT_EQ(months, (std::vector<std::pair<std::string, int>>{{"2025-06", 1}, {"2025-07", 2}, {"2025-08", 4}}));
    EXPECT_EQ(r["by_month"]["2025-08"]["funded"], "40.00");
}

}  // namespace
}  // namespace jointly::testing
