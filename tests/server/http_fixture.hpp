// An ApiServer on 127.0.0.1 and an ephemeral port, run on a thread, with a temporary policy
// directory (the reference policy), database and tokens file. No sleeps: the listening
// socket exists once bind() returns, so clients may connect before run() is scheduled.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "jointly/server/http.hpp"
#include "jointly/server/store.hpp"

namespace jointly::testing {

namespace fs = std::filesystem;

inline constexpr const char* kAuthorToken = "author-token-0123456789";
inline constexpr const char* kPanelToken = "panel-token-0123456789";
inline constexpr const char* kClientToken = "client-token-0123456789";
inline constexpr const char* kAuditorToken = "auditor-token-0123456789";
inline constexpr const char* kAdminToken = "admin-token-0123456789";

inline std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

inline fs::path make_temp_dir(const std::string& prefix) {
    auto dir = fs::temp_directory_path() / (prefix + server::Store::new_decision_id());
    fs::create_directories(dir);
    return dir;
}

class TestServer {
public:
    explicit TestServer(const std::function<void(server::ServeOptions&)>& tweak = {}) {
        dir = make_temp_dir("jointly-http-");
        fs::create_directories(dir / "policies" / "reference");
        fs::copy_file(fs::path(JOINTLY_SOURCE_DIR) / "policies/reference/reference.jf",
                      dir / "policies/reference/reference.jf");
        write_file(dir / "tokens", std::string("# test tokens\n") + kAuthorToken + " author\n" + kPanelToken +
                                       " panel\n" + kClientToken + " client\n" + kAuditorToken + " auditor\n" +
                                       kAdminToken + " admin records-officer\n");
        // As operations.md asks (a wider mode is warned about in the log at start).
        fs::permissions(dir / "tokens", fs::perms::owner_read | fs::perms::owner_write);
        options.policies = dir / "policies";
        options.db = dir / "decisions.db";
        options.port = 0;
        options.tokens = dir / "tokens";
        options.threads = 8;
        // Most tests evaluate without a token; the secure default (a token for evaluation
        // too) is tested with `o.open_evaluation = false`.
        options.open_evaluation = true;
        if (tweak) tweak(options);
        server = server::ApiServer::create(options);
        port = server->bind();
        thread = std::thread([this] { server->run(); });
    }
    ~TestServer() {
        server->stop();
        thread.join();
        server.reset();
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    // Stops the server and starts a new one on the same folder, store and options (a restart).
    void restart() {
        server->stop();
        thread.join();
        server.reset();
        server = server::ApiServer::create(options);
        port = server->bind();
        thread = std::thread([this] { server->run(); });
    }
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(60, 0);
        c.set_connection_timeout(10, 0);
        c.set_tcp_nodelay(true);
        return c;
    }

    fs::path dir;
    server::ServeOptions options;
    std::unique_ptr<server::ApiServer> server;
    int port = 0;
    std::thread thread;
};

inline httplib::Headers bearer(const std::string& token) {
    if (token.empty()) return {};
    return {{"Authorization", "Bearer " + token}};
}

inline nlohmann::json body_of(const httplib::Result& r) {
    if (!r) return nullptr;
    return nlohmann::json::parse(r->body, nullptr, false);
}

// A one-rule policy to upload (transport shared equally by health and social care), under
// policy id `id` with display name `title`, version 2025.1 from 1 April 2025.
inline std::string transport_policy(const std::string& id, const std::string& title) {
    return "policy " + id + " \"" + title + "\"\n" + R"(  version "2025.1"
  effective from 2025-04-01

agency health "NHS"
agency social_care "Social care"

rule transport ref "T1"
  when service is transport
  split health 50%, social_care 50%
  odd penny to health
  because "transport is shared equally"
)";
}

// A valid request for the reference policy: personal care around surgery.
inline nlohmann::json post_op_request() {
    return nlohmann::json::parse(R"({
      "policy": "reference", "as_of": "2025-06-01", "case_ref": "C-1042",
      "facts": {"has_ehcp": false, "dst": {"breathing": "high", "seizures": "severe", "skin": "severe"}},
      "events": {"surgery": "2025-06-10"},
      "lines": [{"id": "pc", "service": "personal_care", "weekly": "450.00",
                 "start": "2025-06-01", "end": "2025-08-31"}]})");
}

}  // namespace jointly::testing
