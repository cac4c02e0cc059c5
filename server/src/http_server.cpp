// The HTTP server's lifecycle: it loads the policies, tokens and store, configures cpp-httplib
// (threads, limits, the handlers every request passes through), registers the routes, listens,
// follows other replicas' uploads, and stops.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http_audit.hpp"
#include "http_exchange.hpp"
#include "http_screen.hpp"

namespace jointly::server {
namespace {

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
            abandon_request();  // a request whose answer could not be written never finished
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
            begin_request(context_, request, response);
            if (screen_request(context_, request, response)) {
                request_note().route = "screened";
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
            answer_unrouted_error(context_, request, response);
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
            request_note() = RequestNote{};
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

std::unique_ptr<ApiServer> ApiServer::create(const ServeOptions& options) {
    return std::make_unique<HttpApiServer>(options);
}

}  // namespace jointly::server
