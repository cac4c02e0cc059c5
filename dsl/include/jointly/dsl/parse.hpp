// Text to AST. The only stage that uses Boost.Spirit X3 (inside dsl/src).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "jointly/dsl/ast.hpp"
#include "jointly/dsl/diagnostic.hpp"

namespace jointly::dsl {

// INVARIANT: `module` is present exactly when `diagnostics` holds no error.
struct ParseResult {
    std::optional<Module> module;
    Diagnostics diagnostics;
};

// Parses one policy file. Never throws; every syntax problem is an E1xxx diagnostic
// with file:line:col. `file` is used only to label diagnostics and is copied into the
// module. Thread-safe (no shared state).
ParseResult parse(std::string_view source, std::string file);

}  // namespace jointly::dsl
