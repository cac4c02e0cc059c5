// Shared by the HTTP route files: the server's context, errors, and small helpers.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth.hpp"
#include "jointly/server/http.hpp"
#include "jointly/server/service.hpp"
#include "jointly/server/store.hpp"
#include "metrics.hpp"

namespace jointly::server {

// What a step that can refuse the request gives back: a `T`, or the ServiceError that
// refuses it. The caller must look (`[[nodiscard]]`) and, on an error, return it at once;
// add_route turns a route's error into the contract's error JSON. No API error is thrown.
// INVARIANT: exactly one of the value and the error is present; value() on an error and
// error() on a value are bugs (std::bad_variant_access, answered 500).
template <typename T>
class [[nodiscard]] Checked {
public:
    Checked(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    Checked(ServiceError error) : state_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return state_.index() == 0; }
    const T& value() const& { return std::get<0>(state_); }
    T& value() & { return std::get<0>(state_); }
    T value() && { return std::get<0>(std::move(state_)); }
    const ServiceError& error() const { return std::get<1>(state_); }
    ServiceError& error() { return std::get<1>(state_); }

private:
    std::variant<T, ServiceError> state_;
};

// A step that gives back nothing but may refuse: a default-constructed one passed.
template <>
class [[nodiscard]] Checked<void> {
public:
    Checked() = default;
    Checked(ServiceError error) : error_(std::move(error)) {}

    bool ok() const { return !error_; }
    const ServiceError& error() const { return error_.value(); }
    ServiceError& error() { return error_.value(); }

private:
    std::optional<ServiceError> error_;
};

// A route handler's answer: ok when the handler has filled the response (`return {};`), else
// the error add_route answers.
using Reply = Checked<void>;

// The ServiceError a step returns to refuse the request.
ServiceError fail(int status, std::string code, std::string message, std::vector<engine::EvalError> details = {});

// What every route needs. Immutable after start except the registry, store, tokens and
// metrics, which are thread-safe.
struct Context {
    ServeOptions options;
    Registry registry;
    std::unique_ptr<Store> store;
    Metrics metrics;
    // pattern -> (route template, methods), filled by add_route.
    std::map<std::string, std::pair<std::string, std::set<std::string>>> patterns;
    // "METHOD route template" -> audit action, for the audited routes (add_audited_route).
    std::map<std::string, std::string> audit_actions;
    // Change-feed long polls now waiting (at most a quarter of the threads wait).
    std::atomic<std::size_t> long_polls{0};
    // Set when the server stops: long polls answer at once.
    std::atomic<bool> stopping{false};

    explicit Context(const ServeOptions& o) : options(o), registry(o.policies) {}
    // The tokens in service. A request reads one set throughout; a reload (SIGHUP) swaps the
    // whole set with set_tokens, never part of it. Thread-safe.
    std::shared_ptr<const Tokens> tokens() const {
        std::lock_guard lock(tokens_mutex_);
        return tokens_;
    }
    void set_tokens(Tokens tokens) {
        auto next = std::make_shared<const Tokens>(std::move(tokens));
        std::lock_guard lock(tokens_mutex_);
        tokens_.swap(next);  // the old set goes when the last request holding it ends
    }
    DecodeLimits limits() const {
        DecodeLimits l;
        l.max_lines = options.max_lines;
        return l;
    }

private:
    mutable std::mutex tokens_mutex_;
    std::shared_ptr<const Tokens> tokens_ = std::make_shared<const Tokens>();
};

// The longest a change-feed poll may wait (`GET /v1/changes?wait=`), seconds.
constexpr std::size_t kMaxChangeWaitSeconds = 25;

// Query parameter `name` as a whole number from `min` to `max` (at most 18 digits); nullopt
// when absent. When it is not, an error at `?name` joins `errors` ("`name` must be " and
// `expected`, or the range) and the answer is nullopt.
std::optional<std::int64_t> query_number(const httplib::Request& request, const char* name, std::int64_t min,
                                         std::int64_t max, std::vector<engine::EvalError>& errors,
                                         const std::string& expected = {});

// An error at `?name` for every query parameter `known` does not list (naming what `route`
// takes), and for every one given more than once.
void known_params(const httplib::Request& request, const std::set<std::string>& known, const std::string& route,
                  std::vector<engine::EvalError>& errors);

// True when the caller asked for CSV (`?format=csv`, or `Accept: text/csv` without
// `application/json`); a `format` other than `json` or `csv` is an error at `?format`.
bool wants_csv(const httplib::Request& request, std::vector<engine::EvalError>& errors);

// The value of the request's header `name` (ASCII letters in either case), the first when it
// was sent more than once, as get_header_value gives it; null when it was not sent.
const std::string* header_value(const httplib::Request& request, std::string_view name);
// How many times the header `name` was sent.
std::size_t header_count(const httplib::Request& request, std::string_view name);
// header_value's text, or "" when the header was not sent.
std::string header_or_empty(const httplib::Request& request, std::string_view name);

// The request's Content-Type without parameters, lower case (`application/json`).
std::string content_media_type(const httplib::Request& request);

// Answers 500 `internal_error` with the request id and logs `detail` under it; the caller
// never sees the detail.
void internal_error(const Context& context, httplib::Response& response, const std::string& detail);

// What a caller may see of an error: a 500's message and details can name internals (an
// exception's text), so they go to the log under the request id and the caller gets only
// that id. Every other error is the caller's to read, whole.
nlohmann::json caller_view(const Context& context, const ServiceError& error);


// Refuses the request unless its bearer token allows `access` (auth.hpp): 401 without a
// token where one is needed, or with a token that is malformed or unknown (on every route);
// 403 naming the roles that may call the route when the token's role is not one of them.
Checked<void> authorize(const Context& context, const httplib::Request& request, Access access);

// The body as JSON (400 naming the problem, 413 over the limit).
Checked<nlohmann::json> json_body(const Context& context, const httplib::Request& request);

// The answer as text, refused (422 `response_too_large`) when it is larger than
// --max-response: what one request may make the server hold, send and store is bounded.
Checked<std::string> bounded_text(const Context& context, const nlohmann::ordered_json& answer);
// The same bound on an answer already written as text.
Checked<std::string> bounded_text(const Context& context, std::string text);

// --request-deadline-ms from construction; check() refuses with 422 `deadline_exceeded` once
// past it, saying how far the work got.
class Deadline {
public:
    explicit Deadline(const Context& context);
    Checked<void> check(const char* what, std::size_t done, std::size_t total) const;

private:
    std::chrono::steady_clock::time_point at_;
    int milliseconds_;
};

// The query parameters `from` and `to` (UTC days, inclusive) into `from` and `to`; a value
// that is not a real day adds an E4207 detail at `?from`/`?to` to `errors`.
void day_filters(const httplib::Request& request, std::optional<std::string>& from, std::optional<std::string>& to,
                 std::vector<engine::EvalError>& errors);

// As httplib's set_content, with the text moved into the body instead of copied (an answer can
// be megabytes).
void set_body(httplib::Response& response, std::string text, const char* content_type);
void send_json(httplib::Response& response, int status, const nlohmann::ordered_json& body);
void send_json(httplib::Response& response, int status, const nlohmann::json& body);

// Per-request notes for the access log (set by handlers on the worker thread).
struct RequestNote {
    std::string route;
    std::string decision_id;
    std::string principal = "anonymous";  // the token's name (never the token), set by authorize
    // The role of the token authorize let in, with the same tokens it checked: a route that says
    // who called (whoami) reads it here rather than look the token up again, when a SIGHUP may
    // have changed the tokens in between.
    std::optional<Role> role;
    std::string client;                   // the peer's address
    std::string request_id;               // the server's own, unique per request (never the caller's)
    std::optional<std::string> client_request_id;  // the caller's X-Request-Id (or traceparent's trace id)
    bool recorded = false;  // metrics and the access log line are written
};
RequestNote& request_note();

using RouteHandler = std::function<Reply(Context&, const httplib::Request&, httplib::Response&)>;

// Registers a route: `pattern` for httplib, `route` the template for logs and metrics. A
// handler's error reply is answered as the contract's error JSON (caller_view); a StoreError
// it throws is 503 `store_unavailable`, std::bad_alloc 503 `insufficient_memory`, any other
// exception 500 `internal_error`.
void add_route(httplib::Server& server, Context& context, const std::string& method, const std::string& pattern,
               const std::string& route, Access access, RouteHandler handler);

// Answers 405 (with `Allow`) for other methods on every registered pattern. Call last.
void add_method_not_allowed(httplib::Server& server, Context& context);

void register_decision_routes(httplib::Server& server, Context& context);
void register_policy_routes(httplib::Server& server, Context& context);
void register_operation_routes(httplib::Server& server, Context& context);
void register_audit_routes(httplib::Server& server, Context& context);

// GET /v1/openapi.json
nlohmann::ordered_json openapi_document();
// The panel chair's page (server/web/index.html, embedded at build time).
std::string_view web_index_html();

}  // namespace jointly::server
