// The policy routes over loopback HTTP: list, detail and schema, upload (201, 409, 422, roles),
// check, simulate, pool reconciliation, and the shared acceptance cases through /v1/evaluate.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "http_fixture.hpp"
#include "jointly/server/service.hpp"

namespace jointly::testing {
namespace {

using nlohmann::json;

const std::string kUploaded = transport_policy("uploaded_test", "Uploaded in a test");

TEST(HttpPolicies, ListAndDetail) {
    TestServer s;
    auto c = s.client();
    auto list = body_of(c.Get("/v1/policies"));
    ASSERT_EQ(list["policies"].size(), 1u);
    EXPECT_EQ(list["policies"][0]["id"], "reference");
    EXPECT_EQ(list["policies"][0]["versions"][0]["effective_from"], "2025-04-01");
    EXPECT_TRUE(list["policies"][0]["versions"][0]["effective_to"].is_null());

    auto r = c.Get("/v1/policies/reference");
    ASSERT_EQ(r->status, 200);
    auto detail = body_of(r);
    const auto& v = detail["versions"][0];
    EXPECT_EQ(v["version"], "2025.1");
    EXPECT_EQ(v["sha256"].get<std::string>().size(), 64u);
    EXPECT_NE(v["source"].get<std::string>().find("policy reference"), std::string::npos);
    EXPECT_EQ(v["events"], json::array({"surgery"}));
    const auto& facts = v["schema"]["properties"]["facts"];
    EXPECT_EQ(facts["properties"]["has_ehcp"]["type"], "boolean");
    EXPECT_EQ(facts["properties"]["dst"]["additionalProperties"]["enum"][5], "priority");
    EXPECT_EQ(facts["required"], json::array({"dst"}));
    EXPECT_EQ(v["agencies"][0]["id"], "health");
    // The reference policy declares no services: those its rules name, without names or kinds.
    std::vector<std::string> services;
    for (const auto& service : v["services"]) {
        services.push_back(service["id"]);
        EXPECT_TRUE(service["name"].is_null()) << service.dump();
        EXPECT_TRUE(service["kind"].is_null()) << service.dump();
    }
    EXPECT_NE(std::find(services.begin(), services.end(), "personal_care"), services.end()) << v["services"].dump();
    EXPECT_NE(std::find(services.begin(), services.end(), "residential_placement"), services.end());
    // Outcome rules as written, with the total each compares with (reference.jf lines 53, 56).
    const auto& outcomes = v["outcome_rules"];
    ASSERT_EQ(outcomes.size(), 2u) << outcomes.dump();
    EXPECT_EQ(outcomes[0]["kind"], "decline");
    EXPECT_EQ(outcomes[0]["line"], 53);
    EXPECT_EQ(outcomes[0]["total_thresholds"], json::array());
    EXPECT_EQ(outcomes[1]["kind"], "refer");
    EXPECT_EQ(outcomes[1]["referred_to"], "Director of Children's Services");
    EXPECT_EQ(outcomes[1]["line"], 56);
    EXPECT_EQ(outcomes[1]["total_thresholds"], json::parse(R"([{"op": ">", "amount": "250000.00"}])"));

    EXPECT_EQ(c.Get("/v1/policies/nope")->status, 404);
}

// A policy that declares its services lists them, in written order, with display names and
// kinds, and without its service groups.
TEST(HttpPolicies, DeclaredServicesAreListedWithTheirNames) {
    TestServer s;
    auto c = s.client();
    std::string declared = kUploaded;
    declared.replace(declared.find("agency health"), 0,
                     "service transport \"home to school transport\" one_off\n"
                     "service escort \"escort\"\nservice group travel: transport, escort\n\n");
    declared += "\nrefer to \"Transport panel\" ref \"T9\" when £1,000.50 <= total and total < £2,500 because \"costly\"\n";
    auto r = c.Post("/v1/policies", bearer(kAuthorToken), declared, "text/plain");
    ASSERT_EQ(r->status, 201) << r->body;
    const auto services = body_of(c.Get("/v1/policies/uploaded_test"))["versions"][0]["services"];
    EXPECT_EQ(services, json::parse(R"([{"id": "transport", "name": "home to school transport", "kind": "one_off"},
                                        {"id": "escort", "name": "escort", "kind": null}])"));
    const auto outcome = body_of(c.Get("/v1/policies/uploaded_test"))["versions"][0]["outcome_rules"][0];
    EXPECT_EQ(outcome["ref"], "T9");
    EXPECT_EQ(outcome["reason"], "costly");
    EXPECT_EQ(outcome["total_thresholds"], json::parse(R"([{"op": ">=", "amount": "1000.50"},
                                                          {"op": "<", "amount": "2500.00"}])"));
}

TEST(HttpPolicies, UploadCompilesStoresAndServes) {
    TestServer s;
    auto c = s.client();
    const auto generation = body_of(c.Get("/v1/policies"))["generation"];

    EXPECT_EQ(c.Post("/v1/policies", kUploaded, "text/plain")->status, 401);
    EXPECT_EQ(c.Post("/v1/policies", bearer(kPanelToken), kUploaded, "text/plain")->status, 403);

    auto r = c.Post("/v1/policies", bearer(kAuthorToken), kUploaded, "text/plain");
    ASSERT_EQ(r->status, 201) << r->body;
    EXPECT_EQ(body_of(r)["id"], "uploaded_test");
    EXPECT_FALSE(fs::exists(s.dir / "policies/uploaded"));  // the author's folder is untouched

    json req = {{"policy", "uploaded_test"},
                {"as_of", "2025-06-01"},
                {"lines", {{{"id", "t"}, {"service", "transport"}, {"amount", "10.01"}, {"date", "2025-06-02"}}}}};
    auto e = body_of(c.Post("/v1/evaluate", req.dump(), "application/json"));
    EXPECT_EQ(e["by_agency"]["health"], "5.01") << e.dump();

    auto again = c.Post("/v1/policies", bearer(kAuthorToken), json{{"source", kUploaded}}.dump(), "application/json");
    EXPECT_EQ(again->status, 409) << again->body;
    EXPECT_EQ(body_of(again)["error"]["code"], "conflict");

    // a reload finds the stored upload
    ASSERT_TRUE(s.server->reload().ok);
    EXPECT_EQ(body_of(c.Get("/v1/policies"))["policies"].size(), 2u);
    EXPECT_GT(body_of(c.Get("/v1/policies"))["generation"].get<int>(), generation.get<int>());
}

// Uploaded versions live in the decision store: they say who uploaded them and when, survive
// a restart, and never appear in the policy folder (where `jointly test` would trip on them).
TEST(HttpPolicies, UploadsAreKeptInTheStoreAndSayWhereTheyCameFrom) {
    TestServer s;
    auto c = s.client();
    auto r = c.Post("/v1/policies", bearer(kAuthorToken),
                    json{{"source", kUploaded}, {"file", "transport-2025.jf"}}.dump(), "application/json");
    ASSERT_EQ(r->status, 201) << r->body;
    const auto check_origins = [&](httplib::Client& client) {
        const auto uploaded = body_of(client.Get("/v1/policies/uploaded_test"))["versions"][0]["origin"];
        EXPECT_EQ(uploaded["kind"], "upload") << uploaded.dump();
        EXPECT_EQ(uploaded["uploaded_by"], "author-2");  // the token's name: line 2 of the tokens file
        EXPECT_EQ(uploaded["file"], "transport-2025.jf");
        EXPECT_GT(uploaded["upload_seq"].get<int>(), 0);
        const auto at = uploaded["uploaded_at"].get<std::string>();
        EXPECT_EQ(at.size(), 24u) << at;
        EXPECT_EQ(at[10], 'T');
        const auto file = body_of(client.Get("/v1/policies"))["policies"][0]["versions"][0]["origin"];
        EXPECT_EQ(file, json({{"kind", "file"}, {"file", "reference/reference.jf"}}));
        return at;
    };
    const auto at = check_origins(c);
    EXPECT_FALSE(fs::exists(s.dir / "policies/uploaded"));

    s.restart();
    auto after = s.client();
    EXPECT_EQ(check_origins(after), at);  // loaded on start, with the same record
    json req = {{"policy", "uploaded_test"},
                {"as_of", "2025-06-01"},
                {"lines", {{{"id", "t"}, {"service", "transport"}, {"amount", "10.01"}, {"date", "2025-06-02"}}}}};
    EXPECT_EQ(body_of(after.Post("/v1/evaluate", req.dump(), "application/json"))["by_agency"]["health"], "5.01");
    const auto again = after.Post("/v1/policies", bearer(kAuthorToken), kUploaded, "text/plain");
    EXPECT_EQ(again->status, 409) << again->body;
    EXPECT_NE(body_of(again)["error"]["message"].get<std::string>().find("uploaded by author-2"), std::string::npos)
        << again->body;
}

// Versions whose names differ only in characters a file name could not hold are both kept, and
// a restart and a reload serve both.
TEST(HttpPolicies, VersionsThatLookAlikeAsFileNamesAreBothKept) {
    TestServer s;
    auto c = s.client();
    auto version_of = [](const std::string& version, const std::string& from, const std::string& to) {
        std::string text = kUploaded;
        text.replace(text.find("version \"2025.1\""), 16, "version \"" + version + "\"");
        text.replace(text.find("effective from 2025-04-01"), 25, "effective " + from + " to " + to);
        return text;
    };
    auto slash = c.Post("/v1/policies", bearer(kAuthorToken), version_of("2031/1", "2031-04-01", "2032-03-31"),
                        "text/plain");
    ASSERT_EQ(slash->status, 201) << slash->body;
    auto underscore = c.Post("/v1/policies", bearer(kAuthorToken),
                             version_of("2031_1", "2032-04-01", "2033-03-31"), "text/plain");
    ASSERT_EQ(underscore->status, 201) << underscore->body;

    s.restart();
    auto c2 = s.client();
    ASSERT_TRUE(s.server->reload().ok);
    const auto detail = body_of(c2.Get("/v1/policies/uploaded_test"));
    std::vector<std::string> versions;
    for (const auto& v : detail["versions"]) versions.push_back(v["version"]);
    EXPECT_EQ(versions, (std::vector<std::string>{"2031/1", "2031_1"})) << detail.dump();
}

TEST(HttpPolicies, ABadUploadIsRefusedWithDiagnosticsAndChangesNothing) {
    TestServer s;
    auto c = s.client();
    const auto before = body_of(c.Get("/v1/policies"));
    std::string broken = kUploaded;
    broken.replace(broken.find("split health"), 12, "split heath");
    auto r = c.Post("/v1/policies", bearer(kAuthorToken), broken, "text/plain");
    ASSERT_EQ(r->status, 422) << r->body;
    auto j = body_of(r);
    EXPECT_EQ(j["error"]["code"], "policy_invalid");
    ASSERT_FALSE(j["error"]["diagnostics"].empty());
    const auto& d = j["error"]["diagnostics"][0];
    EXPECT_EQ(d["severity"], "error");
    EXPECT_EQ(d["line"], 10);
    EXPECT_GT(d["column"].get<int>(), 0);
    EXPECT_NE(d["message"].get<std::string>().find("heath"), std::string::npos);
    EXPECT_EQ(body_of(c.Get("/v1/policies")), before);

    // overlapping the version in service is refused too
    std::string overlap = body_of(c.Get("/v1/policies/reference"))["versions"][0]["source"].get<std::string>();
    overlap.replace(overlap.find("version \"2025.1\""), 16, "version \"2026.1\"");
    auto o = c.Post("/v1/policies", bearer(kAuthorToken), overlap, "text/plain");
    EXPECT_EQ(o->status, 422) << o->body;
    EXPECT_EQ(body_of(c.Get("/v1/policies")), before);

    auto big = c.Post("/v1/policies", bearer(kAuthorToken), std::string(300 * 1024, '#'), "text/plain");
    EXPECT_EQ(big->status, 413);
}

TEST(HttpPolicies, CheckDoesNotStore) {
    TestServer s;
    auto c = s.client();
    auto ok = c.Post("/v1/policies/check", bearer(kClientToken), kUploaded, "text/plain");
    ASSERT_EQ(ok->status, 200) << ok->body;
    EXPECT_EQ(body_of(ok)["ok"], true);
    EXPECT_EQ(body_of(c.Get("/v1/policies"))["policies"].size(), 1u);
    auto bad = c.Post("/v1/policies/check", bearer(kClientToken), "policy x", "text/plain");
    EXPECT_EQ(bad->status, 422);
    EXPECT_FALSE(body_of(bad)["error"]["diagnostics"].empty());
    auto missing = c.Post("/v1/policies/check", bearer(kClientToken), R"({"file": "x.jf"})", "application/json");
    EXPECT_EQ(missing->status, 400);
    // `file` names the upload in messages: a path or a control character is refused.
    // So is a character that is not seen but changes how the name reads: a right-to-left
    // override (`x\u202Efj.exe` shows as `xexe.jf`), a zero-width space, a line separator, a
    // byte order mark, a C1 control, a direction isolate.
    const std::vector<std::string> files{"../../tmp/pwn.jf", "/etc/passwd", "a\\b.jf", std::string("x\0.jf", 4), "..", "",
                                         "x\u202Efj.exe", "re\u200Bport.jf", "a\u2028b.jf", "\uFEFFa.jf",
                                         "a\u0085b.jf", "a\u2067b\u2069.jf"};
    for (const std::string& file : files) {
        auto named = c.Post("/v1/policies/check", bearer(kClientToken), json{{"source", kUploaded}, {"file", file}}.dump(),
                            "application/json");
        EXPECT_EQ(named->status, 400) << file;
        EXPECT_EQ(body_of(named)["error"]["details"][0]["path"], "/file") << file;
    }
    auto plain = c.Post("/v1/policies/check", bearer(kClientToken),
                        json{{"source", kUploaded}, {"file", "transport 2025 (draft).jf"}}.dump(), "application/json");
    EXPECT_EQ(plain->status, 200) << plain->body;
    // Letters of any script, accents and a no-break space are names like any other.
    auto accented = c.Post("/v1/policies/check", bearer(kClientToken),
                           json{{"source", kUploaded}, {"file", "trésorerie\u00A0Ynys Môn \u0645\u0644\u0641.jf"}}.dump(),
                           "application/json");
    EXPECT_EQ(accented->status, 200) << accented->body;
}

TEST(HttpSimulate, ComparesAgainstADraft) {
    TestServer s;
    auto c = s.client();
    std::string draft = body_of(c.Get("/v1/policies/reference"))["versions"][0]["source"].get<std::string>();
    draft.replace(draft.find("split social_care 100%"), 22, "split social_care 50%, health 50%");
    auto residential = post_op_request();
    residential["case_ref"] = "C-2";
    residential["events"] = json::object();
    residential["lines"][0]["service"] = "residential_placement";
    json body = {{"policy", "reference"}, {"vs_source", draft}, {"cases", {post_op_request(), residential, 7}}};
    auto r = c.Post("/v1/simulate", bearer(kClientToken), body.dump(), "application/json");
    ASSERT_EQ(r->status, 200) << r->body;
    auto j = body_of(r);
    EXPECT_EQ(j["cases"], 3);
    EXPECT_EQ(j["evaluated"], 2);
    EXPECT_EQ(j["errors"].size(), 1u);
    EXPECT_EQ(j["errors"][0]["case"], 2);
    EXPECT_EQ(j["a"]["total"], j["b"]["total"]);
    // A case's error points into the body, not into the case.
    auto bad_line = post_op_request();
    bad_line["lines"][0]["weekly"] = 12.5;
    json one_bad = {{"policy", "reference"}, {"cases", {post_op_request(), bad_line}}};
    auto pointed = body_of(c.Post("/v1/simulate", bearer(kClientToken), one_bad.dump(), "application/json"));
    ASSERT_EQ(pointed["errors"].size(), 1u) << pointed.dump();
    EXPECT_EQ(pointed["errors"][0]["case"], 1);
    EXPECT_EQ(pointed["errors"][0]["details"][0]["path"], "/cases/1/lines/0/weekly") << pointed.dump();
    EXPECT_EQ(j["splits_changed"], 1);
    EXPECT_EQ(j["changed"][0]["case_ref"], "C-1042");
    EXPECT_NE(j["difference"]["by_agency"]["health"], "0.00");
    EXPECT_EQ(j["difference"]["total"], "0.00");

    json broken = {{"vs_source", "policy"}, {"cases", json::array()}};
    EXPECT_EQ(c.Post("/v1/simulate", bearer(kClientToken), broken.dump(), "application/json")->status, 422);
    EXPECT_EQ(c.Post("/v1/simulate", bearer(kClientToken), R"({"cases": 1})", "application/json")->status, 400);
}

TEST(HttpPools, ReconcilesAdHocContributionsAndRefusesBadInput) {
    TestServer s;
    auto c = s.client();
    json body = {{"contributions", {{"social_care", "3704554.92"}, {"health", "1122592.40"}, {"education", "785814.68"}}},
                 {"spend", "6000000.00"},
                 {"carry_forward", false}};
    auto r = c.Post("/v1/pools/adhoc/reconcile", body.dump(), "application/json");
    ASSERT_EQ(r->status, 200) << r->body;
    auto j = body_of(r);
    EXPECT_EQ(j["overspend"], "387038.00");
    EXPECT_EQ(j["overspend_shares"]["social_care"], "255445.08");
    body["spend"] = 12.5;
    auto bad = c.Post("/v1/pools/adhoc/reconcile", body.dump(), "application/json");
    EXPECT_EQ(bad->status, 400);
    EXPECT_EQ(body_of(bad)["error"]["details"][0]["path"], "/spend");
    EXPECT_EQ(c.Post("/v1/pools/none/reconcile", R"({"spend": "1.00"})", "application/json")->status, 404);
    // A partner that contributed £0: the contributions are why there is no proportion.
    auto nil = c.Post("/v1/pools/adhoc/reconcile", R"({"contributions":{"a":"0.00"},"spend":"10.00","carry_forward":false})",
                      "application/json");
    ASSERT_EQ(nil->status, 422) << nil->body;
    const auto nil_detail = body_of(nil)["error"]["details"][0];
    EXPECT_EQ(nil_detail["path"], "/contributions");
    EXPECT_EQ(nil_detail["code"], "E3103");
    EXPECT_EQ(nil_detail["message"],
              "the partner who shares an overspend of pool `adhoc` (`a`) contributed £0.00: there is no proportion to "
              "share the overspend of £10.00 by");

    // an absurd amount and a misspelt field are refused, each naming its path
    body["spend"] = "92233720368547758.07";
    body["carry_froward"] = true;
    auto absurd = c.Post("/v1/pools/adhoc/reconcile", body.dump(), "application/json");
    ASSERT_EQ(absurd->status, 400) << absurd->body;
    const auto details = body_of(absurd)["error"]["details"];
    ASSERT_EQ(details.size(), 1u) << details.dump();
    EXPECT_EQ(details[0]["path"], "/carry_froward");
    EXPECT_EQ(details[0]["code"], "E4204");
    body.erase("carry_froward");
    auto spend = c.Post("/v1/pools/adhoc/reconcile", body.dump(), "application/json");
    ASSERT_EQ(spend->status, 400) << spend->body;
    EXPECT_EQ(body_of(spend)["error"]["details"][0]["path"], "/spend");
    EXPECT_EQ(body_of(spend)["error"]["details"][0]["code"], "E4213");
}

// An ad-hoc pool is named by its path; its odd penny goes to the partner whose name sorts
// first, whatever order the body's object lists them in (a JSON object has none); a partner
// with no name is refused. £400.00 spent of £300.00: £100.00 over, 33.33 each and a penny
// left, to `alpha` (sorted first) in either order.
TEST(HttpPools, AnAdHocPoolIsNamedByItsPathAndBreaksTiesByName) {
    TestServer s;
    auto c = s.client();
    for (const char* body : {R"({"contributions": {"zeta": "100.00", "alpha": "100.00", "mid": "100.00"}, "spend": "400.00"})",
                             R"({"contributions": {"alpha": "100.00", "mid": "100.00", "zeta": "100.00"}, "spend": "400.00"})"}) {
        auto r = c.Post("/v1/pools/respite_pool/reconcile", body, "application/json");
        ASSERT_EQ(r->status, 200) << r->body;
        const auto j = body_of(r);
        EXPECT_EQ(j["pool"], "respite_pool");
        EXPECT_EQ(j["overspend_shares"]["alpha"], "33.34") << j.dump();
        EXPECT_EQ(j["overspend_shares"]["mid"], "33.33");
        EXPECT_EQ(j["overspend_shares"]["zeta"], "33.33");
    }
    auto unnamed = c.Post("/v1/pools/respite_pool/reconcile",
                          R"({"contributions": {"": "100.00", "alpha": "100.00"}, "spend": "400.00"})", "application/json");
    EXPECT_EQ(unnamed->status, 400) << unnamed->body;
}

TEST(HttpPolicies, SimulateRefusesUnknownFields) {
    TestServer s;
    auto c = s.client();
    auto r = c.Post("/v1/simulate", bearer(kClientToken), R"({"cases": [], "vs_sauce": "policy x"})", "application/json");
    ASSERT_EQ(r->status, 400) << r->body;
    EXPECT_EQ(body_of(r)["error"]["details"][0]["path"], "/vs_sauce");
    EXPECT_EQ(body_of(r)["error"]["details"][0]["code"], "E4204");
}

// The shared acceptance cases, through POST /v1/evaluate (and the pool case through
// /v1/pools/{id}/reconcile), compared field by field.
std::vector<std::string> acceptance_cases() {
    std::vector<std::string> out;
    const fs::path dir = fs::path(JOINTLY_ACCEPTANCE_DIR) / "cases";
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.path().extension() == ".json") out.push_back(entry.path().filename().string());
    std::sort(out.begin(), out.end());
    if (out.empty()) out.push_back("");
    return out;
}

class HttpAcceptance : public ::testing::TestWithParam<std::string> {};

TEST_P(HttpAcceptance, ReproducesEveryFigure) {
    if (GetParam().empty()) GTEST_SKIP() << "no acceptance cases under " << JOINTLY_ACCEPTANCE_DIR << "/cases";
    static TestServer s;
    auto c = s.client();
    const auto kase = json::parse(read_file(fs::path(JOINTLY_ACCEPTANCE_DIR) / "cases" / GetParam()));
    auto request = kase.value("request", json::object());
    request["policy"] = "reference";
    const json pool = {{"contributions", kase.value("contributions", json())},
                       {"spend", kase.value("spend", json())},
                       {"carry_forward", kase.value("carry_forward", false)}};
    auto r = kase.contains("request") ? c.Post("/v1/evaluate", request.dump(), "application/json")
                                      : c.Post("/v1/pools/acceptance/reconcile", pool.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    for (const auto& d : server::compare_expected(kase["expected"], body_of(r))) ADD_FAILURE() << d;
}

INSTANTIATE_TEST_SUITE_P(Cases, HttpAcceptance, ::testing::ValuesIn(acceptance_cases()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                             std::string n = param_info.param.empty() ? "missing" : param_info.param;
                             n = n.substr(0, n.find(".json"));
                             for (char& ch : n)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return n;
                         });

}  // namespace
}  // namespace jointly::testing
