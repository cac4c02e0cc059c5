// Diagnostics: GCC-style rendering, has_errors, did_you_mean.
#include "jointly/dsl/diagnostic.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace jointly::dsl {
namespace {

Span at(std::uint32_t line, std::uint32_t col, std::uint32_t end_line, std::uint32_t end_col) {
    return Span{line, col, end_line, end_col, 0, 0};
}

struct RenderCase {
    const char* name;
    Diagnostic diagnostic;
    const char* source;
    const char* expected;
};

class Render : public ::testing::TestWithParam<RenderCase> {};

TEST_P(Render, MatchesGccStyle) {
    const RenderCase& c = GetParam();
    EXPECT_EQ(render(c.diagnostic, c.source), c.expected);
}

const char* const kSource =
    "line one\n"
    "line two\n"
    "line three\n"
    "line four\n"
    "line five\n"
    "line six\n"
    "line seven\n"
    "line eight\n"
    "line nine\n"
    "line ten\n"
    "line eleven\n"
    "line twelve\n"
    "line thirteen\n"
    "  split heath 50%, social_care 50%\n";

INSTANTIATE_TEST_SUITE_P(
    Diagnostic, Render,
    ::testing::Values(
        RenderCase{.name = "brief_example",
                   .diagnostic = {Severity::Error, Code::unknown_agency, "unknown agency `heath`",
                                  "policies/northshire/jfp.jf", at(14, 9, 14, 14),
                                  "did you mean `health`?"},
                   .source = kSource,
                   .expected = "policies/northshire/jfp.jf:14:9: error[E2003]: unknown agency `heath`\n"
                               "   14 |   split heath 50%, social_care 50%\n"
                               "      |         ^~~~~\n"
                               "   = help: did you mean `health`?\n"},
        RenderCase{.name = "warning_without_help",
                   .diagnostic = {Severity::Warning, Code::fact_unused, "fact `x` is never used", "a.jf",
                                  at(1, 1, 1, 5), ""},
                   .source = "fact x: bool\n",
                   .expected = "a.jf:1:1: warning[W2004]: fact `x` is never used\n"
                               "    1 | fact x: bool\n"
                               "      | ^~~~\n"},
        RenderCase{.name = "note",
                   .diagnostic = {Severity::Note, Code::agency_unused, "agency `a` pays for nothing", "a.jf",
                                  at(1, 8, 1, 9), ""},
                   .source = "agency a \"A\"",
                   .expected = "a.jf:1:8: note[W2003]: agency `a` pays for nothing\n"
                               "    1 | agency a \"A\"\n"
                               "      |        ^\n"},
        RenderCase{.name = "empty_span_is_one_caret",
                   .diagnostic = {Severity::Error, Code::unexpected_text, "expected `)`", "a.jf", at(1, 4, 1, 4), ""},
                   .source = "(a b",
                   .expected = "a.jf:1:4: error[E1001]: expected `)`\n"
                               "    1 | (a b\n"
                               "      |    ^\n"},
        RenderCase{.name = "multi_line_span_underlines_to_end_of_first_line",
                   .diagnostic = {Severity::Error, Code::no_split, "rule `r` states no split", "a.jf",
                                  at(2, 1, 4, 3), ""},
                   .source = "x\nrule r\n  when true\n  because \"\"\n",
                   .expected = "a.jf:2:1: error[E2202]: rule `r` states no split\n"
                               "    2 | rule r\n"
                               "      | ^~~~~~\n"},
        RenderCase{.name = "columns_count_code_points",
                   .diagnostic = {Severity::Error, Code::amount_not_positive, "bad", "a.jf", at(1, 12, 1, 15), ""},
                   .source = "cap x at \xC2\xA3" "0 per week",  // "cap x at £0 per week"
                   .expected = "a.jf:1:12: error[E2212]: bad\n"
                               "    1 | cap x at \xC2\xA3" "0 per week\n"
                               "      |            ^~~\n"},
        RenderCase{.name = "tab_shown_as_space_keeps_columns",
                   .diagnostic = {Severity::Error, Code::unknown_name, "unknown name `y`", "a.jf", at(1, 3, 1, 4), ""},
                   .source = "\tx y\r\n",
                   .expected = "a.jf:1:3: error[E2005]: unknown name `y`\n"
                               "    1 |  x y\n"
                               "      |   ^\n"},
        RenderCase{.name = "no_position",
                   .diagnostic = {Severity::Error, Code::versions_overlap, "two versions", "b.jf", Span{}, "fix it"},
                   .source = "",
                   .expected = "b.jf: error[E2301]: two versions\n"
                               "   = help: fix it\n"},
        RenderCase{.name = "line_past_end_of_source",
                   .diagnostic = {Severity::Error, Code::unterminated_text, "unexpected end", "", at(9, 1, 9, 1), ""},
                   .source = "one line",
                   .expected = "<input>:9:1: error[E1002]: unexpected end\n"}),
    [](const ::testing::TestParamInfo<RenderCase>& p) { return std::string(p.param.name); });

// Built here because the source is long: line 12345 with a five-digit gutter.
TEST(RenderWide, FiveDigitLineNumberWidensTheGutter) {
    std::string source;
    for (int i = 1; i < 12345; ++i) source += "\n";
    source += "q\n";
    const Diagnostic d{Severity::Error, Code::unknown_name, "unknown name `q`", "a.jf", at(12345, 1, 12345, 2), ""};
    EXPECT_EQ(render(d, source),
              "a.jf:12345:1: error[E2005]: unknown name `q`\n"
              " 12345 | q\n"
              "       | ^\n");
}

// A line over 120 characters is shown as 100 of them around the caret (40 before it when
// there are), `…` marking each cut; the caret and the underline stay under the same text.
TEST(RenderLong, ALongLineIsCutToAWindowAroundTheCaret) {
    const std::string ellipsis = "\xE2\x80\xA6";
    std::string line;
    for (int i = 0; i < 300; ++i) line += static_cast<char>('a' + i % 26);
    const auto shown = [&](std::size_t from, std::size_t to) { return line.substr(from, to - from); };
    const auto rendered = [&](Span s) {
        return render(Diagnostic{Severity::Error, Code::too_deep, "m", "a.jf", s, ""}, line + "\n");
    };
    // in the middle: 40 characters before the caret, 59 after
    EXPECT_EQ(rendered(at(1, 201, 1, 204)), "a.jf:1:201: error[E1016]: m\n"
                                            "    1 | " + ellipsis + shown(160, 260) + ellipsis + "\n"
                                            "      | " + std::string(41, ' ') + "^~~\n");
    // near the start: no cut before; an underline longer than the window stops with it
    EXPECT_EQ(rendered(at(1, 5, 1, 205)), "a.jf:1:5: error[E1016]: m\n"
                                          "    1 | " + shown(0, 100) + ellipsis + "\n"
                                          "      |     ^" + std::string(95, '~') + "\n");
    // at the end of the line: the last 100 characters, the caret just after them
    EXPECT_EQ(rendered(at(1, 301, 1, 301)), "a.jf:1:301: error[E1016]: m\n"
                                            "    1 | " + ellipsis + shown(200, 300) + "\n"
                                            "      | " + std::string(101, ' ') + "^\n");
    // characters, not bytes: a line of 150 `£` (300 bytes) is cut like one of 150 letters
    std::string pounds;
    for (int i = 0; i < 150; ++i) pounds += "\xC2\xA3";
    const Diagnostic d{Severity::Error, Code::too_deep, "m", "a.jf", at(1, 120, 1, 121), ""};
    EXPECT_EQ(render(d, pounds), "a.jf:1:120: error[E1016]: m\n"
                                 "    1 | " + ellipsis + pounds.substr(2 * 50, 2 * 100) + "\n"
                                 "      | " + std::string(70, ' ') + "^\n");
    // 120 characters: shown whole, as before
    const std::string limit = line.substr(0, 120);
    EXPECT_EQ(render(Diagnostic{Severity::Error, Code::too_deep, "m", "a.jf", at(1, 120, 1, 121), ""}, limit),
              "a.jf:1:120: error[E1016]: m\n    1 | " + limit + "\n      | " + std::string(119, ' ') + "^\n");
}

TEST(RenderAll, ConcatenatesInOrder) {
    const Diagnostics ds = {
        {Severity::Error, Code::unknown_name, "first", "a.jf", at(1, 1, 1, 2), ""},
        {Severity::Warning, Code::fact_unused, "second", "a.jf", at(2, 1, 2, 2), ""},
    };
    EXPECT_EQ(render_all(ds, "a\nb\n"),
              "a.jf:1:1: error[E2005]: first\n    1 | a\n      | ^\n"
              "a.jf:2:1: warning[W2004]: second\n    2 | b\n      | ^\n");
    EXPECT_EQ(render_all({}, "a"), "");
}

TEST(HasErrors, OnlyErrorsCount) {
    EXPECT_FALSE(has_errors({}));
    EXPECT_FALSE(has_errors({{Severity::Warning, Code::rule_never_applies, "", "", {}, ""},
                             {Severity::Note, Code::agency_unused, "", "", {}, ""}}));
    EXPECT_TRUE(has_errors({{Severity::Warning, Code::rule_never_applies, "", "", {}, ""},
                            {Severity::Error, Code::duplicate_declaration, "", "", {}, ""}}));
}

struct MeanCase {
    const char* word;
    std::vector<std::string> candidates;
    const char* expected;
};

class DidYouMean : public ::testing::TestWithParam<MeanCase> {};

TEST_P(DidYouMean, PicksTheClosestWithinTheLimit) {
    EXPECT_EQ(did_you_mean(GetParam().word, GetParam().candidates), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Diagnostic, DidYouMean,
    ::testing::Values(
        MeanCase{"heath", {"health", "social_care", "education"}, "health"},
        MeanCase{"socal_care", {"health", "social_care"}, "social_care"},
        MeanCase{"eduaction", {"health", "education"}, "education"},  // one swap
        MeanCase{"xyz", {"health", "social_care"}, ""},
        MeanCase{"ab", {"xy"}, ""},                                     // 2 edits of 2 letters
        MeanCase{"helth", {"wealth", "health"}, "health"},              // closest, not first
        MeanCase{"cat", {"bat", "hat"}, "bat"},                         // tie: first
        MeanCase{"health", {"health"}, ""},                             // not a misspelling
        MeanCase{"personal_car", {"personal_care", "personnel"}, "personal_care"},
        MeanCase{"x", {}, ""}));

TEST(DidYouMean, LongWordsGetNoSuggestion) {
    // Up to kMaxSuggestedLength letters a misspelling is found; beyond, none is looked for
    // (the table would cost length squared).
    const std::string longest(kMaxSuggestedLength, 'a');
    EXPECT_EQ(did_you_mean(longest.substr(1) + "b", {longest}), longest);
    const std::string longer(kMaxSuggestedLength + 1, 'a');
    EXPECT_EQ(did_you_mean(longer.substr(1) + "b", {longer}), "");
    EXPECT_EQ(did_you_mean("heath", {std::string(100000, 'h'), "health"}), "health");
}

}  // namespace
}  // namespace jointly::dsl
