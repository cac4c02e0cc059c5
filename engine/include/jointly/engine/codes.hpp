// Stable error codes the engine reports (E3xxx evaluation, E4xxx request).
// The server's request decoder reports the same code for the same problem, so a caller sees
// one vocabulary whether a problem is caught at the JSON edge or in the engine.
// docs/diagnostics.md lists every code with a failing example. The codes themselves, with
// their categories and titles, are the one table in jointly/dsl/codes.hpp; these are the
// engine's short names for its own.
#pragma once

#include "jointly/dsl/codes.hpp"

namespace jointly::engine::codes {

// --- evaluation (the request is valid, the policy cannot give an answer for it)
inline constexpr dsl::Code kOverflow = dsl::Code::eval_overflow;  // arithmetic overflow
inline constexpr dsl::Code kDivisionByZero = dsl::Code::eval_division_by_zero;
inline constexpr dsl::Code kLookupOutside = dsl::Code::eval_lookup_outside;  // `lookup` outside every row of a table
inline constexpr dsl::Code kEventNotGiven = dsl::Code::eval_event_not_given;  // an expression reads an event the request lacks
inline constexpr dsl::Code kNotAvailable = dsl::Code::eval_not_available;  // `total` in a rule, `service` outside one
inline constexpr dsl::Code kNegativeAmount = dsl::Code::eval_negative_amount;  // a cap or `pay` amount worked out below £0
inline constexpr dsl::Code kTooManySegments = dsl::Code::eval_too_many_segments;  // more segments than EvalLimits::max_segments
inline constexpr dsl::Code kNotHourly = dsl::Code::eval_not_hourly;  // a `per hour` amount on a weekly or one-off line
inline constexpr dsl::Code kAnswerTooLong = dsl::Code::eval_answer_too_long;  // more text than EvalLimits::max_text_bytes
inline constexpr dsl::Code kInternal = dsl::Code::internal_error;  // a bug: reported, never a crash
inline constexpr dsl::Code kPoolOverspendUnstated = dsl::Code::pool_overspend_unstated;  // the pool does not say how an overspend is shared
inline constexpr dsl::Code kPoolUnderspendUnstated = dsl::Code::pool_underspend_unstated;  // ... nor how an underspend is returned
inline constexpr dsl::Code kPoolNoBasis = dsl::Code::pool_no_basis;  // nobody to share with (contributions total zero)

// --- request (the caller's input, with a JSON pointer)
inline constexpr dsl::Code kMissingFact = dsl::Code::missing_fact;  // /facts/<name>: required fact missing
inline constexpr dsl::Code kUnknownFact = dsl::Code::request_unknown_fact;  // /facts/<name>: not declared
inline constexpr dsl::Code kFactType = dsl::Code::fact_type;  // /facts/<name>: wrong kind of value
inline constexpr dsl::Code kLevelRange = dsl::Code::level_range;  // /facts/<name>[/<key>]: not a level of the scale
inline constexpr dsl::Code kUnknownEvent = dsl::Code::request_unknown_event;  // /events/<name>: not declared
inline constexpr dsl::Code kEventDates = dsl::Code::event_dates;  // /events/<name>[/k]: several dates for an event that does not repeat, a date twice, too many
inline constexpr dsl::Code kLineId = dsl::Code::line_id;  // /lines/i/id: empty or repeated
inline constexpr dsl::Code kLineDates = dsl::Code::line_dates;  // /lines/i/end: before the start
inline constexpr dsl::Code kLineAmount = dsl::Code::line_amount;  // /lines/i/<field>: negative
inline constexpr dsl::Code kLineService = dsl::Code::line_service;  // /lines/i/service: empty
inline constexpr dsl::Code kBornAfterCare = dsl::Code::born_after_care;  // /facts/date_of_birth: after a line starts or as_of
inline constexpr dsl::Code kUndeclaredService = dsl::Code::undeclared_service;  // /lines/i/service: not declared
inline constexpr dsl::Code kServiceLineKind = dsl::Code::service_line_kind;  // /lines/i/<amount|weekly|hourly>
inline constexpr dsl::Code kAgencyNotAllowed = dsl::Code::agency_not_allowed;  // /facts/<agency fact>: not one it allows
inline constexpr dsl::Code kUnknownPool = dsl::Code::unknown_pool;  // pool id not in the policy
inline constexpr dsl::Code kCarryForwardNotAllowed = dsl::Code::carry_forward_not_allowed;
inline constexpr dsl::Code kPoolContributions = dsl::Code::pool_contributions;  // actual contributions missing or not partners
inline constexpr dsl::Code kPoolSpend = dsl::Code::pool_spend;  // negative spend

}  // namespace jointly::engine::codes
