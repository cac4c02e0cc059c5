// Routes: health, metrics, the OpenAPI document, who the caller is, and the panel chair's page.
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <string>
#include <string_view>

#include "http_internal.hpp"

namespace jointly::server {
namespace {

// 503 `store_unavailable` (from the route's StoreError handler) when the store cannot be
// reached: a load balancer then sends requests to another replica.
Reply healthz(Context& context, const httplib::Request&, httplib::Response& response) {
    context.store->check_available();
    const auto snapshot = context.registry.snapshot();
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    out["status"] = "ok";
    out["engine"] = std::string("jointly ") + JOINTLY_VERSION;
    out["policy_versions"] = snapshot->policies().size();
    out["generation"] = snapshot->generation();
    send_json(response, 200, out);
    return {};
}

Reply metrics(Context& context, const httplib::Request&, httplib::Response& response) {
    const auto snapshot = context.registry.snapshot();
    PolicyState policies;
    policies.versions_loaded = snapshot->policies().size();
    policies.generation = snapshot->generation();
    policies.reload_failures = context.registry.reload_failures();
    policies.reloads = context.registry.reload_stats();
    response.status = 200;
    response.set_content(context.metrics.render(policies), "text/plain; version=0.0.4; charset=utf-8");
    return {};
}

// Who the bearer token belongs to: its name and role (never the token), so a client such as the
// panel chair's page can say "signed in as". A development instance without tokens answers
// `authenticated: false`.
Reply whoami(Context&, const httplib::Request&, httplib::Response& response) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    // As authorize found the caller (with the tokens it checked), not a second look-up.
    const RequestNote& note = request_note();
    out["name"] = note.role ? nlohmann::ordered_json(note.principal) : nlohmann::ordered_json(nullptr);
    out["role"] = note.role ? nlohmann::ordered_json(to_string(*note.role)) : nlohmann::ordered_json(nullptr);
    out["authenticated"] = note.role.has_value();
    send_json(response, 200, out);
    return {};
}

Reply openapi(Context&, const httplib::Request&, httplib::Response& response) {
    send_json(response, 200, openapi_document());
    return {};
}

// 'sha256-BASE64' of the text between the first `open` and `close` tag of the page.
std::string inline_hash(std::string_view page, std::string_view open, std::string_view close) {
    const auto start = page.find(open);
    const auto end = start == std::string_view::npos ? start : page.find(close, start);
    if (end == std::string_view::npos) return "'none'";
    const auto body = page.substr(start + open.size(), end - start - open.size());
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
    unsigned char encoded[4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1];
    EVP_EncodeBlock(encoded, digest, SHA256_DIGEST_LENGTH);
    return "'sha256-" + std::string(reinterpret_cast<const char*>(encoded)) + "'";
}

// The page may run only its own inline script and style (by hash), talk only to this server,
// and may not be framed.
const std::string& page_policy() {
    static const std::string policy = [] {
        const auto page = web_index_html();
        return "default-src 'none'; script-src " + inline_hash(page, "<script>", "</script>") +
               "; style-src " + inline_hash(page, "<style>", "</style>") +
               "; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
               "frame-ancestors 'none'";
    }();
    return policy;
}

Reply index(Context&, const httplib::Request&, httplib::Response& response) {
    response.status = 200;
    response.set_header("Content-Security-Policy", page_policy());
    const auto page = web_index_html();
    response.set_content(page.data(), page.size(), "text/html; charset=utf-8");
    return {};
}

}  // namespace

void register_operation_routes(httplib::Server& server, Context& context) {
    add_route(server, context, "GET", "/healthz", "/healthz", Access::Open, healthz);
    add_route(server, context, "GET", "/metrics", "/metrics", Access::Open, metrics);
    add_route(server, context, "GET", "/v1/openapi.json", "/v1/openapi.json", Access::Open, openapi);
    add_route(server, context, "GET", "/v1/whoami", "/v1/whoami", Access::AnyToken, whoami);
    add_route(server, context, "GET", "/", "/", Access::Open, index);
}

}  // namespace jointly::server
