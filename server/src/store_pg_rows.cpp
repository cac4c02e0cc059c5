// The PostgreSQL store's statements' pieces: the readers of result rows and the filters.
#include "store_pg_rows.hpp"

namespace jointly::server::pg {

DecisionRecord read_decision(const Result& r, int row, int first) {
    DecisionRecord d;
    d.seq = r.integer(row, first);
    d.id = r.text(row, first + 1);
    d.case_ref = r.text(row, first + 2);
    d.policy_id = r.text(row, first + 3);
    d.policy_version = r.text(row, first + 4);
    d.policy_sha256 = r.text(row, first + 5);
    d.as_of = r.text(row, first + 6);
    d.created_at = r.text(row, first + 7);
    d.outcome = r.text(row, first + 8);
    d.total = r.text(row, first + 9);
    d.request_json = r.text(row, first + 10);
    d.response_json = r.text(row, first + 11);
    if (r.optional_text(row, first + 12)) {
        Erasure e;
        e.decision_id = r.text(row, first + 12);
        e.at = r.text(row, first + 13);
        e.principal = r.text(row, first + 14);
        e.reason = r.text(row, first + 15);
        e.request_id = r.text(row, first + 16);
        e.superseded_by = r.optional_text(row, first + 17);
        d.erased = std::move(e);
    }
    return d;
}

PanelRecord read_panel(const Result& r, int row, int first) {
    return PanelRecord{r.text(row, first), r.text(row, first + 1), r.text(row, first + 2), r.text(row, first + 3),
                       r.text(row, first + 4)};
}

StoredPolicy read_policy(const Result& r, int row) {
    StoredPolicy p;
    p.seq = r.integer(row, 0);
    p.policy_id = r.text(row, 1);
    p.version = r.text(row, 2);
    p.sha256 = r.text(row, 3);
    p.file = r.text(row, 4);
    p.source = r.text(row, 5);
    p.uploaded_by = r.text(row, 6);
    p.uploaded_at = r.text(row, 7);
    p.request_id = r.text(row, 8);
    return p;
}

AuditEntry read_audit(const Result& r, int row) {
    AuditEntry e;
    e.id = r.integer(row, 0);
    e.at = r.text(row, 1);
    e.principal = r.text(row, 2);
    e.client = r.text(row, 3);
    e.request_id = r.text(row, 4);
    e.action = r.text(row, 5);
    e.route = r.text(row, 6);
    e.decision_id = r.optional_text(row, 7);
    e.panel_record_id = r.optional_text(row, 8);
    e.detail = r.optional_text(row, 9);
    e.status = static_cast<int>(r.integer(row, 10));
    e.client_request_id = r.optional_text(row, 11);
    e.hash = r.optional_text(row, 12).value_or("");
    return e;
}

std::string where(Sql& sql, const DecisionQuery& q, bool with_before) {
    std::string out;
    auto add = [&](const std::string& clause) { out += (out.empty() ? " WHERE " : " AND ") + clause; };
    if (q.case_ref) add("d.case_ref = " + sql.param(*q.case_ref));
    if (q.from) add("substr(d.created_at, 1, 10) >= " + sql.param(*q.from));
    if (q.to) add("substr(d.created_at, 1, 10) <= " + sql.param(*q.to));
    if (q.outcome) add("d.outcome = " + sql.param(*q.outcome));
    if (q.policy) add("d.policy_id = " + sql.param(*q.policy));
    if (q.before && with_before) add("d.seq < " + sql.param(*q.before));
    return out;
}

}  // namespace jointly::server::pg
