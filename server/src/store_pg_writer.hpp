// The PostgreSQL store's writer: one thread per replica that commits queued writes in groups
// (docs/adr/0025-postgresql-group-commit.md). Each group is one transaction that takes the
// write lock first (store_pg_schema.hpp), so seqs commit in order across replicas, and its
// writes share one COMMIT and one WAL flush.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "decided_under_cache.hpp"
#include "jointly/server/store.hpp"
#include "pg.hpp"

namespace jointly::server::pg {

// The audit trail's newest hash as a write transaction sees it: read from the store when the
// transaction adds its first audit entry (the write lock is held by then, so no other replica
// adds one before this COMMIT and the chain cannot fork), then each entry it adds. One per
// try of a transaction: a try rolled back takes its links with it.
class AuditHead {
public:
    // Sets `entry`'s at (now) and hash (chained after the newest entry) and makes it the
    // newest. Throws pg::Error.
    void link(Connection& conn, AuditEntry& entry);

private:
    std::optional<std::string> head_;
};

// What one write added, for the waiters once its group has committed.
struct Tx {
    Connection& conn;
    AuditHead& audit;
    store_detail::DecidedUnderCache& decided;  // the writer's: what decided_under holds
    std::int64_t change = 0;  // the last change feed seq it added
    std::int64_t policy = 0;  // the policy seq it added
};

// A decision to store (write_decision): its rows can go in with its neighbours' in one
// statement (insert_decisions). Points into the caller's frame, which waits for the job.
struct DecisionInsert {
    const DecisionRecord* record;
    const std::string* summary;               // summary::encode_decision(*record)
    const AuditEntry* audit;                  // its decision_id set; nullptr when none
    const IdempotencyKey* key;                // nullptr when none
    std::optional<IdempotentUse>* earlier;    // set when `key` was used before: nothing stored
                                              // (nullptr when `key` is)
};

// An audit entry's columns as inserted: at, principal, client, request_id, action, route,
// decision_id, panel_record_id, detail, status, client_request_id, hash (set by
// AuditHead::link).
Params audit_params(const AuditEntry& entry);

// The decisions of `run`, their summary contributions, change-feed entries, audit entries
// and idempotency keys, in one statement: each column's values as one array, the rows in
// `run`'s order. A decision whose key was used before (stored, or earlier in `run`) is not
// stored, and its `earlier` says what the first use created: what storing them one by one
// (a run of one each) does. The audit entries are chained by `head`. The policy texts of the
// decisions stored go into decided_under, in a second statement only when `decided` does not
// know one of them yet. Returns the largest change seq added (0: none). Throws pg::Error.
std::int64_t insert_decisions(Connection& conn, AuditHead& head, store_detail::DecidedUnderCache& decided,
                              const std::vector<const DecisionInsert*>& run);

class GroupWriter {
public:
    // After each transaction: how long it took (BEGIN to COMMIT) and whether it committed.
    using Observer = std::function<void(std::chrono::nanoseconds elapsed, bool committed)>;
    // After each COMMIT that added something: the largest change and policy seqs it added.
    using Committed = std::function<void(std::int64_t change, std::int64_t policy)>;

    // Starts the writer thread; `pool` must outlive the writer. Neither callback may throw.
    GroupWriter(Pool& pool, Observer observe, Committed committed);
    GroupWriter(const GroupWriter&) = delete;
    GroupWriter& operator=(const GroupWriter&) = delete;
    ~GroupWriter() { stop(); }

    // Commits what is queued, then stops the thread; writes submitted after it are refused.
    void stop();

    // Queues `work` for the writer thread and returns after the COMMIT of the transaction that
    // ran it, or throws what it threw (StoreError when the store failed). `work` must set its
    // results afresh each time it runs: it runs again when its group's transaction is run
    // again. `insert`, when set, is what `work` does, so that the writer may do it together
    // with its neighbours'.
    template <class Work>
    void transact(Work&& work, std::optional<DecisionInsert> insert = std::nullopt) {
        submit([&work](Tx& tx) { work(tx); }, insert);
    }

private:
    // One queued write: its work, run on the writer thread inside a group's transaction
    // (maybe more than once: see run_group), and the promise its caller waits on.
    struct Job {
        std::function<void(Tx&)> work;
        std::optional<DecisionInsert> insert;
        std::promise<void> done;
    };
    using Group = std::vector<std::shared_ptr<Job>>;

    void submit(std::function<void(Tx&)> work, std::optional<DecisionInsert> insert);
    void write_loop();
    void take_queued(Group& group);
    void run_group(Group group);
    bool run_once(Pool::Lease& lease, Group& group, bool& may_retry_lost, bool& together);
    static bool take_out_failed(Group& group, std::optional<std::size_t> running);
    static void fail(Group& jobs, const std::exception_ptr& error);

    Pool& pool_;
    Observer observe_;
    Committed committed_;
    store_detail::DecidedUnderCache decided_;  // the writer thread's
    std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::deque<std::shared_ptr<Job>> queue_;  // guarded by queue_mutex_: writes not yet taken
    bool stopping_ = false;                   // guarded by queue_mutex_
    std::thread thread_;
};

}  // namespace jointly::server::pg
