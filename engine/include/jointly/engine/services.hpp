// The services a policy knows, for callers that build a request: its declared services with
// their display names and line kinds or, when it declares none, the services its rules name.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "jointly/dsl/ast.hpp"
#include "jointly/engine/program.hpp"

namespace jointly::engine {

struct ServiceInfo {
    std::string id;
    std::optional<std::string> display_name;     // declared services only
    std::optional<dsl::LineKindDecl> line_kind;  // declared with `weekly`, `hourly` or `one_off`
};

// Declared services in written order; when the policy declares none, every service a rule
// (or an outcome rule) names, in order of first mention. Service groups are not listed.
std::vector<ServiceInfo> services_of(const Program& program);

}  // namespace jointly::engine
