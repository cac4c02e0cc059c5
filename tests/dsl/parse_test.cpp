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
#include <functional>
#include <string>
#include <thread>
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

// `file:line:col: error[CODE]: message`, one line per diagnostic, then `   = help: ...` when
// it has help (the test's own simple rendering, independent of the checker's `render`).
std::string render_lines(Diagnostics const& ds) {
    std::string out;
    for (Diagnostic const& d : ds) {
        out += d.file + ":" + std::to_string(d.span.line) + ":" + std::to_string(d.span.column) +
               ": " + (d.severity == Severity::Error ? "error" : "warning") + "[" + std::string(code_text(d.code)) +
               "]: " + d.message + "\n";
        if (!d.help.empty()) out += "   = help: " + d.help + "\n";
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
            EXPECT_EQ(code_text(d.code).substr(0, 2), "E1") << d.code;
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

// ---------------------------------------------------------------------------------------
// Spans: 1-based lines, columns in code points, end one past; offsets and lengths in bytes.

const std::string kHeader =
    "policy t \"T\"\n  version \"1\"\n  effective 2025-04-01 to 2026-03-31\n";

struct SpanCase {
    std::string name;
    std::string body;  // after kHeader (which is 3 lines)
    std::function<Span(Module const&)> pick;
    std::uint32_t line, column, end_line, end_column;
    std::string text;  // the bytes the span covers
};

void PrintTo(SpanCase const& c, std::ostream* os) { *os << c.name; }

class ParseSpans : public ::testing::TestWithParam<SpanCase> {};

TEST_P(ParseSpans, PointsAtTheText) {
    SpanCase const& c = GetParam();
    const std::string source = kHeader + c.body;
    const ParseResult r = parse(source, "spans.jf");
    ASSERT_TRUE(r.module) << render_lines(r.diagnostics);
    const Span s = c.pick(*r.module);
    EXPECT_EQ(s.line, c.line);
    EXPECT_EQ(s.column, c.column);
    EXPECT_EQ(s.end_line, c.end_line);
    EXPECT_EQ(s.end_column, c.end_column);
    EXPECT_EQ(source.substr(s.offset, s.length), c.text);
}

INSTANTIATE_TEST_SUITE_P(
    Nodes, ParseSpans,
    ::testing::Values(
        SpanCase{.name = "header",
                 .body = "",
                 .pick = [](Module const& m) { return m.header.span; },
                 .line = 1, .column = 1, .end_line = 3, .end_column = 37,
                 .text = kHeader.substr(0, kHeader.size() - 1)},
        SpanCase{.name = "agency_trailing_comment_excluded",
                 .body = "agency health \"NHS\"   # the ICB\n",
                 .pick = [](Module const& m) { return m.agencies[0].span; },
                 .line = 4, .column = 1, .end_line = 4, .end_column = 20,
                 .text = "agency health \"NHS\""},
        SpanCase{.name = "ident",
                 .body = "agency  health \"NHS\"\n",
                 .pick = [](Module const& m) { return m.agencies[0].id.span; },
                 .line = 4, .column = 9, .end_line = 4, .end_column = 15, .text = "health"},
        SpanCase{.name = "columns_count_code_points",
                 .body = "let x = \"\u00a3\u00e9\" + \u00a31,500\n",
                 .pick = [](Module const& m) { return std::get<Binary>(m.lets[0].value.node).right->span; },
                 .line = 4, .column = 16, .end_line = 4, .end_column = 22,
                 .text = "\u00a31,500"},
        SpanCase{.name = "binary_covers_both_operands",
                 .body = "let x = 1 +\n  22\n",
                 .pick = [](Module const& m) { return m.lets[0].value.span; },
                 .line = 4, .column = 9, .end_line = 5, .end_column = 5, .text = "1 +\n  22"},
        SpanCase{.name = "call",
                 .body = "let x = count(dst, at least high)\n",
                 .pick = [](Module const& m) { return m.lets[0].value.span; },
                 .line = 4, .column = 9, .end_line = 4, .end_column = 34,
                 .text = "count(dst, at least high)"},
        SpanCase{.name = "rule_spans_all_clauses",
                 .body = "rule r\n  split a 100%\n  because \"x\" # c\n",
                 .pick = [](Module const& m) { return m.rules[0].span; },
                 .line = 4, .column = 1, .end_line = 6, .end_column = 14,
                 .text = "rule r\n  split a 100%\n  because \"x\""},
        SpanCase{.name = "split_clause",
                 .body = "rule r\n  split a 50%, b 1/2\n",
                 .pick = [](Module const& m) { return m.rules[0].split_span; },
                 .line = 5, .column = 3, .end_line = 5, .end_column = 21,
                 .text = "split a 50%, b 1/2"},
        SpanCase{.name = "share",
                 .body = "rule r\n  split a 50%, b 1/2\n",
                 .pick = [](Module const& m) { return m.rules[0].split[1].span; },
                 .line = 5, .column = 16, .end_line = 5, .end_column = 21, .text = "b 1/2"},
        SpanCase{.name = "window",
                 .body = "event e\nrule r\n  within 6 weeks after e\n  split a 100%\n",
                 .pick = [](Module const& m) { return m.rules[0].window->span; },
                 .line = 6, .column = 3, .end_line = 6, .end_column = 25,
                 .text = "within 6 weeks after e"},
        SpanCase{.name = "cap",
                 .body = "rule r split a 100% cap a at \u00a31 per week, excess to panel\n",
                 .pick = [](Module const& m) { return m.rules[0].caps[0].span; },
                 .line = 4, .column = 21, .end_line = 4, .end_column = 58,
                 .text = "cap a at \u00a31 per week, excess to panel"},
        SpanCase{.name = "reason",
                 .body = "decline when true because \"no\"\n",
                 .pick = [](Module const& m) { return m.outcomes[0].reason_span; },
                 .line = 4, .column = 27, .end_line = 4, .end_column = 31, .text = "\"no\""},
        SpanCase{.name = "table_row",
                 .body = "table t\n  from 0 to 9 gives 1 # c\n",
                 .pick = [](Module const& m) { return m.tables[0].rows[0].span; },
                 .line = 5, .column = 3, .end_line = 5, .end_column = 22,
                 .text = "from 0 to 9 gives 1"},
        SpanCase{.name = "crlf",
                 .body = "event a\r\nevent b\r\n",
                 .pick = [](Module const& m) { return m.events[1].span; },
                 .line = 5, .column = 1, .end_line = 5, .end_column = 8, .text = "event b"}),
    [](auto const& param_info) { return param_info.param.name; });

// ---------------------------------------------------------------------------------------
// Literals are exact.

enum class LiteralKind { Number, Percent, Money, Other };

struct LiteralCase {
    std::string name;
    std::string text;
    LiteralKind kind;
    std::int64_t units;
    std::int32_t scale;
};

void PrintTo(LiteralCase const& c, std::ostream* os) { *os << c.name; }

class ParseLiterals : public ::testing::TestWithParam<LiteralCase> {};

TEST_P(ParseLiterals, AreExactDecimals) {
    LiteralCase const& c = GetParam();
    const ParseResult r = parse(kHeader + "let x = " + c.text + "\n", "lit.jf");
    ASSERT_TRUE(r.module) << render_lines(r.diagnostics);
    Expr const& e = r.module->lets[0].value;
    LiteralKind kind = LiteralKind::Other;
    Decimal value;
    if (auto const* n = e.as<NumberLit>()) {
        kind = LiteralKind::Number;
        value = n->value;
    } else if (auto const* p = e.as<PercentLit>()) {
        kind = LiteralKind::Percent;
        value = p->value;
    } else if (auto const* m = e.as<MoneyLit>()) {
        kind = LiteralKind::Money;
        value = m->pounds;
    }
    EXPECT_EQ(kind, c.kind);
    EXPECT_EQ(value.units, c.units);
    EXPECT_EQ(value.scale, c.scale);
}

INSTANTIATE_TEST_SUITE_P(
    Numbers, ParseLiterals,
    ::testing::Values(
        LiteralCase{.name = "whole", .text = "12", .kind = LiteralKind::Number, .units = 12, .scale = 0},
        LiteralCase{.name = "decimal", .text = "2.5", .kind = LiteralKind::Number, .units = 25, .scale = 1},
        LiteralCase{.name = "trailing_zero_kept", .text = "2.50", .kind = LiteralKind::Number, .units = 250, .scale = 2},
        LiteralCase{.name = "percent", .text = "33.5%", .kind = LiteralKind::Percent, .units = 335, .scale = 1},
        LiteralCase{.name = "money_grouped", .text = "\u00a31,500.50", .kind = LiteralKind::Money, .units = 150050, .scale = 2},
        LiteralCase{.name = "money_pounds", .text = "\u00a31,500", .kind = LiteralKind::Money, .units = 1500, .scale = 0},
        LiteralCase{.name = "money_one_place", .text = "\u00a30.5", .kind = LiteralKind::Money, .units = 5, .scale = 1},
        LiteralCase{.name = "int64_max", .text = "9223372036854775807", .kind = LiteralKind::Number, .units = INT64_MAX, .scale = 0},
        LiteralCase{.name = "scale_18", .text = "0.123456789012345678", .kind = LiteralKind::Number, .units = 123456789012345678, .scale = 18},
        LiteralCase{.name = "not_float_rounded", .text = "0.1", .kind = LiteralKind::Number, .units = 1, .scale = 1}),
    [](auto const& param_info) { return param_info.param.name; });

// ---------------------------------------------------------------------------------------
// Never throws, whatever the input; a module exactly when there is no error.

void expect_well_formed(std::string const& source) {
    ParseResult r;
    ASSERT_NO_THROW(r = parse(source, "x.jf"));
    const bool has_error = std::any_of(r.diagnostics.begin(), r.diagnostics.end(),
                                       [](Diagnostic const& d) { return d.severity == Severity::Error; });
    EXPECT_EQ(r.module.has_value(), !has_error);
    for (Diagnostic const& d : r.diagnostics) {
        EXPECT_LE(std::size_t{d.span.offset} + d.span.length, source.size()) << d.message;
        EXPECT_GE(d.span.line, 1U);
    }
}

TEST(ParseRobustness, EveryPrefixOfTheReferencePolicy) {
    const std::string ref = read_file(fs::path(JOINTLY_SOURCE_DIR) / "policies/reference/reference.jf");
    ASSERT_FALSE(ref.empty());
    for (std::size_t n = 0; n <= ref.size(); ++n) expect_well_formed(ref.substr(0, n));
}

TEST(ParseRobustness, RandomBytesAndTokenSoup) {
    std::mt19937 rng(20250401);
    const std::vector<std::string> tokens = {
        "policy", "p", "\"t\"", "version", "effective", "2025-04-01", "to", "from", "rule", "r",
        "split", "a", "50%", "1/3", ",", "when", "(", ")", "[", "]", "and", "or", "not", "\u00a31,500",
        "cap", "at", "per", "week", "excess", "panel", "because", "#", "\n", "\"", "\\", "-", "+",
        "=", "<", "in", "table", "gives", "pool", "contribution", "\xff", "\xc2", "2025-02-30"};
    for (int i = 0; i < 2000; ++i) {
        std::string s;
        const int len = static_cast<int>(rng() % 40);
        if (i % 2 == 0) {
            s = kHeader;
            for (int k = 0; k < len; ++k) s += tokens[rng() % tokens.size()] + " ";
        } else {
            for (int k = 0; k < len; ++k) s += static_cast<char>(rng() % 256);
        }
        expect_well_formed(s);
    }
}

TEST(ParseRobustness, DeepNestingIsAnErrorNotACrash) {
    const std::string deep = kHeader + "let x = " + std::string(100000, '(') + "1" +
                             std::string(100000, ')') + "\n";
    const ParseResult r = parse(deep, "deep.jf");
    ASSERT_FALSE(r.module);
    EXPECT_EQ(code_text(r.diagnostics.at(0).code), "E1016");
    std::string negations = kHeader + "let x = ";
    for (int i = 0; i < 100000; ++i) negations += "- ";
    const ParseResult r2 = parse(negations + "1\n", "neg.jf");
    ASSERT_FALSE(r2.module);
    EXPECT_EQ(code_text(r2.diagnostics.at(0).code), "E1016");
}

TEST(ParseRobustness, LongOperatorChainIsBounded) {
    std::string chain = kHeader + "let x = 1";
    for (int i = 0; i < 100000; ++i) chain += " + 1";
    const ParseResult r = parse(chain + "\n", "chain.jf");
    ASSERT_FALSE(r.module);
    EXPECT_EQ(code_text(r.diagnostics.at(0).code), "E1016");
    std::string ok = kHeader + "let x = 1";
    for (int i = 0; i < 1000; ++i) ok += " + 1";
    EXPECT_TRUE(parse(ok + "\n", "ok.jf").module);
}

TEST(ParseConcurrency, ParsesInParallelWithTheSameResult) {
    const std::string ref = read_file(fs::path(JOINTLY_SOURCE_DIR) / "policies/reference/reference.jf");
    const std::string expected = dump(*parse(ref, "r.jf").module);
    std::vector<std::string> results(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < results.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                auto r = parse(ref, "r.jf");
                results[t] = r.module ? dump(*r.module) : "error";
            }
        });
    }
    for (auto& th : threads) th.join();
    for (auto const& got : results) EXPECT_EQ(got, expected);
}

// Text that is not UTF-8 is E1017 at the first byte of the first bad sequence, the column
// counted in characters; the expectations agree with Python's `bytes.decode("utf-8")`.
struct Utf8Case {
    std::string name;
    std::string body;  // after kHeader (which is 3 lines)
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    std::string byte;  // as the message names it
};

void PrintTo(Utf8Case const& c, std::ostream* os) { *os << c.name; }

class ParseUtf8 : public ::testing::TestWithParam<Utf8Case> {};

TEST_P(ParseUtf8, RefusesInvalidTextAtItsFirstBadByte) {
    const Utf8Case& c = GetParam();
    const ParseResult r = parse(kHeader + c.body, "u.jf");
    EXPECT_FALSE(r.module);
    ASSERT_EQ(r.diagnostics.size(), 1U) << render_lines(r.diagnostics);
    const Diagnostic& d = r.diagnostics[0];
    EXPECT_EQ(code_text(d.code), "E1017");
    EXPECT_EQ(d.message, "the policy text is not valid UTF-8 (byte " + c.byte + ")");
    EXPECT_EQ(d.span.line, c.line);
    EXPECT_EQ(d.span.column, c.column);
    EXPECT_EQ(d.span.length, 1U);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseUtf8,
    ::testing::Values(
        Utf8Case{.name = "ff_in_a_title", .body = "agency health \"NHS \xff\"\n", .line = 4, .column = 20,
                 .byte = "0xff"},
        Utf8Case{.name = "after_multibyte", .body = "agency health \"\xc2\xa3\xe2\x82\xac\xf0\x9f\x98\x80\xfe\"\n",
                 .line = 4, .column = 19, .byte = "0xfe"},
        Utf8Case{.name = "stray_continuation", .body = "# caf\xc3\xa9\x80\n", .line = 4, .column = 7,
                 .byte = "0x80"},
        Utf8Case{.name = "overlong_slash", .body = "agency a\xc0\xaf \"A\"\n", .line = 4, .column = 9,
                 .byte = "0xc0"},
        Utf8Case{.name = "surrogate", .body = "# \xed\xa0\x80\n", .line = 4, .column = 3, .byte = "0xed"},
        Utf8Case{.name = "cut_short_mid_line", .body = "# \xe2\x82 euro\n", .line = 4, .column = 3,
                 .byte = "0xe2"},
        Utf8Case{.name = "cut_short_at_end_of_file", .body = "# \xf0\x9f\x98", .line = 4, .column = 3,
                 .byte = "0xf0"},
        Utf8Case{.name = "above_u10ffff", .body = "# \xf4\x90\x80\x80\n", .line = 4, .column = 3, .byte = "0xf4"},
        Utf8Case{.name = "on_a_later_line", .body = "# \xc3\xa9\n\n# ok\n\t\xff\n", .line = 7, .column = 2,
                 .byte = "0xff"},
        Utf8Case{.name = "first_of_several", .body = "# \x80\n# \xff\n", .line = 4, .column = 3, .byte = "0x80"},
        Utf8Case{.name = "nul_is_valid_but_ff_is_not", .body = std::string("# \0\xff\n", 5), .line = 4,
                 .column = 4, .byte = "0xff"}),
    [](::testing::TestParamInfo<Utf8Case> const& p) { return p.param.name; });

TEST(ParseUtf8Valid, FourByteCharactersAndEveryPlaneParse) {
    const std::string text = kHeader + "agency health \"NHS \xc2\xa3 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"\n";
    const ParseResult r = parse(text, "ok.jf");
    EXPECT_TRUE(r.module) << render_lines(r.diagnostics);
}

TEST(ParseUtf8Valid, ALongInvalidLineIsPlacedExactly) {
    // The position is found by halving a 1 MB line of two- and three-byte characters.
    std::string line = "# ";
    for (int i = 0; i < 200000; ++i) line += "\xc3\xa9\xe2\x82\xac";
    const ParseResult r = parse(kHeader + line + "\xff\n", "long.jf");
    ASSERT_EQ(r.diagnostics.size(), 1U);
    EXPECT_EQ(code_text(r.diagnostics[0].code), "E1017");
    EXPECT_EQ(r.diagnostics[0].span.line, 4U);
    EXPECT_EQ(r.diagnostics[0].span.column, 2U + 400000U + 1U);
}

TEST(ParseModule, CopiesTheFileName) {
    const ParseResult r = parse(kHeader, "dir/name.jf");
    ASSERT_TRUE(r.module);
    EXPECT_EQ(r.module->file, "dir/name.jf");
    const ParseResult bad = parse("nope", "dir/bad.jf");
    ASSERT_EQ(bad.diagnostics.size(), 1U);
    EXPECT_EQ(bad.diagnostics[0].file, "dir/bad.jf");
}

}  // namespace
