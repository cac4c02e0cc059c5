// Diagnostics: GCC-style rendering and "did you mean" suggestions.
#include "jointly/dsl/diagnostic.hpp"

#include <algorithm>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "source_text.hpp"

namespace jointly::dsl {

std::ostream& operator<<(std::ostream& out, Code code) { return out << code_text(code); }

namespace {

std::string_view severity_word(Severity severity) {
    switch (severity) {
        case Severity::Error: return "error";
        case Severity::Warning: return "warning";
        case Severity::Note: return "note";
    }
    return "error";
}

// The text of 1-based line `line` (without its line break), or nullopt-like empty
// with `found` false when the source has fewer lines.
std::string_view source_line(std::string_view source, std::uint32_t line, bool& found) {
    found = false;
    if (line == 0) return {};
    std::size_t start = 0;
    for (std::uint32_t current = 1; current < line; ++current) {
        const std::size_t newline = detail::line_end(source, start);
        if (newline == source.size()) return {};
        start = newline + 1;
    }
    if (start > source.size()) return {};
    const std::size_t end = detail::line_end(source, start);
    std::string_view text = source.substr(start, end - start);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (line == 1) text.remove_prefix(detail::bom_length(text));  // takes no column
    found = true;
    return text;
}

bool is_continuation_byte(char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

// Number of code points in `text` (UTF-8; stray bytes count one each).
std::size_t code_points(std::string_view text) {
    std::size_t count = 0;
    for (const char c : text) {
        if (!is_continuation_byte(c)) ++count;
    }
    return count;
}

// A source line longer than kExcerptLimit characters is cut to kExcerptWidth of them around
// the caret, at most kExcerptBefore of them before it (diagnostic.hpp).
constexpr std::size_t kExcerptLimit = 120;
constexpr std::size_t kExcerptWidth = 100;
constexpr std::size_t kExcerptBefore = 40;
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // `…` in UTF-8

// A source line as shown under a diagnostic, and where its caret and underline go.
struct Excerpt {
    std::string text;
    std::size_t caret = 0;   // characters before the caret
    std::size_t length = 1;  // characters underlined, the caret's included
};

// `line` with tabs shown as spaces (which keeps code-point columns). A line longer than
// kExcerptLimit characters is cut to kExcerptWidth around the caret (at most kExcerptBefore
// of them before it), a `…` marking each cut, and the caret and underline move with the text:
// an 8,000-character condition gives one screen line, not 8,000 characters of text and of
// blanks. `caret` is 0-based, in characters.
Excerpt excerpt(std::string_view line, std::size_t caret, std::size_t length) {
    std::vector<std::size_t> starts;  // the byte each character starts at
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (!is_continuation_byte(line[i])) starts.push_back(i);
    }
    Excerpt out{std::string(line), caret, length};
    if (starts.size() > kExcerptLimit) {
        const std::size_t first =
            std::min(caret > kExcerptBefore ? caret - kExcerptBefore : 0, starts.size() - kExcerptWidth);
        const std::size_t last = first + kExcerptWidth;  // one past the last character shown
        const auto byte = [&](std::size_t character) {
            return character < starts.size() ? starts[character] : line.size();
        };
        out.text = first > 0 ? std::string(kEllipsis) : std::string();
        out.text += line.substr(byte(first), byte(last) - byte(first));
        if (last < starts.size()) out.text += kEllipsis;
        out.caret = caret - first + (first > 0 ? 1 : 0);
        // the underline stops where the text shown does
        out.length = caret < last ? std::max<std::size_t>(1, std::min(length, last - caret)) : 1;
    }
    std::replace(out.text.begin(), out.text.end(), '\t', ' ');
    return out;
}

// Optimal string alignment distance (insert, delete, substitute, swap neighbours), in
// three rows of the table (memory linear in `b`).
std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::size_t m = b.size();
    std::vector<std::size_t> before(m + 1, 0);  // row i - 2
    std::vector<std::size_t> last(m + 1, 0);    // row i - 1
    std::vector<std::size_t> row(m + 1, 0);     // row i
    for (std::size_t j = 0; j <= m; ++j) last[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        row[0] = i;
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({last[j] + 1, row[j - 1] + 1, last[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                row[j] = std::min(row[j], before[j - 2] + 1);
            }
        }
        std::swap(before, last);
        std::swap(last, row);
    }
    return last[m];
}

}  // namespace

bool has_errors(const Diagnostics& diagnostics) {
    return std::any_of(diagnostics.begin(), diagnostics.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

std::string render(const Diagnostic& diagnostic, std::string_view source) {
    const Span& span = diagnostic.span;
    std::string out = diagnostic.file.empty() ? std::string("<input>") : diagnostic.file;
    if (span.line > 0) {
        out += ':' + std::to_string(span.line) + ':' + std::to_string(span.column);
    }
    out += ": ";
    out += severity_word(diagnostic.severity);
    out += '[';
    out += code_text(diagnostic.code);
    out += "]: " + diagnostic.message + '\n';

    bool found = false;
    const std::string_view line_text = source_line(source, span.line, found);
    // The gutter is GCC's: the line number right-aligned in at least four columns after
    // one space, then ` | `.
    const std::string number = std::to_string(span.line);
    const std::size_t width = std::max<std::size_t>(4, number.size()) + 1;
    if (found) {
        const std::size_t line_length = code_points(line_text);
        const std::size_t column = span.column == 0 ? 1 : span.column;
        std::size_t length = 1;
        if (span.end_line == span.line && span.end_column > column) {
            length = span.end_column - column;
        } else if (span.end_line > span.line && line_length + 1 > column) {
            length = line_length + 1 - column;  // to the end of this line
        }
        const Excerpt shown = excerpt(line_text, column - 1, length);
        out += std::string(width - number.size(), ' ') + number + " | " + shown.text + '\n';
        out += std::string(width, ' ') + " | " + std::string(shown.caret, ' ') + '^' +
               std::string(shown.length - 1, '~') + '\n';
    }
    if (!diagnostic.help.empty()) {
        out += std::string(width - 2, ' ') + "= help: " + diagnostic.help + '\n';
    }
    return out;
}

std::string render_all(const Diagnostics& diagnostics, std::string_view source) {
    std::string out;
    for (const Diagnostic& diagnostic : diagnostics) out += render(diagnostic, source);
    return out;
}

// A candidate is suggested when it is at most `limit` edits away, where `limit` is a
// third of the word's length, but at least 1 and, for words of six letters or more, at
// least 2. The closest wins; ties go to the earliest candidate.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    // Longer words get no suggestion: the table costs length x length, and nobody misspells
    // a 65-letter name one letter at a time.
    if (word.size() > kMaxSuggestedLength) return {};
    const std::size_t third = word.size() / 3;
    const std::size_t limit = word.size() >= 6 ? std::max<std::size_t>(2, third)
                                               : std::max<std::size_t>(1, third);
    std::string best;
    std::size_t best_distance = limit + 1;
    for (const std::string& candidate : candidates) {
        if (candidate == word) continue;
        // The distance is at least the difference in length.
        const std::size_t apart = candidate.size() > word.size() ? candidate.size() - word.size()
                                                                 : word.size() - candidate.size();
        if (apart >= best_distance) continue;
        const std::size_t distance = edit_distance(word, candidate);
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best;
}

}  // namespace jointly::dsl
