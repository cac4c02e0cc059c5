// Append-only triggers dropped while the server was stopped are said when the store is next
// opened, whatever schema version the store claims. A store that has jointly's tables is not a
// new store even when it records no version: its version set back to 0 (or, on PostgreSQL,
// jointly_schema emptied or dropped), to 1 or to any version below the current one is checked
// as what it is, and the migration puts the triggers back and says which were gone. Refusing to
// start such a store was the alternative; it would stop a store made before versions were
// recorded (SQLite, user_version 0) from being upgraded, while the check leaves the same
// `warn` line as for any other dropped trigger and changes nothing that was there.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store_backends.hpp"

namespace jointly::server::testing {
namespace {

class StoreTriggers : public OnEachBackend {
protected:
    // A store with a decision and an audit entry in it, closed.
    void fill() {
        store_->add_decision(sample_decision("C-1", "approve"));
        store_->add_audit(audit_entry("reader", "read", std::nullopt));
        store_.reset();
    }
    // SQL that leaves the store claiming schema version `version`; on PostgreSQL -1 drops the
    // table that records it.
    std::string claim(int version) const {
        if (!postgresql()) return "PRAGMA user_version = " + std::to_string(version);
        if (version < 0) return "DROP TABLE jointly_schema";
        if (version == 0) return "DELETE FROM jointly_schema";
        return "DELETE FROM jointly_schema; INSERT INTO jointly_schema (version, jointly, migrated_at) VALUES (" +
               std::to_string(version) + ", 'x', 'y')";
    }
    std::string drop_audit_trigger() const {
        return postgresql() ? "DROP TRIGGER audit_no_change ON audit" : "DROP TRIGGER audit_no_delete";
    }
    std::string audit_trigger() const { return postgresql() ? "audit_no_change" : "audit_no_delete"; }
    // Every version a store could claim below the current one (SQLite 5, PostgreSQL 4).
    std::vector<int> older_versions() const {
        return postgresql() ? std::vector<int>{-1, 0, 1, 2, 3} : std::vector<int>{0, 1, 2, 3, 4};
    }
};

INSTANTIATE_TEST_SUITE_P(Backend, StoreTriggers, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test) { return std::string(test.param); });

TEST_P(StoreTriggers, ADroppedTriggerIsSaidWhateverVersionTheStoreClaims) {
    fill();
    for (const int version : older_versions()) {
        SCOPED_TRACE("claimed version " + std::to_string(version));
        store_.reset();
        ASSERT_EQ(db_->exec_raw(drop_audit_trigger() + "; " + claim(version)), "");
        reopen();
        ASSERT_EQ(store_->open_warnings().size(), 1u);
        const auto& warning = store_->open_warnings().front();
        EXPECT_NE(warning.find("the decision store `"), std::string::npos) << warning;
        EXPECT_NE(warning.find("had lost its append-only triggers (" + audit_trigger() + ")"), std::string::npos)
            << warning;
        // Put back, and the store migrated to the current version: nothing to say again.
        EXPECT_EQ(db_->exec_raw("DELETE FROM audit"), "the audit trail is append-only");
        reopen();
        EXPECT_TRUE(store_->open_warnings().empty()) << store_->open_warnings().front();
    }
    EXPECT_EQ(store_->count_decisions({}), 1u);
}

// A version claimed below the one that added decided_under does not excuse its triggers when
// the table is there: a store that has the table had them (they were made with it).
TEST_P(StoreTriggers, TheTriggersOfATableAddedLaterAreSaidWhenTheTableIsThere) {
    fill();
    ASSERT_EQ(db_->exec_raw((postgresql() ? "DROP TRIGGER decided_under_no_change ON decided_under; "
                                          : "DROP TRIGGER decided_under_no_delete; ") +
                            claim(postgresql() ? 3 : 4)),
              "");
    reopen();
    ASSERT_EQ(store_->open_warnings().size(), 1u);
    EXPECT_NE(store_->open_warnings().front().find(postgresql() ? "(decided_under_no_change)"
                                                                : "(decided_under_no_delete)"),
              std::string::npos)
        << store_->open_warnings().front();
    EXPECT_EQ(db_->exec_raw("DELETE FROM decided_under"), "the policy texts decided under are append-only");
}

// No version and every trigger in place says nothing: the store is migrated, its rows kept.
// (The table decided_under dropped with its triggers under a version before it is tested in
// store_decided_under_test.cpp: a store of that version never had them.)
TEST_P(StoreTriggers, AStoreWithItsTriggersAndNoVersionIsMigratedWithoutAWarning) {
    fill();
    ASSERT_EQ(db_->exec_raw(claim(0)), "");
    reopen();
    EXPECT_TRUE(store_->open_warnings().empty()) << store_->open_warnings().front();
    EXPECT_EQ(store_->count_decisions({}), 1u);
    EXPECT_FALSE(store_->verify_audit().broken);
}

// As a jointly from before versions were recorded left an SQLite store: no table of uploaded
// policies (nor of what came after), user_version 0. Its missing tables come with their
// triggers, and nothing is said.
TEST(StoreTriggersSqlite, AStoreMadeBeforeVersionsWereRecordedIsUpgradedWithoutAWarning) {
    SqliteDatabase db;
    {
        auto store = Store::connect(db.location());
        store->add_decision(sample_decision("C-1", "approve"));
    }
    ASSERT_EQ(db.exec_raw("DROP TABLE policies; DROP TABLE decided_under; DROP TABLE decision_summaries; "
                          "PRAGMA user_version = 0"),
              "");
    auto store = Store::connect(db.location());
    EXPECT_TRUE(store->open_warnings().empty()) << store->open_warnings().front();
    ASSERT_TRUE(store->add_policy(uploaded("transport", "2025.1", "author-a")).added);
    EXPECT_EQ(db.exec_raw("DELETE FROM policies"), "uploaded policy versions are append-only");
}

// Older still: from before the erasure routes, whose decisions and panel records had the
// update triggers of that time (refusing every update), replaced on opening without a word;
// and from before the change feed and idempotency keys.
TEST(StoreTriggersSqlite, AStoreFromBeforeTheErasureRoutesIsUpgradedWithoutAWarning) {
    SqliteDatabase db;
    {
        auto store = Store::connect(db.location());
        store->add_decision(sample_decision("C-1", "approve"));
    }
    ASSERT_EQ(db.exec_raw("DROP TABLE erasures; DROP TABLE idempotency; DROP TABLE changes; DROP TABLE policies; "
                          "DROP TABLE decided_under; DROP TABLE decision_summaries; "
                          "DROP TRIGGER decisions_update_only_erasure; DROP TRIGGER panel_update_only_erasure; "
                          "CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions "
                          "BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END; "
                          "CREATE TRIGGER panel_no_update BEFORE UPDATE ON panel_records "
                          "BEGIN SELECT RAISE(ABORT, 'panel records are append-only'); END; "
                          "PRAGMA user_version = 0"),
              "");
    auto store = Store::connect(db.location());
    EXPECT_TRUE(store->open_warnings().empty()) << store->open_warnings().front();
    EXPECT_EQ(db.exec_raw("UPDATE decisions SET outcome = 'decline'"),
              "decisions are append-only (only an erasure may blank personal data)");
    // The same store claiming a recorded version had the triggers of today: said.
    store.reset();
    ASSERT_EQ(db.exec_raw("DROP TRIGGER decisions_update_only_erasure; "
                          "CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions "
                          "BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END; "
                          "PRAGMA user_version = 2"),
              "");
    store = Store::connect(db.location());
    ASSERT_EQ(store->open_warnings().size(), 1u);
    EXPECT_NE(store->open_warnings().front().find("(decisions_update_only_erasure)"), std::string::npos)
        << store->open_warnings().front();
}

}  // namespace
}  // namespace jointly::server::testing
