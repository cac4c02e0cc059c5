// The SQLite decision store: append-only rows, filters, panel records that supersede
// without erasing, and concurrent writers each acknowledged after commit.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <set>
#include <string>
#include <thread>
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
    char* error = nullptr;
    EXPECT_NE(sqlite3_exec(db, "UPDATE decisions SET outcome = 'decline'", nullptr, nullptr, &error), SQLITE_OK);
    sqlite3_free(error);
    EXPECT_NE(sqlite3_exec(db, "DELETE FROM decisions", nullptr, nullptr, &error), SQLITE_OK);
    sqlite3_free(error);
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

TEST(StoreOpen, UnwritablePathThrows) {
    EXPECT_THROW(Store::open("/nonexistent-dir/x/y.db"), StoreError);
}

}  // namespace
}  // namespace jointly::server
