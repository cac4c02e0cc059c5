// The parser: golden files (tests/golden/parse: y_*.jf parse to the AST in y_*.ast, n_*.jf
// fail with the diagnostics in n_*.diag; UPDATE_GOLDEN=1 rewrites the goldens), plus spans,
// exact literals and robustness against arbitrary input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "jointly/dsl/format.hpp"
#include "jointly/dsl/parse.hpp"

namespace fs = std::filesystem;
using namespace jointly::dsl;

namespace {

const fs::path kGoldenDir = fs::path(JOINTLY_SOURCE_DIR) / "tests" / "golden" / "parse";

std::string read_file(fs::path const& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(fs::path const& p, std::string const& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

bool updating() {
    char const* v = std::getenv("UPDATE_GOLDEN");
    return v != nullptr && std::string(v) == "1";
}

// `file:line:col: error[CODE]: message`, one line per diagnostic (the test's own simple
// rendering, independent of the checker's `render`).
std::string render_lines(Diagnostics const& ds) {
    std::string out;
    for (Diagnostic const& d : ds) {
        out += d.file + ":" + std::to_string(d.span.line) + ":" + std::to_string(d.span.column) +
               ": " + (d.severity == Severity::Error ? "error" : "warning") + "[" + d.code +
               "]: " + d.message + "\n";
    }
    return out;
}

std::vector<std::string> golden_inputs() {
    std::vector<std::string> names;
    for (auto const& entry : fs::directory_iterator(kGoldenDir)) {
        const std::string name = entry.path().filename().string();
        if (entry.path().extension() == ".jf" && (name.starts_with("y_") || name.starts_with("n_"))) {
            names.push_back(name);
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

class ParseGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(ParseGolden, MatchesGolden) {
    const std::string name = GetParam();
    const fs::path input = kGoldenDir / name;
    const std::string source = read_file(input);
    const ParseResult result = parse(source, name);
    const bool must_parse = name.starts_with("y_");
    const fs::path golden =
        fs::path(input).replace_extension(must_parse ? ".ast" : ".diag");

    std::string actual;
    if (must_parse) {
        ASSERT_TRUE(result.module.has_value()) << render_lines(result.diagnostics);
        EXPECT_TRUE(result.diagnostics.empty()) << render_lines(result.diagnostics);
        actual = dump(*result.module);
    } else {
        ASSERT_FALSE(result.module.has_value()) << name << " parsed but must fail";
        ASSERT_FALSE(result.diagnostics.empty());
        for (Diagnostic const& d : result.diagnostics) {
            EXPECT_EQ(d.code.substr(0, 2), "E1") << d.code;
            EXPECT_GE(d.span.line, 1U);
            EXPECT_GE(d.span.column, 1U);
            EXPECT_LE(d.span.offset + d.span.length, source.size());
            EXPECT_FALSE(d.message.empty());
            EXPECT_NE(d.message.back(), '.') << "messages end without a period";
        }
        actual = render_lines(result.diagnostics);
    }
    if (updating()) {
        write_file(golden, actual);
        return;
    }
    ASSERT_TRUE(fs::exists(golden)) << golden << " is missing: run with UPDATE_GOLDEN=1";
    EXPECT_EQ(actual, read_file(golden));
}

std::string test_name(::testing::TestParamInfo<std::string> const& info) {
    std::string n = info.param.substr(0, info.param.size() - 3);
    for (char& c : n) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return n;
}

INSTANTIATE_TEST_SUITE_P(Golden, ParseGolden, ::testing::ValuesIn(golden_inputs()), test_name);

TEST(ParseGoldenFolder, HasEnoughCasesAndNoOrphans) {
    const auto inputs = golden_inputs();
    EXPECT_GE(inputs.size(), 60U);
    for (auto const& entry : fs::directory_iterator(kGoldenDir)) {
        const fs::path p = entry.path();
        if (p.extension() == ".ast" || p.extension() == ".diag") {
            EXPECT_TRUE(fs::exists(fs::path(p).replace_extension(".jf"))) << p << " has no input";
        }
    }
}

}  // namespace
