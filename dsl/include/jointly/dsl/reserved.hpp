// The policy language's reserved words: the keywords that are never names (E1006). The one
// list: the parser reads it to tell a keyword from a name, the editor support (the server's
// completion scan) to skip keywords, and the documentation test checks docs/language.md's
// list against it.
#pragma once

#include <algorithm>
#include <array>
#include <string_view>

namespace jointly::dsl {

// Sorted (is_reserved_word searches it). Words that only follow a keyword inside a fixed
// phrase (`per`, `week`, `excess`, ...) are not here: they may be names.
inline constexpr auto kReservedWords = std::to_array<std::string_view>({
    "after",     "agency",     "agreed",  "and",       "at",         "because",  "before",
    "bool",      "by",         "cap",     "contribution", "date",    "decimal",  "decline",
    "default",   "effective",  "eligible", "event",    "exception",  "fact",     "false",
    "from",      "host",       "in",      "is",        "let",        "list",     "map",
    "money",     "not",        "odd",     "of",        "on",         "or",       "overspend",
    "panel",     "pay",        "policy",  "pool",      "ref",        "refer",    "refuse",
    "regardless", "risk",      "rounding", "rule",     "scale",      "split",    "table",
    "text",      "to",         "tolerance", "true",    "underspend", "version",  "when",
    "whole",     "within",
});
static_assert(std::is_sorted(kReservedWords.begin(), kReservedWords.end()));

// True when `word` is reserved and so cannot be a name. Exact: `When` is not reserved (as a
// name it is E1012 for its capital). Thread-safe, no allocation.
constexpr bool is_reserved_word(std::string_view word) {
    return std::binary_search(kReservedWords.begin(), kReservedWords.end(), word);
}

}  // namespace jointly::dsl
