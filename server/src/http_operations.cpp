// Routes: health, metrics, the OpenAPI document and the panel chair's page.
#include <string>

#include "http_internal.hpp"

namespace jointly::server {
namespace {

void healthz(Context& context, const httplib::Request&, httplib::Response& response) {
    const auto snapshot = context.registry.snapshot();
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    out["status"] = "ok";
    out["engine"] = std::string("jointly ") + JOINTLY_VERSION;
    out["policy_versions"] = snapshot->policies().size();
    out["generation"] = snapshot->generation();
    send_json(response, 200, out);
}

void metrics(Context& context, const httplib::Request&, httplib::Response& response) {
    const auto snapshot = context.registry.snapshot();
    response.status = 200;
    response.set_content(context.metrics.render(snapshot->policies().size(), context.registry.reload_failures(),
                                                snapshot->generation()),
                         "text/plain; version=0.0.4");
}

void openapi(Context&, const httplib::Request&, httplib::Response& response) {
    send_json(response, 200, openapi_document());
}

void index(Context&, const httplib::Request&, httplib::Response& response) {
    response.status = 200;
    const auto page = web_index_html();
    response.set_content(page.data(), page.size(), "text/html; charset=utf-8");
}

}  // namespace

void register_operation_routes(httplib::Server& server, Context& context) {
    add_route(server, context, "GET", "/healthz", "/healthz", Access::Open, healthz);
    add_route(server, context, "GET", "/metrics", "/metrics", Access::Open, metrics);
    add_route(server, context, "GET", "/v1/openapi.json", "/v1/openapi.json", Access::Open, openapi);
    add_route(server, context, "GET", "/", "/", Access::Open, index);
}

}  // namespace jointly::server
