// How the parser reads the text itself: a leading byte order mark, line ends (`\n`, `\r\n`, a
// lone `\r`), characters that only look like a blank, a quote or a dash, and where it places
// (and how it renders) what follows.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "jointly/dsl/diagnostic.hpp"
#include "jointly/dsl/format.hpp"
#include "jointly/dsl/parse.hpp"

using namespace jointly::dsl;

namespace {

const std::string kBom = "\xEF\xBB\xBF";  // U+FEFF, as Windows Notepad saves UTF-8
const std::string kHeader = "policy p \"P\"\n  version \"1\"\n  effective from 2025-04-01\n";

std::string listed(Diagnostics const& ds) {
    std::string out;
    for (Diagnostic const& d : ds) {
        out += std::to_string(d.span.line) + ":" + std::to_string(d.span.column) + " " +
               std::string(code_text(d.code)) + " " + d.message + "\n";
    }
    return out;
}

// What one text gives: a module whose policy id is at line:column, or one error there.
struct TextCase {
    std::string name;
    std::string source;
    std::string code;  // empty: must parse
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    std::string message = {};  // the error's message (when `code`)
    std::string help = {};
};

void PrintTo(TextCase const& c, std::ostream* os) { *os << c.name; }

class ParseText : public ::testing::TestWithParam<TextCase> {};

TEST_P(ParseText, PlacesWhatFollows) {
    TextCase const& c = GetParam();
    const ParseResult r = parse(c.source, "t.jf");
    if (c.code.empty()) {
        ASSERT_TRUE(r.module.has_value()) << listed(r.diagnostics);
        EXPECT_EQ(r.module->header.id.span.line, c.line);
        EXPECT_EQ(r.module->header.id.span.column, c.column);
        EXPECT_EQ(c.source.substr(r.module->header.id.span.offset, r.module->header.id.span.length), "p");
        return;
    }
    ASSERT_EQ(r.diagnostics.size(), 1U) << listed(r.diagnostics);
    Diagnostic const& d = r.diagnostics[0];
    EXPECT_EQ(code_text(d.code), c.code) << d.message;
    EXPECT_EQ(d.span.line, c.line) << d.message;
    EXPECT_EQ(d.span.column, c.column) << d.message;
    EXPECT_EQ(d.message, c.message);
    EXPECT_EQ(d.help, c.help);
}

INSTANTIATE_TEST_SUITE_P(
    Text, ParseText,
    ::testing::Values(
        TextCase{.name = "bom_before_the_header", .source = kBom + kHeader, .code = "", .line = 1, .column = 8},
        TextCase{.name = "bom_before_a_comment",
                 .source = kBom + "# notes\n" + kHeader,
                 .code = "",
                 .line = 2,
                 .column = 8},
        TextCase{.name = "bom_takes_no_column",
                 .source = kBom + "policy P \"P\"\n",
                 .code = "E1012",
                 .line = 1,
                 .column = 8,
                 .message = "`P` is not a valid name: names are lower case",
                 .help = "write `p`"},
        TextCase{.name = "bom_alone_is_an_empty_file",
                 .source = kBom,
                 .code = "E1007",
                 .line = 1,
                 .column = 1,
                 .message = "the file is empty: a policy starts with `policy`, its id and its title",
                 .help = "begin with a line like `policy northshire_jfp \"Northshire joint funding protocol\"`"},
        // Old Mac line ends: each `\r` ends a line, and a comment ends with its line.
        TextCase{.name = "cr_line_ends_count_lines",
                 .source = "policy p \"P\"\r# a note\r  version \"1\"\r  effective from 2025-04-01\r\ragency Health "
                           "\"NHS\"\r",
                 .code = "E1012",
                 .line = 6,
                 .column = 8,
                 .message = "`Health` is not a valid name: names are lower case",
                 .help = "write `health`"},
        TextCase{.name = "cr_line_ends_with_comments_parse",
                 .source = "# notes\rpolicy p \"P\" # the id\r  version \"1\"\r  effective from 2025-04-01\r",
                 .code = "",
                 .line = 2,
                 .column = 8},
        TextCase{.name = "crlf_and_cr_mixed",
                 .source = "# notes\r\n\rpolicy p \"P\"\r\n  version \"1\"\r  effective from 2025-04-01\n",
                 .code = "",
                 .line = 3,
                 .column = 8},
        TextCase{.name = "a_second_bom_is_named",
                 .source = kBom + kBom + kHeader,
                 .code = "E1007",
                 .line = 1,
                 .column = 1,
                 .message = "expected the policy header `policy` at the start of the file, found a byte order mark "
                            "(U+FEFF)",
                 .help = "delete it: it is invisible, and allowed only as the very first character of the file"},
        TextCase{.name = "no_break_space_after_a_name",
                 .source = kHeader + "agency health \"NHS\"\nrule r\n  split health\u00a0100%\n",
                 .code = "E1001",
                 .line = 6,
                 .column = 15,
                 .message = "`health` is followed by a no-break space (U+00A0)",
                 .help = "replace it with an ordinary space"},
        TextCase{.name = "curly_quotes_around_a_title",
                 .source = kHeader + "agency health \u201cNHS\u201d\n",
                 .code = "E1001",
                 .line = 4,
                 .column = 15,
                 .message = "expected the agency's display name in quotes, like \"NHS Northshire ICB\", found a curly "
                            "quote (U+201C)",
                 .help = "write straight quotes `\"`"},
        TextCase{.name = "zero_width_space_before_a_number",
                 .source = kHeader + "let x = \u200b5\n",
                 .code = "E1001",
                 .line = 4,
                 .column = 9,
                 .message = "expected an expression, found a zero-width space (U+200B)",
                 .help = "delete it: it is invisible, and the language does not read it"},
        TextCase{.name = "en_dash_between_dates",
                 .source = "policy p \"P\"\n  version \"1\"\n  effective 2025-04-01 \u2013 2026-03-31\n",
                 .code = "E1001",
                 .line = 3,
                 .column = 24,
                 .message = "expected `to` and the last day, found an en dash (U+2013)",
                 .help = "write `-` (the keyboard's hyphen-minus) to subtract, or `to` between two dates"},
        TextCase{.name = "look_alikes_inside_text_and_comments_are_text",
                 .source = kHeader + "agency health \"Children\u2019s \u201cServices\u201d\u00a0\" # a\u00a0note\n",
                 .code = "",
                 .line = 1,
                 .column = 8}),
    [](::testing::TestParamInfo<TextCase> const& p) { return p.param.name; });

TEST(ParseTextBom, TheExcerptLeavesTheMarkOutAndTheCaretLinesUp) {
    const std::string source = kBom + "policy P \"P\"\n";
    const ParseResult r = parse(source, "bom.jf");
    ASSERT_EQ(r.diagnostics.size(), 1U);
    EXPECT_EQ(render(r.diagnostics[0], source),
              "bom.jf:1:8: error[E1012]: `P` is not a valid name: names are lower case\n"
              "    1 | policy P \"P\"\n"
              "      |        ^\n"
              "   = help: write `p`\n");
}

TEST(ParseTextLineEnds, TheExcerptOfACrFileIsItsOneLine) {
    const std::string source = "policy p \"P\"\r  version \"1\"\r  effective from 2025-04-01\r\ragency Health \"NHS\"\r";
    const ParseResult r = parse(source, "cr.jf");
    ASSERT_EQ(r.diagnostics.size(), 1U);
    EXPECT_EQ(render(r.diagnostics[0], source),
              "cr.jf:5:8: error[E1012]: `Health` is not a valid name: names are lower case\n"
              "    5 | agency Health \"NHS\"\n"
              "      |        ^~~~~~\n"
              "   = help: write `health`\n");
}

TEST(ParseTextLineEnds, FormattingWritesNewlinesAndKeepsCommentsAndBlankLines) {
    const std::string source = "# notes\rpolicy p \"P\"\r  version \"1\"\r  effective from 2025-04-01\r\r"
                               "agency a \"A\" # first\r\ragency b \"B\"\r";
    const ParseResult r = parse(source, "cr.jf");
    ASSERT_TRUE(r.module.has_value()) << listed(r.diagnostics);
    EXPECT_EQ(format(*r.module, source), "# notes\n" + kHeader + "\nagency a \"A\"  # first\n\nagency b \"B\"\n");
}

// A bare number where a share is expected is underlined whole, with a help in percent.
TEST(ParseTextShares, ABareNumberIsUnderlinedWholeAndWrittenAsAPercentage) {
    const ParseResult r = parse(kHeader + "agency a \"A\"\nrule r\n  split a 0.25\n", "t.jf");
    ASSERT_EQ(r.diagnostics.size(), 1U) << listed(r.diagnostics);
    const Diagnostic& d = r.diagnostics[0];
    EXPECT_EQ(d.message, "expected a share like `50%` or `1/3`, found the number `0.25`");
    EXPECT_EQ(d.help, "a share is a percentage or a fraction: write `0.25` of the cost as `25%`");
    EXPECT_EQ(d.span.column, 11U);
    EXPECT_EQ(d.span.end_column, 15U);
    EXPECT_EQ(d.span.length, 4U);
}

// A second unit after an amount's (`per hour per week`) is underlined whole, `per` and its unit,
// wherever it is written.
TEST(ParseTextUnits, ASecondUnitIsUnderlinedWhole) {
    struct Case {
        std::string rule;    // after `rule r`
        std::string second;  // the text the error underlines
        std::string message;
    };
    const Case cases[] = {
        {"  split a 100%\n  cap a at £25 per hour per week, excess to panel\n", "per week",
         "an amount has one unit, but `per week` follows `per hour`"},
        {"  split a 100%\n  cap a at £25 per hour per hour, excess to panel\n", "per hour",
         "`per hour` is written twice"},
        {"  split a 100%\n  cap a at £25 per week per  financial\n    year, excess to panel\n",
         "per  financial\n    year", "an amount has one unit, but `per financial year` follows `per week`"},
        {"  split a 100%\n  cap a at £25 per hour per day, excess to panel\n", "per day",
         "an amount has one unit, but `per day` follows `per hour`"},
        {"  split a 100%\n  cap a at £25 per hour per, excess to panel\n", "per",
         "an amount has one unit, but `per` follows `per hour`"},
        {"  pay a weekly_rate per line # a comment\n  per week\n  split a 100%\n", "per week",
         "an amount has one unit, but `per week` follows `per line`"},
        {"  split a 100%\n  cap a at £25 per line per " + std::string(50, 'x') + ", excess to panel\n",
         "per " + std::string(50, 'x'),
         "an amount has one unit, but `per " + std::string(40, 'x') + "...` follows `per line`"},
    };
    for (const Case& c : cases) {
        const std::string source = kHeader + "agency a \"A\"\nrule r\n" + c.rule;
        const ParseResult r = parse(source, "t.jf");
        ASSERT_EQ(r.diagnostics.size(), 1U) << listed(r.diagnostics);
        const Diagnostic& d = r.diagnostics[0];
        EXPECT_EQ(code_text(d.code), "E1001") << c.rule;
        EXPECT_EQ(d.message, c.message) << c.rule;
        EXPECT_EQ(source.substr(d.span.offset, d.span.length), c.second) << c.rule;
    }
}

TEST(ParseTextBom, FormattingDropsTheMarkAndKeepsAFirstLineComment) {
    const std::string source = kBom + "# notes\n" + kHeader;
    const ParseResult r = parse(source, "bom.jf");
    ASSERT_TRUE(r.module.has_value()) << listed(r.diagnostics);
    EXPECT_EQ(format(*r.module, source), "# notes\n" + kHeader);
}

}  // namespace
