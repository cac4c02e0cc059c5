// compile(): parse, check, build. Kept apart from compile.cpp so that code building a
// Module by hand can link without the parser.
#include <algorithm>
#include <chrono>
#include <iterator>
#include <new>
#include <string>

#include "jointly/dsl/check.hpp"
#include "jointly/dsl/parse.hpp"
#include "jointly/engine/program.hpp"

namespace jointly::engine {

namespace {

CompileResult stages(std::string_view source, std::string file, const dsl::Limits& limits) {
    CompileResult result;
    dsl::ParseResult parsed = dsl::parse(source, std::move(file));
    result.diagnostics = std::move(parsed.diagnostics);
    if (!parsed.module) return result;
    dsl::Diagnostics checked = dsl::check(*parsed.module, limits);
    result.diagnostics.insert(result.diagnostics.end(), std::make_move_iterator(checked.begin()),
                              std::make_move_iterator(checked.end()));
    for (const dsl::Diagnostic& d : result.diagnostics) {
        if (d.code == "E2290") result.stopped = CompileResult::Stopped::TimeLimit;
        if (d.code == "E2291") result.stopped = CompileResult::Stopped::OutOfMemory;
    }
    const bool failed = std::any_of(result.diagnostics.begin(), result.diagnostics.end(),
                                    [](const dsl::Diagnostic& d) { return d.severity == dsl::Severity::Error; });
    if (failed) return result;
    CompileResult built = compile_module(std::move(*parsed.module), std::string(source), limits);
    result.diagnostics.insert(result.diagnostics.end(), std::make_move_iterator(built.diagnostics.begin()),
                              std::make_move_iterator(built.diagnostics.end()));
    result.program = std::move(built.program);
    result.stopped = built.stopped;
    return result;
}

}  // namespace

CompileResult compile(std::string_view source, std::string file, const dsl::Limits& limits) {
    dsl::Limits timed = limits;
    if (!timed.since) timed.since = std::chrono::steady_clock::now();
    const std::string name = file;
    try {
        return stages(source, std::move(file), timed);
    } catch (const std::bad_alloc&) {
        // Parsing, checking and compiling each catch their own; this is the glue between.
        CompileResult result;
        result.diagnostics.push_back(dsl::out_of_memory_diagnostic(name, dsl::Span{}));
        result.stopped = CompileResult::Stopped::OutOfMemory;
        return result;
    }
}

}  // namespace jointly::engine
