// The SQLite store's connection, statements, schema and row readers (the store itself is
// store_sqlite.cpp).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jointly/server/store.hpp"
#include "store_common.hpp"

namespace jointly::server::sqlite {

inline constexpr const char* kAuditColumns =
    "id, at, principal, client, request_id, action, route, decision_id, panel_record_id, detail, status, "
    "client_request_id, hash";

inline constexpr const char* kPolicyColumns =
    "seq, policy_id, version, sha256, file, source, uploaded_by, uploaded_at, request_id";

inline constexpr const char* kErasureColumns = "decision_id, at, principal, reason, request_id, superseded_by";

inline constexpr const char* kDecisionColumns =
    "id, case_ref, policy_id, policy_version, policy_sha256, as_of, created_at, outcome, total, request, response";

// A decision as read: its seq, its columns (kDecisionColumns) and its erasure's columns
// (kErasureColumns, NULL when not erased); read_decision() reads them. 18 columns.
inline constexpr const char* kDecisionSelect =
    "SELECT d.seq, d.id, d.case_ref, d.policy_id, d.policy_version, d.policy_sha256, d.as_of, d.created_at, "
    "d.outcome, d.total, d.request, d.response, e.decision_id, e.at, e.principal, e.reason, e.request_id, "
    "e.superseded_by FROM decisions d LEFT JOIN erasures e ON e.decision_id = d.id";

class Db {
public:
    // `read_only`: SQLITE_OPEN_READONLY, the file must exist (verify_audit_read_only).
    explicit Db(const std::filesystem::path& path, bool read_only = false) {
        const int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                          SQLITE_OPEN_NOMUTEX;
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
    // The text without a copy: valid until the next step.
    std::string_view view(int column) const {
        const auto* p = sqlite3_column_text(stmt_, column);
        return p ? std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                 : std::string_view();
    }
    std::string text(int column) const { return std::string(view(column)); }
    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
    bool null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
    std::optional<std::string> optional_text(int column) const {
        if (null(column)) return std::nullopt;
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

// The columns of kDecisionSelect, starting at result column `first`.
DecisionRecord read_decision(const Stmt& s, int first = 0);
// The columns of kPolicyColumns, in order.
StoredPolicy read_policy(const Stmt& s);
// The audit columns (kAuditColumns, in order).
AuditEntry read_audit(const Stmt& s);

// A decision's summary contribution into decision_summaries through `insert`, the statement
// kInsertSummary prepared.
inline constexpr const char* kInsertSummary =
    "INSERT INTO decision_summaries (seq, day, policy_id, policy_version, summary, panel) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
void insert_summary(Stmt& insert, std::int64_t seq, const DecisionRecord& rec, const std::string& summary,
                    const std::optional<std::string>& panel);

// A decision's (policy id, version, sha256) into decided_under through `insert`, the
// statement kInsertDecidedUnder prepared; nothing when it is there already.
inline constexpr const char* kInsertDecidedUnder =
    "INSERT OR IGNORE INTO decided_under (policy_id, policy_version, policy_sha256, first_decided_at) "
    "VALUES (?1, ?2, ?3, ?4)";
void insert_decided_under(Stmt& insert, const DecisionRecord& rec);
// Every row of decided_under (Store::decided_under).
std::vector<DecidedUnder> read_decided_under(Db& db);

// Brings the store at `path` (opened as `db`) to this binary's schema in one transaction: a
// new file gets every table, an older store is migrated (its change feed and summary
// contributions backfilled). Throws StoreError, leaving the file as it was, for a store of a
// newer schema or when SQLite fails. Returns what the operator should know (Store::open_warnings):
// the audit table's append-only triggers were missing (and are re-created).
std::vector<std::string> migrate(Db& db, const std::string& path);

// The store's schema version, this jointly's, and the append-only triggers it lacks; reads
// only (verify_audit_read_only).
store_detail::SchemaState inspect(Db& db);

}  // namespace jointly::server::sqlite
