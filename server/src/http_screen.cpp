// What is judged from a request's line and headers alone, before its body is read or a route
// runs: header limits, framing, encodings, declared lengths and cross-site writes; and the
// media types the routes take.
#include <string>

#include "http_host.hpp"
#include "http_screen.hpp"

namespace jointly::server {
namespace {

std::string lower(std::string text) {
    for (auto& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return text;
}

// The bare media type of a Content-Type value, lower case ("application/json; charset=utf-8"
// -> "application/json").
std::string media_type(const std::string& header) {
    auto type = lower(header.substr(0, header.find(';')));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.erase(type.begin());
    return type;
}

bool same_origin(const ServeOptions& options, const httplib::Request& request, const std::string& origin) {
    for (const auto& allowed : options.allowed_origins)
        if (origin == allowed) return true;
    const auto host = header_or_empty(request, "Host");
    return !host.empty() && (origin == "http://" + host || origin == "https://" + host);
}

void refuse(httplib::Response& response, int status, const std::string& code, const std::string& message) {
    response.set_header("Connection", "close");
    send_json(response, status, encode_errors(code, message, {}));
}

}  // namespace

bool screen_request(const Context& context, const httplib::Request& request, httplib::Response& response) {
    const auto& o = context.options;
    // cpp-httplib adds the peer's and our own address and port as four pseudo-headers; only
    // what the client sent counts.
    const auto added = [](const std::string& name) {
        return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT";
    };
    std::size_t header_count = 0;
    std::size_t header_bytes = 0;
    for (const auto& [name, value] : request.headers) {
        if (added(name)) continue;
        ++header_count;
        header_bytes += name.size() + value.size() + 4;
    }
    if (header_count > o.max_headers) {
        refuse(response, 431, "request_header_fields_too_large",
               "the request has " + std::to_string(header_count) + " header fields; the limit is " +
                   std::to_string(o.max_headers));
        return true;
    }
    if (header_bytes > o.max_header_bytes) {
        refuse(response, 431, "request_header_fields_too_large",
               "the request's header fields hold " + std::to_string(header_bytes) + " bytes; the limit is " +
                   std::to_string(o.max_header_bytes));
        return true;
    }
    // A header that says one thing (who is calling, what the body is, where it comes from)
    // sent twice would be read two ways, by jointly and by whatever stands in front of it.
    for (const char* single : {"Authorization", "Content-Type", "Origin", "Host", "Sec-Fetch-Site", "Idempotency-Key",
                               "X-Request-Id", "traceparent"}) {
        if (server::header_count(request, single) > 1) {
            refuse(response, 400, "invalid_request", std::string("the `") + single + "` header is given more than once");
            return true;
        }
    }
    if (const auto refusal = host_refusal(header_or_empty(request, "Host"), o.allowed_hosts)) {
        refuse(response, 421, "misdirected_request", *refusal);
        return true;
    }
    const std::size_t lengths = server::header_count(request, "Content-Length");
    const bool has_length = lengths > 0;
    const bool has_transfer = header_value(request, "Transfer-Encoding") != nullptr;
    if (has_length && has_transfer) {
        refuse(response, 400, "ambiguous_framing",
               "the request has both `Content-Length` and `Transfer-Encoding`; send one (RFC 9112 section 6.3)");
        return true;
    }
    if (lengths > 1) {
        refuse(response, 400, "ambiguous_framing", "the request has more than one `Content-Length`");
        return true;
    }
    if (has_transfer) {
        refuse(response, 411, "length_required",
               "a request body must be sent with `Content-Length`; `Transfer-Encoding` (chunked bodies) is not "
               "accepted by jointly serve itself (the nginx front end in docs/operations.md accepts it)");
        return true;
    }
    if (!has_length && (request.method == "POST" || request.method == "PUT" || request.method == "PATCH")) {
        // Without a length cpp-httplib would read the body until the client closes.
        refuse(response, 411, "length_required", "a `" + request.method + "` must say its body's `Content-Length`");
        return true;
    }
    if (const auto* encoding = header_value(request, "Content-Encoding"); encoding && lower(*encoding) != "identity") {
        refuse(response, 415, "unsupported_media_type",
               "compressed request bodies (`Content-Encoding: " + *encoding +
                   "`) are not accepted; send the body uncompressed");
        return true;
    }
    if (has_length) {
        const auto text = header_or_empty(request, "Content-Length");
        std::size_t length = 0;
        bool ok = !text.empty() && text.size() <= 18;
        for (char c : text) {
            if (c < '0' || c > '9') ok = false;
            else length = length * 10 + static_cast<std::size_t>(c - '0');
        }
        if (!ok) {
            refuse(response, 400, "invalid_request", "`Content-Length` must be a whole number of bytes");
            return true;
        }
        if (length > o.max_body) {
            refuse(response, 413, "payload_too_large",
                   "the body is larger than the limit of " + std::to_string(o.max_body) + " bytes (declared as " +
                       text + " bytes; refused before reading it)");
            return true;
        }
    }
    const bool writes = request.method != "GET" && request.method != "HEAD" && request.method != "OPTIONS";
    if (writes) {
        if (const auto* sent_origin = header_value(request, "Origin")) {
            const auto& origin = *sent_origin;
            if (!same_origin(o, request, origin)) {
                refuse(response, 403, "cross_origin",
                       "a `" + request.method + "` from origin `" + origin +
                           "` is refused: only the server's own page (or an origin given with --allow-origin) may send "
                           "requests that change or compute state");
                return true;
            }
        } else if (lower(header_or_empty(request, "Sec-Fetch-Site")) == "cross-site") {
            refuse(response, 403, "cross_origin", "a cross-site `" + request.method + "` is refused");
            return true;
        }
    }
    return false;
}

Checked<void> check_content_type(const std::string& route, const httplib::Request& request) {
    const auto type = media_type(header_or_empty(request, "Content-Type"));
    if (type == "application/json") return {};
    const bool takes_text = route == "/v1/policies" || route == "/v1/policies/check";
    if (takes_text && type == "text/plain") return {};
    return fail(415, "unsupported_media_type",
                std::string("send the body as `application/json`") + (takes_text ? " (or the policy as `text/plain`)" : "") +
                    (type.empty() ? "; the request has no `Content-Type`" : "; not `" + type + "`"));
}

std::string content_media_type(const httplib::Request& request) {
    return media_type(header_or_empty(request, "Content-Type"));
}

}  // namespace jointly::server
