// Registering a route: the wrapper every handler runs in (access, body type, query parameters,
// errors, the audit of a refusal) and the answers for the other methods of a path (405 with
// `Allow`, OPTIONS).
#include <algorithm>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "http_audit.hpp"
#include "http_exchange.hpp"
#include "http_screen.hpp"

namespace jointly::server {
namespace {

// The query parameters a route takes, for the routes that do not check their own (the lists,
// the report, the change feed, the audit trail and the simulation check theirs with their
// other filters); nullopt for those, and for the page at `/`, whose address is the browser's.
std::optional<std::set<std::string>> route_query(const std::string& method, const std::string& route) {
    if (route == "/") return std::nullopt;
    if (method == "GET" && (route == "/v1/decisions" || route == "/v1/changes" || route == "/v1/reports/summary" ||
                            route == "/v1/audit"))
        return std::nullopt;
    if (method == "POST" && route == "/v1/simulate") return std::nullopt;
    if (method == "POST" && (route == "/v1/evaluate" || route == "/v1/evaluate/batch" || route == "/v1/decisions" ||
                             route == "/v1/decisions/{id}/rectification"))
        return std::set<std::string>{"explain"};
    return std::set<std::string>{};
}

// 400 for a query parameter the route does not take, or one given twice (known_params).
Reply check_query(const httplib::Request& request, const std::set<std::string>& known, const std::string& what) {
    if (request.params.empty()) return {};
    std::vector<engine::EvalError> errors;
    known_params(request, known, what, errors);
    if (errors.empty()) return {};
    auto message = errors.front().message;
    return fail(400, "invalid_request", std::move(message), std::move(errors));
}

}  // namespace

void add_route(httplib::Server& server, Context& context, const std::string& method, const std::string& pattern,
               const std::string& route, Access access, RouteHandler handler) {
    auto query = route_query(method, route);
    auto wrapped = [&context, route, access, query = std::move(query), what = method + " " + route,
                    handler = std::move(handler)](const httplib::Request& request, httplib::Response& response) {
        request_note().route = route;
        // The error answered instead of the handler's response, if any. It is answered after
        // the try, so an exception while answering it goes to cpp-httplib's exception handler.
        std::optional<ServiceError> failed;
        bool handled = false;
        try {
            Reply reply = authorize(context, request, access);
            if (reply.ok() && request.method == "POST") reply = check_content_type(route, request);
            if (reply.ok() && query) reply = check_query(request, *query, what);
            if (reply.ok()) {
                handled = true;
                reply = handler(context, request, response);
            }
            if (!reply.ok()) failed = std::move(reply.error());
        } catch (const StoreError& e) {
            send_json(response, 503, encode_errors("store_unavailable", e.what(), {}));
        } catch (const std::bad_alloc&) {
            response.body.clear();
            response.body.shrink_to_fit();
            send_json(response, 503,
                      encode_errors("insufficient_memory", "the server ran out of memory for this request", {}));
        } catch (const std::exception& e) {
            internal_error(context, response, e.what());
        }
        if (failed) {
            if (!handled) audit_refusal(context, route, request, failed->status);
            if (failed->status == 401) response.set_header("WWW-Authenticate", "Bearer realm=\"jointly\"");
            send_json(response, failed->status, caller_view(context, *failed));
        }
        finish_request(context, request, response);
    };
    if (method == "GET") server.Get(pattern, wrapped);
    else if (method == "POST") server.Post(pattern, wrapped);
    auto& entry = context.patterns[pattern];
    entry.first = route;
    entry.second.insert(method);
}

void add_method_not_allowed(httplib::Server& server, Context& context) {
    // cpp-httplib tries a method's handlers in the order they were added: a literal path
    // (`/v1/policies/check`) goes before a pattern that would also match it
    // (`/v1/policies/([^/]+)`), so a wrong method on it names its own methods.
    std::vector<std::pair<std::string, std::pair<std::string, std::set<std::string>>>> ordered(
        context.patterns.begin(), context.patterns.end());
    std::stable_partition(ordered.begin(), ordered.end(),
                          [](const auto& p) { return p.first.find('(') == std::string::npos; });
    for (const auto& [pattern, entry] : ordered) {
        const auto& [route, methods] = entry;
        // cpp-httplib answers HEAD with a path's GET handler (the same status and headers, no
        // body), so wherever GET is taken HEAD is too.
        std::string allow;
        for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + m + (m == "GET" ? ", HEAD" : "");
        allow += ", OPTIONS";
        // OPTIONS says what the route takes. No CORS headers: other origins are not served, so
        // a browser's preflight from another site fails.
        // A token that is sent is checked here too, as on every route (authorize).
        server.Options(pattern, [&context, route = route, allow](const httplib::Request& request,
                                                                 httplib::Response& response) {
            request_note().route = route;
            response.set_header("Allow", allow);
            if (const Reply checked = authorize(context, request, Access::Open); !checked.ok()) {
                response.set_header("WWW-Authenticate", "Bearer realm=\"jointly\"");
                send_json(response, checked.error().status, caller_view(context, checked.error()));
                return;
            }
            response.status = 204;
        });
        auto not_allowed = [route = route, allow](const httplib::Request& request, httplib::Response& response) {
            request_note().route = route;
            response.set_header("Allow", allow);
            send_json(response, 405,
                      encode_errors("method_not_allowed", "route " + route + " takes " + allow + ", not " + request.method,
                                    {}));
        };
        if (!methods.count("GET")) server.Get(pattern, not_allowed);
        if (!methods.count("POST")) server.Post(pattern, not_allowed);
        server.Put(pattern, not_allowed);
        server.Delete(pattern, not_allowed);
        server.Patch(pattern, not_allowed);
    }
}

}  // namespace jointly::server
