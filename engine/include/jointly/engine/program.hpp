// A compiled policy: immutable, shared by every thread without locks.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jointly/dsl/ast.hpp"
#include "jointly/dsl/diagnostic.hpp"
#include "jointly/engine/date.hpp"

namespace jointly::engine {

class Program;

struct CompileResult {
    std::shared_ptr<const Program> program;  // present exactly when no error
    dsl::Diagnostics diagnostics;            // parse + check findings (warnings too)
};

// Parses, checks and compiles one policy source. Never throws.
CompileResult compile(std::string_view source, std::string file);

// Compiles a module that has already been parsed and checked (the caller owns those
// findings). `source` is the text it was parsed from: hashed for `sha256()` and kept for
// `source()`. The result holds only the engine's own E29xx findings (what a checked AST
// still cannot be built into). Never throws.
CompileResult compile_module(dsl::Module module, std::string source);

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
