// A hand-built Program with the reference policy's declarations, for codec tests that must
// not depend on the compiler.
#pragma once

#include <string>
#include <vector>

#include "jointly/engine/program.hpp"

namespace jointly::testing {

class FakeProgram final : public engine::Program {
public:
    FakeProgram() {
        facts_.push_back({"has_ehcp", dsl::TypeKind::Bool, "", {}, false});
        facts_.push_back({"dst", dsl::TypeKind::LevelMap, "need", levels(), true});
        facts_.push_back({"band", dsl::TypeKind::Level, "need", levels(), false});
        facts_.push_back({"points", dsl::TypeKind::Whole, "", {}, false});
        facts_.push_back({"ratio", dsl::TypeKind::Decimal, "", {}, false});
        facts_.push_back({"budget", dsl::TypeKind::Money, "", {}, false});
        facts_.push_back({"date_of_birth", dsl::TypeKind::Date, "", {}, false});
        facts_.push_back({"la", dsl::TypeKind::Text, "", {}, false});
        facts_.push_back({"tags", dsl::TypeKind::TextList, "", {}, false});
        agencies_ = {{"health", "NHS"}, {"social_care", "Social care"}, {"education", "SEND"}};
        events_ = {"surgery"};
    }
    static std::vector<std::string> levels() {
        return {"none", "low", "moderate", "high", "severe", "priority"};
    }
    const std::string& id() const override { return id_; }
    const std::string& title() const override { return id_; }
    const std::string& version() const override { return version_; }
    const std::string& sha256() const override { return version_; }
    const std::string& source() const override { return version_; }
    std::optional<engine::Date> effective_from() const override { return std::nullopt; }
    std::optional<engine::Date> effective_to() const override { return std::nullopt; }
    const std::vector<engine::AgencyInfo>& agencies() const override { return agencies_; }
    const std::vector<engine::FactInfo>& facts() const override { return facts_; }
    const std::vector<std::string>& events() const override { return events_; }
    const std::vector<std::string>& pools() const override { return pools_; }
    const dsl::Module& module() const override { return module_; }

private:
    std::string id_ = "fake";
    std::string version_ = "1";
    std::vector<engine::AgencyInfo> agencies_;
    std::vector<engine::FactInfo> facts_;
    std::vector<std::string> events_;
    std::vector<std::string> pools_;
    dsl::Module module_;
};

}  // namespace jointly::testing
