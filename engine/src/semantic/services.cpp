// Declared services and service groups: `service respite "respite care" weekly`,
// `service group placements: residential_placement, foster_placement`.
//
// A policy that declares no service accepts any service name (in conditions and in request
// lines). Once it declares one, every service it names must be declared (E2016) and a
// request line's service must be too (E4216, request_check.cpp).
#include <algorithm>
#include <string>
#include <unordered_set>

#include "context.hpp"

namespace jointly::engine::semantic {
namespace {

std::vector<std::string> declared_names(const Checker& c) {
    std::vector<std::string> out;
    if (!c.suggesting()) return out;
    for (const Service& s : c.module.services) out.push_back(s.id.name);
    return out;
}

}  // namespace

void declare_services(Checker& c) {
    ProgramImpl& p = c.program;
    std::unordered_set<std::string> seen;
    auto first_time = [&](const Service& s) {
        if (seen.insert(s.id.name).second) return true;
        c.emit(Code::duplicate_service, s.id.span,
               std::string(s.group ? "service group" : "service") + " `" + s.id.name + "` is declared twice",
               "a service and a service group share one set of names: rename or remove one");
        return false;
    };
    // Services first: their interned indices are 0 .. declared_services - 1.
    for (const Service& s : c.module.services) {
        if (s.group || !first_time(s)) continue;
        c.service_literal(s.id.name);
        p.service_display.push_back(s.display_name);
        p.service_kinds.push_back(s.kind);
    }
    p.declared_services = p.service_display.size();
    for (const Service& s : c.module.services) {
        if (!s.group || !first_time(s)) continue;
        std::vector<std::int32_t>& members = c.service_groups[s.id.name];
        for (const Ident& m : s.members) {
            const bool is_service = std::any_of(c.module.services.begin(), c.module.services.end(),
                                                [&](const Service& d) { return !d.group && d.id.name == m.name; });
            if (!is_service) {
                std::string help = c.suggestion(m.name, declared_names(c));
                if (help.empty()) help = "declare it, e.g. `service " + m.name + " \"display name\"`";
                c.emit(Code::unknown_service, m.span, "unknown service `" + m.name + "` in service group `" +
                                                          s.id.name + "`", help);
                continue;
            }
            members.push_back(c.service_literal(m.name));
        }
    }
}

namespace {

// The declared services a rule can apply to: those its condition names (`service is`, `service
// in`, a service group, in a top-level conjunct), or every declared service when it names none
// that way (`named`, when given, says which).
std::vector<std::int32_t> served_services(Checker& c, const Rule& r, bool* named = nullptr) {
    std::vector<std::string> keys;
    if (r.condition) service_keys(*r.condition, keys);
    if (named != nullptr) *named = !keys.empty();
    std::vector<std::int32_t> served;
    for (const std::string& k : keys) {
        for (const std::int32_t s : c.service_indices(k)) served.push_back(s);  // undeclared: E2016
    }
    if (keys.empty()) {
        for (std::size_t s = 0; s < c.program.declared_services; ++s) served.push_back(static_cast<std::int32_t>(s));
    }
    return served;
}

// The first service of `served` declared as one of `kinds`, or "".
std::string first_of_kind(const ProgramImpl& p, const std::vector<std::int32_t>& served,
                          std::initializer_list<LineKindDecl> kinds) {
    for (const std::int32_t s : served) {
        const auto i = static_cast<std::size_t>(s);
        if (i < p.declared_services && std::find(kinds.begin(), kinds.end(), p.service_kinds[i]) != kinds.end()) {
            return p.services[i];
        }
    }
    return "";
}

}  // namespace

void check_weekly_on_one_off(Checker& c) {
    const ProgramImpl& p = c.program;
    if (p.declared_services == 0) return;
    for (const Rule& r : c.module.rules) {
        const Span* weekly = nullptr;
        if (r.fixed && r.fixed->per == Per::Week) weekly = &r.fixed->span;
        for (const Cap& cap : r.caps) {
            if (weekly == nullptr && cap.per == Per::Week) weekly = &cap.span;
        }
        if (weekly == nullptr) continue;
        const std::string one_off = first_of_kind(p, served_services(c, r), {LineKindDecl::Any, LineKindDecl::OneOff});
        if (one_off.empty()) continue;
        c.emit(Code::weekly_amount_on_one_off, *weekly,
               "rule `" + r.id.name + "` has a weekly amount but can apply to `" + one_off +
                   "`, which is not declared `weekly` or `hourly`: a one-off line counts as one day, so £7 a week allows £1 on it",
               "declare the service's kind (`service " + one_off + " \"...\" weekly`) or use `per line`");
    }
}

void check_hourly_amounts(Checker& c) {
    const ProgramImpl& p = c.program;
    for (const Rule& r : c.module.rules) {
        const Span* hourly = nullptr;
        if (r.fixed && r.fixed->per == Per::Hour) hourly = &r.fixed->span;
        for (const Cap& cap : r.caps) {
            if (hourly == nullptr && cap.per == Per::Hour) hourly = &cap.span;
        }
        if (hourly == nullptr) continue;
        const std::string head = "rule `" + r.id.name + "` has a `per hour` amount but ";
        std::vector<std::string> keys;
        if (r.condition) service_keys(*r.condition, keys);
        if (p.declared_services == 0) {
            const std::string example = keys.empty() ? "slt" : keys.front();
            c.emit(Code::hourly_amount_any_line, *hourly,
                   head + "the policy does not declare its services, so a weekly or one-off line can reach it, and "
                          "such a line stops the evaluation (E3009)",
                   "declare the services the rule applies to `hourly` (`service " + example + " \"...\" hourly`), or "
                   "use `per week`");
            continue;
        }
        // Only a service the condition names outright (`when service is respite and ...`) is
        // certain to reach the rule: that is an error. A rule that names its services another
        // way (`service is not x`, `or`, an exception taking some of them) may never see a
        // weekly one, so that is a warning.
        bool named = false;
        const std::vector<std::int32_t> served = served_services(c, r, &named);
        const std::string fixed_kind = first_of_kind(p, served, {LineKindDecl::Weekly, LineKindDecl::OneOff});
        const auto kind_word = [&](const std::string& s) {
            return first_of_kind(p, served, {LineKindDecl::Weekly}) == s ? "weekly" : "one_off";
        };
        if (!fixed_kind.empty() && named) {
            c.emit(Code::hourly_amount_not_hourly, *hourly,
                   head + "can apply to `" + fixed_kind + "`, which is declared `" + kind_word(fixed_kind) +
                       "`: its lines have no hours to count",
                   "use `per week` or `per line`, or limit the rule to services declared `hourly`");
            continue;
        }
        const std::string other = fixed_kind.empty() ? first_of_kind(p, served, {LineKindDecl::Any}) : fixed_kind;
        if (other.empty()) continue;
        const std::string declared = fixed_kind.empty() ? "is not declared `hourly`"
                                                        : std::string("is declared `") + kind_word(other) + "`";
        c.emit(Code::hourly_amount_any_line, *hourly,
               head + "may apply to `" + other + "`, which " + declared + ": a weekly or one-off line of it stops " +
                   "the evaluation (E3009)",
               fixed_kind.empty() ? "declare the service's kind (`service " + other + " \"...\" hourly`)"
                                  : "name the rule's services in its condition (`when service in [...] and ...`) so "
                                    "that it cannot reach `" + other + "`");
    }
}

bool Checker::require_service(const std::string& name, const Span& span) {
    if (module.services.empty()) return true;
    if (service_groups.contains(name)) return true;
    for (const Service& s : module.services) {
        if (!s.group && s.id.name == name) return true;
    }
    std::string help = suggestion(name, declared_names(*this));
    if (help.empty()) help = "declare it, e.g. `service " + name + " \"display name\"`";
    emit(Code::unknown_service, span, "unknown service `" + name + "`", help);
    return false;
}

std::vector<std::int32_t> Checker::service_indices(const std::string& name) {
    const auto group = service_groups.find(name);
    if (group != service_groups.end()) return group->second;
    return {service_literal(name)};
}

}  // namespace jointly::engine::semantic
