// The HTTP decision API (PRODUCT.md "The decision API (v1) — contract") on cpp-httplib.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "jointly/server/registry.hpp"

namespace jointly::server {

// Every limit and switch of `jointly serve`; docs/operations.md describes each.
struct ServeOptions {
    std::filesystem::path policies = "policies";
    std::filesystem::path db = "./jointly.db";         // an SQLite file, or a `postgresql://` URL
    std::size_t db_pool = 8;                           // PostgreSQL: connections for requests
    int db_statement_timeout_ms = 15000;               // PostgreSQL: a statement cut off past this (503)
    std::string bind = "127.0.0.1";
    int port = 8080;                                   // 0: an ephemeral port
    std::optional<std::filesystem::path> tokens;       // `TOKEN ROLE` per line
    std::size_t threads = 128;                         // worker threads (one per open connection)
    int listen_backlog = 1024;                         // connections waiting to be accepted
    std::size_t max_body = 1024 * 1024;                // bytes; larger bodies get 413
    std::size_t max_lines = 1000;                      // cost lines per request
    std::size_t max_depth = 64;                        // JSON nesting
    std::size_t max_policy_bytes = 256 * 1024;         // uploaded policy source
    std::size_t max_batch = 1000;                      // requests per batch or simulation
    std::size_t max_headers = 100;                     // header fields per request (431 beyond)
    std::size_t max_header_bytes = 32 * 1024;          // all header names and values (431 beyond)
    std::size_t max_response = 8 * 1024 * 1024;        // bytes of one evaluation's answer (422 beyond)
    int request_deadline_ms = 10000;                   // a batch stops with 422 past this
    int request_timeout_seconds = 30;                  // socket read/write timeout
    // Origins (`scheme://host[:port]`) besides the server's own that may send POSTs.
    std::vector<std::string> allowed_origins;
    // Host names (lower case, no port) a request's `Host` may name besides an IP address and
    // `localhost`; "*" accepts any. A page served under another name that reaches this server
    // (DNS rebinding) is refused with 421 before any route runs.
    std::vector<std::string> allowed_hosts;
    bool open_evaluation = false;                      // true: evaluation needs no token
    // Without `tokens` the server refuses to start unless this is set (a development
    // instance: every route open, a warning printed).
    bool insecure_dev = false;
    // One line per request (method, route, status, duration, decision id). Null: silent.
    std::function<void(const std::string&)> log;
};

// Why a server could not start.
class StartError : public std::runtime_error {
public:
    StartError(const std::string& message, LoadResult findings)
        : std::runtime_error(message), load(std::move(findings)) {}
    LoadResult load;  // the policy findings, when loading them failed
};

// What ApiServer::reload_tokens did.
struct TokensReload {
    bool configured = false;  // false: the server has no tokens file (--insecure-dev); nothing done
    std::size_t tokens = 0;   // the tokens now in service, when the reload succeeded
    std::string error;        // why the file was refused (the tokens in service unchanged); empty on success
};

// The decision service over HTTP. Create, bind, then run on one thread and stop from another.
class ApiServer {
public:
    // Loads the policies, opens the store, reads the tokens. Throws StartError.
    static std::unique_ptr<ApiServer> create(const ServeOptions& options);
    virtual ~ApiServer() = default;

    // Binds the address; returns the bound port (useful with port 0). Throws StartError.
    virtual int bind() = 0;
    // Serves until stop(); returns when the requests in flight have finished.
    virtual void run() = 0;
    // Stops accepting connections; thread-safe; may be called before or during run().
    virtual void stop() = 0;
    // Reloads the policy directory (SIGHUP); a failed reload keeps the policies in service.
    virtual LoadResult reload() = 0;
    // Reads the tokens file again (SIGHUP) with the checks made at start, and swaps the whole
    // set in: a request in flight finishes with the set it began with, the next one uses the
    // new set. A file that fails a check changes nothing (`error` says why). Logs a `warn`
    // line when other users may read the file. Thread-safe; never throws.
    virtual TokensReload reload_tokens() = 0;
    virtual Registry& registry() = 0;
};

}  // namespace jointly::server
