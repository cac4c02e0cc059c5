// JSON at the edge: requests in, decisions and errors out. The only place (with the HTTP
// layer) that knows nlohmann::json.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jointly/engine/decision.hpp"
#include "jointly/engine/evaluate.hpp"
#include "jointly/engine/pool.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/engine/request.hpp"

namespace jointly::server {

// INVARIANT: `request` is present exactly when `errors` is empty.
struct DecodeResult {
    std::optional<engine::Request> request;
    std::vector<engine::EvalError> errors;  // E4xxx, each with a JSON pointer path
};

// Decodes a request body against the program's declared facts and events. Reports every
// problem at once (`/lines/2/weekly: money must be a decimal string`). Money: a decimal
// string, or a JSON integer taken as pounds; a JSON number with a fraction is rejected.
// Never throws.
DecodeResult decode_request(const nlohmann::json& body, const engine::Program& program);

// The decision in the API contract's shape (PRODUCT.md). Money as decimal strings.
nlohmann::json encode_decision(const engine::Decision& decision);

// {"error": {"code", "message", "details": [{"path", "message"}]}}
nlohmann::json encode_errors(const std::string& code, const std::string& message,
                             const std::vector<engine::EvalError>& details);

// Diagnostics as JSON: [{"severity","code","message","file","line","column","end_line",
// "end_column","help"}].
nlohmann::json encode_diagnostics(const dsl::Diagnostics& diagnostics);

nlohmann::json encode_reconciliation(const engine::PoolReconciliation& reconciliation);

}  // namespace jointly::server
