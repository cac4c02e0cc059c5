// Safe to expose (issue 9): a repeated JSON key is refused wherever a request is read (E4212),
// amounts and line lengths are bounded at input (E4213, E4214), and reports and simulations
// sum any number of decisions without overflowing.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "http_fixture.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/server/codec.hpp"
#include "jointly/server/registry.hpp"
#include "jointly/server/service.hpp"
#include "jointly/server/store.hpp"
#include "report.hpp"  // server/src: private to the server library

namespace jointly::testing {
namespace {

using nlohmann::json;

// --- parse_json: a repeated key, at any depth, named by the pointer of its second occurrence

struct Duplicate {
    const char* name;
    const char* text;
    const char* path;
    const char* key;
};

void PrintTo(const Duplicate& d, std::ostream* os) { *os << d.name; }

class RepeatedKey : public ::testing::TestWithParam<Duplicate> {};

TEST_P(RepeatedKey, IsRefusedWithItsPointer) {
    const Duplicate& c = GetParam();
    const auto parsed = server::parse_json(c.text);
    ASSERT_FALSE(parsed.value) << c.text;
    EXPECT_EQ(code_text(parsed.error.code), "E4212");
    EXPECT_EQ(parsed.error.code, server::codes::kDuplicateKey);
    EXPECT_EQ(parsed.error.path, c.path);
    EXPECT_EQ(parsed.error.message, std::string("the key `") + c.key + "` appears twice in one object");
}

INSTANTIATE_TEST_SUITE_P(
    Parse, RepeatedKey,
    ::testing::Values(
        Duplicate{.name = "top_level", .text = R"({"a": 1, "a": 2})", .path = "/a", .key = "a"},
        Duplicate{.name = "dst_level",
                  .text = R"({"facts": {"dst": {"breathing": "priority", "breathing": "low"}}})",
                  .path = "/facts/dst/breathing",
                  .key = "breathing"},
        Duplicate{.name = "in_second_line",
                  .text = R"({"lines": [{"id": "a", "weekly": "1.00"}, {"id": "b", "weekly": "1.00", "weekly": "2.00"}]})",
                  .path = "/lines/1/weekly",
                  .key = "weekly"},
        Duplicate{.name = "after_a_nested_value",
                  .text = R"({"case_ref": "A", "lines": [[1, {"x": [2]}]], "case_ref": "B"})",
                  .path = "/case_ref",
                  .key = "case_ref"},
        Duplicate{.name = "escaped_key_in_arrays",
                  .text = R"([{"k": 1}, [{"a~b/c": 1, "a~b/c": 2}]])",
                  .path = "/1/0/a~0b~1c",
                  .key = "a~b/c"},
        Duplicate{.name = "same_key_spelt_with_an_escape",
                  .text = R"({"events": {"surgery": "2025-06-10", "surg\u0065ry": "2025-07-01"}})",
                  .path = "/events/surgery",
                  .key = "surgery"},
        Duplicate{.name = "empty_key", .text = R"({"x": {"": 1, "": 2}})", .path = "/x/", .key = ""}),
    [](const ::testing::TestParamInfo<Duplicate>& p) { return std::string(p.param.name); });

TEST(ParseJson, TheSameKeyInDifferentObjectsIsFine) {
    for (const char* text : {R"({"a": {"x": 1}, "b": {"x": 1}})", R"([{"a": 1}, {"a": 1}])",
                             R"({"a": {"a": {"a": 1}}})"}) {
        const auto parsed = server::parse_json(text);
        ASSERT_TRUE(parsed.value) << text << ": " << parsed.error.message;
        EXPECT_EQ(*parsed.value, json::parse(text)) << text;
    }
}

// The strict builder gives the document nlohmann's own parser gives, for every kind of value.
TEST(ParseJson, BuildsWhatNlohmannBuilds) {
    const std::vector<std::string> texts = {
        R"({"s": "text \"quoted\" \u00e9", "i": -12, "u": 18446744073709551615, "f": 1.5e3, "t": true,
            "n": null, "a": [[], {}, [1, [2, [3]]], {"k": [{"z": 0}]}], "o": {"p": {"q": "r"}}})",
        "[]", "{}", "\"just text\"", "42", "null", read_file(fs::path(JOINTLY_SOURCE_DIR) / "examples/requests/post-op.json")};
    for (const std::string& text : texts) {
        const auto parsed = server::parse_json(text);
        ASSERT_TRUE(parsed.value) << text << ": " << parsed.error.message;
        EXPECT_EQ(parsed.value->dump(), json::parse(text).dump()) << text;
    }
}

TEST(ParseJson, KeepsItsOtherErrors) {
    const auto deep = server::parse_json(R"({"a": [[[["deep"]]]]})", 4);
    EXPECT_EQ(code_text(deep.error.code), "E4202");
    const auto bad = server::parse_json(R"({"a": 1,)");
    EXPECT_EQ(code_text(bad.error.code), "E4201");
    EXPECT_EQ(bad.error.message.rfind("the body is not valid JSON: parse error at line 1, column 9", 0), 0U)
        << bad.error.message;
    const auto trailing = server::parse_json(R"({"a": 1} {"a": 1})");
    EXPECT_EQ(code_text(trailing.error.code), "E4201");
}

// --- decode_request: amounts at most £100,000,000.00, lines at most 18,263 days, 168 hours

std::shared_ptr<const engine::Program> reference() {
    static const auto program = [] {
        const auto source = read_file(fs::path(JOINTLY_SOURCE_DIR) / "policies/reference/reference.jf");
        return engine::compile(source, "reference.jf").program;
    }();
    return program;
}

struct Bound {
    const char* name;
    json line;
    const char* code;  // "" when the line is accepted
    const char* path;
    const char* message;
};

void PrintTo(const Bound& b, std::ostream* os) { *os << b.name; }

class InputBound : public ::testing::TestWithParam<Bound> {};

TEST_P(InputBound, IsEnforcedAtItsField) {
    const Bound& c = GetParam();
    const json body = {{"facts", {{"has_ehcp", true}, {"dst", json::object()}}}, {"lines", {c.line}}};
    const auto decoded = server::decode_request(body, reference()->schema());
    if (std::string(c.code).empty()) {
        EXPECT_TRUE(decoded.request) << decoded.errors.front().path << ": " << decoded.errors.front().message;
        return;
    }
    ASSERT_EQ(decoded.errors.size(), 1U);
    EXPECT_EQ(code_text(decoded.errors[0].code), c.code);
    EXPECT_EQ(decoded.errors[0].path, c.path);
    EXPECT_EQ(decoded.errors[0].message, c.message);
}

json weekly_line(const char* weekly, const char* start, const char* end) {
    return {{"id", "pc"}, {"service", "personal_care"}, {"weekly", weekly}, {"start", start}, {"end", end}};
}
json hourly_line(const char* hourly, json hours) {
    return {{"id", "pc"},      {"service", "personal_care"}, {"hourly", hourly}, {"hours_per_week", std::move(hours)},
            {"start", "2025-06-01"}, {"end", "2025-06-30"}};
}

INSTANTIATE_TEST_SUITE_P(
    Decode, InputBound,
    ::testing::Values(
        Bound{"weekly_at_the_maximum", weekly_line("100000000.00", "2025-06-01", "2025-06-30"), "", "", ""},
        Bound{"weekly_a_penny_over", weekly_line("100000000.01", "2025-06-01", "2025-06-30"), "E4213",
              "/lines/0/weekly", "`weekly` is £100,000,000.01; an amount may be at most £100,000,000.00"},
        Bound{"amount_in_whole_pounds_over",
              {{"id", "eq"}, {"service", "equipment"}, {"amount", 100000001}, {"date", "2025-06-01"}}, "E4213",
              "/lines/0/amount", "`amount` is £100,000,001.00; an amount may be at most £100,000,000.00"},
        Bound{"int64_maximum_amount",
              {{"id", "eq"}, {"service", "equipment"}, {"amount", "92233720368547758.07"}, {"date", "2025-06-01"}},
              "E4213", "/lines/0/amount",
              "`amount` is £92,233,720,368,547,758.07; an amount may be at most £100,000,000.00"},
        Bound{"hourly_over", hourly_line("250000000.00", "1"), "E4213", "/lines/0/hourly",
              "`hourly` is £250,000,000.00; an amount may be at most £100,000,000.00"},
        Bound{"hours_at_168", hourly_line("10.00", "168"), "", "", ""},
        Bound{"hours_over_168", hourly_line("10.00", "168.5"), "E4208", "/lines/0/hours_per_week",
              "`hours_per_week` cannot exceed 168"},
        // 2025-04-01 to 2075-03-31 is 18,262 days; to 2075-04-01, 18,263 (the limit).
        Bound{"fifty_years", weekly_line("450.00", "2025-04-01", "2075-04-01"), "", "", ""},
        Bound{"a_day_over_fifty_years", weekly_line("450.00", "2025-04-01", "2075-04-02"), "E4214", "/lines/0/end",
              "the line runs 18264 days (2025-04-01 to 2075-04-02); a line may run at most 18263 days: split it into "
              "shorter lines"},
        Bound{"from_1900_to_9999", weekly_line("450.00", "1900-01-01", "9999-12-31"), "E4214", "/lines/0/end",
              "the line runs 2958464 days (1900-01-01 to 9999-12-31); a line may run at most 18263 days: split it "
              "into shorter lines"}),
    [](const ::testing::TestParamInfo<Bound>& p) { return std::string(p.param.name); });

TEST(DecodeLimits, DefaultsAreDocumented) {
    const server::DecodeLimits limits;
    EXPECT_EQ(limits.max_line_days, 18263);
    EXPECT_EQ(limits.max_amount, engine::Money::pence(10'000'000'000));
    EXPECT_EQ(limits.max_lines, 1000U);
}

TEST(DecodeLimits, AMoneyFactIsBoundedBothWays) {
    const auto program = engine::compile(R"(policy demo "Demo"
  version "1"
  effective from 2025-04-01

agency health "NHS"
fact budget: money

rule everything
  when budget > £0
  split health 100%
)",
                                         "demo.jf")
                             .program;
    ASSERT_TRUE(program);
    const engine::Schema& schema = program->schema();
    const json line = {{"id", "eq"}, {"service", "equipment"}, {"amount", "1.00"}, {"date", "2025-06-01"}};
    for (const char* budget : {"100000000.00", "-100000000.00"}) {
        EXPECT_TRUE(server::decode_request({{"facts", {{"budget", budget}}}, {"lines", {line}}}, schema).request)
            << budget;
    }
    const auto over = server::decode_request({{"facts", {{"budget", "-100000000.01"}}}, {"lines", {line}}}, schema);
    ASSERT_EQ(over.errors.size(), 1U);
    EXPECT_EQ(code_text(over.errors[0].code), "E4213");
    EXPECT_EQ(over.errors[0].path, "/facts/budget");
    EXPECT_EQ(over.errors[0].message, "fact `budget` is -£100,000,000.01; an amount may be at most £100,000,000.00");
}

TEST(DecodeLimits, TheLineLengthIsTheCallers) {
    server::DecodeLimits limits;
    limits.max_line_days = 7;
    const json facts = {{"has_ehcp", true}, {"dst", json::object()}};
    const json week = {{"facts", facts}, {"lines", {weekly_line("450.00", "2025-06-01", "2025-06-07")}}};
    EXPECT_TRUE(server::decode_request(week, reference()->schema(), limits).request);
    const json eight = {{"facts", facts}, {"lines", {weekly_line("450.00", "2025-06-01", "2025-06-08")}}};
    const auto decoded = server::decode_request(eight, reference()->schema(), limits);
    ASSERT_EQ(decoded.errors.size(), 1U);
    EXPECT_EQ(code_text(decoded.errors[0].code), "E4214");
    EXPECT_EQ(decoded.errors[0].message,
              "the line runs 8 days (2025-06-01 to 2025-06-08); a line may run at most 7 days: split it into "
              "shorter lines");
}

// --- over HTTP: 400 naming the pointer

struct HttpDuplicate {
    const char* name;
    std::string body;
    const char* path;
};

void PrintTo(const HttpDuplicate& d, std::ostream* os) { *os << d.name; }

class HttpRepeatedKey : public ::testing::TestWithParam<HttpDuplicate> {
protected:
    static void SetUpTestSuite() { server_ = new TestServer(); }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    static TestServer* server_;
};
TestServer* HttpRepeatedKey::server_ = nullptr;

// A valid request for the reference policy with text inserted at one of four places: among
// the top-level fields, inside facts.dst, inside events, inside the line.
enum class At { Top, Dst, Events, Line };
std::string request_with(At at = At::Top, const std::string& extra = "") {
    auto here = [&](At place) { return at == place ? extra : std::string(); };
    return R"({"policy": "reference", "as_of": "2025-06-01", "case_ref": "C-1", )" + here(At::Top) +
           R"("facts": {"has_ehcp": false, "dst": {"breathing": "priority", )" + here(At::Dst) +
           R"("skin": "low"}}, "events": {"surgery": "2025-06-10", )" + here(At::Events) +
           R"("x": null}, "lines": [{"id": "pc", "service": "personal_care", "weekly": "450.00", )" + here(At::Line) +
           R"("start": "2025-06-01", "end": "2025-08-31"}]})";
}

TEST(HttpRepeatedKeyControl, TheRequestWithoutRepeatsIsAnswered) {
    TestServer server;
    // "x" is not an event of the reference policy: take it out for the control.
    std::string body = request_with();
    body.replace(body.find(R"(, "x": null)"), 11, "");
    auto r = server.client().Post("/v1/evaluate", body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    // Priority need, so eligible: health and social care share the six weeks after surgery.
    EXPECT_EQ(body_of(r)["eligibility"]["continuing_care"]["met"], true);
}

// The issue's example: "breathing" twice, read as the last (`low`), made the child ineligible;
// each of these now answers 400 naming the second occurrence, on /v1/evaluate and on
// /v1/decisions (nothing stored).
TEST_P(HttpRepeatedKey, AnswersBadRequestNamingIt) {
    const HttpDuplicate& c = GetParam();
    for (const char* route : {"/v1/evaluate", "/v1/decisions"}) {
        auto r = server_->client().Post(route, bearer(kClientToken), c.body, "application/json");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400) << route << ": " << r->body;
        const json body = body_of(r);
        EXPECT_EQ(body["error"]["code"], "invalid_request");
        ASSERT_EQ(body["error"]["details"].size(), 1U) << r->body;
        EXPECT_EQ(body["error"]["details"][0]["code"], "E4212");
        EXPECT_EQ(body["error"]["details"][0]["path"], c.path);
    }
    auto list = server_->client().Get("/v1/decisions", bearer(kClientToken));
    ASSERT_TRUE(list);
    EXPECT_EQ(list->status, 200) << list->body;
    EXPECT_EQ(list->body.find("C-1"), std::string::npos) << list->body;
}

INSTANTIATE_TEST_SUITE_P(
    Http, HttpRepeatedKey,
    ::testing::Values(
        HttpDuplicate{"dst", request_with(At::Dst, R"("breathing": "low", )"), "/facts/dst/breathing"},
        HttpDuplicate{"events", request_with(At::Events, R"("surgery": "2025-09-01", )"), "/events/surgery"},
        HttpDuplicate{"case_ref", request_with(At::Top, R"("case_ref": "C-2", )"), "/case_ref"},
        HttpDuplicate{"lines", request_with(At::Top, R"("lines": [], )"), "/lines"},
        HttpDuplicate{"policy", request_with(At::Top, R"("policy": "other", )"), "/policy"},
        HttpDuplicate{"line_field", request_with(At::Line, R"("weekly": "1.00", )"), "/lines/0/weekly"}),
    [](const ::testing::TestParamInfo<HttpDuplicate>& p) { return std::string(p.param.name); });

// --- reports and simulations: sums that cannot overflow

// A stored decision of `total` under the reference policy, all to health, in 2025-26, on one
// equipment line (as a store could hold from before amounts were capped at input).
server::DecisionRecord stored(const std::string& id, const std::string& total) {
    server::DecisionRecord record;
    record.id = id;
    record.case_ref = id;
    record.policy_id = "reference";
    record.policy_version = "2025.1";
    // The text the test server serves: a decision under another text of this version would
    // stop it from starting (docs/operations.md, "Policy versions").
    static const std::string sha =
        engine::compile(read_file(fs::path(JOINTLY_SOURCE_DIR) / "policies/reference/reference.jf"), "reference.jf")
            .program->sha256();
    record.policy_sha256 = sha;
    record.as_of = "2025-06-01";
    record.outcome = "approve";
    record.total = total;
    record.request_json = R"({"lines": [{"id": "eq", "service": "equipment"}]})";
    record.response_json = json{{"total", total},
                                {"by_agency", {{"health", total}}},
                                {"by_financial_year", {{"2025-26", {{"health", total}}}}},
                                {"by_line", {{"eq", {{"health", total}}}}}}
                               .dump();
    return record;
}

constexpr const char* kInt64Max = "92233720368547758.07";  // 2^63 - 1 pence
constexpr const char* kTwiceInt64Max = "184467440737095516.14";

TEST(ReportTotals, TwoDecisionsAtTheInt64MaximumSumExactly) {
    server::SummaryReport report;
    report.add(stored("d-1", kInt64Max), std::nullopt);
    report.add(stored("d-2", kInt64Max), std::nullopt);
    const auto r = report.result();
    EXPECT_EQ(r["unreadable"], 0);
    EXPECT_EQ(r["funded"]["decisions"], 2);
    EXPECT_EQ(r["funded"]["total"], kTwiceInt64Max);
    EXPECT_EQ(r["funded"]["by_agency"]["health"], kTwiceInt64Max);
    EXPECT_EQ(r["funded"]["by_financial_year"]["2025-26"]["health"], kTwiceInt64Max);
    EXPECT_EQ(r["funded"]["by_service"]["equipment"]["total"], kTwiceInt64Max);
}

TEST(ReportTotals, OverridesAndNegativesSumExactly) {
    server::SummaryReport report;
    const std::string panel = json{{"outcome", "approved"}, {"override", {{"shares", {{"social_care", kInt64Max}}}}}}.dump();
    report.add(stored("d-1", kInt64Max), server::PanelRecord{"p-1", "d-1", panel, "", ""});
    report.add(stored("d-2", kInt64Max), server::PanelRecord{"p-2", "d-2", panel, "", ""});
    const auto r = report.result();
    EXPECT_EQ(r["overrides"]["decisions"], 2);
    EXPECT_EQ(r["overrides"]["by_agency"]["health"], "-184467440737095516.14");
    EXPECT_EQ(r["overrides"]["by_agency"]["social_care"], kTwiceInt64Max);
}

// Through the API: the rows are in the store before the server starts (no request can store
// such an amount any more). The report answers 200 with exact totals, never 500; a row whose
// amount does not even fit in 64 bits is counted as unreadable.
TEST(ReportTotals, TheSummaryRouteNeverFailsOnStoredAmounts) {
    const fs::path dir = make_temp_dir("jointly-report-overflow-");
    const fs::path db = dir / "decisions.db";
    {
        auto store = server::Store::open(db);
        store->add_decision(stored(server::Store::new_decision_id(), kInt64Max));
        store->add_decision(stored(server::Store::new_decision_id(), kInt64Max));
        store->add_decision(stored(server::Store::new_decision_id(), "99999999999999999999.99"));
    }
    {
        TestServer server([&](server::ServeOptions& o) { o.db = db; });
        auto r = server.client().Get("/v1/reports/summary", bearer(kClientToken));
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200) << r->body;
        const json body = body_of(r);
        EXPECT_EQ(body["funded"]["total"], kTwiceInt64Max) << r->body;
        EXPECT_EQ(body["funded"]["decisions"], 2);
        EXPECT_EQ(body["unreadable"], 1);
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
}

TEST(MoneyTotal, WritesAsMoneyWrites) {
    server::MoneyTotal t;
    EXPECT_EQ(t.to_string(), "0.00");
    t += engine::Money::pence(5);
    EXPECT_EQ(t.to_string(), "0.05");
    t -= engine::Money::pence(1205);
    EXPECT_EQ(t.to_string(), "-12.00");
    server::MoneyTotal big;
    for (int i = 0; i < 3; ++i) big += engine::Money::pence(INT64_MAX);
    EXPECT_EQ(big.to_string(), "276701161105643274.21");
    EXPECT_EQ((t - big).to_string(), "-276701161105643286.21");
}

// Three cases of 1,000 hourly lines at the maximum (£100,000,000.00 an hour, 168 hours a week)
// over 50 financial years, 1 April 2025 to 31 March 2075 (18,262 days): £2,400,000,000.00 a
// day, £43,828,800,000,000,000.00 a case, all social care (personal care, no surgery). Each
// case fits the engine's 64 bits; three do not: the simulation sums them exactly. In 2025-26
// (365 days) £876,000,000,000,000.00 a case.
TEST(SimulationTotals, CasesAtTheInputMaximumSumExactly) {
    const fs::path dir = make_temp_dir("jointly-sim-overflow-");
    fs::create_directories(dir / "reference");
    fs::copy_file(fs::path(JOINTLY_SOURCE_DIR) / "policies/reference/reference.jf", dir / "reference/reference.jf");
    server::Registry registry(dir);
    ASSERT_TRUE(registry.reload().ok);
    server::SimulationInput input;
    input.a = registry.snapshot();
    server::Simulation simulation(input);
    json lines = json::array();
    for (int i = 0; i < 1000; ++i) {
        lines.push_back({{"id", "l" + std::to_string(i)}, {"service", "personal_care"}, {"hourly", "100000000.00"},
                         {"hours_per_week", 168}, {"start", "2025-04-01"}, {"end", "2075-03-31"}});
    }
    for (std::size_t n = 1; n <= 3; ++n) {
        simulation.add({{"policy", "reference"},
                        {"case_ref", "max-" + std::to_string(n)},
                        {"facts", {{"has_ehcp", true}, {"dst", json::object()}}},
                        {"lines", lines}},
                       n);
    }
    const auto r = simulation.result();
    EXPECT_EQ(r["errors"].size(), 0U) << r["errors"].dump();
    EXPECT_EQ(r["evaluated"], 3);
    EXPECT_EQ(r["a"]["outcomes"]["refer"], 3);  // over the panel's £250,000
    EXPECT_EQ(r["a"]["total"], "131486400000000000.00");
    EXPECT_EQ(r["a"]["by_agency"]["social_care"], "131486400000000000.00");
    EXPECT_EQ(r["a"]["by_financial_year"]["2025-26"]["social_care"], "2628000000000000.00");
    EXPECT_EQ(r["a"]["by_financial_year"]["2027-28"]["social_care"], "2635200000000000.00");  // 29 Feb 2028
    std::error_code ec;
    fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace jointly::testing
