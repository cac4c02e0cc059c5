// Program: the public face of ProgramImpl (compiled.hpp), which the semantic pass fills in.
#include <algorithm>
#include <utility>

#include "compiled.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/engine/services.hpp"

namespace jointly::engine {

Program::Program(std::unique_ptr<const detail::ProgramImpl> impl) : impl_(std::move(impl)) {}
Program::~Program() = default;

const std::string& Program::id() const { return impl_->id_; }
const std::string& Program::title() const { return impl_->title_; }
const std::string& Program::version() const { return impl_->version_; }
const std::string& Program::sha256() const { return impl_->sha256_; }
const std::string& Program::source() const { return impl_->source_; }
std::optional<Date> Program::effective_from() const { return impl_->effective_from_; }
std::optional<Date> Program::effective_to() const { return impl_->effective_to_; }
const Schema& Program::schema() const { return impl_->schema; }
const std::vector<std::string>& Program::pools() const { return impl_->pool_names_; }
const dsl::Module& Program::module() const { return impl_->module_; }

bool Schema::repeats(const std::string& event) const {
    return std::find(repeating_events.begin(), repeating_events.end(), event) != repeating_events.end();
}

bool Program::in_effect(Date date) const {
    const auto from = effective_from();
    const auto to = effective_to();
    return (!from || *from <= date) && (!to || date <= *to);
}

std::vector<ServiceInfo> services_of(const Program& program) {
    const auto& impl = program.impl();
    std::vector<std::string> groups;
    for (const auto& s : program.module().services)
        if (s.group) groups.push_back(s.id.name);
    std::vector<ServiceInfo> out;
    const std::size_t count = impl.declared_services > 0 ? impl.declared_services : impl.services.size();
    for (std::size_t i = 0; i < count && i < impl.services.size(); ++i) {
        const auto& name = impl.services[i];
        if (std::find(groups.begin(), groups.end(), name) != groups.end()) continue;
        ServiceInfo info{name, std::nullopt, std::nullopt};
        if (i < impl.declared_services) {
            info.display_name = impl.service_display[i];
            if (impl.service_kinds[i] != dsl::LineKindDecl::Any) info.line_kind = impl.service_kinds[i];
        }
        out.push_back(std::move(info));
    }
    return out;
}

}  // namespace jointly::engine
