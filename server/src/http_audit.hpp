// The audit trail's side of a route: who read or wrote a child's record (see
// docs/operations.md, "Audit trail").
#pragma once

#include <functional>
#include <string>

#include "http_internal.hpp"

namespace jointly::server {

// A handler that also says what it touched: it fills `entry`'s decision_id, panel_record_id
// and detail (as early as it knows them, so an entry for a 404 names the id asked for).
using AuditedHandler =
    std::function<void(Context&, const httplib::Request&, httplib::Response&, AuditEntry& entry)>;

// Wraps `handler` so that every call answered 2xx or 4xx by the handler leaves one audit entry
// (`action`, the route template, the principal, client and request id from request_note(),
// the status) committed before the answer is sent. When the entry cannot be stored the
// request fails with 503 `store_unavailable` (the StoreError propagates to add_route's
// wrapper) and the handler's answer is discarded: nothing is read unaudited. A write the
// handler committed stays committed. 5xx failures of the handler are not audited.
RouteHandler audited(std::string action, AuditedHandler handler);

// The query string as `key=value` pairs joined by `&`, keys sorted (for AuditEntry::detail);
// nullopt when there is none.
std::optional<std::string> query_detail(const httplib::Request& request);

}  // namespace jointly::server
