// `jointly serve`: flags, signals (SIGHUP reloads the policies and the tokens file; SIGTERM and
// SIGINT stop after the requests in flight), the access log on stderr.
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <map>
#include <mutex>
#include <ostream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "store_common.hpp"
#include "jointly/server/http.hpp"

namespace jointly::server::cli {
namespace {

bool parse_count(const std::string& text, std::size_t& out) {
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end;
}

// The counting flags' ranges: checked after parsing (run_serve) and shown by --help.
struct Range {
    const char* name;
    std::size_t min;
    std::size_t max;
};
constexpr Range kRanges[] = {{"port", 0, 65535},
                             {"threads", 1, 1024},
                             {"db-pool", 1, 1000},
                             {"db-statement-timeout-ms", 100, 3600000},
                             {"max-body", 1, std::size_t{1} << 32},
                             {"max-lines", 1, 1000000},
                             {"max-depth", 2, 10000},
                             {"max-policy-bytes", 1, std::size_t{1} << 30},
                             {"max-batch", 1, 1000000},
                             {"timeout", 1, 3600},
                             {"listen-backlog", 1, 65535},
                             {"max-headers", 1, 10000},
                             {"max-header-bytes", 256, std::size_t{1} << 20},
                             {"max-response", 1024, std::size_t{1} << 32},
                             {"request-deadline-ms", 1, 3600000}};

const Range* range_of(std::string_view name) {
    for (const Range& r : kRanges)
        if (name == r.name) return &r;
    return nullptr;
}

// The flags as given; counts are checked after parsing, with their ranges in the message.
struct ServeArgs {
    std::map<std::string, std::string> values;
    bool open_evaluation = false;
    bool client_evaluation = false;
    bool insecure_dev = false;
    bool quiet = false;
};

int run_serve(const ServeArgs& args, Streams streams) {
    std::ostream& out = streams.out;
    std::ostream& err = streams.err;
    ServeOptions options;
    auto value = [&](const char* name) -> const std::string* {
        auto it = args.values.find(name);
        return it == args.values.end() ? nullptr : &it->second;
    };
    if (const auto* v = value("policies")) options.policies = *v;
    if (const auto* v = value("db")) options.db = *v;
    if (const auto* v = value("bind")) options.bind = *v;
    if (const auto* v = value("tokens")) options.tokens = *v;
    if (const auto* v = value("allow-origin")) {
        std::size_t start = 0;
        while (start <= v->size()) {
            const auto comma = std::min(v->find(',', start), v->size());
            const auto origin = v->substr(start, comma - start);
            if (origin.rfind("http://", 0) != 0 && origin.rfind("https://", 0) != 0) {
                err << "error: `--allow-origin " << *v << "`: each origin must be `http://HOST[:PORT]` or "
                    << "`https://HOST[:PORT]`, separated by commas\n";
                return kUsage;
            }
            options.allowed_origins.push_back(origin);
            start = comma + 1;
        }
    }
    if (const auto* v = value("allow-host")) {
        std::size_t start = 0;
        while (start <= v->size()) {
            const auto comma = std::min(v->find(',', start), v->size());
            std::string host = v->substr(start, comma - start);
            std::transform(host.begin(), host.end(), host.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            const bool valid = host == "*" || (!host.empty() && host.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-_") ==
                                                                     std::string::npos);
            if (!valid) {
                err << "error: `--allow-host " << *v << "`: each host must be a name (letters, digits, `.`, `-` and `_`, "
                    << "no scheme or port) or `*`, separated by commas\n";
                return kUsage;
            }
            options.allowed_hosts.push_back(host);
            start = comma + 1;
        }
    }
    struct Count {
        const char* name;
        std::size_t* target;
    };
    std::size_t port = static_cast<std::size_t>(options.port);
    std::size_t timeout = static_cast<std::size_t>(options.request_timeout_seconds);
    std::size_t backlog = static_cast<std::size_t>(options.listen_backlog);
    std::size_t deadline = static_cast<std::size_t>(options.request_deadline_ms);
    std::size_t statement_timeout = static_cast<std::size_t>(options.db_statement_timeout_ms);
    const Count counts[] = {{"port", &port},
                            {"threads", &options.threads},
                            {"db-pool", &options.db_pool},
                            {"db-statement-timeout-ms", &statement_timeout},
                            {"max-body", &options.max_body},
                            {"max-lines", &options.max_lines},
                            {"max-depth", &options.max_depth},
                            {"max-policy-bytes", &options.max_policy_bytes},
                            {"max-batch", &options.max_batch},
                            {"timeout", &timeout},
                            {"listen-backlog", &backlog},
                            {"max-headers", &options.max_headers},
                            {"max-header-bytes", &options.max_header_bytes},
                            {"max-response", &options.max_response},
                            {"request-deadline-ms", &deadline}};
    for (const auto& c : counts) {
        const auto* v = value(c.name);
        if (!v) continue;
        const Range& range = *range_of(c.name);
        std::size_t n = 0;
        if (!parse_count(*v, n) || n < range.min || n > range.max) {
            err << "error: `--" << c.name << " " << *v << "` must be a whole number from " << range.min << " to "
                << range.max << "\n";
            return kUsage;
        }
        *c.target = n;
    }
    options.port = static_cast<int>(port);
    options.request_timeout_seconds = static_cast<int>(timeout);
    options.listen_backlog = static_cast<int>(backlog);
    options.request_deadline_ms = static_cast<int>(deadline);
    options.db_statement_timeout_ms = static_cast<int>(statement_timeout);
    if (args.open_evaluation && args.client_evaluation) {
        err << "error: choose one of --open-evaluation and --client-evaluation\n";
        return kUsage;
    }
    options.open_evaluation = args.open_evaluation;
    options.insecure_dev = args.insecure_dev;
    auto log_mutex = std::make_shared<std::mutex>();
    if (!args.quiet) {
        options.log = [&err, log_mutex](const std::string& line) {
            std::lock_guard lock(*log_mutex);
            err << line << "\n" << std::flush;
        };
    }
    // What the server says once it runs goes into the same stream as the access log, so it is
    // a JSON line too (one per event; a log shipper reads no other). Call with log_mutex held.
    const auto event = [&err](const char* level, const std::string& message, const std::string& detail = {}) {
        nlohmann::ordered_json line{{"ts", store_detail::now_utc()}, {"level", level}, {"message", message}};
        if (!detail.empty()) line["detail"] = detail;
        err << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n" << std::flush;
    };

    // Signals are taken by one thread with sigwait; block them everywhere else first.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigset_t previous;
    pthread_sigmask(SIG_BLOCK, &signals, &previous);
    struct Restore {
        sigset_t mask;
        ~Restore() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
    } restore{previous};

    std::unique_ptr<ApiServer> server;
    int bound = 0;
    try {
        server = ApiServer::create(options);
        bound = server->bind();
    } catch (const StartError& e) {
        render_reports(e.load.files, err);
        for (const auto& io : e.load.io_errors) err << "error: " << io << "\n";
        err << "error: " << e.what() << "\n";
        return e.load.io_errors.empty() ? kFailed : kUsage;
    }
    if (!options.tokens) {
        // A JSON line like every other the server writes (with --quiet too: it is a warning).
        std::lock_guard lock(*log_mutex);
        event("warn", "--insecure-dev without --tokens: every route is open, including children's records, "
                      "policy upload and panel records; never expose this instance");
    }
    out << "listening on " << options.bind << ":" << bound << "\n" << std::flush;

    std::atomic<bool> stopping{false};
    std::thread signal_thread([&] {
        for (;;) {
            int sig = 0;
            if (sigwait(&signals, &sig) != 0) continue;
            if (sig == SIGHUP && !stopping) {
                auto result = server->reload();
                // The tokens too, all or nothing, whether or not the policies reloaded: a revoked
                // token stops working without a restart. Before the log's lock: it may log a warning.
                const auto tokens = server->reload_tokens();
                std::lock_guard lock(*log_mutex);
                if (result.ok) {
                    event("info", "reloaded " + std::to_string(result.policies.size()) + " policy versions from " +
                                      options.policies.string());
                } else {
                    // The diagnostics as `jointly check` writes them, in the line's `detail`.
                    std::ostringstream detail;
                    render_reports(result.files, detail);
                    for (const auto& io : result.io_errors) detail << "error: " << io << "\n";
                    event("error", "reload failed; the policies in service are unchanged", detail.str());
                }
                if (tokens.configured && tokens.error.empty())
                    event("info", "reloaded " + std::to_string(tokens.tokens) + " tokens from " +
                                      options.tokens->string());
                else if (tokens.configured)
                    event("error", "tokens reload failed; the tokens in service are unchanged", tokens.error);
                continue;
            }
            if (sig == SIGHUP) continue;
            if (!stopping.exchange(true)) {
                std::lock_guard lock(*log_mutex);
                event("info", "shutting down: finishing the requests in flight");
            }
            server->stop();
            return;
        }
    });
    server->run();
    if (!stopping.exchange(true)) pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
    server.reset();
    return kOk;
}

}  // namespace

Command define_serve(CLI::App& root, Streams io) {
    auto args = std::make_shared<ServeArgs>();
    auto* app = root.add_subcommand("serve", "serve the decision API (docs/api.md, docs/operations.md)");
    struct Value {
        const char* names;
        const char* key;
        const char* text;
        const char* help;
    };
    const Value values[] = {
        {"-p,--policies", "policies", "DIR", "the policy folder (default policies)"},
        {"-d,--db", "db", "FILE|URL",
         "the decision store: an SQLite file (default ./jointly.db) or postgresql://USER@HOST/DB"},
        {"--db-pool", "db-pool", "N", "PostgreSQL connections for requests"},
        {"--db-statement-timeout-ms", "db-statement-timeout-ms", "MS",
         "PostgreSQL: the longest a statement may run, a lock awaited included"},
        {"-b,--bind", "bind", "ADDR", "the address to listen on (default 127.0.0.1)"},
        {"--port", "port", "N", "the port, 0 for any free port"},
        {"-t,--tokens", "tokens", "FILE", "the bearer tokens file (required unless --insecure-dev)"},
        {"--threads", "threads", "N", "worker threads"},
        {"--max-body", "max-body", "BYTES", "the largest request body"},
        {"--max-lines", "max-lines", "N", "the most lines in one request"},
        {"--max-depth", "max-depth", "N", "the deepest JSON nesting"},
        {"--max-policy-bytes", "max-policy-bytes", "BYTES", "the largest uploaded policy"},
        {"--max-batch", "max-batch", "N", "the most requests in one batch"},
        {"--timeout", "timeout", "SECONDS", "the read and write timeout"},
        {"--listen-backlog", "listen-backlog", "N", "the listen(2) backlog"},
        {"--max-headers", "max-headers", "N", "the most request headers"},
        {"--max-header-bytes", "max-header-bytes", "BYTES", "the largest request header block"},
        {"--max-response", "max-response", "BYTES", "the largest response body"},
        {"--request-deadline-ms", "request-deadline-ms", "MS",
         "the time a batch or a simulation may take; one evaluation is bounded by its work"},
        {"--allow-origin", "allow-origin", "ORIGIN[,ORIGIN...]", "browser origins allowed (CORS)"},
        {"--allow-host", "allow-host", "NAME[,NAME...]",
         "host names a request's Host may give besides IP addresses and localhost (* for any)"},
    };
    // Each count's default (ServeOptions') and range, in its help.
    const ServeOptions defaults;
    const std::map<std::string, std::string> default_of{
        {"port", std::to_string(defaults.port)},
        {"threads", std::to_string(defaults.threads)},
        {"db-pool", std::to_string(defaults.db_pool)},
        {"db-statement-timeout-ms", std::to_string(defaults.db_statement_timeout_ms)},
        {"max-body", std::to_string(defaults.max_body)},
        {"max-lines", std::to_string(defaults.max_lines)},
        {"max-depth", std::to_string(defaults.max_depth)},
        {"max-policy-bytes", std::to_string(defaults.max_policy_bytes)},
        {"max-batch", std::to_string(defaults.max_batch)},
        {"timeout", std::to_string(defaults.request_timeout_seconds)},
        {"listen-backlog", std::to_string(defaults.listen_backlog)},
        {"max-headers", std::to_string(defaults.max_headers)},
        {"max-header-bytes", std::to_string(defaults.max_header_bytes)},
        {"max-response", std::to_string(defaults.max_response)},
        {"request-deadline-ms", std::to_string(defaults.request_deadline_ms)}};
    for (const auto& v : values) {
        const std::string key = v.key;
        std::string help = v.help;
        if (const Range* range = range_of(key))
            help += " (default " + default_of.at(key) + "; " + std::to_string(range->min) + " to " +
                    std::to_string(range->max) + ")";
        app->add_option_function<std::string>(
               v.names, [args, key](const std::string& value) { args->values[key] = value; }, help)
            ->option_text(v.text);
    }
    app->add_flag("--open-evaluation", args->open_evaluation,
                  "evaluation that stores nothing needs no token (storing still needs a client, panel or "
                  "admin token)");
    app->add_flag("--client-evaluation", args->client_evaluation, "evaluation needs a token of any role (the default)");
    app->add_flag("--insecure-dev", args->insecure_dev, "allow starting without --tokens (development only)");
    app->add_flag("-q,--quiet", args->quiet, "no access log on standard error");
    app->footer(footer("SIGHUP reloads the policies; SIGTERM or SIGINT stop after the requests in\n"
                       "flight. Exits 1 when the server cannot start (no tokens file, a policy with\n"
                       "errors), 2 on a bad flag or an unreadable policy folder."));
    return {app, [args, io] { return run_serve(*args, io); }};
}

}  // namespace jointly::server::cli
