// The SQLite decision store and audit trail: one writer thread committing in groups, one
// reader connection.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>

#include "jointly/server/store.hpp"
#include "decided_under_cache.hpp"
#include "store_common.hpp"
#include "store_sqlite_db.hpp"
#include "summary_contribution.hpp"

namespace jointly::server {
namespace {

using sqlite::Db;
using sqlite::kAuditColumns;
using sqlite::kDecisionColumns;
using sqlite::kDecisionSelect;
using sqlite::kErasureColumns;
using sqlite::kPolicyColumns;
using sqlite::read_audit;
using sqlite::read_decision;
using sqlite::read_policy;
using sqlite::ResetOnExit;
using sqlite::Stmt;
using store_detail::now_utc;
using store_detail::random_hex16;

class SqliteStore final : public Store {
public:
    explicit SqliteStore(const std::filesystem::path& path) : writer_db_(path) {
        writer_db_.exec("PRAGMA journal_mode=WAL");
        writer_db_.exec("PRAGMA synchronous=FULL");
        writer_db_.exec("PRAGMA foreign_keys=ON");
        // Erased text is overwritten with zeros in the database file, not left in free pages.
        writer_db_.exec("PRAGMA secure_delete=ON");
        open_warnings_ = sqlite::migrate(writer_db_, path.string());
        reader_db_ = std::make_unique<Db>(path);
        reader_db_->exec("PRAGMA foreign_keys=ON");
        insert_decision_ = std::make_unique<Stmt>(
            writer_db_, std::string("INSERT INTO decisions (") + kDecisionColumns +
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
        insert_summary_ = std::make_unique<Stmt>(writer_db_, sqlite::kInsertSummary);
        insert_decided_ = std::make_unique<Stmt>(writer_db_, sqlite::kInsertDecidedUnder);
        update_panel_summary_ = std::make_unique<Stmt>(
            writer_db_, "UPDATE decision_summaries SET panel = ?2 WHERE seq = (SELECT seq FROM decisions WHERE id = ?1)");
        decision_exists_ = std::make_unique<Stmt>(writer_db_, "SELECT 1 FROM decisions WHERE id = ?1");
        latest_panel_ = std::make_unique<Stmt>(
            writer_db_, "SELECT id FROM panel_records WHERE decision_id = ?1 ORDER BY seq DESC LIMIT 1");
        insert_panel_ = std::make_unique<Stmt>(
            writer_db_,
            "INSERT INTO panel_records (id, decision_id, record, supersedes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
        insert_audit_ = std::make_unique<Stmt>(
            writer_db_,
            "INSERT INTO audit (at, principal, client, request_id, action, route, decision_id, panel_record_id, "
            "detail, status, client_request_id, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
        // The newest entry with a hash: one an older jointly wrote without is outside the chain.
        audit_head_ = std::make_unique<Stmt>(
            writer_db_, "SELECT hash FROM audit WHERE coalesce(hash, '') <> '' ORDER BY id DESC LIMIT 1");
        find_key_ = std::make_unique<Stmt>(writer_db_,
                                           "SELECT target, body_sha256 FROM idempotency WHERE scope = ?1 AND key = ?2");
        insert_key_ = std::make_unique<Stmt>(
            writer_db_,
            "INSERT INTO idempotency (scope, key, body_sha256, target, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
        insert_change_ = std::make_unique<Stmt>(
            writer_db_, "INSERT INTO changes (at, kind, decision_id, panel_record_id) VALUES (?1, ?2, ?3, ?4)");
        get_decision_ = std::make_unique<Stmt>(*reader_db_, std::string(kDecisionSelect) + " WHERE d.id = ?1");
        get_panels_ = std::make_unique<Stmt>(
            *reader_db_,
            "SELECT id, decision_id, record, supersedes, created_at FROM panel_records WHERE decision_id = ?1 ORDER BY seq");
        {
            Stmt last(writer_db_, "SELECT coalesce(max(seq), 0) FROM changes");
            last.step();
            last_change_ = last.integer(0);
            Stmt policy(writer_db_, "SELECT coalesce(max(seq), 0) FROM policies");
            policy.step();
            last_policy_ = policy.integer(0);
        }
        writer_ = std::thread([this] { write_loop(); });
    }

    ~SqliteStore() override {
        {
            std::lock_guard lock(queue_mutex_);
            stopping_ = true;
        }
        queue_cv_.notify_all();
        change_cv_.notify_all();
        if (writer_.joinable()) writer_.join();
    }

    WriteResult write_decision(DecisionRecord record, const WriteExtras& extras) override {
        record.created_at = now_utc();
        WriteResult result;
        result.created_at = record.created_at;
        std::optional<IdempotentUse> earlier;
        // On the caller's thread: the writer thread only inserts it.
        const auto summary = summary::encode_decision(record);
        submit([this, &record, &summary, &extras, &earlier]() -> std::string {
            if (extras.idempotency && (earlier = find_key(*extras.idempotency))) return {};
            insert_decision(record, summary);
            if (extras.idempotency) insert_key(*extras.idempotency, record.id, record.created_at);
            if (extras.audit) {
                AuditEntry audit = *extras.audit;
                audit.decision_id = record.id;
                insert_audit(audit);
            }
            return {};
        });
        if (earlier) {
            result.created_at.clear();
            result.earlier = std::move(earlier);
        }
        return result;
    }

    std::optional<DecisionRecord> get_decision(const std::string& id) override {
        std::lock_guard lock(reader_mutex_);
        auto& s = *get_decision_;
        ResetOnExit guard{s};
        s.bind(1, id);
        if (!s.step()) return std::nullopt;
        return read_decision(s);
    }

    std::vector<DecisionRecord> find_decisions(const DecisionQuery& q) override {
        std::string sql = std::string(kDecisionSelect) + where(q, "d.") + " ORDER BY d.seq DESC LIMIT ?10 OFFSET ?11";
        std::lock_guard lock(reader_mutex_);
        Stmt s(*reader_db_, sql);
        bind_query(s, q);
        s.bind(10, static_cast<std::int64_t>(q.limit)).bind(11, static_cast<std::int64_t>(q.offset));
        std::vector<DecisionRecord> out;
        while (s.step()) out.push_back(read_decision(s));
        return out;
    }

    std::size_t count_decisions(const DecisionQuery& q) override {
        std::lock_guard lock(reader_mutex_);
        DecisionQuery all = q;
        all.before.reset();  // the count is of every match, not of what is left after a cursor
        Stmt s(*reader_db_, "SELECT count(*) FROM decisions d" + where(all, "d."));
        bind_query(s, all);
        s.step();
        return static_cast<std::size_t>(s.integer(0));
    }

    PanelWrite write_panel_record(const std::string& decision_id, const std::string& record_json,
                                  const WriteExtras& extras) override {
        PanelWrite out;
        PanelRecord rec;
        rec.id = "p-" + random_hex16();
        rec.decision_id = decision_id;
        rec.record_json = record_json;
        rec.created_at = now_utc();
        const auto panel_summary = summary::encode_panel(rec.record_json);
        submit([this, &rec, &panel_summary, &extras, &out]() -> std::string {
            {
                auto& e = *decision_exists_;
                ResetOnExit guard{e};
                e.bind(1, rec.decision_id);
                if (!e.step()) return {};
            }
            out.decision_found = true;
            if (extras.idempotency && (out.earlier = find_key(*extras.idempotency))) return {};
            {
                auto& l = *latest_panel_;
                ResetOnExit guard{l};
                l.bind(1, rec.decision_id);
                if (l.step()) rec.supersedes = l.text(0);
            }
            auto& s = *insert_panel_;
            ResetOnExit guard{s};
            s.bind(1, rec.id).bind(2, rec.decision_id).bind(3, rec.record_json).bind(4, rec.supersedes);
            s.bind(5, rec.created_at);
            s.step();
            {
                auto& u = *update_panel_summary_;
                ResetOnExit reset{u};
                u.bind(1, rec.decision_id).bind(2, panel_summary);
                u.step();
            }
            insert_change(rec.created_at, "panel_record", rec.decision_id, rec.id);
            if (extras.idempotency) insert_key(*extras.idempotency, rec.id, rec.created_at);
            if (extras.audit) {
                AuditEntry audit = *extras.audit;
                audit.decision_id = rec.decision_id;
                audit.panel_record_id = rec.id;
                insert_audit(audit);
            }
            out.record = rec;
            return {};
        });
        return out;
    }

    std::vector<PanelRecord> panel_records(const std::string& decision_id) override {
        std::lock_guard lock(reader_mutex_);
        auto& s = *get_panels_;
        ResetOnExit guard{s};
        s.bind(1, decision_id);
        std::vector<PanelRecord> out;
        while (s.step()) out.push_back(PanelRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4)});
        return out;
    }

    std::optional<IdempotentUse> find_idempotent(const std::string& scope, const std::string& key) override {
        std::lock_guard lock(reader_mutex_);
        Stmt s(*reader_db_, "SELECT target, body_sha256 FROM idempotency WHERE scope = ?1 AND key = ?2");
        s.bind(1, scope).bind(2, key);
        if (!s.step()) return std::nullopt;
        return IdempotentUse{s.text(0), s.text(1)};
    }

    EraseResult erase_decision(Erasure erasure, const Redaction& redact,
                               const std::optional<AuditEntry>& audit) override {
        erasure.at = now_utc();
        EraseResult result;
        submit([this, &erasure, &redact, &audit, &result]() -> std::string {
            erase_in_transaction(erasure, redact, audit, result);
            return {};
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
        submit([this, &replacement, &summary, &erasure, &redact, &audit, &result]() -> std::string {
            if (!find_erasure(erasure.decision_id, result)) return {};
            if (result.already) return {};
            insert_decision(replacement, summary);
            erase_in_transaction(erasure, redact, audit, result);
            return {};
        });
        return result;
    }

    std::vector<Change> changes_after(std::int64_t after, std::size_t limit) override {
        std::lock_guard lock(reader_mutex_);
        Stmt s(*reader_db_,
               "SELECT seq, at, kind, decision_id, panel_record_id FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2");
        s.bind(1, after).bind(2, static_cast<std::int64_t>(limit));
        std::vector<Change> out;
        while (s.step()) out.push_back(Change{s.integer(0), s.text(1), s.text(2), s.text(3), s.optional_text(4)});
        return out;
    }

    std::int64_t last_change_seq() override {
        std::lock_guard lock(reader_mutex_);
        Stmt s(*reader_db_, "SELECT coalesce(max(seq), 0) FROM changes");
        s.step();
        return s.integer(0);
    }

    bool wait_for_policy(std::int64_t after, std::chrono::milliseconds timeout) override {
        std::unique_lock lock(queue_mutex_);
        return change_cv_.wait_for(lock, timeout, [this, after] { return stopping_ || last_policy_ > after; }) &&
               last_policy_ > after;
    }

    void check_available() override {
        std::lock_guard lock(reader_mutex_);
        Stmt s(*reader_db_, "SELECT 1");
        s.step();
    }

    bool wait_for_change(std::int64_t after, std::chrono::milliseconds timeout) override {
        std::unique_lock lock(queue_mutex_);
        return change_cv_.wait_for(lock, timeout, [this, after] { return stopping_ || last_change_ > after; }) &&
               last_change_ > after;
    }

    void scan_decisions(const DecisionQuery& q, const DecisionVisitor& visit) override {
        constexpr std::int64_t kPage = 256;
        // The panel record's 5 columns, then kDecisionSelect's.
        const std::string full = "SELECT p.id, p.decision_id, p.record, p.supersedes, p.created_at, " +
                                 std::string(kDecisionSelect).substr(7) +
                                 " LEFT JOIN panel_records p ON p.seq = (SELECT max(seq) FROM panel_records WHERE "
                                 "decision_id = d.id)" +
                                 where(q, "d.", "d.seq > ?12") + " ORDER BY d.seq LIMIT ?13";
        std::int64_t last = 0;
        for (;;) {
            std::vector<std::pair<DecisionRecord, std::optional<PanelRecord>>> page;
            {
                std::lock_guard lock(reader_mutex_);
                Stmt s(*reader_db_, full);
                bind_query(s, q);
                s.bind(12, last).bind(13, kPage);
                while (s.step()) {
                    DecisionRecord d = read_decision(s, 5);
                    last = d.seq;
                    std::optional<PanelRecord> panel;
                    if (!s.text(0).empty()) panel = PanelRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4)};
                    page.emplace_back(std::move(d), std::move(panel));
                }
            }
            for (const auto& [decision, panel] : page) visit(decision, panel);
            if (static_cast<std::int64_t>(page.size()) < kPage) return;
        }
    }

    void scan_summaries(const DecisionQuery& q, const SummaryVisitor& visit) override {
        constexpr std::int64_t kPage = 8192;
        std::string sql = "SELECT seq, day, policy_id, policy_version, summary, panel FROM decision_summaries WHERE seq > ?1";
        if (q.from) sql += " AND day >= ?2";
        if (q.to) sql += " AND day <= ?3";
        if (q.policy) sql += " AND policy_id = ?4";
        sql += " ORDER BY seq LIMIT ?5";
        struct Owned {  // a row's texts, copied out under the lock; reused from page to page
            std::int64_t seq = 0;
            std::string day, policy_id, policy_version, summary, panel;
            bool has_panel = false;
        };
        std::vector<Owned> page;
        for (std::int64_t last = 0;;) {
            std::size_t n = 0;
            {
                std::lock_guard lock(reader_mutex_);
                Stmt s(*reader_db_, sql);
                s.bind(1, last);
                if (q.from) s.bind(2, *q.from);
                if (q.to) s.bind(3, *q.to);
                if (q.policy) s.bind(4, *q.policy);
                s.bind(5, kPage);
                for (; s.step(); ++n) {
                    if (n == page.size()) page.emplace_back();
                    auto& row = page[n];
                    row.seq = s.integer(0);
                    row.day.assign(s.view(1));
                    row.policy_id.assign(s.view(2));
                    row.policy_version.assign(s.view(3));
                    row.summary.assign(s.view(4));
                    row.has_panel = !s.null(5);
                    row.panel.assign(s.view(5));
                }
            }
            SummaryRow row;
            for (std::size_t i = 0; i < n; ++i) {
                const auto& owned = page[i];
                row.seq = owned.seq;
                row.day = owned.day;
                row.policy_id = owned.policy_id;
                row.policy_version = owned.policy_version;
                row.summary = owned.summary;
                if (owned.has_panel) row.panel = owned.panel;
                else row.panel.reset();
                visit(row);
            }
            if (static_cast<std::int64_t>(n) < kPage) return;
            last = page[n - 1].seq;
        }
    }

    PolicyWrite write_policy(StoredPolicy policy, std::optional<std::int64_t> seen_seq) override {
        policy.uploaded_at = now_utc();
        PolicyWrite out;
        submit([this, &policy, &out, seen_seq]() -> std::string {
            Stmt find(writer_db_, std::string("SELECT ") + kPolicyColumns +
                                      " FROM policies WHERE policy_id = ?1 AND version = ?2");
            find.bind(1, policy.policy_id).bind(2, policy.version);
            if (find.step()) {
                out.policy = read_policy(find);
                return {};
            }
            if (seen_seq) {
                Stmt newer(writer_db_, "SELECT 1 FROM policies WHERE policy_id = ?1 AND seq > ?2 LIMIT 1");
                newer.bind(1, policy.policy_id).bind(2, *seen_seq);
                if (newer.step()) {
                    out.stale = true;
                    return {};
                }
            }
            Stmt insert(writer_db_, "INSERT INTO policies (policy_id, version, sha256, file, source, uploaded_by, "
                                    "uploaded_at, request_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
            insert.bind(1, policy.policy_id).bind(2, policy.version).bind(3, policy.sha256).bind(4, policy.file);
            insert.bind(5, policy.source).bind(6, policy.uploaded_by).bind(7, policy.uploaded_at);
            insert.bind(8, policy.request_id);
            insert.step();
            policy.seq = sqlite3_last_insert_rowid(writer_db_.get());
            out.added = true;
            out.policy = policy;
            return {};
        });
        if (out.added) {
            {
                std::lock_guard lock(queue_mutex_);
                last_policy_ = std::max(last_policy_, out.policy.seq);
            }
            change_cv_.notify_all();
        }
        return out;
    }

    std::vector<StoredPolicy> policies_after(std::int64_t after) override {
        std::lock_guard lock(reader_mutex_);
        Stmt s(*reader_db_, std::string("SELECT ") + kPolicyColumns + " FROM policies WHERE seq > ?1 ORDER BY seq");
        s.bind(1, after);
        std::vector<StoredPolicy> out;
        while (s.step()) out.push_back(read_policy(s));
        return out;
    }

    std::vector<DecidedUnder> decided_under() override {
        std::lock_guard lock(reader_mutex_);
        return sqlite::read_decided_under(*reader_db_);
    }

    void add_audit(const AuditEntry& entry) override {
        submit([this, &entry]() -> std::string {
            insert_audit(entry);
            return {};
        });
    }

    std::vector<AuditEntry> find_audit(const AuditQuery& q) override {
        std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit WHERE id > ?5";
        if (q.decision) sql += " AND decision_id = ?1";
        if (q.principal) sql += " AND principal = ?2";
        if (q.from) sql += " AND substr(at, 1, 10) >= ?3";
        if (q.to) sql += " AND substr(at, 1, 10) <= ?4";
        sql += " ORDER BY id LIMIT ?6";
        std::lock_guard lock(reader_mutex_);
        Stmt s(*reader_db_, sql);
        if (q.decision) s.bind(1, *q.decision);
        if (q.principal) s.bind(2, *q.principal);
        if (q.from) s.bind(3, *q.from);
        if (q.to) s.bind(4, *q.to);
        s.bind(5, q.after).bind(6, static_cast<std::int64_t>(q.limit));
        std::vector<AuditEntry> out;
        while (s.step()) out.push_back(read_audit(s));
        return out;
    }

private:
    // Writer-thread helpers, run inside a job's savepoint.
    // `summary`: summary::encode_decision(rec).
    void insert_decision(const DecisionRecord& rec, const std::string& summary) {
        {
            auto& s = *insert_decision_;
            ResetOnExit guard{s};
            s.bind(1, rec.id).bind(2, rec.case_ref).bind(3, rec.policy_id).bind(4, rec.policy_version);
            s.bind(5, rec.policy_sha256).bind(6, rec.as_of).bind(7, rec.created_at).bind(8, rec.outcome);
            s.bind(9, rec.total).bind(10, rec.request_json).bind(11, rec.response_json);
            s.step();
        }
        sqlite::insert_summary(*insert_summary_, sqlite3_last_insert_rowid(writer_db_.get()), rec, summary, std::nullopt);
        insert_change(rec.created_at, "decision", rec.id, std::nullopt);
        if (decided_.wanted(rec)) sqlite::insert_decided_under(*insert_decided_, rec);
    }

    void insert_change(const std::string& at, const char* kind, const std::string& decision_id,
                       const std::optional<std::string>& panel_record_id) {
        auto& s = *insert_change_;
        ResetOnExit guard{s};
        s.bind(1, at).bind(2, std::string(kind)).bind(3, decision_id).bind(4, panel_record_id);
        s.step();
        changed_ = true;
    }

    // Appends `entry` (at set now) chained from the newest hashed entry's hash, read here in the
    // writer's transaction: a job rolled back to its savepoint leaves no link behind.
    void insert_audit(AuditEntry entry) {
        entry.at = now_utc();
        std::string previous = kAuditGenesis;
        {
            auto& head = *audit_head_;
            ResetOnExit guard{head};
            if (head.step()) previous = head.optional_text(0).value_or("");
        }
        const std::string hash = audit_chain_hash(previous, entry);
        auto& s = *insert_audit_;
        ResetOnExit guard{s};
        s.bind(1, entry.at).bind(2, entry.principal).bind(3, entry.client).bind(4, entry.request_id);
        s.bind(5, entry.action).bind(6, entry.route).bind(7, entry.decision_id).bind(8, entry.panel_record_id);
        s.bind(9, entry.detail).bind(10, static_cast<std::int64_t>(entry.status)).bind(11, entry.client_request_id);
        s.bind(12, hash);
        s.step();
    }

    std::optional<IdempotentUse> find_key(const IdempotencyKey& key) {
        auto& s = *find_key_;
        ResetOnExit guard{s};
        s.bind(1, key.scope).bind(2, key.key);
        if (!s.step()) return std::nullopt;
        return IdempotentUse{s.text(0), s.text(1)};
    }

    void insert_key(const IdempotencyKey& key, const std::string& target, const std::string& at) {
        auto& s = *insert_key_;
        ResetOnExit guard{s};
        s.bind(1, key.scope).bind(2, key.key).bind(3, key.body_sha256).bind(4, target).bind(5, at);
        s.step();
    }

    // Whether decision `id` exists (result.found); result.already and result.erasure when it
    // was erased before.
    bool find_erasure(const std::string& id, EraseResult& result) {
        Stmt s(writer_db_, std::string(kDecisionSelect) + " WHERE d.id = ?1");
        s.bind(1, id);
        if (!s.step()) return false;
        result.found = true;
        auto record = read_decision(s);
        if (record.erased) {
            result.already = true;
            result.erasure = *record.erased;
        }
        return true;
    }

    void erase_in_transaction(const Erasure& erasure, const Redaction& redact,
                              const std::optional<AuditEntry>& audit, EraseResult& result) {
        Stmt read(writer_db_, std::string(kDecisionSelect) + " WHERE d.id = ?1");
        read.bind(1, erasure.decision_id);
        if (!read.step()) return;
        result.found = true;
        const auto record = read_decision(read);
        if (record.erased) {
            result.already = true;
            result.erasure = *record.erased;
            return;
        }
        {
            Stmt tomb(writer_db_, std::string("INSERT INTO erasures (") + kErasureColumns +
                                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
            tomb.bind(1, erasure.decision_id).bind(2, erasure.at).bind(3, erasure.principal).bind(4, erasure.reason);
            tomb.bind(5, erasure.request_id).bind(6, erasure.superseded_by);
            tomb.step();
        }
        DecisionRecord kept = record;  // as it reads once erased
        kept.case_ref.clear();
        kept.request_json.clear();
        kept.response_json = redact.response(record);
        kept.erased = erasure;
        {
            Stmt blank(writer_db_, "UPDATE decisions SET case_ref = '', request = '', response = ?2 WHERE id = ?1");
            blank.bind(1, erasure.decision_id).bind(2, kept.response_json);
            blank.step();
        }
        std::vector<std::pair<std::string, std::string>> panels;
        {
            Stmt list(writer_db_, "SELECT id, record FROM panel_records WHERE decision_id = ?1 ORDER BY seq");
            list.bind(1, erasure.decision_id);
            while (list.step()) panels.emplace_back(list.text(0), list.text(1));
        }
        std::optional<std::string> latest_panel;
        for (const auto& [id, text] : panels) {
            Stmt blank(writer_db_, "UPDATE panel_records SET record = ?2 WHERE id = ?1");
            latest_panel = redact.panel(text);
            blank.bind(1, id).bind(2, *latest_panel);
            blank.step();
        }
        {
            // The contribution as the erased decision now gives it (its lines and the child's
            // data gone).
            Stmt update(writer_db_, "UPDATE decision_summaries SET summary = ?2, panel = ?3 WHERE seq = ?1");
            update.bind(1, record.seq).bind(2, summary::encode_decision(kept));
            update.bind(3, latest_panel ? std::optional<std::string>(summary::encode_panel(*latest_panel)) : std::nullopt);
            update.step();
        }
        insert_change(erasure.at, "erasure", erasure.decision_id, std::nullopt);
        if (audit) {
            AuditEntry entry = *audit;
            entry.decision_id = erasure.decision_id;
            insert_audit(entry);
        }
        result.erasure = erasure;
        checkpoint_wanted_ = true;
    }

    // A write to run on the writer thread inside the group's transaction.
    struct Job {
        std::function<std::string()> work;
        std::promise<std::string> done;
    };

    // The WHERE clause for `q`, columns qualified by `prefix`, plus `extra` when given.
    static std::string where(const DecisionQuery& q, const std::string& prefix, const std::string& extra = "") {
        std::string out;
        auto add = [&](const std::string& clause) { out += (out.empty() ? " WHERE " : " AND ") + clause; };
        if (q.case_ref) add(prefix + "case_ref = ?1");
        if (q.from) add("substr(" + prefix + "created_at, 1, 10) >= ?2");
        if (q.to) add("substr(" + prefix + "created_at, 1, 10) <= ?3");
        if (q.outcome) add(prefix + "outcome = ?4");
        if (q.policy) add(prefix + "policy_id = ?5");
        if (q.before) add(prefix + "seq < ?6");
        if (!extra.empty()) add(extra);
        return out;
    }
    static void bind_query(Stmt& s, const DecisionQuery& q) {
        if (q.case_ref) s.bind(1, *q.case_ref);
        if (q.from) s.bind(2, *q.from);
        if (q.to) s.bind(3, *q.to);
        if (q.outcome) s.bind(4, *q.outcome);
        if (q.policy) s.bind(5, *q.policy);
        if (q.before) s.bind(6, *q.before);
    }

    // Queues `work` and waits until its transaction has committed.
    std::string submit(std::function<std::string()> work) {
        auto job = std::make_shared<Job>();
        job->work = std::move(work);
        auto future = job->done.get_future();
        {
            std::lock_guard lock(queue_mutex_);
            if (stopping_) throw StoreError("the decision store is closing");
            queue_.push_back(job);
        }
        queue_cv_.notify_one();
        return future.get();  // rethrows StoreError
    }

    void write_loop() {
        constexpr std::size_t kMaxGroup = 256;
        for (;;) {
            std::vector<std::shared_ptr<Job>> group;
            {
                std::unique_lock lock(queue_mutex_);
                queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
                if (queue_.empty()) return;  // stopping with nothing left
                while (!queue_.empty() && group.size() < kMaxGroup) {
                    group.push_back(std::move(queue_.front()));
                    queue_.pop_front();
                }
            }
            run_group(group);
        }
    }

    // On the writer thread after a commit: wakes the change feed's waiters, and after an
    // erasure folds the WAL's copies of the old pages into the database (whose freed space
    // secure_delete zeroes) and truncates the WAL. The checkpoint is best effort: a reader
    // holding an old snapshot keeps the WAL, and the next checkpoint finishes the work.
    void after_commit() {
        if (checkpoint_wanted_) {
            checkpoint_wanted_ = false;
            sqlite3_wal_checkpoint_v2(writer_db_.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
        }
        if (!changed_) return;
        changed_ = false;
        Stmt last(writer_db_, "SELECT coalesce(max(seq), 0) FROM changes");
        last.step();
        {
            std::lock_guard lock(queue_mutex_);
            last_change_ = last.integer(0);
        }
        change_cv_.notify_all();
    }

    void run_group(std::vector<std::shared_ptr<Job>>& group) {
        std::vector<std::string> results(group.size());
        std::vector<std::exception_ptr> errors(group.size());
        const auto started = std::chrono::steady_clock::now();
        const auto elapsed = [started] { return std::chrono::steady_clock::now() - started; };
        try {
            writer_db_.exec("BEGIN IMMEDIATE");
        } catch (...) {
            observe_commit(elapsed(), false);
            for (auto& job : group) job->done.set_exception(std::current_exception());
            return;
        }
        for (std::size_t i = 0; i < group.size(); ++i) {
            const auto decided_mark = decided_.mark();
            try {
                writer_db_.exec("SAVEPOINT job");
                results[i] = group[i]->work();
                writer_db_.exec("RELEASE job");
            } catch (...) {
                errors[i] = std::current_exception();
                decided_.rolled_back_to(decided_mark);
                try {
                    writer_db_.exec("ROLLBACK TO job");
                    writer_db_.exec("RELEASE job");
                } catch (...) {
                }
            }
        }
        try {
            writer_db_.exec("COMMIT");
        } catch (...) {
            auto error = std::current_exception();
            try {
                writer_db_.exec("ROLLBACK");
            } catch (...) {
            }
            changed_ = false;
            checkpoint_wanted_ = false;
            decided_.rolled_back();
            observe_commit(elapsed(), false);
            for (auto& job : group) job->done.set_exception(error);
            return;
        }
        decided_.committed();
        observe_commit(elapsed(), true);
        after_commit();
        for (std::size_t i = 0; i < group.size(); ++i) {
            if (errors[i]) group[i]->done.set_exception(errors[i]);
            else group[i]->done.set_value(std::move(results[i]));
        }
    }

    Db writer_db_;  // used only by the writer thread after construction
    std::unique_ptr<Db> reader_db_;
    std::mutex reader_mutex_;
    std::unique_ptr<Stmt> insert_decision_, decision_exists_, latest_panel_, insert_panel_, insert_audit_, audit_head_;
    std::unique_ptr<Stmt> find_key_, insert_key_, insert_change_, insert_summary_, update_panel_summary_, insert_decided_;
    std::unique_ptr<Stmt> get_decision_, get_panels_;
    store_detail::DecidedUnderCache decided_;  // writer thread
    bool changed_ = false;            // writer thread: a change row went into this group
    bool checkpoint_wanted_ = false;  // writer thread: an erasure went into this group
    std::condition_variable change_cv_;
    std::int64_t last_change_ = 0;    // guarded by queue_mutex_: the newest committed change
    std::int64_t last_policy_ = 0;    // guarded by queue_mutex_: the newest committed policy version
    std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::deque<std::shared_ptr<Job>> queue_;
    bool stopping_ = false;
    std::thread writer_;
};

}  // namespace

std::unique_ptr<Store> Store::open(const std::filesystem::path& path) {
    // A new store is created 0600 before SQLite opens it (SQLite would create it 0644 under
    // umask 022): the file holds children's records, and SQLite creates the -wal and -shm
    // files with the database file's mode. An existing file is left as it is.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
    return std::make_unique<SqliteStore>(path);
}

// An id is a capability to guess at: 64 bits from libcrypto's CSPRNG, never a seeded engine.
std::string Store::new_decision_id() { return "d-" + random_hex16(); }

}  // namespace jointly::server
