// Diagnostics: what is wrong with a policy and where.
//
// Stages return them as values; they are rendered only at the edge (CLI, HTTP).
// Codes (codes.hpp) are stable: E1xxx syntax, E2xxx meaning, E3xxx evaluation, E4xxx
// request, W2xxx checker warnings. docs/diagnostics.md lists every code.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "jointly/dsl/ast.hpp"
#include "jointly/dsl/codes.hpp"

namespace jointly::dsl {

struct Diagnostic {
    Severity severity = Severity::Error;
    Code code = Code::parser_failed;  // written `E2003` by code_text (codes.hpp)
    std::string message;  // lower case, no final period, user's words in backticks
    std::string file;
    Span span;
    std::string help;     // optional `= help:` line, e.g. "did you mean `health`?"
    // A checker's "and N more" summary (dsl::Limits): N, the diagnostics of its code it stands
    // for, none of them listed. 0 for every other diagnostic. A count of problems takes a
    // summary as `not_listed` of its severity, not as one (see `problems`).
    std::size_t not_listed = 0;
};

using Diagnostics = std::vector<Diagnostic>;

// True when any diagnostic is an error.
bool has_errors(const Diagnostics& diagnostics);

// How many problems a diagnostic stands for: `not_listed` for an "and N more" summary, 1 for
// any other.
inline std::size_t problems(const Diagnostic& diagnostic) {
    return diagnostic.not_listed != 0 ? diagnostic.not_listed : 1;
}

// GCC-style rendering: `file:line:col: error[E2003]: message`, the source line, a caret
// under the span, and `= help:` when present. `source` is the file's text. A line longer
// than 120 characters is shown as 100 of them around the caret (at most 40 before it), each
// cut marked with `…`, the caret and underline placed in what is shown.
std::string render(const Diagnostic& diagnostic, std::string_view source);
std::string render_all(const Diagnostics& diagnostics, std::string_view source);

// Closest candidate by edit distance (at most 2 edits, or a third of the length), or "".
// A word longer than kMaxSuggestedLength bytes gets "" (the cost is length squared).
inline constexpr std::size_t kMaxSuggestedLength = 64;
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace jointly::dsl
