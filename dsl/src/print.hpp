// Canonical spellings of literals and expressions, shared by `format` and `dump`.
// Private to jointly::dsl.
#pragma once

#include <string>
#include <string_view>

#include "jointly/dsl/ast.hpp"

namespace jointly::dsl::detail {

// `1500.00` for {150000, 2}, `-0.5` for {-5, 1}: exactly the digits the Decimal holds.
std::string decimal_text(Decimal d);

// `£1,500.00`: thousands grouped, exactly the Decimal's decimal places.
std::string money_text(Decimal pounds);

// `2025-04-01`
std::string date_text(CivilDate d);

// `"text"` with `"` and `\` escaped (the only escapes the language has).
std::string quote(std::string_view s);

// An expression as policy source, with the fewest parentheses that keep its meaning.
std::string expr_text(Expr const& e);

// `health 50%` / `education 1/3`
std::string share_text(Share const& s);

}  // namespace jointly::dsl::detail
