// bench/http_floor: the floor under bench/http/ratio.sh. A cpp-httplib server set up as
// `jointly serve` sets up its own (a pool of worker threads, keep-alive, TCP_NODELAY, the same
// default headers, a request id on every answer), whose two routes do no work:
//   GET /healthz       answers a 76-byte body, as jointly's does (without asking a store);
//   POST /v1/evaluate  reads the body and answers the bytes of ANSWER_FILE (the real answer to
//                      bench/http/request.json, so the same size).
// POST /v1/evaluate's req/s against this server's is what an engine that cost nothing could
// reach behind this HTTP library; divided by jointly's own /healthz req/s it bounds the
// evaluate / healthz ratio any engine could show. Numbers, not pass/fail.
//
//   http_floor ANSWER_FILE [THREADS]    prints "listening on 127.0.0.1:PORT"
#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: http_floor ANSWER_FILE [THREADS]\n";
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    if (!in) {
        std::cerr << "http_floor: cannot read " << argv[1] << "\n";
        return 2;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string answer = buffer.str();
    const std::string health = R"({"status":"ok","engine":"jointly 0.1.0","policy_versions":12,"generation":1})";
    const std::size_t threads = argc > 2 ? std::stoul(argv[2]) : 128;

    httplib::Server server;
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server.set_keep_alive_max_count(10000);
    server.set_tcp_nodelay(true);
    server.set_default_headers({{"X-Content-Type-Options", "nosniff"}, {"Cache-Control", "no-store"}});
    std::atomic<std::uint64_t> next{0x9e3779b97f4a7c15ULL};
    server.set_pre_routing_handler([&next](const httplib::Request&, httplib::Response& response) {
        char id[17];
        std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(next.fetch_add(1)));
        response.set_header("X-Request-Id", id);
        return httplib::Server::HandlerResponse::Unhandled;
    });
    server.Get("/healthz", [&health](const httplib::Request&, httplib::Response& response) {
        response.set_content(health, "application/json");
    });
    server.Post("/v1/evaluate", [&answer](const httplib::Request&, httplib::Response& response) {
        response.set_content(answer, "application/json");
    });
    const int port = server.bind_to_any_port("127.0.0.1");
    if (port <= 0) {
        std::cerr << "http_floor: cannot listen on 127.0.0.1\n";
        return 1;
    }
    std::cout << "listening on 127.0.0.1:" << port << std::endl;
    return server.listen_after_bind() ? 0 : 1;
}
