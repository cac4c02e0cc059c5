// GET /metrics: the exposition of Metrics fed directly (counts, labels, full-precision sums,
// gauges, escaping, the process's figures), a real server's series after known requests
// (refused ones labelled by route, in-flight and thread gauges, store commits, reloads), and
// `promtool check metrics` on a real server's output.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "http_fixture.hpp"
#include "metrics.hpp"

namespace jointly::testing {
namespace {

using server::Metrics;

// The value of the sample named exactly `series` (name and labels as printed), if present.
std::optional<std::string> value_of(const std::string& text, const std::string& series) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
            return line.substr(series.size() + 1);
    }
    return std::nullopt;
}

double number_of(const std::string& text, const std::string& series) {
    const auto value = value_of(text, series);
    EXPECT_TRUE(value) << "no sample `" << series << "` in\n" << text;
    return value ? std::strtod(value->c_str(), nullptr) : -1;
}

std::string render(const Metrics& metrics, const server::PolicyState& policies = {}) {
    return metrics.render(policies, server::ProcessStats{});
}

struct Observation {
    const char* method;
    const char* route;
    int status;
    double seconds;
};

// The start check of the audit chain: running, held, broken, and failed (the store could not
// be read), which jointly_audit_chain_broken alone would show as 0.
TEST(Metrics, TheAuditChainCheckSaysItsState) {
    Metrics m;
    EXPECT_EQ(number_of(render(m), "jointly_audit_chain_check_state"), 0);
    m.audit_chain(5, false);
    EXPECT_EQ(number_of(render(m), "jointly_audit_chain_check_state"), 1);
    m.audit_chain(2, true);
    EXPECT_EQ(number_of(render(m), "jointly_audit_chain_check_state"), 2);
    Metrics failed;
    failed.audit_chain_check_failed();
    EXPECT_EQ(number_of(render(failed), "jointly_audit_chain_check_state"), 3);
    EXPECT_EQ(number_of(render(failed), "jointly_audit_chain_broken"), 0);
}

TEST(Metrics, RequestsAreCountedAndTimedByMethodRouteAndStatus) {
    Metrics m;
    const Observation observations[] = {
        {.method = "GET", .route = "/v1/decisions/{id}", .status = 200, .seconds = 0.001},
        {.method = "GET", .route = "/v1/decisions/{id}", .status = 200, .seconds = 0.0004},
        {.method = "GET", .route = "/v1/decisions/{id}", .status = 200, .seconds = 0.02},
        {.method = "GET", .route = "/v1/decisions/{id}", .status = 404, .seconds = 0.3},
        {.method = "POST", .route = "/v1/decisions", .status = 201, .seconds = 12.0},
        {.method = "", .route = "unmatched", .status = 414, .seconds = 0},
        {.method = "BREW", .route = "unmatched", .status = 400, .seconds = 0},
        {.method = "get", .route = "unmatched", .status = 400, .seconds = 0},
    };
    for (const auto& o : observations) m.observe(o.method, o.route, o.status, o.seconds);
    const auto text = render(m);
    const std::string ok = R"(method="GET",route="/v1/decisions/{id}",status="200")";
    const std::string missing = R"(method="GET",route="/v1/decisions/{id}",status="404")";
    const std::string stored = R"(method="POST",route="/v1/decisions",status="201")";
    const struct {
        std::string series;
        const char* value;
    } expected[] = {
        {"jointly_http_requests_total{" + ok + "}", "3"},
        {"jointly_http_requests_total{" + missing + "}", "1"},
        {"jointly_http_requests_total{" + stored + "}", "1"},
        {R"(jointly_http_requests_total{method="other",route="unmatched",status="414"})", "1"},
        {R"(jointly_http_requests_total{method="other",route="unmatched",status="400"})", "2"},
        {"jointly_http_request_duration_seconds_bucket{" + ok + ",le=\"0.0005\"}", "1"},
        {"jointly_http_request_duration_seconds_bucket{" + ok + ",le=\"0.001\"}", "2"},
        {"jointly_http_request_duration_seconds_bucket{" + ok + ",le=\"0.01\"}", "2"},
        {"jointly_http_request_duration_seconds_bucket{" + ok + ",le=\"0.02\"}", "3"},
        {"jointly_http_request_duration_seconds_bucket{" + ok + ",le=\"+Inf\"}", "3"},
        {"jointly_http_request_duration_seconds_count{" + ok + "}", "3"},
        {"jointly_http_request_duration_seconds_bucket{" + missing + ",le=\"0.25\"}", "0"},
        {"jointly_http_request_duration_seconds_bucket{" + missing + ",le=\"0.5\"}", "1"},
        {"jointly_http_request_duration_seconds_bucket{" + stored + ",le=\"10\"}", "0"},
        {"jointly_http_request_duration_seconds_bucket{" + stored + ",le=\"+Inf\"}", "1"},
        {"jointly_http_request_duration_seconds_sum{" + stored + "}", "12"},
    };
    for (const auto& e : expected) EXPECT_EQ(value_of(text, e.series), e.value) << e.series << "\n" << text;
}

TEST(Metrics, SumsArePrintedAtFullPrecision) {
    Metrics m;
    m.observe("GET", "/healthz", 200, 0.1);
    m.observe("GET", "/healthz", 200, 0.2);
    const std::vector<double> odd = {0.123456789012345, 1e-7, 2.5000000001, 0.000123456789, 1.0 / 3.0};
    double expected = 0;
    for (double s : odd) {
        m.observe("POST", "/v1/evaluate", 200, s);
        expected += s;  // the same additions in the same order
    }
    const auto text = render(m);
    EXPECT_EQ(value_of(text, R"(jointly_http_request_duration_seconds_sum{method="GET",route="/healthz",status="200"})"),
              "0.30000000000000004");
    const auto sum = value_of(text, R"(jointly_http_request_duration_seconds_sum{method="POST",route="/v1/evaluate",status="200"})");
    ASSERT_TRUE(sum) << text;
    EXPECT_EQ(std::strtod(sum->c_str(), nullptr), expected) << *sum;
}

TEST(Metrics, StoreCommitsAreTimedAndFailuresCounted) {
    Metrics m;
    using std::chrono::microseconds;
    m.store_commit(microseconds(3000), true);
    m.store_commit(microseconds(4000), true);
    m.store_commit(microseconds(40000), false);
    const auto text = render(m);
    EXPECT_EQ(value_of(text, "jointly_store_commit_duration_seconds_count"), "3") << text;
    EXPECT_EQ(value_of(text, R"(jointly_store_commit_duration_seconds_bucket{le="0.002"})"), "0") << text;
    EXPECT_EQ(value_of(text, R"(jointly_store_commit_duration_seconds_bucket{le="0.005"})"), "2") << text;
    EXPECT_EQ(value_of(text, R"(jointly_store_commit_duration_seconds_bucket{le="0.05"})"), "3") << text;
    EXPECT_EQ(value_of(text, R"(jointly_store_commit_duration_seconds_bucket{le="+Inf"})"), "3") << text;
    EXPECT_EQ(number_of(text, "jointly_store_commit_duration_seconds_sum"), 0.003 + 0.004 + 0.04);
    EXPECT_EQ(value_of(text, "jointly_store_commit_errors_total"), "1") << text;
}

TEST(Metrics, GaugesFollowTheirHolds) {
    Metrics m;
    m.set_threads(16);
    {
        Metrics::Hold a(m, Metrics::Gauge::RequestsInFlight);
        Metrics::Hold b(m, Metrics::Gauge::RequestsInFlight);
        Metrics::Hold busy(m, Metrics::Gauge::ThreadsBusy);
        Metrics::Hold waiting(m, Metrics::Gauge::ConnectionsWaiting);
        const auto text = render(m);
        EXPECT_EQ(value_of(text, "jointly_http_requests_in_flight"), "2") << text;
        EXPECT_EQ(value_of(text, "jointly_http_threads_busy"), "1") << text;
        EXPECT_EQ(value_of(text, "jointly_http_connections_waiting"), "1") << text;
    }
    const auto text = render(m);
    EXPECT_EQ(value_of(text, "jointly_http_threads"), "16") << text;
    for (const char* gauge : {"jointly_http_requests_in_flight", "jointly_http_threads_busy",
                              "jointly_http_connections_waiting"})
        EXPECT_EQ(value_of(text, gauge), "0") << gauge << "\n" << text;
}

TEST(Metrics, APathIsLabelledWithTheRouteItMatches) {
    Metrics m;
    m.set_routes({{"/v1/decisions", "/v1/decisions"},
                  {R"(/v1/decisions/([^/]+))", "/v1/decisions/{id}"},
                  {R"(/v1/decisions/([^/]+)/panel)", "/v1/decisions/{id}/panel"},
                  {"(unclosed", "never"}});
    const struct {
        const char* path;
        const char* route;
    } cases[] = {
        {.path = "/v1/decisions", .route = "/v1/decisions"},
        {.path = "/v1/decisions/d-0123", .route = "/v1/decisions/{id}"},
        {.path = "/v1/decisions/d-0123/panel", .route = "/v1/decisions/{id}/panel"},
        {.path = "/v1/decisions/d-0123/other", .route = "unmatched"},
        {.path = "/v1/decisionsx", .route = "unmatched"},
        {.path = "", .route = "unmatched"},
    };
    for (const auto& c : cases) EXPECT_EQ(m.route_of(c.path), c.route) << c.path;
}

TEST(Metrics, LabelValuesAreEscaped) {
    Metrics m;
    m.observe("GET", "a\"b\\c\nd", 200, 0.001);
    const auto text = render(m);
    EXPECT_EQ(value_of(text, R"(jointly_http_requests_total{method="GET",route="a\"b\\c\nd",status="200"})"), "1")
        << text;
}

TEST(Metrics, PolicyReloadsAndBuildInfo) {
    Metrics m;
    server::PolicyState policies;
    policies.versions_loaded = 4;
    policies.generation = 7;
    policies.reload_failures = 1;
    policies.reloads.successes = 7;
    policies.reloads.failures = 3;
    policies.reloads.last_success = std::chrono::system_clock::time_point(std::chrono::milliseconds(1767225600250));
    const auto text = render(m, policies);
    EXPECT_EQ(value_of(text, "jointly_policy_versions_loaded"), "4") << text;
    EXPECT_EQ(value_of(text, "jointly_policy_snapshot_generation"), "7") << text;
    EXPECT_EQ(value_of(text, R"(jointly_policy_reloads_total{result="success"})"), "7") << text;
    EXPECT_EQ(value_of(text, R"(jointly_policy_reloads_total{result="failure"})"), "3") << text;
    EXPECT_EQ(value_of(text, "jointly_policy_reload_failures_total"), "1") << text;
    EXPECT_EQ(value_of(text, "jointly_policy_last_reload_timestamp_seconds"), "1767225600.25") << text;
    const auto info = "jointly_build_info{version=\"" + std::string(JOINTLY_VERSION) + "\",compiler=\"";
    const auto at = text.find(info);
    ASSERT_NE(at, std::string::npos) << text;
    const auto line = text.substr(at, text.find('\n', at) - at);
#if defined(__clang__)
    const char* compiler = "\",compiler=\"clang ";
#else
    const char* compiler = "\",compiler=\"gcc ";
#endif
    EXPECT_NE(line.find(compiler), std::string::npos) << line;
    EXPECT_EQ(line.substr(line.size() - 4), "\"} 1") << line;

    EXPECT_FALSE(value_of(render(m), "jointly_policy_last_reload_timestamp_seconds")) << "no success yet";
}

TEST(Metrics, ProcessFiguresComeFromProc) {
    const auto before = server::read_process_stats();
    const int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    const auto during = server::read_process_stats();
    ::close(fd);
    ASSERT_TRUE(before.open_fds && during.open_fds && during.cpu_seconds && during.resident_bytes &&
                during.virtual_bytes && during.max_fds && during.start_time_seconds);
    EXPECT_EQ(*during.open_fds, *before.open_fds + 1);
    EXPECT_GE(*during.max_fds, *during.open_fds);
    EXPECT_GE(*during.cpu_seconds, 0);
    EXPECT_GT(*during.resident_bytes, 1024 * 1024);
    EXPECT_GE(*during.virtual_bytes, *during.resident_bytes);
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_LE(*during.start_time_seconds, now + 1);
    EXPECT_GT(*during.start_time_seconds, now - 24 * 3600) << "this test process started recently";

    server::ProcessStats given;
    given.cpu_seconds = 1.25;
    given.resident_bytes = 5.0 * 1024 * 1024;
    given.open_fds = 12;
    given.max_fds = 1024;
    given.start_time_seconds = 1767225600.5;
    const auto text = Metrics{}.render({}, given);
    EXPECT_EQ(value_of(text, "process_cpu_seconds_total"), "1.25") << text;
    EXPECT_EQ(value_of(text, "process_resident_memory_bytes"), "5242880") << text;
    EXPECT_EQ(value_of(text, "process_open_fds"), "12") << text;
    EXPECT_EQ(value_of(text, "process_max_fds"), "1024") << text;
    EXPECT_EQ(value_of(text, "process_start_time_seconds"), "1767225600.5") << text;
    EXPECT_FALSE(value_of(text, "process_virtual_memory_bytes")) << "an unread figure is left out";
}

// One request on a fresh connection, written as given (for what cpp-httplib's client would
// not send); returns the status, 0 when there was no answer within 10 s.
int raw_status(int port, const std::string& bytes) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    std::string reply;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        char buffer[4096];
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (reply.find("\r\n") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 200) <= 0) continue;
            const auto n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) break;
            reply.append(buffer, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    return reply.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(reply.substr(9, 3)) : 0;
}

// A server with small limits, and one request of each kind that is refused or fails.
struct Exercised {
    TestServer server{[](server::ServeOptions& o) {
        o.max_body = 4096;
        o.max_headers = 20;
    }};

    Exercised() {
        auto c = server.client();
        const std::string large(8192, 'x');
        EXPECT_EQ(c.Post("/v1/evaluate", post_op_request().dump(), "application/json")->status, 200);
        EXPECT_EQ(c.Post("/v1/decisions", bearer(kClientToken), post_op_request().dump(), "application/json")->status,
                  201);
        EXPECT_EQ(c.Get("/v1/nothing")->status, 404);
        EXPECT_EQ(c.Get("/v1/decisions")->status, 401);
        EXPECT_EQ(c.Post("/v1/decisions", large, "application/json")->status, 413);
        EXPECT_EQ(c.Post("/v1/nothing", large, "application/json")->status, 413);
        httplib::Headers many;
        for (int i = 0; i < 30; ++i) many.emplace("X-Filler-" + std::to_string(i), "x");
        EXPECT_EQ(c.Get("/healthz", many)->status, 431);
        EXPECT_EQ(raw_status(server.port, "POST /v1/decisions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                                          "application/json\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                  411);
        // Refused by cpp-httplib before the pre-routing handler: a request line too long, or not one.
        EXPECT_EQ(raw_status(server.port, "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                  414);
        EXPECT_EQ(raw_status(server.port, "NOT A REQUEST LINE\r\n\r\n"), 400);
        EXPECT_EQ(c.Put("/v1/evaluate", "{}", "application/json")->status, 405);
        EXPECT_EQ(c.Options("/v1/evaluate")->status, 204);
    }

    std::string scrape() {
        auto r = server.client().Get("/metrics");
        EXPECT_TRUE(r);
        if (!r) return {};
        EXPECT_EQ(r->status, 200);
        EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
        return r->body;
    }
};

TEST(MetricsHttp, EveryRequestIsCountedUnderItsRouteMethodAndStatus) {
    Exercised e;
    const auto text = e.scrape();
    const struct {
        const char* method;
        const char* route;
        int status;
    } expected[] = {
        {.method = "POST", .route = "/v1/evaluate", .status = 200},
        {.method = "POST", .route = "/v1/decisions", .status = 201},
        {.method = "GET", .route = "unmatched", .status = 404},
        {.method = "GET", .route = "/v1/decisions", .status = 401},
        {.method = "POST", .route = "/v1/decisions", .status = 413},  // refused from its headers
        {.method = "POST", .route = "unmatched", .status = 413},
        {.method = "GET", .route = "/healthz", .status = 431},
        {.method = "POST", .route = "/v1/decisions", .status = 411},
        {.method = "PUT", .route = "/v1/evaluate", .status = 405},
        {.method = "OPTIONS", .route = "/v1/evaluate", .status = 204},
        {.method = "other", .route = "unmatched", .status = 414},  // no method read
        {.method = "other", .route = "unmatched", .status = 400},  // `NOT`: never a label value
    };
    for (const auto& x : expected) {
        const auto labels = std::string("{method=\"") + x.method + "\",route=\"" + x.route + "\",status=\"" +
                            std::to_string(x.status) + "\"";
        EXPECT_EQ(value_of(text, "jointly_http_requests_total" + labels + "}"), "1") << labels << "\n" << text;
        EXPECT_EQ(value_of(text, "jointly_http_request_duration_seconds_count" + labels + "}"), "1") << labels;
        EXPECT_EQ(value_of(text, "jointly_http_request_duration_seconds_bucket" + labels + ",le=\"+Inf\"}"), "1")
            << labels;
    }
    EXPECT_EQ(text.find("route=\"screened\""), std::string::npos) << text;
    EXPECT_EQ(value_of(text, R"(jointly_decisions_total{outcome="approve"})"), "2") << text;
    // Every request above has finished: only the scrape itself is in flight.
    EXPECT_EQ(value_of(text, "jointly_http_requests_in_flight"), "1") << text;
    EXPECT_EQ(value_of(text, "jointly_http_threads"), "8") << text;
    const double busy = number_of(text, "jointly_http_threads_busy");
    EXPECT_GE(busy, 1);
    EXPECT_LE(busy, 8);
    EXPECT_GE(number_of(text, "process_open_fds"), 1);
    EXPECT_GT(number_of(text, "process_resident_memory_bytes"), 0);
}

TEST(MetricsHttp, StoreCommitsAreObserved) {
    Exercised e;
    const auto text = e.scrape();
    const double commits = number_of(text, "jointly_store_commit_duration_seconds_count");
    EXPECT_GE(commits, 1) << "the stored decision was committed";
    EXPECT_EQ(number_of(text, R"(jointly_store_commit_duration_seconds_bucket{le="+Inf"})"), commits);
    EXPECT_GT(number_of(text, "jointly_store_commit_duration_seconds_sum"), 0);
    EXPECT_EQ(value_of(text, "jointly_store_commit_errors_total"), "0") << text;
}

const std::string kUploaded = transport_policy("uploaded_metrics", "Uploaded in a test");

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST(MetricsHttp, ReloadsAndUploadsAreCountedBySuccessAndFailure) {
    TestServer s;
    auto c = s.client();
    auto reloads = [&] {
        const auto text = c.Get("/metrics")->body;
        return std::vector<std::string>{value_of(text, R"(jointly_policy_reloads_total{result="success"})").value_or("-"),
                                        value_of(text, R"(jointly_policy_reloads_total{result="failure"})").value_or("-"),
                                        value_of(text, "jointly_policy_reload_failures_total").value_or("-")};
    };
    using V = std::vector<std::string>;
    EXPECT_EQ(reloads(), (V{"1", "0", "0"})) << "the load at start";

    ASSERT_TRUE(s.server->reload().ok);  // what SIGHUP calls
    EXPECT_EQ(reloads(), (V{"2", "0", "0"}));

    write_file(s.dir / "policies/broken/broken.jf", "policy broken");
    ASSERT_FALSE(s.server->reload().ok);
    fs::remove_all(s.dir / "policies/broken");
    EXPECT_EQ(reloads(), (V{"2", "1", "1"}));

    EXPECT_EQ(c.Post("/v1/policies", bearer(kAuthorToken), "policy broken", "text/plain")->status, 422);
    EXPECT_EQ(c.Post("/v1/policies/check", bearer(kAuthorToken), "policy broken", "text/plain")->status, 422);
    EXPECT_EQ(c.Post("/v1/policies", bearer(kPanelToken), kUploaded, "text/plain")->status, 403);
    EXPECT_EQ(reloads(), (V{"2", "2", "1"})) << "a refused upload; a check and a forbidden upload are not counted";

    const double before = now_seconds();
    ASSERT_EQ(c.Post("/v1/policies", bearer(kAuthorToken), kUploaded, "text/plain")->status, 201);
    const double after = now_seconds();
    EXPECT_EQ(c.Post("/v1/policies", bearer(kAuthorToken), kUploaded, "text/plain")->status, 409);
    EXPECT_EQ(reloads(), (V{"3", "3", "1"})) << "an upload, then the same again (a duplicate)";

    const auto text = c.Get("/metrics")->body;
    const double at = number_of(text, "jointly_policy_last_reload_timestamp_seconds");
    EXPECT_GE(at, std::floor(before));
    EXPECT_LE(at, after);
    EXPECT_EQ(value_of(text, "jointly_policy_snapshot_generation"), "3") << text;
    EXPECT_EQ(value_of(text, "jointly_policy_versions_loaded"), "2") << text;
}

// What promtool does not check: each family has one HELP and one TYPE line, in that order,
// and its samples follow them together (families are not interleaved). Returns the problems.
std::string format_problems(const std::string& text) {
    std::string problems;
    std::set<std::string> seen;
    std::string family;
    std::string type;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::string hash, keyword, name;
        if (line.rfind("# HELP ", 0) == 0) {
            words >> hash >> keyword >> name;
            if (!seen.insert(name).second) problems += "family `" + name + "` appears twice\n";
            family = name;
            type.clear();
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            words >> hash >> keyword >> name >> type;
            if (name != family) problems += "TYPE of `" + name + "` without its HELP just before\n";
            continue;
        }
        if (line.empty() || line[0] == '#') continue;
        std::string metric = line.substr(0, line.find_first_of("{ "));
        if (type == "histogram") {
            for (const char* suffix : {"_bucket", "_sum", "_count"}) {
                const std::string s = suffix;
                if (metric.size() > s.size() && metric.compare(metric.size() - s.size(), s.size(), s) == 0) {
                    metric.resize(metric.size() - s.size());
                    break;
                }
            }
        }
        if (metric != family || type.empty()) problems += "sample outside its family: " + line + "\n";
    }
    return problems;
}

TEST(MetricsHttp, FamiliesAreWholeAndNamedOnce) {
    Exercised e;
    const auto text = e.scrape();
    EXPECT_EQ(format_problems(text), "") << text;
    EXPECT_EQ(format_problems("# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na{x=\"y\"} 2\n"),
              "sample outside its family: a{x=\"y\"} 2\n");
}

// promtool on PATH, or empty.
std::string find_promtool() {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const auto candidate = (dir.empty() ? std::string(".") : dir) + "/promtool";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return {};
}

TEST(MetricsHttp, PromtoolAcceptsTheExposition) {
    const auto promtool = find_promtool();
    if (promtool.empty()) {
        if (std::getenv("CI")) FAIL() << "promtool is not on PATH (Debian package `prometheus`; scripts/deps.sh)";
        GTEST_SKIP() << "promtool is not on PATH: install the Debian package `prometheus` to lint /metrics";
    }
    Exercised e;
    const auto text = e.scrape();
    const auto file = e.server.dir / "metrics.txt";
    write_file(file, text);
    const std::string command = "'" + promtool + "' check metrics < '" + file.string() + "' 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string said;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) said.append(buffer, n);
    const int status = ::pclose(pipe);
    ASSERT_TRUE(WIFEXITED(status)) << said;
    EXPECT_EQ(WEXITSTATUS(status), 0) << said << "\n" << text;
    EXPECT_EQ(said, "") << "promtool complained:\n" << said << "\n" << text;
}

}  // namespace
}  // namespace jointly::testing
