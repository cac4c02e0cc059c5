// A thin owner of libpq connections and results for the PostgreSQL store, and the pool.
#include "pg.hpp"

#include <charconv>

namespace jointly::server::pg {

std::string redact_url(const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return url;
    const auto start = scheme + 3;
    const auto at = url.find('@', start);
    const auto slash = url.find('/', start);
    if (at == std::string::npos || (slash != std::string::npos && slash < at)) return url;
    const auto colon = url.find(':', start);
    if (colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon + 1) + "***" + url.substr(at);
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

Connection::Connection(const std::string& url) {
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

Result Connection::checked(PGresult* raw) const {
    Result result(raw);
    const auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
    if (broken()) throw Error(kUnreachable, "", true);
    const char* primary = raw ? PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    const char* state = raw ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
    throw Error(std::string("decision store: ") + (primary ? primary : "the statement failed"), state ? state : "",
                false);
}

Result Connection::exec(const std::string& sql, const Params& params) {
    // Without parameters, the simple protocol: a script of several statements (the schema).
    if (params.empty()) return checked(PQexec(conn_, sql.c_str()));
    const auto values = values_of(params);
    return checked(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                                nullptr, 0));
}

const char* Connection::prepared(const std::string& sql, int params) {
    if (const auto found = prepared_.find(sql); found != prepared_.end()) return found->second.c_str();
    if (prepared_.size() >= kMaxPrepared) return nullptr;
    std::string name = "jointly_" + std::to_string(prepared_.size() + 1);
    checked(PQprepare(conn_, name.c_str(), sql.c_str(), params, nullptr));
    return prepared_.emplace(sql, std::move(name)).first->second.c_str();
}

Result Connection::exec_prepared(const std::string& sql, const Params& params) {
    const auto values = values_of(params);
    const int count = static_cast<int>(values.size());
    const char* name = prepared(sql, count);
    if (name == nullptr) return exec(sql, params);
    return checked(PQexecPrepared(conn_, name, count, values.data(), nullptr, nullptr, 0));
}

Pool::Lease::~Lease() {
    // A connection left inside a transaction (a ROLLBACK that was never sent) would fail its
    // next user's statements: it is dropped, as a broken one is.
    if (conn_ && !conn_->broken() && PQtransactionStatus(conn_->get()) == PQTRANS_IDLE) pool_.give_back(std::move(conn_));
    else pool_.give_back(nullptr);
}

Pool::Lease Pool::acquire() {
    {
        std::unique_lock lock(mutex_);
        free_.wait(lock, [this] { return !idle_.empty() || open_ < size_; });
        if (!idle_.empty()) {
            auto conn = std::move(idle_.back());
            idle_.pop_back();
            return Lease(*this, std::move(conn));
        }
        ++open_;
    }
    try {
        return Lease(*this, std::make_unique<Connection>(url_));
    } catch (const Error&) {
        // libpq's reason names hosts and sockets: API callers are told only that it failed.
        give_back(nullptr);
        throw Error(kUnreachable, "", true);
    }
}

void Pool::give_back(std::unique_ptr<Connection> conn) {
    {
        std::lock_guard lock(mutex_);
        if (conn) idle_.push_back(std::move(conn));
        else --open_;
    }
    free_.notify_one();
}

}  // namespace jointly::server::pg
