// What the decision routes (http_decisions.cpp) share with erasure and rectification
// (http_erasure.cpp): evaluating a request body and making the record that stores it.
#pragma once

#include <string>
#include <string_view>

#include "http_internal.hpp"

namespace jointly::server {

// `explain` from the query string (400 when it is not full or none).
Checked<EvaluateOptions> evaluate_options(const Context& context, const httplib::Request& request);

// Evaluates a decision request against the current policies and counts its outcome; the
// ServiceError of a failure.
Checked<Evaluated> evaluate_decision(Context& context, const nlohmann::json& body, const EvaluateOptions& options);
// A route's JSON body (a decision request) evaluated with the route's query options: read by
// the fast decoder when it accepts the body (evaluate_text), else parsed and evaluated by
// evaluate_decision. The same answer, and the same first error (the body's, then the query's).
Checked<Evaluated> evaluate_request_body(Context& context, const httplib::Request& request);

// The record storing `evaluated` under a new id: its response carries `decision_id` first
// and, for a rectification, `supersedes`. `request_text` is stored as the request. 422
// `response_too_large` when the response is over --max-response (bounded_text).
Checked<DecisionRecord> decision_record(const Context& context, Evaluated& evaluated, std::string request_text,
                                        const std::string& supersedes = {});

// The stored decision `id` for a write that needs its facts: 404 when there is none, 409
// `erased` when it was erased ("the decision `id` was " + `erased_what`, and, when a
// rectification replaced it, "; " + `next_step` + " `NEW-ID`").
Checked<DecisionRecord> live_decision(Context& context, const std::string& id, const std::string& erased_what,
                                      const std::string& next_step);

// An erasure's tombstone as answered: at, principal, reason, superseded_by.
nlohmann::ordered_json erasure_json(const Erasure& erasure);

// SHA-256 of `bytes`, lowercase hex (libcrypto).
std::string body_sha256(std::string_view bytes);

// POST /v1/decisions/{id}/erasure and /rectification (http_erasure.cpp), registered by
// register_decision_routes.
void register_erasure_routes(httplib::Server& server, Context& context);

}  // namespace jointly::server
