// The policy texts a store has decided under (table decided_under), on each backend: the
// writer adds each (id, version, sha256) once, in the transaction of the first decision under
// it, also when writes share a transaction; a write that stores nothing adds nothing; a store
// of the previous schema is filled from its decisions when opened; the table is append-only
// and a dropped trigger is put back with a warning.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "jointly/server/store.hpp"
#include "store_backends.hpp"

namespace jointly::server {
namespace {

class DecidedUnderStore : public testing::OnEachBackend {
protected:
    // Stores a decision under policy `reference` version `version` with text `sha`; returns
    // it as stored (created_at set).
    DecisionRecord decide(const std::string& version, const std::string& sha) {
        auto r = testing::sample_decision("C-" + sha, "approve");
        r.policy_version = version;
        r.policy_sha256 = sha;
        store_->add_decision(r);
        return *store_->get_decision(r.id);
    }
    // From now on the database refuses an insert into decided_under of a row it holds already:
    // a writer that tries to add a known text again fails its write.
    void refuse_repeats() {
        const char* sql =
            postgresql()
                ? "CREATE FUNCTION test_written_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                  "IF EXISTS (SELECT 1 FROM decided_under d WHERE d.policy_id = NEW.policy_id AND "
                  "d.policy_version = NEW.policy_version AND d.policy_sha256 = NEW.policy_sha256) THEN "
                  "RAISE EXCEPTION 'written again'; END IF; RETURN NEW; END $$; "
                  "CREATE TRIGGER test_written_once BEFORE INSERT ON decided_under FOR EACH ROW "
                  "EXECUTE FUNCTION test_written_once()"
                : "CREATE TRIGGER test_written_once BEFORE INSERT ON decided_under WHEN EXISTS (SELECT 1 FROM "
                  "decided_under d WHERE d.policy_id = NEW.policy_id AND d.policy_version = NEW.policy_version "
                  "AND d.policy_sha256 = NEW.policy_sha256) BEGIN SELECT RAISE(ABORT, 'written again'); END";
        ASSERT_EQ(db_->exec_raw(sql), "");
    }
    void allow_repeats() {
        ASSERT_EQ(db_->exec_raw(postgresql() ? "DROP TRIGGER test_written_once ON decided_under"
                                             : "DROP TRIGGER test_written_once"),
                  "");
    }
    // decided_under() as `version/sha@first_decided_at` lines.
    std::string recorded() {
        std::string out;
        for (const auto& d : store_->decided_under()) {
            EXPECT_EQ(d.policy_id, "reference");
            out += d.policy_version + "/" + d.policy_sha256 + "@" + d.first_decided_at + "\n";
        }
        return out;
    }
};

INSTANTIATE_TEST_SUITE_P(Backend, DecidedUnderStore, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test) { return std::string(test.param); });

TEST_P(DecidedUnderStore, EachTextIsWrittenOnceWithItsFirstDecision) {
    EXPECT_EQ(recorded(), "");
    refuse_repeats();
    const auto first = decide("2025.1", "aaa");
    for (int i = 0; i < 3; ++i) decide("2025.1", "aaa");
    const auto other = decide("2025.1", "bbb");
    const auto next = decide("2025.2", "aaa");
    // Writers at once, whose decisions the writer stores together: still once each.
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20; ++i) {
                auto r = testing::sample_decision("C-T", "approve");
                r.policy_sha256 = (t + i) % 2 ? "aaa" : "ccc";
                store_->add_decision(r);  // throws when the text is written again
            }
        });
    }
    for (auto& th : threads) th.join();
    std::string first_ccc;
    DecisionQuery all;
    all.limit = 1000;
    for (const auto& d : store_->find_decisions(all))  // newest first: the last seen is the first
        if (d.policy_sha256 == "ccc") first_ccc = d.created_at;
    // A rectification's replacement is a decision too.
    const auto old = decide("2025.1", "aaa");
    auto replacement = testing::sample_decision("C-R", "decline");
    replacement.policy_sha256 = "ddd";
    const auto rectified = store_->rectify_decision(
        replacement, Erasure{old.id, "", "records-officer", "R-1", "req-r", std::nullopt},
        Redaction{[](const DecisionRecord&) { return std::string("{}"); },
                  [](const std::string&) { return std::string("{}"); }},
        std::nullopt);
    ASSERT_TRUE(rectified.found);
    const auto ddd_at = store_->get_decision(replacement.id)->created_at;
    // A write that stores nothing (its key used before) records nothing.
    const IdempotencyKey key{"client\x1f/v1/decisions", "k-1", "hash-1"};
    auto keyed = testing::sample_decision("C-K", "approve");
    keyed.policy_sha256 = "aaa";
    store_->write_decision(keyed, WriteExtras{std::nullopt, key});
    auto again = testing::sample_decision("C-K", "approve");
    again.policy_sha256 = "eee";
    ASSERT_TRUE(store_->write_decision(again, WriteExtras{std::nullopt, key}).earlier);

    const std::string expected = "2025.1/aaa@" + first.created_at + "\n2025.1/bbb@" + other.created_at +
                                 "\n2025.1/ccc@" + first_ccc + "\n2025.1/ddd@" + ddd_at + "\n2025.2/aaa@" +
                                 next.created_at + "\n";
    EXPECT_EQ(recorded(), expected);
    // A new writer knows nothing yet: it adds a known text again, which changes nothing.
    allow_repeats();
    reopen();
    decide("2025.1", "aaa");
    EXPECT_EQ(recorded(), expected);
}

TEST_P(DecidedUnderStore, AStoreOfThePreviousSchemaIsFilledFromItsDecisionsWhenOpened) {
    const auto first = decide("2025.1", "aaa");
    const auto other = decide("2025.1", "bbb");
    decide("2025.1", "aaa");
    store_.reset();
    ASSERT_EQ(db_->exec_raw(postgresql() ? "DROP TABLE decided_under; DELETE FROM jointly_schema; "
                                           "INSERT INTO jointly_schema (version, jointly, migrated_at) VALUES (3, 'x', 'y')"
                                         : "DROP TABLE decided_under; PRAGMA user_version = 4"),
              "");
    reopen();
    EXPECT_TRUE(store_->open_warnings().empty());
    EXPECT_EQ(recorded(), "2025.1/aaa@" + first.created_at + "\n2025.1/bbb@" + other.created_at + "\n");
    // Append-only, with the same words on every backend.
    EXPECT_EQ(db_->exec_raw("DELETE FROM decided_under"), "the policy texts decided under are append-only");
    EXPECT_EQ(db_->exec_raw("UPDATE decided_under SET policy_sha256 = 'bbb' WHERE policy_sha256 = 'aaa'"),
              "the policy texts decided under are append-only");
    // A trigger dropped while the server was stopped is put back, and said.
    store_.reset();
    ASSERT_EQ(db_->exec_raw(postgresql() ? "DROP TRIGGER decided_under_no_change ON decided_under"
                                         : "DROP TRIGGER decided_under_no_delete"),
              "");
    reopen();
    ASSERT_EQ(store_->open_warnings().size(), 1u);
    EXPECT_NE(store_->open_warnings().front().find(postgresql() ? "(decided_under_no_change)"
                                                                : "(decided_under_no_delete)"),
              std::string::npos)
        << store_->open_warnings().front();
    EXPECT_EQ(db_->exec_raw("DELETE FROM decided_under"), "the policy texts decided under are append-only");
}

}  // namespace
}  // namespace jointly::server
