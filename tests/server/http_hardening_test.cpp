// What `jointly serve` refuses from the headers alone, before reading a body (framing, limits,
// compressed bodies, cross-site writes), content types, OPTIONS, the bounded answer and
// batch, and the exclusive port. Raw sockets where cpp-httplib's client would not send it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>
#include <sstream>
#include <set>
#include <string>

#include "http_fixture.hpp"

namespace jointly::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct RawReply {
    int status = 0;
    std::string text;     // status line, headers and whatever body arrived
    double seconds = 0;   // until the first complete header section arrived
};

// Sends `bytes` on a fresh connection and reads until the header section and the declared
// body have arrived, the peer closes, or 10 s pass.
RawReply raw_exchange(int port, const std::string& bytes) {
    RawReply reply;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return reply;
    }
    const auto start = Clock::now();
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;  // the server may close before reading everything
        sent += static_cast<std::size_t>(n);
    }
    char buffer[4096];
    for (;;) {
        const auto elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        if (elapsed > 10) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) continue;
        const auto n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        reply.text.append(buffer, static_cast<std::size_t>(n));
        const auto end = reply.text.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        if (reply.seconds == 0) reply.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        const auto length_at = reply.text.find("Content-Length: ");
        if (length_at != std::string::npos && length_at < end) {
            const auto length = std::stoul(reply.text.substr(length_at + 16));
            if (reply.text.size() >= end + 4 + length) break;
        }
    }
    ::close(fd);
    if (reply.text.rfind("HTTP/1.1 ", 0) == 0) reply.status = std::stoi(reply.text.substr(9, 3));
    return reply;
}

std::string error_code(const std::string& text) {
    const auto body = text.find("\r\n\r\n");
    if (body == std::string::npos) return {};
    const auto j = json::parse(text.substr(body + 4), nullptr, false);
    return j.is_discarded() ? std::string() : j["error"]["code"].get<std::string>();
}

std::string post_head(const std::string& extra) {
    return "POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + extra;
}

TEST(HttpHardening, ADeclaredBodyOverTheLimitIsRefusedBeforeItIsSent) {
    TestServer s;
    // 50 MB declared, nothing sent: answered at once, not after the read timeout.
    const auto r = raw_exchange(s.port, post_head("Content-Length: 50000000\r\n\r\n"));
    EXPECT_EQ(r.status, 413) << r.text;
    EXPECT_EQ(error_code(r.text), "payload_too_large");
    EXPECT_NE(r.text.find("1048576"), std::string::npos) << "names the limit: " << r.text;
    EXPECT_LT(r.seconds, 2.0);
}

TEST(HttpHardening, AmbiguousOrUnsupportedFramingIsRefused) {
    TestServer s;
    const std::string body = post_op_request().dump();
    const std::string length = "Content-Length: " + std::to_string(body.size()) + "\r\n";

    auto both = raw_exchange(s.port, post_head(length + "Transfer-Encoding: chunked\r\n\r\n") + body);
    EXPECT_EQ(both.status, 400) << both.text;
    EXPECT_EQ(error_code(both.text), "ambiguous_framing");

    auto twice = raw_exchange(s.port, post_head(length + length + "\r\n") + body);
    EXPECT_EQ(twice.status, 400) << twice.text;

    std::ostringstream chunk;
    chunk << std::hex << body.size() << "\r\n" << body << "\r\n0\r\n\r\n";
    auto chunked = raw_exchange(s.port, post_head("Transfer-Encoding: chunked\r\n\r\n") + chunk.str());
    EXPECT_EQ(chunked.status, 411) << chunked.text;
    EXPECT_EQ(error_code(chunked.text), "length_required");

    auto gzip = raw_exchange(s.port, post_head(length + "Content-Encoding: gzip\r\n\r\n") + body);
    EXPECT_EQ(gzip.status, 415) << gzip.text;
    EXPECT_EQ(error_code(gzip.text), "unsupported_media_type");

    // no length at all: cpp-httplib would read until the client closes
    auto no_length = raw_exchange(s.port, post_head("\r\n") + body);
    EXPECT_EQ(no_length.status, 411) << no_length.text;
    EXPECT_LT(no_length.seconds, 2.0);
    auto spaced = raw_exchange(s.port, post_head("Content-Length : " + std::to_string(body.size()) + "\r\n\r\n") + body);
    EXPECT_EQ(spaced.status, 411) << spaced.text;

    auto bad_length = raw_exchange(s.port, post_head("Content-Length: 12x\r\n\r\n"));
    EXPECT_EQ(bad_length.status, 400) << bad_length.text;

    // the same body, framed plainly, is answered
    auto fine = raw_exchange(s.port, post_head(length + "\r\n") + body);
    EXPECT_EQ(fine.status, 200) << fine.text;
}

// A header that says one thing (who calls, what the body is, where it comes from) sent twice
// would be read two ways: by jointly (the first) and by a proxy or another reader (the last).
// Either order is refused, and the same request with one copy is answered.
TEST(HttpHardening, AHeaderThatSaysOneThingSentTwiceIsRefused) {
    TestServer s;
    const std::string body = post_op_request().dump();
    const std::string length = "Content-Length: " + std::to_string(body.size()) + "\r\n";
    const std::string good = "Authorization: Bearer " + std::string(kClientToken) + "\r\n";
    const std::string bogus = "Authorization: Bearer bogus-token-000000000000\r\n";
    const std::string text = "Content-Type: text/plain\r\n";
    const std::string own = "Origin: http://127.0.0.1:" + std::to_string(s.port) + "\r\n";
    const std::string evil = "Origin: https://evil.example\r\n";
    const std::string host = "Host: 127.0.0.1:" + std::to_string(s.port) + "\r\n";
    const auto head = [&host](const std::string& headers) { return "POST /v1/evaluate HTTP/1.1\r\n" + host + headers; };
    const std::string json_type = "Content-Type: application/json\r\n";
    for (const auto& [name, twice] : std::vector<std::pair<std::string, std::string>>{
             {"Authorization", json_type + good + bogus},
             {"Authorization", json_type + bogus + good},
             {"Content-Type", json_type + text + good},
             {"Content-Type", text + json_type + good},
             {"Origin", json_type + good + own + evil},
             {"Origin", json_type + good + evil + own},
             {"Host", json_type + good + "Host: evil.example\r\n"},
             {"X-Request-Id", json_type + good + "X-Request-Id: one\r\nX-Request-Id: two\r\n"},
             {"traceparent", json_type + good + "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n" +
                                 "traceparent: 00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"}}) {
        const auto r = raw_exchange(s.port, head(twice + length + "\r\n") + body);
        EXPECT_EQ(r.status, 400) << name << ": " << r.text.substr(0, 300);
        EXPECT_NE(r.text.find("the `" + name + "` header is given more than once"), std::string::npos)
            << r.text.substr(0, 400);
    }
    const auto once = raw_exchange(s.port, head(json_type + good + own + length + "\r\n") + body);
    EXPECT_EQ(once.status, 200) << once.text.substr(0, 300);
}

// DNS rebinding: a page on a site whose name was made to resolve to this server sends that
// name as `Host`. Only IP addresses, `localhost` and the names given with --allow-host are
// answered; the rest are refused with 421 before any route runs (a token does not help).
TEST(HttpHardening, AnswersOnlyTheHostsItIsGiven) {
    TestServer s([](server::ServeOptions& o) { o.allowed_hosts = {"jointly.council.example", "Panel_Host"}; });
    const auto get = [&](const std::string& host) {
        return raw_exchange(s.port, "GET /healthz HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n");
    };
    const std::string port = std::to_string(s.port);
    for (const std::string& host : std::vector<std::string>{"127.0.0.1:" + port, "127.0.0.1", "localhost:" + port, "LocalHost", "[::1]:" + port,
                                   "jointly.council.example:" + port, "Jointly.Council.Example",
                                   "localhost.:" + port, "jointly.council.example.", "panel_host:" + port}) {
        EXPECT_EQ(get("Host: " + host + "\r\n").status, 200) << host;
    }
    EXPECT_EQ(get("").status, 200) << "no Host: not a browser";
    for (const std::string& host : std::vector<std::string>{"evil.example:" + port, "evil.example", "jointly.council.example.evil.example",
                                   "localhost.evil.example", "127.0.0.1.nip.example"}) {
        const auto r = get("Host: " + host + "\r\n");
        EXPECT_EQ(r.status, 421) << host;
        EXPECT_NE(r.text.find("\"misdirected_request\""), std::string::npos) << r.text.substr(0, 400);
        EXPECT_NE(r.text.find("names `" + host.substr(0, host.find(':')) + "`"), std::string::npos) << r.text.substr(0, 400);
    }
    // What is not `name[:port]` or `[IPv6][:port]` is refused too, whatever it holds.
    for (const std::string& host : std::vector<std::string>{
             "[::1].evil.example", "[::1", "[127.0.0.1]", "[::1]:80.evil.example", "127.0.0.1:80@evil.example",
             "localhost:abc", "localhost:" + port + ":1", "jointly.council.example:", "::1",
             "[fe80::1%25eth0]:" + port}) {
        const auto r = get("Host: " + host + "\r\n");
        EXPECT_EQ(r.status, 421) << host;
        EXPECT_NE(r.text.find("is not a host name or address"), std::string::npos) << host << ": " << r.text.substr(0, 300);
    }
    // A token does not let a rebinding page in.
    const auto evaluated = raw_exchange(s.port, "POST /v1/evaluate HTTP/1.1\r\nHost: evil.example:" + port +
                                                    "\r\nAuthorization: Bearer " + std::string(kClientToken) +
                                                    "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
    EXPECT_EQ(evaluated.status, 421) << evaluated.text.substr(0, 300);
}

TEST(HttpHardening, AnyHostWithAStar) {
    TestServer s([](server::ServeOptions& o) { o.allowed_hosts = {"*"}; });
    EXPECT_EQ(raw_exchange(s.port, "GET /healthz HTTP/1.1\r\nHost: anything.example\r\nConnection: close\r\n\r\n").status,
              200);
}

// OPTIONS checks a token that is sent, as every route does: a wrong one is a 401, none or a
// right one is answered with the route's methods.
TEST(HttpHardening, OptionsChecksATokenThatIsSent) {
    TestServer s;
    const std::string head = "OPTIONS /v1/decisions HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    const auto wrong = raw_exchange(s.port, head + "Authorization: Bearer bogus-token-000000000000\r\n\r\n");
    EXPECT_EQ(wrong.status, 401) << wrong.text.substr(0, 300);
    EXPECT_EQ(error_code(wrong.text), "unauthorized");
    const auto none = raw_exchange(s.port, head + "\r\n");
    EXPECT_EQ(none.status, 204) << none.text.substr(0, 300);
    EXPECT_NE(none.text.find("Allow: GET, HEAD, POST, OPTIONS"), std::string::npos) << none.text.substr(0, 300);
    const auto right = raw_exchange(s.port, head + "Authorization: Bearer " + std::string(kClientToken) + "\r\n\r\n");
    EXPECT_EQ(right.status, 204) << right.text.substr(0, 300);
}

// Header names are matched as HTTP matches them, in any case (the server's own lookup, not
// cpp-httplib's): each check below is made on a name sent in other cases than its usual one.
TEST(HttpHardening, HeaderNamesAreMatchedInAnyCase) {
    TestServer s;
    const std::string body = post_op_request().dump();
    const std::string size = std::to_string(body.size());
    const std::string head = "POST /v1/evaluate HTTP/1.1\r\nHOST: 127.0.0.1\r\ncontent-type: application/json\r\n";

    auto fine = raw_exchange(s.port, head + "content-length: " + size + "\r\nx-REQUEST-id: case-7\r\n\r\n" + body);
    EXPECT_EQ(fine.status, 200) << fine.text;
    EXPECT_NE(fine.text.find("X-Request-Id: case-7\r\n"), std::string::npos) << fine.text.substr(0, 400);

    auto twice = raw_exchange(s.port, head + "Content-Length: " + size + "\r\ncontent-LENGTH: " + size + "\r\n\r\n" + body);
    EXPECT_EQ(twice.status, 400) << twice.text;
    EXPECT_EQ(error_code(twice.text), "ambiguous_framing");

    auto gzip = raw_exchange(s.port, head + "CONTENT-LENGTH: " + size + "\r\ncontent-encoding: gzip\r\n\r\n" + body);
    EXPECT_EQ(gzip.status, 415) << gzip.text;

    auto foreign = raw_exchange(s.port, head + "Content-Length: " + size + "\r\nORIGIN: http://evil.example\r\n\r\n" + body);
    EXPECT_EQ(foreign.status, 403) << foreign.text;
    EXPECT_EQ(error_code(foreign.text), "cross_origin");

    auto site = raw_exchange(s.port, head + "Content-Length: " + size + "\r\nsec-fetch-SITE: cross-site\r\n\r\n" + body);
    EXPECT_EQ(site.status, 403) << site.text;

    auto token = raw_exchange(s.port, head + "Content-Length: " + size + "\r\nAUTHORIZATION: Bearer nope\r\n\r\n" + body);
    EXPECT_EQ(token.status, 401) << token.text;

    auto chunked = raw_exchange(s.port, head + "transfer-ENCODING: chunked\r\n\r\n0\r\n\r\n");
    EXPECT_EQ(chunked.status, 411) << chunked.text;
}

TEST(HttpHardening, TooManyOrTooLargeHeadersAreRefused) {
    TestServer s;
    std::string many;
    for (int i = 0; i < 150; ++i) many += "X-Filler-" + std::to_string(i) + ": x\r\n";
    auto r = raw_exchange(s.port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + many + "\r\n");
    EXPECT_EQ(r.status, 431) << r.text;
    EXPECT_NE(r.text.find("the limit is 100"), std::string::npos) << r.text;

    std::string large;
    for (int i = 0; i < 8; ++i) large += "X-Large-" + std::to_string(i) + ": " + std::string(5000, 'a') + "\r\n";
    auto big = raw_exchange(s.port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + large + "\r\n");
    EXPECT_EQ(big.status, 431) << big.text;
}

TEST(HttpHardening, JsonRoutesTakeOnlyJson) {
    TestServer s;
    auto c = s.client();
    const auto body = post_op_request().dump();
    for (const char* path : {"/v1/evaluate", "/v1/decisions", "/v1/evaluate/batch"}) {
        auto r = c.Post(path, bearer(kClientToken), body, "text/plain");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 415) << path << " " << r->body;
        EXPECT_EQ(body_of(r)["error"]["code"], "unsupported_media_type");
    }
    auto form = c.Post("/v1/evaluate", body, "application/x-www-form-urlencoded");
    EXPECT_EQ(form->status, 415);
    // parameters and case do not matter
    EXPECT_EQ(c.Post("/v1/evaluate", body, "Application/JSON; charset=utf-8")->status, 200);
    // nothing was stored by the refused writes
    EXPECT_EQ(body_of(c.Get("/v1/decisions", bearer(kClientToken)))["total"], 0);
    // the policy routes also take the policy text
    auto text = c.Post("/v1/policies/check", bearer(kAuthorToken), "policy x", "text/plain");
    EXPECT_EQ(text->status, 422) << text->body;
    auto html = c.Post("/v1/policies/check", bearer(kAuthorToken), "policy x", "text/html");
    EXPECT_EQ(html->status, 415) << html->body;
}

TEST(HttpHardening, CrossSiteWritesAreRefused) {
    TestServer s;
    auto c = s.client();
    const auto body = post_op_request().dump();
    auto foreign = c.Post("/v1/decisions", {{"Origin", "http://evil.example"}}, body, "application/json");
    EXPECT_EQ(foreign->status, 403) << foreign->body;
    EXPECT_EQ(body_of(foreign)["error"]["code"], "cross_origin");
    auto fetch_site = c.Post("/v1/decisions", {{"Sec-Fetch-Site", "cross-site"}}, body, "application/json");
    EXPECT_EQ(fetch_site->status, 403);
    EXPECT_EQ(body_of(c.Get("/v1/decisions", bearer(kClientToken)))["total"], 0);

    // the server's own page sends its own origin
    const std::string own = "http://127.0.0.1:" + std::to_string(s.port);
    auto mine = c.Post("/v1/decisions", {{"Origin", own}, {"Authorization", std::string("Bearer ") + kClientToken}},
                       body, "application/json");
    EXPECT_EQ(mine->status, 201) << mine->body;
    // reads are not refused for their origin
    EXPECT_EQ(c.Get("/healthz", {{"Origin", "http://evil.example"}})->status, 200);
}

TEST(HttpHardening, AnAllowedOriginMayWrite) {
    TestServer s([](server::ServeOptions& o) { o.allowed_origins = {"https://panel.example.org"}; });
    auto c = s.client();
    auto r = c.Post("/v1/evaluate", {{"Origin", "https://panel.example.org"}}, post_op_request().dump(),
                    "application/json");
    EXPECT_EQ(r->status, 200) << r->body;
    auto other = c.Post("/v1/evaluate", {{"Origin", "https://panel.example.org.evil"}}, post_op_request().dump(),
                        "application/json");
    EXPECT_EQ(other->status, 403);
}

TEST(HttpHardening, OptionsSaysWhatARouteTakesWithoutCors) {
    TestServer s;
    auto c = s.client();
    auto r = c.Options("/v1/evaluate", {{"Origin", "http://evil.example"}, {"Access-Control-Request-Method", "POST"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 204);
    EXPECT_EQ(r->get_header_value("Allow"), "POST, OPTIONS");
    EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
    auto decisions = c.Options("/v1/decisions");
    EXPECT_EQ(decisions->get_header_value("Allow"), "GET, HEAD, POST, OPTIONS");
    EXPECT_EQ(c.Get("/healthz")->get_header_value("X-Content-Type-Options"), "nosniff");
}

TEST(HttpHardening, CompilingAndSimulatingNeedAToken) {
    TestServer s;  // evaluation is open by default
    auto c = s.client();
    EXPECT_EQ(c.Post("/v1/evaluate", post_op_request().dump(), "application/json")->status, 200);
    auto check = c.Post("/v1/policies/check", "policy x", "text/plain");
    EXPECT_EQ(check->status, 401) << check->body;
    auto simulate = c.Post("/v1/simulate", R"({"policy": "reference", "cases": []})", "application/json");
    EXPECT_EQ(simulate->status, 401) << simulate->body;
    auto wrong = c.Post("/v1/policies/check", bearer("not-a-token-at-all"), "policy x", "text/plain");
    EXPECT_EQ(wrong->status, 401);
    EXPECT_EQ(wrong->get_header_value("WWW-Authenticate"), "Bearer realm=\"jointly\"");
}

// A token that is sent is checked even where none is needed: never silently ignored.
TEST(HttpHardening, AWrongOrMalformedTokenIsRefusedOnOpenRoutesToo) {
    TestServer s;
    auto c = s.client();
    const auto body = post_op_request().dump();
    EXPECT_EQ(c.Post("/v1/evaluate", bearer("not-a-token-at-all"), body, "application/json")->status, 401);
    EXPECT_EQ(c.Get("/v1/policies", bearer("not-a-token-at-all"))->status, 401);
    EXPECT_EQ(c.Get("/healthz", {{"Authorization", "Basic dXNlcjpwYXNz"}})->status, 401);
    EXPECT_EQ(c.Post("/v1/evaluate", bearer(kClientToken), body, "application/json")->status, 200);
    EXPECT_EQ(c.Get("/healthz")->status, 200);
}

TEST(HttpHardening, AnAnswerOverTheResponseLimitIsRefusedAndNotStored) {
    TestServer s([](server::ServeOptions& o) { o.max_response = 512; });
    auto c = s.client();
    auto r = c.Post("/v1/decisions", bearer(kClientToken), post_op_request().dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 422) << r->body;
    EXPECT_EQ(body_of(r)["error"]["code"], "response_too_large");
    EXPECT_NE(body_of(r)["error"]["message"].get<std::string>().find("512"), std::string::npos);
    EXPECT_EQ(body_of(c.Get("/v1/decisions", bearer(kClientToken)))["total"], 0);
    EXPECT_EQ(c.Post("/v1/evaluate", post_op_request().dump(), "application/json")->status, 422);
}

// A batch's answer is bounded as it is written: each evaluation has only the room left, and the
// batch stops once past --max-response (on the fast path, and on the reference path that a
// batch with an invalid item takes), rather than build every answer and measure at the end.
TEST(HttpHardening, ABatchStopsAtTheResponseLimitAsItIsWritten) {
    TestServer s([](server::ServeOptions& o) { o.max_response = 20000; });
    auto c = s.client();
    const std::string one = post_op_request().dump();
    const auto single = c.Post("/v1/evaluate", one, "application/json");
    ASSERT_EQ(single->status, 200);
    const std::size_t each = single->body.size();
    ASSERT_LT(each * 2 + 100, std::size_t{20000}) << "two answers fit";
    ASSERT_GT(each * 50, std::size_t{20000}) << "fifty do not";
    const auto batch = [&](std::size_t n, bool with_invalid) {
        std::string body = "{\"requests\":[";
        for (std::size_t i = 0; i < n; ++i) body += (i ? "," : "") + one;
        if (with_invalid) body += ",{\"lines\": 3}";
        return c.Post("/v1/evaluate/batch", body + "]}", "application/json");
    };
    for (const bool with_invalid : {false, true}) {
        const auto fits = batch(2, with_invalid);
        EXPECT_EQ(fits->status, 200) << fits->body.substr(0, 300);
        const auto over = batch(50, with_invalid);
        ASSERT_EQ(over->status, 422) << over->body.substr(0, 300);
        EXPECT_EQ(body_of(over)["error"]["code"], "response_too_large");
        EXPECT_NE(body_of(over)["error"]["message"].get<std::string>().find("over 20000 bytes"), std::string::npos)
            << over->body;
    }
}

TEST(HttpHardening, ABatchPastItsDeadlineStops) {
    TestServer s([](server::ServeOptions& o) { o.request_deadline_ms = 1; });
    auto c = s.client();
    json batch = json::array();
    for (int i = 0; i < 1000; ++i) batch.push_back(post_op_request());
    auto r = c.Post("/v1/evaluate/batch", json{{"requests", batch}}.dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 422) << r->body.substr(0, 300);
    EXPECT_EQ(body_of(r)["error"]["code"], "deadline_exceeded");

    auto simulate = c.Post("/v1/simulate", bearer(kClientToken), json{{"policy", "reference"}, {"cases", batch}}.dump(),
                           "application/json");
    ASSERT_TRUE(simulate);
    EXPECT_EQ(simulate->status, 422) << simulate->body.substr(0, 300);
    EXPECT_EQ(body_of(simulate)["error"]["code"], "deadline_exceeded");
    EXPECT_NE(body_of(simulate)["error"]["message"].get<std::string>().find("the simulation was stopped after"),
              std::string::npos);
}

TEST(HttpHardening, ASecondServerCannotTakeTheSamePort) {
    TestServer first;
    server::ServeOptions options = first.options;
    options.port = first.port;
    options.db = first.dir / "second.db";
    auto second = server::ApiServer::create(options);
    try {
        second->bind();
        FAIL() << "a second server bound port " << first.port;
    } catch (const server::StartError& e) {
        EXPECT_NE(std::string(e.what()).find("already in use"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(std::to_string(first.port)), std::string::npos) << e.what();
    }
    // the first still answers every request
    auto c = first.client();
    for (int i = 0; i < 10; ++i) EXPECT_EQ(c.Get("/healthz")->status, 200);
}

// One JSON line per request: who (the token's name, never the token), from where, which
// request id, route, status and duration; the id is echoed to the caller.
// A tokens file other users may read is said in the log at start, as JSON like every line.
TEST(HttpAccessLog, ATokensFileOthersMayReadIsWarnedAbout) {
    auto lines = std::make_shared<std::vector<std::string>>();
    auto mutex = std::make_shared<std::mutex>();
    TestServer s([lines, mutex](server::ServeOptions& o) {
        fs::permissions(*o.tokens, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                       fs::perms::others_read);
        o.log = [lines, mutex](const std::string& line) {
            std::lock_guard lock(*mutex);
            lines->push_back(line);
        };
    });
    std::lock_guard lock(*mutex);
    ASSERT_FALSE(lines->empty());
    const auto first = json::parse(lines->front());
    EXPECT_EQ(first["level"], "warn");
    EXPECT_NE(first["message"].get<std::string>().find("has mode 0644: other users may read it; make it 0600"),
              std::string::npos)
        << lines->front();
}

// A new SQLite store (and so its -wal and -shm, which SQLite creates with the database file's
// mode) is readable by its owner only, whatever the umask; an existing one that others may
// read is said in the log at start.
TEST(HttpAccessLog, ANewStoreIsCreated0600AndAStoreOthersMayReadIsWarnedAbout) {
    const auto perms = [](const fs::path& p) { return fs::status(p).permissions() & fs::perms::all; };
    const auto owner_only = fs::perms::owner_read | fs::perms::owner_write;
    const mode_t umask_was = ::umask(022);  // the usual one, under which SQLite alone makes 0644
    {
        TestServer s;
        auto c = s.client();
        ASSERT_EQ(c.Post("/v1/decisions", bearer(kClientToken), post_op_request().dump(), "application/json")->status,
                  201);
        EXPECT_EQ(perms(s.options.db), owner_only);
        ASSERT_TRUE(fs::exists(s.options.db.string() + "-wal"));
        EXPECT_EQ(perms(s.options.db.string() + "-wal"), owner_only);
    }
    ::umask(umask_was);
    auto lines = std::make_shared<std::vector<std::string>>();
    auto mutex = std::make_shared<std::mutex>();
    TestServer s([lines, mutex](server::ServeOptions& o) {
        write_file(o.db, "");
        fs::permissions(o.db, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                  fs::perms::others_read);
        o.log = [lines, mutex](const std::string& line) {
            std::lock_guard lock(*mutex);
            lines->push_back(line);
        };
    });
    std::lock_guard lock(*mutex);
    ASSERT_FALSE(lines->empty());
    const auto first = json::parse(lines->front());
    EXPECT_EQ(first["level"], "warn");
    EXPECT_EQ(first["message"], "the decision store `" + s.options.db.string() +
                                    "` has mode 0644: other users may read it; make it 0600")
        << lines->front();
}

// The tokens file is read again on reload (SIGHUP), all or nothing: a removed token is
// refused at once, an added one accepted; a file that fails a start-up check changes nothing.
TEST(HttpAccessLog, ReloadingTheTokensFileRevokesAndAddsTokensAllOrNothing) {
    TestServer s;
    auto c = s.client();
    const std::string added = "added-token-0123456789";
    ASSERT_EQ(c.Get("/v1/decisions", bearer(kClientToken))->status, 200);
    ASSERT_EQ(c.Get("/v1/decisions", bearer(added))->status, 401);
    write_file(*s.options.tokens, std::string(kPanelToken) + " panel\n" + added + " client case-system-2\n");
    const auto reloaded = s.server->reload_tokens();
    EXPECT_TRUE(reloaded.configured);
    EXPECT_EQ(reloaded.error, "");
    EXPECT_EQ(reloaded.tokens, 2u);
    EXPECT_EQ(c.Get("/v1/decisions", bearer(kClientToken))->status, 401);
    EXPECT_EQ(c.Get("/v1/decisions", bearer(added))->status, 200);
    EXPECT_EQ(body_of(c.Get("/v1/whoami", bearer(added)))["name"], "case-system-2");

    for (const std::string& bad : {std::string("short client\n"), std::string("# nothing\n"),
                                   added + " client a\n" + added + " client b\n"}) {
        write_file(*s.options.tokens, bad);
        const auto refused = s.server->reload_tokens();
        EXPECT_TRUE(refused.configured);
        EXPECT_NE(refused.error.find(s.options.tokens->string()), std::string::npos) << refused.error;
        EXPECT_EQ(c.Get("/v1/decisions", bearer(added))->status, 200) << bad;
        EXPECT_EQ(c.Get("/v1/decisions", bearer(kPanelToken))->status, 200) << bad;
    }
    fs::remove(*s.options.tokens);
    EXPECT_NE(s.server->reload_tokens().error.find("cannot read the tokens file"), std::string::npos);
    EXPECT_EQ(c.Get("/v1/decisions", bearer(added))->status, 200);
}

TEST(HttpAccessLog, OneJsonLinePerRequestNamingThePrincipalNeverTheToken) {
    auto lines = std::make_shared<std::vector<std::string>>();
    auto mutex = std::make_shared<std::mutex>();
    TestServer s([&](server::ServeOptions& o) {
        o.log = [lines, mutex](const std::string& line) {
            std::lock_guard lock(*mutex);
            lines->push_back(line);
        };
    });
    auto c = s.client();
    auto r = c.Get("/v1/decisions", {{"Authorization", std::string("Bearer ") + kClientToken},
                                     {"X-Request-Id", "case-system-42"}});
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("X-Request-Id"), "case-system-42");
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
    auto traced = c.Get("/healthz", {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
    EXPECT_EQ(traced->get_header_value("X-Request-Id"), "4bf92f3577b34da6a3ce929d0e0e4736");
    auto made_up = c.Get("/healthz", {{"X-Request-Id", "not allowed; spaces"}});
    EXPECT_EQ(made_up->get_header_value("X-Request-Id").size(), 32u);
    EXPECT_EQ(made_up->get_header_value("X-Request-Id"), made_up->get_header_value("X-Jointly-Request-Id"));
    // The server's own id is never the caller's.
    EXPECT_EQ(r->get_header_value("X-Jointly-Request-Id").size(), 32u);
    EXPECT_NE(r->get_header_value("X-Jointly-Request-Id"), "case-system-42");
    EXPECT_EQ(c.Post("/v1/policies", bearer(kPanelToken), "policy x", "text/plain")->status, 403);

    std::vector<json> parsed;
    {
        std::lock_guard lock(*mutex);
        for (const auto& line : *lines) {
            EXPECT_EQ(line.find(kClientToken), std::string::npos) << line;
            EXPECT_EQ(line.find(kPanelToken), std::string::npos) << line;
            parsed.push_back(json::parse(line));
        }
    }
    ASSERT_EQ(parsed.size(), 4u);
    const auto& read = parsed[0];
    EXPECT_EQ(read["request_id"], r->get_header_value("X-Jointly-Request-Id"));
    EXPECT_EQ(read["client_request_id"], "case-system-42");
    EXPECT_FALSE(parsed[2].contains("client_request_id"));  // an id refused is not kept
    EXPECT_EQ(read["principal"], "client-4");  // the fixture's tokens file: ROLE-LINE
    EXPECT_EQ(read["client"], "127.0.0.1");
    EXPECT_EQ(read["method"], "GET");
    EXPECT_EQ(read["route"], "/v1/decisions");
    EXPECT_EQ(read["status"], 200);
    EXPECT_EQ(read["level"], "info");
    EXPECT_TRUE(read["duration_ms"].is_number());
    EXPECT_EQ(read["ts"].get<std::string>().size(), 24u);
    EXPECT_EQ(parsed[1]["principal"], "anonymous");
    EXPECT_EQ(parsed[3]["principal"], "panel-3");
    EXPECT_EQ(parsed[3]["status"], 403);
    EXPECT_EQ(parsed[3]["level"], "warn");
    // The server's ids are 32 hex digits and differ from request to request.
    std::set<std::string> ids{made_up->get_header_value("X-Request-Id")};
    for (int i = 0; i < 20; ++i) {
        const auto id = c.Get("/healthz")->get_header_value("X-Request-Id");
        EXPECT_EQ(id.size(), 32u);
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
        ids.insert(id);
    }
    EXPECT_EQ(ids.size(), 21u);
    // W3C Trace Context: a trace id of all zeros is invalid, so it is not the caller's id.
    auto zeros = c.Get("/healthz", {{"traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"}});
    EXPECT_EQ(zeros->get_header_value("X-Request-Id"), zeros->get_header_value("X-Jointly-Request-Id"));
}

TEST(HttpPage, ServedWithAPolicyAllowingOnlyItsOwnScriptAndStyle) {
    TestServer s;
    auto page = s.client().Get("/");
    ASSERT_EQ(page->status, 200);
    const auto policy = page->get_header_value("Content-Security-Policy");
    EXPECT_EQ(policy.rfind("default-src 'none'; script-src 'sha256-", 0), 0u) << policy;
    EXPECT_NE(policy.find("style-src 'sha256-"), std::string::npos) << policy;
    EXPECT_NE(policy.find("connect-src 'self'"), std::string::npos) << policy;
    EXPECT_NE(policy.find("frame-ancestors 'none'"), std::string::npos) << policy;
    EXPECT_EQ(policy.find("unsafe-inline"), std::string::npos) << policy;
}

TEST(HttpHardening, TheHeaderLimitCountsOnlyWhatTheClientSent) {
    TestServer s;
    // Host plus 99 fields is 100: at the limit, served. One more is refused.
    std::string fields;
    for (int i = 0; i < 99; ++i) fields += "X-Filler-" + std::to_string(i) + ": x\r\n";
    auto at = raw_exchange(s.port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                                       fields.substr(fields.find("\r\n") + 2) + "\r\n");
    EXPECT_EQ(at.status, 200) << at.text;
    auto over = raw_exchange(s.port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + fields +
                                         "\r\n");
    EXPECT_EQ(over.status, 431) << over.text;
    EXPECT_NE(over.text.find("has 101 header fields"), std::string::npos) << over.text;
}

TEST(HttpHardening, ARequestCppHttplibRefusesStillGetsARequestId) {
    TestServer s;
    auto r = raw_exchange(s.port, "GET /healthz?" + std::string(9000, 'q') + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    EXPECT_EQ(r.status, 414) << r.text.substr(0, 200);
    EXPECT_NE(r.text.find("X-Request-Id: "), std::string::npos) << r.text.substr(0, 400);
}

TEST(HttpHardening, AWrongMethodOnALiteralPathNamesItsOwnMethods) {
    TestServer s;
    auto c = s.client();
    auto r = c.Put("/v1/policies/check", bearer(kClientToken), "{}", "application/json");
    ASSERT_EQ(r->status, 405);
    EXPECT_EQ(r->get_header_value("Allow"), "POST, OPTIONS");
    auto pattern = c.Put("/v1/policies/reference", bearer(kClientToken), "{}", "application/json");
    ASSERT_EQ(pattern->status, 405);
    EXPECT_EQ(pattern->get_header_value("Allow"), "GET, HEAD, OPTIONS");
}

TEST(HttpHardening, MediaTypesAreReadCaseInsensitivelyAndJsonBodiesHaveNoUnknownFields) {
    TestServer s;
    auto c = s.client();
    const auto source = read_file(fs::path(JOINTLY_SOURCE_DIR) / "policies/reference/reference.jf");
    // The same media type whatever its case: read as JSON, so `source` is the policy.
    auto upper = c.Post("/v1/policies/check", bearer(kClientToken), json{{"source", source}}.dump(), "Application/JSON");
    EXPECT_EQ(upper->status, 200) << upper->body;
    auto unknown = c.Post("/v1/policies/check", bearer(kClientToken), json{{"source", source}, {"fiel", "x.jf"}}.dump(),
                          "application/json");
    ASSERT_EQ(unknown->status, 400) << unknown->body;
    EXPECT_EQ(body_of(unknown)["error"]["details"][0]["path"], "/fiel");
    auto batch = c.Post("/v1/evaluate/batch", json{{"requests", json::array({post_op_request()})}, {"explain", "full"}}.dump(),
                        "application/json");
    ASSERT_EQ(batch->status, 400) << batch->body;
    EXPECT_EQ(body_of(batch)["error"]["details"][0]["path"], "/explain");
}


TEST(HttpHardening, ACheckListsAtMostTwentyOfACodeAndCountsTheRest) {
    TestServer s;
    auto c = s.client();
    // 25 rules naming an undeclared agency: 20 listed, then one "and 5 more" summary.
    std::string policy = "policy many \"Many\"\n  version \"1\"\n  effective from 2025-04-01\n\n"
                         "agency health \"NHS\"\n\n";
    for (int i = 0; i < 25; ++i) {
        policy += "rule r" + std::to_string(i) + "\n  when service is s" + std::to_string(i) +
                  "\n  split nobody 100%\n\n";
    }
    auto r = c.Post("/v1/policies/check", bearer(kAuthorToken), policy, "text/plain");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 422) << r->body;
    std::size_t listed = 0;
    std::size_t counted = 0;
    const auto body = body_of(r);
    for (const auto& d : body["error"]["diagnostics"]) {
        if (d["code"] != "E2003") continue;
        const auto not_listed = d["not_listed"].get<std::size_t>();
        listed += not_listed == 0 ? 1 : 0;
        counted += not_listed == 0 ? 1 : not_listed;
    }
    EXPECT_EQ(listed, 20U);
    EXPECT_EQ(counted, 25U);
}

}  // namespace
}  // namespace jointly::testing
