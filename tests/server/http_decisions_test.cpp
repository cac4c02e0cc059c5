// The decision routes over real loopback HTTP: evaluate, store, read, list, batch, panel
// records, and every malformed input answered with a 4xx naming the field.
#include <gtest/gtest.h>

#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "http_fixture.hpp"

namespace jointly::testing {
namespace {

using nlohmann::json;

TEST(HttpDecisions, EvaluateGivesTheContractShape) {
    TestServer s;
    auto c = s.client();
    auto r = c.Post("/v1/evaluate", post_op_request().dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    auto j = body_of(r);
    EXPECT_FALSE(j.contains("decision_id"));
    EXPECT_EQ(j["policy"]["id"], "reference");
    EXPECT_EQ(j["policy"]["version"], "2025.1");
    EXPECT_EQ(j["policy"]["sha256"].get<std::string>().size(), 64u);
    EXPECT_EQ(j["outcome"], "approve");
    EXPECT_EQ(j["total"], "5914.28");
    EXPECT_EQ(j["by_agency"]["health"], "1350.00");
    EXPECT_EQ(j["allocations"][1]["rule"], "post_op_personal_care");
    EXPECT_EQ(j["case_ref"], "C-1042");
    EXPECT_FALSE(j["explanation"].empty());
    EXPECT_FALSE(j.contains("trace"));
}

// A case reference is 1 to 200 characters of one line: an empty one, a longer one, and one
// with a control character are refused at /case_ref (E4219), stored nowhere.
TEST(HttpDecisions, ACaseRefIsBoundedAndHasNoControlCharacters) {
    TestServer s;
    auto c = s.client();
    struct Case {
        std::string case_ref;
        int status;
    };
    const std::string e_acute = "\xC3\xA9";
    std::string two_hundred_accents;
    for (int i = 0; i < 200; ++i) two_hundred_accents += e_acute;
    const std::vector<Case> cases{{"", 400},
                                  {std::string(100 * 1024, 'C'), 400},
                                  {std::string(201, 'C'), 400},
                                  {std::string(200, 'C'), 201},
                                  {two_hundred_accents, 201},
                                  {std::string("C-1\0", 4), 400},
                                  {"C-1\nC-2", 400},
                                  {"C-1\t", 400},
                                  {"C-1\x7F", 400},
                                  {"C-1\xC2\x85", 400},
                                  {"C-1042", 201}};
    for (const auto& [case_ref, status] : cases) {
        auto body = post_op_request();
        body["case_ref"] = case_ref;
        for (const char* route : {"/v1/decisions", "/v1/evaluate"}) {
            auto r = c.Post(route, bearer(kClientToken), body.dump(), "application/json");
            const int want = std::string(route) == "/v1/evaluate" && status == 201 ? 200 : status;
            ASSERT_EQ(r->status, want) << route << " " << case_ref.size() << " bytes: " << r->body.substr(0, 300);
            if (want != 400) continue;
            const auto j = body_of(r);
            EXPECT_EQ(j["error"]["details"][0]["path"], "/case_ref");
            EXPECT_EQ(j["error"]["details"][0]["code"], "E4219");
            EXPECT_LT(r->body.size(), 1000u);  // the message does not repeat what was sent
        }
    }
    EXPECT_EQ(body_of(c.Get("/v1/decisions", bearer(kClientToken)))["total"], 3);
}

// A level map's key names a domain: an empty one is refused with a pointer to it.
TEST(HttpDecisions, AnEmptyLevelMapKeyIsRefused) {
    TestServer s;
    auto c = s.client();
    auto body = post_op_request();
    body["facts"]["dst"][""] = "high";
    for (const char* route : {"/v1/decisions", "/v1/evaluate"}) {
        auto r = c.Post(route, bearer(kClientToken), body.dump(), "application/json");
        ASSERT_EQ(r->status, 400) << route << ": " << r->body;
        const auto j = body_of(r);
        EXPECT_EQ(j["error"]["details"][0]["path"], "/facts/dst/") << r->body;
        EXPECT_NE(j["error"]["message"].get<std::string>().find("must name a domain"), std::string::npos) << r->body;
    }
}

TEST(HttpDecisions, EvaluateIsByteIdenticalAndExplainFullAddsATrace) {
    TestServer s;
    auto c = s.client();
    auto a = c.Post("/v1/evaluate", post_op_request().dump(), "application/json");
    auto b = c.Post("/v1/evaluate", post_op_request().dump(), "application/json");
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->body, b->body);
    auto full = c.Post("/v1/evaluate?explain=full", post_op_request().dump(), "application/json");
    ASSERT_TRUE(full);
    ASSERT_EQ(full->status, 200);
    EXPECT_TRUE(body_of(full).contains("trace")) << full->body.substr(0, 400);
    auto bad = c.Post("/v1/evaluate?explain=lots", post_op_request().dump(), "application/json");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400);
}

TEST(HttpDecisions, StoredDecisionIsReadBackWithItsRequest) {
    TestServer s;
    auto c = s.client();
    auto r = c.Post("/v1/decisions", bearer(kClientToken), post_op_request().dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
    auto j = body_of(r);
    const auto id = j["decision_id"].get<std::string>();
    EXPECT_EQ(id.rfind("d-", 0), 0u);
    EXPECT_EQ(r->get_header_value("Location"), "/v1/decisions/" + id);
    EXPECT_EQ(r->body.find("{\"decision_id\""), 0u);  // the id comes first

    auto g = c.Get(("/v1/decisions/" + id).c_str(), bearer(kClientToken));
    ASSERT_TRUE(g);
    ASSERT_EQ(g->status, 200);
    auto stored = body_of(g);
    EXPECT_EQ(stored["decision_id"], id);
    EXPECT_EQ(stored["total"], j["total"]);
    EXPECT_EQ(stored["request"], post_op_request());
    EXPECT_TRUE(stored["panel"].is_null());
    EXPECT_EQ(stored["created_at"].get<std::string>().size(), 24u);

    auto missing = c.Get("/v1/decisions/d-0000000000000000", bearer(kClientToken));
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
    EXPECT_EQ(body_of(missing)["error"]["code"], "not_found");
}

TEST(HttpDecisions, ListFiltersAndPages) {
    TestServer s;
    auto c = s.client();
    for (int i = 0; i < 3; ++i) {
        auto req = post_op_request();
        req["case_ref"] = i < 2 ? "C-A" : "C-B";
        ASSERT_EQ(c.Post("/v1/decisions", bearer(kClientToken), req.dump(), "application/json")->status, 201);
    }
    auto all = body_of(c.Get("/v1/decisions", bearer(kClientToken)));
    EXPECT_EQ(all["total"], 3);
    auto a = body_of(c.Get("/v1/decisions?case_ref=C-A", bearer(kClientToken)));
    EXPECT_EQ(a["total"], 2);
    EXPECT_EQ(a["decisions"][0]["case_ref"], "C-A");
    EXPECT_EQ(a["decisions"][0]["outcome"], "approve");
    auto paged = body_of(c.Get("/v1/decisions?limit=1&offset=1", bearer(kClientToken)));
    EXPECT_EQ(paged["decisions"].size(), 1u);
    EXPECT_EQ(body_of(c.Get("/v1/decisions?outcome=decline", bearer(kClientToken)))["total"], 0);
    EXPECT_EQ(body_of(c.Get("/v1/decisions?from=2000-01-01&to=9999-12-31", bearer(kClientToken)))["total"], 3);
    for (const char* bad : {"/v1/decisions?from=2025-13-01", "/v1/decisions?limit=abc", "/v1/decisions?limit=100000",
                            "/v1/decisions?outcome=maybe"}) {
        auto r = c.Get(bad, bearer(kClientToken));
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400) << bad;
        EXPECT_FALSE(body_of(r)["error"]["details"].empty()) << bad;
    }
}

TEST(HttpDecisions, BatchAnswersEachRequest) {
    TestServer s;
    auto c = s.client();
    auto bad = post_op_request();
    bad["lines"][0]["weekly"] = 450.5;
    json batch = {{"requests", {post_op_request(), bad, post_op_request()}}};
    auto r = c.Post("/v1/evaluate/batch", batch.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    auto j = body_of(r);
    EXPECT_EQ(j["count"], 3);
    EXPECT_EQ(j["failed"], 1);
    EXPECT_EQ(j["results"][0]["total"], "5914.28");
    EXPECT_EQ(j["results"][1]["status"], 400);
    EXPECT_EQ(j["results"][1]["error"]["details"][0]["path"], "/lines/0/weekly");
    auto not_array = c.Post("/v1/evaluate/batch", R"({"requests": 3})", "application/json");
    EXPECT_EQ(not_array->status, 400);
}

// A batch the fast decoder reads and one it leaves to the reference path (a request with a
// float for money) answer each good request with the bytes POST /v1/evaluate gives it.
TEST(HttpDecisions, BatchAnswersAreTheBytesOfEachEvaluate) {
    TestServer s;
    auto c = s.client();
    auto second = post_op_request();
    second["case_ref"] = "C-2";
    second["lines"][0]["weekly"] = "451.17";
    std::vector<std::string> one_by_one;
    for (const auto& request : {post_op_request(), second}) {
        auto r = c.Post("/v1/evaluate", request.dump(), "application/json");
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200) << r->body;
        one_by_one.push_back(r->body);
    }
    auto fast = c.Post("/v1/evaluate/batch", json{{"requests", {post_op_request(), second}}}.dump(), "application/json");
    ASSERT_TRUE(fast);
    ASSERT_EQ(fast->status, 200) << fast->body;
    EXPECT_EQ(fast->body, R"({"count":2,"failed":0,"results":[)" + one_by_one[0] + "," + one_by_one[1] + "]}");
    auto bad = post_op_request();
    bad["lines"][0]["weekly"] = 450.5;
    auto slow = c.Post("/v1/evaluate/batch", json::array({post_op_request(), bad, second}).dump(), "application/json");
    ASSERT_TRUE(slow);
    ASSERT_EQ(slow->status, 200) << slow->body;
    const auto j = nlohmann::ordered_json::parse(slow->body);  // in the answer's order
    EXPECT_EQ(j["failed"], 1);
    EXPECT_EQ(j["results"][0].dump(), one_by_one[0]);
    EXPECT_EQ(j["results"][2].dump(), one_by_one[1]);
}

TEST(HttpDecisions, PanelRecordsNeedThePanelRoleAndSupersede) {
    TestServer s;
    auto c = s.client();
    auto stored = body_of(c.Post("/v1/decisions", bearer(kClientToken), post_op_request().dump(), "application/json"));
    const std::string path = "/v1/decisions/" + stored["decision_id"].get<std::string>() + "/panel";
    json record = {{"outcome", "deferred"}, {"date", "2025-06-20"}, {"members", {"Chair", "ICB lead"}}, {"notes", "more evidence"}};

    auto none = c.Post(path.c_str(), record.dump(), "application/json");
    EXPECT_EQ(none->status, 401);
    auto client = c.Post(path.c_str(), bearer(kClientToken), record.dump(), "application/json");
    EXPECT_EQ(client->status, 403);
    EXPECT_EQ(body_of(client)["error"]["code"], "forbidden");
    auto wrong = c.Post(path.c_str(), bearer("not-a-real-token-at-all"), record.dump(), "application/json");
    EXPECT_EQ(wrong->status, 401);

    auto first = c.Post(path.c_str(), bearer(kPanelToken), record.dump(), "application/json");
    ASSERT_EQ(first->status, 201) << first->body;
    auto first_j = body_of(first);
    EXPECT_TRUE(first_j["supersedes"].is_null());

    json override_record = {{"outcome", "approved"},
                            {"date", "2025-07-01"},
                            {"members", {"Chair"}},
                            {"override", {{"shares", {{"health", "2957.14"}, {"social_care", "2957.14"}}},
                                          {"reason", "equal shares agreed at panel"}}}};
    auto second = c.Post(path.c_str(), bearer(kPanelToken), override_record.dump(), "application/json");
    ASSERT_EQ(second->status, 201) << second->body;
    EXPECT_EQ(body_of(second)["supersedes"], first_j["panel_record_id"]);

    auto decision = body_of(c.Get(("/v1/decisions/" + stored["decision_id"].get<std::string>()).c_str(), bearer(kClientToken)));
    EXPECT_EQ(decision["panel_records"].size(), 2u);
    EXPECT_EQ(decision["panel"]["record"]["outcome"], "approved");
    EXPECT_EQ(decision["outcome"], "approve");  // the rules' result is untouched
    EXPECT_EQ(decision["by_agency"]["health"], "1350.00");

    override_record["override"]["shares"]["health"] = "1.00";
    auto mismatch = c.Post(path.c_str(), bearer(kPanelToken), override_record.dump(), "application/json");
    ASSERT_EQ(mismatch->status, 400);
    EXPECT_EQ(body_of(mismatch)["error"]["details"][0]["path"], "/override/shares");
    // shares that would overflow a sum are refused, never a 500
    override_record["override"]["shares"]["health"] = "92233720368547758.07";
    override_record["override"]["shares"]["social_care"] = "92233720368547758.07";
    auto overflow = c.Post(path.c_str(), bearer(kPanelToken), override_record.dump(), "application/json");
    ASSERT_EQ(overflow->status, 400) << overflow->body;
    EXPECT_EQ(body_of(overflow)["error"]["details"][0]["path"], "/override/shares/health");

    json bad = {{"outcome", "maybe"}, {"date", "soon"}, {"members", json::array()}, {"colour", 1}};
    auto invalid = c.Post(path.c_str(), bearer(kPanelToken), bad.dump(), "application/json");
    ASSERT_EQ(invalid->status, 400) << invalid->body;
    const auto invalid_json = body_of(invalid);
    std::set<std::string> paths;
    for (const auto& d : invalid_json["error"]["details"]) paths.insert(d["path"].get<std::string>());
    EXPECT_EQ(paths, (std::set<std::string>{"/outcome", "/date", "/members", "/colour"}));

    auto unknown = c.Post("/v1/decisions/d-ffffffffffffffff/panel", bearer(kPanelToken), record.dump(), "application/json");
    EXPECT_EQ(unknown->status, 404);
}

struct Malformed {
    const char* name;
    std::string body;
    int status;
    const char* path;     // a detail path that must be present ("" = none required)
    const char* message;  // substring of the error message or a detail message
};

// Test names and ctest names show the case's name, not its bytes.
void PrintTo(const Malformed& m, std::ostream* os) { *os << m.name; }

// A good body that the fast decoder would read is still refused when the server allows less
// nesting than it has (--max-depth 2: the facts' scale map is at level 3), with the parser's
// error; and a bad query is reported after a bad body, as before the fast path.
TEST(HttpEvaluate, MaxDepthAndQueryErrorsBeforeTheFastPath) {
    TestServer shallow([](server::ServeOptions& o) { o.max_depth = 2; });
    auto c = shallow.client();
    auto r = c.Post("/v1/evaluate", post_op_request().dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_NE(r->body.find("nested deeper than 2 levels"), std::string::npos) << r->body;
    TestServer s;
    auto d = s.client();
    auto bad_query = d.Post("/v1/evaluate?explain=most", post_op_request().dump(), "application/json");
    EXPECT_EQ(bad_query->status, 400);
    EXPECT_NE(bad_query->body.find("?explain"), std::string::npos) << bad_query->body;
    auto both = d.Post("/v1/evaluate?explain=most", "{\"policy\": ", "application/json");
    EXPECT_EQ(both->status, 400);
    EXPECT_NE(both->body.find("not valid JSON"), std::string::npos) << both->body;
    auto full = d.Post("/v1/evaluate?explain=full", post_op_request().dump(), "application/json");
    EXPECT_EQ(full->status, 200);
    EXPECT_FALSE(body_of(full).at("trace").empty());
}

class HttpMalformed : public ::testing::TestWithParam<Malformed> {};

std::string with(const char* pointer, const json& value) {
    auto r = post_op_request();
    r[json::json_pointer(pointer)] = value;
    return r.dump();
}

TEST_P(HttpMalformed, AnswersFourHundredNamingTheField) {
    static TestServer s([](server::ServeOptions& o) { o.max_body = 16 * 1024; });
    const auto& m = GetParam();
    auto c = s.client();
    auto r = c.Post("/v1/evaluate", m.body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, m.status) << r->body;
    auto j = body_of(r);
    ASSERT_TRUE(j.contains("error")) << r->body;
    EXPECT_TRUE(j["error"]["code"].is_string());
    EXPECT_TRUE(j["error"]["details"].is_array());
    std::string all = j["error"]["message"].get<std::string>();
    bool path_found = std::string(m.path).empty();
    for (const auto& d : j["error"]["details"]) {
        all += " | " + d["path"].get<std::string>() + ": " + d["message"].get<std::string>();
        if (d["path"] == m.path) path_found = true;
    }
    EXPECT_TRUE(path_found) << m.path << " not in " << all;
    EXPECT_NE(all.find(m.message), std::string::npos) << all;
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, HttpMalformed,
    ::testing::Values(
        Malformed{"not_json", "{\"policy\": ", 400, "", "not valid JSON"},
        Malformed{"empty", "", 400, "", "needs a JSON body"},
        Malformed{"array", "[]", 400, "", "JSON object"},
        Malformed{"too_deep", std::string(200, '[') + std::string(200, ']'), 400, "", "nested deeper"},
        Malformed{"too_large", std::string(20000, ' ') + "{}", 413, "", "larger than the limit"},
        Malformed{"float_money", with("/lines/0/weekly", 450.5), 400, "/lines/0/weekly", "lost exactness"},
        Malformed{"bad_date", with("/lines/0/start", "2025-02-29"), 400, "/lines/0/start", "real day"},
        Malformed{"unknown_fact", with("/facts/has_echp", true), 400, "/facts/has_echp", "unknown fact `has_echp`"},
        Malformed{"bad_level", with("/facts/dst/skin", "extreme"), 400, "/facts/dst/skin", "`extreme`"},
        Malformed{"unknown_event", with("/events/surgrey", "2025-06-10"), 400, "/events/surgrey", "unknown event"},
        Malformed{"policy_number", with("/policy", 7), 400, "/policy", "must be a string"},
        Malformed{"as_of_bad", with("/as_of", "June"), 400, "/as_of", "as_of"},
        Malformed{"unknown_policy", with("/policy", "northshire"), 404, "", "no policy `northshire`"},
        Malformed{"not_in_effect", with("/as_of", "2020-01-01"), 404, "", "in effect on 2020-01-01"},
        Malformed{"unknown_version", with("/version", "1999.1"), 404, "", "no version `1999.1`"},
        Malformed{"lines_missing", R"({"policy":"reference","as_of":"2025-06-01","facts":{"dst":{}}})", 400, "/lines",
                  "needs `lines`"},
        Malformed{"duplicate_line", with("/lines/1", json::parse(R"({"id":"pc","service":"equipment","amount":"1","date":"2025-06-01"})")),
                  400, "/lines/1/id", "earlier line"}),
    [](const ::testing::TestParamInfo<Malformed>& param_info) { return std::string(param_info.param.name); });

TEST(HttpErrors, UnknownRoutesAndMethodsAnswerInTheContractShape) {
    TestServer s;
    auto c = s.client();
    auto r = c.Get("/v1/nothing");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(body_of(r)["error"]["code"], "not_found");
    auto m = c.Delete("/v1/decisions");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->status, 405);
    EXPECT_EQ(m->get_header_value("Allow"), "GET, HEAD, POST, OPTIONS");
    EXPECT_EQ(body_of(m)["error"]["code"], "method_not_allowed");
    auto g = c.Get("/v1/evaluate");
    ASSERT_TRUE(g);
    EXPECT_EQ(g->status, 405);
}

TEST(HttpAuth, ClientEvaluationNeedsAToken) {
    TestServer s([](server::ServeOptions& o) { o.open_evaluation = false; });
    auto c = s.client();
    EXPECT_EQ(c.Post("/v1/evaluate", post_op_request().dump(), "application/json")->status, 401);
    EXPECT_EQ(c.Post("/v1/evaluate", bearer(kClientToken), post_op_request().dump(), "application/json")->status, 200);
    EXPECT_EQ(c.Get("/healthz")->status, 200);
    EXPECT_EQ(c.Get("/v1/policies")->status, 200);
}

// Least privilege (docs/adr/0032-least-privilege-roles.md): a child's records are stored and
// read by `client`, `panel` and `admin` only, whatever --open-evaluation says. The whole route
// x role table is http_routes_test.cpp's.
TEST(HttpAuth, StoredDecisionsAreStoredAndReadOnlyByTheRolesThatWorkOnACase) {
    TestServer s;  // evaluation open; storing and reading stored decisions are not
    auto c = s.client();
    const auto body = post_op_request().dump();
    EXPECT_EQ(c.Post("/v1/evaluate", body, "application/json")->status, 200);
    EXPECT_EQ(c.Post("/v1/decisions", body, "application/json")->status, 401);
    EXPECT_EQ(c.Get("/v1/decisions")->status, 401);
    for (const char* token : {kClientToken, kPanelToken, kAdminToken}) {
        EXPECT_EQ(c.Post("/v1/decisions", bearer(token), body, "application/json")->status, 201) << token;
        EXPECT_EQ(c.Get("/v1/decisions", bearer(token))->status, 200) << token;
    }
    const auto id = body_of(c.Get("/v1/decisions", bearer(kClientToken)))["decisions"][0]["decision_id"].get<std::string>();
    for (const char* token : {kAuthorToken, kAuditorToken}) {
        auto stored = c.Post("/v1/decisions", bearer(token), body, "application/json");
        EXPECT_EQ(stored->status, 403) << token;
        EXPECT_EQ(body_of(stored)["error"]["code"], "forbidden") << token;
        for (const auto& path : {std::string("/v1/decisions"), "/v1/decisions/" + id, std::string("/v1/changes")}) {
            auto read = c.Get(path.c_str(), bearer(token));
            EXPECT_EQ(read->status, 403) << token << " " << path;
            EXPECT_NE(read->body.find("needs one of the roles `client`, `panel` or `admin`"), std::string::npos)
                << read->body;
        }
        // What holds nothing about one child stays open to every role.
        EXPECT_EQ(c.Get("/v1/reports/summary", bearer(token))->status, 200) << token;
        EXPECT_EQ(c.Post("/v1/evaluate", bearer(token), body, "application/json")->status, 200) << token;
    }
    EXPECT_EQ(body_of(c.Get("/v1/decisions", bearer(kAdminToken)))["total"], 3);
}

}  // namespace
}  // namespace jointly::testing

namespace jointly::testing {
namespace {

// Seeded mutations of a valid request (each value swapped for a value of another kind, or
// removed): every answer is a decision or a 4xx; never a 5xx, never a dead server.
TEST(HttpRobustness, MutatedRequestsNeverGiveFiveHundred) {
    TestServer s;
    auto c = s.client();
    c.set_keep_alive(true);
    const json base = post_op_request();
    const json flat = base.flatten();
    std::vector<std::string> pointers;
    for (const auto& [k, v] : flat.items()) {
        pointers.push_back(k);
        auto parent = json::json_pointer(k).parent_pointer();
        if (!parent.empty()) pointers.push_back(parent.to_string());
    }
    const std::vector<json> values = {nullptr, true, 1.5, -1, 1e300, 0, "", "x", json::array(), json::object(),
                                      std::numeric_limits<std::uint64_t>::max(), "2025-02-29", "-1.00",
                                      "99999999999999999999.99", std::string(5000, 'a'), json::array({1, "a"}),
                                      "2025-06-10", "0.00", "1e3", "priority"};
    std::uint64_t state = 42;
    auto next = [&] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<std::size_t>(state >> 33);
    };
    for (int i = 0; i < 600; ++i) {
        json body = base;
        const int edits = 1 + static_cast<int>(next() % 3);
        for (int e = 0; e < edits; ++e) {
            const auto pointer = json::json_pointer(pointers[next() % pointers.size()]);
            if (!body.contains(pointer)) continue;
            if (next() % 5 == 0 && !pointer.empty()) {
                auto& parent = body[pointer.parent_pointer()];
                if (parent.is_object()) parent.erase(pointer.back());
            } else {
                body[pointer] = values[next() % values.size()];
            }
        }
        auto r = c.Post("/v1/evaluate", body.dump(), "application/json");
        ASSERT_TRUE(r) << body.dump();
        ASSERT_LT(r->status, 500) << body.dump() << "\n" << r->body;
        if (r->status != 200) {
            const auto j = body_of(r);
            ASSERT_TRUE(j.contains("error")) << r->body;
            if (r->status == 400) {
                ASSERT_FALSE(j["error"]["details"].empty()) << body.dump() << "\n" << r->body;
            }
        }
    }
    EXPECT_EQ(c.Get("/healthz")->status, 200);
}

}  // namespace
}  // namespace jointly::testing

namespace jointly::testing {
namespace {

// A policy that declares its services: a line of an undeclared service, or of another kind
// than its service is declared as, is a 400 naming the line's field (E4216, E4217).
constexpr const char* kServicesPolicy = R"(policy declared_services "Declared services"
  version "2025.1"
  effective from 2025-04-01

agency health "NHS Integrated Care Board"
service slt "speech and language therapy" hourly
service respite "respite care" weekly

rule everything
  split health 100%
)";

TEST(HttpDecisions, DeclaredServicesRefuseOtherLinesWith400) {
    TestServer s;
    auto c = s.client();
    auto up = c.Post("/v1/policies", bearer(kAuthorToken), kServicesPolicy, "text/plain");
    ASSERT_EQ(up->status, 201) << up->body;
    auto request = [](nlohmann::json line) {
        return nlohmann::json{{"policy", "declared_services"}, {"as_of", "2025-06-01"}, {"lines", {std::move(line)}}}
            .dump();
    };
    auto unknown = c.Post("/v1/evaluate",
                          request({{"id", "r"}, {"service", "respit"}, {"weekly", "100.00"},
                                   {"start", "2025-06-01"}, {"end", "2025-06-07"}}),
                          "application/json");
    ASSERT_EQ(unknown->status, 400) << unknown->body;
    const auto detail = body_of(unknown)["error"]["details"][0];
    EXPECT_EQ(detail["path"], "/lines/0/service");
    EXPECT_EQ(detail["code"], "E4216");
    EXPECT_EQ(detail["message"], "unknown service `respit`: did you mean `respite`?");

    auto kind = c.Post("/v1/evaluate",
                       request({{"id", "r"}, {"service", "respite"}, {"amount", "100.00"}, {"date", "2025-06-01"}}),
                       "application/json");
    ASSERT_EQ(kind->status, 400) << kind->body;
    EXPECT_EQ(body_of(kind)["error"]["details"][0]["path"], "/lines/0/amount");
    EXPECT_EQ(body_of(kind)["error"]["details"][0]["code"], "E4217");

    auto fine = c.Post("/v1/evaluate",
                       request({{"id", "r"}, {"service", "respite"}, {"weekly", "700.00"},
                                {"start", "2025-06-01"}, {"end", "2025-06-07"}}),
                       "application/json");
    ASSERT_EQ(fine->status, 200) << fine->body;
    EXPECT_EQ(body_of(fine)["explanation"][0],
              "From 1 June 2025 to 7 June 2025, respite care costs £700.00: NHS Integrated Care Board pays "
              "£700.00.");
}

}  // namespace
}  // namespace jointly::testing
