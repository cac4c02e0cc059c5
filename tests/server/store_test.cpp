// The SQLite decision store: append-only rows, filters, panel records that supersede
// without erasing, concurrent writers each acknowledged after commit, and the audit trail.
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

namespace jointly::server {
namespace {

namespace fs = std::filesystem;

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
    DecisionRecord record(const std::string& case_ref, const std::string& outcome) {
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

TEST_F(StoreTest, StoresAndReadsBackExactly) {
    auto r = record("C-1", "approve");
    const auto created = store_->add_decision(r);
    EXPECT_EQ(created.size(), 24u) << created;  // 2025-06-01T12:00:00.000Z
    auto got = store_->get_decision(r.id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->request_json, r.request_json);
    EXPECT_EQ(got->response_json, r.response_json);
    EXPECT_EQ(got->created_at, created);
    EXPECT_FALSE(store_->get_decision("d-0000000000000000"));
}

TEST_F(StoreTest, FiltersAndPages) {
    for (int i = 0; i < 5; ++i) store_->add_decision(record("C-1", i % 2 ? "refer" : "approve"));
    store_->add_decision(record("C-2", "decline"));
    DecisionQuery q;
    q.case_ref = "C-1";
    EXPECT_EQ(store_->count_decisions(q), 5u);
    q.outcome = "refer";
    EXPECT_EQ(store_->find_decisions(q).size(), 2u);
    DecisionQuery all;
    all.limit = 4;
    EXPECT_EQ(store_->find_decisions(all).size(), 4u);
    all.offset = 4;
    auto rest = store_->find_decisions(all);
    ASSERT_EQ(rest.size(), 2u);
    EXPECT_EQ(rest.back().case_ref, "C-1");  // newest first: the oldest is last
    DecisionQuery dated;
    dated.from = "2000-01-01";
    dated.to = "1999-12-31";
    EXPECT_EQ(store_->count_decisions(dated), 0u);
    dated.to = "9999-12-31";
    EXPECT_EQ(store_->count_decisions(dated), 6u);
}

TEST_F(StoreTest, PanelRecordsSupersedeWithoutErasing) {
    auto r = record("C-1", "refer");
    store_->add_decision(r);
    auto first = store_->add_panel_record(r.id, "{\"outcome\":\"deferred\"}");
    ASSERT_TRUE(first);
    EXPECT_EQ(first->supersedes, "");
    auto second = store_->add_panel_record(r.id, "{\"outcome\":\"approved\"}");
    ASSERT_TRUE(second);
    EXPECT_EQ(second->supersedes, first->id);
    auto all = store_->panel_records(r.id);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].record_json, "{\"outcome\":\"deferred\"}");
    EXPECT_FALSE(store_->add_panel_record("d-ffffffffffffffff", "{}"));
}

TEST_F(StoreTest, ScanVisitsEveryMatchOldestFirstWithItsLatestPanelRecord) {
    std::vector<std::string> ids;
    for (int i = 0; i < 600; ++i) {  // more than two of the scan's pages
        auto r = record("C-" + std::to_string(i), "approve");
        if (i % 3 == 0) r.policy_id = "other";
        ids.push_back(r.id);
        store_->add_decision(r);
    }
    ASSERT_TRUE(store_->add_panel_record(ids[1], "{\"outcome\":\"deferred\"}"));
    const auto latest = store_->add_panel_record(ids[1], "{\"outcome\":\"approved\"}");
    ASSERT_TRUE(latest);
    std::vector<std::string> seen;
    std::size_t with_panel = 0;
    DecisionQuery q;
    q.limit = 1;  // ignored by a scan
    store_->scan_decisions(q, [&](const DecisionRecord& d, const std::optional<PanelRecord>& p) {
        seen.push_back(d.id);
        if (!p) return;
        ++with_panel;
        EXPECT_EQ(d.id, ids[1]);
        EXPECT_EQ(p->id, latest->id);
        EXPECT_EQ(p->record_json, "{\"outcome\":\"approved\"}");
        EXPECT_EQ(p->supersedes, latest->supersedes);
    });
    EXPECT_EQ(seen, ids);
    EXPECT_EQ(with_panel, 1u);
    EXPECT_EQ(seen.size(), 600u);

    DecisionQuery other;
    other.policy = "other";
    other.from = "2000-01-01";
    std::size_t count = 0;
    store_->scan_decisions(other, [&](const DecisionRecord& d, const std::optional<PanelRecord>&) {
        EXPECT_EQ(d.policy_id, "other");
        ++count;
    });
    EXPECT_EQ(count, 200u);
    EXPECT_EQ(store_->count_decisions(other), 200u);
    other.to = "1999-12-31";
    count = 0;
    store_->scan_decisions(other, [&](const DecisionRecord&, const std::optional<PanelRecord>&) { ++count; });
    EXPECT_EQ(count, 0u);
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

TEST_F(StoreTest, ConcurrentWritersAreAllCommitted) {
    std::vector<std::thread> threads;
    std::vector<std::vector<std::string>> ids(8);
    for (std::size_t t = 0; t < ids.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                auto r = record("C-" + std::to_string(t), "approve");
                store_->add_decision(r);
                ids[t].push_back(r.id);
            }
        });
    }
    for (auto& th : threads) th.join();
    for (const auto& list : ids)
        for (const auto& id : list) ASSERT_TRUE(store_->get_decision(id)) << id;
    EXPECT_EQ(store_->count_decisions({}), 400u);
}

TEST_F(StoreTest, ReopenKeepsEverything) {
    auto r = record("C-9", "approve");
    store_->add_decision(r);
    store_.reset();
    store_ = Store::open(dir_ / "test.db");
    EXPECT_TRUE(store_->get_decision(r.id));
}

AuditEntry audit_entry(const std::string& principal, const std::string& action, std::optional<std::string> decision) {
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

TEST_F(StoreTest, AuditTrailFiltersAndContinuesAfterAnId) {
    store_->add_audit(audit_entry("reader", "read", "d-0000000000000001"));
    store_->add_audit(audit_entry("writer", "write", "d-0000000000000002"));
    auto listed = audit_entry("reader", "list", std::nullopt);
    listed.detail = "case_ref=C-1042";
    store_->add_audit(listed);
    auto panel = audit_entry("panel-2", "write", "d-0000000000000001");
    panel.panel_record_id = "p-0000000000000009";
    panel.status = 404;
    store_->add_audit(panel);

    const auto all = store_->find_audit({});
    ASSERT_EQ(all.size(), 4u);
    for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].id, all[i].id);  // oldest first
    EXPECT_EQ(all[0].principal, "reader");
    EXPECT_EQ(all[0].client, "127.0.0.1");
    EXPECT_EQ(all[0].request_id, "req-reader");
    EXPECT_EQ(all[0].route, "/v1/decisions/{id}");
    EXPECT_EQ(all[0].at.size(), 24u) << all[0].at;  // 2025-06-01T12:00:00.000Z
    EXPECT_EQ(all[0].at.back(), 'Z');
    EXPECT_EQ(all[2].decision_id, std::nullopt);
    EXPECT_EQ(all[2].detail, "case_ref=C-1042");
    EXPECT_EQ(all[3].panel_record_id, "p-0000000000000009");
    EXPECT_EQ(all[3].status, 404);

    AuditQuery by_decision;
    by_decision.decision = "d-0000000000000001";
    EXPECT_EQ(store_->find_audit(by_decision).size(), 2u);
    AuditQuery by_principal;
    by_principal.principal = "reader";
    const auto reader = store_->find_audit(by_principal);
    ASSERT_EQ(reader.size(), 2u);
    EXPECT_EQ(reader[1].action, "list");
    AuditQuery page;
    page.limit = 2;
    const auto first = store_->find_audit(page);
    ASSERT_EQ(first.size(), 2u);
    page.after = first.back().id;
    const auto second = store_->find_audit(page);
    ASSERT_EQ(second.size(), 2u);
    EXPECT_EQ(second[0].id, all[2].id);
    const auto today = all[0].at.substr(0, 10);
    AuditQuery days;
    days.from = today;
    days.to = today;
    EXPECT_EQ(store_->find_audit(days).size(), 4u);
    days.from = "1999-01-01";
    days.to = "1999-12-31";
    EXPECT_TRUE(store_->find_audit(days).empty());
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

StoredPolicy uploaded(const std::string& id, const std::string& version, const std::string& by) {
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

TEST_F(StoreTest, UploadedPoliciesAreKeptOnceInOrderAndSurviveReopen) {
    const auto first = store_->add_policy(uploaded("transport", "2025.1", "author-a"));
    ASSERT_TRUE(first.added);
    EXPECT_GT(first.policy.seq, 0);
    EXPECT_EQ(first.policy.uploaded_at.size(), 24u) << first.policy.uploaded_at;  // 2026-12-06T11:00:00.000Z
    EXPECT_EQ(first.policy.uploaded_at.back(), 'Z');
    const auto second = store_->add_policy(uploaded("transport", "2026.1", "author-b"));
    ASSERT_TRUE(second.added);
    EXPECT_GT(second.policy.seq, first.policy.seq);

    // the same id and version again: nothing written, the first upload returned
    auto again = uploaded("transport", "2025.1", "author-c");
    again.source = "something else";
    const auto repeated = store_->add_policy(again);
    EXPECT_FALSE(repeated.added);
    EXPECT_EQ(repeated.policy.uploaded_by, "author-a");
    EXPECT_EQ(repeated.policy.seq, first.policy.seq);
    EXPECT_EQ(repeated.policy.source, uploaded("transport", "2025.1", "x").source);

    store_.reset();
    store_ = Store::open(dir_ / "test.db");
    const auto all = store_->policies_after(0);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].version, "2025.1");
    EXPECT_EQ(all[0].uploaded_by, "author-a");
    EXPECT_EQ(all[0].request_id, "req-2025.1");
    EXPECT_EQ(all[0].file, "transport.jf");
    EXPECT_EQ(all[0].uploaded_at, first.policy.uploaded_at);
    EXPECT_EQ(all[1].version, "2026.1");
    const auto later = store_->policies_after(first.policy.seq);
    ASSERT_EQ(later.size(), 1u);
    EXPECT_EQ(later[0].uploaded_by, "author-b");
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
    EXPECT_EQ(user_version(), 2);
    exec("DROP TABLE policies; PRAGMA user_version = 0;");  // as the previous release left it

    store_ = Store::open(dir_ / "test.db");
    EXPECT_EQ(user_version(), 2);
    ASSERT_TRUE(store_->get_decision(kept.id));
    EXPECT_EQ(store_->get_decision(kept.id)->case_ref, "C-OLD");
    EXPECT_TRUE(store_->add_policy(uploaded("transport", "2025.1", "author-a")).added);
    store_.reset();

    exec("PRAGMA user_version = 3;");
    try {
        store_ = Store::open(dir_ / "test.db");
        ADD_FAILURE() << "a store of schema version 3 opened";
    } catch (const StoreError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("schema version 3, newer than this jointly"), std::string::npos) << message;
        EXPECT_NE(message.find("understands (2)"), std::string::npos) << message;
    }
    EXPECT_EQ(user_version(), 3);  // left as it was
    exec("PRAGMA user_version = 2;");
    store_ = Store::open(dir_ / "test.db");
    EXPECT_EQ(store_->policies_after(0).size(), 1u);
}

TEST_F(StoreTest, AuditTrailSurvivesReopen) {
    store_->add_audit(audit_entry("reader", "read", "d-0000000000000001"));
    store_.reset();
    store_ = Store::open(dir_ / "test.db");
    store_->add_audit(audit_entry("writer", "write", "d-0000000000000002"));
    const auto entries = store_->find_audit({});
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].principal, "reader");
    EXPECT_LT(entries[0].id, entries[1].id);
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

TEST_F(StoreTest, AWaitForAChangeWakesOnTheCommit) {
    const auto before = store_->changes_after(0, 100);
    EXPECT_FALSE(store_->wait_for_change(0, std::chrono::milliseconds(50)));
    std::thread writer([this] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        store_->add_decision(record("C-WAIT", "approve"));
    });
    EXPECT_TRUE(store_->wait_for_change(0, std::chrono::seconds(20)));
    writer.join();
    EXPECT_EQ(store_->changes_after(0, 100).size(), before.size() + 1);
}

TEST_F(StoreTest, AKeyUsedBeforeWritesNothing) {
    const IdempotencyKey key{"client\x1f/v1/decisions", "k-1", "hash-1"};
    auto first = record("C-1", "approve");
    const auto written = store_->write_decision(first, WriteExtras{std::nullopt, key});
    EXPECT_FALSE(written.earlier);
    const auto again = store_->write_decision(record("C-1", "approve"), WriteExtras{std::nullopt, key});
    ASSERT_TRUE(again.earlier);
    EXPECT_EQ(again.earlier->target, first.id);
    EXPECT_EQ(again.earlier->body_sha256, "hash-1");
    EXPECT_EQ(store_->count_decisions({}), 1u);
    EXPECT_EQ(store_->find_idempotent(key.scope, key.key)->target, first.id);
    EXPECT_FALSE(store_->find_idempotent("other\x1f/v1/decisions", key.key));
}

TEST(StoreOpen, UnwritablePathThrows) {
    EXPECT_THROW(Store::open("/nonexistent-dir/x/y.db"), StoreError);
}

}  // namespace
}  // namespace jointly::server
