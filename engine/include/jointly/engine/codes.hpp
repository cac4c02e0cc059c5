// Stable error codes the engine reports (E3xxx evaluation, E4xxx request).
// The server's request decoder reports the same code for the same problem, so a caller sees
// one vocabulary whether a problem is caught at the JSON edge or in the engine.
// docs/diagnostics.md lists every code with a failing example.
#pragma once

namespace jointly::engine::codes {

// --- evaluation (the request is valid, the policy cannot give an answer for it)
inline constexpr const char* kOverflow = "E3001";            // arithmetic overflow
inline constexpr const char* kDivisionByZero = "E3002";
inline constexpr const char* kLookupOutside = "E3003";       // `lookup` outside every row of a table
inline constexpr const char* kEventNotGiven = "E3004";       // an expression reads an event the request lacks
inline constexpr const char* kNotAvailable = "E3005";        // `total` in a rule, `service` outside one
inline constexpr const char* kNegativeAmount = "E3006";      // a cap or `pay` amount worked out below £0
inline constexpr const char* kTooManySegments = "E3007";     // more segments than EvalLimits::max_segments
inline constexpr const char* kInternal = "E3099";            // a bug: reported, never a crash
inline constexpr const char* kPoolOverspendUnstated = "E3101";   // the pool does not say how an overspend is shared
inline constexpr const char* kPoolUnderspendUnstated = "E3102";  // ... nor how an underspend is returned
inline constexpr const char* kPoolNoBasis = "E3103";             // nobody to share with (contributions total zero)

// --- request (the caller's input, with a JSON pointer)
inline constexpr const char* kMissingFact = "E4001";         // /facts/<name>: required fact missing
inline constexpr const char* kUnknownFact = "E4002";         // /facts/<name>: not declared
inline constexpr const char* kFactType = "E4003";            // /facts/<name>: wrong kind of value
inline constexpr const char* kLevelRange = "E4004";          // /facts/<name>[/<key>]: not a level of the scale
inline constexpr const char* kUnknownEvent = "E4005";        // /events/<name>: not declared
inline constexpr const char* kLineId = "E4006";              // /lines/i/id: empty or repeated
inline constexpr const char* kLineDates = "E4007";           // /lines/i/end: before the start
inline constexpr const char* kLineAmount = "E4008";          // /lines/i/<field>: negative
inline constexpr const char* kLineService = "E4009";         // /lines/i/service: empty
inline constexpr const char* kUnknownPool = "E4101";         // pool id not in the policy
inline constexpr const char* kCarryForwardNotAllowed = "E4102";
inline constexpr const char* kPoolContributions = "E4103";   // actual contributions missing or not partners
inline constexpr const char* kPoolSpend = "E4104";           // negative spend

}  // namespace jointly::engine::codes
