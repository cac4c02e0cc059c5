// The built `jointly` binary as an operator runs it: acknowledged decisions survive SIGKILL
// and a restart on the same database; SIGHUP reloads; SIGTERM shuts down cleanly (exit 0).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "http_fixture.hpp"
#include "store_backends.hpp"

namespace jointly::testing {
namespace {

// `quiet`: no access log (nobody reads the child's stderr, and a full pipe would block it).
// `db`: the store, when not the folder's SQLite file.
std::vector<std::string> serve_args(const fs::path& dir, bool quiet, const std::string& db = "") {
    std::vector<std::string> args{"serve", "--policies", (dir / "policies").string(), "--db",
                                  db.empty() ? (dir / "decisions.db").string() : db, "--port", "0", "--insecure-dev",
                                  "--open-evaluation"};
    if (quiet) args.emplace_back("--quiet");
    return args;
}

fs::path prepare() {
    auto dir = make_temp_dir("jointly-durability-");
    fs::create_directories(dir / "policies");
    fs::copy_file(fs::path(JOINTLY_SOURCE_DIR) / "policies/reference/reference.jf", dir / "policies/reference.jf");
    return dir;
}

TEST(Durability, AcknowledgedDecisionsSurviveKillNine) {
    const auto dir = prepare();
    std::vector<std::string> acked;
    {
        Child server(serve_args(dir, true));
        const int port = server.port();
        ASSERT_GT(port, 0);
        std::mutex m;
        std::condition_variable cv;
        bool stop = false;
        std::vector<std::thread> posters;
        for (int t = 0; t < 4; ++t) {
            posters.emplace_back([&, t] {
                httplib::Client c("127.0.0.1", port);
                c.set_keep_alive(true);
                c.set_tcp_nodelay(true);
                auto request = post_op_request();
                for (int i = 0;; ++i) {
                    request["case_ref"] = "K-" + std::to_string(t) + "-" + std::to_string(i);
                    auto r = c.Post("/v1/decisions", request.dump(), "application/json");
                    if (!r || r->status != 201) return;  // the server is gone
                    std::lock_guard lock(m);
                    acked.push_back(body_of(r)["decision_id"].get<std::string>());
                    cv.notify_all();
                    if (stop) return;
                }
            });
        }
        {
            std::unique_lock lock(m);
            cv.wait(lock, [&] { return acked.size() >= 300; });
        }
        server.signal(SIGKILL);  // while the posters are still streaming
        const int status = server.wait();
        EXPECT_TRUE(WIFSIGNALED(status));
        {
            std::lock_guard lock(m);
            stop = true;
        }
        for (auto& p : posters) p.join();
    }
    ASSERT_GE(acked.size(), 300u);
    Child again(serve_args(dir, true));
    const int port = again.port();
    ASSERT_GT(port, 0);
    httplib::Client c("127.0.0.1", port);
    c.set_keep_alive(true);
    c.set_tcp_nodelay(true);
    std::size_t missing = 0;
    for (const auto& id : acked) {
        auto r = c.Get(("/v1/decisions/" + id).c_str());
        if (!r || r->status != 200) ++missing;
    }
    EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged decisions";
    auto list = body_of(c.Get("/v1/decisions?limit=1"));
    EXPECT_GE(list["total"].get<std::size_t>(), acked.size());
    again.signal(SIGTERM);
    const int status = again.wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    fs::remove_all(dir);
}

// Posts decisions to `port` from 4 clients until `count` are acknowledged or the server is
// gone; calls `when_enough` once with the count reached. Returns the acknowledged ids.
std::vector<std::string> post_until_gone(int port, std::size_t count, const std::function<void()>& when_enough) {
    std::vector<std::string> acked;
    std::mutex m;
    std::condition_variable cv;
    std::vector<std::thread> posters;
    for (int t = 0; t < 4; ++t) {
        posters.emplace_back([&, t] {
            httplib::Client c("127.0.0.1", port);
            c.set_keep_alive(true);
            c.set_tcp_nodelay(true);
            auto request = post_op_request();
            for (int i = 0;; ++i) {
                request["case_ref"] = "K-" + std::to_string(t) + "-" + std::to_string(i);
                auto r = c.Post("/v1/decisions", request.dump(), "application/json");
                if (!r || r->status != 201) return;  // the server is gone
                std::lock_guard lock(m);
                acked.push_back(body_of(r)["decision_id"].get<std::string>());
                cv.notify_all();
            }
        });
    }
    {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return acked.size() >= count; });
    }
    when_enough();
    for (auto& p : posters) p.join();
    return acked;
}

// Two replicas on one PostgreSQL database: A is killed with SIGKILL while clients are storing
// decisions through it, again and again; every decision A acknowledged is read through B.
TEST(Durability, AcknowledgedDecisionsSurviveKillNineOfAReplica) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    constexpr int kRounds = 20;
    const auto dir = prepare();
    server::testing::PgDatabase db(*server::testing::pg_cluster_url());
    Child b(serve_args(dir, true, db.location()));
    const int b_port = b.port();
    ASSERT_GT(b_port, 0);
    httplib::Client reader("127.0.0.1", b_port);
    reader.set_keep_alive(true);
    std::size_t total = 0;
    for (int round = 0; round < kRounds; ++round) {
        Child a(serve_args(dir, true, db.location()));
        const int a_port = a.port();
        ASSERT_GT(a_port, 0) << "round " << round;
        const auto acked = post_until_gone(a_port, 40, [&] { a.signal(SIGKILL); });
        EXPECT_TRUE(WIFSIGNALED(a.wait())) << "round " << round;
        std::size_t missing = 0;
        for (const auto& id : acked) {
            auto r = reader.Get(("/v1/decisions/" + id).c_str());
            if (!r || r->status != 200) ++missing;
        }
        EXPECT_EQ(missing, 0u) << "round " << round << ": of " << acked.size() << " acknowledged decisions";
        total += acked.size();
    }
    EXPECT_GE(total, 40u * kRounds);
    b.signal(SIGTERM);
    EXPECT_EQ(b.wait(), 0);
    fs::remove_all(dir);
}

TEST(Durability, SighupReloadsAndABadReloadKeepsServing) {
    const auto dir = prepare();
    Child server(serve_args(dir, false));
    const int port = server.port();
    ASSERT_GT(port, 0);
    httplib::Client c("127.0.0.1", port);
    EXPECT_EQ(body_of(c.Get("/v1/policies"))["policies"].size(), 1u);

    std::string other = read_file(dir / "policies/reference.jf");
    other.replace(other.find("policy reference"), 16, "policy reference_copy");
    write_file(dir / "policies/copy.jf", other);
    server.signal(SIGHUP);
    // What the server says while it runs is a JSON line, as the access log beside it.
    using nlohmann::json;
    const auto said = [&server](const std::string& needle) {
        for (;;) {
            const std::string l = server.err_line();
            if (l.find(needle) != std::string::npos) return json::parse(l, nullptr, false);
            if (l.empty() && server.err_at_end()) return json();
        }
    };
    // --insecure-dev is said as a JSON warn line too.
    const json insecure = said("--insecure-dev without --tokens");
    ASSERT_TRUE(insecure.is_object()) << "not a JSON line";
    EXPECT_EQ(insecure["level"], "warn");
    const json reloaded = said("reloaded 2 policy versions");
    ASSERT_TRUE(reloaded.is_object()) << "not a JSON line";
    EXPECT_EQ(reloaded["level"], "info");
    EXPECT_EQ(body_of(c.Get("/v1/policies"))["policies"].size(), 2u);

    write_file(dir / "policies/broken.jf", "policy broken");
    server.signal(SIGHUP);
    const json failed = said("reload failed");
    ASSERT_TRUE(failed.is_object()) << "not a JSON line";
    EXPECT_EQ(failed["level"], "error");
    EXPECT_NE(failed["detail"].get<std::string>().find("broken.jf:1:"), std::string::npos) << failed.dump();
    EXPECT_EQ(body_of(c.Get("/v1/policies"))["policies"].size(), 2u);
    EXPECT_EQ(c.Post("/v1/evaluate", post_op_request().dump(), "application/json")->status, 200);

    server.signal(SIGINT);
    const int status = server.wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    fs::remove_all(dir);
}

// SIGHUP reads the tokens file again: a removed token is refused from then on, and a file that
// fails the start-up checks keeps the tokens in service, said in an error JSON line.
TEST(Durability, SighupReloadsTheTokensFileAllOrNothing) {
    const auto dir = prepare();
    const auto tokens = dir / "tokens";
    const std::string first = "first-token-0123456789";
    const std::string second = "second-token-0123456789";
    write_file(tokens, first + " client first\n");
    fs::permissions(tokens, fs::perms::owner_read | fs::perms::owner_write);
    Child server({"serve", "--policies", (dir / "policies").string(), "--db", (dir / "decisions.db").string(),
                  "--port", "0", "--tokens", tokens.string()});
    const int port = server.port();
    ASSERT_GT(port, 0);
    httplib::Client c("127.0.0.1", port);
    const auto status_with = [&c](const std::string& token) {
        auto r = c.Get("/v1/decisions", bearer(token));
        return r ? r->status : 0;
    };
    EXPECT_EQ(status_with(first), 200);
    using nlohmann::json;
    const auto said = [&server](const std::string& needle) {
        for (;;) {
            const std::string l = server.err_line();
            if (l.find(needle) != std::string::npos) return json::parse(l, nullptr, false);
            if (l.empty() && server.err_at_end()) return json();
        }
    };

    write_file(tokens, second + " client second\n");
    server.signal(SIGHUP);
    const json reloaded = said("reloaded 1 tokens from");
    ASSERT_TRUE(reloaded.is_object()) << "not a JSON line";
    EXPECT_EQ(reloaded["level"], "info");
    EXPECT_EQ(status_with(first), 401);
    EXPECT_EQ(status_with(second), 200);

    write_file(tokens, second + " client second\n" + second + " client again\n");
    server.signal(SIGHUP);
    const json failed = said("tokens reload failed");
    ASSERT_TRUE(failed.is_object()) << "not a JSON line";
    EXPECT_EQ(failed["level"], "error");
    EXPECT_NE(failed["detail"].get<std::string>().find(tokens.string() + ":2: this token is listed twice"),
              std::string::npos)
        << failed.dump();
    EXPECT_EQ(status_with(second), 200);

    server.signal(SIGTERM);
    const int status = server.wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    fs::remove_all(dir);
}

}  // namespace
}  // namespace jointly::testing
