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
    std::vector<std::string> agencies;  // Agency: the agency ids a request may give
    std::string label;                  // as declared (`fact x "label": ...`), or empty
};

struct AgencyInfo {
    std::string id;
    std::string display_name;
};

// `agency group health: icb_north, icb_south`
struct AgencyGroupInfo {
    std::string id;
    std::vector<std::string> members;  // agency ids, in written order
};

// What a policy declares for its callers: everything a request is decoded against. A plain
// value, so that code which only reads requests (the server's decoder, its tests) can be
// given one without compiling a policy.
struct Schema {
    std::vector<FactInfo> facts;        // in declaration order
    std::vector<std::string> events;    // in declaration order
    std::vector<std::string> repeating_events;  // those declared `repeats`, in declaration order
    std::vector<AgencyInfo> agencies;   // in declaration order, as indexed by the program
    std::vector<AgencyGroupInfo> agency_groups;  // in declaration order

    // True when `event` is declared `repeats` (a request may give it several dates).
    bool repeats(const std::string& event) const;
};

namespace detail {
class ProgramImpl;
}

// A compiled policy: its header, its declarations and the compiled rules, built only by the
// semantic pass (engine::check, through compile) and immutable from then on. Shared as
// `std::shared_ptr<const Program>`; the compiled rules live behind `impl()`, which only the
// engine's sources can read (the type is defined in engine/src/compiled.hpp).
class Program {
public:
    // For the semantic pass, which alone can build a ProgramImpl.
    explicit Program(std::unique_ptr<const detail::ProgramImpl> impl);
    ~Program();
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;

    const std::string& id() const;
    const std::string& title() const;
    const std::string& version() const;
    const std::string& sha256() const;     // of the source text, hex
    const std::string& source() const;
    std::optional<Date> effective_from() const;
    std::optional<Date> effective_to() const;  // inclusive; nullopt = open
    const Schema& schema() const;
    const std::vector<AgencyInfo>& agencies() const { return schema().agencies; }
    const std::vector<FactInfo>& facts() const { return schema().facts; }
    const std::vector<std::string>& events() const { return schema().events; }
    const std::vector<std::string>& pools() const;
    const dsl::Module& module() const;

    // True when `date` lies in the effective range.
    bool in_effect(Date date) const;

    // The compiled rules, for the evaluator and pool reconciliation. Never null.
    const detail::ProgramImpl& impl() const { return *impl_; }

private:
    std::unique_ptr<const detail::ProgramImpl> impl_;
};

}  // namespace jointly::engine
