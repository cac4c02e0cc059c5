// The checker: what a policy means, before it can cost anyone anything.
#pragma once

#include <vector>

#include "jointly/dsl/ast.hpp"
#include "jointly/dsl/diagnostic.hpp"

namespace jointly::dsl {

// Checks one parsed module: names, types, splits, caps, exceptions, tables, pools, and
// (as warnings) rules that can never apply and overlapping rules with no exception
// relation. Returns every finding; never throws. Thread-safe.
Diagnostics check(const Module& module);

// Checks a set of modules loaded together: two versions of one policy id whose
// effective ranges overlap are an error (E2301), as is the same id and version twice.
Diagnostics check_versions(const std::vector<const Module*>& modules);

}  // namespace jointly::dsl
