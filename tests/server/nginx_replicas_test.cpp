// deploy/nginx/jointly-replicas.conf, as docs/operations.md ("Behind nginx with health
// checks") tells an operator to use it: Debian's nginx in front of two `jointly serve`
// replicas on one PostgreSQL database (a schema of the ctest fixture's cluster). Requests
// through nginx reach both replicas; after one is killed with SIGKILL, every request is still
// answered, by the other. nginx runs from a temporary folder (its own configuration, pid, logs
// and temporary files), in the foreground, stopped at the end.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "http_fixture.hpp"
#include "store_backends.hpp"

namespace jointly::testing {
namespace {

using server::testing::PgDatabase;

// nginx's binary, or empty when it is not installed.
std::string find_nginx() {
    for (const char* candidate : {"/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"}) {
        if (fs::exists(candidate)) return candidate;
    }
    return {};
}

// A port nothing listens on now (bound, read, released).
int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t length = sizeof addr;
    int port = -1;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0)
        port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// The lines of the ```nginx block under "### Behind nginx with health checks", trimmed, but
// the empty ones and the comments.
std::vector<std::string> documented_lines(const std::string& page) {
    std::istringstream in(page);
    std::vector<std::string> out;
    bool section = false;
    bool block = false;
    for (std::string line; std::getline(in, line);) {
        if (line == "### Behind nginx with health checks") section = true;
        else if (section && !block && (line.rfind("## ", 0) == 0 || line.rfind("### ", 0) == 0)) break;
        else if (section && line == "```nginx") block = true;
        else if (block && line == "```") break;
        else if (block && !trim(line).empty() && trim(line)[0] != '#') out.push_back(trim(line));
    }
    return out;
}

// The site file with its upstream's `server` lines pointed at `replicas`, in order, and its
// `listen` line at 127.0.0.1:`port`; empty when the file has not one `server` line per replica.
std::string site_for(const std::string& site, const std::vector<int>& replicas, int port) {
    static const std::regex server_line(R"(^(\s*server\s+)\S+(\s.*;|;)\s*$)");
    static const std::regex listen_line(R"(^(\s*listen\s+)[^;]+;\s*$)");
    std::istringstream in(site);
    std::string out;
    bool upstream = false;
    std::size_t next = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("upstream ", 0) == 0) upstream = true;
        if (upstream && line == "}") upstream = false;
        std::smatch m;
        if (upstream && std::regex_match(line, m, server_line)) {
            if (next == replicas.size()) return {};
            line = m[1].str() + "127.0.0.1:" + std::to_string(replicas[next++]) + m[2].str();
        } else if (std::regex_match(line, m, listen_line)) {
            line = m[1].str() + "127.0.0.1:" + std::to_string(port) + ";";
        }
        out += line + "\n";
    }
    return next == replicas.size() ? out : std::string();
}

// Connects to 127.0.0.1:`port` until something accepts, for at most 10 s.
bool wait_listening(int port) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        httplib::Client c("127.0.0.1", port);
        c.set_connection_timeout(1, 0);
        if (auto r = c.Get("/healthz")) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

std::vector<std::string> serve_args(const fs::path& dir, const std::string& db) {
    return {"serve",    "--policies", (dir / "policies").string(), "--db", db, "--port", "0", "--tokens",
            (dir / "tokens").string(), "--quiet"};
}

// POST /v1/decisions through nginx with an Idempotency-Key, once more with the same key if
// nginx answers 502 (what docs/operations.md tells a client to do). The final answer, and how
// many tries it took.
struct Posted {
    int status = 0;
    std::string decision_id;
    int tries = 0;
};

Posted post_decision(httplib::Client& c, const std::string& key) {
    auto headers = bearer(kClientToken);
    headers.emplace("Idempotency-Key", key);
    auto body = post_op_request();
    body["case_ref"] = key;
    Posted p;
    for (p.tries = 1; p.tries <= 2; ++p.tries) {
        auto r = c.Post("/v1/decisions", headers, body.dump(), "application/json");
        p.status = r ? r->status : -1;
        if (p.status == 201) {
            p.decision_id = body_of(r)["decision_id"].get<std::string>();
            return p;
        }
        if (p.status != 502) return p;
    }
    --p.tries;
    return p;
}

TEST(NginxReplicas, RequestsThroughTheSiteFileReachBothReplicasAndSurviveOneBeingKilled) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    const auto nginx = find_nginx();
    if (nginx.empty()) {
        if (std::getenv("CI")) FAIL() << "CI is set but nginx is not installed (scripts/deps.sh installs it)";
        GTEST_SKIP() << "nginx is not installed (apt-get install nginx-light)";
    }
    const auto source = fs::path(JOINTLY_SOURCE_DIR);
    const auto site = read_file(source / "deploy/nginx/jointly-replicas.conf");
    ASSERT_FALSE(site.empty());

    // Every line docs/operations.md shows of the file is in it.
    std::set<std::string> site_lines;
    {
        std::istringstream in(site);
        for (std::string line; std::getline(in, line);) site_lines.insert(trim(line));
    }
    const auto shown = documented_lines(read_file(source / "docs/operations.md"));
    ASSERT_FALSE(shown.empty())
        << "docs/operations.md shows no ```nginx block under \"Behind nginx with health checks\"";
    for (const auto& line : shown)
        EXPECT_TRUE(site_lines.count(line)) << "docs/operations.md shows `" << line
                                            << "`, which deploy/nginx/jointly-replicas.conf does not have";

    PgDatabase db(*server::testing::pg_cluster_url());
    const auto dir = make_temp_dir("jointly-nginx-replicas-");
    fs::create_directories(dir / "policies");
    fs::copy_file(source / "policies/reference/reference.jf", dir / "policies/reference.jf");
    write_file(dir / "tokens", std::string("# test tokens\n") + kClientToken + " client\n");

    auto a = std::make_unique<Child>(serve_args(dir, db.location()));
    const int port_a = a->port();
    ASSERT_GT(port_a, 0) << a->rest_of_err();
    Child b(serve_args(dir, db.location()));
    const int port_b = b.port();
    ASSERT_GT(port_b, 0) << b.rest_of_err();

    const int port = free_port();
    const auto ours = site_for(site, {port_a, port_b}, port);
    ASSERT_FALSE(ours.empty())
        << "deploy/nginx/jointly-replicas.conf: the test expects two `server` lines in its upstream";
    const auto nginx_dir = dir / "nginx";
    fs::create_directories(nginx_dir);
    write_file(nginx_dir / "jointly-replicas.conf", ours);
    const auto in_dir = [&](const char* name) { return (nginx_dir / name).string(); };
    write_file(nginx_dir / "nginx.conf",
               "daemon off;\nmaster_process off;\npid " + in_dir("nginx.pid") + ";\nerror_log " + in_dir("error.log") +
                   " warn;\nevents { worker_connections 256; }\nhttp {\n"
                   "    log_format upstreams '$status $upstream_addr';\n"
                   "    access_log " + in_dir("access.log") + " upstreams;\n"
                   "    client_body_temp_path " + in_dir("body") + ";\n    proxy_temp_path " + in_dir("proxy") +
                   ";\n    fastcgi_temp_path " + in_dir("fastcgi") + ";\n    uwsgi_temp_path " + in_dir("uwsgi") +
                   ";\n    scgi_temp_path " + in_dir("scgi") + ";\n    include " + in_dir("jointly-replicas.conf") +
                   ";\n}\n");
    Child proxy(nginx, {"-p", nginx_dir.string() + "/", "-c", in_dir("nginx.conf"), "-e", in_dir("error.log")});
    ASSERT_TRUE(wait_listening(port)) << "nginx did not start: " << read_file(nginx_dir / "error.log");
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);

    // Both replicas up: every request answered, and both take some.
    std::vector<std::string> stored;
    for (int i = 0; i < 10; ++i) {
        const auto p = post_decision(c, "BOTH-" + std::to_string(i));
        ASSERT_EQ(p.status, 201) << "request " << i;
        EXPECT_EQ(p.tries, 1) << "request " << i << " needed a retry with both replicas up";
        stored.push_back(p.decision_id);
    }
    const auto log = read_file(nginx_dir / "access.log");
    EXPECT_NE(log.find("127.0.0.1:" + std::to_string(port_a)), std::string::npos) << log;
    EXPECT_NE(log.find("127.0.0.1:" + std::to_string(port_b)), std::string::npos) << log;

    // One replica killed: every request is still answered, by the other.
    a->signal(SIGKILL);
    a->wait();
    a.reset();
    for (int i = 0; i < 10; ++i) {
        const auto p = post_decision(c, "ONE-" + std::to_string(i));
        ASSERT_EQ(p.status, 201) << "request " << i << " after a replica was killed (tries: " << p.tries << ")\n"
                                 << read_file(nginx_dir / "error.log");
        stored.push_back(p.decision_id);
        auto health = c.Get("/healthz");
        ASSERT_TRUE(health);
        EXPECT_EQ(health->status, 200) << "GET /healthz after a replica was killed";
    }
    // Every decision stored through either replica is read through nginx, and through B.
    httplib::Client direct("127.0.0.1", port_b);
    for (const auto& id : stored) {
        auto through = c.Get("/v1/decisions/" + id, bearer(kClientToken));
        ASSERT_TRUE(through);
        EXPECT_EQ(through->status, 200) << id;
        auto from_b = direct.Get("/v1/decisions/" + id, bearer(kClientToken));
        ASSERT_TRUE(from_b);
        EXPECT_EQ(from_b->status, 200) << id;
    }

    proxy.signal(SIGTERM);
    proxy.wait();
    b.signal(SIGTERM);
    const auto status = b.wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    std::error_code ec;
    fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace jointly::testing
