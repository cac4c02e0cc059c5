// `jointly serve --db postgresql://…`: the HTTP API over the PostgreSQL store, two replicas on
// one database, and a database that goes away under load, or restarts, and comes back.
#include <gtest/gtest.h>

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "http_fixture.hpp"
#include "store_backends.hpp"

namespace jointly::testing {
namespace {

using json = nlohmann::json;

const std::string kUploaded = transport_policy("uploaded_test", "Uploaded in a test");

std::string store_decision(httplib::Client& c, const std::string& case_ref) {
    auto body = post_op_request();
    body["case_ref"] = case_ref;
    auto r = c.Post("/v1/decisions", bearer(kClientToken), body.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
    return r ? body_of(r).value("decision_id", "") : "";
}

class HttpPg : public ::testing::Test {
protected:
    void SetUp() override {
        JOINTLY_REQUIRE_PG_CLUSTER();
        db_ = std::make_unique<server::testing::PgDatabase>(*server::testing::pg_cluster_url());
    }
    std::unique_ptr<TestServer> replica() {
        const auto location = db_->location();
        return std::make_unique<TestServer>([&](server::ServeOptions& o) { o.db = location; });
    }
    std::unique_ptr<server::testing::PgDatabase> db_;
};

TEST_F(HttpPg, ADecisionIsStoredAndReadBackWithTheSameTimes) {
    auto s = replica();
    auto c = s->client();
    const auto id = store_decision(c, "C-PG");
    auto got = c.Get(("/v1/decisions/" + id).c_str(), bearer(kClientToken));
    ASSERT_EQ(got->status, 200) << got->body;
    const auto body = body_of(got);
    EXPECT_EQ(body["decision_id"], id);
    EXPECT_EQ(body["case_ref"], "C-PG");
    const std::string created = body.value("created_at", "");
    EXPECT_EQ(created.size(), 24u) << body.dump();  // 2026-12-06T12:00:00.000Z, as SQLite's
    EXPECT_EQ(created.back(), 'Z');
    auto health = c.Get("/healthz");
    EXPECT_EQ(health->status, 200) << health->body;
}

TEST_F(HttpPg, TwoReplicasShareDecisionsPanelRecordsAndUploads) {
    auto a = replica();
    auto b = replica();
    auto ca = a->client();
    auto cb = b->client();

    const auto id = store_decision(ca, "C-SHARED");
    auto read = cb.Get(("/v1/decisions/" + id).c_str(), bearer(kClientToken));
    ASSERT_EQ(read->status, 200) << read->body;
    EXPECT_EQ(body_of(read)["case_ref"], "C-SHARED");

    const auto path = "/v1/decisions/" + id + "/panel";
    auto first = ca.Post(path.c_str(), bearer(kPanelToken),
                         R"({"outcome":"deferred","date":"2025-06-20","members":["A. Chair"]})", "application/json");
    ASSERT_EQ(first->status, 201) << first->body;
    auto second = cb.Post(path.c_str(), bearer(kPanelToken),
                          R"({"outcome":"approved","date":"2025-06-21","members":["A. Chair"]})", "application/json");
    ASSERT_EQ(second->status, 201) << second->body;
    EXPECT_EQ(body_of(second)["supersedes"], body_of(first)["panel_record_id"]) << second->body;

    // Reports through either replica agree, and count B's approval, not A's deferral.
    auto report_a = ca.Get("/v1/reports/summary", bearer(kClientToken));
    auto report_b = cb.Get("/v1/reports/summary", bearer(kClientToken));
    ASSERT_EQ(report_a->status, 200) << report_a->body;
    ASSERT_EQ(report_b->status, 200) << report_b->body;
    EXPECT_EQ(report_a->body, report_b->body);
    EXPECT_EQ(body_of(report_a)["decisions"], 1) << report_a->body;
    EXPECT_EQ(body_of(report_a)["panel_outcomes"]["approved"], 1) << report_a->body;
    EXPECT_EQ(body_of(report_a)["panel_outcomes"]["deferred"], 0) << report_a->body;

    // An upload through A is served by B within a second, without a reload of B.
    const auto generation = body_of(cb.Get("/v1/policies"))["generation"];
    EXPECT_EQ(cb.Get("/v1/policies/uploaded_test")->status, 404);
    auto uploaded = ca.Post("/v1/policies", bearer(kAuthorToken), kUploaded, "text/plain");
    ASSERT_EQ(uploaded->status, 201) << uploaded->body;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        status = cb.Get("/v1/policies/uploaded_test")->status;
        if (status == 200) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(status, 200) << "B does not serve the version uploaded through A after 1 s";
    EXPECT_GT(body_of(cb.Get("/v1/policies"))["generation"].get<int>(), generation.get<int>());
    // B refuses the same version: it is in service there now.
    EXPECT_EQ(cb.Post("/v1/policies", bearer(kAuthorToken), kUploaded, "text/plain")->status, 409);
}

// The database is stopped while clients keep writing: every answer is 201 or 503 (never a 500
// or a dropped connection), /healthz says 503, and when the database is back the same
// server answers 201 again without a restart. Its own cluster: the shared one stays up.
TEST(HttpPgOutage, RequestsAnswer503WhileTheDatabaseIsDownAndRecoverWhenItReturns) {
    server::testing::OwnPgCluster cluster;
    JOINTLY_REQUIRE_OWN_PG_CLUSTER(cluster);
    TestServer s([&](server::ServeOptions& o) { o.db = cluster.url; });
    auto c = s.client();
    store_decision(c, "C-BEFORE");
    ASSERT_EQ(c.Get("/healthz")->status, 200);

    std::atomic<bool> loading{true};
    std::atomic<int> created{0};
    std::atomic<int> unavailable{0};
    std::atomic<int> other{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
        clients.emplace_back([&] {
            auto own = s.client();
            auto body = post_op_request();
            while (loading) {
                auto r = own.Post("/v1/decisions", bearer(kClientToken), body.dump(), "application/json");
                if (r && r->status == 201) ++created;
                else if (r && r->status == 503 && body_of(r)["error"]["code"] == "store_unavailable") ++unavailable;
                else ++other;
            }
        });
    }
    ASSERT_EQ(cluster.run("halt"), 0);
    auto health = c.Get("/healthz");
    EXPECT_EQ(health->status, 503) << health->body;
    EXPECT_EQ(body_of(health)["error"]["code"], "store_unavailable") << health->body;
    EXPECT_EQ(body_of(health)["error"]["message"], "the decision store (PostgreSQL) cannot be reached")
        << health->body;
    auto refused = c.Post("/v1/decisions", bearer(kClientToken), post_op_request().dump(), "application/json");
    EXPECT_EQ(refused->status, 503) << refused->body;
    ASSERT_EQ(cluster.run("resume"), 0);
    loading = false;
    for (auto& t : clients) t.join();
    EXPECT_EQ(other, 0);
    EXPECT_GT(unavailable, 0);

    EXPECT_EQ(c.Get("/healthz")->status, 200);
    const auto id = store_decision(c, "C-AFTER");
    EXPECT_EQ(c.Get(("/v1/decisions/" + id).c_str(), bearer(kClientToken))->status, 200);
}

// PostgreSQL restarts (`pg_ctl -m fast`, then as after a crash, `-m immediate`) while no
// request is in flight and the replica's pool holds connections, every one of them now
// broken. Once it accepts connections again, the replica's very next requests are answered:
// each decision 201, /healthz 200, never 503. (Each request used to take a broken connection
// from the pool and retry on another: 503s until the pool had been gone through.)
TEST(HttpPgOutage, AfterARestartTheNextRequestsAreAllAnswered) {
    server::testing::OwnPgCluster cluster;
    JOINTLY_REQUIRE_OWN_PG_CLUSTER(cluster);
    const std::string name = "jointly_restart_test";
    TestServer s([&](server::ServeOptions& o) {
        o.db = cluster.url + "&application_name=" + name;
        o.threads = 16;
    });
    auto c = s.client();
    const auto id = store_decision(c, "C-BEFORE");
    for (const char* mode : {"fast", "immediate"}) {
        {
            // Six reads at once, held behind a lock on the decisions table until all wait: six
            // connections of the pool open.
            std::unique_ptr<PGconn, decltype(&PQfinish)> admin(PQconnectdb(cluster.url.c_str()), &PQfinish);
            ASSERT_EQ(PQstatus(admin.get()), CONNECTION_OK);
            // The statistics views read afresh each time (within a transaction they are read once).
            const auto query = [&](const std::string& sql) {
                PGresult* r = PQexec(admin.get(), ("SELECT pg_stat_clear_snapshot(); " + sql).c_str());
                std::string out = PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "";
                PQclear(r);
                return out;
            };
            query("BEGIN");
            query("LOCK TABLE decisions IN ACCESS EXCLUSIVE MODE");
            constexpr int kReaders = 6;
            std::vector<std::thread> readers;
            for (int i = 0; i < kReaders; ++i) {
                readers.emplace_back([&] {
                    auto own = s.client();
                    own.Get(("/v1/decisions/" + id).c_str(), bearer(kClientToken));
                });
            }
            const std::string waiting = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + name +
                                        "' AND wait_event_type = 'Lock'";
            bool all_waited = false;
            for (int i = 0; i < 2000 && !all_waited; ++i) {
                all_waited = query(waiting) == std::to_string(kReaders);
                if (!all_waited) std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            query("COMMIT");
            for (auto& t : readers) t.join();
            ASSERT_TRUE(all_waited) << mode;
        }
        ASSERT_EQ(cluster.run("halt", mode), 0);
        ASSERT_EQ(cluster.run("resume"), 0);
        for (int i = 0; i < 8; ++i) {
            auto r = c.Post("/v1/decisions", bearer(kClientToken), post_op_request().dump(), "application/json");
            ASSERT_TRUE(r) << mode << " " << i;
            EXPECT_EQ(r->status, 201) << mode << " request " << i << ": " << r->body;
            auto health = c.Get("/healthz");
            EXPECT_EQ(health->status, 200) << mode << " request " << i << ": " << health->body;
        }
    }
}

}  // namespace
}  // namespace jointly::testing
