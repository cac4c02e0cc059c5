// Myers' O(ND) line diff (E. Myers, "An O(ND) Difference Algorithm and Its Variations",
// 1986), keeping each step's furthest-reaching paths to walk the edit script back, then
// grouped into unified hunks.
#include "unified_diff.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

namespace jointly::server {
namespace {

using Lines = std::vector<std::string_view>;

// Each line keeps its terminator; a last line without one is kept as it is.
Lines split_lines(const std::string& text) {
    Lines lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto newline = text.find('\n', start);
        const auto end = newline == std::string::npos ? text.size() : newline + 1;
        lines.emplace_back(text.data() + start, end - start);
        start = end;
    }
    return lines;
}

enum class Op : std::uint8_t { Equal, Delete, Insert };

struct Edit {
    Op op;
    std::size_t a;  // index in `before` (Equal, Delete)
    std::size_t b;  // index in `after` (Equal, Insert)
};

// The edit script turning a[lo_a, hi_a) into b[lo_b, hi_b); minimal up to kMaxEdits edits.
void middle_script(const Lines& a, std::size_t lo_a, std::size_t hi_a, const Lines& b, std::size_t lo_b,
                   std::size_t hi_b, std::vector<Edit>& script) {
    const auto n = static_cast<long>(hi_a - lo_a);
    const auto m = static_cast<long>(hi_b - lo_b);
    auto equal = [&](long x, long y) {
        return a[lo_a + static_cast<std::size_t>(x)] == b[lo_b + static_cast<std::size_t>(y)];
    };
    const long max_d = std::min(n + m, static_cast<long>(kMaxEdits));
    std::vector<long> v(static_cast<std::size_t>(2 * max_d + 3), 0);
    const long offset = max_d + 1;
    auto at = [&](long k) -> long& { return v[static_cast<std::size_t>(k + offset)]; };
    // trace[d]: V before step d, for k in [-d-1, d+1].
    std::vector<std::vector<long>> trace;
    long found = -1;
    for (long d = 0; d <= max_d && found < 0; ++d) {
        trace.emplace_back(v.begin() + (offset - d - 1), v.begin() + (offset + d + 2));
        for (long k = -d; k <= d; k += 2) {
            long x = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? at(k + 1) : at(k - 1) + 1;
            long y = x - k;
            while (x < n && y < m && equal(x, y)) ++x, ++y;
            at(k) = x;
            if (x >= n && y >= m) {
                found = d;
                break;
            }
        }
    }
    std::vector<Edit> reversed;
    if (found < 0) {  // too different: replace the whole middle
        for (long y = m; y-- > 0;) reversed.push_back({Op::Insert, 0, lo_b + static_cast<std::size_t>(y)});
        for (long x = n; x-- > 0;) reversed.push_back({Op::Delete, lo_a + static_cast<std::size_t>(x), 0});
    } else {
        long x = n;
        long y = m;
        for (long d = found; d >= 0; --d) {
            const auto& prev = trace[static_cast<std::size_t>(d)];
            auto before = [&](long k) { return prev[static_cast<std::size_t>(k + d + 1)]; };
            const long k = x - y;
            long prev_k = 0;
            long prev_x = 0;
            long prev_y = 0;
            if (d > 0) {
                prev_k = (k == -d || (k != d && before(k - 1) < before(k + 1))) ? k + 1 : k - 1;
                prev_x = before(prev_k);
                prev_y = prev_x - prev_k;
            }
            while (x > prev_x && y > prev_y) {
                --x, --y;
                reversed.push_back({Op::Equal, lo_a + static_cast<std::size_t>(x), lo_b + static_cast<std::size_t>(y)});
            }
            if (d == 0) break;
            if (x == prev_x) reversed.push_back({Op::Insert, 0, lo_b + static_cast<std::size_t>(prev_y)});
            else reversed.push_back({Op::Delete, lo_a + static_cast<std::size_t>(prev_x), 0});
            x = prev_x;
            y = prev_y;
        }
    }
    script.insert(script.end(), reversed.rbegin(), reversed.rend());
}

void print_line(std::string& out, char mark, std::string_view line) {
    out += mark;
    out += line;
    if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

std::string range(std::size_t start, std::size_t count) {
    // An empty range names the line before it; a one-line range omits its count.
    if (count == 0) return std::to_string(start) + ",0";
    if (count == 1) return std::to_string(start + 1);
    return std::to_string(start + 1) + "," + std::to_string(count);
}

}  // namespace

std::string unified_diff(const std::string& before, const std::string& after, const std::string& before_name,
                         const std::string& after_name, std::size_t context) {
    if (before == after) return {};
    const Lines a = split_lines(before);
    const Lines b = split_lines(after);
    std::size_t prefix = 0;
    while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
    std::size_t suffix = 0;
    while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
           a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
        ++suffix;
    std::vector<Edit> script;
    for (std::size_t i = 0; i < prefix; ++i) script.push_back({Op::Equal, i, i});
    middle_script(a, prefix, a.size() - suffix, b, prefix, b.size() - suffix, script);
    for (std::size_t i = suffix; i > 0; --i) script.push_back({Op::Equal, a.size() - i, b.size() - i});

    // Lines of `before` and `after` consumed before each edit.
    std::vector<std::size_t> pos_a(script.size() + 1, 0);
    std::vector<std::size_t> pos_b(script.size() + 1, 0);
    for (std::size_t i = 0; i < script.size(); ++i) {
        pos_a[i + 1] = pos_a[i] + (script[i].op != Op::Insert ? 1 : 0);
        pos_b[i + 1] = pos_b[i] + (script[i].op != Op::Delete ? 1 : 0);
    }
    std::string out = "--- " + before_name + "\n+++ " + after_name + "\n";
    std::size_t i = 0;
    while (i < script.size()) {
        while (i < script.size() && script[i].op == Op::Equal) ++i;
        if (i == script.size()) break;
        const std::size_t start = i > context ? i - context : 0;
        // Extend over changes separated by at most 2 * context equal lines.
        std::size_t last = i;  // the last change in the hunk
        for (std::size_t j = i + 1; j < script.size(); ++j) {
            if (script[j].op == Op::Equal) continue;
            if (j - last - 1 > 2 * context) break;
            last = j;
        }
        const std::size_t end = std::min(script.size(), last + 1 + context);
        out += "@@ -" + range(pos_a[start], pos_a[end] - pos_a[start]) + " +" +
               range(pos_b[start], pos_b[end] - pos_b[start]) + " @@\n";
        for (std::size_t j = start; j < end; ++j) {
            const auto& e = script[j];
            if (e.op == Op::Equal) print_line(out, ' ', a[e.a]);
            else if (e.op == Op::Delete) print_line(out, '-', a[e.a]);
            else print_line(out, '+', b[e.b]);
        }
        i = end;
    }
    return out;
}

}  // namespace jointly::server
