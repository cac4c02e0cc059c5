// The TextMate grammar for editors (editors/jointly.tmLanguage.json) is valid JSON, declares
// the language's scope and file extension, and highlights every reserved word of the parser,
// so the two cannot drift apart.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "jointly/dsl/reserved.hpp"

namespace jointly::testing {
namespace {

using nlohmann::json;

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Every `match` pattern in the grammar, joined.
void collect_matches(const json& j, std::string& out) {
    if (j.is_object()) {
        for (const auto& [key, value] : j.items()) {
            if ((key == "match" || key == "begin") && value.is_string()) out += value.get<std::string>() + "\n";
            else collect_matches(value, out);
        }
    } else if (j.is_array()) {
        for (const auto& v : j) collect_matches(v, out);
    }
}

TEST(EditorGrammar, IsJsonAndHighlightsEveryReservedWord) {
    const std::string text = slurp(std::string(JOINTLY_SOURCE_DIR) + "/editors/jointly.tmLanguage.json");
    ASSERT_FALSE(text.empty());
    const json grammar = json::parse(text, nullptr, false);
    ASSERT_FALSE(grammar.is_discarded()) << "not JSON";
    EXPECT_EQ(grammar["scopeName"], "source.jointly");
    EXPECT_EQ(grammar["fileTypes"], json::array({"jf"}));
    std::string patterns;
    collect_matches(grammar["repository"], patterns);
    int words = 0;
    for (std::string_view k : dsl::kReservedWords) {
        ++words;
        const std::regex word("[|(:]" + std::string(k) + "[|)]");
        EXPECT_TRUE(std::regex_search(patterns, word)) << "`" << k << "` is reserved but not highlighted";
    }
    EXPECT_GT(words, 50);
    // every pattern compiles (ECMAScript is close enough to Oniguruma for these)
    std::istringstream lines(patterns);
    for (std::string line; std::getline(lines, line);) EXPECT_NO_THROW(std::regex(line, std::regex::ECMAScript)) << line;
}

TEST(EditorGrammar, TheVsCodePackageUsesTheGrammar) {
    const json package = json::parse(slurp(std::string(JOINTLY_SOURCE_DIR) + "/editors/vscode/package.json"));
    EXPECT_EQ(package["contributes"]["grammars"][0]["scopeName"], "source.jointly");
    EXPECT_EQ(package["contributes"]["languages"][0]["extensions"], json::array({".jf"}));
    const std::string path = package["contributes"]["grammars"][0]["path"];
    EXPECT_EQ(slurp(std::string(JOINTLY_SOURCE_DIR) + "/editors/vscode/" + path),
              slurp(std::string(JOINTLY_SOURCE_DIR) + "/editors/jointly.tmLanguage.json"));
}

}  // namespace
}  // namespace jointly::testing
