// A line diff of two texts in the unified format (`diff -u`), for `jointly fmt --diff`.
#pragma once

#include <cstddef>
#include <string>

namespace jointly::server {

// The unified diff turning `before` into `after` with `context` lines around each change,
// headed `--- before_name` / `+++ after_name`; empty when the texts are equal. Lines are
// compared with their terminators, so a missing final newline is a change, marked
// `\ No newline at end of file`. Minimal (Myers) unless the texts differ in more than
// `kMaxEdits` lines after their common start and end are set aside; the diff is then one
// hunk replacing that middle, still correct. Pure; never throws except std::bad_alloc.
std::string unified_diff(const std::string& before, const std::string& after, const std::string& before_name,
                         const std::string& after_name, std::size_t context = 3);

inline constexpr std::size_t kMaxEdits = 1000;  // the search keeps O(kMaxEdits²) memory (8 MB)

}  // namespace jointly::server
