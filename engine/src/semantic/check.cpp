// The semantic pass's entry point: one module in, its findings and (iff no error) its program.
#include <algorithm>
#include <chrono>
#include <new>
#include <string>

#include "context.hpp"
#include "jointly/engine/program.hpp"
#include "sha256.hpp"

namespace jointly::engine {

CheckResult check(dsl::Module module, std::string source, const dsl::Limits& limits) {
    CheckResult result;
    const std::string file = module.file;
    const dsl::Span where = semantic::pick(module.header.id.span, module.header.span);
    try {
        auto program = std::make_unique<detail::ProgramImpl>();
        program->module_ = std::move(module);
        program->sha256_ = detail::sha256_hex(source);
        program->source_ = std::move(source);
        semantic::Checker c(*program, limits);
        try {
            for (void (*pass)(semantic::Checker&) :
                 {semantic::collect_symbols, semantic::declare, semantic::declare_agencies, semantic::declare_services, semantic::check_header,
                  semantic::check_facts, semantic::check_tables, semantic::check_definitions,
                  semantic::check_rule_conditions, semantic::check_rules, semantic::check_agencies_once, semantic::check_weekly_on_one_off, semantic::check_hourly_amounts, semantic::check_windows,
                  semantic::check_outcomes, semantic::check_placeholders, semantic::check_pools,
                  semantic::check_static_rules, semantic::check_usage, semantic::lower}) {
                c.check_time();
                pass(c);
            }
        } catch (const semantic::OutOfTime&) {
            c.out.push_back(dsl::time_limit_diagnostic(limits, file, where));
            result.stopped = CheckResult::Stopped::TimeLimit;
        }
        const bool failed = c.has_errors() || result.stopped != CheckResult::Stopped::None;
        result.diagnostics = c.finish();
        if (!failed) result.program = std::make_shared<const Program>(std::move(program));
    } catch (const std::bad_alloc&) {
        // Whatever the pass held is freed by now: one diagnostic fits.
        result.program.reset();
        result.diagnostics.clear();
        result.diagnostics.push_back(dsl::out_of_memory_diagnostic(file, where));
        result.stopped = CheckResult::Stopped::OutOfMemory;
    }
    return result;
}

}  // namespace jointly::engine
