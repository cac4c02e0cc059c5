// Runs every example in docs/api.md, in order, against a live server, so the API reference
// cannot drift from the API. An example is
//   <!-- example: METHOD PATH [token=ROLE] -->  then an optional ```json or ```text body,
//   <!-- response: STATUS -->                   then a ```json block the response must contain.
// "…" matches any value; {decision_id} is the id of the last stored decision.
#include <gtest/gtest.h>

#include <regex>
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
    std::string expected;
};

std::vector<Example> examples(const std::string& text) {
    std::vector<Example> out;
    std::istringstream in(text);
    std::string line;
    int number = 0;
    const std::regex example_re(R"(<!-- example: (\w+) (\S+)(?: token=(\w+))? -->)");
    const std::regex response_re(R"(<!-- response: (\d+) -->)");
    Example* current = nullptr;
    bool in_block = false;
    std::string* target = nullptr;
    while (std::getline(in, line)) {
        ++number;
        std::smatch m;
        if (in_block) {
            if (line == "```") {
                in_block = false;
                target = nullptr;
            } else if (target) {
                *target += line + "\n";
            }
            continue;
        }
        if (std::regex_search(line, m, example_re)) {
            out.push_back(Example{number, m[1], m[2], m[3], "", "application/json", 0, ""});
            current = &out.back();
        } else if (current && std::regex_search(line, m, response_re)) {
            current->status = std::stoi(m[1]);
        } else if (line.rfind("```", 0) == 0) {
            in_block = true;
            if (current && current->status == 0 && current->body.empty()) {
                target = &current->body;
                if (line == "```text") current->content_type = "text/plain";
            } else if (current && current->status != 0 && current->expected.empty()) {
                target = &current->expected;
            }
        }
    }
    return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
    return s;
}

// Every field of `expected` is in `actual` with the same value; arrays compare as prefixes.
void contains(const json& expected, const json& actual, const std::string& at, std::vector<std::string>& diffs) {
    if (expected.is_string() && expected.get<std::string>() == "…") return;
    if (expected.is_object()) {
        if (!actual.is_object()) {
            diffs.push_back(at + ": expected an object, got " + actual.dump());
            return;
        }
        for (const auto& [k, v] : expected.items()) {
            if (!actual.contains(k)) diffs.push_back(at + "/" + k + ": missing");
            else contains(v, actual[k], at + "/" + k, diffs);
        }
    } else if (expected.is_array()) {
        if (!actual.is_array() || actual.size() < expected.size()) {
            diffs.push_back(at + ": expected at least " + std::to_string(expected.size()) + " items, got " + actual.dump());
            return;
        }
        for (std::size_t i = 0; i < expected.size(); ++i) contains(expected[i], actual[i], at + "/" + std::to_string(i), diffs);
    } else if (expected != actual) {
        diffs.push_back(at + ": expected " + expected.dump() + ", got " + actual.dump());
    }
}

TEST(DocsExamples, EveryApiExampleRunsAsShown) {
    const auto doc = read_file(fs::path(JOINTLY_SOURCE_DIR) / "docs/api.md");
    const auto list = examples(doc);
    ASSERT_GE(list.size(), 15u) << "docs/api.md should hold the examples";
    TestServer s;
    auto c = s.client();
    std::string decision_id = "none-yet";
    for (const auto& e : list) {
        SCOPED_TRACE("docs/api.md:" + std::to_string(e.line) + " " + e.method + " " + e.path);
        ASSERT_NE(e.status, 0) << "no <!-- response: STATUS --> after the example";
        const auto path = replace_all(e.path, "{decision_id}", decision_id);
        const auto token = e.role == "author" ? kAuthorToken : e.role == "panel" ? kPanelToken
                                                         : e.role == "client"   ? kClientToken
                                                                                : "";
        auto r = e.method == "GET" ? c.Get(path.c_str(), bearer(token))
                                   : c.Post(path.c_str(), bearer(token), e.body, e.content_type.c_str());
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, e.status) << r->body;
        const auto actual = json::parse(r->body, nullptr, false);
        ASSERT_FALSE(actual.is_discarded()) << r->body;
        if (e.method == "POST" && e.path == "/v1/decisions" && actual.contains("decision_id"))
            decision_id = actual["decision_id"];
        if (e.expected.empty()) continue;
        const auto expected = json::parse(replace_all(e.expected, "{decision_id}", decision_id), nullptr, false);
        ASSERT_FALSE(expected.is_discarded()) << "the documented response is not JSON:\n" << e.expected;
        std::vector<std::string> diffs;
        contains(expected, actual, "", diffs);
        for (const auto& d : diffs) ADD_FAILURE() << d << "\nactual: " << r->body.substr(0, 2000);
    }
}

}  // namespace
}  // namespace jointly::testing
