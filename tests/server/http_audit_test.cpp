// The audit trail over real loopback HTTP: who read or wrote a child's record, readable only
// by the `auditor` role, append-only in the store, kept across a restart, and no read
// answered when its entry cannot be stored.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "http_fixture.hpp"

namespace jointly::testing {
namespace {

using nlohmann::json;

constexpr const char* kReader = "reader-token-0123456789";
constexpr const char* kWriter = "writer-token-0123456789";
constexpr const char* kChair = "chair-token-0123456789";
constexpr const char* kAuditor = "inspector-token-0123456789";

// Named tokens: reader and writer (client), chair (panel), inspector (auditor).
void named_tokens(server::ServeOptions& o) {
    write_file(*o.tokens, std::string(kReader) + " client reader\n" + kWriter + " client writer\n" + kChair +
                              " panel chair\n" + kAuditor + " auditor inspector\n");
}

httplib::Headers as(const std::string& token, const std::string& request_id) {
    auto headers = bearer(token);
    headers.emplace("X-Request-Id", request_id);
    return headers;
}

json trail(httplib::Client& c, const std::string& query = "") {
    auto r = c.Get(("/v1/audit" + query).c_str(), bearer(kAuditor));
    if (!r || r->status != 200) {
        ADD_FAILURE() << "GET /v1/audit" << query << ": " << (r ? r->body : "no answer");
        return json::array();
    }
    return body_of(r)["entries"];
}

// The entries that are not reads of the trail itself.
std::vector<json> records_only(const json& entries) {
    std::vector<json> out;
    for (const auto& e : entries)
        if (e["route"] != "/v1/audit") out.push_back(e);
    return out;
}

std::string store_decision(httplib::Client& c, const std::string& token) {
    auto r = c.Post("/v1/decisions", as(token, "store-1"), post_op_request().dump(), "application/json");
    EXPECT_EQ(r->status, 201) << r->body;
    return body_of(r)["decision_id"];
}

TEST(HttpAudit, ReadsAndWritesLeaveEntriesNamingWhoDidItAndWhichRecord) {
    TestServer s(named_tokens);
    auto c = s.client();
    const auto id = store_decision(c, kWriter);
    const auto read_path = "/v1/decisions/" + id;
    ASSERT_EQ(c.Get(read_path.c_str(), as(kReader, "read-1"))->status, 200);
    ASSERT_EQ(c.Get("/v1/decisions/d-0000000000000000", as(kReader, "read-2"))->status, 404);
    ASSERT_EQ(c.Get("/v1/decisions?case_ref=C-1042", as(kReader, "list-1"))->status, 200);
    json record = {{"outcome", "deferred"}, {"date", "2025-06-20"}, {"members", {"Chair"}}};
    auto panel = c.Post((read_path + "/panel").c_str(), as(kChair, "panel-1"), record.dump(), "application/json");
    ASSERT_EQ(panel->status, 201) << panel->body;
    ASSERT_EQ(c.Get("/v1/reports/summary?policy=reference", as(kReader, "report-1"))->status, 200);
    ASSERT_EQ(c.Post("/v1/evaluate", as(kReader, "eval-1"), post_op_request().dump(), "application/json")->status, 200);

    const auto entries = records_only(trail(c));
    ASSERT_EQ(entries.size(), 6u) << json(entries).dump(2);
    struct Expected {
        const char* principal;
        const char* request_id;
        const char* action;
        const char* route;
        json decision_id;
        int status;
        json detail;
    };
    const std::vector<Expected> expected{
        {"writer", "store-1", "write", "/v1/decisions", id, 201, nullptr},
        {"reader", "read-1", "read", "/v1/decisions/{id}", id, 200, nullptr},
        {"reader", "read-2", "read", "/v1/decisions/{id}", "d-0000000000000000", 404, nullptr},
        {"reader", "list-1", "list", "/v1/decisions", nullptr, 200, "case_ref=C-1042"},
        {"chair", "panel-1", "write", "/v1/decisions/{id}/panel", id, 201, nullptr},
        {"reader", "report-1", "report", "/v1/reports/summary", nullptr, 200, "policy=reference"},
    };
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& e = entries[i];
        SCOPED_TRACE(e.dump());
        EXPECT_EQ(e["principal"], expected[i].principal);
        EXPECT_EQ(e["client_request_id"], expected[i].request_id);  // the caller's; request_id is the server's
        EXPECT_EQ(e["request_id"].get<std::string>().size(), 32u);
        EXPECT_EQ(e["action"], expected[i].action);
        EXPECT_EQ(e["route"], expected[i].route);
        EXPECT_EQ(e["decision_id"], expected[i].decision_id);
        EXPECT_EQ(e["status"], expected[i].status);
        EXPECT_EQ(e["detail"], expected[i].detail);
        EXPECT_EQ(e["client"], "127.0.0.1");
        EXPECT_EQ(e["at"].get<std::string>().size(), 24u);  // 2025-06-01T12:00:00.000Z
        if (i > 0) {
            EXPECT_GT(e["id"], entries[i - 1]["id"]);  // oldest first
        }
    }
    EXPECT_EQ(entries[4]["panel_record_id"], body_of(panel)["panel_record_id"]);
    EXPECT_TRUE(entries[1]["panel_record_id"].is_null());
    // No entry holds a token.
    const auto text = json(entries).dump();
    for (const char* token : {kReader, kWriter, kChair, kAuditor}) EXPECT_EQ(text.find(token), std::string::npos);
}

TEST(HttpAudit, ReadingTheTrailIsItselfAudited) {
    TestServer s(named_tokens);
    auto c = s.client();
    ASSERT_EQ(c.Get("/v1/audit?principal=nobody", as(kAuditor, "audit-1"))->status, 200);
    ASSERT_EQ(c.Get("/v1/audit?bogus=1", as(kAuditor, "audit-2"))->status, 400);
    const auto entries = trail(c);  // this read is stored after its answer is made
    ASSERT_EQ(entries.size(), 2u) << entries.dump(2);
    EXPECT_EQ(entries[0]["principal"], "inspector");
    EXPECT_EQ(entries[0]["action"], "read");
    EXPECT_EQ(entries[0]["route"], "/v1/audit");
    EXPECT_EQ(entries[0]["detail"], "principal=nobody");
    EXPECT_EQ(entries[0]["client_request_id"], "audit-1");
    EXPECT_EQ(entries[1]["status"], 400);
    EXPECT_EQ(trail(c).size(), 3u);
}

// A caller's X-Request-Id is kept as theirs (client_request_id) and echoed; the trail's
// request_id is the server's own, so two requests sending the same id, or another request's
// id, stay two entries an auditor can tell apart.
TEST(HttpAudit, ACallersRequestIdNeverBecomesTheTrailsRequestId) {
    TestServer s(named_tokens);
    auto c = s.client();
    const auto id = store_decision(c, kWriter);
    const auto path = "/v1/decisions/" + id;
    auto first = c.Get(path.c_str(), as(kReader, "same-id"));
    auto second = c.Get(path.c_str(), as(kWriter, "same-id"));
    ASSERT_EQ(first->status, 200);
    ASSERT_EQ(second->status, 200);
    EXPECT_EQ(first->get_header_value("X-Request-Id"), "same-id");
    const auto own_first = first->get_header_value("X-Jointly-Request-Id");
    const auto own_second = second->get_header_value("X-Jointly-Request-Id");
    EXPECT_EQ(own_first.size(), 32u);
    EXPECT_NE(own_first, own_second);
    // Impersonating the first request's own id gets it only as the caller's.
    auto third = c.Get(path.c_str(), as(kReader, own_first));
    ASSERT_EQ(third->status, 200);

    const auto entries = records_only(trail(c));
    ASSERT_EQ(entries.size(), 4u) << json(entries).dump(2);
    std::set<std::string> own;
    for (const auto& e : entries) own.insert(e["request_id"].get<std::string>());
    EXPECT_EQ(own.size(), 4u);
    EXPECT_EQ(entries[1]["request_id"], own_first);
    EXPECT_EQ(entries[1]["client_request_id"], "same-id");
    EXPECT_EQ(entries[2]["request_id"], own_second);
    EXPECT_EQ(entries[2]["client_request_id"], "same-id");
    EXPECT_EQ(entries[3]["request_id"], third->get_header_value("X-Jointly-Request-Id"));
    EXPECT_EQ(entries[3]["client_request_id"], own_first);
    // Each entry shows its link of the hash chain.
    for (const auto& e : entries) EXPECT_EQ(e["hash"].get<std::string>().size(), 64u) << e.dump();
    auto none = c.Get(path.c_str(), bearer(kReader));
    ASSERT_EQ(none->status, 200);
    EXPECT_EQ(none->get_header_value("X-Request-Id"), none->get_header_value("X-Jointly-Request-Id"));
    EXPECT_TRUE(records_only(trail(c)).back()["client_request_id"].is_null());
}

TEST(HttpAudit, OnlyTheAuditorRoleReadsTheTrail) {
    TestServer s;
    auto c = s.client();
    auto none = c.Get("/v1/audit");
    EXPECT_EQ(none->status, 401);
    EXPECT_EQ(body_of(none)["error"]["code"], "unauthorized");
    for (const char* token : {kClientToken, kPanelToken, kAuthorToken}) {
        auto r = c.Get("/v1/audit", bearer(token));
        EXPECT_EQ(r->status, 403) << token;
        EXPECT_EQ(body_of(r)["error"]["code"], "forbidden") << token;
    }
    auto auditor = c.Get("/v1/audit", bearer(kAuditorToken));
    ASSERT_EQ(auditor->status, 200) << auditor->body;
    EXPECT_TRUE(body_of(auditor)["entries"].is_array());
    EXPECT_TRUE(body_of(auditor)["next"].is_null());
}

// A refusal nobody known asked for (401) is logged and counted, never stored: anyone could
// otherwise grow the trail, which is kept for good. A known principal's refusal (403) is
// stored, with the query a successful call would record, and no caller text in an entry is
// longer than its bound.
// An id cut to its bound is cut between characters, never inside one: 'x' then 40 two-byte
// `é` is 81 bytes; byte 64 would split the 32nd `é`, so 63 bytes are kept.
TEST(HttpAudit, AnIdIsCutBetweenCharacters) {
    TestServer s(named_tokens);
    auto c = s.client();
    std::string encoded = "/v1/decisions/x";
    for (int i = 0; i < 40; ++i) encoded += "%C3%A9";
    EXPECT_EQ(c.Get(encoded.c_str(), bearer(kReader))->status, 404);
    const auto entries = trail(c, "?principal=reader");
    ASSERT_FALSE(entries.empty());
    std::string kept = "x";
    for (int i = 0; i < 31; ++i) kept += "\u00e9";
    EXPECT_EQ(entries.back()["decision_id"], kept + "\u2026(truncated)") << entries.dump(2);
}

TEST(HttpAudit, UnauthenticatedRefusalsAreCountedNotStoredAndCallerTextIsBounded) {
    TestServer s(named_tokens);
    auto c = s.client();
    const std::string long_id(4000, 'x');
    const auto long_path = "/v1/decisions/" + long_id;
    EXPECT_EQ(c.Get(long_path.c_str())->status, 401);
    EXPECT_EQ(c.Get(long_path.c_str(), bearer("not-a-known-token-0123456789"))->status, 401);
    EXPECT_EQ(c.Get("/v1/audit?principal=someone")->status, 401);
    EXPECT_EQ(c.Post((long_path + "/panel").c_str(), "{}", "application/json")->status, 401);

    EXPECT_EQ(c.Get("/v1/audit?principal=someone", bearer(kReader))->status, 403);
    EXPECT_EQ(c.Post((long_path + "/panel").c_str(), bearer(kReader), "{}", "application/json")->status, 403);
    EXPECT_EQ(c.Get(long_path.c_str(), bearer(kReader))->status, 404);
    const std::string long_ref(1000, 'C');
    EXPECT_EQ(c.Get(("/v1/decisions?case_ref=" + long_ref).c_str(), bearer(kReader))->status, 200);

    const auto entries = records_only(trail(c));
    const auto all = trail(c, "?principal=reader");
    ASSERT_EQ(all.size(), 4u) << all.dump(2);
    for (const auto& e : trail(c)) EXPECT_NE(e["principal"], "anonymous") << e.dump();
    EXPECT_EQ(all[0]["route"], "/v1/audit");
    EXPECT_EQ(all[0]["status"], 403);
    EXPECT_EQ(all[0]["detail"], "principal=someone");
    const std::string cut_id = std::string(64, 'x') + "\u2026(truncated)";
    EXPECT_EQ(all[1]["status"], 403);
    EXPECT_EQ(all[1]["decision_id"], cut_id);
    EXPECT_EQ(all[2]["status"], 404);
    EXPECT_EQ(all[2]["decision_id"], cut_id);
    EXPECT_EQ(all[3]["detail"], "case_ref=" + std::string(256 - 9, 'C') + "\u2026(truncated)");
    EXPECT_EQ(entries.size(), 3u);
    // Bytes that are not UTF-8 (and NUL) in a path are stored as U+FFFD: PostgreSQL's text
    // takes neither, and the read must still be audited, not fail.
    EXPECT_EQ(c.Get("/v1/decisions/d-%FF%00x", bearer(kReader))->status, 404);
    const auto odd = trail(c, "?principal=reader");
    ASSERT_EQ(odd.size(), 5u);
    EXPECT_EQ(odd[4]["decision_id"], "d-\xEF\xBF\xBD\xEF\xBF\xBDx");

    auto metrics = c.Get("/metrics");
    ASSERT_EQ(metrics->status, 200);
    EXPECT_NE(metrics->body.find("\njointly_audit_unauthenticated_refusals_total 4\n"), std::string::npos)
        << metrics->body;
}

TEST(HttpAudit, FiltersAndPages) {
    TestServer s(named_tokens);
    auto c = s.client();
    const auto first = store_decision(c, kWriter);
    const auto second = store_decision(c, kWriter);
    for (int i = 0; i < 3; ++i) ASSERT_EQ(c.Get(("/v1/decisions/" + first).c_str(), bearer(kReader))->status, 200);
    ASSERT_EQ(c.Get(("/v1/decisions/" + second).c_str(), bearer(kReader))->status, 200);

    EXPECT_EQ(trail(c, "?decision=" + first).size(), 4u);
    EXPECT_EQ(trail(c, "?decision=" + second).size(), 2u);
    EXPECT_EQ(trail(c, "?principal=writer").size(), 2u);
    EXPECT_EQ(trail(c, "?principal=reader&decision=" + second).size(), 1u);
    const std::string today = trail(c, "?limit=1")[0]["at"].get<std::string>().substr(0, 10);
    EXPECT_EQ(records_only(trail(c, "?from=" + today + "&to=" + today)).size(), 6u);
    EXPECT_TRUE(trail(c, "?from=1999-01-01&to=1999-12-31").empty());

    // Pages of two, each continuing after the last: the six record entries, in order.
    std::vector<json> paged;
    std::string after;
    for (int page = 0; page < 10; ++page) {
        auto r = c.Get(("/v1/audit?principal=reader&limit=2" + after).c_str(), bearer(kAuditor));
        ASSERT_EQ(r->status, 200) << r->body;
        const auto j = body_of(r);
        for (const auto& e : j["entries"]) paged.push_back(e);
        if (j["next"].is_null()) break;
        EXPECT_EQ(j["entries"].size(), 2u);
        after = "&after=" + j["next"].get<std::string>();
    }
    ASSERT_EQ(paged.size(), 4u);
    for (std::size_t i = 1; i < paged.size(); ++i) EXPECT_GT(paged[i]["id"], paged[i - 1]["id"]);
    const auto exact = body_of(c.Get("/v1/audit?principal=writer&limit=2", bearer(kAuditor)));
    EXPECT_EQ(exact["entries"].size(), 2u);
    EXPECT_TRUE(exact["next"].is_null());  // exactly a page: nothing more
}

TEST(HttpAudit, UnknownOrMalformedParametersAreNamed) {
    TestServer s;
    auto c = s.client();
    struct Case {
        const char* query;
        const char* path;
    };
    for (const auto& [query, path] : std::vector<Case>{{"?decison=d-1", "?decison"},
                                                       {"?case_ref=C-1", "?case_ref"},
                                                       {"?from=2025-02-30", "?from"},
                                                       {"?to=yesterday", "?to"},
                                                       {"?limit=0", "?limit"},
                                                       {"?limit=1001", "?limit"},
                                                       {"?after=-1", "?after"},
                                                       {"?after=x", "?after"}}) {
        auto r = c.Get((std::string("/v1/audit") + query).c_str(), bearer(kAuditorToken));
        ASSERT_EQ(r->status, 400) << query << ": " << r->body;
        const auto j = body_of(r);
        EXPECT_EQ(j["error"]["code"], "invalid_request") << query;
        EXPECT_EQ(j["error"]["details"][0]["path"], path) << query << ": " << r->body;
    }
    auto two = body_of(c.Get("/v1/audit?one=1&two=2", bearer(kAuditorToken)));
    ASSERT_EQ(two["error"]["details"].size(), 2u) << two.dump();
    EXPECT_NE(two["error"]["message"].get<std::string>().find("`one`"), std::string::npos);
}

TEST(HttpAudit, TheStoreRefusesToChangeOrRemoveEntries) {
    TestServer s(named_tokens);
    auto c = s.client();
    const auto id = store_decision(c, kWriter);
    ASSERT_EQ(c.Get(("/v1/decisions/" + id).c_str(), bearer(kReader))->status, 200);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(s.options.db.c_str(), &db), SQLITE_OK);
    for (const char* sql : {"UPDATE audit SET principal = 'someone else' WHERE principal = 'reader'",
                            "DELETE FROM audit WHERE principal = 'reader'", "DELETE FROM audit"}) {
        char* error = nullptr;
        EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_CONSTRAINT) << sql;
        EXPECT_NE(std::string(error ? error : "").find("append-only"), std::string::npos) << sql;
        sqlite3_free(error);
    }
    sqlite3_close(db);
    const auto entries = trail(c, "?principal=reader");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0]["decision_id"], id);
}

// Triggers dropped while the server was stopped are put back at start, with a warn line.
TEST(HttpAudit, AuditTriggersDroppedWhileStoppedAreWarnedAboutAtStart) {
    const auto dir = make_temp_dir("jointly-audit-");
    const auto db = dir / "decisions.db";
    server::Store::connect(db.string()).reset();
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
    auto lines = std::make_shared<std::vector<std::string>>();
    auto mutex = std::make_shared<std::mutex>();
    {
        TestServer s([&](server::ServeOptions& o) {
            o.db = db;
            o.log = [lines, mutex](const std::string& line) {
                std::lock_guard lock(*mutex);
                lines->push_back(line);
            };
        });
    }
    std::lock_guard lock(*mutex);
    ASSERT_FALSE(lines->empty());
    const auto first = json::parse(lines->front());
    EXPECT_EQ(first["level"], "warn");
    EXPECT_NE(first["message"].get<std::string>().find("lost its append-only triggers (audit_no_update, "
                                                       "audit_no_delete)"),
              std::string::npos)
        << lines->front();
    std::error_code ec;
    fs::remove_all(dir, ec);
}

// The server walks the audit hash chain at start, beside serving: an entry changed while the
// triggers were gone is named in an error line, and the metric says the chain is broken.
TEST(HttpAudit, ABrokenHashChainIsSaidAtStart) {
    const auto dir = make_temp_dir("jointly-audit-");
    const auto db = dir / "decisions.db";
    {
        auto store = server::Store::connect(db.string());
        for (const char* who : {"first", "second", "third"}) {
            server::AuditEntry e;
            e.principal = who;
            e.client = "127.0.0.1";
            e.request_id = who;
            e.action = "list";
            e.route = "/v1/decisions";
            e.status = 200;
            store->add_audit(e);
        }
    }
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "DROP TRIGGER audit_no_update; UPDATE audit SET principal = 'someone' WHERE id = 2",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
    auto lines = std::make_shared<std::vector<std::string>>();
    auto mutex = std::make_shared<std::mutex>();
    auto said = std::make_shared<std::condition_variable>();
    {
        TestServer s([&](server::ServeOptions& o) {
            o.db = db;
            o.log = [lines, mutex, said](const std::string& line) {
                std::lock_guard lock(*mutex);
                lines->push_back(line);
                said->notify_all();
            };
        });
        std::string broken;
        {
            std::unique_lock lock(*mutex);
            said->wait_for(lock, std::chrono::seconds(30), [&] {
                for (const auto& line : *lines)
                    if (line.find("does not match the hash chain") != std::string::npos) broken = line;
                return !broken.empty();
            });
        }
        ASSERT_FALSE(broken.empty()) << "no line said the chain is broken";
        const auto parsed = json::parse(broken);
        EXPECT_EQ(parsed["level"], "error");
        EXPECT_TRUE(parsed.contains("ts")) << broken;  // as every line of the server's
        EXPECT_NE(parsed["message"].get<std::string>().find("the decision store `" + db.string() +
                                                            "`: audit entry 2 does not match"),
                  std::string::npos)
            << broken;
        const auto metrics = s.client().Get("/metrics")->body;
        EXPECT_NE(metrics.find("\njointly_audit_chain_broken 1\n"), std::string::npos) << metrics;
        EXPECT_NE(metrics.find("\njointly_audit_chain_check_state 2\n"), std::string::npos) << metrics;
        EXPECT_NE(metrics.find("\njointly_audit_chain_entries_verified 1\n"), std::string::npos) << metrics;
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
}

TEST(HttpAudit, TheTrailSurvivesARestart) {
    const auto dir = make_temp_dir("jointly-audit-");
    const auto db = dir / "decisions.db";
    std::string id;
    {
        TestServer s([&](server::ServeOptions& o) {
            named_tokens(o);
            o.db = db;
        });
        auto c = s.client();
        id = store_decision(c, kWriter);
        ASSERT_EQ(c.Get(("/v1/decisions/" + id).c_str(), bearer(kReader))->status, 200);
    }
    {
        TestServer s([&](server::ServeOptions& o) {
            named_tokens(o);
            o.db = db;
        });
        auto c = s.client();
        const auto entries = trail(c, "?decision=" + id);
        ASSERT_EQ(entries.size(), 2u) << entries.dump(2);
        EXPECT_EQ(entries[0]["principal"], "writer");
        EXPECT_EQ(entries[1]["principal"], "reader");
        EXPECT_EQ(entries[1]["action"], "read");
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
}

// When the entry cannot be stored, nothing is answered but 503: no unaudited read.
TEST(HttpAudit, AReadWhoseEntryCannotBeStoredFailsWith503) {
    TestServer s(named_tokens);
    auto c = s.client();
    const auto id = store_decision(c, kWriter);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(s.options.db.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TRIGGER audit_broken BEFORE INSERT ON audit "
                           "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    for (const std::string& path : {"/v1/decisions/" + id, std::string("/v1/decisions?case_ref=C-1042"),
                                   std::string("/v1/decisions/d-0000000000000000")}) {
        auto r = c.Get(path.c_str(), bearer(kReader));
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 503) << path << ": " << r->body;
        EXPECT_EQ(body_of(r)["error"]["code"], "store_unavailable") << path;
        EXPECT_EQ(r->body.find("C-1042"), std::string::npos) << path << ": " << r->body;
    }
    auto write = c.Post("/v1/decisions", bearer(kWriter), post_op_request().dump(), "application/json");
    EXPECT_EQ(write->status, 503) << write->body;
    EXPECT_FALSE(write->has_header("Location"));
    EXPECT_EQ(c.Get("/v1/audit", bearer(kAuditor))->status, 503);
}

}  // namespace
}  // namespace jointly::testing
