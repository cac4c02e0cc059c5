// Routes: GET /v1/audit, the audit trail for the `auditor` role; and the wrapper that writes
// an audit entry for each audited route.
#include "http_audit.hpp"

#include <set>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pg.hpp"
#include "store_common.hpp"

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;

constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 1000;

ojson optional_json(const std::optional<std::string>& text) { return text ? ojson(*text) : ojson(nullptr); }

ojson entry_json(const AuditEntry& e) {
    ojson out = ojson::object();
    out["id"] = e.id;
    out["at"] = e.at;
    out["principal"] = e.principal;
    out["client"] = e.client;
    out["request_id"] = e.request_id;
    out["client_request_id"] = optional_json(e.client_request_id);
    out["action"] = e.action;
    out["route"] = e.route;
    out["decision_id"] = optional_json(e.decision_id);
    out["panel_record_id"] = optional_json(e.panel_record_id);
    out["detail"] = optional_json(e.detail);
    out["status"] = e.status;
    out["hash"] = e.hash.empty() ? ojson(nullptr) : ojson(e.hash);
    return out;
}

// The query for GET /v1/audit; 400 naming every problem (unknown parameters first).
Checked<AuditQuery> audit_query(const httplib::Request& request) {
    static const std::set<std::string> kKnown{"decision", "principal", "from", "to", "limit", "after"};
    std::vector<engine::EvalError> errors;
    known_params(request, kKnown, "the audit trail", errors);
    AuditQuery q;
    if (request.has_param("decision")) q.decision = request.get_param_value("decision");
    if (request.has_param("principal")) q.principal = request.get_param_value("principal");
    day_filters(request, q.from, q.to, errors);
    q.limit = static_cast<std::size_t>(
        query_number(request, "limit", 1, static_cast<std::int64_t>(kMaxLimit), errors).value_or(kDefaultLimit));
    q.after = query_number(request, "after", 0, 999999999999999999, errors).value_or(0);
    if (!errors.empty()) return fail(400, "invalid_request", errors.front().message, errors);
    return q;
}

// GET /v1/audit: the trail oldest first; `next` continues it (as `after`) when there may be
// more.
Reply get_audit(Context& context, const httplib::Request& request, httplib::Response& response, AuditEntry& entry) {
    entry.detail = query_detail(request);
    auto checked = audit_query(request);
    if (!checked.ok()) return checked.error();
    auto& q = checked.value();
    const std::size_t limit = q.limit;
    q.limit = limit + 1;  // one more says whether there is a next page
    auto found = context.store->find_audit(q);
    const bool more = found.size() > limit;
    if (more) found.resize(limit);
    ojson entries = ojson::array();
    for (const auto& e : found) entries.push_back(entry_json(e));
    ojson out = ojson::object();
    out["entries"] = std::move(entries);
    out["next"] = more ? ojson(std::to_string(found.back().id)) : ojson(nullptr);
    auto text = bounded_text(context, out);
    if (!text.ok()) return text.error();
    response.status = 200;
    response.set_content(text.value(), "application/json");
    return {};
}

// Caller text is kept to kMaxAuditId bytes (ids) or kMaxAuditDetail bytes (a query): longer
// text is cut at a UTF-8 character boundary and ends with kCutMarker, so no request can make an
// entry (kept for good) larger than a few hundred bytes. Bytes that are not UTF-8, and NUL,
// are stored as U+FFFD, so that both stores take the entry.
constexpr std::size_t kMaxAuditId = 64;
constexpr std::size_t kMaxAuditDetail = 256;
constexpr std::string_view kCutMarker = "\u2026(truncated)";

// `text` as valid UTF-8 without NUL (which neither a PostgreSQL text column nor a reader
// takes): each byte that does not start a well-formed sequence, and each NUL, becomes U+FFFD.
std::string printable_utf8(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t n = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
                                                                 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
        bool ok = n > 0 && c != 0 && i + n <= text.size();
        for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0U) == 0x80U;
        if (ok && n >= 3) {  // no overlong forms, no surrogates, nothing past U+10FFFF
            const auto c1 = static_cast<unsigned char>(text[i + 1]);
            ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0) && !(c == 0xF0 && c1 < 0x90) &&
                 !(c == 0xF4 && c1 >= 0x90);
        }
        if (ok) {
            out.append(text, i, n);
            i += n;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

void bound(std::optional<std::string>& text, std::size_t max) {
    if (!text) return;
    *text = printable_utf8(*text);
    if (text->size() <= max) return;
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>((*text)[end]) & 0xC0U) == 0x80U) --end;
    text->resize(end);
    *text += kCutMarker;
}

void append(Context& context, AuditEntry& entry) {
    fill_audit_origin(entry);
    context.store->add_audit(entry);
}

}  // namespace

void fill_audit_origin(AuditEntry& entry) {
    const auto& note = request_note();
    entry.principal = note.principal.empty() ? "anonymous" : note.principal;
    entry.client = note.client;
    entry.request_id = note.request_id;
    entry.client_request_id = note.client_request_id;
    entry.route = note.route;
    bound(entry.decision_id, kMaxAuditId);
    bound(entry.panel_record_id, kMaxAuditId);
    bound(entry.detail, kMaxAuditDetail);
}

void check_audit_chain(Context& context, const std::atomic<bool>& stop) noexcept {
    std::string problem;
    std::string level = "error";
    const std::string where = "the decision store `" + pg::redact_url(context.options.db.string()) + "`";
    // Stopped with the server (between pages, or a page's read cut short or failing because of
    // it): nothing was found either way, the state stays 0 (not finished), and the line says so.
    const auto stopped = [&] {
        level = "info";
        problem = "the check of the audit trail's hash chain in " + where +
                  " was stopped with the server before the end of the trail; the next start checks it again";
    };
    try {
        const auto v = context.store->verify_audit(std::nullopt, &stop);
        if (!v.complete) {
            stopped();
        } else {
            context.metrics.audit_chain(v.entries, !v.ok());
            if (v.broken)
                problem = where + ": " + v.broken->reason + " (its stored hash " +
                          (v.broken->found.empty() ? std::string("is empty") : "`" + v.broken->found + "`") + "); " +
                          (v.entries == 0   ? std::string("it is the first entry with a hash")
                           : v.entries == 1 ? std::string("the 1 entry before it matches")
                                            : "the " + std::to_string(v.entries) + " entries before it match");
            if (v.unhashed > 0) problem += (problem.empty() ? where + ": " : "; ") + describe_unhashed(v);
            if (!problem.empty())
                problem += ". Check it with `jointly store verify-audit` and see operations.md, \"Audit trail\"";
        }
    } catch (const std::exception& e) {
        if (stop.load()) {
            stopped();
        } else {
            context.metrics.audit_chain_check_failed();
            problem = "cannot check the audit trail's hash chain in `" + pg::redact_url(context.options.db.string()) +
                      "`: " + e.what();
        }
    }
    if (problem.empty() || !context.options.log) return;
    try {
        context.options.log(
            nlohmann::ordered_json{{"ts", store_detail::now_utc()}, {"level", level}, {"message", problem}}.dump(
                -1, ' ', false, nlohmann::json::error_handler_t::replace));
    } catch (...) {
    }
}

std::optional<std::string> query_detail(const httplib::Request& request) {
    if (request.params.empty()) return std::nullopt;
    std::string out;
    for (const auto& [name, value] : request.params) out += (out.empty() ? "" : "&") + name + "=" + value;
    return out;
}

RouteHandler audited(std::string action, AuditedHandler handler) {
    return [action = std::move(action), handler = std::move(handler)](
               Context& context, const httplib::Request& request, httplib::Response& response) {
        AuditEntry entry;
        entry.action = action;
        Reply reply = handler(context, request, response, entry);
        if (!reply.ok()) {
            const int status = reply.error().status;
            if (status >= 400 && status < 500) {
                entry.status = status;
                append(context, entry);  // a StoreError here replaces the 4xx with 503
            }
            return reply;
        }
        if (entry.committed_with_write) return reply;  // it went in with the write, in one transaction
        entry.status = response.status;
        try {
            append(context, entry);
        } catch (...) {
            // Nothing of the handler's answer may leave unaudited.
            response.headers.erase("Location");
            response.body.clear();
            throw;
        }
        return reply;
    };
}

void add_audited_route(httplib::Server& server, Context& context, const std::string& method,
                       const std::string& pattern, const std::string& route, Access access, std::string action,
                       AuditedHandler handler) {
    context.audit_actions[method + " " + route] = action;
    add_route(server, context, method, pattern, route, access, audited(std::move(action), std::move(handler)));
}

void audit_refusal(Context& context, const std::string& route, const httplib::Request& request, int status) {
    // cpp-httplib answers HEAD with the GET handler: a refused HEAD is audited as that GET.
    const auto it = context.audit_actions.find((request.method == "HEAD" ? std::string("GET") : request.method) + " " +
                                               route);
    if (it == context.audit_actions.end()) return;
    // Nobody known asked: the access log has the request; a row kept for good would let anyone
    // without a token grow the database.
    if (status == 401) {
        context.metrics.unauthenticated_refusal();
        return;
    }
    AuditEntry entry;
    entry.action = it->second;
    entry.status = status;
    // Every audited route with an {id} names a decision.
    if (route.find("{id}") != std::string::npos && request.matches.size() > 1) entry.decision_id = request.matches[1];
    // The reads without an id (a list, the feed, the report, the trail) keep their query, as
    // their handlers do.
    else if (request.method == "GET" || request.method == "HEAD") entry.detail = query_detail(request);
    try {
        append(context, entry);
    } catch (const std::exception& e) {
        if (context.options.log)
            context.options.log(nlohmann::ordered_json{{"ts", store_detail::now_utc()},
                                                       {"level", "error"},
                                                       {"request_id", request_note().request_id},
                                                       {"message", std::string("cannot audit a refused request: ") +
                                                                       e.what()}}
                                    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
}

void register_audit_routes(httplib::Server& server, Context& context) {
    add_audited_route(server, context, "GET", "/v1/audit", "/v1/audit", Access::Audit, "read", get_audit);
}

}  // namespace jointly::server
