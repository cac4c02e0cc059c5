// A compiled policy: immutable, shared by every thread without locks.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jointly/dsl/ast.hpp"
#include "jointly/dsl/check.hpp"
#include "jointly/dsl/diagnostic.hpp"
#include "jointly/engine/date.hpp"

namespace jointly::engine {

class Program;

struct CompileResult {
    std::shared_ptr<const Program> program;  // present exactly when no error
    dsl::Diagnostics diagnostics;            // parse + check findings (warnings too)
    // Why compiling gave no verdict on the policy: a limit stopped it (E2290: the time
    // limit in dsl::Limits; E2291: memory ran out). None when it ran to the end (the
    // policy may still have errors). A caller may report these as "too costly to check"
    // (HTTP 422) and "try later" (503) rather than as a wrong policy.
    enum class Stopped { None, TimeLimit, OutOfMemory };
    Stopped stopped = Stopped::None;
};

// Parses, checks and compiles one policy source, within `limits` (dsl::Limits: diagnostics
// capped per code and in all, a bounded overlap analysis, and the time limit, which counts
// from the call unless `limits.since` says otherwise and covers all three stages). Never
// throws: running out of time or memory is a diagnostic (E2290, E2291) and `stopped`.
CompileResult compile(std::string_view source, std::string file, const dsl::Limits& limits = {});

// Compiles a module that has already been parsed and checked (the caller owns those
// findings). `source` is the text it was parsed from: hashed for `sha256()` and kept for
// `source()`. The result holds only the engine's own E29xx findings (what a checked AST
// still cannot be built into), or E2290/E2291 when `limits.time_limit` passes or memory
// runs out. Never throws.
CompileResult compile_module(dsl::Module module, std::string source, const dsl::Limits& limits = {});

// Declared fact, for decoding requests and publishing a schema.
struct FactInfo {
    std::string name;
    dsl::TypeKind type;
    std::string scale;                 // for Level / LevelMap
    std::vector<std::string> levels;   // the scale's levels, lowest first
    bool required = true;              // no default
};

struct AgencyInfo {
    std::string id;
    std::string display_name;
};

class Program {
public:
    virtual ~Program() = default;

    virtual const std::string& id() const = 0;
    virtual const std::string& title() const = 0;
    virtual const std::string& version() const = 0;
    virtual const std::string& sha256() const = 0;     // of the source text, hex
    virtual const std::string& source() const = 0;
    virtual std::optional<Date> effective_from() const = 0;
    virtual std::optional<Date> effective_to() const = 0;  // inclusive; nullopt = open
    virtual const std::vector<AgencyInfo>& agencies() const = 0;
    virtual const std::vector<FactInfo>& facts() const = 0;
    virtual const std::vector<std::string>& events() const = 0;
    virtual const std::vector<std::string>& pools() const = 0;
    virtual const dsl::Module& module() const = 0;

    // True when `date` lies in the effective range.
    bool in_effect(Date date) const;
};

}  // namespace jointly::engine
