// Canonical spellings of literals, operators, windows and expressions: the one printer used by
// `format`, `dump`, the checker's messages and the engine's explanations and trace labels.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "jointly/dsl/ast.hpp"

namespace jointly::dsl {

// `1500.00` for {150000, 2}, `-0.5` for {-5, 1}: exactly the digits the Decimal holds.
std::string decimal_text(Decimal d);

// `£1,500.00`, `-£3.50`: thousands grouped, exactly the Decimal's decimal places.
std::string money_text(Decimal pounds);

// `2025-04-01`
std::string date_text(CivilDate d);
// The same text into `out` (room for kDateTextChars); returns its length.
inline constexpr std::size_t kDateTextChars = 40;
std::size_t write_date(char* out, CivilDate d);

// `"text"` with `"` and `\` escaped (the only escapes the language has).
std::string quote(std::string_view s);

// `and`, `<=`, `+`; `=` and `!=` for equality (an expression prints them as `is` and
// `is not` when a word follows: `service is personal_care`).
std::string operator_text(BinaryOp op);

// An expression as policy source, with the fewest parentheses that keep its meaning.
std::string expr_text(Expr const& e);

// `health 50%` / `education 1/3`
std::string share_text(Share const& s);

// `per week`, `per hour`, `per line`, `per financial year`
std::string per_text(Per p);

// `within 6 weeks after surgery`, `from 2025-04-01 until surgery`, `before 2026-01-01`.
std::string window_text(Window const& w);

// A fact's type as written: `bool`, `list of text`, `map of need`, `agency in icb_north, icb_south`.
std::string type_text(TypeRef const& t);

}  // namespace jointly::dsl
