// Positions and comments in policy source text: shared by the parser and the formatter.
// Private to jointly::dsl; no Spirit here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jointly/dsl/ast.hpp"

namespace jointly::dsl::detail {

// The UTF-8 byte order mark (U+FEFF) that some editors (Windows Notepad) write at the start of
// a file.
inline constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// The length of the byte order mark `text` starts with: 3, or 0 when it has none. The parser
// starts after it and counts the first line's columns as if it were not there.
constexpr std::size_t bom_length(std::string_view text) {
    return text.starts_with(kByteOrderMark) ? kByteOrderMark.size() : 0;
}

// Maps byte offsets to 1-based lines (each ended as `ends_line` says: `\n`, `\r\n` or a lone
// `\r`) and code-point columns. A byte order mark at the start
// takes no column: the character after it is at 1:1. Holds a view: the text must outlive it.
// Thread-compatible (const after construction).
class SourceText {
public:
    explicit SourceText(std::string_view text);

    std::string_view text() const { return text_; }

    // The span of bytes [begin, end). Offsets past the end are clamped.
    Span span(std::size_t begin, std::size_t end) const;

    // `end` moved back over whitespace and comments, never before `begin`: a parser that
    // skipped trailing blanks while looking for an optional part does not stretch a span.
    std::size_t trim_end(std::size_t begin, std::size_t end) const;

    // `pos` moved forward over whitespace and `#` comments.
    std::size_t skip_blank(std::size_t pos) const;

    // 1-based line of a byte offset.
    std::uint32_t line_of(std::size_t offset) const;

private:
    std::size_t line_index(std::size_t offset) const;  // 0-based
    std::size_t line_start(std::size_t offset) const;
    std::uint32_t column_in(std::size_t line, std::size_t offset) const;

    std::string_view text_;
    std::size_t bom_ = 0;  // bom_length(text_)
    std::vector<std::size_t> line_starts_;
    std::vector<bool> line_ascii_;  // a line of ASCII only: column = byte offset + 1
    // For text with non-ASCII bytes: UTF-8 continuation bytes before each offset.
    std::vector<std::uint32_t> continuations_;
};

// The byte offset of the `#` that starts a comment on the line [line_begin, line_stop), or
// `npos` when the line has none. Knows that `#` inside a string is text.
std::size_t comment_start(std::string_view text, std::size_t line_begin, std::size_t line_stop);

// A `#` comment, as found in the source.
struct Comment {
    std::uint32_t line = 0;      // 1-based
    bool full_line = false;      // nothing but blanks before it on its line
    bool blank_after = false;    // full-line only: a blank line follows it in the source
    std::string text;            // from `#` to the end of the line, trailing blanks removed
};

// Every comment in source order.
std::vector<Comment> scan_comments(std::string_view text);

// True for the bytes the language treats as blank: space, tab, CR, LF.
constexpr bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// True when the byte at `i` (< text.size()) ends a line: `\n`, or a `\r` that no `\n` follows
// (an old Mac file's line end). In `\r\n` the `\n` ends the line and the `\r` is a blank on it.
constexpr bool ends_line(std::string_view text, std::size_t i) {
    return text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'));
}

// The offset of the byte that ends the line holding `from` (ends_line), or text.size() when
// that line is the last and has no line end.
std::size_t line_end(std::string_view text, std::size_t from);

}  // namespace jointly::dsl::detail
