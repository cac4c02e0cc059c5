// Policy expressions and windows back as text, for trace labels and messages.
#pragma once

#include <string>

#include "jointly/dsl/ast.hpp"

namespace jointly::engine::detail {

// `count(dst, priority) >= 1 or count(dst, severe) >= 2`: canonical spacing, parentheses
// only where precedence needs them. Deterministic; does not need the source text.
std::string expr_text(const dsl::Expr& expr);

// `within 6 weeks after surgery`, `from 2025-04-01 to surgery`, `before 2026-01-01`.
std::string window_text(const dsl::Window& window);

// "£1,500.00", "33.5%", "12" from the AST's exact decimals.
std::string decimal_text(const dsl::Decimal& d);

}  // namespace jointly::engine::detail
