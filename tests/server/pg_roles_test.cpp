// The PostgreSQL roles recipe of docs/operations.md ("Roles: what the service needs and no
// more"), run exactly as the page prints it against a throwaway cluster of its own (the recipe
// creates roles and the database `jointly`, which are the cluster's, not a schema's): its SQL
// blocks statement by statement, the owner's first start from its first `sh` block. Then
// `jointly serve` as the service role of its second `sh` block must serve every route that
// touches the store, and PostgreSQL must refuse that role what the page says it refuses.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "http_fixture.hpp"

namespace jointly::testing {
namespace {

constexpr const char* kSection = "### Roles: what the service needs and no more";

struct CodeBlock {
    int line = 0;  // of the opening fence, 1-based
    std::string lang;
    std::string text;
};

// The fenced blocks between the section's heading and the next heading of its level or above.
std::vector<CodeBlock> section_blocks(const std::string& page) {
    std::vector<CodeBlock> blocks;
    std::istringstream in(page);
    std::string line;
    int number = 0;
    bool inside = false;
    std::optional<CodeBlock> open;
    while (std::getline(in, line)) {
        ++number;
        if (open) {
            if (line == "```") {
                blocks.push_back(*open);
                open.reset();
            } else {
                open->text += line + "\n";
            }
            continue;
        }
        if (line == kSection) {
            inside = true;
            continue;
        }
        if (!inside) continue;
        if (line.rfind("## ", 0) == 0 || line.rfind("### ", 0) == 0) break;
        if (line.rfind("```", 0) == 0) open = CodeBlock{number, line.substr(3), ""};
    }
    return blocks;
}

// The statements of an SQL block: `--` comments dropped, split at `;` (the recipe has no
// string or body holding either).
std::vector<std::string> statements(const std::string& sql) {
    std::string code;
    std::istringstream in(sql);
    for (std::string line; std::getline(in, line);) code += line.substr(0, line.find("--")) + "\n";
    std::vector<std::string> out;
    std::istringstream parts(code);
    for (std::string part; std::getline(parts, part, ';');) {
        const auto b = part.find_first_not_of(" \n\t");
        if (b != std::string::npos) out.push_back(part.substr(b, part.find_last_not_of(" \n\t") - b + 1));
    }
    return out;
}

// A role and a database on the test cluster's socket folder.
std::string url_for(const std::string& socket_dir, const std::string& role, const std::string& database) {
    return "postgresql://" + role + "@/" + database + "?host=" + socket_dir;
}

// What one statement did: SQLSTATE "" when it succeeded.
struct Outcome {
    std::string sqlstate;
    std::string message;
};

Outcome run_sql(const std::string& url, const std::string& sql) {
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        Outcome o{"connect", PQerrorMessage(conn)};
        PQfinish(conn);
        return o;
    }
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    PGresult* result = PQexec(conn, sql.c_str());
    Outcome o;
    const auto status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
        o.sqlstate = state ? state : "?????";
        o.message = primary ? primary : "(no message)";
    }
    PQclear(result);
    PQfinish(conn);
    return o;
}

// The role and database of the `postgresql://ROLE@HOST/DB` URL in a `jointly serve` block.
struct Target {
    std::string role;
    std::string database;
};

std::optional<Target> serve_target(const std::string& command) {
    static const std::regex url(R"(jointly serve --db postgresql://([a-z_]+)@[^/\s]+/([a-z_]+)(\s|$))");
    std::smatch m;
    if (!std::regex_search(command, m, url)) return std::nullopt;
    return Target{m[1], m[2]};
}

// A throwaway cluster of tests/pg/cluster.sh in a folder of its own, stopped at the end.
class Cluster {
public:
    Cluster() : state_(make_temp_dir("jointly-pg-roles-")) {
        started_ = run("start") == 0;
        const auto url = read_file(state_ / "url");
        url_ = url.substr(0, url.find('\n'));
        const auto host = url_.find("?host=");
        if (host != std::string::npos) socket_dir_ = url_.substr(host + 6);
    }
    ~Cluster() {
        run("stop");
        std::error_code ec;
        fs::remove_all(state_, ec);
    }
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;

    bool started() const { return started_; }
    // Empty when PostgreSQL is not installed (cluster.sh then skips, unless CI is set).
    const std::string& socket_dir() const { return socket_dir_; }
    // The superuser the cluster was made with (cluster.sh's `jointly`), in database `db`.
    std::string superuser(const std::string& db) const { return url_for(socket_dir_, "jointly", db); }

private:
    int run(const std::string& command) const {
        const auto script = std::string(JOINTLY_SOURCE_DIR) + "/tests/pg/cluster.sh";
        return std::system((script + " " + command + " " + state_.string() + " >/dev/null").c_str());
    }
    fs::path state_;
    bool started_ = false;
    std::string url_;
    std::string socket_dir_;
};

// A folder with the reference policy and a tokens file with every role (http_fixture.hpp's).
fs::path service_folder() {
    const auto dir = make_temp_dir("jointly-pg-roles-serve-");
    fs::create_directories(dir / "policies");
    fs::copy_file(fs::path(JOINTLY_SOURCE_DIR) / "policies/reference/reference.jf", dir / "policies/reference.jf");
    write_file(dir / "tokens", std::string("# test tokens\n") + kAuthorToken + " author\n" + kPanelToken + " panel\n" +
                                   kClientToken + " client\n" + kAuditorToken + " auditor\n" + kAdminToken +
                                   " admin records-officer\n");
    return dir;
}

std::vector<std::string> serve_args(const fs::path& dir, const std::string& db) {
    return {"serve",    "--policies", (dir / "policies").string(), "--db", db, "--port", "0", "--tokens",
            (dir / "tokens").string(), "--quiet"};
}

const std::string kUploaded = transport_policy("roles_test", "Uploaded by the service role");

// One statement and what PostgreSQL must answer: "42501" insufficient_privilege (permission
// denied, must be owner), "23001" restrict_violation (the append-only triggers).
struct Refusal {
    const char* who;  // "service" or "owner"
    const char* sql;
    const char* sqlstate;
};

const Refusal kRefusals[] = {
    {.who = "service", .sql = "DELETE FROM decisions", .sqlstate = "42501"},
    {.who = "service", .sql = "TRUNCATE decisions", .sqlstate = "42501"},
    {.who = "service", .sql = "UPDATE decisions SET total = '0.00'", .sqlstate = "42501"},
    {.who = "service", .sql = "UPDATE decisions SET outcome = 'approve', total = '0.00'", .sqlstate = "42501"},
    {.who = "service", .sql = "UPDATE decisions SET case_ref = 'changed'", .sqlstate = "23001"},
    {.who = "service",
     .sql = "UPDATE decisions SET case_ref = '', request = '' WHERE id NOT IN (SELECT decision_id FROM erasures)",
     .sqlstate = "23001"},
    {.who = "service", .sql = "UPDATE panel_records SET supersedes = ''", .sqlstate = "42501"},
    {.who = "service", .sql = "UPDATE panel_records SET record = '{}'", .sqlstate = "23001"},
    {.who = "service", .sql = "DELETE FROM panel_records", .sqlstate = "42501"},
    {.who = "service", .sql = "DELETE FROM audit", .sqlstate = "42501"},
    {.who = "service", .sql = "UPDATE audit SET detail = ''", .sqlstate = "42501"},
    {.who = "service", .sql = "TRUNCATE audit", .sqlstate = "42501"},
    {.who = "service", .sql = "DELETE FROM erasures", .sqlstate = "42501"},
    {.who = "service", .sql = "DELETE FROM idempotency", .sqlstate = "42501"},
    {.who = "service", .sql = "TRUNCATE changes", .sqlstate = "42501"},
    {.who = "service", .sql = "DELETE FROM policies", .sqlstate = "42501"},
    {.who = "service", .sql = "INSERT INTO jointly_schema VALUES (99, 'x', 'x')", .sqlstate = "42501"},
    {.who = "service", .sql = "DELETE FROM jointly_schema", .sqlstate = "42501"},
    {.who = "service", .sql = "DROP TABLE decisions", .sqlstate = "42501"},
    {.who = "service", .sql = "ALTER TABLE decisions DISABLE TRIGGER decisions_no_delete", .sqlstate = "42501"},
    {.who = "service", .sql = "ALTER TABLE audit ADD COLUMN x INT", .sqlstate = "42501"},
    {.who = "service", .sql = "DROP TRIGGER audit_no_change ON audit", .sqlstate = "42501"},
    {.who = "service", .sql = "CREATE TABLE shadow (x INT)", .sqlstate = "42501"},
    {.who = "service",
     .sql = "CREATE OR REPLACE FUNCTION jointly_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; "
            "END $$",
     .sqlstate = "42501"},
    {.who = "service", .sql = "CREATE SCHEMA shadow", .sqlstate = "42501"},
    {.who = "service", .sql = "CREATE ROLE shadow", .sqlstate = "42501"},
    {.who = "service", .sql = "CREATE DATABASE shadow", .sqlstate = "42501"},
    // The triggers hold for the owner too.
    {.who = "owner", .sql = "DELETE FROM decisions", .sqlstate = "23001"},
    {.who = "owner", .sql = "UPDATE decisions SET total = '0.00'", .sqlstate = "23001"},
    {.who = "owner", .sql = "TRUNCATE panel_records", .sqlstate = "23001"},
    {.who = "owner", .sql = "TRUNCATE decisions, panel_records, erasures", .sqlstate = "23001"},
    {.who = "owner", .sql = "DELETE FROM audit", .sqlstate = "23001"},
};

TEST(PgRoles, TheRecipeInOperationsMdServesEverythingAsTheServiceRoleAndRefusesTheRest) {
    const Cluster cluster;
    ASSERT_TRUE(cluster.started()) << "tests/pg/cluster.sh start failed";
    if (cluster.socket_dir().empty()) {
        if (std::getenv("CI")) FAIL() << "CI is set but a PostgreSQL cluster could not start";
        GTEST_SKIP() << "no PostgreSQL (install postgresql; see tests/pg/cluster.sh)";
    }

    const auto page = read_file(fs::path(JOINTLY_SOURCE_DIR) / "docs/operations.md");
    const auto blocks = section_blocks(page);
    std::string kinds;
    for (const auto& b : blocks) kinds += b.lang + " ";
    // The recipe's steps, in order: SQL as a superuser, the owner's first start, SQL as the
    // owner in the new database, the service's start.
    ASSERT_EQ(kinds, "sql sh sql sh ") << "docs/operations.md, \"" << kSection
                                       << "\": the test expects these code blocks";
    const auto owner = serve_target(blocks[1].text);
    const auto service = serve_target(blocks[3].text);
    ASSERT_TRUE(owner) << "docs/operations.md:" << blocks[1].line
                       << ": no `jointly serve --db postgresql://ROLE@HOST/DB`";
    ASSERT_TRUE(service) << "docs/operations.md:" << blocks[3].line
                         << ": no `jointly serve --db postgresql://ROLE@HOST/DB`";
    ASSERT_EQ(owner->database, service->database);
    ASSERT_NE(owner->role, service->role);
    const auto owner_url = url_for(cluster.socket_dir(), owner->role, owner->database);
    const auto service_url = url_for(cluster.socket_dir(), service->role, service->database);

    // cluster.sh made a database `jointly` for the other tests; the recipe makes its own.
    ASSERT_EQ(run_sql(cluster.superuser("postgres"), "DROP DATABASE IF EXISTS " + owner->database).message, "");
    // Step 1, as the superuser.
    for (const auto& sql : statements(blocks[0].text)) {
        const auto o = run_sql(cluster.superuser("postgres"), sql);
        ASSERT_EQ(o.sqlstate, "") << "docs/operations.md:" << blocks[0].line << ": `" << sql << "`: " << o.message;
    }
    const auto dir = service_folder();

    // Before the owner has created the schema, the service cannot.
    {
        Child early(serve_args(dir, service_url));
        EXPECT_EQ(early.port(), -1) << "the service role started on a database with no schema";
        const auto status = early.wait();
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
        EXPECT_NE(early.rest_of_err().find("permission denied for schema public"), std::string::npos);
    }
    // Step 2: one start as the owner, stopped once it listens.
    {
        Child first(serve_args(dir, owner_url));
        ASSERT_GT(first.port(), 0) << first.rest_of_err();
        first.signal(SIGTERM);
        const auto status = first.wait();
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    }
    // Step 3, as the owner in the new database.
    for (const auto& sql : statements(blocks[2].text)) {
        const auto o = run_sql(owner_url, sql);
        ASSERT_EQ(o.sqlstate, "") << "docs/operations.md:" << blocks[2].line << ": `" << sql << "`: " << o.message;
    }

    // Step 4: every route that reads or writes the store, as the service.
    std::string decision_id;
    {
        Child server(serve_args(dir, service_url));
        const int port = server.port();
        ASSERT_GT(port, 0) << server.rest_of_err();
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(30, 0);

        auto health = c.Get("/healthz");
        ASSERT_TRUE(health);
        EXPECT_EQ(health->status, 200) << health->body;

        auto keyed = bearer(kClientToken);
        keyed.emplace("Idempotency-Key", "roles-test-1");
        auto created = c.Post("/v1/decisions", keyed, post_op_request().dump(), "application/json");
        ASSERT_TRUE(created);
        ASSERT_EQ(created->status, 201) << created->body;
        decision_id = body_of(created)["decision_id"].get<std::string>();
        auto replayed = c.Post("/v1/decisions", keyed, post_op_request().dump(), "application/json");
        ASSERT_TRUE(replayed);
        EXPECT_EQ(replayed->status, 201) << replayed->body;
        EXPECT_EQ(body_of(replayed)["decision_id"], decision_id) << "the idempotency key was not honoured";

        const auto record_path = "/v1/decisions/" + decision_id + "/panel";
        const auto record =
            R"({"outcome": "deferred", "date": "2025-06-20", "members": ["Chair"], "notes": "more evidence"})";
        auto first = c.Post(record_path, bearer(kPanelToken), record, "application/json");
        ASSERT_TRUE(first);
        ASSERT_EQ(first->status, 201) << first->body;
        auto second = c.Post(record_path, bearer(kPanelToken),
                             R"({"outcome": "approved", "date": "2025-06-27", "members": ["Chair"]})",
                             "application/json");
        ASSERT_TRUE(second);
        ASSERT_EQ(second->status, 201) << second->body;
        EXPECT_EQ(body_of(second)["supersedes"], body_of(first)["panel_record_id"]);

        auto got = c.Get("/v1/decisions/" + decision_id, bearer(kClientToken));
        ASSERT_TRUE(got);
        EXPECT_EQ(got->status, 200) << got->body;
        EXPECT_EQ(body_of(got)["panel_records"].size(), 2u) << got->body;
        EXPECT_EQ(body_of(got)["panel"]["record"]["outcome"], "approved") << got->body;

        auto uploaded = c.Post("/v1/policies", bearer(kAuthorToken), kUploaded, "text/plain");
        ASSERT_TRUE(uploaded);
        EXPECT_EQ(uploaded->status, 201) << uploaded->body;
        auto served = c.Get("/v1/policies/roles_test", bearer(kClientToken));
        ASSERT_TRUE(served);
        EXPECT_EQ(served->status, 200) << served->body;

        auto summary = c.Get("/v1/reports/summary", bearer(kClientToken));
        ASSERT_TRUE(summary);
        EXPECT_EQ(summary->status, 200) << summary->body;
        EXPECT_EQ(body_of(summary)["funded"]["decisions"], 1) << summary->body;

        for (const auto& [path, token] : {std::pair{"/v1/decisions", kClientToken},
                                          std::pair{"/v1/changes", kClientToken},
                                          std::pair{"/v1/audit", kAuditorToken}}) {
            auto listed = c.Get(path, bearer(token));
            ASSERT_TRUE(listed) << path;
            EXPECT_EQ(listed->status, 200) << path << ": " << listed->body;
        }

        // Erasure and rectification, the only UPDATEs, on the columns granted: of two other
        // decisions, each with a panel record (the first decision stays as it is, for the
        // refusals below).
        std::vector<std::string> others;
        for (int i = 0; i < 2; ++i) {
            auto stored = c.Post("/v1/decisions", bearer(kClientToken), post_op_request().dump(), "application/json");
            ASSERT_TRUE(stored);
            ASSERT_EQ(stored->status, 201) << stored->body;
            others.push_back(body_of(stored)["decision_id"].get<std::string>());
            auto noted = c.Post("/v1/decisions/" + others.back() + "/panel", bearer(kPanelToken), record,
                                "application/json");
            ASSERT_TRUE(noted);
            ASSERT_EQ(noted->status, 201) << noted->body;
        }
        auto erased = c.Post("/v1/decisions/" + others[0] + "/erasure", bearer(kAdminToken),
                             R"({"reason": "UK GDPR art. 17 request T-1"})", "application/json");
        ASSERT_TRUE(erased);
        EXPECT_EQ(erased->status, 200) << erased->body;
        auto after = c.Get("/v1/decisions/" + others[0], bearer(kClientToken));
        ASSERT_TRUE(after);
        EXPECT_TRUE(body_of(after)["request"].is_null()) << after->body;
        EXPECT_EQ(body_of(after)["panel"]["record"]["notes"], "") << after->body;
        nlohmann::json correction = {{"reason", "the surgery date was wrong"}, {"request", post_op_request()}};
        correction["request"]["events"]["surgery"] = "2025-06-12";
        auto rectified = c.Post("/v1/decisions/" + others[1] + "/rectification", bearer(kAdminToken),
                                correction.dump(), "application/json");
        ASSERT_TRUE(rectified);
        EXPECT_EQ(rectified->status, 201) << rectified->body;
        EXPECT_EQ(body_of(rectified)["supersedes"], others[1]) << rectified->body;

        server.signal(SIGTERM);
        const auto status = server.wait();
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    }

    // What the page says PostgreSQL refuses.
    for (const auto& r : kRefusals) {
        const auto& url = std::string(r.who) == "owner" ? owner_url : service_url;
        const auto o = run_sql(url, r.sql);
        EXPECT_EQ(o.sqlstate, r.sqlstate) << "as " << r.who << ": `" << r.sql << "`: "
                                          << (o.sqlstate.empty() ? "succeeded" : o.message);
    }
    // A table a later jointly adds (the owner migrating): the default privileges let the
    // service read and append to it, and nothing more.
    ASSERT_EQ(run_sql(owner_url, "CREATE TABLE later_table (x INT)").message, "");
    EXPECT_EQ(run_sql(service_url, "INSERT INTO later_table VALUES (1)").message, "");
    EXPECT_EQ(run_sql(service_url, "SELECT x FROM later_table").message, "");
    EXPECT_EQ(run_sql(service_url, "DELETE FROM later_table").sqlstate, "42501");

    std::error_code ec;
    fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace jointly::testing
