// Runs every example in docs/api.md, in order, against a live in-process server (the
// reference policy, open evaluation, the fixture's tokens), so the API reference cannot drift
// from the API; and checks that every code block in it is an example or says why it is not.
//
// The markers, each a whole line directly above the block it claims:
//   <!-- example: METHOD PATH [token=ROLE] -->  a request; the block under it (```json, or
//       ```text for text/plain) is the body. A ```text block whose first line is
//       `METHOD PATH` shows the request as sent instead: that line must be the marker's
//       request, and nothing is sent as the body.
//   <!-- response: STATUS [shape: KEY, KEY] -->  the status; the ```json block under it must be
//       contained in the response: every field shown present with that value, arrays compared
//       from their start, "…" standing for any value, and a KEY listed after `shape:` (at any
//       depth) matched by its JSON type only (ids, times, names that differ between runs). A
//       block that is not ```json is compared line by line with the body's first lines
//       (CRLF read as LF), `…` standing for any text within a line.
//   <!-- not run: REASON -->  a block that is not an example (a shape, a transcript).
// `{decision_id}` in a path or a response is the id the last `POST /v1/decisions` got, and
// `{decision_id:REF}` the id of the decision stored with case_ref REF; in a request shown as
// sent either may stand as a real-looking id. ROLE is any role of the test server's tokens
// file (http_fixture.hpp).
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "http_fixture.hpp"

namespace jointly::testing {
namespace {

using nlohmann::json;

struct Example {
    int line = 0;
    std::string method;
    std::string path;
    std::string role;
    std::string body;
    std::string content_type = "application/json";
    int status = 0;
    std::set<std::string> shape;  // keys compared by JSON type only
    bool json_expected = true;
    std::string expected;         // empty: the status alone is checked
};

struct Doc {
    std::vector<Example> examples;
    std::vector<std::string> problems;  // "docs/api.md:LINE: ..."
    int not_run = 0;
};

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out.push_back(line);
    }
    return out;
}

// Regex text matching `literal` exactly.
std::string escaped(const std::string& literal) {
    std::string out;
    for (const char c : literal) {
        if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos) out += '\\';
        out += c;
    }
    return out;
}

// The request line an example shows: its own, a `{decision_id…}` in it standing for any id.
std::regex shown_request(const std::string& request_line) {
    const std::regex placeholder(R"(\{decision_id(?::[^}]*)?\})");
    std::string pattern;
    auto from = request_line.cbegin();
    for (std::sregex_iterator it(request_line.begin(), request_line.end(), placeholder), end; it != end; ++it) {
        pattern += escaped(std::string(from, (*it)[0].first)) + "[^&/?#\\s]+";
        from = (*it)[0].second;
    }
    return std::regex(pattern + escaped(std::string(from, request_line.cend())));
}

Doc parse_doc(const std::string& text) {
    Doc doc;
    const std::regex example_re(R"(<!-- example: ([A-Z]+) (\S+)(?: token=([a-z_]+))? -->)");
    const std::regex response_re(R"(<!-- response: (\d{3})(?: shape: ([a-z_0-9]+(?:, [a-z_0-9]+)*))? -->)");
    const std::regex not_run_re(R"(<!-- not run: (\S.*\S) -->)");
    enum class Claim { None, Request, Response, NotRun };
    Claim claim = Claim::None;
    const auto lines = lines_of(text);
    auto problem = [&](std::size_t i, const std::string& what) {
        doc.problems.push_back("docs/api.md:" + std::to_string(i + 1) + ": " + what);
    };
    auto unanswered = [&](std::size_t i) {
        if (doc.examples.empty() || doc.examples.back().status != 0) return;
        problem(i, "the example at line " + std::to_string(doc.examples.back().line) +
                       " has no `<!-- response: STATUS -->`");
        doc.examples.back().status = -1;  // reported once
    };
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        std::smatch m;
        if (line.rfind("```", 0) == 0) {
            const std::string lang = trim(line.substr(3));
            std::string block;
            std::size_t j = i + 1;
            for (; j < lines.size() && lines[j] != "```"; ++j) block += lines[j] + "\n";
            if (j == lines.size()) problem(i, "a code block that is never closed");
            Example* e = doc.examples.empty() ? nullptr : &doc.examples.back();
            if (claim == Claim::Request) {
                const auto first = block.substr(0, block.find('\n'));
                if (lang == "text" && first.rfind(e->method + " ", 0) == 0) {
                    if (!std::regex_match(first, shown_request(e->method + " " + e->path)))
                        problem(i, "the request shown (`" + first + "`) is not the example's (`" + e->method + " " +
                                       e->path + "`)");
                } else if (lang == "json" || lang == "text") {
                    e->body = block;
                    e->content_type = lang == "json" ? "application/json" : "text/plain";
                } else {
                    problem(i, "a request body block must be ```json or ```text");
                }
            } else if (claim == Claim::Response) {
                e->expected = block;
                e->json_expected = lang == "json";
            } else if (claim == Claim::NotRun) {
                ++doc.not_run;
            } else {
                problem(i, "a code block that is neither an example's request or response nor marked "
                           "`<!-- not run: REASON -->`");
            }
            claim = Claim::None;
            i = j;
            continue;
        }
        claim = Claim::None;
        if (line.rfind("<!-- example", 0) == 0) {
            unanswered(i);
            if (!std::regex_match(line, m, example_re)) {
                problem(i, "not an example marker: `<!-- example: METHOD PATH [token=ROLE] -->`");
                continue;
            }
            Example e;
            e.line = static_cast<int>(i + 1);
            e.method = m[1];
            e.path = m[2];
            e.role = m[3];
            doc.examples.push_back(std::move(e));
            claim = Claim::Request;
        } else if (line.rfind("<!-- response", 0) == 0) {
            if (!std::regex_match(line, m, response_re)) {
                problem(i, "not a response marker: `<!-- response: STATUS [shape: KEY, KEY] -->`");
            } else if (doc.examples.empty() || doc.examples.back().status != 0) {
                problem(i, "a response marker with no `<!-- example: -->` before it");
            } else {
                Example& e = doc.examples.back();
                e.status = std::stoi(m[1]);
                std::istringstream keys(m[2].str());
                for (std::string key; std::getline(keys, key, ',');) e.shape.insert(trim(key));
                claim = Claim::Response;
            }
        } else if (line.rfind("<!-- not run", 0) == 0) {
            if (std::regex_match(line, m, not_run_re)) claim = Claim::NotRun;
            else problem(i, "not a marker: `<!-- not run: REASON -->` (the reason is required)");
        }
    }
    unanswered(lines.size());
    return doc;
}

// The ids of the decisions the examples stored: the last, and by case_ref.
struct Stored {
    std::string last = "none-yet";
    std::map<std::string, std::string> by_case_ref;
};

// `text` with `{decision_id}` and `{decision_id:REF}` replaced; a REF not stored yet is a problem.
std::string resolve(const std::string& text, const Stored& stored, std::vector<std::string>& problems) {
    const std::regex placeholder(R"(\{decision_id(?::([^}]*))?\})");
    std::string out;
    auto from = text.cbegin();
    for (std::sregex_iterator it(text.begin(), text.end(), placeholder), end; it != end; ++it) {
        out.append(from, (*it)[0].first);
        if (!(*it)[1].matched) {
            out += stored.last;
        } else if (auto found = stored.by_case_ref.find((*it)[1]); found != stored.by_case_ref.end()) {
            out += found->second;
        } else {
            problems.push_back("no example before this one stored a decision with case_ref `" + (*it)[1].str() + "`");
        }
        from = (*it)[0].second;
    }
    return out.append(from, text.cend());
}

bool same_type(const json& a, const json& b) { return a.is_number() ? b.is_number() : a.type() == b.type(); }

// Every field of `expected` is in `actual` with the same value (see the header).
void contains(const json& expected, const json& actual, const std::set<std::string>& shape, const std::string& at,
              std::vector<std::string>& diffs) {
    if (expected.is_string() && expected.get<std::string>() == "…") return;
    if (expected.is_object()) {
        if (!actual.is_object()) {
            diffs.push_back(at + ": expected an object, got " + actual.dump());
            return;
        }
        for (const auto& [k, v] : expected.items()) {
            if (!actual.contains(k)) {
                diffs.push_back(at + "/" + k + ": missing");
            } else if (shape.count(k)) {
                if (!same_type(v, actual[k]))
                    diffs.push_back(at + "/" + k + ": expected a " + v.type_name() + ", got " + actual[k].dump());
            } else {
                contains(v, actual[k], shape, at + "/" + k, diffs);
            }
        }
    } else if (expected.is_array()) {
        if (!actual.is_array() || actual.size() < expected.size()) {
            diffs.push_back(at + ": expected at least " + std::to_string(expected.size()) + " items, got " + actual.dump());
            return;
        }
        for (std::size_t i = 0; i < expected.size(); ++i)
            contains(expected[i], actual[i], shape, at + "/" + std::to_string(i), diffs);
    } else if (expected != actual) {
        diffs.push_back(at + ": expected " + expected.dump() + ", got " + actual.dump());
    }
}

// A documented line with `…` standing for any text within the line.
bool line_matches(const std::string& documented, const std::string& actual) {
    std::string pattern;
    const std::string ellipsis = "…";
    std::size_t from = 0;
    for (auto at = documented.find(ellipsis);; at = documented.find(ellipsis, from)) {
        pattern += escaped(documented.substr(from, at == std::string::npos ? std::string::npos : at - from));
        if (at == std::string::npos) break;
        pattern += ".*";
        from = at + ellipsis.size();
    }
    return std::regex_match(actual, std::regex(pattern));
}

void text_contains(const std::string& expected, const std::string& actual, std::vector<std::string>& diffs) {
    const auto want = lines_of(expected);
    const auto got = lines_of(actual);
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (i >= got.size()) diffs.push_back("line " + std::to_string(i + 1) + ": missing, expected `" + want[i] + "`");
        else if (!line_matches(want[i], got[i]))
            diffs.push_back("line " + std::to_string(i + 1) + ": expected `" + want[i] + "`, got `" + got[i] + "`");
    }
}

// The test server's tokens by role, from its tokens file (`TOKEN ROLE [NAME]`).
std::map<std::string, std::string> tokens_by_role(const fs::path& file) {
    std::map<std::string, std::string> out;
    for (const auto& line : lines_of(read_file(file))) {
        std::istringstream words(line);
        std::string token;
        std::string role;
        if (line.empty() || line[0] == '#' || !(words >> token >> role)) continue;
        out.emplace(role, token);
    }
    return out;
}

const std::string kApiDoc = std::string(JOINTLY_SOURCE_DIR) + "/docs/api.md";

TEST(DocsExamples, EveryCodeBlockIsAnExampleOrSaysWhyNot) {
    const auto doc = parse_doc(read_file(kApiDoc));
    for (const auto& p : doc.problems) ADD_FAILURE() << p;
    EXPECT_GE(doc.examples.size(), 15U) << "docs/api.md should hold the examples";
}

TEST(DocsExamples, TheMarkersAreReadAsDocumented) {
    const auto doc = parse_doc(
        "<!-- example: GET /v1/x?d={decision_id:C-1}&a=1 token=auditor -->\n"
        "```text\nGET /v1/x?d=d-dc43f04018b8e5b3&a=1\nAuthorization: Bearer T\n```\n"
        "<!-- response: 200 shape: id, at -->\n```json\n{\"id\": 1}\n```\n"
        "<!-- not run: a shape -->\n```json\n{}\n```\n"
        "<!-- example: POST /v1/y -->\n```text\npolicy p\n```\n<!-- response: 201 -->\n```text\na,…\n```\n"
        "\n```json\n{}\n```\n"
        "<!-- example: GET /v1/z -->\n```text\nGET /v1/other\n```\n"
        "<!-- example: PUT -->\n<!-- not run: -->\n");
    ASSERT_EQ(doc.examples.size(), 3U);
    EXPECT_EQ(doc.examples[0].role, "auditor");
    EXPECT_EQ(doc.examples[0].body, "");  // the request as shown, not a body
    EXPECT_EQ(doc.examples[0].shape, (std::set<std::string>{"id", "at"}));
    EXPECT_EQ(doc.examples[1].content_type, "text/plain");
    EXPECT_FALSE(doc.examples[1].json_expected);
    EXPECT_EQ(doc.not_run, 1);
    ASSERT_EQ(doc.problems.size(), 5U);
    EXPECT_NE(doc.problems[0].find("neither an example's request or response"), std::string::npos) << doc.problems[0];
    EXPECT_NE(doc.problems[1].find("is not the example's"), std::string::npos) << doc.problems[1];
    EXPECT_NE(doc.problems[2].find("has no `<!-- response"), std::string::npos) << doc.problems[2];
    EXPECT_NE(doc.problems[3].find("not an example marker"), std::string::npos) << doc.problems[3];
    EXPECT_NE(doc.problems[4].find("the reason is required"), std::string::npos) << doc.problems[4];
    EXPECT_EQ(doc.examples[0].path, "/v1/x?d={decision_id:C-1}&a=1");
    std::vector<std::string> problems;
    const Stored stored{"d-2", {{"C-1", "d-1"}}};
    EXPECT_EQ(resolve("/{decision_id}/{decision_id:C-1}", stored, problems), "/d-2/d-1");
    EXPECT_TRUE(problems.empty());
    resolve("{decision_id:C-9}", stored, problems);
    EXPECT_EQ(problems.size(), 1U);
    EXPECT_TRUE(line_matches("d-…,2026-…Z,C-1,x (y)", "d-0a1b,2026-12-02T14:08:02Z,C-1,x (y)"));
    EXPECT_FALSE(line_matches("d-…,C-1", "d-0a1b,C-2"));
}

TEST(DocsExamples, EveryApiExampleRunsAsShown) {
    const auto doc = parse_doc(read_file(kApiDoc));
    ASSERT_TRUE(doc.problems.empty()) << doc.problems.front();
    TestServer s;
    auto c = s.client();
    const auto tokens = tokens_by_role(s.dir / "tokens");
    Stored stored;
    for (const auto& e : doc.examples) {
        SCOPED_TRACE("docs/api.md:" + std::to_string(e.line) + " " + e.method + " " + e.path);
        std::string token;
        if (!e.role.empty()) {
            const auto it = tokens.find(e.role);
            if (it == tokens.end()) {
                ADD_FAILURE() << "the test server has no token with the role `" << e.role << "`";
                continue;
            }
            token = it->second;
        }
        std::vector<std::string> problems;
        httplib::Request request;
        request.method = e.method;
        request.path = resolve(e.path, stored, problems);
        if (!problems.empty()) {
            ADD_FAILURE() << problems.front();
            continue;
        }
        request.headers = bearer(token);
        if (!e.body.empty()) {
            request.body = e.body;
            request.set_header("Content-Type", e.content_type);
        }
        auto r = c.send(request);
        ASSERT_TRUE(r) << httplib::to_string(r.error());
        EXPECT_EQ(r->status, e.status) << r->body.substr(0, 2000);
        const auto actual = json::parse(r->body, nullptr, false);
        if (e.method == "POST" && e.path == "/v1/decisions" && actual.is_object() && actual.contains("decision_id")) {
            stored.last = actual["decision_id"];
            if (actual.contains("case_ref") && actual["case_ref"].is_string())
                stored.by_case_ref[actual["case_ref"]] = stored.last;
        }
        if (e.expected.empty()) continue;
        const auto expected_text = resolve(e.expected, stored, problems);
        for (const auto& p : problems) ADD_FAILURE() << p;
        std::vector<std::string> diffs;
        if (e.json_expected) {
            const auto expected = json::parse(expected_text, nullptr, false);
            ASSERT_FALSE(expected.is_discarded()) << "the documented response is not JSON:\n" << e.expected;
            if (actual.is_discarded()) diffs.push_back("the response is not JSON");
            else contains(expected, actual, e.shape, "", diffs);
        } else {
            text_contains(expected_text, r->body, diffs);
        }
        for (const auto& d : diffs) ADD_FAILURE() << d << "\nactual: " << r->body.substr(0, 2000);
    }
}

}  // namespace
}  // namespace jointly::testing
