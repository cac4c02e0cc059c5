// The formatter: idempotent, meaning-preserving, keeps every comment; canonical layout.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "jointly/dsl/format.hpp"
#include "jointly/dsl/parse.hpp"
#include "jointly/dsl/print.hpp"

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

// Every `#` comment's text (outside strings), in order.
std::vector<std::string> comments_of(std::string const& src) {
    std::vector<std::string> out;
    bool in_string = false;
    for (std::size_t i = 0; i < src.size(); ++i) {
        const char c = src[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"' || c == '\n') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '#') {
            std::size_t end = src.find('\n', i);
            if (end == std::string::npos) end = src.size();
            std::string text = src.substr(i, end - i);
            while (!text.empty() && (text.back() == ' ' || text.back() == '\r' || text.back() == '\t')) {
                text.pop_back();
            }
            out.push_back(text);
            i = end;
        }
    }
    return out;
}

std::vector<fs::path> inputs() {
    std::vector<fs::path> files;
    for (auto const& e : fs::directory_iterator(kRoot / "tests/golden/parse")) {
        const std::string name = e.path().filename().string();
        if (name.starts_with("y_") && e.path().extension() == ".jf") files.push_back(e.path());
    }
    for (auto const& e : fs::recursive_directory_iterator(kRoot / "policies")) {
        if (e.path().extension() == ".jf") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

class FormatFiles : public ::testing::TestWithParam<fs::path> {};

TEST_P(FormatFiles, IsIdempotentAndKeepsMeaningAndComments) {
    const std::string source = read_file(GetParam());
    const ParseResult original = parse(source, "in.jf");
    ASSERT_TRUE(original.module) << GetParam() << " does not parse";

    const std::string once = format(*original.module, source);
    const ParseResult reparsed = parse(once, "in.jf");
    ASSERT_TRUE(reparsed.module) << "formatted text does not parse:\n" << once;
    EXPECT_EQ(dump(*reparsed.module), dump(*original.module)) << once;

    const std::string twice = format(*reparsed.module, once);
    EXPECT_EQ(twice, once);

    auto before = comments_of(source);
    auto after = comments_of(once);
    std::sort(before.begin(), before.end());
    std::sort(after.begin(), after.end());
    EXPECT_EQ(after, before) << once;

    // canonical text: no tabs, no trailing blanks, one final newline, no double blank lines
    EXPECT_EQ(once.find('\t'), std::string::npos);
    EXPECT_EQ(once.find(" \n"), std::string::npos);
    EXPECT_EQ(once.find("\n\n\n"), std::string::npos);
    ASSERT_FALSE(once.empty());
    EXPECT_EQ(once.back(), '\n');
    EXPECT_NE(once.substr(once.size() - std::min<std::size_t>(2, once.size())), "\n\n");
}

INSTANTIATE_TEST_SUITE_P(All, FormatFiles, ::testing::ValuesIn(inputs()),
                         [](auto const& param_info) {
                             std::string n = param_info.param.parent_path().filename().string() +
                                             "_" + param_info.param.stem().string();
                             for (char& c : n) {
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             }
                             return n;
                         });

// ---------------------------------------------------------------------------------------
// The canonical layout, case by case.

struct LayoutCase {
    std::string name;
    std::string input;
    std::string expected;
};

void PrintTo(LayoutCase const& c, std::ostream* os) { *os << c.name; }

class FormatLayout : public ::testing::TestWithParam<LayoutCase> {};

TEST_P(FormatLayout, ProducesTheCanonicalText) {
    LayoutCase const& c = GetParam();
    const ParseResult r = parse(c.input, "in.jf");
    ASSERT_TRUE(r.module) << (r.diagnostics.empty() ? "" : r.diagnostics[0].message);
    const std::string out = format(*r.module, c.input);
    EXPECT_EQ(out, c.expected);
    const ParseResult again = parse(out, "in.jf");
    ASSERT_TRUE(again.module);
    EXPECT_EQ(format(*again.module, out), out);
}

const std::string kHead = "policy p \"P\"\n  version \"1\"\n  effective 2025-04-01 to 2026-03-31\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, FormatLayout,
    ::testing::Values(
        LayoutCase{
            .name = "one_line_source",
            .input = "policy p \"P\" version \"1\" effective from 2025-04-01 agency a \"A\" "
                     "rule r when service is x split a 100% because \"y\"",
            .expected = "policy p \"P\"\n  version \"1\"\n  effective from 2025-04-01\n\n"
                        "agency a \"A\"\n\nrule r\n  when service is x\n  split a 100%\n"
                        "  because \"y\"\n"},
        LayoutCase{
            .name = "header_clauses_and_effective_from_to",
            .input = "policy p \"P\" version \"1\" effective from 2025-04-01 to 2026-03-31 "
                     "agreed by a,b on 2025-03-01 ref \"r\" panel \"Panel\" rounding half_even",
            .expected = "policy p \"P\"\n  version \"1\"\n  effective 2025-04-01 to 2026-03-31\n"
                        "  agreed by a, b on 2025-03-01\n  ref \"r\"\n  panel \"Panel\"\n"
                        "  rounding half_even\n"},
        LayoutCase{
            .name = "literals_canonical",
            .input = kHead + "let a = \xC2\xA3" "1500\nlet b = \xC2\xA3" "1234567.5\nlet c = 007\n"
                             "let d = 2.50\nlet e = \"q\\\"\\\\\"\n",
            .expected = kHead + "\nlet a = \xC2\xA3" "1,500\nlet b = \xC2\xA3" "1,234,567.5\nlet c = 7\n"
                                "let d = 2.50\nlet e = \"q\\\"\\\\\"\n"},
        LayoutCase{
            .name = "fewest_parentheses",
            .input = kHead + "let a = (1 + 2) * 3\nlet b = ((1 * 2)) + 3\nlet c = 1 - (2 - 3)\n"
                             "let d = (1 - 2) - 3\nlet e = not (a and b)\nlet f = (not a) and b\n"
                             "let g = -(1 + 2)\nlet h = (a or b) and (c or d)\nlet i = - -1\n",
            .expected = kHead + "\nlet a = (1 + 2) * 3\nlet b = 1 * 2 + 3\nlet c = 1 - (2 - 3)\n"
                                "let d = 1 - 2 - 3\nlet e = not (a and b)\nlet f = not a and b\n"
                                "let g = -(1 + 2)\nlet h = (a or b) and (c or d)\nlet i = - -1\n"},
        LayoutCase{
            .name = "is_for_words_equals_for_numbers",
            .input = kHead + "let a = service = x\nlet b = n is 1\nlet c = s != \"t\"\n"
                             "let d = x in [a,b]\n",
            .expected = kHead + "\nlet a = service is x\nlet b = n = 1\nlet c = s is not \"t\"\n"
                                "let d = x in [a, b]\n"},
        LayoutCase{
            .name = "rule_clause_order_and_windows",
            .input = kHead + "event e\nrule r ref \"1\" exception to q when a within 1 weeks after e "
                             "pay h \xC2\xA3" "5 per line split h 1/3, s 2 / 3 odd penny to h "
                             "cap h at \xC2\xA3" "1 per week excess to panel regardless of cost "
                             "because \"x\"\nrule q from 2025-04-01 to e split h 100%\n"
                             "rule z before e split h 100%\nrule y within 2 day before e split h 100%\n",
            .expected = kHead + "\nevent e\n\nrule r ref \"1\"\n  exception to q\n  when a\n"
                                "  within 1 week after e\n  pay h \xC2\xA3" "5 per line\n"
                                "  split h 1/3, s 2/3\n  odd penny to h\n"
                                "  cap h at \xC2\xA3" "1 per week, excess to panel\n"
                                "  regardless of cost\n  because \"x\"\n\n"
                                "rule q\n  from 2025-04-01 to e\n  split h 100%\n\n"
                                "rule z\n  before e\n  split h 100%\n\n"
                                "rule y\n  within 2 days before e\n  split h 100%\n"},
        LayoutCase{
            .name = "one_line_declarations_keep_source_grouping",
            .input = kHead + "agency a \"A\"\nagency bb \"B\"\n\nfact x: bool\nfact y: map of s\n"
                             "event e\n\n\n\nlet z = 1\n",
            .expected = kHead + "\nagency a  \"A\"\nagency bb \"B\"\n\nfact x: bool\n"
                                "fact y: map of s\nevent e\n\nlet z = 1\n"},
        LayoutCase{
            .name = "comments_full_line_and_trailing",
            .input = "# preamble\n\n" + kHead + "# about a\nagency a \"A\" # the a\n"
                     "rule r # r itself\n  # before split\n  split a 100%   # all of it\n"
                     "  because \"x\"\n# at the end\n",
            .expected = "# preamble\n\n" + kHead + "\n# about a\nagency a \"A\"  # the a\n\n"
                        "rule r  # r itself\n  # before split\n"
                        "  split a 100%  # all of it\n  because \"x\"\n\n# at the end\n"},
        LayoutCase{
            .name = "two_trailing_comments_on_one_output_line",
            .input = kHead + "let x = 1 + # one\n  2 # two\n",
            .expected = kHead + "\n# two\nlet x = 1 + 2  # one\n"},
        // A clause over several lines becomes one; its comments stay beside it, in order.
        LayoutCase{
            .name = "second_trailing_comment_of_a_clause_follows_it",
            .input = kHead + "rule r\n  when a and # first\n    (b or\n     c) # second\n  split h 100%\n",
            .expected = kHead + "\nrule r\n  when a and (b or c)  # first\n  # second\n  split h 100%\n"},
        LayoutCase{
            .name = "comment_between_the_lines_of_a_clause_stays_in_the_rule",
            .input = kHead + "rule r\n  when a\n  split h 50%,\n    # s's half\n    s 50%\n  because \"x\"\n",
            .expected = kHead + "\nrule r\n  when a\n  # s's half\n  split h 50%, s 50%\n  because \"x\"\n"},
        LayoutCase{
            .name = "outcomes_and_tables_and_pools",
            .input = kHead + "decline when total > \xC2\xA3" "1 because \"d\" refer to \"R\" when true "
                             "refer to \"S\" when false because \"s\" table t from 0 to 5 gives 1 "
                             "from 6 gives 2 pool p \"P\" host a contribution a \xC2\xA3" "10 "
                             "not sharing overspend overspend shared in proportion to actual "
                             "contributions risk capped at contribution tolerance 5%",
            .expected = kHead + "\ndecline when total > \xC2\xA3" "1\n  because \"d\"\n\n"
                                "refer to \"R\" when true\n\nrefer to \"S\" when false\n"
                                "  because \"s\"\n\ntable t\n  from 0 to 5 gives 1\n"
                                "  from 6 gives 2\n\npool p \"P\"\n  host a\n"
                                "  contribution a \xC2\xA3" "10 not sharing overspend\n"
                                "  overspend shared in proportion to actual contributions\n"
                                "  risk capped at contribution\n  tolerance 5%\n"},
        LayoutCase{
            .name = "yearly_totals",
            .input = kHead + "refer to \"R\" when yearly   total>\xC2\xA3" "1 or (yearly total ( h ))>\xC2\xA3" "2\n"
                             "let yearly = 1\nlet b = yearly + 1\n",
            .expected = kHead + "\nrefer to \"R\" when yearly total > \xC2\xA3" "1 or yearly total(h) > \xC2\xA3" "2\n"
                                "let yearly = 1\nlet b = yearly + 1\n"},
        LayoutCase{
            .name = "outcome_refs",
            .input = kHead + "decline   ref \"D 1\"  when a because \"d\" refer to \"R\" ref\n\"R 2\" when b\n",
            .expected = kHead + "\ndecline ref \"D 1\" when a\n  because \"d\"\n\n"
                                "refer to \"R\" ref \"R 2\" when b\n"},
        LayoutCase{
            .name = "amount_expressions",
            .input = kHead + "rule r pay h (rate) per week split s 100% cap s at lookup(t,p)*2 per line excess to panel\n",
            .expected = kHead + "\nrule r\n  pay h rate per week\n  split s 100%\n"
                                "  cap s at lookup(t, p) * 2 per line, excess to panel\n"},
        LayoutCase{
            .name = "pool_sharing_phrases",
            .input = kHead + "pool p \"P\" contribution a \xC2\xA3" "1 sharing   overspend contribution b \xC2\xA3" "2 "
                             "not sharing underspend not sharing overspend contribution c \xC2\xA3" "3 not sharing underspend\n",
            .expected = kHead + "\npool p \"P\"\n  contribution a \xC2\xA3" "1 sharing overspend\n"
                                "  contribution b \xC2\xA3" "2 not sharing overspend, not sharing underspend\n"
                                "  contribution c \xC2\xA3" "3 not sharing underspend\n"},
        LayoutCase{
            .name = "until_and_several_exceptions",
            .input = kHead + "event e\nrule r exception to a ,b,  c from e   until 2026-01-01 split h 100%\n",
            .expected = kHead + "\nevent e\n\nrule r\n  exception to a, b, c\n  from e until 2026-01-01\n"
                                "  split h 100%\n"}),
    [](auto const& param_info) { return param_info.param.name; });

TEST(Format, WithoutSourceGroupsOneLineDeclarationsByKind) {
    const std::string src = kHead + "agency a \"A\"\n\nagency b \"B\"\nevent e\n";
    const ParseResult r = parse(src, "in.jf");
    ASSERT_TRUE(r.module);
    EXPECT_EQ(format(*r.module, ""),
              kHead + "\nagency a \"A\"\nagency b \"B\"\n\nevent e\n");
}

// The one printer on what only a hand-built module or the engine's messages give it.
TEST(Print, LiteralsOperatorsAndHandBuiltExpressions) {
    EXPECT_EQ(money_text(Decimal{-123456789, 2}), "-\xC2\xA3" "1,234,567.89");
    EXPECT_EQ(money_text(Decimal{0, 0}), "\xC2\xA3" "0");
    EXPECT_EQ(decimal_text(Decimal{-5, 3}), "-0.005");
    EXPECT_EQ(date_text(CivilDate{987, 6, 5}), "0987-06-05");
    // Written digit by digit: the same text as "%04d-%02d-%02d" at the edges of every field,
    // and past them (a year over 9999 or below 0) by the format itself.
    for (const int year : {0, 1, 9, 10, 99, 100, 999, 1000, 2025, 9999, 10000, -1})
        for (const int month : {1, 9, 10, 12})
            for (const int day : {1, 9, 10, 31}) {
                char expected[32];
                std::snprintf(expected, sizeof expected, "%04d-%02d-%02d", year, month, day);
                EXPECT_EQ(date_text(CivilDate{year, month, day}), expected);
            }
    EXPECT_EQ(quote(R"(a "b" \)"), R"("a \"b\" \\")");
    EXPECT_EQ(operator_text(BinaryOp::Eq), "=");
    EXPECT_EQ(operator_text(BinaryOp::Le), "<=");

    Expr x;
    x.node = NameRef{"x"};
    Expr a;
    a.node = NameRef{"a"};
    Expr b;
    b.node = NameRef{"b"};
    Expr list;
    list.node = List{{a, b}};
    Expr in;
    in.node = In{x, list};
    EXPECT_EQ(expr_text(in), "x in [a, b]");
    Expr nested;
    nested.node = Unary{UnaryOp::Negate, Expr{{}, Unary{UnaryOp::Negate, x}}};
    EXPECT_EQ(expr_text(nested), "- -x");

    Expr yearly;
    yearly.node = YearlyTotal{};
    EXPECT_EQ(expr_text(yearly), "yearly total");
    std::get<YearlyTotal>(yearly.node).args = {a};
    EXPECT_EQ(expr_text(yearly), "yearly total(a)");
    Expr funders;
    funders.node = Call{"funders", {}};
    EXPECT_EQ(expr_text(funders), "funders()");
}

}  // namespace
