// A hand-built Schema with the reference policy's declarations, for codec tests that must
// not depend on the compiler.
#pragma once

#include <string>
#include <vector>

#include "jointly/engine/program.hpp"

namespace jointly::testing {

inline engine::Schema fake_schema() {
    const std::vector<std::string> levels{"none", "low", "moderate", "high", "severe", "priority"};
    engine::Schema schema;
    schema.facts = {
        {"has_ehcp", dsl::TypeKind::Bool, "", {}, false, {}, ""},
        {"dst", dsl::TypeKind::LevelMap, "need", levels, true, {}, ""},
        {"band", dsl::TypeKind::Level, "need", levels, false, {}, ""},
        {"points", dsl::TypeKind::Whole, "", {}, false, {}, ""},
        {"ratio", dsl::TypeKind::Decimal, "", {}, false, {}, ""},
        {"budget", dsl::TypeKind::Money, "", {}, false, {}, ""},
        {"date_of_birth", dsl::TypeKind::Date, "", {}, false, {}, ""},
        {"la", dsl::TypeKind::Text, "", {}, false, {}, ""},
        {"tags", dsl::TypeKind::TextList, "", {}, false, {}, ""},
        {"icb", dsl::TypeKind::Agency, "", {}, false, {"health"}, ""},
    };
    schema.events = {"surgery"};
    schema.agencies = {{"health", "NHS"}, {"social_care", "Social care"}, {"education", "SEND"}};
    return schema;
}

}  // namespace jointly::testing
