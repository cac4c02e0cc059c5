// docs/language.md stays true to the grammar: every ```jointly example parses (or fails with
// the code it says), the reserved words listed are exactly the parser's, every keyword is in
// the EBNF, and every syntax code the goldens use is in the table of syntax errors.
//
// Example blocks: ```jointly holds a complete policy (it starts with `policy`) or declarations,
// which the test puts under a minimal header; ```jointly fragment=expr holds one expression;
// ```jointly error=E1xxx must fail with that code.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "jointly/dsl/builtins.hpp"
#include "jointly/dsl/parse.hpp"
#include "jointly/dsl/reserved.hpp"

namespace fs = std::filesystem;
using namespace jointly::dsl;

namespace {

const fs::path kRoot(JOINTLY_SOURCE_DIR);

std::string read_file(fs::path const& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string doc() { return read_file(kRoot / "docs/language.md"); }

struct Block {
    std::string info;  // after the backticks
    std::string body;
    int line = 0;      // of the opening fence, 1-based
};

std::vector<Block> fenced_blocks(std::string const& text) {
    std::vector<Block> out;
    std::istringstream in(text);
    std::string line;
    int n = 0;
    Block* open = nullptr;
    while (std::getline(in, line)) {
        ++n;
        if (line.starts_with("```")) {
            if (open == nullptr) {
                out.push_back(Block{line.substr(3), "", n});
                open = &out.back();
            } else {
                open = nullptr;
            }
        } else if (open != nullptr) {
            open->body += line + "\n";
        }
    }
    return out;
}

std::vector<Block> jointly_blocks() {
    std::vector<Block> out;
    for (Block const& b : fenced_blocks(doc())) {
        if (b.info == "jointly" || b.info.starts_with("jointly ")) out.push_back(b);
    }
    return out;
}

bool starts_with_policy(std::string const& body) {
    std::istringstream in(body);
    std::string line;
    while (std::getline(in, line)) {
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#') continue;
        return line.compare(first, 7, "policy ") == 0;
    }
    return false;
}

const std::string kHeader =
    "policy doc_example \"Example\"\n  version \"1\"\n  effective from 2025-04-01\n\n";

class LanguageDocExamples : public ::testing::TestWithParam<Block> {};

TEST_P(LanguageDocExamples, Parse) {
    Block const& b = GetParam();
    std::string source;
    if (b.info.find("fragment=expr") != std::string::npos) {
        source = kHeader + "let example = " + b.body;
    } else if (starts_with_policy(b.body)) {
        source = b.body;
    } else {
        source = kHeader + b.body;
    }
    const ParseResult r = parse(source, "doc.jf");
    const auto error = b.info.find("error=");
    if (error != std::string::npos) {
        const std::string code = b.info.substr(error + 6, 5);
        ASSERT_FALSE(r.module) << "docs/language.md:" << b.line << " should fail with " << code;
        ASSERT_FALSE(r.diagnostics.empty());
        EXPECT_EQ(code_text(r.diagnostics[0].code), code) << r.diagnostics[0].message;
        return;
    }
    std::string errors;
    for (Diagnostic const& d : r.diagnostics) {
        errors += std::to_string(d.span.line) + ":" + std::to_string(d.span.column) + ": " +
                  std::string(code_text(d.code)) + " " + d.message + "\n";
    }
    EXPECT_TRUE(r.module) << "docs/language.md:" << b.line << " does not parse:\n"
                          << errors << source;
}

INSTANTIATE_TEST_SUITE_P(Doc, LanguageDocExamples, ::testing::ValuesIn(jointly_blocks()),
                         [](auto const& param_info) {
                             return "line_" + std::to_string(param_info.param.line);
                         });

TEST(LanguageDoc, HasExamplesOfEveryKind) {
    const auto blocks = jointly_blocks();
    EXPECT_GE(blocks.size(), 20U);
    int errors = 0;
    int expressions = 0;
    int policies = 0;
    for (Block const& b : blocks) {
        if (b.info.find("error=") != std::string::npos) ++errors;
        if (b.info.find("fragment=expr") != std::string::npos) ++expressions;
        if (starts_with_policy(b.body)) ++policies;
    }
    EXPECT_GE(errors, 1);
    EXPECT_GE(expressions, 1);
    EXPECT_GE(policies, 2);
}

TEST(LanguageDoc, ListsExactlyTheReservedWords) {
    const std::string text = doc();
    const auto begin = text.find("<!-- reserved-words -->");
    const auto end = text.find("<!-- /reserved-words -->");
    ASSERT_NE(begin, std::string::npos);
    ASSERT_NE(end, std::string::npos);
    const std::string section = text.substr(begin, end - begin);
    std::set<std::string> listed;
    const std::regex word("`([a-z_]+)`");
    for (auto it = std::sregex_iterator(section.begin(), section.end(), word);
         it != std::sregex_iterator(); ++it) {
        listed.insert((*it)[1].str());
    }
    std::set<std::string> reserved;
    for (std::string_view k : kReservedWords) {
        reserved.insert(std::string(k));
    }
    EXPECT_EQ(listed, reserved);
}

// The functions table lists every builtin that takes arguments, and the sentence on names
// the checker reserves names exactly the reserved builtins.
TEST(LanguageDoc, ListsTheBuiltins) {
    const std::string text = doc();
    const auto table = text.find("Functions (there are no others");
    const auto names = text.find("\nNames: ", table);
    ASSERT_NE(table, std::string::npos);
    ASSERT_NE(names, std::string::npos);
    const std::string functions = text.substr(table, names - table);
    for (Builtin const& b : kBuiltins) {
        if (b.form != BuiltinForm::Call && b.form != BuiltinForm::Phrase) continue;
        EXPECT_NE(functions.find("| `" + std::string(b.name) + "("), std::string::npos) << b.name;
    }
    const auto begin = text.find("The checker reserves a few more names");
    ASSERT_NE(begin, std::string::npos);
    const std::string sentence = text.substr(begin, text.find("E2013", begin) - begin);
    std::set<std::string> listed;
    const std::regex word("`([a-z_]+)`");
    for (auto it = std::sregex_iterator(sentence.begin(), sentence.end(), word); it != std::sregex_iterator(); ++it) {
        listed.insert((*it)[1].str());
    }
    std::set<std::string> reserved;
    for (Builtin const& b : kBuiltins) {
        if (b.reserved()) reserved.insert(std::string(b.name));
    }
    EXPECT_EQ(listed, reserved);
}

TEST(LanguageDoc, GrammarNamesEveryKeyword) {
    std::string ebnf;
    for (Block const& b : fenced_blocks(doc())) {
        if (b.info == "ebnf") ebnf += b.body;
    }
    ASSERT_FALSE(ebnf.empty());
    for (std::string_view k : kReservedWords) {
        EXPECT_NE(ebnf.find("\"" + std::string(k) + "\""), std::string::npos)
            << "`" << k << "` is reserved but not in the grammar";
    }
    // every quoted word in the grammar is a keyword or a documented contextual word
    const std::set<std::string> contextual = {
        "actual", "capped", "carried", "consultation", "contributions", "cost", "day", "days",
        "excess", "financial", "forward", "gives", "half_even", "half_up", "hour", "least", "line", "partners",
        "penny", "per", "proportion", "returned", "shared", "sharing", "unless", "week",
        "weeks", "with", "yearly", "total", "until", "through", "month", "months", "year",
        "years", "repeats",
        "service", "group", "weekly", "hourly", "one_off"};  // a service declaration
    const std::regex quoted("\"([a-z_]+)\"");
    for (auto it = std::sregex_iterator(ebnf.begin(), ebnf.end(), quoted);
         it != std::sregex_iterator(); ++it) {
        const std::string w = (*it)[1].str();
        if (w.size() == 1) continue;  // `"a" | … | "z"` in the definition of a letter
        EXPECT_TRUE(is_reserved_word(w) || contextual.count(w) == 1) << w;
        if (contextual.count(w) == 1) {
            EXPECT_FALSE(is_reserved_word(w)) << w;
            EXPECT_NE(doc().find("`" + w + "`"), std::string::npos) << w << " is not documented";
        }
    }
}

TEST(LanguageDoc, ListsEverySyntaxCodeTheParserGives) {
    const std::string text = doc();
    std::set<std::string> used;
    const std::regex code(R"(error\[(E1\d\d\d)\])");
    for (auto const& e : fs::directory_iterator(kRoot / "tests/golden/parse")) {
        if (e.path().extension() != ".diag") continue;
        const std::string diag = read_file(e.path());
        for (auto it = std::sregex_iterator(diag.begin(), diag.end(), code);
             it != std::sregex_iterator(); ++it) {
            used.insert((*it)[1].str());
        }
    }
    EXPECT_GE(used.size(), 14U);
    for (std::string const& c : used) {
        EXPECT_NE(text.find("| " + c + " |"), std::string::npos) << c << " is not in the table";
    }
}

}  // namespace
