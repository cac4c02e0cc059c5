// LineMap: policy points (code points) to protocol positions (UTF-16 units) and back.
#include "lsp_text.hpp"

#include <algorithm>
#include <limits>

namespace jointly::server::lsp {
namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U; }

// UTF-16 units of the code point a lead byte starts: two for a four-byte sequence.
std::uint32_t utf16_units(char lead) { return static_cast<unsigned char>(lead) >= 0xF0U ? 2U : 1U; }

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";  // U+FEFF in UTF-8

std::uint32_t narrow(std::size_t n) {
    return static_cast<std::uint32_t>(std::min<std::size_t>(n, std::numeric_limits<std::uint32_t>::max()));
}

}  // namespace

LineMap::LineMap(std::string_view text) : text_(text), bom_(text.starts_with(kByteOrderMark) ? kByteOrderMark.size() : 0) {
    starts_.push_back(0);
    // `\n`, `\r\n` (the `\r` is the line's) or a lone `\r`, the protocol's three line ends
    for (std::size_t i = 0; i < text_.size(); ++i)
        if (text_[i] == '\n' || (text_[i] == '\r' && (i + 1 == text_.size() || text_[i + 1] != '\n')))
            starts_.push_back(i + 1);
}

std::pair<std::size_t, std::size_t> LineMap::line_bytes(std::size_t line) const {
    const std::size_t first = starts_[line];
    const std::size_t last = line + 1 < starts_.size() ? starts_[line + 1] - 1 : text_.size();
    return {first, last};
}

std::size_t LineMap::first_column(std::size_t line) const {
    return line == 0 ? std::min(bom_, text_.size()) : starts_[line];
}

std::size_t LineMap::offset(Point at) const {
    if (at.line == 0) return 0;
    if (at.line > starts_.size()) return text_.size();
    const std::size_t last = line_bytes(at.line - 1).second;
    std::size_t i = first_column(at.line - 1);
    for (std::uint32_t column = 1; column < at.column && i < last; ++column) {
        ++i;
        while (i < last && is_continuation(text_[i])) ++i;
    }
    return i;
}

Position LineMap::position(Point at) const {
    if (at.line == 0) return {};
    if (at.line > starts_.size()) return end();
    const auto [first, last] = line_bytes(at.line - 1);
    const std::size_t stop = offset(at);
    std::uint32_t units = 0;
    for (std::size_t i = first; i < stop && i < last; ++i)
        if (!is_continuation(text_[i])) units += utf16_units(text_[i]);
    return {at.line - 1, units};
}

std::size_t LineMap::offset(Position at) const {
    if (at.line >= starts_.size()) return text_.size();
    const auto [first, last] = line_bytes(at.line);
    std::size_t i = first;
    std::uint32_t units = 0;
    while (i < last) {
        const std::uint32_t width = utf16_units(text_[i]);
        if (units + width > at.character) break;
        units += width;
        ++i;
        while (i < last && is_continuation(text_[i])) ++i;
    }
    return i;
}

Point LineMap::point(Position at) const {
    if (at.line >= starts_.size()) return point(end());
    const std::size_t last = line_bytes(at.line).second;
    const std::size_t stop = offset(at);
    std::uint32_t column = 1;
    for (std::size_t i = first_column(at.line); i < stop && i < last; ++i)
        if (!is_continuation(text_[i])) ++column;
    return {at.line + 1, column};
}

Position LineMap::end() const {
    const std::size_t line = starts_.size() - 1;
    const auto [first, last] = line_bytes(line);
    std::uint32_t units = 0;
    for (std::size_t i = first; i < last; ++i)
        if (!is_continuation(text_[i])) units += utf16_units(text_[i]);
    return {narrow(line), units};
}

}  // namespace jointly::server::lsp
