// What both decision stores share: the clock's format, random ids and the schema refusal.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
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
// `missing` ("a, b, c", as the stores list missing triggers) without the names that start with
// `prefix`: the triggers of a table a store of an older version does not have yet.
std::string without_triggers_of(const std::string& missing, std::string_view prefix);

// The names of the triggers a schema's text creates: each word after `create` (the store's
// "CREATE TRIGGER IF NOT EXISTS " or "CREATE OR REPLACE TRIGGER "), in the order written.
std::vector<std::string> trigger_names(std::string_view schema, std::string_view create);

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
// id > after, oldest first, at most limit), as Store::verify_audit.
AuditVerification walk_audit_chain(const std::function<std::vector<AuditEntry>(std::int64_t after, std::size_t limit)>& page,
                                   const std::optional<std::string>& expected_head, const std::atomic<bool>* stop);

std::unique_ptr<Store> open_postgresql_store(const std::string& url, std::size_t pool,
                                             std::chrono::milliseconds statement_timeout);

}  // namespace jointly::server
