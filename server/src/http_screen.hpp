// What is judged from a request's line and headers alone (http_screen.cpp), for the server's
// pre-routing handler and add_route.
#pragma once

#include <string>

#include "http_internal.hpp"

namespace jointly::server {

// Checks what can be judged from the request line and headers alone, before any body is read
// (cpp-httplib calls this before reading the body): header limits, ambiguous or unsupported
// framing, compressed bodies, a declared body over the limit, and cross-site writes. Returns
// true when it has answered the request (with `Connection: close`).
bool screen_request(const Context& context, const httplib::Request& request, httplib::Response& response);

// A POST's body type: JSON routes take `application/json`; the policy routes (`route`
// `/v1/policies` and `/v1/policies/check`) also take the policy text itself. 415 otherwise.
Checked<void> check_content_type(const std::string& route, const httplib::Request& request);

}  // namespace jointly::server
