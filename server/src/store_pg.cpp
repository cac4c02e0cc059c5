// The PostgreSQL decision store: the SQLite store's semantics for several replicas sharing one
// database. Reads use a pool of connections. Writes are queued to one writer thread, which
// commits them in groups (store_pg_writer.hpp, as the SQLite store does). A listener
// connection follows the `jointly` channel, with a periodic check in case a notification is
// missed.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>

#include "jointly/server/store.hpp"
#include "pg.hpp"
#include "store_common.hpp"
#include "store_pg_rows.hpp"
#include "store_pg_schema.hpp"
#include "store_pg_writer.hpp"
#include "summary_contribution.hpp"

namespace jointly::server {
namespace {

using pg::audit_params;
using pg::Connection;
using pg::DecisionInsert;
using pg::insert_decisions;
using pg::kAuditColumns;
using pg::kDecisionColumns;
using pg::kDecisionFrom;
using pg::kErasureColumns;
using pg::kPanelColumns;
using pg::kPolicyColumns;
using pg::Params;
using pg::read_audit;
using pg::read_decision;
using pg::read_panel;
using pg::read_policy;
using pg::Sql;
using pg::Tx;
using pg::where;
using store_detail::now_utc;
using store_detail::random_hex16;

class PgStore final : public Store {
public:
    PgStore(std::string url, std::size_t pool, std::chrono::milliseconds statement_timeout)
        : url_(std::move(url)),
          statement_timeout_(statement_timeout),
          pool_(url_, pool, statement_timeout),
          writer_(
              pool_, [this](std::chrono::nanoseconds elapsed, bool ok) { observe_commit(elapsed, ok); },
              [this](std::int64_t change, std::int64_t policy) { committed(change, policy); }) {
        {
            // Not from the pool: a failure to connect at start says why, for the operator. No
            // statement timeout: a replica waits for another's migration, which may take minutes.
            Connection first(url_);
            open_warnings_ = pg::migrate(first, pg::redact_url(url_));
            const auto last = latest(first);
            last_change_ = last.first;
            last_policy_ = last.second;
        }
        if (pipe(wake_) != 0) throw StoreError("cannot start the decision store's listener (no pipe)");
        listener_ = std::thread([this] { listen_loop(); });
    }

    ~PgStore() override {
        writer_.stop();  // commits what is queued
        {
            std::lock_guard lock(change_mutex_);
            stopping_ = true;
        }
        change_cv_.notify_all();
        const char byte = 0;
        [[maybe_unused]] const auto n = write(wake_[1], &byte, 1);
        if (listener_.joinable()) listener_.join();
        close(wake_[0]);
        close(wake_[1]);
    }

    WriteResult write_decision(DecisionRecord record, const WriteExtras& extras) override {
        record.created_at = now_utc();
        WriteResult result;
        std::optional<IdempotentUse> earlier;
        const auto summary = summary::encode_decision(record);  // before the write lock is taken
        std::optional<AuditEntry> audit = extras.audit;
        if (audit) audit->decision_id = record.id;
        const DecisionInsert insert{&record, &summary, audit ? &*audit : nullptr,
                                    extras.idempotency ? &*extras.idempotency : nullptr, &earlier};
        writer_.transact([&](Tx& tx) { tx.change = insert_decisions(tx.conn, tx.audit, tx.decided, {&insert}); }, insert);
        if (earlier) result.earlier = std::move(earlier);
        else result.created_at = record.created_at;
        return result;
    }

    std::optional<DecisionRecord> get_decision(const std::string& id) override {
        return read([&](Connection& c) -> std::optional<DecisionRecord> {
            const auto r = c.exec(std::string("SELECT ") + kDecisionFrom + " WHERE d.id = $1", {id});
            if (r.rows() == 0) return std::nullopt;
            return read_decision(r, 0);
        });
    }

    std::vector<DecisionRecord> find_decisions(const DecisionQuery& q) override {
        Sql sql;
        sql.text = std::string("SELECT ") + kDecisionFrom;
        sql.text += where(sql, q, true) + " ORDER BY d.seq DESC";
        sql.text += " LIMIT " + sql.param(static_cast<std::int64_t>(q.limit));
        sql.text += " OFFSET " + sql.param(static_cast<std::int64_t>(q.offset));
        return read([&](Connection& c) {
            const auto r = c.exec(sql.text, sql.params);
            std::vector<DecisionRecord> out;
            for (int i = 0; i < r.rows(); ++i) out.push_back(read_decision(r, i));
            return out;
        });
    }

    std::size_t count_decisions(const DecisionQuery& q) override {
        Sql sql;
        // The count is of every match, not of what is left after a cursor.
        sql.text = "SELECT count(*) FROM decisions d";
        sql.text += where(sql, q, false);
        return read([&](Connection& c) { return static_cast<std::size_t>(c.exec(sql.text, sql.params).integer(0, 0)); });
    }

    PanelWrite write_panel_record(const std::string& decision_id, const std::string& record_json,
                                  const WriteExtras& extras) override {
        PanelRecord rec;
        rec.id = "p-" + random_hex16();
        rec.decision_id = decision_id;
        rec.record_json = record_json;
        rec.created_at = now_utc();
        const auto panel_summary = summary::encode_panel(rec.record_json);
        PanelWrite out;
        writer_.transact([&](Tx& tx) {
            out = PanelWrite{};
            if (tx.conn.exec_prepared("SELECT 1 FROM decisions WHERE id = $1", {decision_id}).rows() == 0) return;
            out.decision_found = true;
            if (extras.idempotency && (out.earlier = find_key(tx.conn, *extras.idempotency))) return;
            const auto latest = tx.conn.exec_prepared(
                "SELECT id FROM panel_records WHERE decision_id = $1 ORDER BY seq DESC LIMIT 1", {decision_id});
            rec.supersedes = latest.rows() ? latest.text(0, 0) : std::string();
            tx.conn.exec_prepared(std::string("INSERT INTO panel_records (") + kPanelColumns + ") VALUES ($1, $2, $3, $4, $5)",
                         {rec.id, rec.decision_id, rec.record_json, rec.supersedes, rec.created_at});
            tx.conn.exec_prepared("UPDATE decision_summaries SET panel = $2 WHERE seq = (SELECT seq FROM decisions WHERE id = $1)",
                         {rec.decision_id, panel_summary});
            insert_change(tx, rec.created_at, "panel_record", rec.decision_id, rec.id);
            if (extras.idempotency) insert_key(tx.conn, *extras.idempotency, rec.id, rec.created_at);
            if (extras.audit) {
                AuditEntry audit = *extras.audit;
                audit.decision_id = rec.decision_id;
                audit.panel_record_id = rec.id;
                insert_audit(tx, std::move(audit));
            }
            out.record = rec;
        });
        return out;
    }

    std::vector<PanelRecord> panel_records(const std::string& decision_id) override {
        return read([&](Connection& c) {
            const auto r = c.exec(std::string("SELECT ") + kPanelColumns +
                                      " FROM panel_records WHERE decision_id = $1 ORDER BY seq",
                                  {decision_id});
            std::vector<PanelRecord> out;
            for (int i = 0; i < r.rows(); ++i) out.push_back(read_panel(r, i));
            return out;
        });
    }

    std::optional<IdempotentUse> find_idempotent(const std::string& scope, const std::string& key) override {
        return read([&](Connection& c) { return find_key(c, IdempotencyKey{scope, key, {}}); });
    }

    EraseResult erase_decision(Erasure erasure, const Redaction& redact,
                               const std::optional<AuditEntry>& audit) override {
        erasure.at = now_utc();
        EraseResult result;
        writer_.transact([&](Tx& tx) {
            result = EraseResult{};
            erase_in_transaction(tx, erasure, redact, audit, result);
        });
        return result;
    }

    EraseResult rectify_decision(DecisionRecord replacement, Erasure erasure, const Redaction& redact,
                                 const std::optional<AuditEntry>& audit) override {
        replacement.created_at = now_utc();
        erasure.at = replacement.created_at;
        erasure.superseded_by = replacement.id;
        EraseResult result;
        const auto summary = summary::encode_decision(replacement);
        const DecisionInsert stored{&replacement, &summary, nullptr, nullptr, nullptr};
        writer_.transact([&](Tx& tx) {
            result = EraseResult{};
            const auto r = tx.conn.exec(std::string("SELECT ") + kDecisionFrom + " WHERE d.id = $1", {erasure.decision_id});
            if (r.rows() == 0) return;
            const auto existing = read_decision(r, 0);
            if (existing.erased) {
                result.found = true;
                result.already = true;
                result.erasure = *existing.erased;
                return;
            }
            tx.change = insert_decisions(tx.conn, tx.audit, tx.decided, {&stored});
            erase_in_transaction(tx, erasure, redact, audit, result);
        });
        return result;
    }

    std::vector<Change> changes_after(std::int64_t after, std::size_t limit) override {
        return read([&](Connection& c) {
            const auto r = c.exec("SELECT seq, at, kind, decision_id, panel_record_id FROM changes WHERE seq > $1 "
                                  "ORDER BY seq LIMIT $2",
                                  {std::to_string(after), std::to_string(limit)});
            std::vector<Change> out;
            for (int i = 0; i < r.rows(); ++i)
                out.push_back(Change{r.integer(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.optional_text(i, 4)});
            return out;
        });
    }

    std::int64_t last_change_seq() override {
        return read([](Connection& c) { return c.exec("SELECT coalesce(max(seq), 0) FROM changes").integer(0, 0); });
    }

    bool wait_for_change(std::int64_t after, std::chrono::milliseconds timeout) override {
        std::unique_lock lock(change_mutex_);
        return change_cv_.wait_for(lock, timeout, [&] { return stopping_ || last_change_ > after; }) &&
               last_change_ > after;
    }

    bool wait_for_policy(std::int64_t after, std::chrono::milliseconds timeout) override {
        std::unique_lock lock(change_mutex_);
        return change_cv_.wait_for(lock, timeout, [&] { return stopping_ || last_policy_ > after; }) &&
               last_policy_ > after;
    }

    void scan_decisions(const DecisionQuery& q, const DecisionVisitor& visit) override {
        constexpr std::int64_t kPage = 256;
        std::int64_t last = 0;
        for (;;) {
            // One parameter per statement: the order they are numbered in is the order written.
            Sql sql;
            const auto filters = where(sql, q, true);
            const auto after = sql.param(last);
            const auto limit = sql.param(kPage);
            sql.text = std::string("SELECT p.id, p.decision_id, p.record, p.supersedes, p.created_at, ") +
                       kDecisionFrom +
                       " LEFT JOIN panel_records p ON p.seq = (SELECT max(seq) FROM panel_records WHERE "
                       "decision_id = d.id)" +
                       filters + (filters.empty() ? " WHERE " : " AND ") + "d.seq > " + after +
                       " ORDER BY d.seq LIMIT " + limit;
            std::vector<std::pair<DecisionRecord, std::optional<PanelRecord>>> page;
            read([&](Connection& c) {
                page.clear();
                const auto r = c.exec(sql.text, sql.params);
                for (int i = 0; i < r.rows(); ++i) {
                    std::optional<PanelRecord> panel;
                    if (r.optional_text(i, 0)) panel = read_panel(r, i);
                    page.emplace_back(read_decision(r, i, 5), std::move(panel));
                }
                return 0;
            });
            for (const auto& [decision, panel] : page) visit(decision, panel);
            if (static_cast<std::int64_t>(page.size()) < kPage) return;
            last = page.back().first.seq;
        }
    }

    void scan_summaries(const DecisionQuery& q, const SummaryVisitor& visit) override {
        // Pages by seq range rather than by LIMIT: each statement reads at most kSpan seqs
        // through the primary key, whatever the filters select, so no plan can sort or scan
        // the whole table once per page. (With `seq > last ... ORDER BY seq LIMIT n` and a
        // date or policy filter PostgreSQL chose a bitmap scan or a sequential scan and a sort
        // per page, and a filtered report over a million decisions took 7-10 s.) Rows stored
        // after the first statement are not read, as they would be by a report begun later.
        constexpr std::int64_t kSpan = 32768;  // two pages, about 22 MB, in memory at once
        const auto [first, last] = read([](Connection& c) {
            const auto r = c.exec("SELECT coalesce(min(seq), 1), coalesce(max(seq), 0) FROM decision_summaries");
            return std::make_pair(r.integer(0, 0), r.integer(0, 1));
        });
        const auto fetch = [this, &q](std::int64_t after) {
            Sql sql;
            sql.text = "SELECT seq, day, policy_id, policy_version, summary, panel FROM decision_summaries WHERE seq > ";
            sql.text += sql.param(after);
            sql.text += " AND seq <= " + sql.param(after + kSpan);
            if (q.from) sql.text += " AND day >= " + sql.param(*q.from);
            if (q.to) sql.text += " AND day <= " + sql.param(*q.to);
            if (q.policy) sql.text += " AND policy_id = " + sql.param(*q.policy);
            sql.text += " ORDER BY seq";
            return read([&](Connection& c) { return c.exec(sql.text, sql.params); });
        };
        if (last < first) return;
        // The next page is fetched on a second thread while `visit` is called for this one's
        // rows (views into the result, no copy): PostgreSQL's sending and the caller's work
        // overlap instead of taking turns. A failed fetch throws from get(), here.
        auto next = std::async(std::launch::async, fetch, first - 1);
        for (std::int64_t after = first - 1;;) {
            const auto page = next.get();
            after += kSpan;
            const bool more = after < last;
            if (more) next = std::async(std::launch::async, fetch, after);
            SummaryRow row;
            for (int i = 0; i < page.rows(); ++i) {
                row.seq = page.integer(i, 0);
                row.day = page.view(i, 1);
                row.policy_id = page.view(i, 2);
                row.policy_version = page.view(i, 3);
                row.summary = page.view(i, 4);
                if (page.null(i, 5)) row.panel.reset();
                else row.panel = page.view(i, 5);
                visit(row);
            }
            if (!more) return;
        }
    }

    void add_audit(const AuditEntry& entry) override {
        writer_.transact([&](Tx& tx) { insert_audit(tx, entry); });
    }

    std::vector<AuditEntry> find_audit(const AuditQuery& q) override {
        Sql sql;
        sql.text = std::string("SELECT ") + kAuditColumns + " FROM audit WHERE id > ";
        sql.text += sql.param(q.after);
        if (q.decision) sql.text += " AND decision_id = " + sql.param(*q.decision);
        if (q.principal) sql.text += " AND principal = " + sql.param(*q.principal);
        if (q.from) sql.text += " AND substr(at, 1, 10) >= " + sql.param(*q.from);
        if (q.to) sql.text += " AND substr(at, 1, 10) <= " + sql.param(*q.to);
        sql.text += " ORDER BY id LIMIT " + sql.param(static_cast<std::int64_t>(q.limit));
        return read([&](Connection& c) {
            const auto r = c.exec(sql.text, sql.params);
            std::vector<AuditEntry> out;
            for (int i = 0; i < r.rows(); ++i) out.push_back(read_audit(r, i));
            return out;
        });
    }

    PolicyWrite write_policy(StoredPolicy policy, std::optional<std::int64_t> seen_seq) override {
        policy.uploaded_at = now_utc();
        PolicyWrite out;
        writer_.transact([&](Tx& tx) {
            // Under the write lock, a version another replica stored first is seen here; the
            // UNIQUE constraint stands behind it.
            out = PolicyWrite{};
            const auto found = tx.conn.exec(std::string("SELECT ") + kPolicyColumns +
                                                " FROM policies WHERE policy_id = $1 AND version = $2",
                                            {policy.policy_id, policy.version});
            if (found.rows()) {
                out.policy = read_policy(found, 0);
                return;
            }
            // Another version of this policy stored since the caller last read them: the
            // caller checks against it first.
            if (seen_seq && tx.conn.exec("SELECT 1 FROM policies WHERE policy_id = $1 AND seq > $2 LIMIT 1",
                                         {policy.policy_id, std::to_string(*seen_seq)})
                                .rows()) {
                out.stale = true;
                return;
            }
            const auto r = tx.conn.exec(
                "INSERT INTO policies (policy_id, version, sha256, file, source, uploaded_by, uploaded_at, request_id) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq",
                {policy.policy_id, policy.version, policy.sha256, policy.file, policy.source, policy.uploaded_by,
                 policy.uploaded_at, policy.request_id});
            out.policy = policy;
            out.policy.seq = r.integer(0, 0);
            out.added = true;
            tx.policy = out.policy.seq;
        });
        return out;
    }

    std::vector<StoredPolicy> policies_after(std::int64_t after) override {
        return read([&](Connection& c) {
            const auto r = c.exec(std::string("SELECT ") + kPolicyColumns + " FROM policies WHERE seq > $1 ORDER BY seq",
                                  {std::to_string(after)});
            std::vector<StoredPolicy> out;
            for (int i = 0; i < r.rows(); ++i) out.push_back(read_policy(r, i));
            return out;
        });
    }

    std::vector<DecidedUnder> decided_under() override {
        return read([](Connection& c) {
            const auto r = c.exec("SELECT policy_id, policy_version, policy_sha256, first_decided_at FROM "
                                  "decided_under ORDER BY policy_id COLLATE \"C\", policy_version COLLATE \"C\", "
                                  "policy_sha256 COLLATE \"C\"");
            std::vector<DecidedUnder> out;
            for (int i = 0; i < r.rows(); ++i) out.push_back(DecidedUnder{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3)});
            return out;
        });
    }

    void check_available() override {
        read([](Connection& c) { return c.exec("SELECT 1").rows(); });
    }

private:
    // The check at start cancels a page's statement when the server stops (a lock held on the
    // table would keep it waiting up to the statement timeout).
    std::optional<std::vector<AuditEntry>> audit_page(std::int64_t after, std::size_t limit,
                                                      const std::atomic<bool>* stop) override {
        if (!stop) return Store::audit_page(after, limit, stop);
        const std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit WHERE id > $1 ORDER BY id LIMIT $2";
        return read([&](Connection& c) -> std::optional<std::vector<AuditEntry>> {
            const auto r = c.exec_unless(*stop, sql, {std::to_string(after), std::to_string(limit)});
            if (!r) return std::nullopt;
            std::vector<AuditEntry> out;
            for (int i = 0; i < r->rows(); ++i) out.push_back(read_audit(*r, i));
            return out;
        });
    }

    // Runs `work` on a pooled connection; when the connection is found broken (the server
    // restarted since it was last used), the pool closes every connection as old as it and
    // `work` is retried once, on a connection opened since. Throws StoreError.
    template <class Work>
    std::invoke_result_t<Work&, Connection&> read(Work&& work) {
        for (int attempt = 0;; ++attempt) {
            auto lease = pool_.acquire();
            try {
                return work(*lease);
            } catch (const pg::Error& e) {
                if (!e.lost() || attempt > 0) throw;
                lease.lost();
            }
        }
    }

    // After a local commit: the waiters need not wait for the notification to come back.
    void committed(std::int64_t change, std::int64_t policy) {
        if (!change && !policy) return;
        {
            std::lock_guard lock(change_mutex_);
            last_change_ = std::max(last_change_, change);
            last_policy_ = std::max(last_policy_, policy);
        }
        change_cv_.notify_all();
    }

    static std::pair<std::int64_t, std::int64_t> latest(Connection& c) {
        const auto r = c.exec("SELECT (SELECT coalesce(max(seq), 0) FROM changes), "
                              "(SELECT coalesce(max(seq), 0) FROM policies)");
        return {r.integer(0, 0), r.integer(0, 1)};
    }

    // Waits up to `timeout` for a notification on `conn` or for the store to close; true when
    // one came. Throws pg::Error (lost) when the connection broke.
    bool wait_notification(Connection& conn, std::chrono::milliseconds timeout) {
        pollfd fds[2] = {{PQsocket(conn.get()), POLLIN, 0}, {wake_[0], POLLIN, 0}};
        poll(fds, 2, static_cast<int>(timeout.count()));
        if (fds[0].revents == 0) return false;
        if (PQconsumeInput(conn.get()) != 1) throw pg::Error(pg::kUnreachable, "", true);
        bool any = false;
        while (PGnotify* n = PQnotifies(conn.get())) {
            PQfreemem(n);
            any = true;
        }
        return any;
    }

    // The listener thread: follows the channel and checks the newest seqs every second anyway
    // (a notification sent while this connection was down is never delivered). Its connection
    // is usually the first to see the server go (it is always waiting on its socket): when it
    // breaks, the pool's connections of its age are closed before a request finds them broken.
    void listen_loop() {
        constexpr auto kCheckEvery = std::chrono::seconds(1);
        std::unique_ptr<Connection> conn;
        std::uint64_t generation = 0;  // the pool's when `conn` was opened
        auto checked = std::chrono::steady_clock::now();
        for (;;) {
            {
                std::lock_guard lock(change_mutex_);
                if (stopping_) return;
            }
            try {
                bool due = false;
                if (!conn || conn->broken()) {
                    if (conn) pool_.lost(generation);
                    conn.reset();
                    generation = pool_.generation();
                    conn = std::make_unique<Connection>(url_, statement_timeout_);
                    conn->exec(std::string("LISTEN ") + pg::kChannel);
                    due = true;
                }
                due = wait_notification(*conn, std::chrono::milliseconds(500)) || due ||
                      std::chrono::steady_clock::now() - checked >= kCheckEvery;
                if (!due) continue;
                checked = std::chrono::steady_clock::now();
                const auto [change, policy] = latest(*conn);
                {
                    std::lock_guard lock(change_mutex_);
                    last_change_ = std::max(last_change_, change);
                    last_policy_ = std::max(last_policy_, policy);
                }
                change_cv_.notify_all();
            } catch (const StoreError& e) {
                const auto* failure = dynamic_cast<const pg::Error*>(&e);
                if (conn && failure && failure->lost()) pool_.lost(generation);
                conn.reset();
                pollfd wake{wake_[0], POLLIN, 0};
                poll(&wake, 1, 500);  // the server is away: try again shortly, or stop
            }
        }
    }

    static void insert_change(Tx& tx, const std::string& at, const char* kind, const std::string& decision_id,
                              const std::optional<std::string>& panel_record_id) {
        const auto r = tx.conn.exec_prepared(
            "INSERT INTO changes (at, kind, decision_id, panel_record_id) VALUES ($1, $2, $3, $4) RETURNING seq",
            {at, std::string(kind), decision_id, panel_record_id});
        tx.change = r.integer(0, 0);
    }

    // Appends `entry` (at set now) chained after the newest entry (pg::AuditHead).
    static void insert_audit(Tx& tx, AuditEntry entry) {
        tx.audit.link(tx.conn, entry);
        tx.conn.exec_prepared("INSERT INTO audit (at, principal, client, request_id, action, route, decision_id, "
                              "panel_record_id, detail, status, client_request_id, hash) VALUES ($1, $2, $3, $4, $5, "
                              "$6, $7, $8, $9, $10, $11, $12)",
                              audit_params(entry));
    }

    static std::optional<IdempotentUse> find_key(Connection& c, const IdempotencyKey& key) {
        const auto r =
            c.exec_prepared("SELECT target, body_sha256 FROM idempotency WHERE scope = $1 AND key = $2", {key.scope, key.key});
        if (r.rows() == 0) return std::nullopt;
        return IdempotentUse{r.text(0, 0), r.text(0, 1)};
    }

    static void insert_key(Connection& c, const IdempotencyKey& key, const std::string& target,
                           const std::string& at) {
        c.exec_prepared("INSERT INTO idempotency (scope, key, body_sha256, target, created_at) VALUES ($1, $2, $3, $4, $5)",
               {key.scope, key.key, key.body_sha256, target, at});
    }

    static void erase_in_transaction(Tx& tx, const Erasure& erasure, const Redaction& redact,
                                     const std::optional<AuditEntry>& audit, EraseResult& result) {
        auto& c = tx.conn;
        const auto r = c.exec(std::string("SELECT ") + kDecisionFrom + " WHERE d.id = $1", {erasure.decision_id});
        if (r.rows() == 0) return;
        result.found = true;
        const auto record = read_decision(r, 0);
        if (record.erased) {
            result.already = true;
            result.erasure = *record.erased;
            return;
        }
        c.exec(std::string("INSERT INTO erasures (") + kErasureColumns + ") VALUES ($1, $2, $3, $4, $5, $6)",
               {erasure.decision_id, erasure.at, erasure.principal, erasure.reason, erasure.request_id,
                erasure.superseded_by});
        DecisionRecord kept = record;  // as it reads once erased
        kept.case_ref.clear();
        kept.request_json.clear();
        kept.response_json = redact.response(record);
        kept.erased = erasure;
        c.exec("UPDATE decisions SET case_ref = '', request = '', response = $2 WHERE id = $1",
               {erasure.decision_id, kept.response_json});
        const auto panels =
            c.exec("SELECT id, record FROM panel_records WHERE decision_id = $1 ORDER BY seq", {erasure.decision_id});
        std::optional<std::string> latest_panel;
        for (int i = 0; i < panels.rows(); ++i) {
            latest_panel = redact.panel(panels.text(i, 1));
            c.exec("UPDATE panel_records SET record = $2 WHERE id = $1", {panels.text(i, 0), *latest_panel});
        }
        // The contribution as the erased decision now gives it (its lines and the child's data
        // gone).
        c.exec("UPDATE decision_summaries SET summary = $2, panel = $3 WHERE seq = $1",
               {std::to_string(record.seq), summary::encode_decision(kept),
                latest_panel ? std::optional<std::string>(summary::encode_panel(*latest_panel)) : std::nullopt});
        insert_change(tx, erasure.at, "erasure", erasure.decision_id, std::nullopt);
        if (audit) {
            AuditEntry entry = *audit;
            entry.decision_id = erasure.decision_id;
            insert_audit(tx, std::move(entry));
        }
        result.erasure = erasure;
    }

    const std::string url_;
    const std::chrono::milliseconds statement_timeout_;  // for the listener's connection
    pg::Pool pool_;
    std::mutex change_mutex_;
    std::condition_variable change_cv_;
    std::int64_t last_change_ = 0;  // guarded by change_mutex_: the newest committed change seen
    std::int64_t last_policy_ = 0;  // guarded by change_mutex_: the newest committed policy seen
    bool stopping_ = false;         // guarded by change_mutex_
    int wake_[2] = {-1, -1};        // a pipe: a byte wakes the listener to stop
    std::thread listener_;
    pg::GroupWriter writer_;  // last: its thread calls committed() until stop()
};

}  // namespace

std::unique_ptr<Store> open_postgresql_store(const std::string& url, std::size_t pool,
                                             std::chrono::milliseconds statement_timeout) {
    return std::make_unique<PgStore>(url, pool, statement_timeout);
}

}  // namespace jointly::server
