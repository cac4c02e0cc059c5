#include "source_text.hpp"

#include <algorithm>

namespace jointly::dsl::detail {

namespace {

std::uint32_t narrow(std::size_t n) {
    return n > UINT32_MAX ? UINT32_MAX : static_cast<std::uint32_t>(n);
}

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U; }

}  // namespace

SourceText::SourceText(std::string_view text) : text_(text), bom_(bom_length(text)) {
    line_starts_.push_back(0);
    bool ascii = true;
    for (std::size_t i = 0; i < text_.size(); ++i) {
        if (static_cast<unsigned char>(text_[i]) >= 0x80U) ascii = false;
        if (ends_line(text_, i)) {
            line_ascii_.push_back(ascii);
            line_starts_.push_back(i + 1);
            ascii = true;
        }
    }
    line_ascii_.push_back(ascii);
    if (std::find(line_ascii_.begin(), line_ascii_.end(), false) != line_ascii_.end()) {
        continuations_.resize(text_.size() + 1);
        std::uint32_t count = 0;
        for (std::size_t i = 0; i < text_.size(); ++i) {
            continuations_[i] = count;
            if (is_continuation(text_[i])) ++count;
        }
        continuations_[text_.size()] = count;
    }
}

std::size_t SourceText::line_index(std::size_t offset) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    return static_cast<std::size_t>(it - line_starts_.begin()) - 1;
}

std::size_t SourceText::line_start(std::size_t offset) const {
    return line_starts_[line_index(offset)];
}

std::uint32_t SourceText::line_of(std::size_t offset) const {
    return narrow(line_index(std::min(offset, text_.size())) + 1);
}

std::uint32_t SourceText::column_in(std::size_t line, std::size_t offset) const {
    std::size_t start = line_starts_[line];
    if (line == 0 && bom_ != 0) {  // the byte order mark takes no column
        if (offset < bom_) return 1;
        start = bom_;
    }
    if (line_ascii_[line]) return narrow(offset - start + 1);
    return narrow(offset - start - (continuations_[offset] - continuations_[start]) + 1);
}

Span SourceText::span(std::size_t begin, std::size_t end) const {
    begin = std::min(begin, text_.size());
    end = std::clamp(end, begin, text_.size());
    const std::size_t first = line_index(begin);
    const bool same_line = first + 1 >= line_starts_.size() || end < line_starts_[first + 1];
    const std::size_t last = same_line ? first : line_index(end);
    Span s;
    s.line = narrow(first + 1);
    s.column = column_in(first, begin);
    s.end_line = narrow(last + 1);
    s.end_column = column_in(last, end);
    s.offset = narrow(begin);
    s.length = narrow(end - begin);
    return s;
}

std::size_t line_end(std::string_view text, std::size_t from) {
    for (std::size_t i = from; i < text.size(); ++i) {
        if (ends_line(text, i)) return i;
    }
    return text.size();
}

std::size_t comment_start(std::string_view text, std::size_t line_begin, std::size_t line_stop) {
    bool in_string = false;
    for (std::size_t i = line_begin; i < line_stop && i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '#') {
            return i;
        }
    }
    return std::string_view::npos;
}

std::size_t SourceText::trim_end(std::size_t begin, std::size_t end) const {
    end = std::min(end, text_.size());
    // Fast path: right after a token. (The skipper stops inside a comment only at the end of
    // the file; elsewhere it also takes the line end that follows.)
    if (end > begin && end < text_.size() && !is_blank(text_[end - 1])) return end;
    for (;;) {
        while (end > begin && is_blank(text_[end - 1])) --end;
        if (end == begin) return end;
        const std::size_t ls = line_start(end - 1);
        const std::size_t hash = comment_start(text_, ls, end);
        if (hash == std::string_view::npos || hash < begin) return end;
        end = hash;
    }
}

std::size_t SourceText::skip_blank(std::size_t pos) const {
    while (pos < text_.size()) {
        if (is_blank(text_[pos])) {
            ++pos;
        } else if (text_[pos] == '#') {
            while (pos < text_.size() && text_[pos] != '\n' && text_[pos] != '\r') ++pos;
        } else {
            break;
        }
    }
    return pos;
}

std::vector<Comment> scan_comments(std::string_view text) {
    std::vector<Comment> out;
    std::size_t line_begin = 0;
    std::uint32_t line = 1;
    bool previous_was_full_comment = false;
    while (line_begin <= text.size()) {
        const std::size_t end = line_end(text, line_begin);
        // a byte order mark before the first line's text is no text
        const std::size_t content_begin = line_begin == 0 ? bom_length(text) : line_begin;
        const std::string_view content = text.substr(content_begin, end - content_begin);
        const bool blank_line = std::all_of(content.begin(), content.end(), is_blank);
        if (blank_line && previous_was_full_comment) out.back().blank_after = true;
        previous_was_full_comment = false;
        const std::size_t hash = comment_start(text, content_begin, end);
        if (hash != std::string_view::npos) {
            Comment c;
            c.line = line;
            c.full_line = std::all_of(text.begin() + static_cast<std::ptrdiff_t>(content_begin),
                                      text.begin() + static_cast<std::ptrdiff_t>(hash), is_blank);
            std::string_view body = text.substr(hash, end - hash);
            while (!body.empty() && is_blank(body.back())) body.remove_suffix(1);
            c.text = std::string(body);
            previous_was_full_comment = c.full_line;
            out.push_back(std::move(c));
        }
        if (end == text.size()) break;
        line_begin = end + 1;
        ++line;
    }
    return out;
}

}  // namespace jointly::dsl::detail
