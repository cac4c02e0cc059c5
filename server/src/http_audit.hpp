// The audit trail's side of a route: who read or wrote a child's record (see
// docs/operations.md, "Audit trail").
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "http_internal.hpp"

namespace jointly::server {

// A handler that also says what it touched: it fills `entry`'s decision_id, panel_record_id
// and detail (as early as it knows them, so an entry for a 404 names the id asked for).
using AuditedHandler =
    std::function<Reply(Context&, const httplib::Request&, httplib::Response&, AuditEntry& entry)>;

// Wraps `handler` so that every call answered 2xx or 4xx by the handler leaves one audit entry
// (`action`, the route template, the principal, client and request id from request_note(),
// the status) committed before the answer is sent. When the entry cannot be stored the
// request fails with 503 `store_unavailable` (the StoreError propagates to add_route's
// wrapper) and the handler's answer is discarded: nothing is read unaudited. A write the
// handler committed stays committed. 5xx failures of the handler are not audited.
RouteHandler audited(std::string action, AuditedHandler handler);

// add_route with audited(action, handler), and the route noted as audited: a request refused
// before the handler runs by a known principal or for its form (403, 415, 400) also leaves an
// entry (audit_refusal).
void add_audited_route(httplib::Server& server, Context& context, const std::string& method,
                       const std::string& pattern, const std::string& route, Access access, std::string action,
                       AuditedHandler handler);

// Called by add_route when a request to an audited route is refused before its handler runs:
// appends an entry with the status (and, for a GET without an id, its query), except for a
// 401 (no token or an unknown one), which is only counted (Metrics::unauthenticated_refusal)
// and left to the access log. Best effort: when the store cannot take it, the refusal
// is still answered (nothing was read or written) and the failure goes to the log.
void audit_refusal(Context& context, const std::string& route, const httplib::Request& request, int status);

// Fills `entry`'s principal, client, request id and route from request_note(), and bounds the
// caller's text in it: decision_id and panel_record_id to 64 bytes, detail to 256 (cut at a
// character boundary, ending `…(truncated)`); call it after setting them. A handler that
// stores its entry with its write (WriteExtras::audit) calls this first and then sets
// entry.committed_with_write, so the wrapper does not append it again.
void fill_audit_origin(AuditEntry& entry);

// Walks the store's audit hash chain (Store::verify_audit) and says what it found: the
// metrics jointly_audit_chain_check_state, jointly_audit_chain_broken and
// jointly_audit_chain_entries_verified, and, when the chain is broken, has entries without a
// hash or cannot be read, an `error` log line naming the first entry that does not match and
// the entries without a hash. Run at start on a thread of its own. When `stop` becomes true it
// returns soon (between pages, or cutting a page's read short: PostgreSQL cancels a statement
// kept waiting on a lock), leaves jointly_audit_chain_check_state 0 (not finished) and logs an
// `info` line saying it was stopped, never an error. Never throws.
void check_audit_chain(Context& context, const std::atomic<bool>& stop) noexcept;

// The query string as `key=value` pairs joined by `&`, keys sorted (for AuditEntry::detail);
// nullopt when there is none.
std::optional<std::string> query_detail(const httplib::Request& request);

}  // namespace jointly::server
