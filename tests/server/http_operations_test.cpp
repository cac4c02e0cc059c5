// Operations over loopback HTTP: health, metrics, who the caller is, the page, the OpenAPI document (every
// route it lists exists), and reloads under concurrent requests.
#include <gtest/gtest.h>

#include <cctype>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http_fixture.hpp"

namespace jointly::testing {
namespace {

using nlohmann::json;

TEST(HttpOperations, HealthzAndPage) {
    TestServer s;
    auto c = s.client();
    auto h = c.Get("/healthz");
    ASSERT_EQ(h->status, 200);
    EXPECT_EQ(body_of(h)["status"], "ok");
    EXPECT_EQ(body_of(h)["policy_versions"], 1);
    auto page = c.Get("/");
    ASSERT_EQ(page->status, 200);
    EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(page->body.find("<html"), std::string::npos);
}

TEST(HttpOperations, WhoAmINamesTheTokenNeverShowsIt) {
    TestServer s;
    auto c = s.client();
    struct Case {
        const char* token;
        int status;
        const char* role;
    };
    for (const auto& t : {Case{.token = kPanelToken, .status = 200, .role = "panel"},
                          Case{.token = kClientToken, .status = 200, .role = "client"},
                          Case{.token = kAuditorToken, .status = 200, .role = "auditor"},
                          Case{.token = "", .status = 401, .role = ""},
                          Case{.token = "not-a-known-token-0123", .status = 401, .role = ""}}) {
        auto r = c.Get("/v1/whoami", bearer(t.token));
        ASSERT_TRUE(r) << t.token;
        EXPECT_EQ(r->status, t.status) << t.token;
        if (t.status != 200) continue;
        const auto body = body_of(r);
        EXPECT_EQ(body["role"], t.role);
        EXPECT_EQ(body["authenticated"], true);
        ASSERT_TRUE(body["name"].is_string());
        EXPECT_FALSE(body["name"].get<std::string>().empty());
        EXPECT_EQ(r->body.find(t.token), std::string::npos) << "the answer shows the token";
    }
    // The scheme's name is case-insensitive (RFC 9110 11.1); the token is not.
    for (const char* scheme : {"bearer ", "BEARER ", "BeArEr "}) {
        auto r = c.Get("/v1/whoami", {{"Authorization", scheme + std::string(kPanelToken)}});
        ASSERT_TRUE(r) << scheme;
        EXPECT_EQ(r->status, 200) << scheme;
        EXPECT_EQ(body_of(r)["role"], "panel") << scheme;
    }
    std::string upper = kPanelToken;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (upper != kPanelToken) {
        EXPECT_EQ(c.Get("/v1/whoami", bearer(upper))->status, 401);
    }
}

TEST(HttpOperations, MetricsCountRequestsDecisionsAndPolicies) {
    TestServer s;
    auto c = s.client();
    ASSERT_EQ(c.Post("/v1/evaluate", post_op_request().dump(), "application/json")->status, 200);
    ASSERT_EQ(c.Post("/v1/evaluate", "{", "application/json")->status, 400);
    ASSERT_EQ(c.Get("/v1/nothing")->status, 404);
    auto m = c.Get("/metrics");
    ASSERT_EQ(m->status, 200);
    const auto& text = m->body;
    for (const char* line :
         {"jointly_http_requests_total{method=\"POST\",route=\"/v1/evaluate\",status=\"200\"} 1",
          "jointly_http_requests_total{method=\"POST\",route=\"/v1/evaluate\",status=\"400\"} 1",
          "jointly_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1",
          "jointly_decisions_total{outcome=\"approve\"} 1", "jointly_policy_versions_loaded 1",
          "jointly_policy_reload_failures_total 0",
          "jointly_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/evaluate\",status=\"200\"} 1",
          "jointly_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/evaluate\",status=\"400\"} 1"})
        EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
}

TEST(HttpOperations, EveryRouteInTheOpenApiDocumentExists) {
    // The full contract (every answer validated against the document) is tests/openapi; this
    // checks that every operation it lists is routed, with a token of a role it names.
    TestServer s;
    auto c = s.client();
    auto r = c.Get("/v1/openapi.json");
    ASSERT_EQ(r->status, 200);
    auto doc = body_of(r);
    EXPECT_EQ(doc["openapi"], "3.1.0");
    auto stored = body_of(c.Post("/v1/decisions", bearer(kClientToken), post_op_request().dump(), "application/json"));
    const std::string decision_id = stored["decision_id"];
    const std::map<std::string, const char*> tokens{
        {"client", kClientToken}, {"panel", kPanelToken}, {"author", kAuthorToken}, {"auditor", kAuditorToken},
        {"admin", kAdminToken}};
    std::size_t operations = 0;
    std::set<std::string> ids;
    for (const auto& [path, methods] : doc["paths"].items()) {
        std::string concrete = path;
        if (path.find("/decisions/") != std::string::npos) concrete = std::regex_replace(path, std::regex("\\{id\\}"), decision_id);
        else if (path.find("/policies/") != std::string::npos) concrete = std::regex_replace(path, std::regex("\\{id\\}"), "reference");
        else concrete = std::regex_replace(path, std::regex("\\{id\\}"), "some_pool");
        for (const auto& [method, op] : methods.items()) {
            ++operations;
            EXPECT_TRUE(ids.insert(op.value("operationId", "")).second) << method << " " << path << ": operationId";
            const auto roles = op.value("x-roles", json::array());
            const auto token = roles.empty() ? kClientToken : tokens.at(roles.front().get<std::string>());
            const auto headers = bearer(token);
            httplib::Result res = method == "get" ? c.Get(concrete.c_str(), headers)
                                                  : c.Post(concrete.c_str(), headers, "{}", "application/json");
            ASSERT_TRUE(res) << method << " " << concrete;
            EXPECT_NE(res->status, 405) << method << " " << concrete;
            EXPECT_LT(res->status, 500) << method << " " << concrete << ": " << res->body;
            if (res->status == 404) {  // a 404 from the handler (no such pool), never a missing route
                EXPECT_EQ(res->body.find("no route"), std::string::npos) << method << " " << concrete;
            }
            ASSERT_TRUE(op.contains("responses")) << path;
            EXPECT_TRUE(op["responses"].contains(std::to_string(res->status)))
                << method << " " << concrete << " answered " << res->status << ", not documented";
        }
    }
    EXPECT_EQ(operations, 22u);
}

TEST(HttpOperations, ReloadUnderConcurrentRequestsNeverFailsARequest) {
    TestServer s;
    std::atomic<bool> done{false};
    std::atomic<int> ok{0};
    std::atomic<int> bad{0};
    std::vector<std::thread> clients;
    const auto body = post_op_request().dump();
    for (int t = 0; t < 4; ++t) {
        clients.emplace_back([&] {
            auto c = s.client();
            c.set_keep_alive(true);
            while (!done) {
                auto r = c.Post("/v1/evaluate", body, "application/json");
                if (r && r->status == 200 && body_of(r)["total"] == "5914.28") ++ok;
                else ++bad;
            }
        });
    }
    // Reload (every tenth one failing) for as long as the clients are answered, so that
    // reloads and requests overlap for hundreds of requests.
    while (ok < 10 && bad == 0) std::this_thread::yield();
    const int start_ok = ok;
    int reloads = 0;
    int failures = 0;
    while ((ok < start_ok + 300 || reloads < 40) && bad == 0) {
        ++reloads;
        if (reloads % 10 == 0) {
            write_file(s.dir / "policies/broken/broken.jf", "policy broken");
            EXPECT_FALSE(s.server->reload().ok);
            fs::remove_all(s.dir / "policies/broken");
            ++failures;
        } else {
            ASSERT_TRUE(s.server->reload().ok);
        }
    }
    done = true;
    for (auto& t : clients) t.join();
    EXPECT_EQ(bad, 0);
    EXPECT_GE(ok, start_ok + 300);
    auto c = s.client();
    auto h = body_of(c.Get("/healthz"));
    EXPECT_EQ(h["generation"], 1 + reloads - failures);
    auto m = c.Get("/metrics")->body;
    EXPECT_NE(m.find("jointly_policy_reload_failures_total " + std::to_string(failures) + "\n"), std::string::npos) << m;
}

TEST(HttpOperations, StopBeforeRunReturnsAtOnce) {
    server::ServeOptions o;
    auto dir = make_temp_dir("jointly-stop-");
    fs::create_directories(dir / "p");
    fs::copy_file(fs::path(JOINTLY_SOURCE_DIR) / "policies/reference/reference.jf", dir / "p/reference.jf");
    o.policies = dir / "p";
    o.db = dir / "d.db";
    o.port = 0;
    o.insecure_dev = true;
    auto server = server::ApiServer::create(o);
    ASSERT_GT(server->bind(), 0);
    server->stop();
    // run() on a thread of its own, so a run() that missed the stop fails the test instead of
    // hanging the suite. A flag polled against a deadline, not std::future::wait_for: in the
    // asan build that wait timed out although run() had returned at once.
    auto returned = std::make_shared<std::atomic<bool>>(false);
    std::thread runner([raw = server.get(), returned] {
        raw->run();
        returned->store(true);
    });
    const auto returned_within = [&returned](std::chrono::seconds limit) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (!returned->load() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return returned->load();
    };
    if (!returned_within(std::chrono::seconds(5))) {
        ADD_FAILURE() << "run() did not return within 5 s of a stop() called before it";
        server->stop();  // a second chance to end it, so the test can clean up
        if (!returned_within(std::chrono::seconds(5))) {
            runner.detach();  // still running: leak the server and its folder rather than hang
            (void)server.release();
            return;
        }
    }
    runner.join();
    server.reset();
    fs::remove_all(dir);
}

TEST(HttpOperations, StartFailsCleanlyOnBadPolicies) {
    auto dir = make_temp_dir("jointly-bad-");
    write_file(dir / "p/bad.jf", "policy bad \"x\" version");
    server::ServeOptions o;
    o.policies = dir / "p";
    o.db = dir / "d.db";
    try {
        server::ApiServer::create(o);
        ADD_FAILURE() << "a bad policy directory must not start";
    } catch (const server::StartError& e) {
        EXPECT_FALSE(e.load.ok);
        EXPECT_FALSE(e.load.files.empty());
    }
    fs::remove_all(dir);
}

}  // namespace
}  // namespace jointly::testing
