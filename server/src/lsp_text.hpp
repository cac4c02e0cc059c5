// Positions in a document the language server holds: the policy's 1-based lines and
// code-point columns (dsl::Span) against the protocol's 0-based lines and UTF-16 offsets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace jointly::server::lsp {

// A protocol position: 0-based line, 0-based character counted in UTF-16 code units.
struct Position {
    std::uint32_t line = 0;
    std::uint32_t character = 0;

    bool operator==(const Position&) const = default;
};

// A policy position: 1-based line, 1-based column counted in code points (a byte that is not
// a UTF-8 continuation byte starts one, as dsl's SourceText counts them).
struct Point {
    std::uint32_t line = 1;
    std::uint32_t column = 1;

    bool operator==(const Point&) const = default;
};

// Maps between the two over one text, which it views: the text must outlive it. Lines end at
// `\n` (a `\r` before it is part of the line's text, as in the parser) or at a `\r` that no
// `\n` follows. A byte order mark at
// the start takes no policy column (as in the parser) but one protocol character (as in the
// client's copy of the text). Out-of-range input is clamped to the nearest position in the
// text. Thread-compatible.
class LineMap {
public:
    explicit LineMap(std::string_view text);

    // A span's point as a protocol position; line 0 (a diagnostic without a place) is {0, 0}.
    Position position(Point at) const;
    // A protocol position as a point (a character inside a surrogate pair counts as the
    // pair's code point).
    Point point(Position at) const;
    // The byte offset of a protocol position (never inside a UTF-8 sequence).
    std::size_t offset(Position at) const;
    // The byte offset of a point.
    std::size_t offset(Point at) const;
    // The position just past the last character.
    Position end() const;

private:
    std::pair<std::size_t, std::size_t> line_bytes(std::size_t line) const;  // [begin, end)
    std::size_t first_column(std::size_t line) const;  // the byte of column 1 (after a BOM)

    std::string_view text_;
    std::size_t bom_ = 0;  // the byte order mark's length: 3 or 0
    std::vector<std::size_t> starts_;
};

}  // namespace jointly::server::lsp
