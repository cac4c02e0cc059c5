// What may be written at a place in a policy's text, for completion (lsp_completion.cpp): the
// place is read from the tokens before it (lsp_scan.hpp), never from a parse, so a text in the
// middle of an edit still has places.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "lsp_scan.hpp"

namespace jointly::server::lsp {

// One thing that may be written, before it becomes the protocol's CompletionItem.
struct CompletionItem {
    std::string label;
    int kind = 14;       // a CompletionItemKind number (14: keyword)
    std::string detail;  // what it is: "agency — NHS Integrated Care Board", "keyword"
    std::string insert;  // the text to write; empty: the label
};

// The items for a word that starts at byte `word_begin` of the scanned text, in its code (not
// in a text or a comment), on the 0-based line `line`, at the line's first column when
// `first_column`; in the order to show them. `s` is the scan of the text from the start of
// the declaration the word is in (at least) to the word; `document` what the whole text
// declares.
std::vector<CompletionItem> code_items(const Scan& s, const Document& document, std::size_t word_begin,
                                       std::size_t line, bool first_column);

// The items for a placeholder being written in the text that is token `text` of `s`: none
// unless that text is a reason (after `because`).
std::vector<CompletionItem> placeholder_items(const Scan& s, const Document& document, std::size_t text);

}  // namespace jointly::server::lsp
