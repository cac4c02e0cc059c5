// Evaluating a package against a compiled policy.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "jointly/engine/coverage.hpp"
#include "jointly/engine/decision.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/engine/request.hpp"

namespace jointly::engine {

// A request problem (E4xxx) or an evaluation error (E3xxx): `path` is a JSON pointer
// into the request when the problem is the caller's (`/lines/2/weekly`), else, for an
// evaluation error, the line being split (`/lines/2`), else the first of `inputs`, else
// empty; `policy_span`, when set, points at the policy text whose evaluation failed, and
// `inputs` names the request's values that part reads (`/facts/weeks` for a division by
// `weeks`), in the order written.
struct EvalError {
    dsl::Code code = dsl::Code::internal_error;  // E3xxx or E4xxx
    std::string path;
    std::string message;
    std::optional<dsl::Span> policy_span;
    std::vector<std::string> inputs;
};

// INVARIANT: `decision` is present exactly when `errors` is empty.
struct EvalResult {
    std::optional<Decision> decision;
    std::vector<EvalError> errors;
};

// Bounds on the work one evaluation may do, whatever the request.
struct EvalLimits {
    // Segments over all the request's lines (a one-off line is one; a periodic line is cut at
    // every 1 April, birthday that matters and window edge). Past it, evaluation stops as
    // soon as a line's cuts are known, before any of its segments is matched, with E3007.
    std::size_t max_segments = 100000;
    // Bytes of text in the decision's reasons, sentences, issue messages and trace, in all. A
    // placeholder can repeat a caller's text, or a list of event dates, in every segment's
    // reason, so the text can grow far past the request; past the limit, evaluation stops
    // with E3008 as soon as the text written passes it.
    std::size_t max_text_bytes = 64 * 1024 * 1024;
};

// Checks the request against the program's declarations (every problem at once, each
// with a JSON pointer) and evaluates it. Deterministic: never reads the clock; the same
// program and request give the same Decision. Never throws. Thread-safe.
EvalResult evaluate(const Program& program, const Request& request, const EvalLimits& limits = {});

// The same evaluation into `result`, replacing what it held but reusing its memory: a caller
// that evaluates many packages on one thread (a simulation, a server worker) keeps one
// EvalResult, and once it is warm a decision allocates almost nothing. The result is the
// same as evaluate()'s, field for field. When `coverage` is given, what the evaluation
// exercised is added to it (sized for `program` on first use; docs/adr/0014-coverage.md), an
// evaluation that fails included, up to where it failed; the decision is the same either way.
void evaluate_into(const Program& program, const Request& request, EvalResult& result,
                   const EvalLimits& limits = {}, Coverage* coverage = nullptr);

}  // namespace jointly::engine
