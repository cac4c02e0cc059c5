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

// What checking a policy found, and the program it built: the program is present exactly
// when no diagnostic is an error ("value iff no error").
struct CheckResult {
    std::shared_ptr<const Program> program;
    dsl::Diagnostics diagnostics;  // parse and check findings, warnings too
    // Why checking gave no verdict on the policy: a limit stopped it (E2290: the time
    // limit in dsl::Limits; E2291: memory ran out). None when it ran to the end (the
    // policy may still have errors). A caller may report these as "too costly to check"
    // (HTTP 422) and "try later" (503) rather than as a wrong policy.
    enum class Stopped { None, TimeLimit, OutOfMemory };
    Stopped stopped = Stopped::None;
};

// Parses one policy source and checks it (engine::check), within `limits` (dsl::Limits:
// diagnostics capped per code and in all, a bounded overlap analysis, and the time limit,
// which counts from the call unless `limits.since` says otherwise and covers both stages).
// Never throws: running out of time or memory is a diagnostic (E2290, E2291) and `stopped`.
CheckResult compile(std::string_view source, std::string file, const dsl::Limits& limits = {});

// The semantic pass, in one walk from AST to program (docs/adr/0008-one-semantic-pass.md):
// resolves names, types every expression, checks splits, caps, windows, tables, outcome
// rules, pools and placeholders, runs the overlap analysis (W2001, W2002), and builds the
// program as it goes. `source` is the text the module was parsed from: hashed for
// `sha256()` and kept for `source()`. Never throws; thread-safe.
CheckResult check(dsl::Module module, std::string source, const dsl::Limits& limits = {});

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
