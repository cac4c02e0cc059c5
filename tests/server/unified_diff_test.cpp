// unified_diff: exact output for small cases (checked against GNU `diff -u`), and for random
// texts, that applying the hunks to the first text gives the second.
#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "unified_diff.hpp"

namespace jointly::testing {
namespace {

using server::unified_diff;

struct Case {
    const char* name;
    std::string before;
    std::string after;
    std::string expected;  // without the two header lines
};

class UnifiedDiff : public ::testing::TestWithParam<Case> {};

TEST_P(UnifiedDiff, MatchesGnuDiff) {
    const auto& c = GetParam();
    const std::string headers = "--- a\n+++ b\n";
    EXPECT_EQ(unified_diff(c.before, c.after, "a", "b"), c.expected.empty() ? "" : headers + c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, UnifiedDiff,
    ::testing::Values(
        Case{.name = "equal", .before = "x\ny\n", .after = "x\ny\n", .expected = ""},
        Case{.name = "one_line_changed",
             .before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
             .after = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
             .expected = "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
        Case{.name = "insert_at_start", .before = "a\nb\n", .after = "new\na\nb\n",
             .expected = "@@ -1,2 +1,3 @@\n+new\n a\n b\n"},
        Case{.name = "from_empty", .before = "", .after = "a\n", .expected = "@@ -0,0 +1 @@\n+a\n"},
        Case{.name = "to_empty", .before = "a\nb\n", .after = "", .expected = "@@ -1,2 +0,0 @@\n-a\n-b\n"},
        Case{.name = "no_newline_at_end",
             .before = "a\nb",
             .after = "a\nb\n",
             .expected = "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
        Case{.name = "two_hunks",
             .before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
             .after = "one\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\ntwelve\n",
             .expected = "@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+twelve\n"},
        Case{.name = "close_changes_share_a_hunk",
             .before = "1\n2\n3\n4\n5\n6\n7\n8\n",
             .after = "one\n2\n3\n4\n5\n6\n7\neight\n",
             .expected = "@@ -1,8 +1,8 @@\n-1\n+one\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+eight\n"}),
    [](const ::testing::TestParamInfo<Case>& param_info) { return std::string(param_info.param.name); });

// Applies a unified diff to `before`; empty optional-like "" marker on a malformed diff.
std::string apply_diff(const std::string& before, const std::string& diff) {
    std::vector<std::string> lines;
    std::istringstream in(before);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    std::vector<std::string> out;
    std::istringstream d(diff);
    std::string l;
    std::getline(d, l);  // ---
    std::getline(d, l);  // +++
    std::size_t next = 0;  // the next line of `before` not yet copied
    while (std::getline(d, l)) {
        if (l.rfind("@@ -", 0) == 0) {
            std::size_t start = std::stoul(l.substr(4));
            const auto comma = l.find(',');
            const auto space = l.find(' ', 4);
            const bool empty = comma < space && l.substr(comma + 1, space - comma - 1) == "0";
            const std::size_t first = empty ? start : start - 1;  // 0-based first line of the hunk
            while (next < first) out.push_back(lines[next++]);
        } else if (l[0] == ' ') {
            EXPECT_EQ(lines.at(next), l.substr(1));
            out.push_back(lines[next++]);
        } else if (l[0] == '-') {
            EXPECT_EQ(lines.at(next), l.substr(1));
            ++next;
        } else if (l[0] == '+') {
            out.push_back(l.substr(1));
        }
    }
    while (next < lines.size()) out.push_back(lines[next++]);
    std::string text;
    for (const auto& o : out) text += o + "\n";
    return text;
}

TEST(UnifiedDiffRandom, ApplyingTheDiffGivesTheSecondText) {
    std::mt19937 rng(7);
    for (int round = 0; round < 300; ++round) {
        auto text = [&] {
            std::string t;
            const auto n = rng() % 30;
            for (unsigned i = 0; i < n; ++i) t += std::string(1, static_cast<char>('a' + rng() % 4)) + "\n";
            return t;
        };
        const auto a = text();
        const auto b = text();
        const auto diff = unified_diff(a, b, "a", "b");
        if (a == b) {
            EXPECT_EQ(diff, "");
            continue;
        }
        EXPECT_EQ(apply_diff(a, diff), b) << a << "---\n" << b << "---\n" << diff;
    }
}

// Past kMaxEdits the diff is one hunk replacing the middle: not minimal, still correct.
TEST(UnifiedDiffLarge, PastTheEditLimitTheMiddleIsReplacedWhole) {
    std::string a = "same\n";
    std::string b = "same\n";
    for (std::size_t i = 0; i < server::kMaxEdits; ++i) {
        a += "a" + std::to_string(i) + "\n";
        b += "b" + std::to_string(i) + "\n";
    }
    a += "end\n";
    b += "end\n";
    const auto diff = unified_diff(a, b, "a", "b");
    const auto n = std::to_string(server::kMaxEdits + 2);
    EXPECT_EQ(diff.substr(0, diff.find('\n', 12) + 1), "--- a\n+++ b\n@@ -1," + n + " +1," + n + " @@\n");
    EXPECT_EQ(apply_diff(a, diff), b);
}

}  // namespace
}  // namespace jointly::testing
