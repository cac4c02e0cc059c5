// Whether policy text is UTF-8, and where it stops being so. Validation is simdjson's
// (`simdjson::validate_utf8`); this file only finds the position. Private to jointly::dsl.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace jointly::dsl::detail {

// The byte offset where `text` stops being UTF-8 (the first byte of the first sequence that
// is not a well-formed character: a stray continuation, an overlong or surrogate encoding, a
// sequence cut short, a byte that never occurs in UTF-8), or nullopt when all of it is
// valid. Pure; thread-safe; allocates nothing.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

}  // namespace jointly::dsl::detail
