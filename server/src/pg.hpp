// A thin owner of libpq connections and results for the PostgreSQL store, and the pool.
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
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
    // The server cancelled the statement (SQLSTATE 57014): the connection's statement timeout
    // (then what() is timeout_message's) or an operator's pg_cancel_backend. The connection
    // is usable; its transaction, if any, is aborted.
    bool cancelled() const { return sqlstate_ == "57014"; }

private:
    std::string sqlstate_;
    bool lost_;
};

// What a store says when the server cannot be reached.
inline constexpr const char* kUnreachable = "the decision store (PostgreSQL) cannot be reached";

// What a store says when a statement was cut off by the connection's statement timeout.
std::string timeout_message(std::chrono::milliseconds limit);

// `url` with any password replaced by `***`, for messages: a URL's `user:PASSWORD@` and its
// query parameter `password=` (however its name is percent-encoded), or, in a `key=value`
// connection string, the value of `password` (quoted or not). Anything else is unchanged.
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
    // Connects (5 s timeout unless the URL sets `connect_timeout`). With a `statement_timeout`
    // above zero, sets the session's statement_timeout to it (whatever the URL, the role or
    // the database set): the server cuts off any statement, a wait for a lock included, that
    // runs longer, and exec throws Error (cancelled, timeout_message). Throws Error (lost
    // when it cannot connect).
    explicit Connection(const std::string& url, std::chrono::milliseconds statement_timeout = {});
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
    // As exec with parameters, for a read whose caller may be asked to stop while it runs (the
    // check of the audit chain at start, which a lock held on its table could keep waiting up to
    // the statement timeout): `stop` is looked at every 50 ms while the statement runs, and once
    // it is true the server is asked to cancel the statement; nullopt then, when it has ended
    // (the connection is usable again). Throws Error as exec.
    std::optional<Result> exec_unless(const std::atomic<bool>& stop, const std::string& sql, const Params& params);
    // Whether the connection is lost: libpq says so, or a statement failed as on a lost one.
    bool broken() const { return lost_ || PQstatus(conn_) != CONNECTION_OK; }
    // For an idle connection (no statement running): whether the server has closed it, as far
    // as can be told without a round trip (its socket says so: it sent why, or closed). A
    // connection to a server that vanished without closing it is not seen here; exec finds it.
    bool closed_by_server();
    PGconn* get() const { return conn_; }
    static constexpr std::size_t kMaxPrepared = 64;

private:
    // The name of `sql`'s prepared statement on this connection, preparing it first; nullptr
    // once kMaxPrepared texts are prepared. Throws Error.
    const char* prepared(const std::string& sql, int params);
    // `raw` (a result libpq returned for a statement sent at `sent`) when it succeeded;
    // otherwise throws the Error it says (lost, and this connection broken, when the failure
    // is the connection's).
    Result checked(PGresult* result, std::chrono::steady_clock::time_point sent);

    PGconn* conn_ = nullptr;
    bool lost_ = false;                            // a statement failed as on a lost connection
    std::chrono::milliseconds statement_timeout_;  // zero: none set
    std::unordered_map<std::string, std::string> prepared_;  // statement text -> name
};

// Up to `size` connections to `url`, opened when first needed, each with `statement_timeout`
// (see Connection). Thread-safe.
//
// Connections belong to a generation. A connection found broken (the server restarted, or
// ended it) ends its generation, if it is still the current one: every idle connection is
// closed and every lent one is closed when it comes back, since after a restart all of them
// are broken. A caller that retries after a lost connection is then lent one opened after the
// loss was found, never another of the broken ones.
class Pool {
public:
    Pool(std::string url, std::size_t size, std::chrono::milliseconds statement_timeout = {})
        : url_(std::move(url)), size_(size), statement_timeout_(statement_timeout) {}

    // A connection lent to one user. When destroyed, it goes back to the pool's idle ones;
    // or it is closed: when it broke (or lost() was called), ending its generation; when its
    // generation has ended; when it was left inside a transaction.
    class Lease {
    public:
        Lease(Pool& pool, std::unique_ptr<Connection> conn, std::uint64_t generation)
            : pool_(pool), conn_(std::move(conn)), generation_(generation) {}
        ~Lease();
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Connection& operator*() { return *conn_; }
        Connection* operator->() { return conn_.get(); }
        // The connection was lost (Error::lost): it is closed, and its generation ended.
        void lost();

    private:
        Pool& pool_;
        std::unique_ptr<Connection> conn_;
        std::uint64_t generation_;
    };

    // An idle connection of the current generation that the server has not closed (one it
    // has closed ends the generation), or a new one; waits while `size` are lent. Throws
    // Error (lost, kUnreachable without libpq's detail) when it cannot connect.
    Lease acquire();

    // The current generation, for a connection opened outside the pool (the listener's): when
    // that one is lost, lost(generation) ends the pool's connections of the same age.
    std::uint64_t generation();
    // Ends `generation` if it is the current one: its idle connections are closed at once, its
    // lent ones when they come back. An older generation has ended already: nothing happens.
    void lost(std::uint64_t generation);

private:
    void give_back(std::unique_ptr<Connection> conn, std::uint64_t generation);

    const std::string url_;
    const std::size_t size_;
    const std::chrono::milliseconds statement_timeout_;
    std::mutex mutex_;
    std::condition_variable free_;
    // INVARIANT: every idle connection was opened in generation_.
    std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mutex_
    std::size_t open_ = 0;                           // guarded by mutex_: lent out or idle
    std::uint64_t generation_ = 0;                   // guarded by mutex_
};

}  // namespace jointly::server::pg
