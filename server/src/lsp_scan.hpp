// A tolerant reading of a policy's text for completion: its tokens and the names it declares,
// from any text, whether or not it parses. The parser stops at the first syntax error, and an
// author asking for completion is in the middle of one, so completion cannot wait for a
// module (lsp_index.hpp needs one); this scan reads what it can and skips what it cannot.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsp_index.hpp"

namespace jointly::server::lsp {

enum class TokenKind {
    Word,     // a name or keyword: [A-Za-z_][A-Za-z0-9_]*
    Text,     // a quoted text, `"` to `"` or to the end of its line
    Literal,  // a number, amount, percentage or date: starts with a digit or `£`
    Punct,    // one symbol, or `!=`, `<=`, `>=`
};

struct Token {
    TokenKind kind = TokenKind::Punct;
    std::string_view text;       // views the scanned text
    std::size_t begin = 0;       // byte offsets in the scanned text
    std::size_t end = 0;
    std::size_t line = 0;        // 0-based, counted as LineMap counts lines
    bool line_start = false;     // the first token on its line
    bool column_zero = false;    // ... written at the line's first column (no indentation)
    bool closed = true;          // a text: its closing quote is there
};

// True when `word` is one of the language's reserved words (docs/language.md), which are never
// names.
bool is_reserved(std::string_view word);

// The text's tokens in order, and the byte ranges of its comments (`#` to the line's end).
// Never fails: a byte that starts no token is a one-byte Punct.
struct Scan {
    std::vector<Token> tokens;
    std::vector<std::pair<std::size_t, std::size_t>> comments;  // [begin, end)
};

// The part of a text to scan: from `from`, the start of the 0-based line `first_line`, to
// `to`. A token, text or comment never spans lines, so a line scans the same alone as in the
// whole text. The tokens and comments that begin before `keep_from` are read but not kept,
// but for the region's first token (completion keeps the declaration's keyword and the lines
// just before the cursor, however long the declaration); the scan stops at the first token that
// begins at or after `until`.
struct Region {
    std::size_t from = 0;
    std::size_t to = static_cast<std::size_t>(-1);
    std::size_t until = static_cast<std::size_t>(-1);
    std::size_t first_line = 0;
    std::size_t keep_from = 0;
};
Scan scan(std::string_view text, const Region& region = {});

// A name the text declares, as far as the scan could read its declaration.
struct Declared {
    DeclKind kind = DeclKind::Fact;
    std::string name;
    std::string detail;  // an agency's or service's display name, a group's members, a fact's
                         // type, a definition's value, a rule's clause reference: as written
    std::string scale;   // a level: its scale; a fact of a scale's type or `map of` one: the scale
    bool map = false;    // a fact of type `map of` a scale
    std::string how;     // a service: `weekly`, `hourly` or `one_off` when written after it
};

// What the whole text says that completion needs beyond the cursor's declaration.
struct Document {
    // Every declaration whose keyword and name can be read, in written order, each name once
    // (the first). A declaration cut short (`agency health` with no display name yet) still
    // counts.
    std::vector<Declared> declared;
    // The names compared with `service` (`service is X`, `service is not X`, `service in [X,
    // Y]`, `funders(X)`), each once, in written order, but for the word at byte `skip`.
    std::vector<std::string> services_named;
};

// The text read a line at a time, a long line in parts: it never holds more than a few
// thousand tokens at once, whatever the text (a declaration more than a thousand tokens into
// one line may be missed).
Document scan_document(std::string_view text, std::size_t skip = static_cast<std::size_t>(-1));
inline std::vector<Declared> scan_declarations(std::string_view text) { return scan_document(text).declared; }

// For tests: the most tokens any scan in this process has held at once since the last reset.
std::size_t most_tokens_held();
void reset_most_tokens_held();

}  // namespace jointly::server::lsp
