// Evaluating compiled expressions (compiled.hpp) against one request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiled.hpp"
#include "jointly/dsl/ast.hpp"
#include "jointly/engine/coverage.hpp"
#include "jointly/engine/decision.hpp"

namespace jointly::engine::detail {

// An evaluation error with a stable code (E3xxx) and the policy text it points at. Thrown
// inside the evaluator only; `evaluate` turns it into an EvalError.
struct EvalFailure {
    dsl::Code code;
    std::string message;
    std::optional<dsl::Span> span;
    // The expression whose value is the trouble (a divisor, a looked-up number, a date moved
    // past 9999), or -1: the request's values it reads are named in the error (request_reads).
    std::int32_t node = -1;
};

// JSON pointers to the request's values that expression `node` reads, through definitions
// and thresholds, in the order written, each once: "/facts/weeks", "/events/surgery",
// "/as_of". A fact the request leaves out (its default taken) is not named; an event is
// named given or not (`event_absent`: the error is that it was not given).
std::vector<std::string> request_reads(const ProgramImpl& program, const Request& request, std::int32_t node);

// What the outcome rules may read once the package is split.
struct OutcomeData {
    Money total;
    const std::vector<Money>* by_agency = nullptr;      // per agency index
    // Parts summed per (service index, agency index), flattened service-major; filled only
    // when the policy uses `funders(SERVICE)`.
    const std::vector<Money>* by_service_agency = nullptr;
    // Parts summed per (financial year, agency index), flattened year-major, years in no
    // particular order: for `yearly total`.
    const std::vector<Money>* by_year_agency = nullptr;
    // Lines with a segment that more than one agency pays a part of: `jointly_funded()`.
    std::int64_t jointly_funded_lines = 0;
};

// The state one evaluation reads. Lets and thresholds that depend only on the request are
// computed once and cached here.
struct EvalContext {
    const ProgramImpl* program = nullptr;
    const Val* facts = nullptr;                   // per fact index
    const std::optional<Date>* events = nullptr;  // per event index; absent: did not happen
    const std::vector<Date>* event_dates = nullptr;  // per event index: every date, ascending
    bool in_line = false;
    std::int32_t service = -1;                    // interned service of the current line
    const std::string* service_name = nullptr;    // the current line's service as given
    std::optional<Date> segment_from;             // for `age` inside a rule
    std::optional<Date> as_of;                    // the request's; `age` outside a rule is on this day
    const OutcomeData* outcome = nullptr;
    std::vector<Val>* let_cache = nullptr;        // per let (Request-level lets only)
    std::vector<std::uint8_t>* let_ready = nullptr;
    std::vector<Val>* threshold_cache = nullptr;
    std::vector<std::uint8_t>* threshold_ready = nullptr;
    Coverage* coverage = nullptr;                 // null: nothing recorded (the usual case)
    std::size_t text_left = 0;                    // bytes of text the decision may still hold
    std::size_t text_limit = 0;                   // EvalLimits::max_text_bytes, for the message
};

// Counts `bytes` of text written into the decision against cx.text_left. Throws EvalFailure
// (E3008) once the text passes EvalLimits::max_text_bytes.
void spend_text(EvalContext& cx, std::size_t bytes);
// The same for a step of the trace: its subject, rule and every line of its detail.
void spend_text(EvalContext& cx, const TraceStep& step);

// Evaluates node `index`. Throws EvalFailure or OverflowError.
Val eval(EvalContext& cx, std::int32_t index);

// Evaluates a boolean node; -1 means "no condition" (true).
bool eval_bool(EvalContext& cx, std::int32_t index);

// Three-way comparison of two values of the same type.
int compare(const Val& x, const Val& y);

// A fact's request value as a runtime value (the Value outlives the Val).
Val to_val(const Value& value);

// Whole years from `dob` to `on` (a 29 February birthday falls on 1 March in other years).
std::int64_t age_on(Date dob, Date on);
// The date of the `years`th birthday of someone born on `dob`.
Date birthday(Date dob, std::int64_t years);
// `d` moved by whole calendar months, the day kept or, in a shorter month, clamped to its
// last day (31 January + 1 month = 28 or 29 February). Throws OverflowError past year 9999 or
// before year 1900.
Date add_months(Date d, std::int64_t months);
// The first 31 August on or after `d`: the last day of the academic year (1 September to
// 31 August) that holds `d`.
Date academic_year_end(Date d);

}  // namespace jointly::engine::detail
