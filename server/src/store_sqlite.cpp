// The SQLite decision store and audit trail: one writer thread committing in groups, one
// reader connection.
#include <openssl/rand.h>
#include <sqlite3.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "jointly/server/store.hpp"

namespace jointly::server {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS decisions (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT NOT NULL UNIQUE,
  case_ref       TEXT NOT NULL,
  policy_id      TEXT NOT NULL,
  policy_version TEXT NOT NULL,
  policy_sha256  TEXT NOT NULL,
  as_of          TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  outcome        TEXT NOT NULL,
  total          TEXT NOT NULL,
  request        TEXT NOT NULL,
  response       TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS decisions_case_ref ON decisions(case_ref);
CREATE INDEX IF NOT EXISTS decisions_created_at ON decisions(created_at);
CREATE TABLE IF NOT EXISTS panel_records (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  decision_id  TEXT NOT NULL REFERENCES decisions(id),
  record       TEXT NOT NULL,
  supersedes   TEXT NOT NULL,
  created_at   TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS panel_records_decision ON panel_records(decision_id);
CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions
  BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
  BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS panel_no_update BEFORE UPDATE ON panel_records
  BEGIN SELECT RAISE(ABORT, 'panel records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS panel_no_delete BEFORE DELETE ON panel_records
  BEGIN SELECT RAISE(ABORT, 'panel records are append-only'); END;
CREATE TABLE IF NOT EXISTS audit (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  at              TEXT NOT NULL,
  principal       TEXT NOT NULL,
  client          TEXT NOT NULL,
  request_id      TEXT NOT NULL,
  action          TEXT NOT NULL,
  route           TEXT NOT NULL,
  decision_id     TEXT,
  panel_record_id TEXT,
  detail          TEXT,
  status          INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS audit_decision ON audit(decision_id);
CREATE INDEX IF NOT EXISTS audit_principal ON audit(principal);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
)sql";

constexpr const char* kAuditColumns =
    "id, at, principal, client, request_id, action, route, decision_id, panel_record_id, detail, status";

constexpr const char* kDecisionColumns =
    "id, case_ref, policy_id, policy_version, policy_sha256, as_of, created_at, outcome, total, request, response";

std::string now_utc() {
    const auto now = std::chrono::system_clock::now();
    const auto secs = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::array<char, 40> buf{};
    const auto n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
    std::array<char, 8> ms{};
    std::snprintf(ms.data(), ms.size(), ".%03dZ", static_cast<int>(millis));
    return std::string(buf.data(), n) + ms.data();
}

// 16 lowercase hex digits from libcrypto's CSPRNG: ids are unguessable. Throws StoreError (a
// 503) when the random source fails.
std::string random_hex16() {
    std::array<unsigned char, 8> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw StoreError("cannot draw a random id (the system's random source failed)");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char b : bytes) {
        out += kHex[b >> 4];
        out += kHex[b & 0xFU];
    }
    return out;
}

class Db {
public:
    explicit Db(const std::filesystem::path& path) {
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
        if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
            std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            db_ = nullptr;
            throw StoreError("cannot open the decision store `" + path.string() + "`: " + message);
        }
        sqlite3_busy_timeout(db_, 10000);
    }
    ~Db() { sqlite3_close(db_); }
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    sqlite3* get() const { return db_; }
    void exec(const char* sql) {
        char* error = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
            std::string message = error ? error : "unknown error";
            sqlite3_free(error);
            throw StoreError("decision store: " + message);
        }
    }

private:
    sqlite3* db_ = nullptr;
};

// A prepared statement, reset after each use.
class Stmt {
public:
    Stmt(const Db& db, const std::string& sql) : db_(db.get()) {
        if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK)
            throw StoreError(std::string("decision store: ") + sqlite3_errmsg(db_));
    }
    ~Stmt() { sqlite3_finalize(stmt_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    Stmt& bind(int index, const std::string& text) {
        sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind(int index, std::int64_t value) {
        sqlite3_bind_int64(stmt_, index, value);
        return *this;
    }
    // NULL when absent.
    Stmt& bind(int index, const std::optional<std::string>& text) {
        if (text) return bind(index, *text);
        sqlite3_bind_null(stmt_, index);
        return *this;
    }
    // True while there is a row.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw StoreError(std::string("decision store: ") + sqlite3_errmsg(db_));
    }
    std::string text(int column) const {
        const auto* p = sqlite3_column_text(stmt_, column);
        return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                 : std::string();
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
    std::optional<std::string> optional_text(int column) const {
        if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
        return text(column);
    }
    void reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when leaving scope.
struct ResetOnExit {
    Stmt& stmt;
    ~ResetOnExit() { stmt.reset(); }
};

// The decision columns (kDecisionColumns, in order) starting at result column `first`.
DecisionRecord read_decision(const Stmt& s, int first = 0) {
    DecisionRecord r;
    r.id = s.text(first);
    r.case_ref = s.text(first + 1);
    r.policy_id = s.text(first + 2);
    r.policy_version = s.text(first + 3);
    r.policy_sha256 = s.text(first + 4);
    r.as_of = s.text(first + 5);
    r.created_at = s.text(first + 6);
    r.outcome = s.text(first + 7);
    r.total = s.text(first + 8);
    r.request_json = s.text(first + 9);
    r.response_json = s.text(first + 10);
    return r;
}

// The audit columns (kAuditColumns, in order).
AuditEntry read_audit(const Stmt& s) {
    AuditEntry e;
    e.id = s.integer(0);
    e.at = s.text(1);
    e.principal = s.text(2);
    e.client = s.text(3);
    e.request_id = s.text(4);
    e.action = s.text(5);
    e.route = s.text(6);
    e.decision_id = s.optional_text(7);
    e.panel_record_id = s.optional_text(8);
    e.detail = s.optional_text(9);
    e.status = static_cast<int>(s.integer(10));
    return e;
}

class SqliteStore final : public Store {
public:
    explicit SqliteStore(const std::filesystem::path& path) : writer_db_(path) {
        writer_db_.exec("PRAGMA journal_mode=WAL");
        writer_db_.exec("PRAGMA synchronous=FULL");
        writer_db_.exec("PRAGMA foreign_keys=ON");
        writer_db_.exec(kSchema);
        reader_db_ = std::make_unique<Db>(path);
        reader_db_->exec("PRAGMA foreign_keys=ON");
        insert_decision_ = std::make_unique<Stmt>(
            writer_db_, std::string("INSERT INTO decisions (") + kDecisionColumns +
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
        decision_exists_ = std::make_unique<Stmt>(writer_db_, "SELECT 1 FROM decisions WHERE id = ?1");
        latest_panel_ = std::make_unique<Stmt>(
            writer_db_, "SELECT id FROM panel_records WHERE decision_id = ?1 ORDER BY seq DESC LIMIT 1");
        insert_panel_ = std::make_unique<Stmt>(
            writer_db_,
            "INSERT INTO panel_records (id, decision_id, record, supersedes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
        insert_audit_ = std::make_unique<Stmt>(
            writer_db_,
            "INSERT INTO audit (at, principal, client, request_id, action, route, decision_id, panel_record_id, "
            "detail, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        get_decision_ = std::make_unique<Stmt>(
            *reader_db_, std::string("SELECT ") + kDecisionColumns + " FROM decisions WHERE id = ?1");
        get_panels_ = std::make_unique<Stmt>(
            *reader_db_,
            "SELECT id, decision_id, record, supersedes, created_at FROM panel_records WHERE decision_id = ?1 ORDER BY seq");
        writer_ = std::thread([this] { write_loop(); });
    }

    ~SqliteStore() override {
        {
            std::lock_guard lock(queue_mutex_);
            stopping_ = true;
        }
        queue_cv_.notify_all();
        if (writer_.joinable()) writer_.join();
    }

    std::string add_decision(DecisionRecord record) override {
        record.created_at = now_utc();
        auto created = record.created_at;
        submit([this, rec = std::move(record)]() -> std::string {
            auto& s = *insert_decision_;
            ResetOnExit guard{s};
            s.bind(1, rec.id).bind(2, rec.case_ref).bind(3, rec.policy_id).bind(4, rec.policy_version);
            s.bind(5, rec.policy_sha256).bind(6, rec.as_of).bind(7, rec.created_at).bind(8, rec.outcome);
            s.bind(9, rec.total).bind(10, rec.request_json).bind(11, rec.response_json);
            s.step();
            return {};
        });
        return created;
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
        std::string sql = std::string("SELECT ") + kDecisionColumns + " FROM decisions" + where(q) +
                          " ORDER BY seq DESC LIMIT ?10 OFFSET ?11";
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
        Stmt s(*reader_db_, "SELECT count(*) FROM decisions" + where(q));
        bind_query(s, q);
        s.step();
        return static_cast<std::size_t>(s.integer(0));
    }

    std::optional<PanelRecord> add_panel_record(const std::string& decision_id, const std::string& record_json) override {
        PanelRecord rec;
        rec.id = "p-" + random_hex16();
        rec.decision_id = decision_id;
        rec.record_json = record_json;
        rec.created_at = now_utc();
        const std::string supersedes = submit([this, &rec]() -> std::string {
            {
                auto& e = *decision_exists_;
                ResetOnExit guard{e};
                e.bind(1, rec.decision_id);
                if (!e.step()) return "\x01missing";
            }
            std::string previous;
            {
                auto& l = *latest_panel_;
                ResetOnExit guard{l};
                l.bind(1, rec.decision_id);
                if (l.step()) previous = l.text(0);
            }
            auto& s = *insert_panel_;
            ResetOnExit guard{s};
            s.bind(1, rec.id).bind(2, rec.decision_id).bind(3, rec.record_json).bind(4, previous).bind(5, rec.created_at);
            s.step();
            return previous;
        });
        if (supersedes == "\x01missing") return std::nullopt;
        rec.supersedes = supersedes;
        return rec;
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

    void scan_decisions(const DecisionQuery& q, const DecisionVisitor& visit) override {
        constexpr std::int64_t kPage = 256;
        const std::string sql =
            std::string("SELECT d.seq, ") + prefixed("d.") +
            ", p.id, p.decision_id, p.record, p.supersedes, p.created_at FROM decisions d"
            " LEFT JOIN panel_records p ON p.seq = (SELECT max(seq) FROM panel_records WHERE decision_id = d.id)" +
            where(q, "d.", "d.seq > ?12") + " ORDER BY d.seq LIMIT ?13";
        std::int64_t last = 0;
        for (;;) {
            std::vector<std::pair<DecisionRecord, std::optional<PanelRecord>>> page;
            {
                std::lock_guard lock(reader_mutex_);
                Stmt s(*reader_db_, sql);
                bind_query(s, q);
                s.bind(12, last).bind(13, kPage);
                while (s.step()) {
                    last = s.integer(0);
                    DecisionRecord d = read_decision(s, 1);
                    std::optional<PanelRecord> panel;
                    if (!s.text(12).empty()) panel = PanelRecord{s.text(12), s.text(13), s.text(14), s.text(15), s.text(16)};
                    page.emplace_back(std::move(d), std::move(panel));
                }
            }
            for (const auto& [decision, panel] : page) visit(decision, panel);
            if (static_cast<std::int64_t>(page.size()) < kPage) return;
        }
    }

    void add_audit(const AuditEntry& entry) override {
        AuditEntry e = entry;
        e.at = now_utc();
        submit([this, e = std::move(e)]() -> std::string {
            auto& s = *insert_audit_;
            ResetOnExit guard{s};
            s.bind(1, e.at).bind(2, e.principal).bind(3, e.client).bind(4, e.request_id).bind(5, e.action);
            s.bind(6, e.route).bind(7, e.decision_id).bind(8, e.panel_record_id).bind(9, e.detail);
            s.bind(10, static_cast<std::int64_t>(e.status));
            s.step();
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
    // The decision columns, each qualified (`d.id, d.case_ref, ...`).
    static std::string prefixed(const std::string& prefix) {
        std::string out;
        std::string columns = kDecisionColumns;
        std::size_t start = 0;
        while (start < columns.size()) {
            auto comma = columns.find(',', start);
            if (comma == std::string::npos) comma = columns.size();
            auto name = columns.substr(start, comma - start);
            name.erase(0, name.find_first_not_of(' '));
            out += (out.empty() ? "" : ", ") + prefix + name;
            start = comma + 1;
        }
        return out;
    }

    // A write to run on the writer thread inside the group's transaction.
    struct Job {
        std::function<std::string()> work;
        std::promise<std::string> done;
    };

    // The WHERE clause for `q`, columns qualified by `prefix`, plus `extra` when given.
    static std::string where(const DecisionQuery& q, const std::string& prefix = "", const std::string& extra = "") {
        std::string out;
        auto add = [&](const std::string& clause) { out += (out.empty() ? " WHERE " : " AND ") + clause; };
        if (q.case_ref) add(prefix + "case_ref = ?1");
        if (q.from) add("substr(" + prefix + "created_at, 1, 10) >= ?2");
        if (q.to) add("substr(" + prefix + "created_at, 1, 10) <= ?3");
        if (q.outcome) add(prefix + "outcome = ?4");
        if (q.policy) add(prefix + "policy_id = ?5");
        if (!extra.empty()) add(extra);
        return out;
    }
    static void bind_query(Stmt& s, const DecisionQuery& q) {
        if (q.case_ref) s.bind(1, *q.case_ref);
        if (q.from) s.bind(2, *q.from);
        if (q.to) s.bind(3, *q.to);
        if (q.outcome) s.bind(4, *q.outcome);
        if (q.policy) s.bind(5, *q.policy);
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

    void run_group(std::vector<std::shared_ptr<Job>>& group) {
        std::vector<std::string> results(group.size());
        std::vector<std::exception_ptr> errors(group.size());
        try {
            writer_db_.exec("BEGIN IMMEDIATE");
        } catch (...) {
            for (auto& job : group) job->done.set_exception(std::current_exception());
            return;
        }
        for (std::size_t i = 0; i < group.size(); ++i) {
            try {
                writer_db_.exec("SAVEPOINT job");
                results[i] = group[i]->work();
                writer_db_.exec("RELEASE job");
            } catch (...) {
                errors[i] = std::current_exception();
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
            for (auto& job : group) job->done.set_exception(error);
            return;
        }
        for (std::size_t i = 0; i < group.size(); ++i) {
            if (errors[i]) group[i]->done.set_exception(errors[i]);
            else group[i]->done.set_value(std::move(results[i]));
        }
    }

    Db writer_db_;  // used only by the writer thread after construction
    std::unique_ptr<Db> reader_db_;
    std::mutex reader_mutex_;
    std::unique_ptr<Stmt> insert_decision_, decision_exists_, latest_panel_, insert_panel_, insert_audit_;
    std::unique_ptr<Stmt> get_decision_, get_panels_;
    std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::deque<std::shared_ptr<Job>> queue_;
    bool stopping_ = false;
    std::thread writer_;
};

}  // namespace

std::unique_ptr<Store> Store::open(const std::filesystem::path& path) {
    return std::make_unique<SqliteStore>(path);
}

// An id is a capability to guess at: 64 bits from libcrypto's CSPRNG, never a seeded engine.
std::string Store::new_decision_id() { return "d-" + random_hex16(); }

}  // namespace jointly::server
