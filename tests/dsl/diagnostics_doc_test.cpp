// docs/diagnostics.md is complete and its examples are true:
// - every `## CODE` section's ```jointly example, parsed then checked, produces CODE (or,
//   where the section says `<!-- expect: E1xxx -->`, the parser's code that stops the
//   mistake first);
// - every parser and semantic-pass code in the one code table (jointly/dsl/codes.hpp) has a
//   section headed by its code and the table's title, and every section is such a code.
// Only the sections before `<!-- runtime codes -->` are the parser's and the checker's.
// A section may set the checker's limits (dsl::Limits) for its example with
// `<!-- limit: NAME N -->`: `per_code`, `total`, `overlap_steps`, or `time_limit_ms` (the
// example is then checked as if that time had already passed).
// A section whose example must hold bytes that are not UTF-8 (which Markdown cannot) writes
// each as a stand-in character and says so with `<!-- byte: CHAR 0xHH -->`: every CHAR in the
// example is that byte when it is parsed.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "jointly/dsl/codes.hpp"
#include "jointly/dsl/check.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/dsl/parse.hpp"

namespace jointly::dsl {
namespace {

// What the semantic pass finds in a module (the program it builds is not needed here).
Diagnostics check(const Module& module, const Limits& limits = {}) {
    return engine::check(module, {}, limits).diagnostics;
}

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

struct File {
    std::string name;
    std::string text;
};

struct Section {
    std::string code;
    std::string expect;  // the code the example must produce
    std::vector<File> files;
    bool untestable = false;  // `<!-- untestable -->`: no policy text can produce it
    std::map<std::string, long> limits;  // `<!-- limit: NAME N -->`
    std::vector<std::pair<std::string, char>> bytes;  // `<!-- byte: CHAR 0xHH -->`
    std::string title;  // the heading after the code: the table's title
};

// The example's text with each stand-in replaced by its byte.
std::string with_bytes(std::string text, const std::vector<std::pair<std::string, char>>& bytes) {
    for (const auto& [stand_in, byte] : bytes) {
        for (std::size_t at = text.find(stand_in); at != std::string::npos; at = text.find(stand_in, at + 1))
            text.replace(at, stand_in.size(), 1, byte);
    }
    return text;
}

Limits limits_of(const Section& s) {
    Limits limits;
    for (const auto& [name, value] : s.limits) {
        const auto n = static_cast<std::size_t>(value);
        if (name == "per_code") {
            limits.per_code = n;
        } else if (name == "total") {
            limits.total = n;
        } else if (name == "overlap_steps") {
            limits.overlap_steps = n;
        } else if (name == "time_limit_ms") {
            limits.time_limit = std::chrono::milliseconds(value);
            limits.since = std::chrono::steady_clock::now() - limits.time_limit - std::chrono::seconds(1);
        } else {
            ADD_FAILURE() << s.code << ": unknown limit `" << name << "`";
        }
    }
    return limits;
}

void PrintTo(const Section& s, std::ostream* os) { *os << s.code; }

// Codes no policy text can produce (an internal failure, memory running out). Kept short
// and explicit so that `untestable` cannot hide a missing example.
const std::set<std::string> kUntestable = {"E1000", "E2291"};

// Splits an example into files at `# file: NAME` lines (one unnamed file when none).
std::vector<File> split_files(const std::string& code, const std::string& example) {
    static const std::regex marker(R"(^# file: (\S+)$)");
    std::vector<File> files;
    std::istringstream lines(example);
    std::string line;
    while (std::getline(lines, line)) {
        std::smatch m;
        if (std::regex_match(line, m, marker)) {
            files.push_back({m[1].str(), ""});
            continue;
        }
        if (files.empty()) files.push_back({code + ".jf", ""});
        files.back().text += line + "\n";
    }
    return files;
}

std::vector<Section> sections() {
    const std::string doc = read(fs::path(JOINTLY_SOURCE_DIR) / "docs" / "diagnostics.md");
    static const std::regex heading(R"(^## ([EW]\d{4}) (.*)$)");
    static const std::regex expect(R"(<!-- expect: ([EW]\d{4}) -->)");
    static const std::regex limit(R"(<!-- limit: ([a-z_]+) (\d+) -->)");
    static const std::regex byte(R"(<!-- byte: (\S+) 0x([0-9a-f]{2}) -->)");
    std::vector<Section> out;
    std::istringstream lines(doc);
    std::string line;
    bool in_example = false;
    bool have_example = false;
    std::string example;
    while (std::getline(lines, line)) {
        std::smatch m;
        // The engine's and the server's codes follow (tests/engine/diagnostics_runtime_doc_test.cpp).
        if (!in_example && line == "<!-- runtime codes -->") break;
        if (!in_example && std::regex_search(line, m, heading)) {
            out.push_back({m[1].str(), m[1].str(), {}, false, {}, {}, m[2].str()});
            have_example = false;
            continue;
        }
        if (out.empty()) continue;
        if (!in_example && line == "<!-- untestable -->") {
            out.back().untestable = true;
        } else if (!in_example && std::regex_search(line, m, limit)) {
            out.back().limits[m[1].str()] = std::stol(m[2].str());
        } else if (!in_example && std::regex_search(line, m, byte)) {
            out.back().bytes.emplace_back(m[1].str(), static_cast<char>(std::stoi(m[2].str(), nullptr, 16)));
        } else if (!in_example && std::regex_search(line, m, expect)) {
            out.back().expect = m[1].str();
        } else if (!in_example && line == "```jointly" && !have_example) {
            in_example = true;
            example.clear();
        } else if (in_example && line == "```") {
            in_example = false;
            have_example = true;
            out.back().files = split_files(out.back().code, with_bytes(example, out.back().bytes));
        } else if (in_example) {
            example += line + "\n";
        }
    }
    return out;
}

// The parser's (E1xxx) and the semantic pass's (E2xxx, W2xxx) codes in the one table.
std::set<std::string> policy_codes() {
    std::set<std::string> codes;
    for (const CodeInfo& info : kCodes) {
        if (info.code[1] == '1' || info.code[1] == '2') codes.insert(std::string(info.code));
    }
    return codes;
}

TEST(DiagnosticsDoc, HasSectionsWithExamples) {
    const std::vector<Section> all = sections();
    EXPECT_EQ(all.size(), policy_codes().size());
    for (const Section& s : all) {
        if (s.untestable) {
            EXPECT_EQ(kUntestable.count(s.code), 1U) << s.code << " may not be marked untestable";
            continue;
        }
        EXPECT_FALSE(s.files.empty()) << s.code << " has no ```jointly example";
    }
}

TEST(DiagnosticsDoc, EveryPolicyCodeIsDocumentedOnce) {
    std::map<std::string, int> documented;
    for (const Section& s : sections()) ++documented[s.code];
    for (const std::string& code : policy_codes()) {
        EXPECT_EQ(documented[code], 1) << code << " needs exactly one section in docs/diagnostics.md";
    }
}

TEST(DiagnosticsDoc, EveryDocumentedCodeIsInTheTable) {
    const std::set<std::string> codes = policy_codes();
    for (const Section& s : sections()) {
        EXPECT_EQ(codes.count(s.code), 1U) << s.code << " is documented but not a policy code in jointly/dsl/codes.hpp";
        const std::optional<Code> code = code_from_text(s.code);
        if (code) {
            EXPECT_EQ(s.title, code_info(*code).title) << s.code << ": the heading and the table's title differ";
        }
    }
}

TEST(DiagnosticsDoc, CodeTableIsConsistent) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < kCodes.size(); ++i) {
        const CodeInfo& info = kCodes[i];
        EXPECT_EQ(static_cast<std::size_t>(info.id), i);
        EXPECT_TRUE(seen.insert(std::string(info.code)).second) << info.code << " is listed twice";
        const char want = info.severity == Severity::Error ? 'E' : 'W';
        EXPECT_EQ(info.code[0], want) << info.code << ": E codes are errors, W codes warnings or notes";
        EXPECT_EQ(code_from_text(info.code), info.id) << info.code;
        EXPECT_EQ(code_text(info.id), info.code);
        EXPECT_FALSE(info.title.empty()) << info.code;
    }
    EXPECT_FALSE(code_from_text("E9999"));
    EXPECT_FALSE(code_from_text("e2003"));
}

class DocExample : public ::testing::TestWithParam<Section> {};

TEST_P(DocExample, ProducesItsCode) {
    const Section& s = GetParam();
    if (s.expect != s.code) {
        // Only a syntax error may stand in for a checker code: the parser stops first.
        ASSERT_EQ(s.expect[1], '1') << s.code << ": `expect` must name a parser (E1xxx) code";
    }
    std::vector<ParseResult> parsed;
    Diagnostics all;
    std::string rendered;
    for (const File& f : s.files) {
        parsed.push_back(parse(f.text, f.name));
        const ParseResult& p = parsed.back();
        Diagnostics mine = p.diagnostics;
        if (p.module) {
            const Diagnostics checked = check(*p.module, limits_of(s));
            mine.insert(mine.end(), checked.begin(), checked.end());
        }
        rendered += render_all(mine, f.text);
        all.insert(all.end(), mine.begin(), mine.end());
    }
    if (s.files.size() > 1) {
        std::vector<const Module*> modules;
        for (const ParseResult& p : parsed) {
            if (p.module) modules.push_back(&*p.module);
        }
        const Diagnostics versions = check_versions(modules);
        all.insert(all.end(), versions.begin(), versions.end());
    }
    std::set<std::string> codes;
    for (const Diagnostic& d : all) codes.insert(std::string(code_text(d.code)));
    // A parser-first section also accepts its own code: the parser may leave the mistake
    // to the checker.
    const bool ok = codes.count(s.expect) == 1 || codes.count(s.code) == 1;
    EXPECT_TRUE(ok) << s.code << " example did not produce " << s.expect << ":\n" << rendered;
}

std::vector<Section> testable() {
    std::vector<Section> out;
    for (Section& s : sections()) {
        if (!s.untestable) out.push_back(std::move(s));
    }
    return out;
}

INSTANTIATE_TEST_SUITE_P(Docs, DocExample, ::testing::ValuesIn(testable()),
                         [](const ::testing::TestParamInfo<Section>& p) { return p.param.code; });

}  // namespace
}  // namespace jointly::dsl
