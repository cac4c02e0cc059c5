// Stopping the server while its check of the audit hash chain at start is still running
// (ADR 0029: the check runs on a thread of its own, beside serving) returns promptly, leaves no
// thread behind, and says what happened: jointly_audit_chain_check_state read 0 (not finished)
// while it ran, and the log says the check was stopped, never that the store could not be read.
// On SQLite the check is kept running by a large trail; on PostgreSQL, deterministically, by
// a lock another session holds on the audit table (as `VACUUM FULL audit` would), which kept a
// page's statement waiting until the statement timeout before the check could cancel it.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http_fixture.hpp"
#include "jointly/server/store.hpp"
#include "store_backends.hpp"

namespace jointly::testing {
namespace {

using Clock = std::chrono::steady_clock;

// The threads of this process now.
std::size_t threads_running() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& task : fs::directory_iterator("/proc/self/task")) ++n;
    return n;
}

// The lines a server logs.
struct Log {
    std::mutex mutex;
    std::vector<std::string> lines;
    std::function<void(const std::string&)> sink() {
        return [this](const std::string& line) {
            std::lock_guard lock(mutex);
            lines.push_back(line);
        };
    }
    // The lines holding `text`.
    std::vector<std::string> with(const std::string& text) {
        std::lock_guard lock(mutex);
        std::vector<std::string> out;
        for (const auto& line : lines)
            if (line.find(text) != std::string::npos) out.push_back(line);
        return out;
    }
};

// `n` audit entries with their hash chain, written into the SQLite store at `path` in one
// transaction (through the store, a commit each, they would take minutes).
void fill_sqlite_trail(const std::string& path, std::size_t n) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_stmt* insert = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "INSERT INTO audit (at, principal, client, request_id, action, route, status, hash) "
                                 "VALUES (?1, 'reader', '127.0.0.1', ?2, 'list', '/v1/decisions', 200, ?3)",
                                 -1, &insert, nullptr),
              SQLITE_OK);
    std::string head = server::kAuditGenesis;
    for (std::size_t i = 1; i <= n; ++i) {
        server::AuditEntry e;
        e.at = "2026-01-01T00:00:00.000Z";
        e.principal = "reader";
        e.client = "127.0.0.1";
        e.request_id = "req-" + std::to_string(i);
        e.action = "list";
        e.route = "/v1/decisions";
        e.status = 200;
        head = server::audit_chain_hash(head, e);
        sqlite3_bind_text(insert, 1, e.at.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 2, e.request_id.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 3, head.c_str(), -1, SQLITE_TRANSIENT);
        ASSERT_EQ(sqlite3_step(insert), SQLITE_DONE);
        sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
}

// A session holding `LOCK TABLE audit IN ACCESS EXCLUSIVE MODE` in the schema of `db` until
// release() or its end.
class AuditLock {
public:
    explicit AuditLock(const server::testing::PgDatabase& db)
        : conn_(PQconnectdb(server::testing::pg_cluster_url()->c_str())) {
        const std::string sql =
            "SET search_path TO " + db.schema() + "; BEGIN; LOCK TABLE audit IN ACCESS EXCLUSIVE MODE";
        PGresult* r = PQexec(conn_, sql.c_str());
        held_ = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
    }
    ~AuditLock() {
        release();
        PQfinish(conn_);
    }
    AuditLock(const AuditLock&) = delete;
    AuditLock& operator=(const AuditLock&) = delete;
    bool held() const { return held_; }
    void release() {
        if (!held_) return;
        PQclear(PQexec(conn_, "ROLLBACK"));
        held_ = false;
    }

private:
    PGconn* conn_;
    bool held_ = false;
};

class AuditChainStop : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        if (postgresql()) {
            JOINTLY_REQUIRE_PG_CLUSTER();
            db_ = std::make_unique<server::testing::PgDatabase>(*server::testing::pg_cluster_url());
        } else {
            db_ = std::make_unique<server::testing::SqliteDatabase>();
        }
    }
    bool postgresql() const { return std::string(GetParam()) == "postgresql"; }
    std::unique_ptr<server::testing::TestDatabase> db_;
};

INSTANTIATE_TEST_SUITE_P(Backend, AuditChainStop, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test) { return std::string(test.param); });

TEST_P(AuditChainStop, StoppingTheServerWhileTheCheckRunsIsPromptAndLeavesNoThread) {
    std::chrono::milliseconds full_check{120'000};  // PostgreSQL: the statement timeout, below
    {
        auto store = server::Store::connect(db_->location());  // the schema
        if (postgresql()) {
            store->add_audit(server::testing::audit_entry("reader", "list", std::nullopt));
        } else {
            store.reset();
            fill_sqlite_trail(db_->location(), 250'000);
            store = server::Store::connect(db_->location());
            const auto v = store->verify_audit();
            ASSERT_TRUE(v.ok()) << (v.broken ? v.broken->reason : "entries without a hash");
            ASSERT_EQ(v.entries, 250'000u);
            // How long the whole check takes here, the file in the page cache as the server
            // finds it: stopping must take much less (it ends within a page of 2,000 entries).
            const auto began = Clock::now();
            store->verify_audit();
            full_check = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began);
        }
    }
    std::unique_ptr<AuditLock> lock;
    if (postgresql()) {
        lock = std::make_unique<AuditLock>(dynamic_cast<const server::testing::PgDatabase&>(*db_));
        ASSERT_TRUE(lock->held());
    }
    const auto threads_before = threads_running();
    Log log;
    auto s = std::make_unique<TestServer>([&](server::ServeOptions& o) {
        o.db = db_->location();
        o.db_statement_timeout_ms = 120'000;
        o.log = log.sink();
    });
    // The check is running: on SQLite it has a quarter of a million entries to read, on
    // PostgreSQL it waits for the lock.
    const auto metrics = s->client().Get("/metrics");
    ASSERT_TRUE(metrics);
    ASSERT_NE(metrics->body.find("\njointly_audit_chain_check_state 0\n"), std::string::npos)
        << "the check had finished before the server was stopped: " << metrics->body;

    const auto began = Clock::now();
    auto stopped = std::async(std::launch::async, [&s] { s.reset(); });
    const bool prompt = stopped.wait_for(postgresql() ? std::chrono::seconds(20) : full_check / 2) ==
                        std::future_status::ready;
    if (lock) lock->release();  // so that a stop that waits on it ends, and the test with it
    stopped.get();
    EXPECT_TRUE(prompt) << "stopping took "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began).count()
                        << " ms; the whole check takes about " << full_check.count() << " ms";
    EXPECT_EQ(threads_running(), threads_before);
    // Said, and so stopped before its end: a check that ran on to the end would have said
    // nothing (the chain holds).
    const auto said = log.with("was stopped with the server before the end of the trail");
    ASSERT_EQ(said.size(), 1u) << "no line said the check was stopped";
    EXPECT_NE(said.front().find("\"level\":\"info\""), std::string::npos) << said.front();
    EXPECT_TRUE(log.with("cannot check").empty()) << log.with("cannot check").front();
    EXPECT_TRUE(log.with("\"level\":\"error\"").empty()) << log.with("\"level\":\"error\"").front();
}

}  // namespace
}  // namespace jointly::testing
