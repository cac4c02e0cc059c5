// JSON at the edge: requests in, decisions and errors out. The only place (with the HTTP
// layer) that knows nlohmann::json.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "jointly/engine/decision.hpp"
#include "jointly/engine/evaluate.hpp"
#include "jointly/engine/pool.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/engine/request.hpp"

namespace jointly::server {

// Request codes the decoder reports beyond the engine's (jointly/engine/codes.hpp, E4001..).
namespace codes {
inline constexpr dsl::Code kBadJson = dsl::Code::bad_json;  // the body is not JSON
inline constexpr dsl::Code kTooDeep = dsl::Code::json_too_deep;  // JSON nested deeper than the limit
inline constexpr dsl::Code kFieldType = dsl::Code::field_type;  // a field holds the wrong kind of value
inline constexpr dsl::Code kUnknownField = dsl::Code::unknown_field;  // a field the contract does not know
inline constexpr dsl::Code kMissingField = dsl::Code::missing_field;  // a required field is absent
inline constexpr dsl::Code kMoney = dsl::Code::not_money;  // not a decimal string of money
inline constexpr dsl::Code kDate = dsl::Code::not_a_request_date;  // not an ISO date naming a real day
inline constexpr dsl::Code kNumber = dsl::Code::not_a_number;  // not a decimal number
inline constexpr dsl::Code kTooManyLines = dsl::Code::too_many_lines;  // more lines than the limit
inline constexpr dsl::Code kLineKind = dsl::Code::line_kind;  // none or several of amount/weekly/hourly
inline constexpr dsl::Code kTooLarge = dsl::Code::body_too_large;  // body larger than the limit
inline constexpr dsl::Code kDuplicateKey = dsl::Code::duplicate_key;  // an object names one key twice
inline constexpr dsl::Code kAmountTooLarge = dsl::Code::amount_too_large;  // money over DecodeLimits::max_amount
inline constexpr dsl::Code kLineTooLong = dsl::Code::line_too_long;  // a line spanning more than max_line_days
inline constexpr dsl::Code kCaseRef = dsl::Code::case_ref_invalid;  // empty, too long, or a control character
inline constexpr dsl::Code kOverrideSum = dsl::Code::override_sum;  // a panel override's shares sum to neither total
}  // namespace codes

// The most characters (code points) a `case_ref` may have.
inline constexpr std::size_t kMaxCaseRef = 200;

// Why `case_ref` (valid UTF-8) is not a case reference: empty, over kMaxCaseRef characters, or
// holding a control character (U+0000 to U+001F, U+007F to U+009F: a NUL, a newline, a tab);
// nullopt when it is one. The message is the E4219 detail's, at `/case_ref`.
std::optional<std::string> case_ref_problem(std::string_view case_ref);

// INVARIANT: `request` is present exactly when `errors` is empty.
struct DecodeResult {
    std::optional<engine::Request> request;
    std::vector<engine::EvalError> errors;  // E4xxx, each with a JSON pointer path
};

// Limits a caller's request must stay within (docs/api.md "Limits"). With them, no request
// can overflow the engine's 64-bit pence: 1,000 lines of £100,000,000.00 an hour for 168
// hours a week over 50 years is 4.4 x 10^18 pence, under 2^63.
struct DecodeLimits {
    std::size_t max_lines = 1000;
    // A periodic line's inclusive `start`..`end` spans at most this many days (E4214):
    // 50 years of 365.25 days.
    std::int64_t max_line_days = 18263;
    // Every amount a caller sends (`amount`, `weekly`, `hourly`, a money fact) is at most
    // this (E4213): £100,000,000.00, far above any care package.
    engine::Money max_amount = engine::Money::pence(10'000'000'000);
    // `hours_per_week` is at most 168, the hours in a week (E4208).
};

// Decodes a request body against a policy's declared facts and events (a program's
// `schema()`). Reports every problem at once (`/lines/2/weekly: money must be a decimal
// string`). Money: a decimal string, or a JSON integer taken as pounds; a JSON number with a
// fraction is rejected. Top-level fields `policy` and `version` are accepted and ignored (the
// caller uses them to pick the program); `explain: "full"` sets Request::explain_full. Never
// throws.
DecodeResult decode_request(const nlohmann::json& body, const engine::Schema& schema);
DecodeResult decode_request(const nlohmann::json& body, const engine::Schema& schema,
                            const DecodeLimits& limits);

// Parses a body as JSON, refusing nesting deeper than `max_depth` (checked on the raw
// text before parsing, so a hostile body cannot exhaust the stack) and any object that
// names a key twice, at any depth (nlohmann would keep the last one silently). On failure
// `error` holds E4201 (with the byte position), E4202, or E4212 with the JSON pointer of
// the key's second occurrence (`/facts/dst/breathing`). Every request, case file and
// caseload line is read through it. Never throws.
struct ParsedJson {
    std::optional<nlohmann::json> value;
    engine::EvalError error;
};
ParsedJson parse_json(std::string_view text, std::size_t max_depth = 64);

// Reads a money field the way the decoder does (decimal string, or JSON integer pounds;
// a number with a fraction rejected). Returns nullopt and sets `message` on failure.
// Why `text` is not a date jointly reads: "`X` is not a date `YYYY-MM-DD` naming a real day",
// or, for a real day before 1900 (or past 9999, when written with more digits), that it is
// outside the years 1900 to 9999.
std::string date_problem(std::string_view text);

// `too_large`, when given, is set when the value is a whole number of pounds beyond what a
// Money holds (the caller then reports the limit on amounts, E4213, rather than E4206).
std::optional<engine::Money> json_money(const nlohmann::json& value, std::string* message, bool* too_large = nullptr);

// JSON pointer segment escaping (`~` -> `~0`, `/` -> `~1`).
std::string pointer_escape(std::string_view key);

// The decision in the API contract's shape (PRODUCT.md). Money as decimal strings.
// Deterministic: the same decision always serialises byte-identically. The ordered form
// keeps the contract's field order and each split's agency order; `encode_decision` is the
// same content with nlohmann's sorted keys.
nlohmann::ordered_json encode_decision_ordered(const engine::Decision& decision);
nlohmann::json encode_decision(const engine::Decision& decision);
// encode_decision_ordered(decision) serialised as the API sends it (compact, invalid UTF-8
// replaced), byte for byte, but written straight into the text: no document is built. The
// answer of POST /v1/evaluate and of a stored decision. With `prefix` (e.g.
// `"decision_id":"D-…",`, already JSON), it is written first inside the object.
std::string decision_text(const engine::Decision& decision, std::string_view prefix = {});
// The same text appended to `out` (a batch's answer, written in one string).
void append_decision_text(std::string& out, const engine::Decision& decision, std::string_view prefix = {});

// How the API answers a request that gave errors instead of an answer, by the codes'
// categories (jointly/dsl/codes.hpp): 500 `internal_error` when any is internal (a bug, never
// the caller's fault), else 400 `invalid_request` when any is the caller's input, else 422
// `evaluation_error` (a well-formed request the policy cannot answer).
struct ErrorStatus {
    int status;
    const char* code;
};
ErrorStatus error_status(const std::vector<engine::EvalError>& errors);

// What a panel decided on a stored decision (POST /v1/decisions/{id}/panel).
enum class PanelOutcome { Approved, Deferred, Declined, Escalated };
std::string_view to_string(PanelOutcome outcome);  // "approved", ...
std::optional<PanelOutcome> parse_panel_outcome(std::string_view text);

// A panel record read against the stored decision it is about (`decision`: the decision's
// JSON answer): the record to store, in the contract's field order with an override's
// amounts normalised (`1500` -> "1500.00"), or every problem at once with its JSON pointer.
// An override's shares must name the decision's agencies and sum exactly to its total.
// INVARIANT: `record` is present exactly when `errors` is empty.
struct PanelRecordResult {
    std::optional<nlohmann::ordered_json> record;
    std::vector<engine::EvalError> errors;
};
PanelRecordResult decode_panel_record(const nlohmann::json& body, const nlohmann::ordered_json& decision);

// {"error": {"code", "message", "details": [{"path", "message", "code"}]}}
nlohmann::json encode_errors(const std::string& code, const std::string& message,
                             const std::vector<engine::EvalError>& details);

// Diagnostics as JSON: [{"severity","code","message","file","line","column","end_line",
// "end_column","help"}].
nlohmann::json encode_diagnostics(const dsl::Diagnostics& diagnostics);

// A JSON Schema (2020-12) of a decision request for `program`: its facts with their types
// and levels, its events, the three kinds of cost line. For clients that build a form.
nlohmann::ordered_json request_schema(const engine::Program& program, std::size_t max_lines);

nlohmann::json encode_reconciliation(const engine::PoolReconciliation& reconciliation);
nlohmann::ordered_json encode_reconciliation_ordered(
    const engine::PoolReconciliation& reconciliation);

}  // namespace jointly::server
