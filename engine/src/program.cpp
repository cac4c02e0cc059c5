// compile(): parse, check, build. Kept apart from compile.cpp so that code building a
// Module by hand can link without the parser.
#include <algorithm>

#include "jointly/dsl/check.hpp"
#include "jointly/dsl/parse.hpp"
#include "jointly/engine/program.hpp"

namespace jointly::engine {

CompileResult compile(std::string_view source, std::string file) {
    CompileResult result;
    dsl::ParseResult parsed = dsl::parse(source, std::move(file));
    result.diagnostics = std::move(parsed.diagnostics);
    if (!parsed.module) return result;
    dsl::Diagnostics checked = dsl::check(*parsed.module);
    result.diagnostics.insert(result.diagnostics.end(), checked.begin(), checked.end());
    const bool failed = std::any_of(result.diagnostics.begin(), result.diagnostics.end(),
                                    [](const dsl::Diagnostic& d) { return d.severity == dsl::Severity::Error; });
    if (failed) return result;
    CompileResult built = compile_module(std::move(*parsed.module), std::string(source));
    result.diagnostics.insert(result.diagnostics.end(), built.diagnostics.begin(), built.diagnostics.end());
    result.program = std::move(built.program);
    return result;
}

}  // namespace jointly::engine
