// The PostgreSQL store's writer thread and the statement that stores decisions together
// (store_pg_writer.hpp; docs/adr/0025-postgresql-group-commit.md).
#include "store_pg_writer.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "store_common.hpp"
#include "store_pg_rows.hpp"
#include "store_pg_schema.hpp"

namespace jointly::server::pg {
namespace {

// The most writes one transaction holds (as the SQLite store's).
constexpr std::size_t kMaxGroup = 256;
// The most text one statement of several decision inserts carries (PostgreSQL refuses a
// message over 1 GiB by ending the connection; a decision's request and answer may each be
// megabytes). A decision larger than this is inserted alone.
constexpr std::size_t kMaxTogetherBytes = 32 * 1024 * 1024;

// About the text a decision adds to a statement of several inserts.
std::size_t insert_bytes(const DecisionInsert& in) {
    const DecisionRecord& r = *in.record;
    return r.request_json.size() + r.response_json.size() + in.summary->size() + r.case_ref.size() + 512;
}

// The stored uses of the idempotency keys of `run`'s decisions (none asked for when none
// has a key).
std::map<std::pair<std::string, std::string>, IdempotentUse> keys_used(
    Connection& conn, const std::vector<const DecisionInsert*>& run) {
    std::map<std::pair<std::string, std::string>, IdempotentUse> used;
    ArrayText scopes;
    ArrayText keys;
    bool any = false;
    for (const DecisionInsert* in : run) {
        if (const IdempotencyKey* key = in->key) {
            scopes.add(key->scope);
            keys.add(key->key);
            any = true;
        }
    }
    if (!any) return used;
    const auto r = conn.exec_prepared(
        "SELECT i.scope, i.key, i.target, i.body_sha256 FROM idempotency i "
        "JOIN unnest($1::text[], $2::text[]) AS k(scope, key) ON i.scope = k.scope AND i.key = k.key",
        {std::move(scopes).take(), std::move(keys).take()});
    for (int i = 0; i < r.rows(); ++i) used[{r.text(i, 0), r.text(i, 1)}] = IdempotentUse{r.text(i, 2), r.text(i, 3)};
    return used;
}

void rollback(Connection& conn) {
    try {
        conn.exec("ROLLBACK");
    } catch (const StoreError&) {
    }
}

}  // namespace

void AuditHead::link(Connection& conn, AuditEntry& entry) {
    if (!head_) {
        // The newest entry with a hash: one an older jointly wrote without is outside the chain.
        const auto r = conn.exec_prepared("SELECT hash FROM audit WHERE coalesce(hash, '') <> '' ORDER BY id DESC LIMIT 1", {});
        head_ = r.rows() ? r.optional_text(0, 0).value_or("") : std::string(kAuditGenesis);
    }
    entry.at = store_detail::now_utc();
    entry.hash = audit_chain_hash(*head_, entry);
    head_ = entry.hash;
}

Params audit_params(const AuditEntry& entry) {
    return {entry.at,     entry.principal,       entry.client,          entry.request_id,
            entry.action, entry.route,           entry.decision_id,     entry.panel_record_id,
            entry.detail, std::to_string(entry.status), entry.client_request_id, entry.hash};
}

std::int64_t insert_decisions(Connection& conn, AuditHead& head, store_detail::DecidedUnderCache& decided,
                              const std::vector<const DecisionInsert*>& run) {
    static const std::string sql =
        std::string("WITH v AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
                    "$6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], "
                    "$13::text[]) WITH ORDINALITY AS v(id, case_ref, policy_id, policy_version, policy_sha256, "
                    "as_of, created_at, outcome, total, request, response, day, summary, ord)), "
                    "d AS (INSERT INTO decisions (") +
        kDecisionColumns +
        ") SELECT id, case_ref, policy_id, policy_version, policy_sha256, as_of, created_at, outcome, total, "
        "request, response FROM v ORDER BY ord RETURNING seq, id), "
        "s AS (INSERT INTO decision_summaries (seq, day, policy_id, policy_version, summary) "
        "SELECT d.seq, v.day, v.policy_id, v.policy_version, v.summary FROM d JOIN v USING (id)), "
        "c AS (INSERT INTO changes (at, kind, decision_id, panel_record_id) "
        "SELECT v.created_at, 'decision', v.id, NULL FROM d JOIN v USING (id) ORDER BY d.seq RETURNING seq), "
        "a AS (INSERT INTO audit (at, principal, client, request_id, action, route, decision_id, "
        "panel_record_id, detail, status, client_request_id, hash) SELECT at, principal, client, request_id, "
        "action, route, decision_id, panel_record_id, detail, status, client_request_id, hash FROM "
        "unnest($14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], "
        "$21::text[], $22::text[], $23::int[], $24::text[], $25::text[]) WITH ORDINALITY AS a(at, principal, "
        "client, request_id, action, route, decision_id, panel_record_id, detail, status, client_request_id, "
        "hash, ord) ORDER BY ord), "
        "k AS (INSERT INTO idempotency (scope, key, body_sha256, target, created_at) "
        "SELECT * FROM unnest($26::text[], $27::text[], $28::text[], $29::text[], $30::text[])) "
        "SELECT coalesce(max(seq), 0) FROM c";
    // The keys' earlier uses, from the store, then from this run as its decisions are taken.
    std::map<std::pair<std::string, std::string>, IdempotentUse> used = keys_used(conn, run);
    // INVARIANT: the audit entries go in with ids in `run`'s order (ORDER BY ord), the order
    // `head` chains them in.
    std::vector<ArrayText> columns(30);
    std::vector<ArrayText> texts(4);  // the policy texts decided under not known yet
    bool any = false;
    bool any_text = false;
    for (const DecisionInsert* each : run) {
        const DecisionInsert& in = *each;
        const DecisionRecord& r = *in.record;
        if (in.key) {
            in.earlier->reset();
            const auto [at, added] =
                used.try_emplace({in.key->scope, in.key->key}, IdempotentUse{r.id, in.key->body_sha256});
            if (!added) {
                *in.earlier = at->second;
                continue;
            }
            columns[25].add(in.key->scope);
            columns[26].add(in.key->key);
            columns[27].add(in.key->body_sha256);
            columns[28].add(r.id);  // the target
            columns[29].add(r.created_at);
        }
        any = true;
        const std::string* values[] = {&r.id,           &r.case_ref,   &r.policy_id, &r.policy_version,
                                       &r.policy_sha256, &r.as_of,      &r.created_at, &r.outcome,
                                       &r.total,        &r.request_json, &r.response_json};
        for (std::size_t c = 0; c < std::size(values); ++c) columns[c].add(*values[c]);
        if (decided.wanted(r)) {
            texts[0].add(r.policy_id);
            texts[1].add(r.policy_version);
            texts[2].add(r.policy_sha256);
            texts[3].add(r.created_at);
            any_text = true;
        }
        columns[11].add(r.created_at.substr(0, 10));
        columns[12].add(*in.summary);
        if (in.audit) {
            AuditEntry entry = *in.audit;
            head.link(conn, entry);
            const auto audit = audit_params(entry);
            for (std::size_t c = 0; c < audit.size(); ++c) columns[13 + c].add_or_null(audit[c]);
        }
    }
    if (!any) return 0;
    Params params;
    params.reserve(columns.size());
    for (auto& column : columns) params.emplace_back(std::move(column).take());
    const auto change = conn.exec_prepared(sql, params).integer(0, 0);
    if (any_text) {
        Params text_params;
        for (auto& column : texts) text_params.emplace_back(std::move(column).take());
        conn.exec_prepared("INSERT INTO decided_under (policy_id, policy_version, policy_sha256, first_decided_at) "
                           "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) "
                           "ON CONFLICT DO NOTHING",
                           text_params);
    }
    return change;
}

GroupWriter::GroupWriter(Pool& pool, Observer observe, Committed committed)
    : pool_(pool), observe_(std::move(observe)), committed_(std::move(committed)) {
    thread_ = std::thread([this] { write_loop(); });
}

void GroupWriter::stop() {
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    queue_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void GroupWriter::submit(std::function<void(Tx&)> work, std::optional<DecisionInsert> insert) {
    if (std::this_thread::get_id() == thread_.get_id())  // from the commit observer: it would wait for itself
        throw StoreError("a write to the decision store from its own writer thread");
    auto job = std::make_shared<Job>();
    job->work = std::move(work);
    job->insert = insert;
    auto done = job->done.get_future();
    {
        std::lock_guard lock(queue_mutex_);
        if (stopping_) throw StoreError("the decision store is closing; the write was not stored");
        queue_.push_back(std::move(job));
    }
    queue_cv_.notify_one();
    done.get();
}

// Takes what is queued (up to kMaxGroup) and commits it as one group; once stopping, commits
// what is left and returns.
void GroupWriter::write_loop() {
    for (;;) {
        Group group;
        {
            std::unique_lock lock(queue_mutex_);
            queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;
        }
        take_queued(group);
        run_group(group);
    }
}

// Moves queued writes to the end of `group`, up to kMaxGroup in all.
void GroupWriter::take_queued(Group& group) {
    std::lock_guard lock(queue_mutex_);
    while (!queue_.empty() && group.size() < kMaxGroup) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
    }
}

void GroupWriter::fail(Group& jobs, const std::exception_ptr& error) {
    for (auto& job : jobs) job->done.set_exception(error);
    jobs.clear();
}

// Runs `group` in one transaction holding the write lock and, after its COMMIT, tells each
// caller. A write that fails is taken out and the transaction run again without it (a failed
// statement aborts a PostgreSQL transaction, and a savepoint for every write would cost two
// more round trips each), so one bad write never fails the others. A connection found broken
// before the COMMIT was sent cannot have committed: the group is run once more on a connection
// opened since (the pool closes every connection as old as the lost one). A connection lost
// during the COMMIT leaves the outcome unknown: each caller gets a StoreError saying so. A
// statement the server cancelled (the statement timeout: the write lock or a table awaited too
// long) fails every write of the group with that error, rolled back: the store is what did not
// answer, not one write, and running the others again would make each wait as long again.
void GroupWriter::run_group(Group group) {
    bool may_retry_lost = true;
    bool together = true;  // neighbouring decision inserts in one statement
    while (!group.empty()) {
        try {
            auto lease = pool_.acquire();
            if (!run_once(lease, group, may_retry_lost, together)) return;
        } catch (...) {  // from acquire: no connection to be had
            return fail(group, std::current_exception());
        }
    }
}

// One try of run_group's transaction on `lease`. True when what is left of `group` is to
// run again; false when every write has been told. While `together`, two or more decision
// inserts in a row go in one statement; when that statement fails, which of them failed is
// unknown, so the group runs again with `together` off and each write on its own.
bool GroupWriter::run_once(Pool::Lease& lease, Group& group, bool& may_retry_lost, bool& together) {
    Connection& conn = *lease;
    const auto started = std::chrono::steady_clock::now();
    const auto elapsed = [started] { return std::chrono::steady_clock::now() - started; };
    std::int64_t change = 0;
    std::int64_t policy = 0;
    std::optional<std::size_t> running;  // the write whose work is running, if any
    AuditHead head;                      // this try's: read afresh after the write lock
    decided_.rolled_back();              // what an earlier try wrote was rolled back
    bool in_together = false;            // the statement of several inserts is running
    // In a handler, after a failure that left the connection usable: true to run again.
    const auto after_failure = [&] {
        rollback(conn);
        observe_(elapsed(), false);
        if (in_together) {
            together = false;
            return true;
        }
        return take_out_failed(group, running);
    };
    try {
        // READ COMMITTED whatever the database's default: the audit chain's head is read after
        // the lock, and must be the head another replica committed while it was awaited (under
        // REPEATABLE READ the snapshot would be taken before the wait, and two entries would
        // chain from one head).
        conn.exec("BEGIN ISOLATION LEVEL READ COMMITTED");
        conn.exec_prepared("SELECT pg_advisory_xact_lock($1)", {std::to_string(kWriteLock)});
        // The writes queued while the lock was awaited (another replica's group committing)
        // join this group rather than wait for the next.
        take_queued(group);
        for (std::size_t i = 0; i < group.size();) {
            // A run of decision inserts, within kMaxTogetherBytes of text (but at least one).
            std::size_t end = i;
            std::size_t bytes = 0;
            while (together && end < group.size() && group[end]->insert) {
                bytes += insert_bytes(*group[end]->insert);
                if (end > i && bytes > kMaxTogetherBytes) break;
                ++end;
            }
            if (end - i >= 2) {
                in_together = true;
                std::vector<const DecisionInsert*> run;
                for (std::size_t j = i; j < end; ++j) run.push_back(&*group[j]->insert);
                change = std::max(change, insert_decisions(conn, head, decided_, run));
                in_together = false;
                i = end;
                continue;
            }
            running = i;
            Tx tx{conn, head, decided_};
            group[i]->work(tx);
            running.reset();
            change = std::max(change, tx.change);
            policy = std::max(policy, tx.policy);
            ++i;
        }
        if (change || policy) conn.exec(std::string("NOTIFY ") + kChannel);
    } catch (const Error& e) {
        if (e.lost()) {
            lease.lost();
            observe_(elapsed(), false);
            // The statement of several inserts may be what the server would not take (a
            // message too large ends the connection): the try left runs them one by one.
            if (in_together) together = false;
            if (may_retry_lost) {
                may_retry_lost = false;
                return true;
            }
            fail(group, std::current_exception());
            return false;
        }
        if (e.cancelled()) {
            rollback(conn);
            observe_(elapsed(), false);
            fail(group, std::current_exception());
            return false;
        }
        return after_failure();
    } catch (...) {
        return after_failure();
    }
    try {
        conn.exec("COMMIT");
    } catch (const Error& e) {
        observe_(elapsed(), false);
        if (!e.lost()) {
            fail(group, std::current_exception());
            return false;
        }
        lease.lost();
        fail(group, std::make_exception_ptr(
                        StoreError("the connection to the decision store (PostgreSQL) was lost during a commit; "
                                   "the write may or may not have been stored")));
        return false;
    }
    decided_.committed();
    observe_(elapsed(), true);
    if (change || policy) committed_(change, policy);
    for (auto& job : group) job->done.set_value();
    group.clear();
    return false;
}

// After a failed transaction (the current exception): the write that was running gets the
// exception and leaves the group; true when the others are to run again. An exception
// outside any write's work (BEGIN, the lock, NOTIFY) goes to every write: false.
bool GroupWriter::take_out_failed(Group& group, std::optional<std::size_t> running) {
    if (!running) {
        fail(group, std::current_exception());
        return false;
    }
    const auto at = group.begin() + static_cast<std::ptrdiff_t>(*running);
    (*at)->done.set_exception(std::current_exception());
    group.erase(at);
    return !group.empty();
}

}  // namespace jointly::server::pg
