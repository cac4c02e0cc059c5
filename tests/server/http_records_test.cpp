// Children's records over real loopback HTTP, for the systems that build on them: retry-safe
// writes (Idempotency-Key, across a restart), stable paging, the change feed, erasure and
// rectification by the `admin` role, and an audit entry for every refused request and every
// write (committed with the write).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http_fixture.hpp"

namespace jointly::testing {
namespace {

using nlohmann::json;

httplib::Headers with_key(const std::string& token, const std::string& key) {
    auto headers = bearer(token);
    headers.emplace("Idempotency-Key", key);
    return headers;
}

json request_for(const std::string& case_ref, const std::string& weekly = "450.00") {
    auto r = post_op_request();
    r["case_ref"] = case_ref;
    r["lines"][0]["weekly"] = weekly;
    return r;
}

std::string store(httplib::Client& c, const json& body) {
    auto r = c.Post("/v1/decisions", bearer(kClientToken), body.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
    return r ? body_of(r).value("decision_id", "") : "";
}

int count_rows(const fs::path& db, const std::string& sql) {
    sqlite3* handle = nullptr;
    sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr);
    int n = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(handle);
    return n;
}

json audit_entries(httplib::Client& c, const std::string& query) {
    auto r = c.Get(("/v1/audit?" + query).c_str(), bearer(kAuditorToken));
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    return r ? body_of(r)["entries"] : json::array();
}

// --- Idempotency-Key --------------------------------------------------------------------

TEST(HttpIdempotency, AReplayAnswersTheFirstDecisionAndStoresNothingNew) {
    TestServer s;
    auto c = s.client();
    const auto body = request_for("C-IDEM").dump();
    auto first = c.Post("/v1/decisions", with_key(kClientToken, "key-1"), body, "application/json");
    ASSERT_EQ(first->status, 201) << first->body;
    auto again = c.Post("/v1/decisions", with_key(kClientToken, "key-1"), body, "application/json");
    ASSERT_EQ(again->status, 201) << again->body;
    EXPECT_EQ(again->body, first->body);
    EXPECT_EQ(again->get_header_value("Location"), first->get_header_value("Location"));
    EXPECT_EQ(again->get_header_value("Idempotent-Replayed"), "true");
    EXPECT_FALSE(first->has_header("Idempotent-Replayed"));
    EXPECT_EQ(count_rows(s.options.db, "SELECT count(*) FROM decisions"), 1);
    // Another key is another decision.
    auto other = c.Post("/v1/decisions", with_key(kClientToken, "key-2"), body, "application/json");
    ASSERT_EQ(other->status, 201);
    EXPECT_NE(body_of(other)["decision_id"], body_of(first)["decision_id"]);
}

TEST(HttpIdempotency, TheSameKeyWithAnotherBodyIs409AndStoresNothing) {
    TestServer s;
    auto c = s.client();
    auto first = c.Post("/v1/decisions", with_key(kClientToken, "key-1"), request_for("C-1").dump(), "application/json");
    ASSERT_EQ(first->status, 201);
    auto changed = c.Post("/v1/decisions", with_key(kClientToken, "key-1"), request_for("C-1", "451.00").dump(),
                          "application/json");
    ASSERT_EQ(changed->status, 409) << changed->body;
    EXPECT_EQ(body_of(changed)["error"]["code"], "idempotency_conflict");
    EXPECT_EQ(count_rows(s.options.db, "SELECT count(*) FROM decisions"), 1);
}

TEST(HttpIdempotency, KeysOfDifferentCallersNeverMeet) {
    TestServer s;
    auto c = s.client();
    const auto body = request_for("C-1").dump();
    auto mine = c.Post("/v1/decisions", with_key(kClientToken, "shared"), body, "application/json");
    auto theirs = c.Post("/v1/decisions", with_key(kPanelToken, "shared"), body, "application/json");
    ASSERT_EQ(mine->status, 201);
    ASSERT_EQ(theirs->status, 201);
    EXPECT_NE(body_of(mine)["decision_id"], body_of(theirs)["decision_id"]);
}

TEST(HttpIdempotency, AMalformedKeyIs400) {
    TestServer s;
    auto c = s.client();
    for (const auto& key : {std::string(256, 'k'), std::string("with space")}) {
        auto r = c.Post("/v1/decisions", with_key(kClientToken, key), request_for("C-1").dump(), "application/json");
        ASSERT_EQ(r->status, 400) << key;
        EXPECT_NE(body_of(r)["error"]["message"].get<std::string>().find("Idempotency-Key"), std::string::npos);
    }
    EXPECT_EQ(count_rows(s.options.db, "SELECT count(*) FROM decisions"), 0);
}

TEST(HttpIdempotency, AReplayAfterARestartAnswersTheOriginal) {
    const auto dir = make_temp_dir("jointly-idem-");
    const auto body = request_for("C-RESTART").dump();
    std::string first_body;
    {
        TestServer s([&](server::ServeOptions& o) { o.db = dir / "decisions.db"; });
        auto c = s.client();
        auto r = c.Post("/v1/decisions", with_key(kClientToken, "retry-after-crash"), body, "application/json");
        ASSERT_EQ(r->status, 201);
        first_body = r->body;
    }
    {
        TestServer s([&](server::ServeOptions& o) { o.db = dir / "decisions.db"; });
        auto c = s.client();
        auto r = c.Post("/v1/decisions", with_key(kClientToken, "retry-after-crash"), body, "application/json");
        ASSERT_EQ(r->status, 201);
        EXPECT_EQ(r->body, first_body);
        auto conflict = c.Post("/v1/decisions", with_key(kClientToken, "retry-after-crash"),
                               request_for("C-OTHER").dump(), "application/json");
        EXPECT_EQ(conflict->status, 409);
    }
    EXPECT_EQ(count_rows(dir / "decisions.db", "SELECT count(*) FROM decisions"), 1);
    std::error_code ec;
    fs::remove_all(dir, ec);
}

TEST(HttpIdempotency, ConcurrentRetriesStoreOneDecision) {
    TestServer s;
    const auto body = request_for("C-RACE").dump();
    std::vector<std::thread> threads;
    std::vector<std::string> ids(8);
    for (std::size_t i = 0; i < ids.size(); ++i)
        threads.emplace_back([&, i] {
            auto c = s.client();
            auto r = c.Post("/v1/decisions", with_key(kClientToken, "race"), body, "application/json");
            if (r && r->status == 201) ids[i] = body_of(r)["decision_id"];
        });
    for (auto& t : threads) t.join();
    const std::set<std::string> distinct(ids.begin(), ids.end());
    ASSERT_EQ(distinct.size(), 1u);
    EXPECT_FALSE(distinct.begin()->empty());
    EXPECT_EQ(count_rows(s.options.db, "SELECT count(*) FROM decisions"), 1);
}

TEST(HttpIdempotency, PanelRecordsReplayToo) {
    TestServer s;
    auto c = s.client();
    const auto id = store(c, request_for("C-PANEL"));
    const std::string record = R"({"outcome":"approved","date":"2025-06-20","members":["A. Chair"]})";
    const auto path = "/v1/decisions/" + id + "/panel";
    auto first = c.Post(path.c_str(), with_key(kPanelToken, "panel-1"), record, "application/json");
    ASSERT_EQ(first->status, 201) << first->body;
    auto again = c.Post(path.c_str(), with_key(kPanelToken, "panel-1"), record, "application/json");
    ASSERT_EQ(again->status, 201);
    EXPECT_EQ(body_of(again)["panel_record_id"], body_of(first)["panel_record_id"]);
    // A replay is the first answer again, headers included.
    EXPECT_EQ(again->get_header_value("Idempotent-Replayed"), "true");
    EXPECT_EQ(again->get_header_value("Location"), first->get_header_value("Location"));
    EXPECT_EQ(again->get_header_value("Location"), "/v1/decisions/" + id);
    auto changed = c.Post(path.c_str(), with_key(kPanelToken, "panel-1"),
                          R"({"outcome":"declined","date":"2025-06-20","members":["A. Chair"]})", "application/json");
    EXPECT_EQ(changed->status, 409);
    EXPECT_EQ(count_rows(s.options.db, "SELECT count(*) FROM panel_records"), 1);
}

// --- Paging -------------------------------------------------------------------------------

TEST(HttpPaging, CursorPagesNeitherRepeatNorSkipWhenDecisionsArriveBetweenPages) {
    TestServer s;
    auto c = s.client();
    std::vector<std::string> stored;
    for (int i = 0; i < 7; ++i) stored.push_back(store(c, request_for("C-PAGE")));
    std::vector<std::string> seen;
    std::string next = "/v1/decisions?case_ref=C-PAGE&limit=3";
    int pages = 0;
    while (!next.empty()) {
        auto r = c.Get(next.c_str(), bearer(kClientToken));
        ASSERT_EQ(r->status, 200) << r->body;
        const auto page = body_of(r);
        for (const auto& d : page["decisions"]) seen.push_back(d["decision_id"]);
        // A new decision arrives between pages: newest first, it sorts before every cursor.
        if (pages++ == 0) store(c, request_for("C-PAGE"));
        next = page["next"].is_null() ? "" : page["next"].get<std::string>();
        ASSERT_LT(pages, 10);
    }
    // The seven, newest first, once each; the eighth came after the first page.
    ASSERT_EQ(seen.size(), 7u);
    for (std::size_t i = 0; i < 7; ++i) EXPECT_EQ(seen[i], stored[6 - i]);
    EXPECT_EQ(pages, 3);
}

TEST(HttpPaging, UnknownOrRepeatedQueryParametersAre400) {
    TestServer s;
    auto c = s.client();
    auto unknown = c.Get("/v1/decisions?cas_ref=C-1", bearer(kClientToken));
    ASSERT_EQ(unknown->status, 400);
    EXPECT_EQ(body_of(unknown)["error"]["details"][0]["path"], "?cas_ref");
    auto twice = c.Get("/v1/decisions?limit=1&limit=2", bearer(kClientToken));
    ASSERT_EQ(twice->status, 400);
    EXPECT_EQ(body_of(twice)["error"]["details"][0]["path"], "?limit");
    auto both = c.Get("/v1/decisions?offset=1&after=5", bearer(kClientToken));
    EXPECT_EQ(both->status, 400);
    auto cursor = c.Get("/v1/decisions?after=abc", bearer(kClientToken));
    EXPECT_EQ(cursor->status, 400);
    auto report = c.Get("/v1/reports/summary?form=2025-01-01", bearer(kClientToken));
    EXPECT_EQ(report->status, 400);
}

// Every route checks its query: one it does not take, or one given twice, is a 400 naming it
// (`?explian=full` is not silently an evaluation without the trace), and nothing is stored.
TEST(HttpPaging, EveryRouteRefusesAQueryItDoesNotTake) {
    TestServer s;
    auto c = s.client();
    const auto id = store(c, request_for("C-QUERY"));
    const std::string body = request_for("C-QUERY-2").dump();
    for (const auto& [path, bad] : std::vector<std::pair<std::string, std::string>>{
             {"/v1/evaluate?explian=full", "?explian"},
             {"/v1/evaluate?explain=none&explain=full", "?explain"},
             {"/v1/decisions?foo=1", "?foo"},
             {"/v1/evaluate/batch?foo=1", "?foo"}}) {
        const std::string payload = path.starts_with("/v1/evaluate/batch") ? "{\"requests\": [" + body + "]}" : body;
        auto r = c.Post(path.c_str(), bearer(kClientToken), payload, "application/json");
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status, 400) << path << ": " << r->body.substr(0, 300);
        EXPECT_EQ(body_of(r)["error"]["details"][0]["path"], bad) << path;
    }
    for (const auto& [path, bad] : std::vector<std::pair<std::string, std::string>>{
             {"/v1/decisions/" + id + "?foo=1", "?foo"},
             {"/v1/policies?foo=1", "?foo"},
             {"/v1/whoami?foo=1", "?foo"},
             {"/healthz?foo=1", "?foo"}}) {
        auto r = c.Get(path.c_str(), bearer(kClientToken));
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status, 400) << path << ": " << r->body.substr(0, 300);
        EXPECT_EQ(body_of(r)["error"]["details"][0]["path"], bad) << path;
    }
    // One decision stored (C-QUERY): the refused writes stored nothing.
    EXPECT_EQ(body_of(c.Get("/v1/decisions", bearer(kClientToken)))["total"], 1);
    // The same requests without the stray parameter are answered.
    EXPECT_EQ(c.Post("/v1/evaluate?explain=full", bearer(kClientToken), body, "application/json")->status, 200);
    EXPECT_EQ(c.Get(("/v1/decisions/" + id).c_str(), bearer(kClientToken))->status, 200);
}

// --- The change feed ------------------------------------------------------------------------

TEST(HttpChanges, TheFeedListsDecisionsPanelRecordsAndErasuresInOrder) {
    TestServer s;
    auto c = s.client();
    const auto a = store(c, request_for("C-A"));
    const auto b = store(c, request_for("C-B"));
    auto panel = c.Post(("/v1/decisions/" + a + "/panel").c_str(), bearer(kPanelToken),
                        R"({"outcome":"approved","date":"2025-06-20","members":["A. Chair"]})", "application/json");
    ASSERT_EQ(panel->status, 201);
    auto erased = c.Post(("/v1/decisions/" + b + "/erasure").c_str(), bearer(kAdminToken),
                         R"({"reason":"erasure request ER-7"})", "application/json");
    ASSERT_EQ(erased->status, 200) << erased->body;
    auto r = c.Get("/v1/changes", bearer(kClientToken));
    ASSERT_EQ(r->status, 200) << r->body;
    const auto feed = body_of(r);
    ASSERT_EQ(feed["changes"].size(), 4u);
    EXPECT_EQ(feed["changes"][0]["kind"], "decision");
    EXPECT_EQ(feed["changes"][0]["decision_id"], a);
    EXPECT_EQ(feed["changes"][1]["decision_id"], b);
    EXPECT_EQ(feed["changes"][2]["kind"], "panel_record");
    EXPECT_EQ(feed["changes"][2]["panel_record_id"], body_of(panel)["panel_record_id"]);
    EXPECT_EQ(feed["changes"][3]["kind"], "erasure");
    EXPECT_EQ(feed["changes"][3]["decision_id"], b);
    // From the cursor: only what came after.
    auto rest = c.Get(("/v1/changes?after=" + feed["changes"][1]["seq"].get<std::string>()).c_str(),
                      bearer(kClientToken));
    EXPECT_EQ(body_of(rest)["changes"].size(), 2u);
    auto none = c.Get(("/v1/changes?after=" + feed["next"].get<std::string>()).c_str(), bearer(kClientToken));
    EXPECT_EQ(body_of(none)["changes"].size(), 0u);
    EXPECT_EQ(body_of(none)["next"], feed["next"]);
    // The feed needs a token, like every read of the records.
    EXPECT_EQ(c.Get("/v1/changes")->status, 401);
}

// A cursor past the store's last change (the store was restored from a backup, its numbering
// restarted) is refused, not answered "nothing new": the follower would skip every record
// until the numbering caught up. A long poll is refused too, at once.
TEST(HttpChanges, ACursorPastTheLastChangeIsRefused) {
    TestServer s;
    auto c = s.client();
    for (const char* query : {"/v1/changes?after=7000", "/v1/changes?after=1", "/v1/changes?after=7000&wait=20"}) {
        auto r = c.Get(query, bearer(kClientToken));
        ASSERT_EQ(r->status, 409) << query << ": " << r->body;
        const auto j = body_of(r);
        EXPECT_EQ(j["error"]["code"], "cursor_ahead") << query;
        EXPECT_EQ(j["error"]["details"][0]["path"], "?after") << query;
        EXPECT_NE(j["error"]["message"].get<std::string>().find("restored"), std::string::npos) << r->body;
    }
    store(c, request_for("C-A"));
    const auto feed = body_of(c.Get("/v1/changes", bearer(kClientToken)));
    ASSERT_EQ(feed["changes"].size(), 1u);
    const auto last = std::stoll(feed["next"].get<std::string>());
    EXPECT_EQ(c.Get(("/v1/changes?after=" + std::to_string(last)).c_str(), bearer(kClientToken))->status, 200);
    EXPECT_EQ(c.Get(("/v1/changes?after=" + std::to_string(last + 1)).c_str(), bearer(kClientToken))->status, 409);
    EXPECT_EQ(c.Get("/v1/changes?after=0", bearer(kClientToken))->status, 200);
}

TEST(HttpChanges, ALongPollAnswersWhenADecisionIsStored) {
    TestServer s;
    auto c = s.client();
    const auto start = body_of(c.Get("/v1/changes", bearer(kClientToken)))["next"].get<std::string>();
    std::string polled;
    std::thread poller([&] {
        auto p = s.client();
        auto r = p.Get(("/v1/changes?wait=20&after=" + start).c_str(), bearer(kClientToken));
        if (r && r->status == 200 && !body_of(r)["changes"].empty())
            polled = body_of(r)["changes"][0]["decision_id"];
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto begun = std::chrono::steady_clock::now();
    const auto id = store(c, request_for("C-POLL"));
    poller.join();
    EXPECT_EQ(polled, id);
    EXPECT_LT(std::chrono::steady_clock::now() - begun, std::chrono::seconds(10));
}

TEST(HttpChanges, AnIdleLongPollEndsAfterItsWait) {
    TestServer s;
    auto c = s.client();
    const auto begun = std::chrono::steady_clock::now();
    auto r = c.Get("/v1/changes?wait=1", bearer(kClientToken));
    ASSERT_EQ(r->status, 200);
    EXPECT_TRUE(body_of(r)["changes"].empty());
    EXPECT_GE(std::chrono::steady_clock::now() - begun, std::chrono::milliseconds(900));
    EXPECT_EQ(c.Get("/v1/changes?wait=26", bearer(kClientToken))->status, 400);
}

// --- Erasure and rectification --------------------------------------------------------------

TEST(HttpErasure, ErasureBlanksTheChildsDataAndKeepsTheFigures) {
    TestServer s;
    auto c = s.client();
    const auto id = store(c, request_for("C-ERASE"));
    const auto before = body_of(c.Get(("/v1/decisions/" + id).c_str(), bearer(kClientToken)));
    auto panel = c.Post(("/v1/decisions/" + id + "/panel").c_str(), bearer(kPanelToken),
                        R"({"outcome":"approved","date":"2025-06-20","members":["A. Chair"],
                            "notes":"mother reports seizures at night"})",
                        "application/json");
    ASSERT_EQ(panel->status, 201);
    const auto path = "/v1/decisions/" + id + "/erasure";
    // Only the admin role may erase.
    EXPECT_EQ(c.Post(path.c_str(), bearer(kPanelToken), R"({"reason":"x"})", "application/json")->status, 403);
    EXPECT_EQ(c.Post(path.c_str(), R"({"reason":"x"})", "application/json")->status, 401);
    auto no_reason = c.Post(path.c_str(), bearer(kAdminToken), "{}", "application/json");
    ASSERT_EQ(no_reason->status, 400);
    EXPECT_EQ(body_of(no_reason)["error"]["details"][0]["path"], "/reason");

    auto r = c.Post(path.c_str(), bearer(kAdminToken), R"({"reason":"UK GDPR art. 17 request ER-2026-031"})",
                    "application/json");
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(body_of(r)["already_erased"], false);
    EXPECT_EQ(body_of(r)["erasure"]["principal"], "records-officer");

    const auto after = body_of(c.Get(("/v1/decisions/" + id).c_str(), bearer(kClientToken)));
    EXPECT_TRUE(after["request"].is_null());
    EXPECT_TRUE(after["case_ref"].is_null());
    EXPECT_FALSE(after.contains("explanation"));
    EXPECT_FALSE(after.contains("by_line"));
    EXPECT_EQ(after["total"], before["total"]);
    EXPECT_EQ(after["by_agency"], before["by_agency"]);
    EXPECT_EQ(after["outcome"], before["outcome"]);
    EXPECT_EQ(after["policy"], before["policy"]);
    EXPECT_EQ(after["erasure"]["reason"], "UK GDPR art. 17 request ER-2026-031");
    EXPECT_EQ(after["panel"]["record"]["notes"], "");
    EXPECT_EQ(after["panel"]["record"]["outcome"], "approved");
    // Nothing of the child is left in the file: not in the rows, not in freed pages.
    const auto bytes = read_file(s.options.db) + read_file(s.options.db.string() + "-wal");
    EXPECT_EQ(bytes.find("C-ERASE"), std::string::npos);
    EXPECT_EQ(bytes.find("seizures at night"), std::string::npos);
    // Lists no longer name the case.
    auto list = body_of(c.Get("/v1/decisions?case_ref=C-ERASE", bearer(kClientToken)));
    EXPECT_TRUE(list["decisions"].empty());
    // A second erasure changes nothing and answers the first tombstone.
    auto again = c.Post(path.c_str(), bearer(kAdminToken), R"({"reason":"again"})", "application/json");
    ASSERT_EQ(again->status, 200);
    EXPECT_EQ(body_of(again)["already_erased"], true);
    EXPECT_EQ(body_of(again)["erasure"]["reason"], "UK GDPR art. 17 request ER-2026-031");
    // The erasure is audited, naming who did it.
    const auto entries = audit_entries(c, "decision=" + id);
    bool found = false;
    for (const auto& e : entries)
        if (e["action"] == "erase" && e["status"] == 200 && e["principal"] == "records-officer") found = true;
    EXPECT_TRUE(found) << entries.dump();
    // No panel record may be added to an erased decision.
    EXPECT_EQ(c.Post(("/v1/decisions/" + id + "/panel").c_str(), bearer(kPanelToken),
                     R"({"outcome":"approved","date":"2025-06-20","members":["A. Chair"]})", "application/json")
                  ->status,
              409);
    EXPECT_EQ(c.Post("/v1/decisions/d-0000000000000000/erasure", bearer(kAdminToken), R"({"reason":"x"})",
                     "application/json")
                  ->status,
              404);
}

TEST(HttpErasure, TheStoreRefusesAnyOtherChangeToADecision) {
    TestServer s;
    auto c = s.client();
    const auto id = store(c, request_for("C-TRIGGER"));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(s.options.db.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char* error = nullptr;
    // Without a tombstone no update passes, not even a blanking one.
    const auto blank = "UPDATE decisions SET case_ref = '', request = '' WHERE id = '" + id + "'";
    EXPECT_NE(sqlite3_exec(db, blank.c_str(), nullptr, nullptr, &error), SQLITE_OK);
    sqlite3_free(error);
    ASSERT_EQ(c.Post(("/v1/decisions/" + id + "/erasure").c_str(), bearer(kAdminToken), R"({"reason":"r"})",
                     "application/json")
                  ->status,
              200);
    // With one, the figures still cannot change, and nothing can be deleted.
    for (const auto& sql : {"UPDATE decisions SET total = '0.00' WHERE id = '" + id + "'",
                            "DELETE FROM decisions WHERE id = '" + id + "'",
                            "DELETE FROM erasures WHERE decision_id = '" + id + "'",
                            std::string("UPDATE erasures SET reason = 'other'")}) {
        EXPECT_NE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << sql;
        sqlite3_free(error);
    }
    sqlite3_close(db);
}

TEST(HttpErasure, TheSummaryKeepsAnErasedDecisionsMoney) {
    TestServer s;
    auto c = s.client();
    const auto id = store(c, request_for("C-SUM-1"));
    store(c, request_for("C-SUM-2", "300.00"));
    const auto before = body_of(c.Get("/v1/reports/summary", bearer(kClientToken)));
    ASSERT_EQ(c.Post(("/v1/decisions/" + id + "/erasure").c_str(), bearer(kAdminToken), R"({"reason":"r"})",
                     "application/json")
                  ->status,
              200);
    const auto after = body_of(c.Get("/v1/reports/summary", bearer(kClientToken)));
    EXPECT_EQ(after["unreadable"], 0);
    EXPECT_EQ(after["decisions"], 2);
    EXPECT_EQ(after["funded"]["total"], before["funded"]["total"]);
    EXPECT_EQ(after["funded"]["by_agency"], before["funded"]["by_agency"]);
    EXPECT_EQ(after["funded"]["by_financial_year"], before["funded"]["by_financial_year"]);
    // Its lines are gone, so its money is under `(erased)`; the services still sum to the total.
    ASSERT_TRUE(after["funded"]["by_service"].contains("(erased)")) << after.dump();
    EXPECT_EQ(after["funded"]["by_service"]["(erased)"]["decisions"], 1);
    std::int64_t pence = 0;
    for (const auto& [service, item] : after["funded"]["by_service"].items()) {
        const auto total = item["total"].get<std::string>();
        pence += std::stoll(total.substr(0, total.size() - 3)) * 100 + std::stoll(total.substr(total.size() - 2));
    }
    const auto total = after["funded"]["total"].get<std::string>();
    EXPECT_EQ(pence, std::stoll(total.substr(0, total.size() - 3)) * 100 + std::stoll(total.substr(total.size() - 2)));
}

TEST(HttpErasure, RectificationSupersedesWithANewDecisionAndStopsServingTheOldFacts) {
    TestServer s;
    auto c = s.client();
    const auto old_id = store(c, request_for("C-RECT", "450.00"));
    json body = {{"reason", "the weekly cost was keyed wrongly (450 for 405)"}, {"request", request_for("C-RECT", "405.00")}};
    const auto path = "/v1/decisions/" + old_id + "/rectification";
    EXPECT_EQ(c.Post(path.c_str(), bearer(kClientToken), body.dump(), "application/json")->status, 403);
    auto r = c.Post(path.c_str(), bearer(kAdminToken), body.dump(), "application/json");
    ASSERT_EQ(r->status, 201) << r->body;
    const auto created = body_of(r);
    const auto new_id = created["decision_id"].get<std::string>();
    EXPECT_EQ(created["supersedes"], old_id);
    EXPECT_EQ(r->get_header_value("Location"), "/v1/decisions/" + new_id);
    const auto replacement = body_of(c.Get(("/v1/decisions/" + new_id).c_str(), bearer(kClientToken)));
    EXPECT_EQ(replacement["request"]["lines"][0]["weekly"], "405.00");
    EXPECT_EQ(replacement["case_ref"], "C-RECT");
    const auto old = body_of(c.Get(("/v1/decisions/" + old_id).c_str(), bearer(kClientToken)));
    EXPECT_TRUE(old["request"].is_null());
    EXPECT_EQ(old["erasure"]["superseded_by"], new_id);
    // 450 → 405 a week changes the total: the old figures are kept as they were.
    EXPECT_NE(old["total"], replacement["total"]);
    // The old one cannot be rectified twice; an invalid corrected request names /request/...
    EXPECT_EQ(c.Post(path.c_str(), bearer(kAdminToken), body.dump(), "application/json")->status, 409);
    json bad = {{"reason", "r"}, {"request", request_for("C-RECT", "lots")}};
    auto invalid = c.Post(("/v1/decisions/" + new_id + "/rectification").c_str(), bearer(kAdminToken), bad.dump(),
                          "application/json");
    ASSERT_EQ(invalid->status, 400) << invalid->body;
    EXPECT_EQ(body_of(invalid)["error"]["details"][0]["path"], "/request/lines/0/weekly");
    // The message names the same place as the pointer.
    const std::string message = body_of(invalid)["error"]["message"];
    EXPECT_EQ(message.rfind("/request/lines/0/weekly: ", 0), 0u) << message;
    // A missing reason says what a rectification's reason is, not an erasure's.
    json no_reason = {{"request", request_for("C-RECT")}};
    auto refused = c.Post(("/v1/decisions/" + new_id + "/rectification").c_str(), bearer(kAdminToken),
                          no_reason.dump(), "application/json");
    ASSERT_EQ(refused->status, 400) << refused->body;
    const std::string why = body_of(refused)["error"]["details"][0]["message"];
    EXPECT_NE(why.find("a rectification request's reference"), std::string::npos) << why;
    EXPECT_EQ(why.find("erasure"), std::string::npos) << why;
}

// --- Audit of refusals and of writes ------------------------------------------------------

// A known principal's refusal of a read of a child's record is audited; a refusal nobody known
// asked for (401) is logged and counted, not stored (HttpAudit.UnauthenticatedRefusals...).
TEST(HttpAuditGaps, ARefusedReadOfAChildsRecordIsAudited) {
    TestServer s;
    auto c = s.client();
    const auto id = store(c, request_for("C-REFUSED"));
    EXPECT_EQ(c.Get(("/v1/decisions/" + id).c_str())->status, 401);
    EXPECT_EQ(c.Get(("/v1/decisions/" + id).c_str(), bearer("not-a-known-token-000"))->status, 401);
    EXPECT_EQ(c.Post(("/v1/decisions/" + id + "/panel").c_str(), bearer(kClientToken), "{}", "application/json")->status,
              403);
    int refused_401 = 0;
    int refused_403 = 0;
    for (const auto& e : audit_entries(c, "decision=" + id)) {
        if (e["route"] == "/v1/decisions/{id}" && e["status"] == 401) ++refused_401;
        if (e["route"] == "/v1/decisions/{id}/panel" && e["status"] == 403) ++refused_403;
    }
    EXPECT_EQ(refused_401, 0);
    EXPECT_EQ(refused_403, 1);
}

// A route written to with one method and read with another (`/v1/decisions`) audits each
// refusal under its own action: a POST refused for its body's type is a `write`, a GET (or
// HEAD) refused for its query a `list`.
TEST(HttpAuditGaps, ARefusalIsAuditedUnderItsMethodsAction) {
    TestServer s;
    auto c = s.client();
    httplib::Headers post_id{{"X-Request-Id", "refused-post"}, {"Authorization", std::string("Bearer ") + kClientToken}};
    httplib::Headers get_id{{"X-Request-Id", "refused-get"}, {"Authorization", std::string("Bearer ") + kClientToken}};
    EXPECT_EQ(c.Post("/v1/decisions", post_id, request_for("C-REFUSED").dump(), "text/plain")->status, 415);
    EXPECT_EQ(c.Get("/v1/decisions?bogus=1", get_id)->status, 400);
    httplib::Headers head_id{{"X-Request-Id", "refused-head"}, {"Authorization", std::string("Bearer ") + kClientToken}};
    EXPECT_EQ(c.Head("/v1/decisions?bogus=1", head_id)->status, 400);
    std::map<std::string, std::string> action_of;
    for (const auto& e : audit_entries(c, ""))
        if (e["client_request_id"].is_string()) action_of[e["client_request_id"].get<std::string>()] = e["action"];
    EXPECT_EQ(action_of["refused-post"], "write");
    EXPECT_EQ(action_of["refused-get"], "list");
    EXPECT_EQ(action_of["refused-head"], "list");  // a HEAD is its route's GET
}

TEST(HttpAuditGaps, EveryStoredDecisionHasItsAuditEntry) {
    TestServer s;
    auto c = s.client();
    for (int i = 0; i < 5; ++i) store(c, request_for("C-AUDITED"));
    EXPECT_EQ(count_rows(s.options.db,
                         "SELECT count(*) FROM decisions d WHERE NOT EXISTS (SELECT 1 FROM audit a WHERE "
                         "a.decision_id = d.id AND a.action = 'write' AND a.status = 201)"),
              0);
    EXPECT_EQ(count_rows(s.options.db, "SELECT count(*) FROM audit WHERE action = 'write'"), 5);
}

// --- CSV -----------------------------------------------------------------------------------

TEST(HttpCsv, ListsAndReportsAnswerCsvWhenAsked) {
    TestServer s;
    auto c = s.client();
    const auto a = store(c, request_for("C-CSV-1"));
    store(c, request_for("C-CSV-2"));
    auto r = c.Get("/v1/decisions?format=csv&limit=1", bearer(kClientToken));
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/csv; charset=utf-8");
    // The columns are docs/csv.md's.
    const auto docs = read_file(fs::path(JOINTLY_SOURCE_DIR) / "docs/csv.md");
    const auto header = r->body.substr(0, r->body.find("\r\n"));
    EXPECT_EQ(header.rfind("decision_id,", 0), 0u) << header;
    EXPECT_NE(docs.find("\n" + header + "\n"), std::string::npos) << header;
    // One decision (the newest) in long form: a row per agency, each with its case reference.
    EXPECT_NE(r->body.find(",C-CSV-2,"), std::string::npos);
    EXPECT_EQ(r->body.find(",C-CSV-1,"), std::string::npos);
    const auto link = r->get_header_value("Link");
    ASSERT_NE(link.find("rel=\"next\""), std::string::npos) << link;
    const auto next = link.substr(1, link.find('>') - 1);
    auto second = c.Get(next.c_str(), bearer(kClientToken));
    ASSERT_EQ(second->status, 200);
    EXPECT_NE(second->body.find(a), std::string::npos);
    EXPECT_FALSE(second->has_header("Link"));
    // The Accept header asks for it too; JSON stays the default.
    auto accept = c.Get("/v1/decisions", httplib::Headers{{"Authorization", std::string("Bearer ") + kClientToken},
                                                          {"Accept", "text/csv"}});
    EXPECT_EQ(accept->get_header_value("Content-Type"), "text/csv; charset=utf-8");
    EXPECT_EQ(c.Get("/v1/decisions", bearer(kClientToken))->get_header_value("Content-Type"), "application/json");
    EXPECT_EQ(c.Get("/v1/decisions?format=xml", bearer(kClientToken))->status, 400);
    // The summary: funded money by agency, in long form.
    auto report = c.Get("/v1/reports/summary?format=csv", bearer(kClientToken));
    ASSERT_EQ(report->status, 200);
    const auto report_header = report->body.substr(0, report->body.find("\r\n"));
    EXPECT_NE(docs.find("\n" + report_header + "\n"), std::string::npos) << report_header;
    const auto json_report = body_of(c.Get("/v1/reports/summary", bearer(kClientToken)));
    std::size_t found = 0;
    for (const auto& [agency, amount] : json_report["funded"]["by_agency"].items()) {
        // The first row of the agency in the funded section is its total.
        const auto row = report->body.find(",funded,");
        const auto at = report->body.find("," + agency + "," + amount.get<std::string>() + "\r\n", row);
        if (row != std::string::npos && at != std::string::npos) ++found;
    }
    EXPECT_EQ(found, json_report["funded"]["by_agency"].size()) << report->body;
}

}  // namespace
}  // namespace jointly::testing
