// The request decoder and the decision encoder: every malformed field named by its JSON
// pointer, money never through floating point, byte-identical encoding.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "fake_schema.hpp"
#include "jointly/server/codec.hpp"

namespace jointly::server {
namespace {

using nlohmann::json;

const char* kGood = R"({
  "policy": "reference", "as_of": "2025-06-01", "case_ref": "C-1",
  "facts": {"has_ehcp": true, "dst": {"breathing": "high", "skin": "severe"}},
  "events": {"surgery": "2025-06-10"},
  "lines": [
    {"id": "pc", "service": "personal_care", "weekly": "450.00", "start": "2025-06-01", "end": "2025-08-31"},
    {"id": "eq", "service": "equipment", "amount": 1250, "date": "2025-06-15"},
    {"id": "hr", "service": "transport", "hourly": "18.50", "hours_per_week": "37.5", "start": "2025-06-01", "end": "2025-06-01"}
  ]})";

json good() { return json::parse(kGood); }

TEST(Decode, GoodRequestDecodesEveryField) {
    const engine::Schema schema = testing::fake_schema();
    auto r = decode_request(good(), schema);
    ASSERT_TRUE(r.errors.empty()) << r.errors.front().path << ": " << r.errors.front().message;
    ASSERT_TRUE(r.request);
    const auto& q = *r.request;
    EXPECT_EQ(q.as_of->to_string(), "2025-06-01");
    EXPECT_EQ(q.case_ref, "C-1");
    ASSERT_EQ(q.lines.size(), 3u);
    EXPECT_EQ(q.lines[0].kind, engine::LineKind::Weekly);
    EXPECT_EQ(q.lines[0].weekly.in_pence(), 45000);
    EXPECT_EQ(q.lines[1].kind, engine::LineKind::OneOff);
    EXPECT_EQ(q.lines[1].amount.in_pence(), 125000);  // a JSON integer is pounds
    EXPECT_EQ(q.lines[2].kind, engine::LineKind::Hourly);
    EXPECT_EQ(q.lines[2].hours_per_week, engine::Ratio(75, 2));
    EXPECT_EQ(std::get<bool>(q.facts.at("has_ehcp")), true);
    const auto& dst = std::get<engine::LevelMap>(q.facts.at("dst"));
    EXPECT_EQ(dst.at("breathing").index, 3);
    EXPECT_EQ(dst.at("skin").index, 4);
    ASSERT_EQ(q.events.at("surgery").size(), 1U);
    EXPECT_EQ(q.events.at("surgery")[0].to_string(), "2025-06-10");
    EXPECT_FALSE(q.explain_full);
}

struct BadCase {
    const char* name;
    const char* pointer;   // JSON pointer to replace in the good request ("" = whole body)
    const char* value;     // JSON text to put there; "<remove>" removes it
    const char* path;      // expected error path
    const char* message;   // expected substring of the message
};

// Test names and ctest names show the case's name, not its bytes.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class DecodeBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(DecodeBad, NamesTheField) {
    const auto& c = GetParam();
    json body = good();
    if (std::string(c.value) == "<remove>") {
        const json::json_pointer ptr(c.pointer);
        body[ptr.parent_pointer()].erase(ptr.back());
    } else if (std::string(c.pointer).empty()) {
        body = json::parse(c.value);
    } else {
        body[json::json_pointer(c.pointer)] = json::parse(c.value);
    }
    const engine::Schema schema = testing::fake_schema();
    DecodeLimits limits;
    limits.max_lines = 3;
    auto r = decode_request(body, schema, limits);
    EXPECT_FALSE(r.request);
    ASSERT_FALSE(r.errors.empty());
    bool found = false;
    std::string all;
    for (const auto& e : r.errors) {
        all += std::string(code_text(e.code)) + " " + e.path + ": " + e.message + "\n";
        EXPECT_EQ(code_text(e.code).substr(0, 2), "E4") << e.code;
        if (e.path == c.path && e.message.find(c.message) != std::string::npos) found = true;
    }
    EXPECT_TRUE(found) << "wanted " << c.path << ": " << c.message << "\ngot:\n" << all;
}

INSTANTIATE_TEST_SUITE_P(
    Fields, DecodeBad,
    ::testing::Values(
        BadCase{"not_object", "", "[1]", "", "must be a JSON object"},
        BadCase{"float_money", "/lines/0/weekly", "450.5", "/lines/0/weekly",
                "a JSON number with a fraction or an exponent (`1e3`), or too large for a 64-bit integer, is read as "
                "binary floating point"},
        BadCase{"exponent_money", "/lines/0/weekly", "1e3", "/lines/0/weekly", "an exponent (`1e3`)"},
        BadCase{"beyond_64_bits_money", "/lines/0/weekly", "18446744073709551616", "/lines/0/weekly",
                "too large for a 64-bit integer"},
        BadCase{"bad_money_text", "/lines/0/weekly", "\"45O.00\"", "/lines/0/weekly", "decimal string"},
        BadCase{"three_places", "/lines/0/weekly", "\"450.001\"", "/lines/0/weekly", "decimal string"},
        BadCase{"negative_money", "/lines/1/amount", "\"-1.00\"", "/lines/1/amount", "must not be negative"},
        BadCase{"money_bool", "/lines/1/amount", "true", "/lines/1/amount", "not a boolean"},
        BadCase{"huge_pounds", "/lines/1/amount", "18446744073709551615", "/lines/1/amount",
                "is more than £100,000,000.00, the most an amount may be"},
        BadCase{"bad_date", "/lines/0/start", "\"2025-02-30\"", "/lines/0/start", "real day"},
        BadCase{"date_number", "/lines/1/date", "20250615", "/lines/1/date", "YYYY-MM-DD"},
        BadCase{"end_before_start", "/lines/0/end", "\"2025-05-01\"", "/lines/0/end", "before it starts"},
        BadCase{"duplicate_id", "/lines/1/id", "\"pc\"", "/lines/1/id", "used by an earlier line"},
        BadCase{"empty_id", "/lines/1/id", "\"\"", "/lines/1/id", "must not be empty"},
        BadCase{"missing_id", "/lines/1/id", "<remove>", "/lines/1/id", "needs `id`"},
        BadCase{"missing_service", "/lines/0/service", "<remove>", "/lines/0/service", "needs `service`"},
        BadCase{"hourly_no_hours", "/lines/2/hours_per_week", "<remove>", "/lines/2/hours_per_week",
                "needs `hours_per_week`"},
        BadCase{"hours_float", "/lines/2/hours_per_week", "37.5", "/lines/2/hours_per_week", "lost exactness"},
        BadCase{"hours_too_many", "/lines/2/hours_per_week", "\"169\"", "/lines/2/hours_per_week", "168"},
        BadCase{"no_kind", "/lines/1/amount", "<remove>", "/lines/1", "needs one of `amount`"},
        BadCase{"two_kinds", "/lines/0/amount", "\"1.00\"", "/lines/0", "only one of"},
        BadCase{"oneoff_with_start", "/lines/1/start", "\"2025-06-01\"", "/lines/1/start", "takes `date`"},
        BadCase{"missing_start", "/lines/0/start", "<remove>", "/lines/0/start", "needs `start`"},
        BadCase{"unknown_line_field", "/lines/0/colour", "\"red\"", "/lines/0/colour", "unknown field `colour`"},
        BadCase{"line_not_object", "/lines/1", "3", "/lines/1", "must be an object"},
        BadCase{"lines_missing", "/lines", "<remove>", "/lines", "needs `lines`"},
        BadCase{"lines_not_array", "/lines", "{}", "/lines", "must be an array"},
        BadCase{"too_many_lines", "/lines/3", R"({"id":"x","service":"s","amount":"1","date":"2025-06-01"})",
                "/lines", "at most 3 lines"},
        BadCase{"unknown_top", "/colour", "1", "/colour", "unknown field `colour`"},
        BadCase{"bad_as_of", "/as_of", "\"yesterday\"", "/as_of", "`yesterday` is not a date"},
        BadCase{"case_ref_number", "/case_ref", "12", "/case_ref", "must be a string"},
        BadCase{"unknown_fact", "/facts/has_echp", "true", "/facts/has_echp", "unknown fact `has_echp`"},
        BadCase{"fact_wrong_type", "/facts/has_ehcp", "\"yes\"", "/facts/has_ehcp", "true or false"},
        BadCase{"missing_required_fact", "/facts/dst", "<remove>", "/facts/dst", "missing required fact `dst`"},
        BadCase{"bad_level", "/facts/dst/skin", "\"extreme\"", "/facts/dst/skin",
                "`extreme` is not a level of `need`"},
        BadCase{"level_not_string", "/facts/band", "3", "/facts/band", "must be a string"},
        BadCase{"agency_fact_not_string", "/facts/icb", "3", "/facts/icb", "the id of an agency, as a string"},
        BadCase{"map_not_object", "/facts/dst", "[]", "/facts/dst", "an object of levels"},
        BadCase{"whole_fraction", "/facts/points", "2.5", "/facts/points", "a whole number"},
        BadCase{"decimal_float", "/facts/ratio", "0.5", "/facts/ratio", "lost exactness"},
        BadCase{"money_fact_float", "/facts/budget", "10.5", "/facts/budget", "lost exactness"},
        BadCase{"date_fact", "/facts/date_of_birth", "\"2019-13-01\"", "/facts/date_of_birth", "real day"},
        BadCase{"text_fact", "/facts/la", "1", "/facts/la", "a string"},
        BadCase{"list_item", "/facts/tags", "[\"a\", 2]", "/facts/tags/1", "must be a string"},
        BadCase{"facts_not_object", "/facts", "[]", "/facts", "must be an object"},
        BadCase{"unknown_event", "/events/surgrey", "\"2025-06-01\"", "/events/surgrey", "unknown event `surgrey`"},
        BadCase{"event_date", "/events/surgery", "\"2025-6-1\"", "/events/surgery", "not a date"},
        BadCase{"explain_bad", "/explain", "\"lots\"", "/explain", "\"full\""},
        BadCase{"slash_key", "/facts/a~1b", "1", "/facts/a~1b", "unknown fact `a/b`"}),
    [](const ::testing::TestParamInfo<BadCase>& param_info) { return std::string(param_info.param.name); });

// `event review repeats`: a list of dates (or one date alone); an event that does not repeat
// given a list is refused at its path, as is a bad date inside a list.
// A real day before 1900 is named as such, not as "not a real day"; a day that does not exist
// is not a date, whatever its year.
TEST(Decode, ADateBefore1900IsNamedAsOutsideTheYears) {
    for (const char* early : {"1899-12-31", "0001-01-01", "1896-02-29"}) {
        EXPECT_NE(server::date_problem(early).find("is before 1900: jointly reads dates from 1900-01-01 to 9999-12-31"),
                  std::string::npos)
            << early;
    }
    for (const char* wrong : {"1899-02-29", "1900-02-29", "2025-02-29", "1899-13-01", "18a9-01-01", "1899-1-01",
                              "----------", "-999-01-01", "--00-01-01", "1899--1-01"}) {
        EXPECT_NE(server::date_problem(wrong).find("is not a date `YYYY-MM-DD` naming a real day"), std::string::npos)
            << wrong;
    }
}

TEST(Decode, RepeatingEventTakesAListOfDates) {
    engine::Schema schema = testing::fake_schema();
    schema.events.push_back("review");
    schema.repeating_events = {"review"};
    json body = good();
    body["events"] = {{"surgery", "2025-06-10"}, {"review", {"2025-07-01", "2025-06-01"}}};
    auto ok = decode_request(body, schema);
    ASSERT_TRUE(ok.request);
    ASSERT_EQ(ok.request->events.at("review").size(), 2U);
    EXPECT_EQ(ok.request->events.at("review")[1].to_string(), "2025-06-01");
    body["events"] = {{"review", "2025-07-01"}};
    auto alone = decode_request(body, schema);
    ASSERT_TRUE(alone.request);
    EXPECT_EQ(alone.request->events.at("review").size(), 1U);

    body["events"] = {{"surgery", {"2025-06-10", "2025-06-20"}}, {"review", {"2025-07-01", "1 July"}}};
    auto bad = decode_request(body, schema);
    EXPECT_FALSE(bad.request);
    ASSERT_EQ(bad.errors.size(), 2U);
    EXPECT_EQ(bad.errors[0].path, "/events/review/1");
    EXPECT_EQ(dsl::code_text(bad.errors[0].code), "E4207");
    EXPECT_EQ(bad.errors[1].path, "/events/surgery");
    EXPECT_EQ(dsl::code_text(bad.errors[1].code), "E4207");
    EXPECT_NE(bad.errors[1].message.find("does not repeat"), std::string::npos) << bad.errors[1].message;
}

TEST(Decode, ReportsEveryProblemAtOnce) {
    json body = good();
    body["lines"][0]["weekly"] = 1.5;
    body["lines"][1]["date"] = "2025-02-30";
    body["facts"]["nope"] = 1;
    const engine::Schema schema = testing::fake_schema();
    auto r = decode_request(body, schema);
    std::vector<std::string> paths;
    for (const auto& e : r.errors) paths.push_back(e.path);
    EXPECT_EQ(paths, (std::vector<std::string>{"/facts/nope", "/lines/0/weekly", "/lines/1/date"}));
}

// Repeated line ids among many lines (the decoder switches from a linear search to a set
// past 32): each repeat is reported at its own index, a distinct id never is.
TEST(Decode, RepeatedIdsAmongManyLines) {
    json body = good();
    const json line = body["lines"][1];
    json lines = json::array();
    for (int i = 0; i < 200; ++i) {
        json l = line;
        l["id"] = "l" + std::to_string(i);
        lines.push_back(l);
    }
    lines[5]["id"] = "l3";     // while the search is linear
    lines[120]["id"] = "l10";  // after the switch, an id seen before it
    lines[150]["id"] = "l40";  // after the switch
    lines[199]["id"] = "l5";   // line 5 now says "l3", so "l5" is not a repeat
    body["lines"] = lines;
    const engine::Schema schema = testing::fake_schema();
    auto r = decode_request(body, schema);
    std::vector<std::string> paths;
    for (const auto& e : r.errors) paths.push_back(e.path);
    EXPECT_EQ(paths, (std::vector<std::string>{"/lines/5/id", "/lines/120/id", "/lines/150/id"}));
}

TEST(Decode, OptionalFieldsAndNulls) {
    json body = good();
    body.erase("as_of");
    body.erase("events");
    body["facts"].erase("has_ehcp");  // has a default
    body["case_ref"] = nullptr;
    body["explain"] = "full";
    const engine::Schema schema = testing::fake_schema();
    auto r = decode_request(body, schema);
    ASSERT_TRUE(r.request) << r.errors.front().message;
    EXPECT_FALSE(r.request->as_of);
    EXPECT_TRUE(r.request->explain_full);
    EXPECT_TRUE(r.request->events.empty());
    EXPECT_FALSE(r.request->facts.count("has_ehcp"));
}

TEST(ParseJson, RejectsDeepAndBrokenBodies) {
    EXPECT_TRUE(parse_json("{\"a\": [1, {\"b\": 2}]}").value);
    auto deep = parse_json(std::string(100, '[') + std::string(100, ']'), 64);
    EXPECT_FALSE(deep.value);
    EXPECT_EQ(deep.error.code, codes::kTooDeep);
    // brackets inside strings do not count
    EXPECT_TRUE(parse_json("{\"a\": \"" + std::string(100, '[') + "\\\"\"}", 4).value);
    auto broken = parse_json("{\"a\": ");
    EXPECT_FALSE(broken.value);
    EXPECT_EQ(broken.error.code, codes::kBadJson);
    EXPECT_NE(broken.error.message.find("column"), std::string::npos) << broken.error.message;
}

// A JSON text is UTF-8 (RFC 8259 section 8.1): nlohmann refuses a string, key or escape that
// is not, as E4201, like a policy's E1017. Well-formed characters of every length pass.
TEST(ParseJson, RejectsTextThatIsNotUtf8) {
    const std::vector<std::string> bad = {
        "{\"case_ref\": \"NHS \xff\"}",              // a byte never in UTF-8
        "{\"case_ref\": \"caf\xc3\xa9\x80\"}",       // a stray continuation byte
        "{\"case_ref\": \"\xc0\xaf\"}",              // an overlong `/`
        "{\"case_ref\": \"\xed\xa0\x80\"}",          // a surrogate, encoded
        "{\"case_ref\": \"\xe2\x82\"}",              // a character cut short
        "{\"case_ref\": \"\xf4\x90\x80\x80\"}",      // above U+10FFFF
        "{\"case\xff\": \"x\"}",                     // in a key
        "{\"case_ref\": \"\\ud800\"}",               // a lone surrogate, escaped
    };
    for (const std::string& text : bad) {
        const auto parsed = parse_json(text);
        EXPECT_FALSE(parsed.value) << text;
        EXPECT_EQ(parsed.error.code, codes::kBadJson) << text;
    }
    const auto good = parse_json("{\"case_ref\": \"\xc2\xa3 \xe2\x82\xac \xf0\x9f\x98\x80 \\u00e9 \\ud83d\\ude00\"}");
    ASSERT_TRUE(good.value) << good.error.message;
    EXPECT_EQ((*good.value)["case_ref"].get<std::string>(),
              "\xc2\xa3 \xe2\x82\xac \xf0\x9f\x98\x80 \xc3\xa9 \xf0\x9f\x98\x80");
}

engine::Decision sample_decision() {
    engine::Decision d;
    d.policy_id = "reference";
    d.policy_version = "2025.1";
    d.policy_sha256 = "abc";
    d.engine = "jointly 0.1.0";
    d.as_of = engine::Date::from_civil(2025, 6, 1);
    d.case_ref = "C-1";
    d.outcome = engine::Outcome::Refer;
    d.referred_to = "Joint Funding Panel";
    d.outcome_reasons = {"line `tx` is not covered"};
    d.eligibility = {{"continuing_care", true, engine::Words("at least one need at priority")}};
    d.total = engine::Money::pence(270000);
    d.by_agency = {{"health", engine::Money::pence(135000)},
                   {"social_care", engine::Money::pence(135000)},
                   {"education", engine::Money::pence(0)}};
    d.by_financial_year["2025-26"] = {{"social_care", engine::Money::pence(135000)},
                                      {"health", engine::Money::pence(135000)}};
    engine::Allocation a;
    a.line = "pc";
    a.from = engine::Date::from_civil(2025, 6, 10);
    a.to = engine::Date::from_civil(2025, 7, 21);
    a.days = 42;
    a.cost = engine::Money::pence(270000);
    a.rule = "post_op_personal_care";
    a.ref = "2";
    a.shares = {{"social_care", engine::Money::pence(135000)}, {"health", engine::Money::pence(135000)}};
    d.allocations.push_back(a);
    engine::Issue i;
    i.kind = engine::IssueKind::Uncovered;
    i.line = "tx";
    i.from = engine::Date::from_civil(2025, 6, 1);
    i.to = engine::Date::from_civil(2025, 6, 30);
    i.cost = engine::Money::pence(51429);
    d.issues.push_back(i);
    return d;
}

TEST(Encode, ContractShapeWithMoneyStrings) {
    const auto d = sample_decision();
    auto j = encode_decision(d);
    EXPECT_EQ(j["policy"]["id"], "reference");
    EXPECT_EQ(j["outcome"], "refer");
    EXPECT_EQ(j["referred_to"], "Joint Funding Panel");
    EXPECT_EQ(j["total"], "2700.00");
    EXPECT_EQ(j["by_agency"]["education"], "0.00");
    EXPECT_EQ(j["by_financial_year"]["2025-26"]["health"], "1350.00");
    EXPECT_EQ(j["allocations"][0]["from"], "2025-06-10");
    EXPECT_EQ(j["allocations"][0]["days"], 42);
    EXPECT_EQ(j["allocations"][0]["shares"]["health"], "1350.00");
    EXPECT_EQ(j["issues"][0]["kind"], "uncovered");
    EXPECT_EQ(j["issues"][0]["cost"], "514.29");
    EXPECT_EQ(j["eligibility"]["continuing_care"]["met"], true);
    EXPECT_FALSE(j.contains("trace"));
}

TEST(Encode, OrderedKeepsSplitOrderAndIsByteIdentical) {
    const auto d = sample_decision();
    const auto a = encode_decision_ordered(d).dump();
    const auto b = encode_decision_ordered(sample_decision()).dump();
    EXPECT_EQ(a, b);
    // split order: social_care before health, as the rule lists them
    EXPECT_LT(a.find("\"social_care\":\"1350.00\",\"health\""), a.size());
    EXPECT_EQ(a.find("{\"policy\""), 0u);
}

TEST(Encode, ApproveHasNoReferredTo) {
    auto d = sample_decision();
    d.outcome = engine::Outcome::Approve;
    EXPECT_FALSE(encode_decision(d).contains("referred_to"));
}

TEST(Encode, ACodeIsItsTextInJson) {
    // Not the enum's number: case files and callers compare codes as text.
    const nlohmann::json one = dsl::Code::carry_forward_not_allowed;
    EXPECT_EQ(one, "E4102");
    const nlohmann::json object{{"code", dsl::Code::rules_overlap}};
    EXPECT_EQ(object.dump(), R"({"code":"W2002"})");
}

TEST(Encode, ErrorsAndDiagnostics) {
    auto e = encode_errors("invalid_request", "the request has 1 problem",
                           {{dsl::Code::not_money, "/lines/2/weekly", "money must be a decimal string", std::nullopt, {}}});
    EXPECT_EQ(e["error"]["code"], "invalid_request");
    EXPECT_EQ(e["error"]["details"][0]["path"], "/lines/2/weekly");
    EXPECT_EQ(e["error"]["details"][0]["code"], "E4206");
    EXPECT_FALSE(e["error"]["details"][0].contains("inputs"));  // none: left out
    // An evaluation error's inputs: the request's values the failing policy text reads.
    dsl::Span span;
    span.line = 9;
    span.column = 25;
    auto ev = encode_errors("evaluation_error", "m",
                            {{dsl::Code::eval_division_by_zero, "/facts/weeks", "division by zero", span, {"/facts/weeks"}}});
    EXPECT_EQ(ev["error"]["details"][0]["inputs"], nlohmann::json::array({"/facts/weeks"}));
    EXPECT_EQ(ev["error"]["details"][0]["policy_span"]["column"], 25);
    dsl::Diagnostic diag;
    diag.code = dsl::Code::unknown_agency;
    diag.message = "unknown agency `heath`";
    diag.file = "p.jf";
    diag.span.line = 14;
    diag.span.column = 9;
    auto j = encode_diagnostics({diag});
    EXPECT_EQ(j[0]["severity"], "error");
    EXPECT_EQ(j[0]["line"], 14);
    EXPECT_EQ(j[0]["column"], 9);
}


// --- panel records (POST /v1/decisions/{id}/panel), read against the stored decision

nlohmann::ordered_json stored_decision() {
    return nlohmann::ordered_json::parse(R"({"total": "100.00", "by_agency": {"health": "60.00", "social_care": "40.00"}})");
}

std::vector<std::string> paths_of(const PanelRecordResult& r) {
    std::vector<std::string> out;
    for (const auto& e : r.errors) out.push_back(e.path + " " + std::string(code_text(e.code)));
    return out;
}

TEST(PanelRecord, AValidRecordIsNormalisedInTheContractsOrder) {
    const auto r = decode_panel_record(nlohmann::json::parse(R"({"notes": "n", "members": ["A. Chair"],
        "override": {"reason": "agreed at panel", "shares": {"health": 70, "social_care": "30"}},
        "date": "2025-06-01", "outcome": "approved"})"), stored_decision());
    ASSERT_TRUE(r.record) << (r.errors.empty() ? "" : r.errors.front().message);
    EXPECT_TRUE(r.errors.empty());
    EXPECT_EQ(r.record->dump(),
              R"({"outcome":"approved","date":"2025-06-01","members":["A. Chair"],"notes":"n",)"
              R"("override":{"shares":{"health":"70.00","social_care":"30.00"},"reason":"agreed at panel"}})");
}

TEST(PanelRecord, EveryProblemIsReportedAtOnceWithItsPointer) {
    const auto r = decode_panel_record(
        nlohmann::json::parse(R"({"outcome": "maybe", "date": "2025-02-30", "members": [], "colour": 1})"),
        stored_decision());
    EXPECT_FALSE(r.record);
    EXPECT_EQ(paths_of(r), (std::vector<std::string>{"/colour E4204", "/outcome E4203", "/date E4207", "/members E4203"}));
}

TEST(PanelRecord, AnOverrideMustShareExactlyTheDecisionsTotalAmongItsAgencies) {
    const auto short_by_a_penny = decode_panel_record(nlohmann::json::parse(R"({"outcome": "approved",
        "date": "2025-06-01", "members": ["A"], "override": {"reason": "r",
        "shares": {"health": "59.99", "social_care": "40.00"}}})"), stored_decision());
    EXPECT_EQ(paths_of(short_by_a_penny), (std::vector<std::string>{"/override/shares E4230"}));
    EXPECT_EQ(short_by_a_penny.errors.front().message, "the shares sum to 99.99 but the decision's total is 100.00");
    const auto stranger = decode_panel_record(nlohmann::json::parse(R"({"outcome": "declined",
        "date": "2025-06-01", "members": ["A"], "override": {"shares": {"education": "100.00"}}})"), stored_decision());
    EXPECT_EQ(paths_of(stranger),
              (std::vector<std::string>{"/override/reason E4205", "/override/shares/education E4203"}));
}

// A decision that referred an uncovered line (and a segment in conflict) to the panel: an
// override may share the rules' total, or that total and the referred lines' cost; the error
// names both figures.
TEST(PanelRecord, AnOverrideMayAlsoSayWhoPaysTheLinesReferredWithNoPayer) {
    const auto decision = nlohmann::ordered_json::parse(R"({"total": "2220.00",
        "by_agency": {"health": "1110.00", "social_care": "1110.00"},
        "issues": [{"kind": "uncovered", "line": "tx", "cost": "514.29"},
                   {"kind": "conflict", "line": "pc", "cost": "100.00"},
                   {"kind": "refused", "line": "x", "cost": "7.00"}]})");
    auto record = [&](const char* health, const char* social_care) {
        return decode_panel_record(nlohmann::json::parse(std::string(R"({"outcome": "approved", "date": "2025-06-01",
            "members": ["A"], "override": {"reason": "r", "shares": {"health": ")") + health +
                                                         R"(", "social_care": ")" + social_care + R"("}}})"),
                                   decision);
    };
    EXPECT_TRUE(record("1110.00", "1110.00").record);
    const auto with_referred = record("1724.29", "1110.00");  // 2220.00 + 514.29 + 100.00
    EXPECT_TRUE(with_referred.record) << (with_referred.errors.empty() ? "" : with_referred.errors.front().message);
    const auto neither = record("1624.29", "1109.00");
    ASSERT_EQ(paths_of(neither), (std::vector<std::string>{"/override/shares E4230"}));
    EXPECT_EQ(neither.errors.front().message,
              "the shares sum to 2733.29 but the decision's total is 2220.00, or 2834.29 with the 614.29 of lines it "
              "referred to the panel with no payer (uncovered or in conflict)");
    const auto too_much = record("3000.00", "0.00");
    ASSERT_EQ(paths_of(too_much), (std::vector<std::string>{"/override/shares/health E4230"}));
}

TEST(PanelRecord, NotAnObjectIsOneProblem) {
    const auto r = decode_panel_record(nlohmann::json::array(), stored_decision());
    EXPECT_FALSE(r.record);
    EXPECT_EQ(paths_of(r), (std::vector<std::string>{" E4203"}));
}

TEST(PanelRecord, OutcomesReadBackAsWritten) {
    for (const PanelOutcome o : {PanelOutcome::Approved, PanelOutcome::Deferred, PanelOutcome::Declined,
                                 PanelOutcome::Escalated}) {
        EXPECT_EQ(parse_panel_outcome(to_string(o)), o);
    }
    EXPECT_FALSE(parse_panel_outcome("Approved"));
    EXPECT_FALSE(parse_panel_outcome(""));
}

}  // namespace
}  // namespace jointly::server
