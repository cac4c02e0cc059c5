// The HTTP server: start and stop, routing wrapper, auth, errors, access log and metrics.
#include <arpa/inet.h>
#include <openssl/rand.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <ctime>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <new>
#include <optional>
#include <map>
#include <random>
#include <mutex>
#include <cstdio>
#include <set>
#include <string>
#include <thread>

#include "http_audit.hpp"
#include "http_host.hpp"
#include "http_internal.hpp"
#include "jointly/engine/date.hpp"

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
        case 411: return "length_required";
        case 413: return "payload_too_large";
        case 414: return "uri_too_long";
        case 415: return "unsupported_media_type";
        case 421: return "misdirected_request";
        case 422: return "unprocessable";
        case 431: return "request_header_fields_too_large";
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

// "2026-12-02T13:41:17.123Z"
std::string utc_now() {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[96];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return text;
}

bool id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == ':';
}

// A request id's 64 bits: a counter per thread from a random start (drawn once per thread),
// mixed by splitmix64, a bijection, so ids never repeat on a thread and look unrelated. An id
// is no secret (it is sent back and logged): a cryptographic draw per request, which cost
// about 4% of a small request's time, buys nothing.
std::uint64_t next_request_number() {
    thread_local std::uint64_t state = [] {
        std::array<unsigned char, 8> bytes{};
        std::uint64_t seed = 0;
        if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1) std::memcpy(&seed, bytes.data(), 8);
        else seed = (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
        return seed;
    }();
    state += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// The caller's X-Request-Id (1-128 of [A-Za-z0-9._:-]), else the trace id of a W3C
// `traceparent`, else nullopt. The caller's to choose: two requests may carry the same.
std::optional<std::string> client_request_id_of(const httplib::Request& request) {
    const auto given = header_or_empty(request, "X-Request-Id");
    if (!given.empty() && given.size() <= 128 && std::all_of(given.begin(), given.end(), id_char)) return given;
    const auto trace = header_or_empty(request, "traceparent");  // 00-<32 hex>-<16 hex>-<2 hex>
    if (trace.size() == 55 && trace[2] == '-' && trace[35] == '-') {
        const auto id = trace.substr(3, 32);
        // W3C Trace Context: an id of all zeros is invalid.
        if (std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }) &&
            id != std::string(32, '0'))
            return id;
    }
    return std::nullopt;
}

// The server's own id for a request: 16 hex digits of a number drawn once per process from
// libcrypto's CSPRNG, then 16 of next_request_number(). Never taken from the caller. A thread
// never gives one twice; two threads' would meet only if their random 64-bit starts fell
// within as many requests of each other, two processes' only if their prefixes matched too.
std::string new_request_id() {
    static const std::uint64_t process = [] {
        std::array<unsigned char, 8> bytes{};
        std::uint64_t drawn = 0;
        if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1) std::memcpy(&drawn, bytes.data(), 8);
        else drawn = (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
        return drawn;
    }();
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(32, '0');
    std::uint64_t n = next_request_number();
    for (std::size_t i = 32; i-- > 16; n >>= 4) out[i] = kHex[n & 0xFU];
    n = process;
    for (std::size_t i = 16; i-- > 0; n >>= 4) out[i] = kHex[n & 0xFU];
    return out;
}

// Names the request: its own id (t_note.request_id, sent back in X-Jointly-Request-Id) and
// the caller's (t_note.client_request_id, sent back in X-Request-Id; the own id there when
// the caller sent none).
void identify(const httplib::Request& request, httplib::Response& response) {
    t_note.request_id = new_request_id();
    t_note.client_request_id = client_request_id_of(request);
    response.set_header("X-Jointly-Request-Id", t_note.request_id);
    response.set_header("X-Request-Id", t_note.client_request_id.value_or(t_note.request_id));
}

// The request being handled on this worker thread, from the pre-routing handler to
// finish_request (or, if it never finishes, to the end of its connection).
thread_local std::optional<Metrics::Hold> t_in_flight;

// Metrics and the access log line, once per request, before the response is written (so a
// client that has its answer sees it counted). The line is JSON: never a fact, a body or a
// token; the principal is the token's name. A request cpp-httplib refused before the
// pre-routing handler (an unreadable request line) is counted with duration 0.
void finish_request(Context& context, const httplib::Request& request, const httplib::Response& response) {
    if (t_note.recorded) return;
    t_note.recorded = true;
    const double seconds =
        t_in_flight ? std::chrono::duration<double>(Clock::now() - t_request_start).count() : 0.0;
    t_in_flight.reset();
    const std::string route = t_note.route.empty() ? "unmatched" : t_note.route;
    // A request answered before routing (screened, or refused by cpp-httplib while reading its
    // body) is counted under the route its path would have reached.
    const bool routed = !t_note.route.empty() && t_note.route != "screened";
    context.metrics.observe(request.method, routed ? route : context.metrics.route_of(request.path),
                            response.status, seconds);
    if (context.options.log) {
        nlohmann::ordered_json line = nlohmann::ordered_json::object();
        line["ts"] = utc_now();
        line["level"] = response.status >= 500 ? "error" : (response.status >= 400 ? "warn" : "info");
        line["request_id"] = t_note.request_id;
        if (t_note.client_request_id) line["client_request_id"] = *t_note.client_request_id;
        line["principal"] = t_note.principal;
        line["client"] = t_note.client;
        line["method"] = request.method;
        line["route"] = route;
        line["path"] = request.path;
        line["status"] = response.status;
        line["duration_ms"] = std::round(seconds * 1e6) / 1e3;
        if (!t_note.decision_id.empty()) line["decision_id"] = t_note.decision_id;
        context.options.log(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
}

std::string lower(std::string text) {
    for (auto& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return text;
}

// The bare media type of a Content-Type value, lower case ("application/json; charset=utf-8"
// -> "application/json").
std::string media_type(const std::string& header) {
    auto type = lower(header.substr(0, header.find(';')));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.erase(type.begin());
    return type;
}

bool same_origin(const ServeOptions& options, const httplib::Request& request, const std::string& origin) {
    for (const auto& allowed : options.allowed_origins)
        if (origin == allowed) return true;
    const auto host = header_or_empty(request, "Host");
    return !host.empty() && (origin == "http://" + host || origin == "https://" + host);
}

void refuse(httplib::Response& response, int status, const std::string& code, const std::string& message) {
    response.set_header("Connection", "close");
    send_json(response, status, encode_errors(code, message, {}));
}

// Checks what can be judged from the request line and headers alone, before any body is read
// (cpp-httplib calls this before reading the body): header limits, ambiguous or unsupported
// framing, compressed bodies, a declared body over the limit, and cross-site writes. Returns
// true when it has answered the request.
bool screen_request(const Context& context, const httplib::Request& request, httplib::Response& response) {
    const auto& o = context.options;
    // cpp-httplib adds the peer's and our own address and port as four pseudo-headers; only
    // what the client sent counts.
    const auto added = [](const std::string& name) {
        return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT";
    };
    std::size_t header_count = 0;
    std::size_t header_bytes = 0;
    for (const auto& [name, value] : request.headers) {
        if (added(name)) continue;
        ++header_count;
        header_bytes += name.size() + value.size() + 4;
    }
    if (header_count > o.max_headers) {
        refuse(response, 431, "request_header_fields_too_large",
               "the request has " + std::to_string(header_count) + " header fields; the limit is " +
                   std::to_string(o.max_headers));
        return true;
    }
    if (header_bytes > o.max_header_bytes) {
        refuse(response, 431, "request_header_fields_too_large",
               "the request's header fields hold " + std::to_string(header_bytes) + " bytes; the limit is " +
                   std::to_string(o.max_header_bytes));
        return true;
    }
    // A header that says one thing (who is calling, what the body is, where it comes from)
    // sent twice would be read two ways, by jointly and by whatever stands in front of it.
    for (const char* single : {"Authorization", "Content-Type", "Origin", "Host", "Sec-Fetch-Site", "Idempotency-Key",
                               "X-Request-Id", "traceparent"}) {
        if (server::header_count(request, single) > 1) {
            refuse(response, 400, "invalid_request", std::string("the `") + single + "` header is given more than once");
            return true;
        }
    }
    if (const auto refusal = host_refusal(header_or_empty(request, "Host"), o.allowed_hosts)) {
        refuse(response, 421, "misdirected_request", *refusal);
        return true;
    }
    const std::size_t lengths = server::header_count(request, "Content-Length");
    const bool has_length = lengths > 0;
    const bool has_transfer = header_value(request, "Transfer-Encoding") != nullptr;
    if (has_length && has_transfer) {
        refuse(response, 400, "ambiguous_framing",
               "the request has both `Content-Length` and `Transfer-Encoding`; send one (RFC 9112 section 6.3)");
        return true;
    }
    if (lengths > 1) {
        refuse(response, 400, "ambiguous_framing", "the request has more than one `Content-Length`");
        return true;
    }
    if (has_transfer) {
        refuse(response, 411, "length_required",
               "a request body must be sent with `Content-Length`; `Transfer-Encoding` (chunked bodies) is not "
               "accepted by jointly serve itself (the nginx front end in docs/operations.md accepts it)");
        return true;
    }
    if (!has_length && (request.method == "POST" || request.method == "PUT" || request.method == "PATCH")) {
        // Without a length cpp-httplib would read the body until the client closes.
        refuse(response, 411, "length_required", "a `" + request.method + "` must say its body's `Content-Length`");
        return true;
    }
    if (const auto* encoding = header_value(request, "Content-Encoding"); encoding && lower(*encoding) != "identity") {
        refuse(response, 415, "unsupported_media_type",
               "compressed request bodies (`Content-Encoding: " + *encoding +
                   "`) are not accepted; send the body uncompressed");
        return true;
    }
    if (has_length) {
        const auto text = header_or_empty(request, "Content-Length");
        std::size_t length = 0;
        bool ok = !text.empty() && text.size() <= 18;
        for (char c : text) {
            if (c < '0' || c > '9') ok = false;
            else length = length * 10 + static_cast<std::size_t>(c - '0');
        }
        if (!ok) {
            refuse(response, 400, "invalid_request", "`Content-Length` must be a whole number of bytes");
            return true;
        }
        if (length > o.max_body) {
            refuse(response, 413, "payload_too_large",
                   "the body is larger than the limit of " + std::to_string(o.max_body) + " bytes (declared as " +
                       text + " bytes; refused before reading it)");
            return true;
        }
    }
    const bool writes = request.method != "GET" && request.method != "HEAD" && request.method != "OPTIONS";
    if (writes) {
        if (const auto* sent_origin = header_value(request, "Origin")) {
            const auto& origin = *sent_origin;
            if (!same_origin(o, request, origin)) {
                refuse(response, 403, "cross_origin",
                       "a `" + request.method + "` from origin `" + origin +
                           "` is refused: only the server's own page (or an origin given with --allow-origin) may send "
                           "requests that change or compute state");
                return true;
            }
        } else if (lower(header_or_empty(request, "Sec-Fetch-Site")) == "cross-site") {
            refuse(response, 403, "cross_origin", "a cross-site `" + request.method + "` is refused");
            return true;
        }
    }
    return false;
}

// JSON routes take `application/json`; the policy routes also take the policy text itself.
Checked<void> check_content_type(const std::string& route, const httplib::Request& request) {
    const auto type = media_type(header_or_empty(request, "Content-Type"));
    if (type == "application/json") return {};
    const bool takes_text = route == "/v1/policies" || route == "/v1/policies/check";
    if (takes_text && type == "text/plain") return {};
    return fail(415, "unsupported_media_type",
                std::string("send the body as `application/json`") + (takes_text ? " (or the policy as `text/plain`)" : "") +
                    (type.empty() ? "; the request has no `Content-Type`" : "; not `" + type + "`"));
}

// Why `bind` failed, asked of the kernel with a socket of our own.
std::string bind_failure(const std::string& host, int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return "the address is not an IPv4 address";
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::strerror(errno);
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    std::string reason = "unknown reason";
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        reason = errno == EADDRINUSE ? "the port is already in use (is another jointly serve running?)"
                                     : std::strerror(errno);
    }
    ::close(fd);
    return reason;
}

// cpp-httplib's server with its listening socket visible, so the backlog can be raised
// (0.11.4 listens with a backlog of 5).
class Listener : public httplib::Server {
public:
    int listening_socket() const { return svr_sock_; }
};

// cpp-httplib's thread pool (one connection per task), counting the connections waiting for a
// thread and the threads serving one.
class CountingPool final : public httplib::TaskQueue {
public:
    CountingPool(std::size_t threads, Metrics& metrics) : pool_(threads), metrics_(metrics) {}

    void enqueue(std::function<void()> fn) override {
        // Shared so that the wait ends however the task ends (run, or dropped unrun).
        auto waiting = std::make_shared<std::optional<Metrics::Hold>>();
        waiting->emplace(metrics_, Metrics::Gauge::ConnectionsWaiting);
        pool_.enqueue([this, waiting, fn = std::move(fn)] {
            waiting->reset();
            Metrics::Hold busy(metrics_, Metrics::Gauge::ThreadsBusy);
            fn();
            t_in_flight.reset();  // a request whose answer could not be written never finished
        });
    }
    void shutdown() override { pool_.shutdown(); }

private:
    httplib::ThreadPool pool_;
    Metrics& metrics_;
};

bool has_uploads(Store& store) {
    try {
        return !store.policies_after(0).empty();
    } catch (const StoreError& e) {
        throw StartError(std::string("cannot read the uploaded policy versions: ") + e.what(), {});
    }
}

class HttpApiServer final : public ApiServer {
    // A tokens file that other users may read gives their holders every role in it, and a
    // store file that they may read gives them children's records: said at start
    // (operations.md asks for mode 0600), not refused, since a secret mounted by an
    // orchestrator may come with wider bits. `what` names the file ("the tokens file").
    void warn_if_others_may_read(const std::filesystem::path& path, const std::string& what) const {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 0077) == 0 || !context_.options.log) return;
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        context_.options.log(nlohmann::ordered_json{{"ts", utc_now()},
                                                    {"level", "warn"},
                                                    {"message", what + " `" + path.string() + "` has mode " + mode +
                                                                    ": other users may read it; make it 0600"}}
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }

public:
    explicit HttpApiServer(const ServeOptions& options) : context_(options) {
        // The folder first, before anything is opened: a broken folder fails fast. The store's
        // uploaded versions, when there are any, are then loaded with it (a second reload).
        auto folder = context_.registry.reload();
        if (!folder.ok)
            throw StartError("the policies under `" + options.policies.string() + "` do not load", std::move(folder));
        if (!options.tokens && !options.insecure_dev)
            throw StartError("no tokens file: give --tokens FILE (lines `TOKEN ROLE [NAME]`), or --insecure-dev for a "
                             "development instance where every route is open",
                             {});
        if (options.tokens) {
            try {
                context_.set_tokens(Tokens::load(*options.tokens));
            } catch (const std::exception& e) {
                throw StartError(e.what(), {});
            }
            warn_if_others_may_read(*options.tokens, "the tokens file");
        }
        try {
            context_.store = Store::connect(options.db.string(), options.db_pool,
                                            std::chrono::milliseconds(options.db_statement_timeout_ms));
        } catch (const std::exception& e) {
            throw StartError(e.what(), {});
        }
        for (const auto& warning : context_.store->open_warnings()) {
            if (context_.options.log)
                context_.options.log(nlohmann::ordered_json{{"ts", utc_now()}, {"level", "warn"}, {"message", warning}}
                                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        }
        if (!Store::is_postgresql(options.db.string())) {
            // SQLite gives the -wal and -shm files the database file's mode.
            warn_if_others_may_read(options.db, "the decision store");
        }
        context_.registry.set_store(context_.store.get());
        if (has_uploads(*context_.store)) {
            // The reload also checks the texts against those the store has decided under.
            auto load = context_.registry.reload();
            if (!load.ok)
                throw StartError("the policies under `" + options.policies.string() +
                                     "` and the versions uploaded into the store do not load together",
                                 std::move(load));
        } else {
            LoadResult edited;
            try {
                edited.io_errors = context_.registry.edited_in_service();
            } catch (const StoreError& e) {
                throw StartError(std::string("cannot read the policy texts decided under: ") + e.what(), {});
            }
            if (!edited.io_errors.empty()) {
                edited.ok = false;
                throw StartError("the policies under `" + options.policies.string() +
                                     "` change versions that stored decisions name",
                                 std::move(edited));
            }
        }
        context_.store->set_commit_observer([&metrics = context_.metrics](std::chrono::nanoseconds elapsed,
                                                                           bool committed) {
            metrics.store_commit(elapsed, committed);
        });
        // Only a shared database has other replicas whose uploads to follow.
        if (Store::is_postgresql(options.db.string())) refresher_ = std::thread([this] { follow_uploads(); });
        configure();
        std::vector<std::pair<std::string, std::string>> routes;
        for (const auto& [pattern, entry] : context_.patterns) routes.emplace_back(pattern, entry.first);
        context_.metrics.set_routes(routes);
        // Last, as nothing after it may throw: the hash chain is walked beside serving (a
        // million entries take seconds).
        verifier_ = std::thread([this] { check_audit_chain(context_, stop_verifying_); });
    }

    int bind() override {
        int port = context_.options.port;
        if (port == 0) {
            port = server_.bind_to_any_port(context_.options.bind);
            if (port <= 0) throw StartError("cannot bind " + context_.options.bind + " on an ephemeral port", {});
        } else if (!server_.bind_to_port(context_.options.bind, port)) {
            throw StartError("cannot listen on " + context_.options.bind + ":" + std::to_string(port) + ": " +
                                 bind_failure(context_.options.bind, port),
                             {});
        }
        // Listening again on a listening socket only changes its backlog (Linux).
        if (::listen(server_.listening_socket(), context_.options.listen_backlog) != 0)
            throw StartError(std::string("cannot set the listen backlog: ") + std::strerror(errno), {});
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
        context_.stopping = true;  // change-feed long polls answer at once
        stop_verifying_ = true;    // the check of the audit chain ends at its next page
        {
            std::lock_guard lock(state_mutex_);
            stop_requested_ = true;
            if (!started_ || finished_) return;
        }
        // run() has begun: wait until the listener is up (or gave up), then stop it. httplib
        // 0.11 tells that the listener is up only through is_running() (a stop() before then
        // is lost), so wait on the condition variable run() notifies when it ends, looking
        // again every millisecond, instead of spinning.
        std::unique_lock lock(state_mutex_);
        while (!finished_ && !server_.is_running()) state_cv_.wait_for(lock, std::chrono::milliseconds(1));
        if (finished_) return;
        lock.unlock();
        server_.stop();
    }

    ~HttpApiServer() override {
        {
            std::lock_guard lock(state_mutex_);
            closing_ = true;
        }
        state_cv_.notify_all();
        stop_verifying_ = true;
        if (refresher_.joinable()) refresher_.join();
        if (verifier_.joinable()) verifier_.join();
    }

    LoadResult reload() override { return context_.registry.reload(); }

    TokensReload reload_tokens() override {
        TokensReload out;
        if (!context_.options.tokens) return out;
        out.configured = true;
        try {
            auto tokens = Tokens::load(*context_.options.tokens);
            out.tokens = tokens.size();
            context_.set_tokens(std::move(tokens));
        } catch (const std::exception& e) {
            out.error = e.what();
            return out;
        }
        warn_if_others_may_read(*context_.options.tokens, "the tokens file");
        return out;
    }
    Registry& registry() override { return context_.registry; }

private:
    void configure() {
        const auto& o = context_.options;
        const std::size_t threads = o.threads == 0 ? 1 : o.threads;
        context_.metrics.set_threads(threads);
        server_.new_task_queue = [this, threads] { return new CountingPool(threads, context_.metrics); };
        server_.set_payload_max_length(o.max_body);
        server_.set_read_timeout(o.request_timeout_seconds, 0);
        server_.set_write_timeout(o.request_timeout_seconds, 0);
        server_.set_keep_alive_max_count(10000);
        server_.set_tcp_nodelay(true);
        // SO_REUSEADDR only: cpp-httplib's default also sets SO_REUSEPORT, which lets a second
        // server bind the same port and take a share of its connections.
        server_.set_socket_options([](int sock) {
            const int yes = 1;
            ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        });
        // Every answer may hold a child's data or depend on who asked: never cached.
        server_.set_default_headers({{"X-Content-Type-Options", "nosniff"}, {"Cache-Control", "no-store"}});
        server_.set_pre_routing_handler([this](const httplib::Request& request, httplib::Response& response) {
            t_request_start = Clock::now();
            t_in_flight.emplace(context_.metrics, Metrics::Gauge::RequestsInFlight);
            t_note = RequestNote{};
            identify(request, response);
            t_note.client = request.remote_addr;
            if (screen_request(context_, request, response)) {
                t_note.route = "screened";
                finish_request(context_, request, response);
                return httplib::Server::HandlerResponse::Handled;
            }
            return httplib::Server::HandlerResponse::Unhandled;
        });
        // Every answer passes here just before it is written, whoever made it (a route, the
        // error handler, cpp-httplib itself, the OPTIONS answers): each request is finished.
        server_.set_post_routing_handler([this](const httplib::Request& request, httplib::Response& response) {
            finish_request(context_, request, response);
        });
        server_.set_error_handler([this](const httplib::Request& request, httplib::Response& response) {
            // A request cpp-httplib refused before the pre-routing handler (a request target or
            // header line over 8 KiB) still gets a request id, as every answer does.
            if (!response.has_header("X-Jointly-Request-Id")) identify(request, response);
            if (response.body.empty()) {
                const int status = response.status;
                send_json(response, status,
                          encode_errors(default_code(status), default_message(context_, request, status), {}));
            }
            finish_request(context_, request, response);
        });
        server_.set_exception_handler(
            [this](const httplib::Request&, httplib::Response& response, std::exception_ptr error) {
                std::string detail = "an exception that is not a std::exception";
                try {
                    if (error) std::rethrow_exception(error);
                } catch (const std::exception& e) {
                    detail = e.what();
                } catch (...) {
                }
                internal_error(context_, response, detail);
            });
        server_.set_logger([this](const httplib::Request& request, const httplib::Response& response) {
            finish_request(context_, request, response);
            t_note = RequestNote{};
        });
        register_decision_routes(server_, context_);
        register_policy_routes(server_, context_);
        register_operation_routes(server_, context_);
        register_audit_routes(server_, context_);
        add_method_not_allowed(server_, context_);
    }

    // The refresher thread: serves a policy version stored through another replica within
    // about a second of its commit (the store wakes it; PostgreSQL by a notification, with a
    // periodic check behind it). While the store is unreachable it tries again shortly. The
    // wait is short so that the server closes promptly.
    void follow_uploads() {
        const auto wait = std::chrono::milliseconds(250);
        for (;;) {
            {
                std::unique_lock lock(state_mutex_);
                if (closing_) return;
            }
            bool retry_later = false;
            try {
                if (context_.store->wait_for_policy(context_.registry.stored_seq(), wait)) context_.registry.refresh();
            } catch (const StoreError&) {
                retry_later = true;
            }
            if (!retry_later) continue;
            std::unique_lock lock(state_mutex_);
            state_cv_.wait_for(lock, wait, [this] { return closing_; });
        }
    }

    Context context_;
    Listener server_;
    std::mutex state_mutex_;
    std::condition_variable state_cv_;
    bool stop_requested_ = false;
    bool started_ = false;
    bool finished_ = false;
    bool closing_ = false;  // guarded by state_mutex_: the refresher stops
    std::thread refresher_;
    std::atomic<bool> stop_verifying_{false};
    std::thread verifier_;  // check_audit_chain, once at start
};

}  // namespace

nlohmann::json internal_error_body(const Context& context, const std::string& detail) {
    // The caller learns that it failed and the request id to quote, never the detail (which
    // may name internals); the log has the detail under the same id.
    if (context.options.log)
        context.options.log(nlohmann::ordered_json{{"ts", utc_now()},
                                                   {"level", "error"},
                                                   {"request_id", t_note.request_id},
                                                   {"message", "internal error: " + detail}}
                                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return encode_errors("internal_error", "internal error (request id " + t_note.request_id +
                                               "): the detail is in the server's log under that id",
                         {});
}

void internal_error(const Context& context, httplib::Response& response, const std::string& detail) {
    send_json(response, 500, internal_error_body(context, detail));
}

nlohmann::json caller_view(const Context& context, const ServiceError& error) {
    if (error.status != 500) return error.body();
    std::string detail = error.message;
    for (const engine::EvalError& d : error.details) {
        detail += "; ";
        detail += dsl::code_text(d.code);
        detail += " " + d.path + ": " + d.message;
    }
    return internal_error_body(context, detail);
}

RequestNote& request_note() { return t_note; }

std::string content_media_type(const httplib::Request& request) {
    return media_type(header_or_empty(request, "Content-Type"));
}

namespace {

// The query parameters a route takes, for the routes that do not check their own (the lists,
// the report, the change feed, the audit trail and the simulation check theirs with their
// other filters); nullopt for those, and for the page at `/`, whose address is the browser's.
std::optional<std::set<std::string>> route_query(const std::string& method, const std::string& route) {
    if (route == "/") return std::nullopt;
    if (method == "GET" && (route == "/v1/decisions" || route == "/v1/changes" || route == "/v1/reports/summary" ||
                            route == "/v1/audit"))
        return std::nullopt;
    if (method == "POST" && route == "/v1/simulate") return std::nullopt;
    if (method == "POST" && (route == "/v1/evaluate" || route == "/v1/evaluate/batch" || route == "/v1/decisions" ||
                             route == "/v1/decisions/{id}/rectification"))
        return std::set<std::string>{"explain"};
    return std::set<std::string>{};
}

// 400 for a query parameter the route does not take, or one given twice (known_params).
Reply check_query(const httplib::Request& request, const std::set<std::string>& known, const std::string& what) {
    if (request.params.empty()) return {};
    std::vector<engine::EvalError> errors;
    known_params(request, known, what, errors);
    if (errors.empty()) return {};
    auto message = errors.front().message;
    return fail(400, "invalid_request", std::move(message), std::move(errors));
}

}  // namespace

void add_route(httplib::Server& server, Context& context, const std::string& method, const std::string& pattern,
               const std::string& route, Access access, RouteHandler handler) {
    auto query = route_query(method, route);
    auto wrapped = [&context, route, access, query = std::move(query), what = method + " " + route,
                    handler = std::move(handler)](const httplib::Request& request, httplib::Response& response) {
        t_note.route = route;
        // The error answered instead of the handler's response, if any. It is answered after
        // the try, so an exception while answering it goes to cpp-httplib's exception handler.
        std::optional<ServiceError> failed;
        bool handled = false;
        try {
            Reply reply = authorize(context, request, access);
            if (reply.ok() && request.method == "POST") reply = check_content_type(route, request);
            if (reply.ok() && query) reply = check_query(request, *query, what);
            if (reply.ok()) {
                handled = true;
                reply = handler(context, request, response);
            }
            if (!reply.ok()) failed = std::move(reply.error());
        } catch (const StoreError& e) {
            send_json(response, 503, encode_errors("store_unavailable", e.what(), {}));
        } catch (const std::bad_alloc&) {
            response.body.clear();
            response.body.shrink_to_fit();
            send_json(response, 503,
                      encode_errors("insufficient_memory", "the server ran out of memory for this request", {}));
        } catch (const std::exception& e) {
            internal_error(context, response, e.what());
        }
        if (failed) {
            if (!handled) audit_refusal(context, route, request, failed->status);
            if (failed->status == 401) response.set_header("WWW-Authenticate", "Bearer realm=\"jointly\"");
            send_json(response, failed->status, caller_view(context, *failed));
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
    // cpp-httplib tries a method's handlers in the order they were added: a literal path
    // (`/v1/policies/check`) goes before a pattern that would also match it
    // (`/v1/policies/([^/]+)`), so a wrong method on it names its own methods.
    std::vector<std::pair<std::string, std::pair<std::string, std::set<std::string>>>> ordered(
        context.patterns.begin(), context.patterns.end());
    std::stable_partition(ordered.begin(), ordered.end(),
                          [](const auto& p) { return p.first.find('(') == std::string::npos; });
    for (const auto& [pattern, entry] : ordered) {
        const auto& [route, methods] = entry;
        // cpp-httplib answers HEAD with a path's GET handler (the same status and headers, no
        // body), so wherever GET is taken HEAD is too.
        std::string allow;
        for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + m + (m == "GET" ? ", HEAD" : "");
        allow += ", OPTIONS";
        // OPTIONS says what the route takes. No CORS headers: other origins are not served, so
        // a browser's preflight from another site fails.
        // A token that is sent is checked here too, as on every route (authorize).
        server.Options(pattern, [&context, route = route, allow](const httplib::Request& request,
                                                                 httplib::Response& response) {
            t_note.route = route;
            response.set_header("Allow", allow);
            if (const Reply checked = authorize(context, request, Access::Open); !checked.ok()) {
                response.set_header("WWW-Authenticate", "Bearer realm=\"jointly\"");
                send_json(response, checked.error().status, caller_view(context, checked.error()));
                return;
            }
            response.status = 204;
        });
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
