// completion: the word under the cursor, whether it is in the code, a comment or a text, and
// the protocol's items for it (lsp_completion_items.cpp says what fits where).
#include "lsp_completion.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "lsp_completion_items.hpp"
#include "lsp_completion_words.hpp"
#include "lsp_scan.hpp"

namespace jointly::server::lsp {
namespace {

using nlohmann::json;

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// More items than a person reads: the answer is cut, and says so.
constexpr std::size_t kMaxItems = 1000;

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// True when `label` begins with `typed`, ASCII letters compared regardless of case (names are
// lower case, but an author may type a capital).
bool begins_with_ascii_folded(std::string_view label, std::string_view typed) {
    if (label.size() < typed.size()) return false;
    for (std::size_t i = 0; i < typed.size(); ++i)
        if (ascii_lower(label[i]) != ascii_lower(typed[i])) return false;
    return true;
}

// How far before the word its declaration's tokens are kept: a declaration is a few lines; one
// longer than this (a text of a million symbols) is read only this far back, and the scan
// holds no more tokens than bytes.
constexpr std::size_t kKeptBytes = 64 * 1024;

// True when the line at byte `begin` starts, in its first column, with a declaration's keyword.
bool declaration_line(std::string_view text, std::size_t begin) {
    std::size_t end = begin;
    while (end < text.size() && is_word_char(text[end])) ++end;
    const std::string_view w = text.substr(begin, end - begin);
    return std::find(std::begin(completion_words::kDeclarationKeywords), std::end(completion_words::kDeclarationKeywords),
                     w) != std::end(completion_words::kDeclarationKeywords);
}

// What completion scans of the text: from the start of the last line before the word's line
// that starts a declaration (or from the start) to the token at the cursor (a text it is in
// is read to its end), keeping the tokens from kKeptBytes before the word.
Region region(std::string_view text, const LineMap& map, std::uint32_t line, std::size_t word_begin,
              std::size_t cursor) {
    Region r;
    r.until = cursor;
    r.to = map.offset(Position{line + 1, 0});  // past the last line: the text's end
    if (r.to < word_begin) r.to = text.size();
    r.keep_from = word_begin > kKeptBytes ? word_begin - kKeptBytes : 0;
    for (std::uint32_t l = line; l-- > 0;) {
        const std::size_t begin = map.offset(Position{l, 0});
        if (declaration_line(text, begin)) {
            r.from = begin;
            r.first_line = l;
            break;
        }
    }
    return r;
}

json position_json(Position p) { return {{"line", p.line}, {"character", p.character}}; }

}  // namespace

json completion(std::string_view text, Position at) {
    json out = json::array();
    const LineMap map(text);
    // A position the text does not have (past its end, past a line's end) has no completion.
    if (map.position(map.point(at)) != at) return out;
    const std::size_t cursor = map.offset(at);
    std::size_t word_begin = cursor;
    std::size_t word_end = cursor;
    while (word_begin > 0 && is_word_char(text[word_begin - 1])) --word_begin;
    while (word_end < text.size() && is_word_char(text[word_end])) ++word_end;
    const Scan s = scan(text, region(text, map, at.line, word_begin, cursor));
    for (const auto& [begin, end] : s.comments)
        if (cursor > begin && cursor <= end) return out;
    std::string_view close;  // what follows the name inserted in a placeholder
    std::size_t in_text = s.tokens.size();
    for (std::size_t i = 0; i < s.tokens.size(); ++i) {
        const Token& t = s.tokens[i];
        if (t.kind == TokenKind::Text && t.begin < cursor && (cursor < t.end || (!t.closed && cursor == t.end)))
            in_text = i;
    }
    std::vector<CompletionItem> items;
    if (in_text < s.tokens.size()) {
        // In a text: only right after `{` and a name's first letters.
        if (word_begin == 0 || text[word_begin - 1] != '{' || word_begin <= s.tokens[in_text].begin) return out;
        items = placeholder_items(s, scan_document(text), in_text);
        if (word_end >= text.size() || text[word_end] != '}') close = "}";
    } else {
        if (word_begin < word_end && text[word_begin] >= '0' && text[word_begin] <= '9') return out;
        const Token* glued = nullptr;  // a token that ends where the word starts: `£1,500|`
        for (auto t = s.tokens.rbegin(); t != s.tokens.rend() && glued == nullptr && t->end >= word_begin; ++t)
            if (t->end == word_begin && t->begin < word_begin) glued = &*t;
        if (glued != nullptr && (glued->kind == TokenKind::Literal || glued->kind == TokenKind::Text)) return out;
        const std::size_t line_begin = map.offset(Position{at.line, 0});
        const bool bom = at.line == 0 && text.starts_with("\xEF\xBB\xBF");
        items = code_items(s, scan_document(text, word_begin), word_begin, at.line,
                           word_begin == line_begin + (bom ? 3 : 0));
    }
    // A text of thousands of names: those the word's letters so far begin, at most kMaxItems.
    const bool incomplete = items.size() > kMaxItems;
    if (incomplete) {
        const std::string_view typed = text.substr(word_begin, cursor - word_begin);
        std::erase_if(items, [typed](const CompletionItem& i) { return !begins_with_ascii_folded(i.label, typed); });
        if (items.size() > kMaxItems) items.resize(kMaxItems);
    }
    // The word is ASCII: its bytes are its UTF-16 units.
    const auto units = [](std::size_t n) { return static_cast<std::uint32_t>(n); };
    const json range = {{"start", position_json({at.line, at.character - units(cursor - word_begin)})},
                        {"end", position_json({at.line, at.character + units(word_end - cursor)})}};
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto& item = items[i];
        std::string insert = item.insert.empty() ? item.label : item.insert;
        insert += close;
        std::string order = std::to_string(i);
        order.insert(0, order.size() < 4 ? 4 - order.size() : 0, '0');
        out.push_back({{"label", std::move(item.label)},
                       {"kind", item.kind},
                       {"detail", std::move(item.detail)},
                       {"sortText", order},
                       {"textEdit", {{"range", range}, {"newText", std::move(insert)}}}});
    }
    if (incomplete) return {{"isIncomplete", true}, {"items", std::move(out)}};
    return out;
}

}  // namespace jointly::server::lsp
