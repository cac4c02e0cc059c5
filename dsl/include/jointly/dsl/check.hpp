// What checking a policy shares across stages: the limits on its cost, the diagnostics a
// limit produces, and the check over several loaded versions. What one module means (names,
// types, splits, ...) is worked out, once, by engine::check, which builds the program.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jointly/dsl/ast.hpp"
#include "jointly/dsl/diagnostic.hpp"

namespace jointly::dsl {

// Bounds on the work of checking (engine::check, engine::compile) one policy, so
// that a hostile policy costs bounded time and memory and answers a bounded list.
// docs/diagnostics.md ("Limits") describes them for authors.
struct Limits {
    // At most this many diagnostics of one code; the rest of that code are counted and
    // reported by one more diagnostic of the code, "and N more `W2002` warnings like this".
    // 0: no cap.
    std::size_t per_code = 20;
    // At most this many diagnostics in all (not counting those "and N more" summaries);
    // 0: no cap.
    std::size_t total = 200;
    // Steps the overlap analysis (W2002) may take: one per pair of rules it considers, plus
    // one per pair of condition branches it compares and per rule it follows through
    // `exception to`. Deterministic; once spent, the analysis stops with one W2008.
    // 0: no bound.
    std::uint64_t overlap_steps = 2'000'000;
    // Wall-clock time for checking and compiling one policy; past it, the check stops with
    // error E2290. Zero: none. The outer guard; `overlap_steps` bounds the known costly part.
    std::chrono::milliseconds time_limit{0};
    // When `time_limit` started counting; nullopt: when the call (check or compile) starts.
    std::optional<std::chrono::steady_clock::time_point> since;

    // The limits for policy source from a caller (an upload or a check over HTTP): 5 s.
    static Limits for_upload() {
        Limits l;
        l.time_limit = std::chrono::seconds(5);
        return l;
    }
    // No cap, no step bound, no time limit: every finding (tests of the analysis itself).
    static Limits unbounded() {
        Limits l;
        l.per_code = 0;
        l.total = 0;
        l.overlap_steps = 0;
        return l;
    }
};

// The error E2290 (the time limit in `limits` has passed), as engine::check reports it.
Diagnostic time_limit_diagnostic(const Limits& limits, std::string file, Span span);
// The error E2291 (memory ran out while checking or compiling).
Diagnostic out_of_memory_diagnostic(std::string file, Span span);

// Checks a set of modules loaded together: two versions of one policy id whose
// effective ranges overlap are an error (E2301), as is the same id and version twice; days
// between consecutive versions of an id that no version covers are a warning (W2011).
Diagnostics check_versions(const std::vector<const Module*>& modules);

}  // namespace jointly::dsl
