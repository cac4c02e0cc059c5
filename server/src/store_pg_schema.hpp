// The PostgreSQL store's schema: created and migrated by the binary, its version recorded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pg.hpp"
#include "store_common.hpp"

namespace jointly::server::pg {

// The schema this binary writes, recorded in `jointly_schema`: 1 the decisions, panel records,
// erasures, idempotency keys, change feed, audit trail and uploaded policy versions; 2 each
// decision's summary contribution (decision_summaries, backfilled on migrating); 3 the audit
// trail's hash chain and the caller's request id (audit.hash, chained over the entries already
// stored on migrating, and audit.client_request_id); 4 the policy texts decided under
// (decided_under, filled from the decisions on migrating).
inline constexpr std::int64_t kSchemaVersion = 4;

// The advisory lock every write transaction takes first (pg_advisory_xact_lock), so that
// transactions commit in the order of the seq they draw: a reader that has seen seq N has seen
// everything before it (the change feed and Registry::refresh read "seq > last seen"). It
// serialises writers across replicas; each holds it from its first insert to its COMMIT.
inline constexpr std::int64_t kWriteLock = 0x6a6f696e746c7901;

// The channel a write transaction notifies when it adds to the change feed or the policies.
inline constexpr const char* kChannel = "jointly";

// Creates or migrates the schema in the connection's first search_path schema, under an
// advisory lock so that replicas starting together do it once. Throws StoreError when the
// database has a newer schema (`where` names it) or refuses.
// Returns what the operator should know (Store::open_warnings): the audit table's append-only
// triggers were missing, and are re-created.
std::vector<std::string> migrate(Connection& conn, const std::string& where);

// The store's schema version, this jointly's, and the append-only triggers it lacks; reads
// only (verify_audit_read_only).
store_detail::SchemaState inspect(Connection& conn);

}  // namespace jointly::server::pg
