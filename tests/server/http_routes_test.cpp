// Every route of `jointly serve`: who may call it and which methods it takes. The route x role
// table of docs/operations.md ("Tokens and roles") is read and checked against the server
// (every route with no token and with a token of each role: 401, 403, or let through) and
// against the OpenAPI document's `security` and `x-roles`, so none of the three can drift from
// the others; and `Allow` lists HEAD wherever GET is taken, as cpp-httplib answers it there.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "http_fixture.hpp"

namespace jointly::testing {
namespace {

using nlohmann::json;

// A row of the table: the route ("POST /v1/decisions"), whether a request without a token is
// let through ("yes", "no", or "with `--open-evaluation`"), and the roles let through.
struct Row {
    std::string method;
    std::string path;  // the template, as the OpenAPI document writes it
    std::string no_token;
    std::set<std::string> roles;
    int line = 0;
};

const char* const kRoleNames[] = {"client", "panel", "author", "auditor", "admin"};
constexpr const char* kOpenEvaluation = "with `--open-evaluation`";

std::vector<std::string> cells_of(const std::string& line) {
    std::vector<std::string> cells;
    std::string cell;
    for (std::size_t i = 1; i < line.size(); ++i) {
        if (line[i] != '|') {
            cell += line[i];
            continue;
        }
        const auto b = cell.find_first_not_of(' ');
        cells.push_back(b == std::string::npos ? "" : cell.substr(b, cell.find_last_not_of(' ') - b + 1));
        cell.clear();
    }
    return cells;
}

std::string unquoted(const std::string& cell) {
    return cell.size() >= 2 && cell.front() == '`' && cell.back() == '`' ? cell.substr(1, cell.size() - 2) : cell;
}

// The table under "## Tokens and roles"; a malformed row or cell is a test failure naming its
// line.
std::vector<Row> documented_matrix() {
    std::istringstream in(read_file(fs::path(JOINTLY_SOURCE_DIR) / "docs/operations.md"));
    std::string line;
    int number = 0;
    bool in_section = false;
    std::vector<std::string> header;
    std::vector<Row> rows;
    while (std::getline(in, line)) {
        ++number;
        if (line.rfind("## ", 0) == 0) {
            in_section = line == "## Tokens and roles";
            continue;
        }
        if (!in_section || line.rfind("| ", 0) != 0) continue;
        const auto cells = cells_of(line);
        if (cells.size() > 0 && cells[0] == "route") {
            header = cells;
            continue;
        }
        if (header.empty() || line.rfind("|---", 0) == 0) continue;
        const std::string where = "docs/operations.md:" + std::to_string(number) + ": ";
        if (cells.size() != header.size()) {
            ADD_FAILURE() << where << "the row has " << cells.size() << " cells, the header " << header.size();
            continue;
        }
        Row row;
        row.line = number;
        const auto route = unquoted(cells[0]);
        const auto space = route.find(' ');
        if (space == std::string::npos) {
            ADD_FAILURE() << where << "the route must be `METHOD PATH`, not `" << cells[0] << "`";
            continue;
        }
        row.method = route.substr(0, space);
        row.path = route.substr(space + 1);
        for (std::size_t i = 1; i < cells.size(); ++i) {
            if (header[i] == "no token") {
                if (cells[i] != "yes" && cells[i] != "no" && cells[i] != kOpenEvaluation)
                    ADD_FAILURE() << where << "`no token` must be yes, no or " << kOpenEvaluation << ", not `"
                                  << cells[i] << "`";
                row.no_token = cells[i];
                continue;
            }
            if (cells[i] != "yes" && cells[i] != "no")
                ADD_FAILURE() << where << header[i] << " must be yes or no, not `" << cells[i] << "`";
            if (cells[i] == "yes") row.roles.insert(unquoted(header[i]));
        }
        rows.push_back(row);
    }
    std::vector<std::string> expected_header{"route", "no token"};
    for (const char* role : kRoleNames) expected_header.push_back(std::string("`") + role + "`");
    EXPECT_EQ(header, expected_header) << "docs/operations.md, \"Tokens and roles\": the table's header";
    return rows;
}

// A path of the route to call: a stored decision's id for the decision routes, the reference
// policy, an ad-hoc pool.
std::string concrete(const std::string& path, const std::string& decision_id) {
    const std::string id = path.rfind("/v1/decisions/", 0) == 0 ? decision_id
                           : path.rfind("/v1/policies/", 0) == 0 ? std::string("reference")
                                                                 : std::string("adhoc");
    return std::regex_replace(path, std::regex("\\{id\\}"), id);
}

// Calls the route: a POST with the body `{}`, which every POST refuses after authorizing it
// (400), so nothing is stored.
httplib::Result call(httplib::Client& c, const std::string& method, const std::string& path,
                     const std::string& token) {
    if (method == "GET") return c.Get(path.c_str(), bearer(token));
    if (method == "HEAD") return c.Head(path.c_str(), bearer(token));
    return c.Post(path.c_str(), bearer(token), "{}", "application/json");
}

std::string stored_decision(httplib::Client& c) {
    auto r = c.Post("/v1/decisions", bearer(kClientToken), post_op_request().dump(), "application/json");
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
    return r ? body_of(r).value("decision_id", std::string()) : std::string();
}

const std::map<std::string, std::string>& tokens_by_role() {
    static const std::map<std::string, std::string> tokens{{"client", kClientToken},
                                                           {"panel", kPanelToken},
                                                           {"author", kAuthorToken},
                                                           {"auditor", kAuditorToken},
                                                           {"admin", kAdminToken}};
    return tokens;
}

TEST(HttpRoutes, EveryRoleIsLetThroughOrRefusedAsTheTableSays) {
    const auto rows = documented_matrix();
    ASSERT_FALSE(rows.empty()) << "docs/operations.md has no route x role table under \"Tokens and roles\"";
    TestServer s([](server::ServeOptions& o) { o.open_evaluation = false; });
    auto c = s.client();
    const auto id = stored_decision(c);
    for (const auto& row : rows) {
        const auto path = concrete(row.path, id);
        for (const auto& [role, token] : tokens_by_role()) {
            const std::string what = row.method + " " + path + " as " + role + " (docs/operations.md:" +
                                     std::to_string(row.line) + ")";
            auto r = call(c, row.method, path, token);
            ASSERT_TRUE(r) << what;
            EXPECT_NE(r->status, 401) << what << ": " << r->body;
            if (row.roles.count(role)) {
                EXPECT_NE(r->status, 403) << what << ": " << r->body;
                continue;
            }
            EXPECT_EQ(r->status, 403) << what << ": " << r->body;
            const auto error = body_of(r)["error"];
            EXPECT_EQ(error.value("code", ""), "forbidden") << what;
            // The message names the roles that may, and only those, then the token's.
            const std::string message = error.value("message", "");
            const auto has = message.find("; the token has `" + role + "`");
            ASSERT_NE(has, std::string::npos) << what << ": " << message;
            for (const char* other : kRoleNames)
                EXPECT_EQ(message.substr(0, has).find(std::string("`") + other + "`") != std::string::npos,
                          row.roles.count(other) > 0)
                    << what << ": " << message << " (for `" << other << "`)";
        }
    }
}

TEST(HttpRoutes, ARequestWithoutATokenIsLetThroughOrRefusedAsTheTableSays) {
    const auto rows = documented_matrix();
    for (const bool open_evaluation : {false, true}) {
        TestServer s([open_evaluation](server::ServeOptions& o) { o.open_evaluation = open_evaluation; });
        auto c = s.client();
        const auto id = stored_decision(c);
        for (const auto& row : rows) {
            const auto path = concrete(row.path, id);
            const bool let_through = row.no_token == "yes" || (row.no_token == kOpenEvaluation && open_evaluation);
            auto r = call(c, row.method, path, "");
            ASSERT_TRUE(r) << row.method << " " << path;
            EXPECT_EQ(r->status == 401, !let_through)
                << row.method << " " << path << (open_evaluation ? " with" : " without")
                << " --open-evaluation answered " << r->status << " (docs/operations.md:" << row.line
                << "): " << r->body;
            EXPECT_NE(r->status, 403) << row.method << " " << path;
        }
    }
}

TEST(HttpRoutes, TheOpenApiDocumentSaysWhatTheTableSays) {
    const auto rows = documented_matrix();
    TestServer s;
    auto c = s.client();
    const auto doc = body_of(c.Get("/v1/openapi.json"));
    std::set<std::string> documented;
    for (const auto& [path, methods] : doc["paths"].items())
        for (const auto& [method, op] : methods.items()) {
            std::string upper = method;
            for (auto& ch : upper) ch = static_cast<char>(ch - 'a' + 'A');
            documented.insert(upper + " " + path);
        }
    std::set<std::string> tabled;
    for (const auto& row : rows) {
        const std::string route = row.method + " " + row.path;
        EXPECT_TRUE(tabled.insert(route).second) << route << " is in the table twice";
        std::string method = row.method;
        for (auto& ch : method) ch = static_cast<char>(ch - 'A' + 'a');
        if (!documented.count(route)) continue;  // reported below, with the whole difference
        const auto& op = doc["paths"][row.path][method];
        bool anonymous = false;
        for (const auto& requirement : op["security"]) anonymous = anonymous || requirement.empty();
        EXPECT_EQ(anonymous, row.no_token == "yes") << route << ": security " << op["security"].dump();
        EXPECT_EQ(op.value("description", "").find("--open-evaluation") != std::string::npos,
                  row.no_token == kOpenEvaluation)
            << route << ": " << op.value("description", "");
        std::set<std::string> roles;
        if (op.contains("x-roles")) {
            for (const auto& role : op["x-roles"]) roles.insert(role.get<std::string>());
        } else {
            EXPECT_EQ(row.no_token, "yes") << route << ": a route that needs a token lists its roles";
            for (const char* role : kRoleNames) roles.insert(role);
        }
        EXPECT_EQ(roles, row.roles) << route << ": x-roles " << op.value("x-roles", json()).dump();
        EXPECT_EQ(op["responses"].contains("403"), row.roles.size() < 5 || row.method == "POST") << route;
    }
    EXPECT_EQ(tabled, documented) << "the table (docs/operations.md, \"Tokens and roles\") and the OpenAPI "
                                     "document must list the same routes";
}

// cpp-httplib answers HEAD with a path's GET handler; `Allow` (on OPTIONS and on a 405) says
// so wherever GET is taken, and not elsewhere.
TEST(HttpRoutes, AllowListsHeadWhereverGetIsTakenAndHeadIsAnsweredThere) {
    const auto rows = documented_matrix();
    TestServer s([](server::ServeOptions& o) { o.open_evaluation = false; });
    auto c = s.client();
    const auto id = stored_decision(c);
    std::map<std::string, std::set<std::string>> methods;  // path -> methods of the table
    std::map<std::string, std::string> token_for;           // path -> a token a GET of it takes
    std::vector<std::regex> get_templates;
    for (const auto& row : rows) {
        const auto path = concrete(row.path, id);
        methods[path].insert(row.method);
        if (row.method != "GET") continue;
        token_for[path] = row.roles.empty() ? "" : tokens_by_role().at(*row.roles.begin());
        get_templates.emplace_back(std::regex_replace(row.path, std::regex("\\{id\\}"), "[^/]+"));
    }
    for (const auto& [path, taken] : methods) {
        std::string allow;
        for (const auto& m : taken) allow += (allow.empty() ? "" : ", ") + m + (m == "GET" ? ", HEAD" : "");
        allow += ", OPTIONS";
        auto options = c.Options(path.c_str());
        ASSERT_TRUE(options) << path;
        EXPECT_EQ(options->status, 204) << path;
        EXPECT_EQ(options->get_header_value("Allow"), allow) << path;
        auto put = c.Put(path.c_str(), bearer(kClientToken), "{}", "application/json");
        ASSERT_TRUE(put) << path;
        EXPECT_EQ(put->status, 405) << path;
        EXPECT_EQ(put->get_header_value("Allow"), allow) << path;
        const auto token = taken.count("GET") ? token_for.at(path) : std::string(kClientToken);
        auto head = call(c, "HEAD", path, token);
        ASSERT_TRUE(head) << "HEAD " << path;
        EXPECT_TRUE(head->body.empty()) << "HEAD " << path;
        if (!taken.count("GET")) {
            // `/v1/policies/check` is also the path of a policy named `check`: a GET or HEAD of
            // it is that policy's (404 while there is none), not the check's 405.
            bool shadowed = false;
            for (const auto& get_template : get_templates) shadowed = shadowed || std::regex_match(path, get_template);
            if (shadowed) continue;
            EXPECT_EQ(head->status, 405) << "HEAD " << path;
            EXPECT_EQ(head->get_header_value("Allow"), allow) << "HEAD " << path;
            continue;
        }
        // As the GET is answered: the same status and content type, no body.
        auto get = call(c, "GET", path, token);
        ASSERT_TRUE(get) << "GET " << path;
        EXPECT_EQ(head->status, get->status) << "HEAD " << path;
        EXPECT_LT(head->status, 300) << "HEAD " << path;
        EXPECT_EQ(head->get_header_value("Content-Type"), get->get_header_value("Content-Type")) << "HEAD " << path;
    }
}

}  // namespace
}  // namespace jointly::testing
