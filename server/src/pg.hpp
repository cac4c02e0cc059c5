// A thin owner of libpq connections and results for the PostgreSQL store, and the pool.
#pragma once

#include <libpq-fe.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "jointly/server/store.hpp"

namespace jointly::server::pg {

// A failed statement. `lost` when the connection broke (the server went away, a network
// failure): the caller may reconnect and retry. what() is meant for callers of the API: the
// server's primary message or that the store cannot be reached, never the SQL text.
class Error : public StoreError {
public:
    Error(const std::string& message, std::string sqlstate, bool lost)
        : StoreError(message), sqlstate_(std::move(sqlstate)), lost_(lost) {}
    const std::string& sqlstate() const { return sqlstate_; }
    bool lost() const { return lost_; }

private:
    std::string sqlstate_;
    bool lost_;
};

// What a store says when the server cannot be reached.
inline constexpr const char* kUnreachable = "the decision store (PostgreSQL) cannot be reached";

// `url` with any password replaced by `***`, for messages.
std::string redact_url(const std::string& url);

// Statement parameters, all sent as text (the server infers their types); nullopt is NULL.
using Params = std::vector<std::optional<std::string>>;

// A PostgreSQL array literal of text (`{"a","b\"c",NULL}`), built one element at a time: a
// parameter for a statement that casts it to text[] (or int[], the elements being integers)
// and unnests it, so that many rows are one parameter per column.
class ArrayText {
public:
    void add(std::string_view value);
    void add_or_null(const std::optional<std::string>& value);  // nullopt: NULL
    // The literal, leaving this empty.
    std::string take() && {
        text_ += '}';
        return std::move(text_);
    }

private:
    std::string text_ = "{";
};

class Result {
public:
    explicit Result(PGresult* result) : result_(result, &PQclear) {}
    int rows() const { return PQntuples(result_.get()); }
    std::string text(int row, int column) const;
    std::optional<std::string> optional_text(int row, int column) const;
    std::int64_t integer(int row, int column) const;
    // The text without a copy: valid while this Result lives.
    std::string_view view(int row, int column) const;
    bool null(int row, int column) const;
    const PGresult* get() const { return result_.get(); }

private:
    std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// One connection. Not thread-safe: one user at a time (the pool hands it out).
class Connection {
public:
    // Connects (5 s timeout unless the URL sets `connect_timeout`). Throws Error (lost).
    explicit Connection(const std::string& url);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs one statement (or, without params, a script of several), planned for its
    // parameters' values each time. Throws Error.
    Result exec(const std::string& sql, const Params& params = {});
    // As exec, for a statement of fixed text run often (the writer's): prepared on this
    // connection the first time its text runs, then run by name, so PostgreSQL neither parses
    // nor plans it again. Only for statements whose best plan does not depend on the values
    // (a generic plan is chosen after five runs): an insert, a look-up by a unique key. Up to
    // kMaxPrepared texts a connection; past that, run as exec. Throws Error.
    Result exec_prepared(const std::string& sql, const Params& params);
    bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
    PGconn* get() const { return conn_; }
    static constexpr std::size_t kMaxPrepared = 64;

private:
    // The name of `sql`'s prepared statement on this connection, preparing it first; nullptr
    // once kMaxPrepared texts are prepared. Throws Error.
    const char* prepared(const std::string& sql, int params);
    // `raw` (a result libpq returned) when it succeeded; otherwise throws the Error it says.
    Result checked(PGresult* result) const;

    PGconn* conn_ = nullptr;
    std::unordered_map<std::string, std::string> prepared_;  // statement text -> name
};

// Up to `size` connections to `url`, opened when first needed. Thread-safe.
class Pool {
public:
    Pool(std::string url, std::size_t size) : url_(std::move(url)), size_(size) {}

    // A connection lent to one user; returned to the pool when destroyed, or dropped when it
    // broke (or discard() was called).
    class Lease {
    public:
        Lease(Pool& pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
        ~Lease();
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Connection& operator*() { return *conn_; }
        Connection* operator->() { return conn_.get(); }
        void discard() { conn_.reset(); }

    private:
        Pool& pool_;
        std::unique_ptr<Connection> conn_;
    };

    // Waits for a free connection or opens one. Throws Error (lost, kUnreachable without
    // libpq's detail) when it cannot connect.
    Lease acquire();

private:
    void give_back(std::unique_ptr<Connection> conn);

    const std::string url_;
    const std::size_t size_;
    std::mutex mutex_;
    std::condition_variable free_;
    std::vector<std::unique_ptr<Connection>> idle_;
    std::size_t open_ = 0;  // lent out or idle
};

}  // namespace jointly::server::pg
