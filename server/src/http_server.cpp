// The HTTP server: start and stop, routing wrapper, auth, errors, access log and metrics.
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <cstdio>
#include <set>
#include <string>
#include <thread>

#include "http_internal.hpp"

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
        case 413: return "payload_too_large";
        case 414: return "uri_too_long";
        case 415: return "unsupported_media_type";
        case 422: return "unprocessable";
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

// Metrics and the access log line, once per request, before the response is written (so a
// client that has its answer sees it counted).
void finish_request(Context& context, const httplib::Request& request, const httplib::Response& response) {
    if (t_note.recorded) return;
    t_note.recorded = true;
    const double seconds = std::chrono::duration<double>(Clock::now() - t_request_start).count();
    const std::string route = t_note.route.empty() ? "unmatched" : t_note.route;
    context.metrics.observe(request.method, route, response.status, seconds);
    if (context.options.log) {
        char ms[32];
        std::snprintf(ms, sizeof ms, "%.3fms", seconds * 1000.0);
        std::string line = request.method + " " + request.path + " route=" + route +
                           " status=" + std::to_string(response.status) + " duration=" + ms;
        if (!t_note.decision_id.empty()) line += " decision=" + t_note.decision_id;
        context.options.log(line);
    }
}

class HttpApiServer final : public ApiServer {
public:
    explicit HttpApiServer(const ServeOptions& options) : context_(options) {
        auto load = context_.registry.reload();
        if (!load.ok) throw StartError("the policies under `" + options.policies.string() + "` do not load", std::move(load));
        if (options.tokens) {
            try {
                context_.tokens = Tokens::load(*options.tokens);
            } catch (const std::exception& e) {
                throw StartError(e.what(), {});
            }
        }
        try {
            context_.store = Store::open(options.db);
        } catch (const std::exception& e) {
            throw StartError(e.what(), {});
        }
        configure();
    }

    int bind() override {
        int port = context_.options.port;
        if (port == 0) {
            port = server_.bind_to_any_port(context_.options.bind);
            if (port <= 0) throw StartError("cannot bind " + context_.options.bind + " on an ephemeral port", {});
        } else if (!server_.bind_to_port(context_.options.bind, port)) {
            throw StartError("cannot bind " + context_.options.bind + ":" + std::to_string(port), {});
        }
        return port;
    }

    void run() override {
        {
            std::lock_guard lock(state_mutex_);
            if (stop_requested_) return;
            started_ = true;
        }
        server_.listen_after_bind();
        std::lock_guard lock(state_mutex_);
        finished_ = true;
        state_cv_.notify_all();
    }

    void stop() override {
        {
            std::lock_guard lock(state_mutex_);
            stop_requested_ = true;
            if (!started_ || finished_) return;
        }
        // run() has begun: wait until the listener is up (or gave up), then stop it.
        for (;;) {
            {
                std::lock_guard lock(state_mutex_);
                if (finished_) return;
            }
            if (server_.is_running()) break;
            std::this_thread::yield();
        }
        server_.stop();
    }

    LoadResult reload() override { return context_.registry.reload(); }
    Registry& registry() override { return context_.registry; }

private:
    void configure() {
        const auto& o = context_.options;
        const std::size_t threads = o.threads == 0 ? 1 : o.threads;
        server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
        server_.set_payload_max_length(o.max_body);
        server_.set_read_timeout(o.request_timeout_seconds, 0);
        server_.set_write_timeout(o.request_timeout_seconds, 0);
        server_.set_keep_alive_max_count(10000);
        server_.set_tcp_nodelay(true);
        server_.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
            t_request_start = Clock::now();
            t_note = RequestNote{};
            return httplib::Server::HandlerResponse::Unhandled;
        });
        server_.set_error_handler([this](const httplib::Request& request, httplib::Response& response) {
            if (response.body.empty()) {
                const int status = response.status;
                send_json(response, status,
                          encode_errors(default_code(status), default_message(context_, request, status), {}));
            }
            finish_request(context_, request, response);
        });
        server_.set_exception_handler(
            [](const httplib::Request&, httplib::Response& response, std::exception_ptr error) {
                std::string message = "internal error";
                try {
                    if (error) std::rethrow_exception(error);
                } catch (const std::exception& e) {
                    message = std::string("internal error: ") + e.what();
                } catch (...) {
                }
                send_json(response, 500, encode_errors("internal_error", message, {}));
            });
        server_.set_logger([this](const httplib::Request& request, const httplib::Response& response) {
            finish_request(context_, request, response);
            t_note = RequestNote{};
        });
        register_decision_routes(server_, context_);
        register_policy_routes(server_, context_);
        register_operation_routes(server_, context_);
        add_method_not_allowed(server_, context_);
    }

    Context context_;
    httplib::Server server_;
    std::mutex state_mutex_;
    std::condition_variable state_cv_;
    bool stop_requested_ = false;
    bool started_ = false;
    bool finished_ = false;
};

std::string bearer_token(const httplib::Request& request) {
    const auto header = request.get_header_value("Authorization");
    constexpr std::string_view kPrefix = "Bearer ";
    if (header.size() > kPrefix.size() && header.compare(0, kPrefix.size(), kPrefix) == 0)
        return header.substr(kPrefix.size());
    return {};
}

}  // namespace

void throw_error(int status, std::string code, std::string message, std::vector<engine::EvalError> details) {
    throw ApiError{ServiceError{status, std::move(code), std::move(message), std::move(details)}};
}

RequestNote& request_note() { return t_note; }

void authorize(const Context& context, const httplib::Request& request, Access access) {
    if (access == Access::Open || !context.tokens.enabled()) return;
    if (access == Access::Evaluate && context.options.open_evaluation) return;
    const auto token = bearer_token(request);
    if (token.empty())
        throw_error(401, "unauthorized", "this route needs a bearer token (`Authorization: Bearer TOKEN`)");
    const auto role = context.tokens.role_of(token);
    if (!role) throw_error(401, "unauthorized", "the bearer token is not recognised");
    const bool allowed = access == Access::Evaluate || access == Access::Read ||
                         (access == Access::Panel && *role == Role::Panel) ||
                         (access == Access::Author && *role == Role::Author);
    if (!allowed) {
        const char* needed = access == Access::Panel ? "panel" : "author";
        throw_error(403, "forbidden",
                    std::string("this route needs the `") + needed + "` role; the token has `" + to_string(*role) + "`");
    }
}

nlohmann::json json_body(const Context& context, const httplib::Request& request) {
    if (request.body.size() > context.options.max_body)
        throw_error(413, "payload_too_large",
                    "the body is larger than the limit of " + std::to_string(context.options.max_body) + " bytes");
    if (request.body.empty())
        throw_error(400, "invalid_request", "the request needs a JSON body",
                    {{codes::kBadJson, "", "the body is empty", std::nullopt}});
    auto parsed = parse_json(request.body, context.options.max_depth);
    if (!parsed.value) throw_error(400, "invalid_request", parsed.error.message, {parsed.error});
    return std::move(*parsed.value);
}

void send_json(httplib::Response& response, int status, const nlohmann::ordered_json& body) {
    response.status = status;
    response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_json(httplib::Response& response, int status, const nlohmann::json& body) {
    response.status = status;
    response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void add_route(httplib::Server& server, Context& context, const std::string& method, const std::string& pattern,
               const std::string& route, Access access, RouteHandler handler) {
    auto wrapped = [&context, route, access, handler = std::move(handler)](const httplib::Request& request,
                                                                           httplib::Response& response) {
        t_note.route = route;
        try {
            authorize(context, request, access);
            handler(context, request, response);
        } catch (const ApiError& e) {
            send_json(response, e.error.status, e.error.body());
        } catch (const StoreError& e) {
            send_json(response, 503, encode_errors("store_unavailable", e.what(), {}));
        } catch (const std::exception& e) {
            send_json(response, 500, encode_errors("internal_error", std::string("internal error: ") + e.what(), {}));
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
    for (const auto& [pattern, entry] : context.patterns) {
        const auto& [route, methods] = entry;
        std::string allow;
        for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + m;
        auto not_allowed = [route = route, allow](const httplib::Request& request, httplib::Response& response) {
            t_note.route = route;
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

std::unique_ptr<ApiServer> ApiServer::create(const ServeOptions& options) {
    return std::make_unique<HttpApiServer>(options);
}

}  // namespace jointly::server
