// The audit trail's hash chain, on each backend: a chain as written verifies; an entry edited
// or removed while the append-only triggers were gone is found where the chain breaks; a cut
// tail is found only against a head recorded before it; a store of the previous schema is
// chained when opened; two PostgreSQL replicas writing at once keep one chain.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "jointly/server/cli.hpp"
#include "jointly/server/store.hpp"
#include "store_backends.hpp"

namespace jointly::server {
namespace {

using testing::audit_entry;

class AuditChain : public testing::OnEachBackend {
protected:
    // Five entries of each kind the store writes: a read, a decision's, a panel record's, an
    // erasure's and a read again. Returns them as stored.
    std::vector<AuditEntry> fill() {
        store_->add_audit(audit_entry("reader", "read", std::nullopt));
        auto decision = testing::sample_decision("C-1", "approve");
        WriteExtras extras;
        extras.audit = audit_entry("writer", "write", std::nullopt);
        extras.audit->client_request_id = "caller-1";
        store_->write_decision(decision, extras);
        store_->write_panel_record(decision.id, "{\"outcome\":\"approved\"}", extras);
        Erasure erasure;
        erasure.decision_id = decision.id;
        erasure.principal = "dpo";
        erasure.reason = "asked";
        erasure.request_id = "req-erase";
        store_->erase_decision(erasure,
                               Redaction{[](const DecisionRecord&) { return std::string("{}"); },
                                         [](const std::string&) { return std::string("{}"); }},
                               audit_entry("dpo", "erase", decision.id));
        auto read = audit_entry("reader", "list", std::nullopt);
        read.detail = "case_ref=C-1";
        store_->add_audit(read);
        return all();
    }
    std::vector<AuditEntry> all() {
        AuditQuery q;
        q.limit = 1000;
        return store_->find_audit(q);
    }
    // Runs `sql` with the audit table's append-only triggers dropped, as someone with the
    // database's owner rights could.
    void tamper(const std::string& sql) {
        store_.reset();
        ASSERT_EQ(db_->exec_raw(postgresql() ? "DROP TRIGGER audit_no_change ON audit"
                                             : "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete"),
                  "");
        ASSERT_EQ(db_->exec_raw(sql), "");
        store_ = Store::connect(db_->location());  // puts the triggers back, with a warning
    }
};

INSTANTIATE_TEST_SUITE_P(Backend, AuditChain, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test) { return std::string(test.param); });

TEST_P(AuditChain, AChainAsWrittenVerifiesToItsHead) {
    const auto empty = store_->verify_audit();
    EXPECT_FALSE(empty.broken);
    EXPECT_EQ(empty.entries, 0u);
    EXPECT_EQ(empty.head, kAuditGenesis);

    const auto entries = fill();
    ASSERT_EQ(entries.size(), 5u);
    std::string previous = kAuditGenesis;
    for (const auto& e : entries) {
        EXPECT_EQ(e.hash, audit_chain_hash(previous, e)) << "entry " << e.id;
        previous = e.hash;
    }
    EXPECT_EQ(entries[1].client_request_id, "caller-1");
    EXPECT_EQ(entries[0].client_request_id, std::nullopt);
    const auto v = store_->verify_audit(entries[2].hash);
    EXPECT_FALSE(v.broken) << v.broken->reason;
    EXPECT_EQ(v.entries, 5u);
    EXPECT_EQ(v.head_id, entries.back().id);
    EXPECT_EQ(v.head, entries.back().hash);
    EXPECT_EQ(v.expected_head_found, true);
    EXPECT_EQ(store_->verify_audit(std::string(64, 'f')).expected_head_found, false);
}

TEST(AuditChainHash, TheEncodingKeepsFieldsApart) {
    AuditEntry a = audit_entry("ab", "read", std::nullopt);
    AuditEntry b = a;
    a.principal = "ab";
    a.client = "c";
    b.principal = "a";
    b.client = "bc";
    EXPECT_NE(audit_chain_hash(kAuditGenesis, a), audit_chain_hash(kAuditGenesis, b));
    AuditEntry none = a;
    AuditEntry blank = a;
    blank.detail = "";
    EXPECT_NE(audit_chain_hash(kAuditGenesis, none), audit_chain_hash(kAuditGenesis, blank));
}

TEST_P(AuditChain, AnEntryEditedWhileTheTriggersWereGoneIsFoundAtThatEntry) {
    const auto entries = fill();
    tamper("UPDATE audit SET detail = 'case_ref=C-2' WHERE id = " + std::to_string(entries[3].id));
    const auto v = store_->verify_audit();
    ASSERT_TRUE(v.broken);
    EXPECT_EQ(v.broken->id, entries[3].id);
    EXPECT_EQ(v.broken->found, entries[3].hash);
    EXPECT_NE(v.broken->expected, entries[3].hash);
    EXPECT_EQ(v.entries, 3u);
    EXPECT_EQ(v.head_id, entries[2].id);
    EXPECT_NE(v.broken->reason.find("audit entry " + std::to_string(entries[3].id) + " does not match"),
              std::string::npos)
        << v.broken->reason;
}

TEST_P(AuditChain, AMiddleEntryDeletedIsFoundAtTheOneAfterIt) {
    const auto entries = fill();
    tamper("DELETE FROM audit WHERE id = " + std::to_string(entries[2].id));
    const auto v = store_->verify_audit();
    ASSERT_TRUE(v.broken);
    EXPECT_EQ(v.broken->id, entries[3].id);
    EXPECT_NE(v.broken->reason.find("between entry " + std::to_string(entries[1].id)), std::string::npos)
        << v.broken->reason;
}

// What the chain cannot see alone: entries cut from the end leave a shorter chain that
// verifies. A head recorded before the cut is what finds it.
TEST_P(AuditChain, ATailCutIsFoundOnlyAgainstARecordedHead) {
    const auto entries = fill();
    const std::string recorded = store_->verify_audit().head;
    tamper("DELETE FROM audit WHERE id = " + std::to_string(entries[4].id));
    const auto v = store_->verify_audit(recorded);
    EXPECT_FALSE(v.broken);
    EXPECT_EQ(v.entries, 4u);
    EXPECT_EQ(v.expected_head_found, false);
    // Written after the cut, the chain continues from the entry now last: still no break.
    store_->add_audit(audit_entry("reader", "read", std::nullopt));
    EXPECT_FALSE(store_->verify_audit().broken);
    EXPECT_EQ(store_->verify_audit(recorded).expected_head_found, false);
    EXPECT_EQ(store_->verify_audit(entries[3].hash).expected_head_found, true);
}

TEST_P(AuditChain, AStoreOfThePreviousSchemaIsChainedWhenOpened) {
    const auto entries = fill();
    store_.reset();
    // As an upgrade finds it, or as someone laundering the chain leaves it (a trigger dropped,
    // the hashes gone, the version lowered): either way the migration says what it did.
    if (postgresql()) {
        ASSERT_EQ(db_->exec_raw("DROP TRIGGER audit_no_truncate ON audit; "
                                "ALTER TABLE audit DROP COLUMN hash, DROP COLUMN client_request_id; "
                                "DELETE FROM jointly_schema; "
                                "INSERT INTO jointly_schema (version, jointly, migrated_at) VALUES (2, 'x', 'y')"),
                  "");
    } else {
        ASSERT_EQ(db_->exec_raw("DROP TRIGGER audit_no_update; ALTER TABLE audit DROP COLUMN hash; "
                                "ALTER TABLE audit DROP COLUMN client_request_id; PRAGMA user_version = 3"),
                  "");
    }
    store_ = Store::connect(db_->location());
    const auto& warnings = store_->open_warnings();
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_NE(warnings[0].find(std::string("had lost its append-only triggers (") +
                               (postgresql() ? "audit_no_truncate" : "audit_no_update") + ")"),
              std::string::npos)
        << warnings[0];
    const auto migrated = all();
    EXPECT_NE(warnings[1].find("5 audit entries without a hash were chained, from entry " +
                               std::to_string(migrated[0].id) + "; the head is now " + migrated[4].hash + " (entry " +
                               std::to_string(migrated[4].id) + ")"),
              std::string::npos)
        << warnings[1];
    EXPECT_NE(warnings[1].find("if it was not just upgraded"), std::string::npos) << warnings[1];
    ASSERT_EQ(migrated.size(), entries.size());
    EXPECT_EQ(migrated[1].client_request_id, std::nullopt);  // not kept before
    auto v = store_->verify_audit();
    EXPECT_FALSE(v.broken) << v.broken->reason;
    EXPECT_EQ(v.entries, entries.size());
    store_->add_audit(audit_entry("reader", "read", std::nullopt));
    v = store_->verify_audit();
    EXPECT_FALSE(v.broken) << v.broken->reason;
    EXPECT_EQ(v.entries, entries.size() + 1);
    // The append-only triggers are back after the migration's own update.
    EXPECT_EQ(db_->exec_raw("UPDATE audit SET detail = 'x'"), "the audit trail is append-only");
}

struct CliRun {
    int code;
    std::string out;
    std::string err;
};

CliRun verify_cli(const std::vector<std::string>& args) {
    std::ostringstream out;
    std::ostringstream err;
    std::vector<std::string> all{"store", "verify-audit"};
    all.insert(all.end(), args.begin(), args.end());
    const int code = run_cli(all, out, err);
    return {code, out.str(), err.str()};
}

TEST_P(AuditChain, TheCommandPrintsTheHeadAndNamesTheFirstBrokenEntry) {
    const auto entries = fill();
    auto good = verify_cli({"--db", db_->location()});
    EXPECT_EQ(good.code, 0) << good.err;
    EXPECT_NE(good.out.find(": 5 entries, the hash chain holds; head " + entries[4].hash + " (entry " +
                            std::to_string(entries[4].id) + ")\n"),
              std::string::npos)
        << good.out;
    auto reached = verify_cli({"--db", db_->location(), "--expect-head", entries[4].hash});
    EXPECT_EQ(reached.code, 0) << reached.err;
    EXPECT_NE(reached.out.find("the recorded head " + entries[4].hash + " is in the chain"), std::string::npos);

    tamper("DELETE FROM audit WHERE id = " + std::to_string(entries[4].id));
    auto cut = verify_cli({"--db", db_->location(), "--expect-head", entries[4].hash});
    EXPECT_EQ(cut.code, 1);
    EXPECT_NE(cut.err.find("the recorded head `" + entries[4].hash + "` is not in the chain"), std::string::npos)
        << cut.err;
    EXPECT_EQ(verify_cli({"--db", db_->location()}).code, 0);  // alone, a cut tail is not seen

    tamper("UPDATE audit SET principal = 'someone-else' WHERE id = " + std::to_string(entries[1].id));
    auto broken = verify_cli({"--db", db_->location()});
    EXPECT_EQ(broken.code, 1);
    EXPECT_NE(broken.err.find("audit entry " + std::to_string(entries[1].id) + " does not match the hash chain"),
              std::string::npos)
        << broken.err;
    EXPECT_NE(broken.err.find("its stored hash `" + entries[1].hash + "`"), std::string::npos) << broken.err;
    EXPECT_NE(broken.err.find("the 1 entry before it matches, up to entry " + std::to_string(entries[0].id)), std::string::npos) << broken.err;

    auto not_a_hash = verify_cli({"--db", db_->location(), "--expect-head", "abc"});
    EXPECT_EQ(not_a_hash.code, 2);
    EXPECT_NE(not_a_hash.err.find("`--expect-head abc` is not a hash"), std::string::npos) << not_a_hash.err;
}

// A store of this schema whose entries written by an older jointly (still running after the
// upgrade) have no hash: they are reported, with their extent, and the entries after them are
// chained and checked from the last hashed entry, so tampering after them is still found.
TEST_P(AuditChain, EntriesWithoutAHashAreReportedAndTheChainGoesOnAfterThem) {
    const auto entries = fill();
    const std::string old_insert =
        "INSERT INTO audit (at, principal, client, request_id, action, route, status) VALUES "
        "('2026-01-01T00:00:00.000Z', 'old', '127.0.0.1', 'req-old', 'read', '/v1/decisions', 200)";
    ASSERT_EQ(db_->exec_raw(old_insert + "; " + old_insert), "");
    store_->add_audit(audit_entry("reader", "read", std::nullopt));
    const auto now = all();
    ASSERT_EQ(now.size(), 8u);
    EXPECT_EQ(now[7].hash, audit_chain_hash(entries[4].hash, now[7]));  // from the last hashed entry
    auto v = store_->verify_audit();
    EXPECT_FALSE(v.broken) << v.broken->reason;
    EXPECT_EQ(v.entries, 6u);
    EXPECT_EQ(v.head_id, now[7].id);
    EXPECT_EQ(v.unhashed, 2u);
    ASSERT_EQ(v.unhashed_runs.size(), 1u);
    EXPECT_EQ(v.unhashed_runs[0].first, now[5].id);
    EXPECT_EQ(v.unhashed_runs[0].last, now[6].id);
    EXPECT_FALSE(v.ok());

    auto cli = verify_cli({"--db", db_->location()});
    EXPECT_EQ(cli.code, 1);
    EXPECT_NE(cli.err.find("2 audit entries have no hash (entries " + std::to_string(now[5].id) + " to " +
                           std::to_string(now[6].id) + "): written by an older jointly"),
              std::string::npos)
        << cli.err;
    EXPECT_NE(cli.out.find("6 entries with a hash, the hash chain holds; head " + now[7].hash), std::string::npos)
        << cli.out;

    tamper("UPDATE audit SET principal = 'someone-else' WHERE id = " + std::to_string(now[7].id));
    v = store_->verify_audit();
    ASSERT_TRUE(v.broken);
    EXPECT_EQ(v.broken->id, now[7].id);
}

// verify-audit writes nothing: a dropped append-only trigger is reported (not re-created), and
// a store of an older schema is refused, not migrated.
TEST_P(AuditChain, TheCommandReadsOnlyAndReportsMissingTriggers) {
    fill();
    store_.reset();
    ASSERT_EQ(db_->exec_raw(postgresql() ? "DROP TRIGGER audit_no_change ON audit" : "DROP TRIGGER audit_no_delete"),
              "");
    const std::string trigger = postgresql() ? "audit_no_change" : "audit_no_delete";
    for (int run = 0; run < 2; ++run) {  // the second still finds it missing
        auto r = verify_cli({"--db", db_->location()});
        EXPECT_EQ(r.code, 1) << r.err;
        EXPECT_NE(r.err.find("the append-only triggers " + trigger + " are missing"), std::string::npos) << r.err;
        EXPECT_NE(r.out.find("5 entries, the hash chain holds"), std::string::npos) << r.out;
    }
    ASSERT_EQ(db_->exec_raw(postgresql() ? "UPDATE jointly_schema SET version = 2" : "PRAGMA user_version = 3"), "");
    for (int run = 0; run < 2; ++run) {  // the second still finds the older schema
        auto r = verify_cli({"--db", db_->location()});
        EXPECT_EQ(r.code, 2) << r.err;
        EXPECT_NE(r.err.find(std::string("the store is at schema ") + (postgresql() ? "2" : "3") +
                             ", older than this jointly's"),
                  std::string::npos)
            << r.err;
        EXPECT_NE(r.err.find("start this version's server on it once to upgrade it, then verify"), std::string::npos)
            << r.err;
    }
}

TEST_P(AuditChain, TheCommandSaysWhenTheFirstEntryBreaks) {
    const auto entries = fill();
    tamper("UPDATE audit SET principal = 'someone-else' WHERE id = " + std::to_string(entries[0].id));
    auto r = verify_cli({"--db", db_->location()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("audit entry " + std::to_string(entries[0].id) + " does not match"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("it is the first entry with a hash, chained from the genesis hash"), std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("the 0 entries"), std::string::npos) << r.err;
}

TEST(AuditChainCommand, AMissingSqliteFileIsNotCreated) {
    const std::string missing = (std::filesystem::temp_directory_path() / ("jointly-none-" + Store::new_decision_id() + ".db")).string();
    auto r = verify_cli({"--db", missing});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("no such SQLite store"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(missing));
}

// Two replicas on one database, each with its writer, writing at once: one chain.
void two_replicas_keep_one_chain(const std::string& location) {
    auto a = Store::connect(location, 4);
    auto b = Store::connect(location, 4);
    constexpr int kEach = 60;
    const auto write = [](Store& store, const std::string& who) {
        std::vector<std::thread> threads;
        for (int t = 0; t < 3; ++t) {
            threads.emplace_back([&store, who, t] {
                for (int i = 0; i < kEach / 3; ++i) {
                    if (i % 2) {
                        store.add_audit(audit_entry(who, "read", std::nullopt));
                    } else {
                        WriteExtras extras;
                        extras.audit = audit_entry(who + std::to_string(t), "write", std::nullopt);
                        store.write_decision(testing::sample_decision("C-" + who, "approve"), extras);
                    }
                }
            });
        }
        for (auto& thread : threads) thread.join();
    };
    std::thread on_a([&] { write(*a, "a"); });
    std::thread on_b([&] { write(*b, "b"); });
    on_a.join();
    on_b.join();
    const auto v = a->verify_audit();
    EXPECT_FALSE(v.broken) << v.broken->reason;
    EXPECT_EQ(v.entries, 2u * kEach);
    EXPECT_EQ(b->verify_audit().head, v.head);
}

TEST(AuditChainReplicas, TwoReplicasWritingAtOnceKeepOneChain) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    testing::PgDatabase db(*testing::pg_cluster_url());
    two_replicas_keep_one_chain(db.location());
}

// The same with REPEATABLE READ as the connections' default: the writer still reads the head
// another replica committed while it awaited the lock (its transactions are READ COMMITTED).
TEST(AuditChainReplicas, OneChainWhateverTheDefaultIsolation) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    testing::PgDatabase db(*testing::pg_cluster_url());
    const std::string at = "options=-csearch_path%3D" + db.schema();
    std::string location = db.location();
    const auto where = location.find(at);
    ASSERT_NE(where, std::string::npos) << location;
    location.insert(where + at.size(), "%20-cdefault_transaction_isolation%3Drepeatable%5C%20read");
    two_replicas_keep_one_chain(location);
}

}  // namespace
}  // namespace jointly::server
