// `jointly store copy`: an SQLite store moved into PostgreSQL reads back the same through the
// Store interface, ids, seqs, times and order included, and the numbering continues after it.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <sstream>
#include <string>
#include <vector>

#include "jointly/server/cli.hpp"
#include "jointly/server/store.hpp"
#include "store_backends.hpp"

namespace jointly::server {
namespace {

using testing::audit_entry;
using testing::sample_decision;
using testing::uploaded;

// Fills `store` with one of everything: decisions (one erased, one rectified), panel records
// that supersede, an idempotency key, audit entries and an uploaded policy.
void fill(Store& store) {
    const auto kept = sample_decision("C-1", "refer");
    store.write_decision(kept, WriteExtras{audit_entry("client", "write", std::nullopt),
                                           IdempotencyKey{"client\x1f/v1/decisions", "k-1", "hash-1"}});
    store.add_panel_record(kept.id, "{\"outcome\":\"deferred\"}");
    store.add_panel_record(kept.id, "{\"outcome\":\"approved\"}");
    const auto erased = sample_decision("C-2", "approve");
    store.add_decision(erased);
    const Redaction blank{[](const DecisionRecord&) { return std::string("{}"); },
                          [](const std::string&) { return std::string("{}"); }};
    store.erase_decision(Erasure{erased.id, "", "records-officer", "ER-1", "req-e", std::nullopt}, blank,
                         audit_entry("records-officer", "write", erased.id));
    const auto old = sample_decision("C-3", "approve");
    store.add_decision(old);
    auto replacement = sample_decision("C-3", "decline");
    replacement.policy_sha256 = "def";  // a second policy text decided under
    store.rectify_decision(replacement,
                           Erasure{old.id, "", "records-officer", "RECT-1", "req-r", std::nullopt}, blank, std::nullopt);
    store.add_audit(audit_entry("reader", "read", kept.id));
    store.add_policy(uploaded("transport", "2025.1", "author-a"));
}

void expect_same(Store& a, Store& b) {
    const auto ua = a.decided_under();
    const auto ub = b.decided_under();
    ASSERT_EQ(ua.size(), 2u);
    ASSERT_EQ(ub.size(), ua.size());
    for (std::size_t i = 0; i < ua.size(); ++i) {
        EXPECT_EQ(ub[i].policy_id, ua[i].policy_id);
        EXPECT_EQ(ub[i].policy_version, ua[i].policy_version);
        EXPECT_EQ(ub[i].policy_sha256, ua[i].policy_sha256);
        EXPECT_EQ(ub[i].first_decided_at, ua[i].first_decided_at);
    }
    DecisionQuery all;
    all.limit = 1000;
    const auto da = a.find_decisions(all);
    const auto db = b.find_decisions(all);
    ASSERT_EQ(da.size(), db.size());
    for (std::size_t i = 0; i < da.size(); ++i) {
        EXPECT_EQ(da[i].seq, db[i].seq);
        EXPECT_EQ(da[i].id, db[i].id);
        EXPECT_EQ(da[i].case_ref, db[i].case_ref);
        EXPECT_EQ(da[i].created_at, db[i].created_at);
        EXPECT_EQ(da[i].total, db[i].total);
        EXPECT_EQ(da[i].request_json, db[i].request_json);
        EXPECT_EQ(da[i].response_json, db[i].response_json);
        EXPECT_EQ(da[i].erased.has_value(), db[i].erased.has_value());
        if (da[i].erased && db[i].erased) {
            EXPECT_EQ(da[i].erased->at, db[i].erased->at);
            EXPECT_EQ(da[i].erased->reason, db[i].erased->reason);
            EXPECT_EQ(da[i].erased->superseded_by, db[i].erased->superseded_by);
        }
        const auto pa = a.panel_records(da[i].id);
        const auto pb = b.panel_records(db[i].id);
        ASSERT_EQ(pa.size(), pb.size());
        for (std::size_t j = 0; j < pa.size(); ++j) {
            EXPECT_EQ(pa[j].id, pb[j].id);
            EXPECT_EQ(pa[j].supersedes, pb[j].supersedes);
            EXPECT_EQ(pa[j].record_json, pb[j].record_json);
            EXPECT_EQ(pa[j].created_at, pb[j].created_at);
        }
    }
    const auto ca = a.changes_after(0, 1000);
    const auto cb = b.changes_after(0, 1000);
    ASSERT_EQ(ca.size(), cb.size());
    for (std::size_t i = 0; i < ca.size(); ++i) {
        EXPECT_EQ(ca[i].seq, cb[i].seq);
        EXPECT_EQ(ca[i].kind, cb[i].kind);
        EXPECT_EQ(ca[i].at, cb[i].at);
        EXPECT_EQ(ca[i].panel_record_id, cb[i].panel_record_id);
    }
    const auto aa = a.find_audit({});
    const auto ab = b.find_audit({});
    ASSERT_EQ(aa.size(), ab.size());
    for (std::size_t i = 0; i < aa.size(); ++i) {
        EXPECT_EQ(aa[i].id, ab[i].id);
        EXPECT_EQ(aa[i].at, ab[i].at);
        EXPECT_EQ(aa[i].principal, ab[i].principal);
        EXPECT_EQ(aa[i].decision_id, ab[i].decision_id);
        EXPECT_EQ(aa[i].detail, ab[i].detail);
    }
    const auto pa = a.policies_after(0);
    const auto pb = b.policies_after(0);
    ASSERT_EQ(pa.size(), pb.size());
    for (std::size_t i = 0; i < pa.size(); ++i) {
        EXPECT_EQ(pa[i].seq, pb[i].seq);
        EXPECT_EQ(pa[i].source, pb[i].source);
        EXPECT_EQ(pa[i].uploaded_at, pb[i].uploaded_at);
    }
    const auto ka = a.find_idempotent("client\x1f/v1/decisions", "k-1");
    const auto kb = b.find_idempotent("client\x1f/v1/decisions", "k-1");
    ASSERT_TRUE(ka && kb);
    EXPECT_EQ(ka->target, kb->target);
}

TEST(StoreCopy, AnSqliteStoreCopiedIntoPostgresqlReadsBackTheSameAndContinuesItsNumbering) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    testing::SqliteDatabase from;
    testing::PgDatabase to(*testing::pg_cluster_url());
    {
        auto source = Store::connect(from.location());
        fill(*source);
    }
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(run_cli({"store", "copy", "--from", from.location(), "--to", to.location()}, out, err), 0) << err.str();
    EXPECT_EQ(out.str(),
              "copied 4 decisions, 2 panel records, 2 erasures, 3 audit entries, 1 idempotency keys, "
              "1 policy versions, 2 policy texts decided under and 8 change feed entries\n");
    auto source = Store::connect(from.location());
    auto copied = Store::connect(to.location());
    expect_same(*source, *copied);
    // The audit hash chain comes across whole, to the same head.
    const auto chain = copied->verify_audit(source->verify_audit().head);
    EXPECT_FALSE(chain.broken) << chain.broken->reason;
    EXPECT_EQ(chain.entries, 3u);
    EXPECT_EQ(chain.expected_head_found, true);

    // The next rows continue after the copied ones, as they would have in the source.
    const auto next = sample_decision("C-9", "approve");
    copied->add_decision(next);
    EXPECT_GT(copied->get_decision(next.id)->seq, source->find_decisions({}).front().seq);
    EXPECT_GT(copied->changes_after(0, 1000).back().seq, source->changes_after(0, 1000).back().seq);
    copied->add_audit(audit_entry("reader", "read", std::nullopt));
    EXPECT_EQ(copied->verify_audit().entries, 4u);
    EXPECT_FALSE(copied->verify_audit().broken);

    // A second copy into the same store is refused, and nothing is added.
    std::ostringstream again_out;
    std::ostringstream again_err;
    EXPECT_EQ(run_cli({"store", "copy", "--from", from.location(), "--to", to.location()}, again_out, again_err), 1);
    EXPECT_NE(again_err.str().find("copy only into an empty store"), std::string::npos) << again_err.str();
    EXPECT_EQ(copied->count_decisions({}), 5u);
}

// A store written by a newer jointly is not one to migrate with this one: the message says to
// copy it with the jointly that wrote it (the source is read before any connection is made).
TEST(StoreCopy, AStoreOfANewerSchemaSaysWhichJointlyCopiesIt) {
    const auto dir = std::filesystem::temp_directory_path() / ("jointly-copy-" + Store::new_decision_id());
    std::filesystem::create_directories(dir);
    const auto db = dir / "newer.db";
    Store::open(db).reset();
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(run_cli({"store", "copy", "--from", db.string(), "--to", "postgresql://nobody@127.0.0.1:1/none"}, out, err),
              1);
    EXPECT_NE(err.str().find("has schema version 99, newer than this jointly copies"), std::string::npos) << err.str();
    EXPECT_EQ(err.str().find("open it once"), std::string::npos) << err.str();
    std::filesystem::remove_all(dir);
}

TEST(StoreCopy, TheDestinationMustBeAPostgresqlUrl) {
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(run_cli({"store", "copy", "--from", "a.db", "--to", "b.db"}, out, err), 2);
    EXPECT_EQ(err.str(), "error: `--to b.db` must be a postgresql:// URL\n");
    // Neither a connection string given for a URL nor a URL given for the file is printed with
    // its password.
    std::ostringstream conninfo_err;
    EXPECT_EQ(run_cli({"store", "copy", "--from", "a.db", "--to", "host=db password=S3cret"}, out, conninfo_err), 2);
    EXPECT_EQ(conninfo_err.str(), "error: `--to host=db password=***` must be a postgresql:// URL\n");
    std::ostringstream url_err;
    EXPECT_EQ(run_cli({"store", "copy", "--from", "postgresql://u:S3cret@db/x?password=S3cret", "--to", "b.db"}, out,
                      url_err),
              2);
    EXPECT_EQ(url_err.str(),
              "error: `--from postgresql://u:***@db/x?password=***` must be an SQLite file (the store being moved)\n");
}

}  // namespace
}  // namespace jointly::server
