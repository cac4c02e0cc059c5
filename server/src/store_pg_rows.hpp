// The PostgreSQL store's statements' pieces: column lists, the query builder and the readers
// of result rows into the Store's records.
#pragma once

#include <cstdint>
#include <string>

#include "jointly/server/store.hpp"
#include "pg.hpp"

namespace jointly::server::pg {

inline constexpr const char* kAuditColumns =
    "id, at, principal, client, request_id, action, route, decision_id, panel_record_id, detail, status, "
    "client_request_id, hash";
inline constexpr const char* kPolicyColumns =
    "seq, policy_id, version, sha256, file, source, uploaded_by, uploaded_at, request_id";
inline constexpr const char* kErasureColumns = "decision_id, at, principal, reason, request_id, superseded_by";
inline constexpr const char* kDecisionColumns =
    "id, case_ref, policy_id, policy_version, policy_sha256, as_of, created_at, outcome, total, request, response";
// As the SQLite store's: a decision's seq, its columns and its erasure's (NULL when not erased).
inline constexpr const char* kDecisionFrom =
    "d.seq, d.id, d.case_ref, d.policy_id, d.policy_version, d.policy_sha256, d.as_of, d.created_at, "
    "d.outcome, d.total, d.request, d.response, e.decision_id, e.at, e.principal, e.reason, e.request_id, "
    "e.superseded_by FROM decisions d LEFT JOIN erasures e ON e.decision_id = d.id";
inline constexpr const char* kPanelColumns = "id, decision_id, record, supersedes, created_at";

// A statement being built, its parameters numbered as they are added: add one parameter per
// expression, so that the numbering is the order written.
struct Sql {
    std::string text;
    Params params;
    std::string param(std::string value) {
        params.emplace_back(std::move(value));
        return "$" + std::to_string(params.size());
    }
    std::string param(std::int64_t value) { return param(std::to_string(value)); }
};

// Row `row` of `r`, from column `first`: kDecisionFrom's 18 columns.
DecisionRecord read_decision(const Result& r, int row, int first = 0);
// kPanelColumns, from column `first`.
PanelRecord read_panel(const Result& r, int row, int first = 0);
// kPolicyColumns.
StoredPolicy read_policy(const Result& r, int row);
// kAuditColumns.
AuditEntry read_audit(const Result& r, int row);

// The filters of `q` as a WHERE clause (columns of `d`), `before` only when `with_before`.
std::string where(Sql& sql, const DecisionQuery& q, bool with_before);

}  // namespace jointly::server::pg
