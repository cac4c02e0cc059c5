// A thin owner of libpq connections and results for the PostgreSQL store, and the pool.
#include "pg.hpp"

#include <poll.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace jointly::server::pg {

namespace {

// Whether a connection parameter named `key` holds a secret.
bool secret_key(std::string_view key) { return key == "password" || key == "sslpassword"; }

// `text` with its %XX escapes decoded (as libpq decodes a URL's parameter names).
std::string percent_decoded(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned value = 0;
        if (text[i] == '%' && i + 2 < text.size() &&
            std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr == text.data() + i + 3) {
            out += static_cast<char>(value);
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// A `key=value` connection string with the values of secret keys replaced by `***`. As libpq
// reads it, a value may be in single quotes, and a backslash escapes the character after it.
std::string redact_conninfo(const std::string& text) {
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t key_start = i;
        while (i < text.size() && !space(text[i]) && text[i] != '=') ++i;
        const std::string_view key(text.data() + key_start, i - key_start);
        while (i < text.size() && space(text[i])) ++i;
        if (i == text.size() || text[i] != '=') {  // not `key=value`: kept as it is
            out.append(text, key_start, i - key_start);
            continue;
        }
        ++i;
        while (i < text.size() && space(text[i])) ++i;
        out.append(text, key_start, i - key_start);  // the key, `=` and the spaces around it
        const std::size_t value_start = i;
        const bool quoted = i < text.size() && text[i] == '\'';
        if (quoted) ++i;
        while (i < text.size() && (quoted ? text[i] != '\'' : !space(text[i]))) i += text[i] == '\\' ? std::size_t{2} : std::size_t{1};
        if (quoted && i < text.size()) ++i;  // the closing quote
        i = std::min(i, text.size());
        if (secret_key(key)) out += "***";
        else out.append(text, value_start, i - value_start);
        while (i < text.size() && space(text[i])) out += text[i++];
    }
    return out;
}

}  // namespace

std::string redact_url(const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return redact_conninfo(url);
    const auto start = scheme + 3;
    std::string out = url.substr(0, start);
    auto rest = start;   // where the text still to copy begins
    auto hosts = start;  // where the hosts begin, after any `user[:password]@`
    // `user:password@`: libpq takes the first `@` before any `/` as its end.
    const auto at = url.find('@', start);
    const auto slash = url.find('/', start);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
        hosts = at;
        const auto colon = url.find(':', start);
        if (colon < at) {
            out.append(url, start, colon + 1 - start);
            out += "***";
            rest = at;
        }
    }
    // `?key=value&...` after the hosts and the database.
    const auto query = url.find('?', hosts);
    if (query == std::string::npos) return out + url.substr(rest);
    out.append(url, rest, query + 1 - rest);
    for (auto i = query + 1;;) {
        const auto end = std::min(url.find('&', i), url.size());
        const std::string_view param(url.data() + i, end - i);
        const auto equals = param.find('=');
        if (equals != std::string_view::npos && secret_key(percent_decoded(param.substr(0, equals)))) {
            out.append(param.substr(0, equals + 1));
            out += "***";
        } else {
            out.append(param);
        }
        if (end == url.size()) return out;
        out += '&';
        i = end + 1;
    }
}

std::string timeout_message(std::chrono::milliseconds limit) {
    return "the decision store (PostgreSQL) did not answer within " + std::to_string(limit.count()) + " ms";
}

std::string Result::text(int row, int column) const { return std::string(view(row, column)); }

std::optional<std::string> Result::optional_text(int row, int column) const {
    if (null(row, column)) return std::nullopt;
    return text(row, column);
}

std::string_view Result::view(int row, int column) const {
    return {PQgetvalue(result_.get(), row, column), static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

bool Result::null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }

std::int64_t Result::integer(int row, int column) const {
    const char* p = PQgetvalue(result_.get(), row, column);
    const auto len = static_cast<std::size_t>(PQgetlength(result_.get(), row, column));
    std::int64_t value = 0;
    std::from_chars(p, p + len, value);
    return value;
}

Connection::Connection(const std::string& url, std::chrono::milliseconds statement_timeout)
    : statement_timeout_(statement_timeout) {
    // The URL's own connect_timeout, when it has one, overrides the first keyword.
    // client_encoding after the URL, so that the URL cannot change it: texts are sent as UTF-8,
    // and ArrayText's escaping holds for it (not for a client encoding such as SJIS).
    const char* keys[] = {"connect_timeout", "dbname", "client_encoding", nullptr};
    const char* values[] = {"5", url.c_str(), "UTF8", nullptr};
    conn_ = PQconnectdbParams(keys, values, 1);
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
        const std::string detail = conn_ ? PQerrorMessage(conn_) : "out of memory";
        PQfinish(conn_);
        conn_ = nullptr;
        // The first line of libpq's message says why (refused, no such database, bad password).
        throw Error(std::string(kUnreachable) + " at `" + redact_url(url) + "`: " +
                        detail.substr(0, detail.find('\n')),
                    "", true);
    }
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);  // NOTICEs are not errors
    if (statement_timeout_.count() <= 0) return;
    try {
        // For the session, so that it holds for every statement and transaction after it.
        exec("SET statement_timeout = " + std::to_string(statement_timeout_.count()));
    } catch (...) {
        PQfinish(conn_);  // the destructor does not run for a constructor that throws
        throw;
    }
}

bool Connection::closed_by_server() {
    if (broken()) return true;
    pollfd fd{PQsocket(conn_), POLLIN, 0};
    // Nothing to read: as it was left. Something: the server's last words (why it ended the
    // session) or the end of the stream, which PQconsumeInput reads and marks broken.
    if (poll(&fd, 1, 0) <= 0) return false;
    return PQconsumeInput(conn_) != 1 || broken();
}

Connection::~Connection() { PQfinish(conn_); }

namespace {

std::vector<const char*> values_of(const Params& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    return values;
}

}  // namespace

void ArrayText::add(std::string_view value) {
    if (text_.size() > 1) text_ += ',';
    // Quoted, a quote or backslash escaped by a backslash: every other byte stands as it is.
    text_ += '"';
    for (const char c : value) {
        if (c == '"' || c == '\\') text_ += '\\';
        text_ += c;
    }
    text_ += '"';
}

void ArrayText::add_or_null(const std::optional<std::string>& value) {
    if (value) return add(std::string_view(*value));
    if (text_.size() > 1) text_ += ',';
    text_ += "NULL";
}

Result Connection::checked(PGresult* raw, std::chrono::steady_clock::time_point sent) {
    Result result(raw);
    const auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
    const char* primary = raw ? PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    const std::string state = raw && PQresultErrorField(raw, PG_DIAG_SQLSTATE) ? PQresultErrorField(raw, PG_DIAG_SQLSTATE)
                                                                               : "";
    // No SQLSTATE: libpq's own failure, not the server's answer ("server closed the connection
    // unexpectedly", "no connection to the server"), which it reports before it marks the
    // connection bad (after `pg_ctl stop -m immediate`, the first statement fails so). Class 08
    // (connection exception) and 57P01-57P03 (the server shutting down, crashed, starting): the
    // session is over even if libpq has not yet seen the socket close.
    const bool ending = state.empty() || state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" ||
                        state == "57P03";
    if (broken() || ending) {
        lost_ = true;
        throw Error(kUnreachable, state, true);
    }
    // A cancel (57014) that came no sooner than the timeout is the timeout's (the server's
    // clock starts after `sent`); an earlier one is an operator's, and says so itself.
    if (state == "57014" && statement_timeout_.count() > 0 &&
        std::chrono::steady_clock::now() - sent >= statement_timeout_)
        throw Error(timeout_message(statement_timeout_), state, false);
    throw Error(std::string("decision store: ") + (primary ? primary : "the statement failed"), state, false);
}

Result Connection::exec(const std::string& sql, const Params& params) {
    const auto sent = std::chrono::steady_clock::now();
    // Without parameters, the simple protocol: a script of several statements (the schema).
    if (params.empty()) return checked(PQexec(conn_, sql.c_str()), sent);
    const auto values = values_of(params);
    return checked(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                                nullptr, 0),
                   sent);
}

std::optional<Result> Connection::exec_unless(const std::atomic<bool>& stop, const std::string& sql,
                                              const Params& params) {
    const auto sent = std::chrono::steady_clock::now();
    const auto values = values_of(params);
    if (PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                          nullptr, 0) != 1)
        return checked(nullptr, sent);  // not sent: the connection's failure
    bool cancelled = false;
    // Until the whole answer is in (or the connection fails: PQgetResult then says why).
    while (PQconsumeInput(conn_) == 1 && PQisBusy(conn_) == 1) {
        if (!cancelled && stop.load()) {
            // Best effort: a cancel that does not reach the server leaves the statement to end
            // by itself (at the latest at the statement timeout).
            if (PGcancel* cancel = PQgetCancel(conn_)) {
                std::array<char, 256> error{};
                PQcancel(cancel, error.data(), static_cast<int>(error.size()));
                PQfreeCancel(cancel);
            }
            cancelled = true;
        }
        pollfd fd{PQsocket(conn_), POLLIN, 0};
        poll(&fd, 1, 50);
    }
    // One statement gives one result; the last is the one that says how it ended.
    PGresult* last = nullptr;
    while (PGresult* next = PQgetResult(conn_)) {
        PQclear(last);
        last = next;
    }
    if (cancelled && !broken()) {
        PQclear(last);
        return std::nullopt;
    }
    return checked(last, sent);
}

const char* Connection::prepared(const std::string& sql, int params) {
    if (const auto found = prepared_.find(sql); found != prepared_.end()) return found->second.c_str();
    if (prepared_.size() >= kMaxPrepared) return nullptr;
    std::string name = "jointly_" + std::to_string(prepared_.size() + 1);
    checked(PQprepare(conn_, name.c_str(), sql.c_str(), params, nullptr), std::chrono::steady_clock::now());
    return prepared_.emplace(sql, std::move(name)).first->second.c_str();
}

Result Connection::exec_prepared(const std::string& sql, const Params& params) {
    const auto values = values_of(params);
    const int count = static_cast<int>(values.size());
    const char* name = prepared(sql, count);
    if (name == nullptr) return exec(sql, params);
    const auto sent = std::chrono::steady_clock::now();
    return checked(PQexecPrepared(conn_, name, count, values.data(), nullptr, nullptr, 0), sent);
}

Pool::Lease::~Lease() {
    if (!conn_) return;
    // A connection left inside a transaction (a ROLLBACK that was never sent) would fail its
    // next user's statements: it is closed, without ending the generation. A broken one ends it.
    if (conn_->broken()) {
        lost();
        return;
    }
    if (PQtransactionStatus(conn_->get()) != PQTRANS_IDLE) conn_.reset();
    pool_.give_back(std::move(conn_), generation_);
}

void Pool::Lease::lost() {
    if (!conn_) return;
    conn_.reset();
    pool_.lost(generation_);
    pool_.give_back(nullptr, generation_);
}

Pool::Lease Pool::acquire() {
    std::uint64_t generation = 0;
    for (;;) {
        std::unique_ptr<Connection> conn;
        {
            std::unique_lock lock(mutex_);
            free_.wait(lock, [this] { return !idle_.empty() || open_ < size_; });
            generation = generation_;
            if (idle_.empty()) {
                ++open_;
                break;
            }
            conn = std::move(idle_.back());
            idle_.pop_back();
        }
        if (!conn->closed_by_server()) return Lease(*this, std::move(conn), generation);
        // The server ended it (a restart, an idle timeout): so too, likely, the others of its
        // age. The next try takes a younger one or opens a new one.
        conn.reset();
        lost(generation);
        give_back(nullptr, generation);
    }
    try {
        return Lease(*this, std::make_unique<Connection>(url_, statement_timeout_), generation);
    } catch (const Error&) {
        // libpq's reason names hosts and sockets: API callers are told only that it failed.
        give_back(nullptr, generation);
        throw Error(kUnreachable, "", true);
    } catch (...) {
        give_back(nullptr, generation);
        throw;
    }
}

std::uint64_t Pool::generation() {
    std::lock_guard lock(mutex_);
    return generation_;
}

void Pool::lost(std::uint64_t generation) {
    std::vector<std::unique_ptr<Connection>> closing;  // closed outside the lock
    {
        std::lock_guard lock(mutex_);
        if (generation != generation_) return;
        ++generation_;
        closing.swap(idle_);
        open_ -= closing.size();
    }
    free_.notify_all();
}

void Pool::give_back(std::unique_ptr<Connection> conn, std::uint64_t generation) {
    std::unique_ptr<Connection> closing;  // closed outside the lock
    {
        std::lock_guard lock(mutex_);
        if (conn && generation == generation_) idle_.push_back(std::move(conn));
        else --open_;
        closing = std::move(conn);
    }
    free_.notify_one();
}

}  // namespace jointly::server::pg
