#include "utf8.hpp"

#include <simdjson.h>

namespace jointly::dsl::detail {

namespace {

bool valid(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

// The longest valid prefix of a line that is not valid. A character is at most 4 bytes, so
// "some prefix of length k-3..k is valid" holds exactly for k <= that length + 3: a binary
// search on it, then a look at the last four lengths.
std::size_t longest_valid_prefix(std::string_view line) {
    const auto valid_near = [line](std::size_t k) {
        for (std::size_t j = k >= 3 ? k - 3 : 0; j <= k; ++j) {
            if (valid(line.substr(0, j))) return true;
        }
        return false;
    };
    std::size_t lo = 0;  // INVARIANT: valid_near(lo)
    std::size_t hi = line.size();
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo + 1) / 2;
        if (valid_near(mid)) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    std::size_t j = lo;
    while (j > 0 && !valid(line.substr(0, j))) --j;
    return j;
}

}  // namespace

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
    if (valid(text)) return std::nullopt;
    // `\n` is ASCII and never part of a longer character: the text is valid exactly when
    // each line is, and the first invalid line holds the first invalid byte.
    std::size_t begin = 0;
    while (begin <= text.size()) {
        const std::size_t newline = text.find('\n', begin);
        const std::size_t end = newline == std::string_view::npos ? text.size() : newline;
        const std::string_view line = text.substr(begin, end - begin);
        if (!valid(line)) return begin + longest_valid_prefix(line);
        begin = end + 1;
    }
    return std::nullopt;  // unreachable: simdjson said some line is invalid
}

}  // namespace jointly::dsl::detail
