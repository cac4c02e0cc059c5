// `jointly store reapply-erasures`: after a store is restored from a backup, erase again what
// the store it replaced had erased since (docs/operations.md, "Restoring an SQLite backup").
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "erasure.hpp"
#include "jointly/server/store.hpp"
#include "pg.hpp"

namespace jointly::server {
namespace {

// One tombstone as the replaced store recorded it.
struct Recorded {
    std::string decision_id;
    std::string at;
    std::string principal;
    std::string reason;
    std::optional<std::string> superseded_by;
};

constexpr const char* kSelect =
    "SELECT decision_id, at, principal, reason, superseded_by FROM erasures ORDER BY seq";

std::vector<Recorded> read_sqlite(const std::string& path) {
    if (!std::filesystem::is_regular_file(path))
        throw StoreError("`" + path + "` is not a file: give the SQLite store that was moved aside (e.g. "
                         "`jointly.db.before-restore`), or a postgresql:// URL");
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
    if (rc != SQLITE_OK)
        throw StoreError("cannot open the SQLite store `" + path + "`: " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
    sqlite3_busy_timeout(db.get(), 10000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db.get(), kSelect, -1, &stmt, nullptr) != SQLITE_OK)
        throw StoreError("cannot read the erasures of `" + path + "`: " + sqlite3_errmsg(db.get()) +
                         " (is it a jointly decision store?)");
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> select(stmt, &sqlite3_finalize);
    const auto text = [&](int column) {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, column))) : std::string();
    };
    std::vector<Recorded> out;
    int step = SQLITE_ROW;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        Recorded r{text(0), text(1), text(2), text(3), std::nullopt};
        if (sqlite3_column_type(stmt, 4) != SQLITE_NULL) r.superseded_by = text(4);
        out.push_back(std::move(r));
    }
    if (step != SQLITE_DONE)
        throw StoreError("cannot read the erasures of `" + path + "`: " + sqlite3_errmsg(db.get()));
    return out;
}

std::vector<Recorded> read_pg(const std::string& url) {
    pg::Connection c(url);
    const auto r = c.exec(kSelect);
    std::vector<Recorded> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(Recorded{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.optional_text(i, 4)});
    return out;
}

}  // namespace

ReapplyCounts reapply_erasures(const std::string& from, const std::string& db) {
    const auto recorded = Store::is_postgresql(from) ? read_pg(from) : read_sqlite(from);
    // Store::connect would create an SQLite file that is not there: a mistyped path would
    // "succeed" on an empty store.
    if (!Store::is_postgresql(db) && !std::filesystem::is_regular_file(db))
        throw StoreError("`" + db + "` is not a file: give the restored store (`--db` as `jointly serve` takes it)");
    auto store = Store::connect(db, 1);
    ReapplyCounts counts;
    counts.warnings = store->open_warnings();
    counts.recorded = recorded.size();
    const auto redact = erasure_redaction();
    for (const auto& r : recorded) {
        // The replacement a rectification stored with it is not in a store restored from
        // before it: said, so that whoever holds its id knows to store the correction again.
        if (r.superseded_by && !store->get_decision(*r.superseded_by))
            counts.replacements_absent.push_back({r.decision_id, *r.superseded_by});
        const auto found = store->get_decision(r.decision_id);
        if (!found) {
            ++counts.absent;
            continue;
        }
        if (found->erased) {
            ++counts.already;
            continue;
        }
        std::string first = "first erased " + r.at + " by " + r.principal;
        if (r.superseded_by) first += ", rectified by " + *r.superseded_by;
        Erasure erasure;
        erasure.decision_id = r.decision_id;
        erasure.principal = r.principal;
        erasure.reason = r.reason + " (re-applied after a restore; " + first + ")";
        erasure.request_id = "reapply-erasures";
        AuditEntry audit;
        audit.principal = "jointly store reapply-erasures";
        audit.client = "local";
        audit.request_id = "reapply-erasures";
        audit.action = "erase";
        audit.route = "jointly store reapply-erasures";
        audit.decision_id = r.decision_id;
        audit.detail = "erasure re-applied after a restore";
        audit.status = 200;
        const auto result = store->erase_decision(std::move(erasure), redact, audit);
        if (result.already) ++counts.already;
        else if (result.found) ++counts.erased;
        else ++counts.absent;
    }
    return counts;
}

}  // namespace jointly::server
