// The PostgreSQL store when its server restarts or stalls, and what it prints of a URL: once
// the server has ended every connection of a store (a restart) and accepts connections again,
// the very next reads and writes succeed; a statement the server does not finish within the
// store's statement timeout (a table or the write lock held by another session) is a
// StoreError that says so, a group of writes cut off stores nothing, and the store goes on;
// a password is never printed, wherever the URL or connection string puts it.
#include <gtest/gtest.h>

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "jointly/server/store.hpp"
#include "pg.hpp"
#include "store_backends.hpp"
#include "store_pg_schema.hpp"

namespace jointly::server {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A session of its own on the test cluster (its database `jointly`, or the one of `url`),
// beside the store's: it ends the store's connections, holds locks, and looks at what the
// store's connections are doing.
class Session {
public:
    explicit Session(const std::string& url = *testing::pg_cluster_url())
        : conn_(PQconnectdb(url.c_str()), &PQfinish) {
        PQsetNoticeProcessor(conn_.get(), [](void*, const char*) {}, nullptr);
    }
    bool ok() const { return PQstatus(conn_.get()) == CONNECTION_OK; }
    // The first column of the first row of `sql` ("" for a statement without rows); nullopt
    // when it failed.
    std::optional<std::string> query(const std::string& sql) {
        PGresult* r = PQexec(conn_.get(), sql.c_str());
        std::optional<std::string> out;
        if (PQresultStatus(r) == PGRES_TUPLES_OK) out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
        else if (PQresultStatus(r) == PGRES_COMMAND_OK) out = "";
        PQclear(r);
        return out;
    }
    // A count of `sql`'s, the statistics views read afresh (within a transaction they are read
    // once).
    int count(const std::string& sql) {
        query("SELECT pg_stat_clear_snapshot()");
        return std::stoi(query(sql).value_or("-1"));
    }
    // Waits up to 20 s until `sql` counts `want`; true when it did.
    bool await_count(const std::string& sql, int want) {
        for (int i = 0; i < 2000; ++i) {
            if (count(sql) == want) return true;
            std::this_thread::sleep_for(milliseconds(10));
        }
        return false;
    }

private:
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
};

// A store of its own, its connections named so that they can be told from other tests'.
class Named {
public:
    explicit Named(std::size_t pool, milliseconds timeout = Store::kDefaultStatementTimeout)
        : db_(*testing::pg_cluster_url()),
          name_("jointly_test_" + db_.schema()),
          store_(Store::connect(db_.location() + "&application_name=" + name_, pool, timeout)) {}
    Store& store() { return *store_; }
    const std::string& schema() const { return db_.schema(); }
    // Its database, for another replica (whose sessions are not the store's).
    std::string location() const { return db_.location(); }
    // What selects the store's sessions in pg_stat_activity.
    std::string sessions() const { return "FROM pg_stat_activity WHERE application_name = '" + name_ + "'"; }

private:
    testing::PgDatabase db_;
    std::string name_;
    std::unique_ptr<Store> store_;
};

// A database of its own in the test cluster, with a store in it whose connections are named.
// The write lock is an advisory lock, one per database: here it is the test's alone, neither
// held by other tests' writers (which would cut off this store's short waits) nor holding
// theirs up.
class OwnDatabase {
public:
    explicit OwnDatabase(milliseconds timeout) : name_("t_" + Store::new_decision_id().substr(2)) {
        EXPECT_TRUE(Session().query("CREATE DATABASE " + name_));
        const std::string url = *testing::pg_cluster_url();  // postgresql://USER@/DB?host=DIR
        const auto path = url.find('/', url.find("://") + 3);
        const auto query = url.find('?', path);
        location_ = url.substr(0, path + 1) + name_ + (query == std::string::npos ? "" : url.substr(query));
        store_ = Store::connect(location_ + (query == std::string::npos ? "?" : "&") + "application_name=" + name_, 2,
                                timeout);
    }
    ~OwnDatabase() {
        store_.reset();
        Session().query("DROP DATABASE " + name_ + " WITH (FORCE)");
    }
    OwnDatabase(const OwnDatabase&) = delete;
    OwnDatabase& operator=(const OwnDatabase&) = delete;
    Store& store() { return *store_; }
    // Its URL, for a session in it.
    const std::string& location() const { return location_; }
    std::string sessions() const { return "FROM pg_stat_activity WHERE application_name = '" + name_ + "'"; }

private:
    std::string name_;
    std::string location_;
    std::unique_ptr<Store> store_;
};

// Opens every connection of `store`'s pool (`pool` reads at once, held behind a lock on the
// decisions table until all are waiting) and leaves them idle in the pool. False when the
// reads did not all wait.
bool open_every_connection(Named& store, Session& admin, std::size_t pool, const std::string& id) {
    if (!admin.query("BEGIN") || !admin.query("LOCK TABLE " + store.schema() + ".decisions IN ACCESS EXCLUSIVE MODE"))
        return false;
    std::vector<std::thread> readers;
    for (std::size_t i = 0; i < pool; ++i) {
        readers.emplace_back([&] {
            try {
                store.store().get_decision(id);
            } catch (const StoreError& e) {
                ADD_FAILURE() << "a read behind the lock: " << e.what();
            }
        });
    }
    const bool waited =
        admin.await_count("SELECT count(*) " + store.sessions() + " AND wait_event_type = 'Lock'", static_cast<int>(pool));
    admin.query("COMMIT");
    for (auto& t : readers) t.join();
    return waited;
}

// Ends every session of the store (its pool's and its listener's) and waits until they are
// gone, as a restart of the server does; how many there were.
int end_every_session(Named& store, Session& admin) {
    return admin.count("SELECT count(*) FROM (SELECT pg_terminate_backend(pid, 10000) " + store.sessions() + ") t");
}

// A server that ended every connection of a store (here: each one terminated; a restart does
// the same) and accepts connections again: the store's next reads and writes all succeed,
// whether a write or a read comes first. Before, a request took a broken connection from the
// pool, and its one retry took another broken one: 503s until the pool had been gone through.
TEST(PgRecovery, AfterEveryConnectionIsEndedTheNextReadsAndWritesAllSucceed) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    constexpr std::size_t kPool = 4;
    Named named(kPool);
    Store& store = named.store();
    Session admin;
    ASSERT_TRUE(admin.ok());
    const auto first = testing::sample_decision("C-FIRST", "approve");
    store.add_decision(first);
    std::size_t stored = 1;
    for (const bool write_first : {true, false}) {
        ASSERT_TRUE(open_every_connection(named, admin, kPool, first.id)) << write_first;
        // The pool's connections and the listener's (reconnected after the round before).
        ASSERT_TRUE(admin.await_count("SELECT count(*) " + named.sessions(), static_cast<int>(kPool) + 1));
        ASSERT_EQ(end_every_session(named, admin), static_cast<int>(kPool) + 1);
        for (int i = 0; i < 8; ++i) {
            try {
                if ((i % 2 == 0) == write_first) {
                    const auto r = testing::sample_decision("C-" + std::to_string(i), "approve");
                    store.add_decision(r);
                    ++stored;
                    EXPECT_TRUE(store.get_decision(r.id)) << i;
                } else {
                    EXPECT_EQ(store.count_decisions({}), stored) << i;
                    store.check_available();
                }
            } catch (const StoreError& e) {
                ADD_FAILURE() << (write_first ? "writes first, " : "reads first, ") << "request " << i << ": "
                              << e.what();
            }
        }
    }
    EXPECT_EQ(store.count_decisions({}), stored);
}

// The listener's connection is ended with the others: it reconnects by itself, and a write
// through another replica still wakes a wait on this one.
TEST(PgRecovery, TheListenerReconnectsAndFollowsTheOtherReplicasWrites) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    Named named(2);
    Session admin;
    ASSERT_TRUE(admin.ok());
    auto other = Store::connect(named.location(), 2);
    const auto before = named.store().changes_after(0, 10).size();
    ASSERT_GE(end_every_session(named, admin), 1);
    other->add_decision(testing::sample_decision("C-OTHER", "approve"));
    EXPECT_TRUE(named.store().wait_for_change(static_cast<std::int64_t>(before), std::chrono::seconds(20)));
    EXPECT_EQ(named.store().changes_after(0, 10).size(), before + 1);
}

// The pool closes every connection of the generation a lost one belonged to: the idle ones at
// once, the lent ones when they come back; a connection opened since is kept.
TEST(PgPool, ALostConnectionClosesEveryConnectionOfItsAge) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    pg::Pool pool(*testing::pg_cluster_url(), 3);
    const auto pid = [](pg::Connection& c) { return c.exec("SELECT pg_backend_pid()").integer(0, 0); };
    std::set<std::int64_t> old;
    std::int64_t young = 0;
    {
        auto a = pool.acquire();
        auto b = pool.acquire();
        auto c = pool.acquire();
        old = {pid(*a), pid(*b), pid(*c)};
        a.lost();  // what a reader does with a connection found broken
        auto d = pool.acquire();
        young = pid(*d);
        EXPECT_FALSE(old.count(young));
    }  // b and c are closed as they come back; d, opened since, is kept
    {
        auto e = pool.acquire();
        auto f = pool.acquire();
        auto g = pool.acquire();
        const std::set<std::int64_t> now{pid(*e), pid(*f), pid(*g)};
        EXPECT_TRUE(now.count(young));
        for (const auto p : old) EXPECT_FALSE(now.count(p)) << p;
    }
    // Idle connections are closed at once; ending a generation that has ended already does
    // nothing more.
    const auto ended = pool.generation();
    pool.lost(ended);
    Session admin;
    ASSERT_TRUE(admin.ok());
    EXPECT_TRUE(admin.await_count("SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(young), 0));
    std::int64_t opened_since = 0;
    {
        auto h = pool.acquire();
        opened_since = pid(*h);
        EXPECT_NE(opened_since, young);
    }
    pool.lost(ended);
    auto i = pool.acquire();
    EXPECT_EQ(pid(*i), opened_since);
}

// After `pg_ctl stop -m immediate` (as after a crash) and a start, libpq reports the first
// statement on a connection of before as failed (without SQLSTATE) before it marks the
// connection bad: it is a lost connection, to retry on a new one, not a statement the server
// refused.
TEST(PgConnection, TheFirstStatementAfterACrashIsALostConnection) {
    testing::OwnPgCluster cluster;
    JOINTLY_REQUIRE_OWN_PG_CLUSTER(cluster);
    pg::Connection conn(cluster.url);
    conn.exec("SELECT 1");
    ASSERT_EQ(cluster.run("halt", "immediate"), 0);
    ASSERT_EQ(cluster.run("resume"), 0);
    try {
        conn.exec_prepared("SELECT $1::int", {"1"});
        ADD_FAILURE() << "a statement ran on a connection of before the crash";
    } catch (const pg::Error& e) {
        EXPECT_TRUE(e.lost()) << e.what();
        EXPECT_STREQ(e.what(), pg::kUnreachable);
    }
    EXPECT_TRUE(conn.broken());
}

// Another session holds the decisions table: a read and a write are cut off by the store's
// statement timeout with a StoreError saying so, the write stores nothing, and once the table
// is free the store reads and writes again. Writes queued while one waits form the next group,
// which is cut off once, whole (not run again write by write, each waiting as long again).
TEST(PgStatementTimeout, AStalledTableIsAStoreErrorWithinTheLimitAndTheStoreGoesOn) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    constexpr milliseconds kLimit(1000);  // time for the writers to queue behind the first
    constexpr milliseconds kSlack(5000);  // a loaded test machine
    OwnDatabase own(kLimit);
    Store& store = own.store();
    const auto first = testing::sample_decision("C-FIRST", "approve");
    store.add_decision(first);
    Session holder(own.location());
    ASSERT_TRUE(holder.ok());
    // Should the store wait for the table (no timeout), the server lets it go after 30 s, and
    // the test fails rather than hangs.
    ASSERT_TRUE(holder.query("SET idle_in_transaction_session_timeout = 30000"));
    ASSERT_TRUE(holder.query("BEGIN"));
    ASSERT_TRUE(holder.query("LOCK TABLE decisions IN ACCESS EXCLUSIVE MODE"));

    const auto cut_off = [&](const char* what, const auto& call) {
        const auto started = Clock::now();
        try {
            call();
            ADD_FAILURE() << what << " answered while the table was held";
        } catch (const StoreError& e) {
            EXPECT_NE(std::string(e.what()).find("did not answer within 1000 ms"), std::string::npos)
                << what << ": " << e.what();
        }
        return Clock::now() - started;
    };
    auto took = cut_off("a read", [&] { store.get_decision(first.id); });
    EXPECT_GE(took, kLimit);
    EXPECT_LT(took, kLimit + kSlack);
    took = cut_off("a write", [&] { store.add_decision(testing::sample_decision("C-CUT", "approve")); });
    EXPECT_GE(took, kLimit);
    EXPECT_LT(took, kLimit + kSlack);

    std::atomic<int> rolled_back = 0;
    store.set_commit_observer([&](std::chrono::nanoseconds, bool ok) { rolled_back += ok ? 0 : 1; });
    std::vector<std::thread> writers;
    std::vector<Clock::duration> waited(5);
    const auto write = [&](std::size_t i) {
        waited[i] = cut_off("a write of several", [&] {
            store.add_decision(testing::sample_decision("C-" + std::to_string(i), "approve"));
        });
    };
    writers.emplace_back(write, 0);
    Session watcher;
    ASSERT_TRUE(watcher.await_count("SELECT count(*) " + own.sessions() + " AND wait_event_type = 'Lock'", 1));
    for (std::size_t i = 1; i < waited.size(); ++i) writers.emplace_back(write, i);
    for (auto& t : writers) t.join();
    for (const auto w : waited) EXPECT_LT(w, 2 * kLimit + kSlack);
    // The first write's group, then the other four's (a thread slow to start may make a third
    // group); never a rerun of each write on its own after the group was cut off (which made 6).
    EXPECT_GE(rolled_back.load(), 2);
    EXPECT_LE(rolled_back.load(), 3);
    EXPECT_NO_THROW(store.check_available());  // the table is not needed to answer

    ASSERT_TRUE(holder.query("COMMIT"));
    EXPECT_EQ(store.count_decisions({}), 1u);  // nothing of the writes cut off
    EXPECT_EQ(store.changes_after(0, 100).size(), 1u);
    const auto later = testing::sample_decision("C-LATER", "approve");
    EXPECT_NO_THROW(store.add_decision(later));
    EXPECT_TRUE(store.get_decision(later.id));
    EXPECT_EQ(store.count_decisions({}), 2u);
}

// Another replica's group holds the write lock for too long: the writer's wait for it is cut
// off by the same timeout, its writes fail and store nothing, and once the lock is let go the
// writer stores the next write.
TEST(PgStatementTimeout, AWaitForTheWriteLockIsCutOffAndTheWriterGoesOn) {
    JOINTLY_REQUIRE_PG_CLUSTER();
    constexpr milliseconds kLimit(500);
    OwnDatabase own(kLimit);
    Store& store = own.store();
    Session other_replica(own.location());
    ASSERT_TRUE(other_replica.ok());
    ASSERT_TRUE(other_replica.query("SET idle_session_timeout = 30000"));  // as above: no hang
    ASSERT_TRUE(other_replica.query("SELECT pg_advisory_lock(" + std::to_string(pg::kWriteLock) + ")"));
    const auto started = Clock::now();
    try {
        store.add_decision(testing::sample_decision("C-CUT", "approve"));
        ADD_FAILURE() << "a write was stored while another session held the write lock";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("did not answer within 500 ms"), std::string::npos) << e.what();
    }
    const auto took = Clock::now() - started;
    EXPECT_GE(took, kLimit);
    EXPECT_LT(took, kLimit + milliseconds(5000));
    EXPECT_EQ(store.count_decisions({}), 0u);  // reads need no lock
    ASSERT_TRUE(other_replica.query("SELECT pg_advisory_unlock(" + std::to_string(pg::kWriteLock) + ")"));
    const auto later = testing::sample_decision("C-LATER", "approve");
    EXPECT_NO_THROW(store.add_decision(later));
    EXPECT_TRUE(store.get_decision(later.id));
    EXPECT_EQ(store.count_decisions({}), 1u);
}

// A password is masked wherever it is written: in a URL's user part, in its query string
// (whatever the case of the escapes in its name), and in a `key=value` connection string.
TEST(PgRedactUrl, APasswordIsNeverPrinted) {
    const std::pair<const char*, const char*> cases[] = {
        {"postgresql://u:S3cret@host:5432/db", "postgresql://u:***@host:5432/db"},
        {"postgresql://host:5432/db?password=S3cret&user=x", "postgresql://host:5432/db?password=***&user=x"},
        {"postgres://host/db?user=x&password=S3cret", "postgres://host/db?user=x&password=***"},
        {"postgresql://u:S3cret@h1,h2:5433/db?application_name=a&password=S3cret&sslmode=require",
         "postgresql://u:***@h1,h2:5433/db?application_name=a&password=***&sslmode=require"},
        {"postgresql://host/db?pass%77ord=S3cret", "postgresql://host/db?pass%77ord=***"},
        {"postgresql://host/db?sslpassword=S3cret", "postgresql://host/db?sslpassword=***"},
        {"postgresql:///db?host=/run/pg&password=", "postgresql:///db?host=/run/pg&password=***"},
        {"postgresql://u@host/db?passwords=x&xpassword=y", "postgresql://u@host/db?passwords=x&xpassword=y"},
        {"postgresql://jointly@/jointly?host=/tmp/pg", "postgresql://jointly@/jointly?host=/tmp/pg"},
        {"host=db password=S3cret user=x", "host=db password=*** user=x"},
        {"host=db password = 'S3 \\' cret' user=x", "host=db password = *** user=x"},
        {"password=S3cret", "password=***"},
        {"a.db", "a.db"},
    };
    for (const auto& [given, printed] : cases) EXPECT_EQ(pg::redact_url(given), printed) << given;
}

TEST(PgRedactUrl, AnUnreachableServerIsAStoreErrorWithoutAPasswordFromTheQuery) {
    try {
        Store::connect("postgresql:///nothing?host=/nonexistent-socket-dir&password=S3cret&connect_timeout=2");
        ADD_FAILURE() << "connected to nothing";
    } catch (const StoreError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("cannot be reached"), std::string::npos) << message;
        EXPECT_EQ(message.find("S3cret"), std::string::npos) << message;
        EXPECT_NE(message.find("password=***"), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace jointly::server
