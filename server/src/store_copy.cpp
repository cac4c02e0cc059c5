// `jointly store copy`: every row of an SQLite store into an empty PostgreSQL store, keeping
// ids, seqs, times and order, in one transaction.
#include <sqlite3.h>

#include <memory>
#include <string>

#include "jointly/server/store.hpp"
#include "pg.hpp"
#include "store_pg_schema.hpp"

namespace jointly::server {
namespace {

// The SQLite schema version a copy reads (store_sqlite.cpp's kSchemaVersion).
constexpr std::int64_t kSqliteSchema = 5;

struct Table {
    const char* name;
    const char* columns;   // the first is the order of copying
    const char* identity;  // the identity column whose sequence continues after the copy, or null
    std::size_t CopyCounts::*count;  // or null: not counted (derived rows)
};

// Parents before children (the foreign keys of panel records and erasures).
constexpr Table kTables[] = {
    {"decisions",
     "seq, id, case_ref, policy_id, policy_version, policy_sha256, as_of, created_at, outcome, total, request, response",
     "seq", &CopyCounts::decisions},
    {"decision_summaries", "seq, day, policy_id, policy_version, summary, panel", nullptr, nullptr},
    {"panel_records", "seq, id, decision_id, record, supersedes, created_at", "seq", &CopyCounts::panel_records},
    {"erasures", "seq, decision_id, at, principal, reason, request_id, superseded_by", "seq", &CopyCounts::erasures},
    {"idempotency", "created_at, scope, key, body_sha256, target", nullptr, &CopyCounts::idempotency_keys},
    {"changes", "seq, at, kind, decision_id, panel_record_id", "seq", &CopyCounts::changes},
    {"audit",
     "id, at, principal, client, request_id, action, route, decision_id, panel_record_id, detail, status, "
     "client_request_id, hash",
     "id", &CopyCounts::audit},
    {"policies", "seq, policy_id, version, sha256, file, source, uploaded_by, uploaded_at, request_id", "seq",
     &CopyCounts::policies},
    {"decided_under", "policy_id, policy_version, policy_sha256, first_decided_at", nullptr, &CopyCounts::decided_under},
};

using SqliteHandle = std::unique_ptr<sqlite3, decltype(&sqlite3_close)>;
using SqliteStmt = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

SqliteStmt prepare(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
        throw StoreError(std::string("cannot read the SQLite store: ") + sqlite3_errmsg(db));
    return SqliteStmt(stmt, &sqlite3_finalize);
}

SqliteHandle open_source(const std::filesystem::path& from) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(from.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    SqliteHandle db(raw, &sqlite3_close);
    if (rc != SQLITE_OK)
        throw StoreError("cannot open the SQLite store `" + from.string() + "`: " +
                         (raw ? sqlite3_errmsg(raw) : "out of memory"));
    auto version = prepare(db.get(), "PRAGMA user_version");
    const auto found = sqlite3_step(version.get()) == SQLITE_ROW ? sqlite3_column_int64(version.get(), 0) : 0;
    if (found > kSqliteSchema)
        throw StoreError("the SQLite store `" + from.string() + "` has schema version " + std::to_string(found) +
                         ", newer than this jointly copies (" + std::to_string(kSqliteSchema) +
                         "): copy it with the jointly that wrote it, or a newer one");
    if (found != kSqliteSchema)
        throw StoreError("the SQLite store `" + from.string() + "` has schema version " + std::to_string(found) +
                         "; this jointly copies version " + std::to_string(kSqliteSchema) +
                         " (open it once with `jointly serve --db` of this version to migrate it)");
    return db;
}

// Copies one table's rows in order; NULL stays NULL. Returns how many.
std::size_t copy_table(sqlite3* from, pg::Connection& to, const Table& table) {
    const std::string columns = table.columns;
    const std::string first = columns.substr(0, columns.find(','));
    auto select = prepare(from, "SELECT " + columns + " FROM " + table.name + " ORDER BY " + first);
    const int n = sqlite3_column_count(select.get());
    std::string insert = std::string("INSERT INTO ") + table.name + " (" + columns + ") VALUES (";
    for (int i = 1; i <= n; ++i) insert += (i > 1 ? ", $" : "$") + std::to_string(i);
    insert += ")";
    std::size_t rows = 0;
    for (int rc = sqlite3_step(select.get()); rc != SQLITE_DONE; rc = sqlite3_step(select.get())) {
        if (rc != SQLITE_ROW) throw StoreError(std::string("cannot read the SQLite store: ") + sqlite3_errmsg(from));
        pg::Params params;
        for (int i = 0; i < n; ++i) {
            if (sqlite3_column_type(select.get(), i) == SQLITE_NULL) {
                params.emplace_back(std::nullopt);
                continue;
            }
            const auto* text = sqlite3_column_text(select.get(), i);
            params.emplace_back(std::string(reinterpret_cast<const char*>(text),
                                            static_cast<std::size_t>(sqlite3_column_bytes(select.get(), i))));
        }
        to.exec(insert, params);
        ++rows;
    }
    if (table.identity) {
        // The next row stored after the copy continues the source's numbering.
        to.exec(std::string("SELECT setval(pg_get_serial_sequence('") + table.name + "', '" + table.identity +
                "'), coalesce(max(" + table.identity + "), 1), max(" + table.identity + ") IS NOT NULL) FROM " +
                table.name);
    }
    return rows;
}

}  // namespace

CopyCounts copy_store(const std::filesystem::path& from, const std::string& to) {
    if (!Store::is_postgresql(to)) throw StoreError("the destination must be a postgresql:// URL");
    const auto source = open_source(from);
    Store::connect(to, 1).reset();  // creates or migrates the destination's schema
    pg::Connection dest(to);
    CopyCounts counts;
    dest.exec("BEGIN");
    try {
        dest.exec("SELECT pg_advisory_xact_lock($1)", {std::to_string(pg::kWriteLock)});
        const auto held = dest.exec("SELECT (SELECT count(*) FROM decisions) + (SELECT count(*) FROM audit) + "
                                    "(SELECT count(*) FROM policies) + (SELECT count(*) FROM changes)")
                              .integer(0, 0);
        if (held > 0)
            throw StoreError("the destination `" + pg::redact_url(to) + "` already holds " + std::to_string(held) +
                             " rows; copy only into an empty store");
        for (const auto& table : kTables) {
            const auto rows = copy_table(source.get(), dest, table);
            if (table.count) counts.*table.count = rows;
        }
        dest.exec(std::string("NOTIFY ") + pg::kChannel);
        dest.exec("COMMIT");
    } catch (...) {
        try {
            if (!dest.broken()) dest.exec("ROLLBACK");
        } catch (const StoreError&) {
        }
        throw;
    }
    return counts;
}

}  // namespace jointly::server
