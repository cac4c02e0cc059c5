// `jointly store reapply-erasures`: after a restore from a backup taken before an erasure, the
// erasure is made again in the restored store, leaving the record the API left (SQLite and
// PostgreSQL), audited, and running it again changes nothing.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "http_fixture.hpp"
#include "jointly/server/cli.hpp"
#include "store_backends.hpp"

namespace jointly::testing {
namespace {

using nlohmann::json;

struct Run {
    int code;
    std::string out;
    std::string err;
};

Run reapply(const std::string& from, const std::string& db) {
    std::ostringstream out;
    std::ostringstream err;
    const int code = server::run_cli({"store", "reapply-erasures", "--from", from, "--db", db}, out, err);
    return {code, out.str(), err.str()};
}

std::string store(httplib::Client& c, const std::string& case_ref) {
    auto body = post_op_request();
    body["case_ref"] = case_ref;
    auto r = c.Post("/v1/decisions", bearer(kClientToken), body.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
    return r ? body_of(r).value("decision_id", "") : "";
}

void erase(httplib::Client& c, const std::string& id, const std::string& reason) {
    auto r = c.Post(("/v1/decisions/" + id + "/erasure").c_str(), bearer(kAdminToken),
                    json{{"reason", reason}}.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
}

// Rectifies `id` with the stored request's case and a corrected weekly cost; the replacement's id.
std::string rectify(httplib::Client& c, const std::string& id, const std::string& case_ref) {
    auto request = post_op_request();
    request["case_ref"] = case_ref;
    request["lines"][0]["weekly"] = "405.00";
    auto r = c.Post(("/v1/decisions/" + id + "/rectification").c_str(), bearer(kAdminToken),
                    json{{"reason", "the weekly cost was keyed wrongly"}, {"request", request}}.dump(),
                    "application/json");
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
    return r ? body_of(r).value("decision_id", "") : "";
}

// A live store (`live`) whose backup (`backup`) was taken after two decisions were stored;
// since then the first was erased, and a third stored and erased.
struct Restored {
    fs::path dir = make_temp_dir("jointly-reapply-");
    fs::path live = dir / "jointly.db";
    fs::path backup = dir / "backup.db";
    std::string erased;   // stored before the backup, erased after it
    std::string kept;     // stored before the backup, never erased
    std::string later;    // stored and erased after the backup
    Restored() {
        const auto on_live = [this](server::ServeOptions& o) { o.db = live; };
        {
            TestServer s(on_live);
            auto c = s.client();
            erased = store(c, "C-ERASED");
            kept = store(c, "C-KEPT");
            auto panel = c.Post(("/v1/decisions/" + erased + "/panel").c_str(), bearer(kPanelToken),
                                R"({"outcome":"approved","date":"2025-06-20","members":["A. Chair"],
                                    "notes":"mother reports seizures at night"})",
                                "application/json");
            EXPECT_EQ(panel->status, 201) << panel->body;
        }
        fs::copy_file(live, backup);  // the server closed: the file holds every commit
        TestServer s(on_live);
        auto c = s.client();
        erase(c, erased, "erasure request ER-7");
        later = store(c, "C-LATER");
        erase(c, later, "erasure request ER-8");
    }
    ~Restored() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

// `restored` (a store made from the backup) after reapply-erasures from the live store.
void expect_reapplied(const Restored& r, const std::string& restored) {
    auto first = reapply(r.live.string(), restored);
    ASSERT_EQ(first.code, 0) << first.err;
    EXPECT_EQ(first.out, "erased 1 decisions of the 2 erasures recorded in " + r.live.string() +
                             " (0 erased already, 1 not in the store)\n");
    auto again = reapply(r.live.string(), restored);
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_EQ(again.out, "erased 0 decisions of the 2 erasures recorded in " + r.live.string() +
                             " (1 erased already, 1 not in the store)\n");

    auto live = server::Store::connect(r.live.string());
    auto store = server::Store::connect(restored);
    const auto want = live->get_decision(r.erased);
    const auto got = store->get_decision(r.erased);
    ASSERT_TRUE(want && got && got->erased);
    // What the API left, exactly: the figures kept, the child's data gone.
    EXPECT_EQ(got->case_ref, want->case_ref);
    EXPECT_EQ(got->request_json, want->request_json);
    EXPECT_EQ(got->response_json, want->response_json);
    EXPECT_EQ(got->response_json.find("C-ERASED"), std::string::npos);
    const auto want_panel = live->panel_records(r.erased);
    const auto got_panel = store->panel_records(r.erased);
    ASSERT_EQ(got_panel.size(), 1u);
    EXPECT_EQ(got_panel[0].record_json, want_panel[0].record_json);
    EXPECT_EQ(got_panel[0].record_json.find("seizures"), std::string::npos);
    EXPECT_EQ(got->erased->principal, "records-officer");
    EXPECT_NE(got->erased->reason.find("erasure request ER-7 (re-applied after a restore; first erased "),
              std::string::npos)
        << got->erased->reason;
    EXPECT_FALSE(store->get_decision(r.kept)->erased);
    EXPECT_FALSE(store->get_decision(r.later));
    // Audited, and in the change feed for followers.
    server::AuditQuery q;
    q.decision = r.erased;
    const auto trail = store->find_audit(q);
    ASSERT_FALSE(trail.empty());
    EXPECT_EQ(trail.back().principal, "jointly store reapply-erasures");
    EXPECT_EQ(trail.back().action, "erase");
    const auto feed = store->changes_after(0, 100);
    ASSERT_FALSE(feed.empty());
    EXPECT_EQ(feed.back().kind, "erasure");
    EXPECT_EQ(feed.back().decision_id, r.erased);
}

TEST(StoreReapplyErasures, ARestoredSqliteStoreIsErasedAgainAsTheApiErased) {
    Restored r;
    expect_reapplied(r, r.backup.string());
}

TEST(StoreReapplyErasures, ARestoredPostgresqlStoreIsErasedAgainAsTheApiErased) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    Restored r;
    server::testing::PgDatabase pg(*server::testing::pg_cluster_url());
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(server::run_cli({"store", "copy", "--from", r.backup.string(), "--to", pg.location()}, out, err), 0)
        << err.str();
    expect_reapplied(r, pg.location());
}

// A live store whose backup was taken after one decision was rectified (the replacement is in
// the backup too) and another stored; since then that one was rectified, and a third stored
// and rectified: the replacements of those two are only in the live store.
struct RectifiedRestore {
    fs::path dir = make_temp_dir("jointly-reapply-");
    fs::path live = dir / "jointly.db";
    fs::path backup = dir / "backup.db";
    std::string rectified;   // stored before the backup, rectified after it
    std::string replacement;  // its replacement
    std::string later;        // stored and rectified after the backup
    std::string later_replacement;
    RectifiedRestore() {
        const auto on_live = [this](server::ServeOptions& o) { o.db = live; };
        {
            TestServer s(on_live);
            auto c = s.client();
            rectify(c, store(c, "C-BEFORE"), "C-BEFORE");
            rectified = store(c, "C-RECT");
        }
        fs::copy_file(live, backup);
        TestServer s(on_live);
        auto c = s.client();
        replacement = rectify(c, rectified, "C-RECT");
        later = store(c, "C-LATER");
        later_replacement = rectify(c, later, "C-LATER");
    }
    ~RectifiedRestore() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

// reapply-erasures names every rectification whose replacement the restored store lacks (the
// rectified decision, erased again or not there either, and the replacement), every time it
// runs; one whose replacement is there is not named.
void expect_replacements_named(const RectifiedRestore& r, const std::string& restored) {
    const std::string named = "2 rectifications recorded in " + r.live.string() +
                              " name replacements not in the store (stored after the backup, only the old store "
                              "holds them):\n  " +
                              r.rectified + " rectified by " + r.replacement + "\n  " + r.later + " rectified by " +
                              r.later_replacement + "\n";
    auto first = reapply(r.live.string(), restored);
    ASSERT_EQ(first.code, 0) << first.err;
    EXPECT_EQ(first.out, "erased 1 decisions of the 3 erasures recorded in " + r.live.string() +
                             " (1 erased already, 1 not in the store)\n" + named);
    auto again = reapply(r.live.string(), restored);
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_EQ(again.out, "erased 0 decisions of the 3 erasures recorded in " + r.live.string() +
                             " (2 erased already, 1 not in the store)\n" + named);
    auto store = server::Store::connect(restored);
    EXPECT_TRUE(store->get_decision(r.rectified)->erased);
    EXPECT_FALSE(store->get_decision(r.replacement));
}

TEST(StoreReapplyErasures, RectificationsWhoseReplacementIsNotInASqliteStoreAreNamed) {
    RectifiedRestore r;
    expect_replacements_named(r, r.backup.string());
    // docs/operations.md shows these lines, with its file name and ids, indented in its list.
    auto out = reapply(r.live.string(), r.backup.string()).out;
    out = out.substr(out.find('\n') + 1);
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {r.live.string(), "jointly.db.before-restore"},
             {r.rectified, "d-3f9c0a7e21b84d56"},
             {r.replacement, "d-9b1e44c07a2f6d13"},
             {r.later, "d-51aa8e0c9d3b7f20"},
             {r.later_replacement, "d-c40d7e6f1b2a9e85"}})
        out.replace(out.find(from), from.size(), to);
    std::string shown = "  ```text\n";
    for (std::size_t at = 0; at < out.size();) {
        const auto end = out.find('\n', at) + 1;
        shown += "  " + out.substr(at, end - at);
        at = end;
    }
    shown += "  ```\n";
    EXPECT_NE(read_file(fs::path(JOINTLY_SOURCE_DIR) / "docs/operations.md").find(shown), std::string::npos)
        << "docs/operations.md does not show:\n"
        << shown;
}

TEST(StoreReapplyErasures, RectificationsWhoseReplacementIsNotInAPostgresqlStoreAreNamed) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    RectifiedRestore r;
    server::testing::PgDatabase pg(*server::testing::pg_cluster_url());
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(server::run_cli({"store", "copy", "--from", r.backup.string(), "--to", pg.location()}, out, err), 0)
        << err.str();
    expect_replacements_named(r, pg.location());
}

TEST(StoreReapplyErasures, AMissingStoreIsNamedAndNothingIsCreated) {
    Restored r;
    const auto missing = (r.dir / "no-such.db").string();
    auto to_missing = reapply(r.live.string(), missing);
    EXPECT_EQ(to_missing.code, 1);
    EXPECT_NE(to_missing.err.find("`" + missing + "` is not a file"), std::string::npos) << to_missing.err;
    EXPECT_FALSE(fs::exists(missing));
    auto from_missing = reapply(missing, r.backup.string());
    EXPECT_EQ(from_missing.code, 1);
    EXPECT_NE(from_missing.err.find("moved aside"), std::string::npos) << from_missing.err;
}

}  // namespace
}  // namespace jointly::testing
