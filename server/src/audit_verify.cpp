// verify_audit_read_only: the audit hash chain walked without migrating or writing anything
// (`jointly store verify-audit`; docs/adr/0029-audit-hash-chain.md).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jointly/server/store.hpp"
#include "pg.hpp"
#include "store_common.hpp"
#include "store_pg_rows.hpp"
#include "store_pg_schema.hpp"
#include "store_sqlite_db.hpp"

namespace jointly::server {
namespace {

ReadOnlyAuditCheck check(const store_detail::SchemaState& state, const std::string& where) {
    if (state.found > state.current)
        throw StoreError(store_detail::newer_schema_message(where, state.found, state.current));
    ReadOnlyAuditCheck c;
    c.schema = state.found;
    c.current_schema = state.current;
    c.missing_triggers = state.missing_triggers;
    return c;
}

ReadOnlyAuditCheck verify_sqlite(const std::string& path, const std::optional<std::string>& expected_head) {
    sqlite::Db db(path, true);
    // One read transaction: every page is read from the same snapshot.
    db.exec("BEGIN");
    auto c = check(sqlite::inspect(db), path);
    if (c.schema < c.current_schema) return c;
    sqlite::Stmt page(db, std::string("SELECT ") + sqlite::kAuditColumns + " FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2");
    c.verification = walk_audit_chain(
        [&page](std::int64_t after, std::size_t limit) -> std::optional<std::vector<AuditEntry>> {
            std::vector<AuditEntry> rows;
            sqlite::ResetOnExit guard{page};
            page.bind(1, after).bind(2, static_cast<std::int64_t>(limit));
            while (page.step()) rows.push_back(sqlite::read_audit(page));
            return rows;
        },
        expected_head, nullptr);
    return c;
}

ReadOnlyAuditCheck verify_postgresql(const std::string& url, const std::optional<std::string>& expected_head) {
    pg::Connection conn(url);
    // Read only, one snapshot for every page; no schema step.
    conn.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    auto c = check(pg::inspect(conn), pg::redact_url(url));
    if (c.schema < c.current_schema) return c;
    c.verification = walk_audit_chain(
        [&conn](std::int64_t after, std::size_t limit) -> std::optional<std::vector<AuditEntry>> {
            const auto r = conn.exec(std::string("SELECT ") + pg::kAuditColumns +
                                         " FROM audit WHERE id > $1 ORDER BY id LIMIT $2",
                                     {std::to_string(after), std::to_string(limit)});
            std::vector<AuditEntry> rows;
            for (int i = 0; i < r.rows(); ++i) rows.push_back(pg::read_audit(r, i));
            return rows;
        },
        expected_head, nullptr);
    conn.exec("COMMIT");
    return c;
}

}  // namespace

ReadOnlyAuditCheck verify_audit_read_only(const std::string& location, const std::optional<std::string>& expected_head) {
    if (Store::is_postgresql(location)) return verify_postgresql(location, expected_head);
    return verify_sqlite(location, expected_head);
}

}  // namespace jointly::server
