// One request's bookkeeping on its worker thread: its ids, the clock and the in-flight gauge,
// metrics and the access log line, the answer to an error no route made, and what a caller may
// see of a fault.
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <random>
#include <string>

#include "http_exchange.hpp"

namespace jointly::server {
namespace {

using Clock = std::chrono::steady_clock;

thread_local Clock::time_point t_request_start;
thread_local RequestNote t_note;

const char* default_code(int status) {
    switch (status) {
        case 400: return "invalid_request";
        case 401: return "unauthorized";
        case 403: return "forbidden";
        case 404: return "not_found";
        case 405: return "method_not_allowed";
        case 408: return "request_timeout";
        case 409: return "conflict";
        case 411: return "length_required";
        case 413: return "payload_too_large";
        case 414: return "uri_too_long";
        case 415: return "unsupported_media_type";
        case 421: return "misdirected_request";
        case 422: return "unprocessable";
        case 431: return "request_header_fields_too_large";
        case 503: return "unavailable";
        default: return status >= 500 ? "internal_error" : "error";
    }
}

std::string default_message(const Context& context, const httplib::Request& request, int status) {
    switch (status) {
        case 404: return "no route " + request.method + " " + request.path;
        case 405: return "route " + request.path + " does not accept " + request.method;
        case 413:
            return "the body is larger than the limit of " + std::to_string(context.options.max_body) + " bytes";
        case 400: return "the request could not be read";
        default: return "the request failed";
    }
}

bool id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == ':';
}

// A request id's 64 bits: a counter per thread from a random start (drawn once per thread),
// mixed by splitmix64, a bijection, so ids never repeat on a thread and look unrelated. An id
// is no secret (it is sent back and logged): a cryptographic draw per request, which cost
// about 4% of a small request's time, buys nothing.
std::uint64_t next_request_number() {
    thread_local std::uint64_t state = [] {
        std::array<unsigned char, 8> bytes{};
        std::uint64_t seed = 0;
        if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1) std::memcpy(&seed, bytes.data(), 8);
        else seed = (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
        return seed;
    }();
    state += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// The caller's X-Request-Id (1-128 of [A-Za-z0-9._:-]), else the trace id of a W3C
// `traceparent`, else nullopt. The caller's to choose: two requests may carry the same.
std::optional<std::string> client_request_id_of(const httplib::Request& request) {
    const auto given = header_or_empty(request, "X-Request-Id");
    if (!given.empty() && given.size() <= 128 && std::all_of(given.begin(), given.end(), id_char)) return given;
    const auto trace = header_or_empty(request, "traceparent");  // 00-<32 hex>-<16 hex>-<2 hex>
    if (trace.size() == 55 && trace[2] == '-' && trace[35] == '-') {
        const auto id = trace.substr(3, 32);
        // W3C Trace Context: an id of all zeros is invalid.
        if (std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }) &&
            id != std::string(32, '0'))
            return id;
    }
    return std::nullopt;
}

// The server's own id for a request: 16 hex digits of a number drawn once per process from
// libcrypto's CSPRNG, then 16 of next_request_number(). Never taken from the caller. A thread
// never gives one twice; two threads' would meet only if their random 64-bit starts fell
// within as many requests of each other, two processes' only if their prefixes matched too.
std::string new_request_id() {
    static const std::uint64_t process = [] {
        std::array<unsigned char, 8> bytes{};
        std::uint64_t drawn = 0;
        if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1) std::memcpy(&drawn, bytes.data(), 8);
        else drawn = (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
        return drawn;
    }();
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(32, '0');
    std::uint64_t n = next_request_number();
    for (std::size_t i = 32; i-- > 16; n >>= 4) out[i] = kHex[n & 0xFU];
    n = process;
    for (std::size_t i = 16; i-- > 0; n >>= 4) out[i] = kHex[n & 0xFU];
    return out;
}

// Names the request: its own id (t_note.request_id, sent back in X-Jointly-Request-Id) and
// the caller's (t_note.client_request_id, sent back in X-Request-Id; the own id there when
// the caller sent none).
void identify(const httplib::Request& request, httplib::Response& response) {
    t_note.request_id = new_request_id();
    t_note.client_request_id = client_request_id_of(request);
    response.set_header("X-Jointly-Request-Id", t_note.request_id);
    response.set_header("X-Request-Id", t_note.client_request_id.value_or(t_note.request_id));
}

// The request being handled on this worker thread, from the pre-routing handler to
// finish_request (or, if it never finishes, to the end of its connection).
thread_local std::optional<Metrics::Hold> t_in_flight;

}  // namespace

std::string utc_now() {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[96];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return text;
}

void finish_request(Context& context, const httplib::Request& request, const httplib::Response& response) {
    if (t_note.recorded) return;
    t_note.recorded = true;
    const double seconds =
        t_in_flight ? std::chrono::duration<double>(Clock::now() - t_request_start).count() : 0.0;
    t_in_flight.reset();
    const std::string route = t_note.route.empty() ? "unmatched" : t_note.route;
    // A request answered before routing (screened, or refused by cpp-httplib while reading its
    // body) is counted under the route its path would have reached.
    const bool routed = !t_note.route.empty() && t_note.route != "screened";
    context.metrics.observe(request.method, routed ? route : context.metrics.route_of(request.path),
                            response.status, seconds);
    if (context.options.log) {
        nlohmann::ordered_json line = nlohmann::ordered_json::object();
        line["ts"] = utc_now();
        line["level"] = response.status >= 500 ? "error" : (response.status >= 400 ? "warn" : "info");
        line["request_id"] = t_note.request_id;
        if (t_note.client_request_id) line["client_request_id"] = *t_note.client_request_id;
        line["principal"] = t_note.principal;
        line["client"] = t_note.client;
        line["method"] = request.method;
        line["route"] = route;
        line["path"] = request.path;
        line["status"] = response.status;
        line["duration_ms"] = std::round(seconds * 1e6) / 1e3;
        if (!t_note.decision_id.empty()) line["decision_id"] = t_note.decision_id;
        context.options.log(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
}

void begin_request(Context& context, const httplib::Request& request, httplib::Response& response) {
    t_request_start = Clock::now();
    t_in_flight.emplace(context.metrics, Metrics::Gauge::RequestsInFlight);
    t_note = RequestNote{};
    identify(request, response);
    t_note.client = request.remote_addr;
}

void answer_unrouted_error(Context& context, const httplib::Request& request, httplib::Response& response) {
    // A request cpp-httplib refused before the pre-routing handler (a request target or
    // header line over 8 KiB) still gets a request id, as every answer does.
    if (!response.has_header("X-Jointly-Request-Id")) identify(request, response);
    if (response.body.empty()) {
        const int status = response.status;
        send_json(response, status, encode_errors(default_code(status), default_message(context, request, status), {}));
    }
    finish_request(context, request, response);
}

void abandon_request() { t_in_flight.reset(); }

nlohmann::json internal_error_body(const Context& context, const std::string& detail) {
    // The caller learns that it failed and the request id to quote, never the detail (which
    // may name internals); the log has the detail under the same id.
    if (context.options.log)
        context.options.log(nlohmann::ordered_json{{"ts", utc_now()},
                                                   {"level", "error"},
                                                   {"request_id", t_note.request_id},
                                                   {"message", "internal error: " + detail}}
                                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return encode_errors("internal_error", "internal error (request id " + t_note.request_id +
                                               "): the detail is in the server's log under that id",
                         {});
}

void internal_error(const Context& context, httplib::Response& response, const std::string& detail) {
    send_json(response, 500, internal_error_body(context, detail));
}

nlohmann::json caller_view(const Context& context, const ServiceError& error) {
    if (error.status != 500) return error.body();
    std::string detail = error.message;
    for (const engine::EvalError& d : error.details) {
        detail += "; ";
        detail += dsl::code_text(d.code);
        detail += " " + d.path + ": " + d.message;
    }
    return internal_error_body(context, detail);
}

RequestNote& request_note() { return t_note; }

}  // namespace jointly::server
