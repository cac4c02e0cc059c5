// What the routes read from a request and write to a response: headers, the caller's token
// and role, JSON bodies, query parameters, answer limits and deadlines (http_internal.hpp).
#include <chrono>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http_internal.hpp"

namespace jointly::server {
namespace {

// Header names compared as HTTP compares them: ASCII letters in either case.
bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto x = static_cast<unsigned char>(a[i]);
        const auto y = static_cast<unsigned char>(b[i]);
        if (x == y) continue;
        if ((x | 0x20U) != (y | 0x20U) || (x | 0x20U) < 'a' || (x | 0x20U) > 'z') return false;
    }
    return true;
}

// The token of `Authorization: Bearer TOKEN`; the scheme's name in any case (RFC 9110 11.1).
std::string bearer_token(const httplib::Request& request) {
    const auto header = header_or_empty(request, "Authorization");
    constexpr std::string_view kScheme = "Bearer";
    if (header.size() > kScheme.size() + 1 && same_name(std::string_view(header).substr(0, kScheme.size()), kScheme) &&
        header[kScheme.size()] == ' ')
        return header.substr(kScheme.size() + 1);
    return {};
}

}  // namespace

// The value of the request's header `name` (ASCII letters in either case), the first when it
// was sent more than once, as get_header_value gives it; null when it was not sent. A scan of
// the (at most --max-headers) headers comparing lengths first: cpp-httplib's lookup compares
// through tolower() a character at a time, about half a microsecond of each POST's CPU.
const std::string* header_value(const httplib::Request& request, std::string_view name) {
    for (const auto& [key, value] : request.headers)
        if (same_name(key, name)) return &value;
    return nullptr;
}

std::size_t header_count(const httplib::Request& request, std::string_view name) {
    std::size_t n = 0;
    for (const auto& entry : request.headers) n += same_name(entry.first, name) ? 1U : 0U;
    return n;
}

std::string header_or_empty(const httplib::Request& request, std::string_view name) {
    const std::string* value = header_value(request, name);
    return value ? *value : std::string();
}

ServiceError fail(int status, std::string code, std::string message, std::vector<engine::EvalError> details) {
    return ServiceError{status, std::move(code), std::move(message), std::move(details)};
}

Checked<void> authorize(const Context& context, const httplib::Request& request, Access access) {
    const auto tokens = context.tokens();
    if (!tokens->enabled()) return {};
    // A credential that is sent is checked on every route, open ones included: a client with a
    // wrong or malformed token learns it at once instead of being served as anonymous.
    std::optional<Principal> principal;
    if (header_value(request, "Authorization")) {
        const auto sent = bearer_token(request);
        if (sent.empty()) return fail(401, "unauthorized", "the `Authorization` header must be `Bearer TOKEN`");
        principal = tokens->principal_of(sent);
        if (!principal) return fail(401, "unauthorized", "the bearer token is not recognised");
        request_note().principal = principal->name;
        request_note().role = principal->role;
    }
    if (access == Access::Open) return {};
    // --open-evaluation opens evaluation that keeps nothing, and no more: storing or reading a
    // child's record, compiling source or simulating a caseload (far costlier than one
    // evaluation) still need a token.
    if (access == Access::Evaluate && context.options.open_evaluation) return {};
    if (!principal)
        return fail(401, "unauthorized", "this route needs a bearer token (`Authorization: Bearer TOKEN`)");
    const auto role = principal->role;
    if (!permits(access, role)) {
        const auto roles = roles_for(access);
        return fail(403, "forbidden",
                    std::string("this route needs ") + (roles.size() == 1 ? "the " : "one of the roles ") +
                        role_list(access) + (roles.size() == 1 ? " role" : "") + "; the token has `" +
                        to_string(role) + "`");
    }
    return {};
}

Checked<nlohmann::json> json_body(const Context& context, const httplib::Request& request) {
    if (request.body.size() > context.options.max_body)
        return fail(413, "payload_too_large",
                    "the body is larger than the limit of " + std::to_string(context.options.max_body) + " bytes");
    if (request.body.empty())
        return fail(400, "invalid_request", "the request needs a JSON body",
                    {{codes::kBadJson, "", "the body is empty", std::nullopt, {}}});
    auto parsed = parse_json(request.body, context.options.max_depth);
    if (!parsed.value) return fail(400, "invalid_request", parsed.error.message, {parsed.error});
    return std::move(*parsed.value);
}

Checked<std::string> bounded_text(const Context& context, const nlohmann::ordered_json& answer) {
    return bounded_text(context, answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Checked<std::string> bounded_text(const Context& context, std::string text) {
    if (text.size() > context.options.max_response)
        return fail(422, "response_too_large",
                    "the answer would be " + std::to_string(text.size()) + " bytes; the limit is " +
                        std::to_string(context.options.max_response) +
                        " bytes (--max-response): send fewer or shorter lines or cases, or split the work");
    return text;
}

Deadline::Deadline(const Context& context)
    : at_(std::chrono::steady_clock::now() + std::chrono::milliseconds(context.options.request_deadline_ms)),
      milliseconds_(context.options.request_deadline_ms) {}

Checked<void> Deadline::check(const char* what, std::size_t done, std::size_t total) const {
    if (std::chrono::steady_clock::now() <= at_) return {};
    return fail(422, "deadline_exceeded",
                std::string(what) + " was stopped after " + std::to_string(done) + " of " + std::to_string(total) +
                    ": it took longer than " + std::to_string(milliseconds_) + " ms (--request-deadline-ms)");
}

void day_filters(const httplib::Request& request, std::optional<std::string>& from, std::optional<std::string>& to,
                 std::vector<engine::EvalError>& errors) {
    for (const char* name : {"from", "to"}) {
        if (!request.has_param(name)) continue;
        const auto text = request.get_param_value(name);
        if (!engine::parse_date(text)) {
            errors.push_back({codes::kDate, std::string("?") + name,
                              date_problem(text), std::nullopt, {}});
            continue;
        }
        (std::string(name) == "from" ? from : to) = text;
    }
}

std::optional<std::int64_t> query_number(const httplib::Request& request, const char* name, std::int64_t min,
                                         std::int64_t max, std::vector<engine::EvalError>& errors,
                                         const std::string& expected) {
    if (!request.has_param(name)) return std::nullopt;
    const auto text = request.get_param_value(name);
    std::int64_t value = 0;
    bool ok = !text.empty() && text.size() <= 18;
    for (const char c : text) {
        if (c < '0' || c > '9') ok = false;
        else if (ok) value = value * 10 + (c - '0');
    }
    if (!ok || value < min || value > max) {
        errors.push_back({codes::kNumber, std::string("?") + name,
                          std::string("`") + name + "` must be " +
                              (expected.empty() ? "a whole number from " + std::to_string(min) + " to " +
                                                      std::to_string(max)
                                                : expected),
                          std::nullopt, {}});
        return std::nullopt;
    }
    return value;
}

// True when the caller asked for CSV (`?format=csv` or `Accept: text/csv`); 400 for another
// format.
bool wants_csv(const httplib::Request& request, std::vector<engine::EvalError>& errors) {
    if (request.has_param("format")) {
        const auto format = request.get_param_value("format");
        if (format == "csv") return true;
        if (format != "json")
            errors.push_back({codes::kFieldType, "?format", "`format` must be `json` or `csv`", std::nullopt, {}});
        return false;
    }
    const auto accept = header_or_empty(request, "Accept");
    return accept.find("text/csv") != std::string::npos && accept.find("application/json") == std::string::npos;
}

void known_params(const httplib::Request& request, const std::set<std::string>& known, const std::string& route,
                  std::vector<engine::EvalError>& errors) {
    std::set<std::string> seen;
    std::string list;
    for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
    if (list.empty()) list = "none";
    for (const auto& [name, value] : request.params) {
        if (!seen.insert(name).second) continue;
        if (!known.count(name))
            errors.push_back({codes::kUnknownField, "?" + name,
                              "unknown query parameter `" + name + "` (" + route + " takes " + list + ")",
                              std::nullopt, {}});
        else if (request.get_param_value_count(name.c_str()) > 1)
            errors.push_back({codes::kFieldType, "?" + name, "query parameter `" + name + "` is given more than once",
                              std::nullopt, {}});
    }
}

void set_body(httplib::Response& response, std::string text, const char* content_type) {
    response.body = std::move(text);
    response.headers.erase("Content-Type");
    response.set_header("Content-Type", content_type);
}

void send_json(httplib::Response& response, int status, const nlohmann::ordered_json& body) {
    response.status = status;
    set_body(response, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_json(httplib::Response& response, int status, const nlohmann::json& body) {
    response.status = status;
    set_body(response, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

}  // namespace jointly::server
