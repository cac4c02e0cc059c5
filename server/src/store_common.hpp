// What both decision stores share: the clock's format, random ids and the schema refusal.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jointly/server/store.hpp"

namespace jointly::server::store_detail {

// Now, UTC, ISO 8601 with milliseconds: `2025-06-01T12:00:00.000Z`. Every stored time has
// this form, whichever store wrote it, so API responses do not depend on the backend.
std::string now_utc();

// 16 lowercase hex digits from libcrypto's CSPRNG: ids are unguessable. Throws StoreError (a
// 503) when the random source fails.
std::string random_hex16();

// The refusal of a store written by a newer jointly; `where` names the store for the operator.
std::string newer_schema_message(const std::string& where, std::int64_t found, std::int64_t understood);

// The warning of a store that had lost some of its append-only triggers (`missing` names
// them) when it was opened; `where` names the store.
std::string audit_triggers_missing_message(const std::string& where, const std::string& missing);

// An append-only trigger of a schema and the table it guards.
struct SchemaTrigger {
    std::string name;
    std::string table;
};

// The triggers a schema's text creates, in the order written: each word after `create` (the
// store's "CREATE TRIGGER IF NOT EXISTS " or "CREATE OR REPLACE TRIGGER ") and the word after
// the ` ON ` that follows it.
std::vector<SchemaTrigger> schema_triggers(std::string_view schema, std::string_view create);

// The names of `triggers`, comma separated ("a, b, c"), as the warnings and verify-audit say them.
std::string trigger_list(const std::vector<SchemaTrigger>& triggers);

// A table added to a store's schema after its first recorded version, and the version that
// added it.
struct TableSince {
    std::string_view table;
    std::int64_t version;
};

// Of `missing` (the triggers of this jointly's schema that a store lacks when it is opened,
// before the schema is run again), those that were dropped, in order:
// - each on a table the store has (`tables`, as found): every jointly has created a table's
//   triggers with the table, in one transaction, so a table without one lost it (the caller
//   leaves out a trigger that replaced one the store still has, as kSchema drops it). This holds
//   whatever version the store records, 0 included: a store that has jointly's tables and no
//   version (made before versions were recorded, or its version set back to hide what was
//   dropped) is checked as what it is, not as a new store;
// - and, for a store that records a version (`found` at least `first_recorded`, the first
//   version any jointly recorded), each on a table that version had, whether the table is
//   there or not (a table dropped with its triggers): every table but those of `added` whose
//   version is above `found`.
// A new store (no tables, no version) has dropped nothing.
std::vector<SchemaTrigger> dropped_triggers(const std::vector<SchemaTrigger>& missing,
                                            const std::vector<std::string>& tables, std::int64_t found,
                                            std::int64_t first_recorded, std::span<const TableSince> added);

// A store's schema as found (verify_audit_read_only): its version, this jointly's, and the
// append-only triggers of this jointly's schema it lacks (comma separated).
struct SchemaState {
    std::int64_t found = 0;
    std::int64_t current = 0;
    std::string missing_triggers;
};

// What the migration that chains audit entries without a hash did (`count` entries from id
// `first`, the chain's head now `head` at entry `last`).
struct Chained {
    std::size_t count = 0;
    std::int64_t first = 0;
    std::int64_t last = 0;
    std::string head;
};
// The warning said when a migration chained entries: expected once on upgrading, a sign of
// tampering otherwise (operations.md, "Audit trail").
std::string audit_chained_message(const std::string& where, const Chained& chained);

}  // namespace jointly::server::store_detail

namespace jointly::server {

// store_pg.cpp: the PostgreSQL store at `url` with `pool` connections for requests, each
// statement on them cut off after `statement_timeout` (Store::connect).
// audit_chain.cpp: walks the chain over pages that `page(after, limit)` gives (the entries with
// id > after, oldest first, at most limit; nullopt when a stop cut the page's read short), as
// Store::verify_audit.
using AuditPages = std::function<std::optional<std::vector<AuditEntry>>(std::int64_t after, std::size_t limit)>;
AuditVerification walk_audit_chain(const AuditPages& page, const std::optional<std::string>& expected_head,
                                   const std::atomic<bool>* stop);

std::unique_ptr<Store> open_postgresql_store(const std::string& url, std::size_t pool,
                                             std::chrono::milliseconds statement_timeout);

}  // namespace jointly::server
