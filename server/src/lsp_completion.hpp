// Completion for the language server: what may be written at a place in a policy, from a
// tolerant scan of its text (lsp_scan.hpp), so a document in the middle of an edit (one that
// does not parse) still gets answers.
#pragma once

#include <array>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lsp_text.hpp"

namespace jointly::server::lsp {

// CompletionItem[] for the place `at`: the names the text declares that the language allows
// there (an agency after `split`, a service after `service is`, an event after `within 6
// weeks after`, a table in `lookup(`, ...), the builtins and keywords that fit, the clauses
// valid at the start of a line, the placeholders in a reason's `{`. Each item has a label,
// a kind, a detail and a textEdit replacing the word under the cursor (UTF-16 positions).
// Empty when `at` is not a position in the text, is in a comment, a number or a text other
// than a reason's placeholder, or when nothing is known to fit there. More than 1,000 items
// (a text of thousands of names) are cut to those that start with the letters typed so far
// (ASCII letters of either case), at most 1,000, and answered as a CompletionList marked
// `isIncomplete`, so the client asks again as the word grows. Never throws but for allocation;
// its work is linear in the text's length, and it holds the tokens of at most 64 KiB before
// the cursor and a few thousand more, whatever the text (lsp_scan.hpp).
nlohmann::json completion(std::string_view text, Position at);

// The characters after which a client asks for completion unprompted: `(` (`total(`,
// `lookup(`), `[` (`service in [`), `{` (a reason's placeholder) and `,` (the next share,
// member or argument).
inline constexpr std::array<std::string_view, 4> kCompletionTriggers = {"(", "[", "{", ","};

}  // namespace jointly::server::lsp
