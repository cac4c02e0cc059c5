// What is particular to the SQLite decision store: its triggers' constraint codes, its schema
// versions and migrations. What every store must do is in store_conformance_test.cpp.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "jointly/server/store.hpp"
#include "store_backends.hpp"

namespace jointly::server {
namespace {

namespace fs = std::filesystem;
using testing::audit_entry;
using testing::uploaded;

class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("jointly-store-" + Store::new_decision_id());
        fs::create_directories(dir_);
        store_ = Store::open(dir_ / "test.db");
    }
    void TearDown() override {
        store_.reset();
        fs::remove_all(dir_);
    }
    static DecisionRecord record(const std::string& case_ref, const std::string& outcome) {
        return testing::sample_decision(case_ref, outcome);
    }
    fs::path dir_;
    std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, IdsLookRight) {
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) {
        auto id = Store::new_decision_id();
        ASSERT_EQ(id.size(), 18u);
        ASSERT_EQ(id.substr(0, 2), "d-");
        ASSERT_EQ(id.find_first_not_of("0123456789abcdef", 2), std::string::npos) << id;
        ids.insert(id);
    }
    EXPECT_EQ(ids.size(), 1000u);
}

TEST_F(StoreTest, RowsCannotBeUpdatedOrDeleted) {
    auto r = record("C-1", "approve");
    store_->add_decision(r);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "test.db").c_str(), &db), SQLITE_OK);
    // Each statement is refused by its trigger (store_sqlite.cpp), not by some other failure.
    const std::pair<const char*, const char*> refusals[] = {
        {"UPDATE decisions SET outcome = 'decline'",
         "decisions are append-only (only an erasure may blank personal data)"},
        {"DELETE FROM decisions", "decisions are append-only"}};
    for (const auto& [sql, message] : refusals) {
        char* error = nullptr;
        EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_CONSTRAINT) << sql;
        EXPECT_EQ(std::string(error ? error : "(no message)"), message) << sql;
        sqlite3_free(error);
    }
    sqlite3_close(db);
    EXPECT_EQ(store_->get_decision(r.id)->outcome, "approve");
}

TEST_F(StoreTest, AuditEntriesCannotBeUpdatedOrDeleted) {
    store_->add_audit(audit_entry("reader", "read", "d-0000000000000001"));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "test.db").c_str(), &db), SQLITE_OK);
    for (const char* sql : {"UPDATE audit SET principal = 'someone else'", "DELETE FROM audit",
                            "UPDATE audit SET status = 500 WHERE id = 1"}) {
        char* error = nullptr;
        EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_CONSTRAINT) << sql;
        EXPECT_EQ(std::string(error ? error : "(no message)"), "the audit trail is append-only") << sql;
        sqlite3_free(error);
    }
    sqlite3_close(db);
    const auto entries = store_->find_audit({});
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].principal, "reader");
}

TEST_F(StoreTest, UploadedPoliciesCannotBeUpdatedOrDeleted) {
    ASSERT_TRUE(store_->add_policy(uploaded("transport", "2025.1", "author-a")).added);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "test.db").c_str(), &db), SQLITE_OK);
    for (const char* sql : {"UPDATE policies SET source = 'policy x'", "DELETE FROM policies",
                            "UPDATE policies SET uploaded_by = 'someone else' WHERE seq = 1"}) {
        char* error = nullptr;
        EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_CONSTRAINT) << sql;
        EXPECT_EQ(std::string(error ? error : "(no message)"), "uploaded policy versions are append-only") << sql;
        sqlite3_free(error);
    }
    sqlite3_close(db);
    const auto all = store_->policies_after(0);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].uploaded_by, "author-a");
}

// A store made before schema versions were recorded (user_version 0, no policies table) is
// migrated on open and keeps its decisions; a store from a newer jointly is refused, unchanged.
TEST_F(StoreTest, OlderSchemasMigrateAndNewerOnesAreRefused) {
    const auto kept = record("C-OLD", "approve");
    store_->add_decision(kept);
    store_.reset();
    const auto exec = [this](const char* sql) {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((dir_ / "test.db").c_str(), &db), SQLITE_OK);
        char* error = nullptr;
        EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "") << sql;
        sqlite3_free(error);
        sqlite3_close(db);
    };
    const auto user_version = [this] {
        sqlite3* db = nullptr;
        EXPECT_EQ(sqlite3_open((dir_ / "test.db").c_str(), &db), SQLITE_OK);
        sqlite3_stmt* stmt = nullptr;
        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
        sqlite3_step(stmt);
        const auto v = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        sqlite3_close(db);
        return v;
    };
    EXPECT_EQ(user_version(), 5);
    exec("DROP TABLE policies; PRAGMA user_version = 0;");  // as the previous release left it

    store_ = Store::open(dir_ / "test.db");
    EXPECT_EQ(user_version(), 5);
    ASSERT_TRUE(store_->get_decision(kept.id));
    EXPECT_EQ(store_->get_decision(kept.id)->case_ref, "C-OLD");
    EXPECT_TRUE(store_->add_policy(uploaded("transport", "2025.1", "author-a")).added);
    store_.reset();

    exec("PRAGMA user_version = 6;");
    try {
        store_ = Store::open(dir_ / "test.db");
        ADD_FAILURE() << "a store of schema version 6 opened";
    } catch (const StoreError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("schema version 6, newer than this jointly"), std::string::npos) << message;
        EXPECT_NE(message.find("understands (5)"), std::string::npos) << message;
    }
    EXPECT_EQ(user_version(), 6);  // left as it was
    exec("PRAGMA user_version = 5;");
    store_ = Store::open(dir_ / "test.db");
    EXPECT_EQ(store_->policies_after(0).size(), 1u);
}

// A database made before the audit trail existed gains it (and its triggers) when opened.
TEST(StoreOpen, AnOlderDatabaseGainsTheAuditTable) {
    const auto dir = fs::temp_directory_path() / ("jointly-store-" + Store::new_decision_id());
    fs::create_directories(dir);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "old.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE decisions (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, "
                           "case_ref TEXT NOT NULL, policy_id TEXT NOT NULL, policy_version TEXT NOT NULL, "
                           "policy_sha256 TEXT NOT NULL, as_of TEXT NOT NULL, created_at TEXT NOT NULL, "
                           "outcome TEXT NOT NULL, total TEXT NOT NULL, request TEXT NOT NULL, response TEXT NOT NULL)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    {
        auto store = Store::open(dir / "old.db");
        store->add_audit(audit_entry("reader", "read", "d-0000000000000001"));
        EXPECT_EQ(store->find_audit({}).size(), 1u);
    }
    ASSERT_EQ(sqlite3_open((dir / "old.db").c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, "DELETE FROM audit", nullptr, nullptr, nullptr), SQLITE_CONSTRAINT);
    sqlite3_close(db);
    fs::remove_all(dir);
}

TEST(StoreOpen, AnOlderDatabaseGainsTheChangeFeedWithItsHistoryAndTheNewTriggers) {
    const auto dir = fs::temp_directory_path() / ("jointly-store-" + Store::new_decision_id());
    fs::create_directories(dir);
    std::string first;
    std::string panel;
    {
        auto store = Store::open(dir / "old.db");
        DecisionRecord r;
        r.id = first = Store::new_decision_id();
        r.case_ref = "C-OLD";
        r.outcome = "approve";
        r.total = "1.00";
        store->add_decision(r);
        r.id = Store::new_decision_id();
        store->add_decision(r);
        panel = store->add_panel_record(first, "{}")->id;
    }
    // What a database from before the feed looks like: no `changes`, the old triggers.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "old.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "DROP TABLE changes; DROP TRIGGER decisions_update_only_erasure; "
                           "CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions "
                           "BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    {
        auto store = Store::open(dir / "old.db");
        const auto feed = store->changes_after(0, 10);
        ASSERT_EQ(feed.size(), 3u);
        EXPECT_EQ(feed[0].decision_id, first);
        EXPECT_EQ(feed[0].kind, "decision");
        EXPECT_EQ(feed[2].kind, "panel_record");
        EXPECT_EQ(feed[2].panel_record_id, panel);
        // The old blanket trigger is gone: an erasure can go through.
        const auto erased = store->erase_decision(
            Erasure{first, "", "records-officer", "ER-1", "req-1", std::nullopt},
            Redaction{[](const DecisionRecord&) { return std::string("{}"); },
                      [](const std::string&) { return std::string("{}"); }},
            std::nullopt);
        EXPECT_TRUE(erased.found);
        EXPECT_FALSE(erased.already);
        EXPECT_EQ(store->get_decision(first)->case_ref, "");
        ASSERT_TRUE(store->get_decision(first)->erased);
        EXPECT_EQ(store->get_decision(first)->erased->reason, "ER-1");
        EXPECT_EQ(store->changes_after(feed.back().seq, 10).at(0).kind, "erasure");
    }
    fs::remove_all(dir);
}

TEST(StoreOpen, UnwritablePathThrows) {
    EXPECT_THROW(Store::open("/nonexistent-dir/x/y.db"), StoreError);
}

}  // namespace
}  // namespace jointly::server
