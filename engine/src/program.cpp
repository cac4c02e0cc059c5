// compile(): parse, then check (which builds the program). Kept apart from the semantic
// pass so that code building a Module by hand can link without the parser.
#include <algorithm>
#include <chrono>
#include <iterator>
#include <new>
#include <string>

#include "jointly/dsl/parse.hpp"
#include "jointly/engine/program.hpp"

namespace jointly::engine {

namespace {

CheckResult stages(std::string_view source, std::string file, const dsl::Limits& limits) {
    dsl::ParseResult parsed = dsl::parse(source, std::move(file));
    if (!parsed.module) return CheckResult{nullptr, std::move(parsed.diagnostics), {}};
    CheckResult result = check(std::move(*parsed.module), std::string(source), limits);
    for (const dsl::Diagnostic& d : parsed.diagnostics) {
        if (d.severity == dsl::Severity::Error) result.program.reset();  // value iff no error
        if (d.code == dsl::Code::time_limit) result.stopped = CheckResult::Stopped::TimeLimit;
        if (d.code == dsl::Code::out_of_memory) result.stopped = CheckResult::Stopped::OutOfMemory;
    }
    result.diagnostics.insert(result.diagnostics.begin(), std::make_move_iterator(parsed.diagnostics.begin()),
                              std::make_move_iterator(parsed.diagnostics.end()));
    return result;
}

}  // namespace

CheckResult compile(std::string_view source, std::string file, const dsl::Limits& limits) {
    dsl::Limits timed = limits;
    if (!timed.since) timed.since = std::chrono::steady_clock::now();
    const std::string name = file;
    try {
        return stages(source, std::move(file), timed);
    } catch (const std::bad_alloc&) {
        // Parsing, checking and compiling each catch their own; this is the glue between.
        CheckResult result;
        result.diagnostics.push_back(dsl::out_of_memory_diagnostic(name, dsl::Span{}));
        result.stopped = CheckResult::Stopped::OutOfMemory;
        return result;
    }
}

}  // namespace jointly::engine
