// What every decision store must do, run against each backend: SQLite (a file) and
// PostgreSQL (a schema of its own in the throwaway cluster, tests/pg/cluster.sh). Append-only
// rows, filters and paging, panel records that supersede without erasing, erasure, concurrent
// writers each acknowledged after commit, the change feed, idempotency keys, the audit trail
// and uploaded policies; then what several PostgreSQL replicas on one database must do.
#include <gtest/gtest.h>

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <chrono>
#include <memory>
#include <set>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "jointly/server/store.hpp"
#include "pg.hpp"
#include "store_backends.hpp"
#include "store_pg_schema.hpp"
#include "summary_contribution.hpp"

namespace jointly::server {
namespace {

using testing::audit_entry;
using testing::uploaded;

class StoreConformance : public testing::OnEachBackend {
protected:
    static DecisionRecord record(const std::string& case_ref, const std::string& outcome) {
        return testing::sample_decision(case_ref, outcome);
    }
    static Redaction blank() {
        return Redaction{[](const DecisionRecord& d) { return "{\"outcome\":\"" + d.outcome + "\"}"; },
                         [](const std::string&) { return std::string("{}"); }};
    }
};

INSTANTIATE_TEST_SUITE_P(Backend, StoreConformance, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test) { return std::string(test.param); });

TEST_P(StoreConformance, StoresAndReadsBackExactly) {
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

TEST_P(StoreConformance, FiltersAndPages) {
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

TEST_P(StoreConformance, PanelRecordsSupersedeWithoutErasing) {
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

TEST_P(StoreConformance, ScanVisitsEveryMatchOldestFirstWithItsLatestPanelRecord) {
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

TEST_P(StoreConformance, ConcurrentWritersAreAllCommitted) {
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

// Writers waiting at once share a transaction: fewer commits than writes, and the change
// feed still holds each write once, in increasing seqs.
TEST_P(StoreConformance, ConcurrentWritesShareCommits) {
    std::atomic<int> commits = 0;
    store_->set_commit_observer([&](std::chrono::nanoseconds, bool committed) {
        if (committed) ++commits;
    });
    constexpr int kThreads = 16;
    constexpr int kEach = 25;
    std::vector<std::thread> threads;
    std::vector<std::vector<std::string>> ids(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                auto r = record("G-" + std::to_string(t), "approve");
                store_->add_decision(r);
                ids[static_cast<std::size_t>(t)].push_back(r.id);
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_GE(commits.load(), 1);
    EXPECT_LT(commits.load(), kThreads * kEach);
    std::set<std::string> written;
    for (const auto& list : ids) written.insert(list.begin(), list.end());
    std::set<std::string> fed;
    std::int64_t last = 0;
    for (const auto& c : store_->changes_after(0, 10000)) {
        EXPECT_GT(c.seq, last);
        last = c.seq;
        EXPECT_EQ(c.kind, "decision");
        EXPECT_TRUE(fed.insert(c.decision_id).second) << c.decision_id << " twice in the feed";
    }
    EXPECT_EQ(fed, written);
    EXPECT_EQ(store_->last_change_seq(), last);
}

// The newest change's seq: 0 on an empty store, then the feed's last.
TEST_P(StoreConformance, TheLastChangeSeqIsTheFeedsNewest) {
    EXPECT_EQ(store_->last_change_seq(), 0);
    store_->add_decision(record("C-LAST", "approve"));
    const auto feed = store_->changes_after(0, 10);
    ASSERT_EQ(feed.size(), 1u);
    EXPECT_EQ(store_->last_change_seq(), feed.back().seq);
}

// A decision written with its audit entry and idempotency key: the decision, its summary row,
// its change, its audit entry (naming it) and the key are all stored.
TEST_P(StoreConformance, ADecisionsAuditEntryAndKeyAreStoredWithIt) {
    auto r = record("C-AUDIT", "refer");
    const IdempotencyKey key{"client\x1f/v1/decisions", "k-audit", "hash-a"};
    store_->write_decision(r, WriteExtras{audit_entry("writer-1", "write", std::nullopt), key});
    ASSERT_TRUE(store_->get_decision(r.id));
    const auto feed = store_->changes_after(0, 10);
    ASSERT_EQ(feed.size(), 1u);
    EXPECT_EQ(feed[0].decision_id, r.id);
    AuditQuery all;
    const auto trail = store_->find_audit(all);
    ASSERT_EQ(trail.size(), 1u);
    EXPECT_EQ(trail[0].decision_id, r.id);
    EXPECT_EQ(trail[0].principal, "writer-1");
    EXPECT_EQ(trail[0].request_id, "req-writer-1");
    EXPECT_EQ(trail[0].route, "/v1/decisions");
    EXPECT_EQ(trail[0].status, 200);
    EXPECT_FALSE(trail[0].at.empty());
    EXPECT_EQ(store_->find_idempotent(key.scope, key.key)->target, r.id);
    std::size_t summaries = 0;
    store_->scan_summaries({}, [&](const SummaryRow& row) {
        ++summaries;
        EXPECT_EQ(row.policy_id, "reference");
    });
    EXPECT_EQ(summaries, 1u);
}

TEST_P(StoreConformance, ReopenKeepsEverything) {
    auto r = record("C-9", "approve");
    store_->add_decision(r);
    store_.reset();
    reopen();
    EXPECT_TRUE(store_->get_decision(r.id));
}


TEST_P(StoreConformance, AuditTrailFiltersAndContinuesAfterAnId) {
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


// An upload made by a caller that has not read every stored version of its policy is not
// written: it is `stale`, and the caller checks against the newer version first.
TEST_P(StoreConformance, AnUploadBehindTheStoredVersionsIsStale) {
    const auto first = store_->add_policy(uploaded("transport", "2025.1", "author-a"));
    ASSERT_TRUE(first.added);
    const auto behind = store_->write_policy(uploaded("transport", "2026.1", "author-b"), first.policy.seq - 1);
    EXPECT_TRUE(behind.stale);
    EXPECT_FALSE(behind.added);
    EXPECT_EQ(store_->policies_after(0).size(), 1u);
    // another policy's versions do not make it stale
    EXPECT_TRUE(store_->write_policy(uploaded("escort", "2025.1", "author-b"), 0).added);
    const auto current = store_->write_policy(uploaded("transport", "2026.1", "author-b"), first.policy.seq);
    EXPECT_TRUE(current.added);
    EXPECT_FALSE(current.stale);
    EXPECT_EQ(store_->policies_after(0).size(), 3u);
}

TEST_P(StoreConformance, UploadedPoliciesAreKeptOnceInOrderAndSurviveReopen) {
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
    reopen();
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

TEST_P(StoreConformance, AuditTrailSurvivesReopen) {
    store_->add_audit(audit_entry("reader", "read", "d-0000000000000001"));
    store_.reset();
    reopen();
    store_->add_audit(audit_entry("writer", "write", "d-0000000000000002"));
    const auto entries = store_->find_audit({});
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].principal, "reader");
    EXPECT_LT(entries[0].id, entries[1].id);
}

TEST_P(StoreConformance, AWaitForAChangeWakesOnTheCommit) {
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

TEST_P(StoreConformance, AKeyUsedBeforeWritesNothing) {
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

// Audit triggers dropped while the server was stopped are put back when the store opens, and
// said (Store::open_warnings, which the server logs as `warn`): while they were gone the trail
// could be edited. A store with its triggers in place says nothing.
TEST_P(StoreConformance, MissingAuditTriggersAreRecreatedAndSaid) {
    store_->add_audit(audit_entry("reader", "read", std::nullopt));
    EXPECT_TRUE(store_->open_warnings().empty());
    reopen();
    EXPECT_TRUE(store_->open_warnings().empty());
    store_.reset();
    const bool pg = std::string(GetParam()) == "postgresql";
    EXPECT_EQ(db_->exec_raw(pg ? "DROP TRIGGER audit_no_change ON audit" : "DROP TRIGGER audit_no_delete"), "");
    reopen();
    ASSERT_EQ(store_->open_warnings().size(), 1u);
    const auto& warning = store_->open_warnings().front();
    EXPECT_NE(warning.find(pg ? "(audit_no_change)" : "(audit_no_delete)"), std::string::npos) << warning;
    EXPECT_NE(warning.find("may have been changed"), std::string::npos) << warning;
    EXPECT_EQ(db_->exec_raw("DELETE FROM audit"), "the audit trail is append-only");
    reopen();
    EXPECT_TRUE(store_->open_warnings().empty());
    // Every append-only trigger, not only the audit table's: the erasures' too.
    store_.reset();
    EXPECT_EQ(db_->exec_raw(pg ? "DROP TRIGGER erasures_no_change ON erasures" : "DROP TRIGGER erasures_no_delete"), "");
    reopen();
    ASSERT_EQ(store_->open_warnings().size(), 1u);
    EXPECT_NE(store_->open_warnings().front().find(pg ? "(erasures_no_change)" : "(erasures_no_delete)"),
              std::string::npos)
        << store_->open_warnings().front();
    reopen();  // put back: nothing to say again
    EXPECT_TRUE(store_->open_warnings().empty());
}

TEST_P(StoreConformance, TheDatabaseRefusesChangesExceptAnErasure) {
    const auto r = record("C-1", "approve");
    store_->write_decision(r, WriteExtras{std::nullopt, IdempotencyKey{"client\x1f/v1/decisions", "k-1", "hash-1"}});
    ASSERT_TRUE(store_->add_panel_record(r.id, "{\"outcome\":\"approved\"}"));
    store_->add_audit(audit_entry("reader", "read", r.id));
    ASSERT_TRUE(store_->add_policy(uploaded("transport", "2025.1", "author-a")).added);
    // Each statement on a raw connection is refused by its trigger, with the same words on
    // every backend, not by some other failure.
    const std::pair<const char*, const char*> refusals[] = {
        {"UPDATE decisions SET outcome = 'decline'", "decisions are append-only (only an erasure may blank personal data)"},
        {"UPDATE decisions SET case_ref = '', request = ''",
         "decisions are append-only (only an erasure may blank personal data)"},
        {"DELETE FROM decisions", "decisions are append-only"},
        {"UPDATE panel_records SET record = '{}'", "panel records are append-only (only an erasure may blank personal data)"},
        {"DELETE FROM panel_records", "panel records are append-only"},
        {"UPDATE audit SET principal = 'someone else'", "the audit trail is append-only"},
        {"DELETE FROM audit", "the audit trail is append-only"},
        {"UPDATE policies SET source = 'policy x'", "uploaded policy versions are append-only"},
        {"DELETE FROM policies", "uploaded policy versions are append-only"},
        {"DELETE FROM changes", "the change feed is append-only"},
        {"UPDATE idempotency SET target = 'x'", "idempotency keys are append-only"}};
    for (const auto& [sql, message] : refusals) EXPECT_EQ(db_->exec_raw(sql), message) << sql;
    EXPECT_EQ(store_->get_decision(r.id)->outcome, "approve");
    EXPECT_EQ(store_->get_decision(r.id)->case_ref, "C-1");
    EXPECT_EQ(store_->panel_records(r.id).at(0).record_json, "{\"outcome\":\"approved\"}");
    EXPECT_EQ(store_->find_audit({}).at(0).principal, "reader");
    EXPECT_EQ(store_->policies_after(0).at(0).source, uploaded("transport", "2025.1", "x").source);

    // With its tombstone, the erasure's blanking is the one change allowed; the tombstone stays.
    const auto erased = store_->erase_decision(Erasure{r.id, "", "records-officer", "ER-1", "req-1", std::nullopt},
                                               blank(), audit_entry("records-officer", "write", r.id));
    EXPECT_TRUE(erased.found);
    EXPECT_EQ(db_->exec_raw("DELETE FROM erasures"), "erasure records are append-only");
    EXPECT_EQ(db_->exec_raw("UPDATE erasures SET reason = 'x'"), "erasure records are append-only");
}

TEST_P(StoreConformance, AnErasureBlanksPersonalDataOnceAndARectificationSupersedes) {
    const auto r = record("C-7", "refer");
    store_->add_decision(r);
    ASSERT_TRUE(store_->add_panel_record(r.id, "{\"note\":\"child's name\"}"));
    const auto first = store_->erase_decision(Erasure{r.id, "", "records-officer", "ER-1", "req-1", std::nullopt},
                                              blank(), std::nullopt);
    ASSERT_TRUE(first.found);
    EXPECT_FALSE(first.already);
    EXPECT_EQ(first.erasure.at.size(), 24u) << first.erasure.at;
    const auto got = store_->get_decision(r.id);
    ASSERT_TRUE(got && got->erased);
    EXPECT_EQ(got->case_ref, "");
    EXPECT_EQ(got->request_json, "");
    EXPECT_EQ(got->response_json, "{\"outcome\":\"refer\"}");
    EXPECT_EQ(got->total, "12.50");
    EXPECT_EQ(got->erased->reason, "ER-1");
    EXPECT_EQ(store_->panel_records(r.id).at(0).record_json, "{}");
    const auto again = store_->erase_decision(Erasure{r.id, "", "someone", "ER-2", "req-2", std::nullopt}, blank(),
                                              std::nullopt);
    EXPECT_TRUE(again.already);
    EXPECT_EQ(again.erasure.reason, "ER-1");
    EXPECT_FALSE(store_->erase_decision(Erasure{"d-ffffffffffffffff", "", "x", "y", "z", std::nullopt}, blank(),
                                        std::nullopt)
                     .found);

    const auto old = record("C-8", "approve");
    store_->add_decision(old);
    const auto replacement = record("C-8", "decline");
    const auto rectified = store_->rectify_decision(
        replacement, Erasure{old.id, "", "records-officer", "RECT-1", "req-3", std::nullopt}, blank(), std::nullopt);
    EXPECT_TRUE(rectified.found);
    EXPECT_EQ(store_->get_decision(old.id)->erased->superseded_by, replacement.id);
    EXPECT_EQ(store_->get_decision(replacement.id)->case_ref, "C-8");
    const auto feed = store_->changes_after(0, 100);
    ASSERT_GE(feed.size(), 2u);
    EXPECT_EQ(feed.back().kind, "erasure");
    EXPECT_EQ(feed.back().decision_id, old.id);
    for (std::size_t i = 1; i < feed.size(); ++i) EXPECT_LT(feed[i - 1].seq, feed[i].seq);
}

TEST_P(StoreConformance, AnIdempotencyKeyMakesOnePanelRecord) {
    const auto r = record("C-1", "refer");
    store_->add_decision(r);
    const IdempotencyKey key{"panel\x1f/v1/decisions/{id}/panel", "k-1", "hash-1"};
    const auto first = store_->write_panel_record(r.id, "{}", WriteExtras{std::nullopt, key});
    ASSERT_TRUE(first.record);
    const auto second = store_->write_panel_record(r.id, "{}", WriteExtras{std::nullopt, key});
    EXPECT_TRUE(second.decision_found);
    EXPECT_FALSE(second.record);
    ASSERT_TRUE(second.earlier);
    EXPECT_EQ(second.earlier->target, first.record->id);
    EXPECT_EQ(store_->panel_records(r.id).size(), 1u);
}

TEST_P(StoreConformance, TheStoreAnswersWhenAvailable) { EXPECT_NO_THROW(store_->check_available()); }

TEST_P(StoreConformance, AWaitForAPolicyWakesOnItsCommit) {
    EXPECT_FALSE(store_->wait_for_policy(0, std::chrono::milliseconds(20)));
    const auto added = store_->add_policy(uploaded("transport", "2025.1", "author-a"));
    EXPECT_TRUE(store_->wait_for_policy(0, std::chrono::milliseconds(0)));
    EXPECT_FALSE(store_->wait_for_policy(added.policy.seq, std::chrono::milliseconds(20)));
}

// Several replicas on one PostgreSQL database.
class PgReplicas : public ::testing::Test {
protected:
    void SetUp() override {
        JOINTLY_REQUIRE_PG_CLUSTER();
        db_ = std::make_unique<testing::PgDatabase>(*testing::pg_cluster_url());
        a_ = Store::connect(db_->location(), 4);
        b_ = Store::connect(db_->location(), 4);
    }
    std::unique_ptr<testing::PgDatabase> db_;
    std::unique_ptr<Store> a_;
    std::unique_ptr<Store> b_;
};

TEST_F(PgReplicas, OneReplicaReadsWhatTheOtherWroteAndPanelRecordsSupersedeAcrossThem) {
    const auto r = testing::sample_decision("C-1", "refer");
    const auto created = a_->add_decision(r);
    const auto got = b_->get_decision(r.id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->created_at, created);
    const auto first = a_->add_panel_record(r.id, "{\"outcome\":\"deferred\"}");
    const auto second = b_->add_panel_record(r.id, "{\"outcome\":\"approved\"}");
    ASSERT_TRUE(first && second);
    EXPECT_EQ(second->supersedes, first->id);
    EXPECT_EQ(a_->panel_records(r.id).size(), 2u);
}

TEST_F(PgReplicas, TheSameVersionUploadedThroughBothAtOnceIsStoredOnce) {
    for (int round = 0; round < 10; ++round) {
        const auto version = "2025." + std::to_string(round);
        Store::PolicyWrite from_a;
        Store::PolicyWrite from_b;
        std::thread ta([&] { from_a = a_->add_policy(uploaded("transport", version, "author-a")); });
        std::thread tb([&] { from_b = b_->add_policy(uploaded("transport", version, "author-b")); });
        ta.join();
        tb.join();
        EXPECT_NE(from_a.added, from_b.added) << version;  // exactly one added it
        EXPECT_EQ(from_a.policy.seq, from_b.policy.seq) << version;
        EXPECT_EQ(from_a.policy.uploaded_by, from_b.policy.uploaded_by) << version;
    }
    EXPECT_EQ(b_->policies_after(0).size(), 10u);
}

TEST_F(PgReplicas, AWaitWakesOnTheOtherReplicasCommitAndTheFeedHasNoGaps) {
    std::vector<std::string> written;
    std::thread writer([&] {
        for (int i = 0; i < 100; ++i) {
            auto r = testing::sample_decision("C-" + std::to_string(i), "approve");
            (i % 2 ? a_ : b_)->add_decision(r);
            written.push_back(r.id);
        }
    });
    // Following the feed through A while both write: every entry arrives, in order, once.
    std::vector<std::string> seen;
    std::int64_t cursor = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (seen.size() < 100 && std::chrono::steady_clock::now() < deadline) {
        a_->wait_for_change(cursor, std::chrono::milliseconds(500));
        for (const auto& c : a_->changes_after(cursor, 1000)) {
            EXPECT_GT(c.seq, cursor);
            cursor = c.seq;
            seen.push_back(c.decision_id);
        }
    }
    writer.join();
    EXPECT_EQ(seen, written);
}

TEST_F(PgReplicas, AWaitForAPolicyWakesOnTheOtherReplicasUpload) {
    std::thread uploader([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        a_->add_policy(uploaded("transport", "2025.1", "author-a"));
    });
    EXPECT_TRUE(b_->wait_for_policy(0, std::chrono::seconds(20)));
    uploader.join();
    EXPECT_EQ(b_->policies_after(0).size(), 1u);
}

TEST_F(PgReplicas, ANewerSchemaIsRefusedWithTheSameWordsAsSqlite) {
    a_.reset();
    b_.reset();
    ASSERT_EQ(db_->exec_raw("INSERT INTO jointly_schema (version, jointly, migrated_at) VALUES (99, 'x', 'y')"), "");
    try {
        Store::connect(db_->location());
        ADD_FAILURE() << "a store of schema version 99 opened";
    } catch (const StoreError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("has schema version 99, newer than this jointly"), std::string::npos) << message;
        EXPECT_NE(message.find("understands (4)"), std::string::npos) << message;
    }
}

// For the tests of groups: a store of its own (its connections named, so that its writer can be
// told from other tests' sessions on the same cluster), and the store's write lock held by
// another session, so that writes queue behind a first one the writer has taken.
class GroupFixture {
public:
    GroupFixture()
        : db_(*testing::pg_cluster_url()),
          name_("jointly_test_" + db_.schema()),
          store_(Store::connect(db_.location() + "&application_name=" + name_, 4)),
          session_(PQconnectdb(testing::pg_cluster_url()->c_str()), &PQfinish) {}
    Store& store() { return *store_; }
    testing::PgDatabase& db() { return db_; }
    const std::string& name() const { return name_; }

    // Takes the write lock, then has the writer take a first write (a policy upload, which no
    // test here looks at) and waits until it is blocked on the lock: every write after it
    // queues, and joins that group once the lock is let go. False when something failed.
    bool hold_with_a_first_write() {
        if (PQstatus(session_.get()) != CONNECTION_OK) return false;
        if (!query("SELECT pg_advisory_lock(" + std::to_string(pg::kWriteLock) + ")")) return false;
        first_ = std::thread([this] { store_->add_policy(testing::uploaded("sentinel", "1", "fixture")); });
        const std::string waiting =
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' "
            "AND NOT l.granted AND a.application_name = '" + name_ + "'";
        for (int i = 0; i < 1000; ++i) {
            if (query(waiting) == "1") return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }
    // Lets the writes queued go on.
    void release() {
        if (!first_.joinable()) return;
        query("SELECT pg_advisory_unlock(" + std::to_string(pg::kWriteLock) + ")");
        first_.join();
    }
    // The first column of the first row of `sql` on the fixture's session (nullopt on an error).
    std::optional<std::string> query(const std::string& sql) {
        PGresult* r = PQexec(session_.get(), sql.c_str());
        std::optional<std::string> out;
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
        PQclear(r);
        return out;
    }
    // How many statements inserted the decisions (rows of one statement share xmin and cmin).
    int decision_statements(const std::string& where = "TRUE") {
        return std::stoi(query("SELECT count(*) FROM (SELECT DISTINCT xmin::text, cmin::text FROM " + db_.schema() +
                               ".decisions WHERE " + where + ") t")
                             .value_or("-1"));
    }
    ~GroupFixture() { release(); }

private:
    testing::PgDatabase db_;
    std::string name_;
    std::unique_ptr<Store> store_;
    std::unique_ptr<PGconn, decltype(&PQfinish)> session_;
    std::thread first_;
};

// Waits for `threads`, and gives the writers started in them time to queue first.
void queue_then_release(GroupFixture& f, std::vector<std::thread>& threads) {
    // Each writer queues at once; had one not by the release, it would only make one more group.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    f.release();
    for (auto& th : threads) th.join();
    threads.clear();
}

// The PostgreSQL store's writer commits what is queued as one transaction. While another
// session holds the write lock, the writes queue behind the first; one of them names a
// decision id already stored, so its INSERT fails: it alone gets the error, the transaction
// is run again without it, and the others commit.
TEST(PgGroupCommit, AFailingWriteLeavesItsGroupAndTheOthersCommit) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    GroupFixture f;
    auto& store = f.store();
    std::atomic<int> committed = 0;
    std::atomic<int> rolled_back = 0;
    store.set_commit_observer([&](std::chrono::nanoseconds, bool ok) { ++(ok ? committed : rolled_back); });
    const auto first = testing::sample_decision("C-FIRST", "approve");
    store.add_decision(first);
    ASSERT_EQ(committed.load(), 1);
    ASSERT_TRUE(f.hold_with_a_first_write());

    constexpr int kWriters = 12;
    std::vector<std::thread> threads;
    std::vector<std::string> ids(kWriters);
    std::vector<std::string> errors(kWriters);
    for (int i = 0; i < kWriters; ++i) {
        threads.emplace_back([&, i] {
            auto r = testing::sample_decision("C-" + std::to_string(i), "approve");
            if (i == kWriters / 2) r.id = first.id;  // already stored: its INSERT fails
            ids[static_cast<std::size_t>(i)] = r.id;
            try {
                store.write_decision(r, WriteExtras{audit_entry("writer-" + std::to_string(i), "write", std::nullopt),
                                                    std::nullopt});
            } catch (const StoreError& e) {
                errors[static_cast<std::size_t>(i)] = e.what();
            }
        });
    }
    queue_then_release(f, threads);

    for (int i = 0; i < kWriters; ++i) {
        const auto at = static_cast<std::size_t>(i);
        if (i == kWriters / 2) {
            EXPECT_NE(errors[at].find("duplicate key"), std::string::npos) << errors[at];
        } else {
            EXPECT_EQ(errors[at], "") << i;
            EXPECT_TRUE(store.get_decision(ids[at])) << i;
        }
    }
    EXPECT_EQ(store.count_decisions({}), static_cast<std::size_t>(kWriters));  // the first and 11
    EXPECT_EQ(store.get_decision(first.id)->case_ref, "C-FIRST");
    // Rolled back: the statement inserting the group's decisions together, which held the
    // failing one, then (each write on its own) the failing write itself.
    EXPECT_EQ(rolled_back.load(), 2);
    // The first decision; then the group the writer held, the policy upload, joined by the 11
    // good writes queued while it awaited the lock.
    EXPECT_EQ(committed.load(), 2);
    EXPECT_EQ(store.changes_after(0, 100).size(), static_cast<std::size_t>(kWriters));
    // The audit entries of the tries rolled back left no link: one chain of the 11 stored.
    const auto chain = store.verify_audit();
    EXPECT_FALSE(chain.broken) << chain.broken->reason;
    EXPECT_EQ(chain.entries, static_cast<std::size_t>(kWriters - 1));
}

// Decisions queued together are inserted by one statement, each column's values one array
// literal: texts with quotes, backslashes, braces, commas, newlines, `NULL` and nothing read
// back exactly, with their summary rows, change-feed entries (in the order stored) and audit
// entries.
TEST(PgGroupCommit, DecisionsStoredTogetherReadBackAsWritten) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    GroupFixture f;
    auto* store = &f.store();
    std::atomic<int> rolled_back = 0;
    store->set_commit_observer([&](std::chrono::nanoseconds, bool ok) { rolled_back += ok ? 0 : 1; });
    const std::vector<std::string> odd{"",
                                       "NULL",
                                       "{\"a\":\"q\\\"uote\",\"b\":\"back\\\\slash\"}",
                                       "{},{,},\"\"",
                                       "line\nbreak\ttab",
                                       "caf\u00e9 \u00a3 \u2014"};
    ASSERT_TRUE(f.hold_with_a_first_write());
    constexpr std::size_t kWriters = 12;
    std::vector<DecisionRecord> records(kWriters);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < kWriters; ++i) {
        records[i] = testing::sample_decision(odd[i % odd.size()], i % 2 ? "refer" : "approve");
        records[i].request_json = odd[(i + 1) % odd.size()];
        records[i].response_json = "{\"outcome\":\"" + records[i].outcome + "\",\"note\":\"" + odd[i % odd.size()] + "\"}";
        threads.emplace_back([&, i] {
            auto audit = audit_entry("writer-" + std::to_string(i), "write", std::nullopt);
            if (i % 3 == 0) audit.detail = odd[i % odd.size()];
            records[i].created_at = store->write_decision(records[i], WriteExtras{audit, std::nullopt}).created_at;
        });
    }
    queue_then_release(f, threads);
    EXPECT_EQ(rolled_back.load(), 0);
    EXPECT_EQ(f.decision_statements(), 1);  // all 12 in one statement

    std::map<std::string, std::int64_t> seq_of;
    for (const auto& r : records) {
        const auto got = store->get_decision(r.id);
        ASSERT_TRUE(got) << r.id;
        EXPECT_EQ(got->case_ref, r.case_ref);
        EXPECT_EQ(got->policy_id, r.policy_id);
        EXPECT_EQ(got->policy_version, r.policy_version);
        EXPECT_EQ(got->policy_sha256, r.policy_sha256);
        EXPECT_EQ(got->as_of, r.as_of);
        EXPECT_EQ(got->outcome, r.outcome);
        EXPECT_EQ(got->total, r.total);
        EXPECT_EQ(got->request_json, r.request_json);
        EXPECT_EQ(got->response_json, r.response_json);
        EXPECT_EQ(got->created_at, r.created_at);
        seq_of[r.id] = got->seq;
    }
    // The feed names each decision once, in the order of their seqs.
    const auto feed = store->changes_after(0, 100);
    ASSERT_EQ(feed.size(), kWriters);
    for (std::size_t i = 1; i < feed.size(); ++i) {
        EXPECT_LT(seq_of.at(feed[i - 1].decision_id), seq_of.at(feed[i].decision_id));
    }
    // Each decision's summary row is its contribution, as stored one by one.
    std::map<std::int64_t, std::string> summary_of;
    store->scan_summaries({}, [&](const SummaryRow& row) { summary_of[row.seq] = std::string(row.summary); });
    for (const auto& r : records) {
        DecisionRecord stored = *store->get_decision(r.id);
        EXPECT_EQ(summary_of[stored.seq], summary::encode_decision(stored)) << r.id;
    }
    // Each audit entry names its decision, with its own fields.
    AuditQuery all;
    const auto trail = store->find_audit(all);
    ASSERT_EQ(trail.size(), kWriters);
    for (const auto& entry : trail) {
        ASSERT_TRUE(entry.decision_id);
        const auto at = static_cast<std::size_t>(std::find_if(records.begin(), records.end(), [&](const auto& r) {
                                                     return r.id == *entry.decision_id;
                                                 }) -
                                                 records.begin());
        ASSERT_LT(at, kWriters);
        EXPECT_EQ(entry.principal, "writer-" + std::to_string(at));
        EXPECT_EQ(entry.status, 200);
        EXPECT_FALSE(entry.panel_record_id);
        if (at % 3 == 0) {
            EXPECT_EQ(entry.detail, odd[at % odd.size()]);
        } else {
            EXPECT_FALSE(entry.detail);
        }
    }
}

// Decisions with idempotency keys, stored together, keep the keys' rules as one by one: a key
// used before stores nothing and names the first use; of two writes with one new key, one is
// stored and the other names it; new keys are kept.
TEST(PgGroupCommit, KeyedDecisionsStoredTogetherKeepTheKeysRules) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    GroupFixture f;
    auto* store = &f.store();
    const std::string scope = "client\x1f/v1/decisions";
    const auto before = testing::sample_decision("C-OLD", "approve");
    store->write_decision(before, WriteExtras{std::nullopt, IdempotencyKey{scope, "k-old", "hash-old"}});
    // No transaction is rolled back: had the statement storing them together broken a key's
    // rule, the database's unique keys would have refused it, and the writes run again one by
    // one (right, but not what this test is about).
    std::atomic<int> rolled_back = 0;
    store->set_commit_observer([&](std::chrono::nanoseconds, bool ok) { rolled_back += ok ? 0 : 1; });

    ASSERT_TRUE(f.hold_with_a_first_write());
    // key (empty: none) for each writer
    const std::vector<std::string> keys{"k-1", "k-2", "k-dup", "", "k-3", "k-dup", "k-old", "", "k-4"};
    std::vector<DecisionRecord> records(keys.size());
    std::vector<WriteResult> results(keys.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        records[i] = testing::sample_decision("C-" + std::to_string(i), "approve");
        threads.emplace_back([&, i] {
            WriteExtras extras{audit_entry("writer", "write", std::nullopt), std::nullopt};
            if (!keys[i].empty()) extras.idempotency = IdempotencyKey{scope, keys[i], "hash-" + std::to_string(i)};
            results[i] = store->write_decision(records[i], extras);
        });
    }
    queue_then_release(f, threads);

    for (const std::size_t i : {0U, 1U, 3U, 4U, 7U, 8U}) {
        EXPECT_FALSE(results[i].earlier) << i;
        EXPECT_TRUE(store->get_decision(records[i].id)) << i;
    }
    // k-old: used before the group.
    ASSERT_TRUE(results[6].earlier);
    EXPECT_EQ(results[6].earlier->target, before.id);
    EXPECT_EQ(results[6].earlier->body_sha256, "hash-old");
    EXPECT_FALSE(store->get_decision(records[6].id));
    // k-dup: one of the two stored, the other names it.
    const bool second_won = !results[5].earlier;
    const std::size_t won = second_won ? 5 : 2;
    const std::size_t lost = second_won ? 2 : 5;
    EXPECT_FALSE(results[won].earlier);
    ASSERT_TRUE(results[lost].earlier);
    EXPECT_EQ(results[lost].earlier->target, records[won].id);
    EXPECT_EQ(results[lost].earlier->body_sha256, "hash-" + std::to_string(won));
    EXPECT_TRUE(store->get_decision(records[won].id));
    EXPECT_FALSE(store->get_decision(records[lost].id));
    for (const auto& [key, target] : std::vector<std::pair<std::string, std::string>>{
             {"k-1", records[0].id}, {"k-2", records[1].id}, {"k-3", records[4].id}, {"k-4", records[8].id},
             {"k-dup", records[won].id}, {"k-old", before.id}}) {
        const auto use = store->find_idempotent(scope, key);
        ASSERT_TRUE(use) << key;
        EXPECT_EQ(use->target, target) << key;
    }
    EXPECT_EQ(store->count_decisions({}), 8u);  // the one before, and 7 of the 9
    AuditQuery all;
    EXPECT_EQ(store->find_audit(all).size(), 7u);  // a write that found its key used stores no entry
    EXPECT_EQ(store->changes_after(0, 100).size(), 8u);
    EXPECT_EQ(rolled_back.load(), 0);
    EXPECT_EQ(f.decision_statements("case_ref <> 'C-OLD'"), 1);  // the 7 in one statement
}

// When the statement storing decisions together fails (here: a decision id already stored),
// the group runs again write by write: what a write's key found in the failed try is
// forgotten, so of two writes with one new key, the one after the failing write is stored.
TEST(PgGroupCommit, AfterAFailedStatementOfSeveralTheKeysAreReadAfresh) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    GroupFixture f;
    auto& store = f.store();
    const std::string scope = "client\x1f/v1/decisions";
    const auto stored = testing::sample_decision("C-STORED", "approve");
    store.add_decision(stored);
    std::atomic<int> rolled_back = 0;
    store.set_commit_observer([&](std::chrono::nanoseconds, bool ok) { rolled_back += ok ? 0 : 1; });
    ASSERT_TRUE(f.hold_with_a_first_write());
    auto again = testing::sample_decision("C-AGAIN", "approve");
    again.id = stored.id;  // its INSERT fails
    const auto keyed = testing::sample_decision("C-KEYED", "approve");
    std::string failed;
    WriteResult second;
    std::vector<std::thread> threads;
    threads.emplace_back([&] {
        try {
            store.write_decision(again, WriteExtras{std::nullopt, IdempotencyKey{scope, "k-same", "hash-1"}});
        } catch (const StoreError& e) {
            failed = e.what();
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // queued before the next
    threads.emplace_back([&] {
        second = store.write_decision(keyed, WriteExtras{std::nullopt, IdempotencyKey{scope, "k-same", "hash-2"}});
    });
    queue_then_release(f, threads);
    EXPECT_NE(failed.find("duplicate key"), std::string::npos) << failed;
    EXPECT_FALSE(second.earlier);  // the failing write's key was never stored
    EXPECT_TRUE(store.get_decision(keyed.id));
    ASSERT_TRUE(store.find_idempotent(scope, "k-same"));
    EXPECT_EQ(store.find_idempotent(scope, "k-same")->target, keyed.id);
    EXPECT_EQ(store.count_decisions({}), 2u);
    EXPECT_EQ(rolled_back.load(), 2);  // the statement of both, then the failing write alone
}

// A pooled connection the server dropped (here: terminated) is not lent again once its socket
// shows it closed (or once the listener's, ended with it, has ended its generation); if the
// write takes it before that, its first try fails and the group is run again on a new
// connection. Either way the caller sees no error.
TEST(PgGroupCommit, AWriteOnAConnectionTheServerDroppedIsRunAgainOnANewOne) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    testing::PgDatabase db(*testing::pg_cluster_url());
    const std::string name = "jointly_test_" + db.schema();
    auto store = Store::connect(db.location() + "&application_name=" + name, 1);
    std::atomic<int> committed = 0;
    std::atomic<int> failed = 0;
    store->set_commit_observer([&](std::chrono::nanoseconds, bool ok) { ++(ok ? committed : failed); });
    store->add_decision(testing::sample_decision("C-1", "approve"));
    // The store's connections (its pool's one and its listener's) are ended by the server.
    std::unique_ptr<PGconn, decltype(&PQfinish)> admin(PQconnectdb(testing::pg_cluster_url()->c_str()), &PQfinish);
    ASSERT_EQ(PQstatus(admin.get()), CONNECTION_OK);
    const std::string terminate =
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" +
        name + "') t";
    PGresult* ended = PQexec(admin.get(), terminate.c_str());
    ASSERT_EQ(PQresultStatus(ended), PGRES_TUPLES_OK);
    EXPECT_GE(std::stoi(PQgetvalue(ended, 0, 0)), 1);
    PQclear(ended);
    const auto second = testing::sample_decision("C-2", "approve");
    EXPECT_NO_THROW(store->add_decision(second));
    EXPECT_LE(failed.load(), 1);  // the try on the ended connection, if it was taken
    EXPECT_EQ(committed.load(), 2);
    EXPECT_TRUE(store->get_decision(second.id));
    EXPECT_EQ(store->count_decisions({}), 2u);
}

// A text array literal reads back, element for element, as the texts it was built from.
TEST(PgConnection, AnArrayLiteralReadsBackAsItsElements) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    pg::Connection conn(*testing::pg_cluster_url());
    const std::vector<std::optional<std::string>> values{
        "", "NULL", std::nullopt, "a,b", "{x}", "q\"uote", "back\\slash", "\\\"", " padded ", "line\nbreak",
        "caf\u00e9"};
    pg::ArrayText array;
    for (const auto& v : values) array.add_or_null(v);
    const auto r = conn.exec("SELECT v, v IS NULL FROM unnest($1::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n",
                             {std::move(array).take()});
    ASSERT_EQ(r.rows(), static_cast<int>(values.size()));
    for (int i = 0; i < r.rows(); ++i) {
        const auto& want = values[static_cast<std::size_t>(i)];
        EXPECT_EQ(r.text(i, 1), want ? "f" : "t") << i;
        if (want) {
            EXPECT_EQ(r.text(i, 0), *want) << i;
        }
    }
}

// The writer's statements are prepared once per connection, up to a bound; past it they still
// run (unprepared), and a statement PostgreSQL refuses to prepare says why and leaves the
// connection usable.
TEST(PgConnection, PreparedStatementsPastTheBoundStillRunAndAFailureSaysWhy) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    pg::Connection conn(*testing::pg_cluster_url());
    const auto prepared = [&] { return conn.exec("SELECT count(*) FROM pg_prepared_statements").integer(0, 0); };
    try {
        conn.exec_prepared("SELECT $1::bigint FROM no_such_table", {"1"});
        ADD_FAILURE() << "a statement on a missing table ran";
    } catch (const pg::Error& e) {
        EXPECT_FALSE(e.lost());
        EXPECT_NE(std::string(e.what()).find("no_such_table"), std::string::npos) << e.what();
    }
    EXPECT_EQ(prepared(), 0);
    for (std::size_t round = 0; round < 2; ++round) {
        for (std::size_t k = 0; k < pg::Connection::kMaxPrepared + 10; ++k) {
            const auto r = conn.exec_prepared("SELECT $1::bigint + " + std::to_string(k), {std::to_string(1000 * round)});
            ASSERT_EQ(r.integer(0, 0), static_cast<std::int64_t>(1000 * round + k)) << k;
        }
    }
    EXPECT_EQ(prepared(), static_cast<std::int64_t>(pg::Connection::kMaxPrepared));
    // exec plans each time: nothing more is prepared.
    EXPECT_EQ(conn.exec("SELECT $1::text", {"still usable"}).text(0, 0), "still usable");
    EXPECT_EQ(prepared(), static_cast<std::int64_t>(pg::Connection::kMaxPrepared));
}

TEST(PgConnect, AnUnreachableServerIsAStoreErrorWithoutThePassword) {
    try {
        Store::connect("postgresql://someone:secret-word@/nothing?host=/nonexistent-socket-dir&connect_timeout=2");
        ADD_FAILURE() << "connected to nothing";
    } catch (const StoreError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("cannot be reached"), std::string::npos) << message;
        EXPECT_EQ(message.find("secret-word"), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace jointly::server
