// One request's bookkeeping on its worker thread (http_exchange.cpp), for the server's handlers
// (http_server.cpp) and add_route: the clock and the in-flight gauge, the request ids,
// metrics and the access log line. The rest of a request's notes are request_note()
// (http_internal.hpp).
#pragma once

#include <string>

#include "http_internal.hpp"

namespace jointly::server {

// The time now, UTC, with milliseconds, as log lines write it: "2026-12-02T13:41:17.123Z".
std::string utc_now();

// Starts the request on this thread (the pre-routing handler): the clock and the in-flight
// gauge, a fresh request_note() with the peer's address, and the request's ids (its own in
// X-Jointly-Request-Id, the caller's in X-Request-Id).
void begin_request(Context& context, const httplib::Request& request, httplib::Response& response);

// Metrics and the access log line, once per request (a later call does nothing), before the
// response is written (so a client that has its answer sees it counted). The line is JSON:
// never a fact, a body or a token; the principal is the token's name. A request cpp-httplib
// refused before the pre-routing handler (an unreadable request line) is counted with
// duration 0.
void finish_request(Context& context, const httplib::Request& request, const httplib::Response& response);

// The error handler: an answer cpp-httplib made (404, 405, 413, 414, a request it could not
// read) gets the request ids if it has none, the contract's error body if it has no body, and
// is finished.
void answer_unrouted_error(Context& context, const httplib::Request& request, httplib::Response& response);

// Ends the in-flight count of this thread's request when its answer could not be written: it
// never finished.
void abandon_request();

}  // namespace jointly::server
