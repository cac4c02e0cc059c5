// The decision store's backends for tests: a fresh SQLite file, or a fresh schema in the
// throwaway PostgreSQL cluster (tests/pg/cluster.sh, a ctest fixture), and a raw connection to
// each beside the store (to show what the database itself refuses); and a cluster of a test's
// own, which it may stop and restart.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "jointly/server/store.hpp"

namespace jointly::server::testing {

// The cluster's URL, from the file the ctest fixture writes; nullopt when there is none.
inline std::optional<std::string> pg_cluster_url() {
    std::ifstream in(JOINTLY_PG_URL_FILE);
    std::string url;
    if (!in || !std::getline(in, url) || url.empty()) return std::nullopt;
    return url;
}

// Skips the test when there is no cluster on a developer's machine; fails it under CI, where
// the cluster must have started.
#define JOINTLY_REQUIRE_PG_CLUSTER()                                                                 \
    do {                                                                                             \
        if (!::jointly::server::testing::pg_cluster_url()) {                                         \
            if (std::getenv("CI")) FAIL() << "CI is set but the PostgreSQL test cluster did not start"; \
            GTEST_SKIP() << "no PostgreSQL test cluster (install postgresql; see tests/pg/cluster.sh)"; \
        }                                                                                            \
    } while (0)

// A PostgreSQL cluster of the test's own (tests/pg/cluster.sh), which it may stop and restart
// without disturbing the shared one; `url` is empty when there is no PostgreSQL.
class OwnPgCluster {
public:
    OwnPgCluster()
        : state_(std::filesystem::temp_directory_path() / ("jointly-pg-own-" + Store::new_decision_id())) {
        std::filesystem::create_directories(state_);
        if (run("start") == 0) std::getline(std::ifstream(state_ / "url"), url);
    }
    ~OwnPgCluster() {
        run("stop");
        std::error_code ec;
        std::filesystem::remove_all(state_, ec);
    }
    OwnPgCluster(const OwnPgCluster&) = delete;
    OwnPgCluster& operator=(const OwnPgCluster&) = delete;
    // cluster.sh's `command` (`halt`, `resume`), with `after` after the state folder (`halt`'s
    // mode); its exit status.
    int run(const std::string& command, const std::string& after = "") {
        const std::string script = std::string(JOINTLY_SOURCE_DIR) + "/tests/pg/cluster.sh";
        return std::system((script + " " + command + " " + state_.string() + " " + after + " >/dev/null").c_str());
    }
    std::string url;

private:
    std::filesystem::path state_;
};

// As JOINTLY_REQUIRE_PG_CLUSTER, for an OwnPgCluster.
#define JOINTLY_REQUIRE_OWN_PG_CLUSTER(cluster)                                                    \
    do {                                                                                           \
        if ((cluster).url.empty()) {                                                               \
            if (std::getenv("CI")) FAIL() << "CI is set but a PostgreSQL cluster could not start"; \
            GTEST_SKIP() << "no PostgreSQL (install postgresql; see tests/pg/cluster.sh)";         \
        }                                                                                          \
    } while (0)

// One empty database for one test.
class TestDatabase {
public:
    virtual ~TestDatabase() = default;
    // What Store::connect takes.
    virtual std::string location() const = 0;
    // Runs `sql` on a raw connection (not the store's): the database's error message, or
    // empty when it succeeded.
    virtual std::string exec_raw(const std::string& sql) = 0;
};

class SqliteDatabase final : public TestDatabase {
public:
    SqliteDatabase() : dir_(std::filesystem::temp_directory_path() / ("jointly-store-" + Store::new_decision_id())) {
        std::filesystem::create_directories(dir_);
    }
    ~SqliteDatabase() override { std::filesystem::remove_all(dir_); }
    std::string location() const override { return (dir_ / "test.db").string(); }
    std::string exec_raw(const std::string& sql) override {
        sqlite3* db = nullptr;
        if (sqlite3_open(location().c_str(), &db) != SQLITE_OK) return "cannot open";
        char* error = nullptr;
        const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
        std::string message = rc == SQLITE_OK ? "" : (error ? error : "(no message)");
        sqlite3_free(error);
        sqlite3_close(db);
        return message;
    }

private:
    std::filesystem::path dir_;
};

// A schema of its own (`t_` and 16 hex digits) in the cluster's database, the store's URL
// setting search_path to it; dropped at the end.
class PgDatabase final : public TestDatabase {
public:
    explicit PgDatabase(std::string url) : url_(std::move(url)), schema_("t_" + Store::new_decision_id().substr(2)) {
        EXPECT_EQ(exec_admin("CREATE SCHEMA " + schema_), "");
    }
    ~PgDatabase() override { exec_admin("DROP SCHEMA " + schema_ + " CASCADE"); }
    std::string location() const override {
        return url_ + (url_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
    }
    std::string exec_raw(const std::string& sql) override { return exec_admin("SET search_path TO " + schema_ + "; " + sql); }
    const std::string& schema() const { return schema_; }

private:
    std::string exec_admin(const std::string& sql) const {
        PGconn* conn = PQconnectdb(url_.c_str());
        if (PQstatus(conn) != CONNECTION_OK) {
            std::string message = PQerrorMessage(conn);
            PQfinish(conn);
            return message;
        }
        PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
        PGresult* result = PQexec(conn, sql.c_str());
        std::string message;
        const auto status = PQresultStatus(result);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
            message = primary ? primary : "(no message)";
        }
        PQclear(result);
        PQfinish(conn);
        return message;
    }

    std::string url_;
    std::string schema_;
};

// Sample rows for store tests.
inline DecisionRecord sample_decision(const std::string& case_ref, const std::string& outcome) {
    DecisionRecord r;
    r.id = Store::new_decision_id();
    r.case_ref = case_ref;
    r.policy_id = "reference";
    r.policy_version = "2025.1";
    r.policy_sha256 = "abc";
    r.as_of = "2025-06-01";
    r.outcome = outcome;
    r.total = "12.50";
    r.request_json = "{\"case_ref\":\"" + case_ref + "\"}";
    r.response_json = "{\"outcome\":\"" + outcome + "\"}";
    return r;
}

inline AuditEntry audit_entry(const std::string& principal, const std::string& action, std::optional<std::string> decision) {
    AuditEntry e;
    e.principal = principal;
    e.client = "127.0.0.1";
    e.request_id = "req-" + principal;
    e.action = action;
    e.route = decision ? "/v1/decisions/{id}" : "/v1/decisions";
    e.decision_id = std::move(decision);
    e.status = 200;
    return e;
}

inline StoredPolicy uploaded(const std::string& id, const std::string& version, const std::string& by) {
    StoredPolicy p;
    p.policy_id = id;
    p.version = version;
    p.sha256 = std::string(64, 'a');
    p.file = id + ".jf";
    p.source = "policy " + id + " \"An upload\"\n  version \"" + version + "\"\n";
    p.uploaded_by = by;
    p.request_id = "req-" + version;
    return p;
}

// A test run on each store: GetParam() is "sqlite" or "postgresql" (skipped without the test
// cluster, failed under CI). Each test gets a fresh database and a store open on it.
class OnEachBackend : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        if (postgresql()) {
            JOINTLY_REQUIRE_PG_CLUSTER();
            db_ = std::make_unique<PgDatabase>(*pg_cluster_url());
        } else {
            db_ = std::make_unique<SqliteDatabase>();
        }
        store_ = Store::connect(db_->location());
    }
    void TearDown() override {
        store_.reset();
        db_.reset();
    }
    bool postgresql() const { return std::string(GetParam()) == "postgresql"; }
    // Closes the store and opens it again on the same database.
    void reopen() {
        store_.reset();
        store_ = Store::connect(db_->location());
    }

    std::unique_ptr<TestDatabase> db_;
    std::unique_ptr<Store> store_;
};

}  // namespace jointly::server::testing
