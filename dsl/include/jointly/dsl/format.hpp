// The canonical layout of a policy (`jointly fmt`) and a structural AST dump.
#pragma once

#include <string>

#include "jointly/dsl/ast.hpp"

namespace jointly::dsl {

// Canonical source text for `module`. Comments are not kept in the AST, so `format`
// is given the original source to carry comments across (full-line comments stay with
// the declaration that follows them; trailing comments with their line).
// Idempotent: format(parse(format(m))) == format(m); meaning-preserving: the AST of the
// result equals the AST of the input (spans aside).
std::string format(const Module& module, std::string_view original_source);

// A deterministic, span-free textual dump of the AST, one node per line, for goldens and
// for comparing ASTs in tests.
std::string dump(const Module& module);

}  // namespace jointly::dsl
