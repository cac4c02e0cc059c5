// Characters that look like a blank, a quote or a dash, or like nothing at all, but are none
// of the characters the language reads: a no-break space, a curly quote, an en dash, a
// zero-width space, a stray byte order mark. Word processors and web pages put them in text
// that is then pasted into a policy. Private to jointly::dsl; pure and thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace jointly::dsl::detail {

struct Confusable {
    std::size_t length = 0;  // its bytes in UTF-8
    std::string_view name;   // "a no-break space (U+00A0)"
    std::string_view help;   // "replace it with an ordinary space"
};

// The confusable character that starts at byte `at` of `text`, or nullopt when the character
// there is not one (or `at` is past the end).
std::optional<Confusable> confusable_at(std::string_view text, std::size_t at);

}  // namespace jointly::dsl::detail
