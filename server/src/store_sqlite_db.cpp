// The SQLite store's schema and its migrations, and the readers of its rows
// (store_sqlite_db.hpp).
#include "store_sqlite_db.hpp"

#include <array>
#include <string_view>
#include <utility>
#include <vector>

#include "store_common.hpp"
#include "summary_contribution.hpp"

namespace jointly::server::sqlite {
namespace {

// The schema this binary writes, recorded in the database's `user_version`: 1 the decisions,
// panel records, erasures, idempotency keys, change feed and audit trail; 2 adds the uploaded
// policy versions; 3 each decision's summary contribution (decision_summaries, backfilled on
// migrating); 4 the audit trail's hash chain and the caller's request id (audit.hash, chained
// over the entries already stored on migrating, and audit.client_request_id); 5 the policy texts
// decided under (decided_under, filled from the decisions on migrating). A store of a newer
// version is refused; an older one is migrated on open.
constexpr std::int64_t kSchemaVersion = 5;

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
CREATE TABLE IF NOT EXISTS erasures (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  decision_id    TEXT NOT NULL UNIQUE REFERENCES decisions(id),
  at             TEXT NOT NULL,
  principal      TEXT NOT NULL,
  reason         TEXT NOT NULL,
  request_id     TEXT NOT NULL,
  superseded_by  TEXT);
CREATE TRIGGER IF NOT EXISTS erasures_no_update BEFORE UPDATE ON erasures
  BEGIN SELECT RAISE(ABORT, 'erasure records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS erasures_no_delete BEFORE DELETE ON erasures
  BEGIN SELECT RAISE(ABORT, 'erasure records are append-only'); END;
DROP TRIGGER IF EXISTS decisions_no_update;
DROP TRIGGER IF EXISTS panel_no_update;
CREATE TRIGGER IF NOT EXISTS decisions_update_only_erasure BEFORE UPDATE ON decisions
  WHEN NOT (EXISTS (SELECT 1 FROM erasures WHERE decision_id = OLD.id)
            AND NEW.seq = OLD.seq AND NEW.id = OLD.id AND NEW.policy_id = OLD.policy_id
            AND NEW.policy_version = OLD.policy_version AND NEW.policy_sha256 = OLD.policy_sha256
            AND NEW.as_of = OLD.as_of AND NEW.created_at = OLD.created_at AND NEW.outcome = OLD.outcome
            AND NEW.total = OLD.total AND NEW.case_ref = '' AND NEW.request = '')
  BEGIN SELECT RAISE(ABORT, 'decisions are append-only (only an erasure may blank personal data)'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
  BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS panel_update_only_erasure BEFORE UPDATE ON panel_records
  WHEN NOT (EXISTS (SELECT 1 FROM erasures WHERE decision_id = OLD.decision_id)
            AND NEW.seq = OLD.seq AND NEW.id = OLD.id AND NEW.decision_id = OLD.decision_id
            AND NEW.supersedes = OLD.supersedes AND NEW.created_at = OLD.created_at)
  BEGIN SELECT RAISE(ABORT, 'panel records are append-only (only an erasure may blank personal data)'); END;
CREATE TRIGGER IF NOT EXISTS panel_no_delete BEFORE DELETE ON panel_records
  BEGIN SELECT RAISE(ABORT, 'panel records are append-only'); END;
CREATE TABLE IF NOT EXISTS decision_summaries (
  seq            INTEGER PRIMARY KEY,
  day            TEXT NOT NULL,
  policy_id      TEXT NOT NULL,
  policy_version TEXT NOT NULL,
  summary        TEXT NOT NULL,
  panel          TEXT);
CREATE INDEX IF NOT EXISTS decision_summaries_day ON decision_summaries(day);
CREATE TABLE IF NOT EXISTS idempotency (
  scope        TEXT NOT NULL,
  key          TEXT NOT NULL,
  body_sha256  TEXT NOT NULL,
  target       TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  PRIMARY KEY (scope, key));
CREATE TRIGGER IF NOT EXISTS idempotency_no_update BEFORE UPDATE ON idempotency
  BEGIN SELECT RAISE(ABORT, 'idempotency keys are append-only'); END;
CREATE TABLE IF NOT EXISTS changes (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  at              TEXT NOT NULL,
  kind            TEXT NOT NULL,
  decision_id     TEXT NOT NULL,
  panel_record_id TEXT);
CREATE TRIGGER IF NOT EXISTS changes_no_update BEFORE UPDATE ON changes
  BEGIN SELECT RAISE(ABORT, 'the change feed is append-only'); END;
CREATE TRIGGER IF NOT EXISTS changes_no_delete BEFORE DELETE ON changes
  BEGIN SELECT RAISE(ABORT, 'the change feed is append-only'); END;
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
  status          INTEGER NOT NULL,
  client_request_id TEXT,
  hash            TEXT);
CREATE INDEX IF NOT EXISTS audit_decision ON audit(decision_id);
CREATE INDEX IF NOT EXISTS audit_principal ON audit(principal);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TABLE IF NOT EXISTS policies (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  policy_id   TEXT NOT NULL,
  version     TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  file        TEXT NOT NULL,
  source      TEXT NOT NULL,
  uploaded_by TEXT NOT NULL,
  uploaded_at TEXT NOT NULL,
  request_id  TEXT NOT NULL,
  UNIQUE (policy_id, version));
CREATE TRIGGER IF NOT EXISTS policies_no_update BEFORE UPDATE ON policies
  BEGIN SELECT RAISE(ABORT, 'uploaded policy versions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS policies_no_delete BEFORE DELETE ON policies
  BEGIN SELECT RAISE(ABORT, 'uploaded policy versions are append-only'); END;
CREATE TABLE IF NOT EXISTS decided_under (
  policy_id        TEXT NOT NULL,
  policy_version   TEXT NOT NULL,
  policy_sha256    TEXT NOT NULL,
  first_decided_at TEXT NOT NULL,
  PRIMARY KEY (policy_id, policy_version, policy_sha256));
CREATE TRIGGER IF NOT EXISTS decided_under_no_update BEFORE UPDATE ON decided_under
  BEGIN SELECT RAISE(ABORT, 'the policy texts decided under are append-only'); END;
CREATE TRIGGER IF NOT EXISTS decided_under_no_delete BEFORE DELETE ON decided_under
  BEGIN SELECT RAISE(ABORT, 'the policy texts decided under are append-only'); END;
)sql";

// Migrating to version 5: the policy texts the stored decisions name, each with its first
// decision's time (a row already there, from a store whose version was set back, is kept).
constexpr const char* kFillDecidedUnder = R"sql(
INSERT OR IGNORE INTO decided_under (policy_id, policy_version, policy_sha256, first_decided_at)
  SELECT policy_id, policy_version, policy_sha256, min(created_at) FROM decisions
  GROUP BY policy_id, policy_version, policy_sha256;
)sql";

// A store made before the change feed existed gets its history, in the order of storing.
constexpr const char* kBackfillChanges = R"sql(
INSERT INTO changes (at, kind, decision_id, panel_record_id)
  SELECT at, kind, decision_id, panel_record_id FROM (
    SELECT created_at AS at, 'decision' AS kind, id AS decision_id, NULL AS panel_record_id, 0 AS k, seq
      FROM decisions
    UNION ALL
    SELECT created_at, 'panel_record', decision_id, id, 1, seq FROM panel_records)
  ORDER BY at, k, seq;
)sql";

// Migrating to version 3: every decision's contribution, in the migration's transaction.
// Derived rows: any left by a store whose version was set back are computed afresh.
void backfill_summaries(Db& db) {
    constexpr std::int64_t kPage = 1000;
    db.exec("DELETE FROM decision_summaries");
    Stmt insert(db, kInsertSummary);
    Stmt page(db, "SELECT p.record, " + std::string(kDecisionSelect).substr(7) +
                      " LEFT JOIN panel_records p ON p.seq = (SELECT max(seq) FROM panel_records WHERE "
                      "decision_id = d.id) WHERE d.seq > ?1 ORDER BY d.seq LIMIT ?2");
    for (std::int64_t last = 0;;) {
        std::vector<std::pair<DecisionRecord, std::optional<std::string>>> rows;
        {
            ResetOnExit guard{page};
            page.bind(1, last).bind(2, kPage);
            while (page.step()) rows.emplace_back(read_decision(page, 1), page.optional_text(0));
        }
        for (const auto& [d, panel] : rows)
            insert_summary(insert, d.seq, d, summary::encode_decision(d),
                           panel ? std::optional<std::string>(summary::encode_panel(*panel)) : std::nullopt);
        if (static_cast<std::int64_t>(rows.size()) < kPage) return;
        last = rows.back().first.seq;
    }
}

// Migrating to version 4: the columns an audit table made before it lacks, and the hash chain
// over its entries without a hash, in id order, in the migration's transaction (the
// append-only trigger is dropped for it and put back by kSchema).
store_detail::Chained chain_audit(Db& db) {
    store_detail::Chained chained;
    bool has_hash = false;
    bool has_client_id = false;
    {
        Stmt columns(db, "SELECT name FROM pragma_table_info('audit')");
        while (columns.step()) {
            has_hash = has_hash || columns.text(0) == "hash";
            has_client_id = has_client_id || columns.text(0) == "client_request_id";
        }
    }
    if (!has_client_id) db.exec("ALTER TABLE audit ADD COLUMN client_request_id TEXT");
    if (!has_hash) db.exec("ALTER TABLE audit ADD COLUMN hash TEXT");
    db.exec("DROP TRIGGER IF EXISTS audit_no_update");
    constexpr std::int64_t kPage = 2000;
    std::string head = kAuditGenesis;
    Stmt page(db, std::string("SELECT ") + kAuditColumns + " FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2");
    Stmt update(db, "UPDATE audit SET hash = ?2 WHERE id = ?1");
    for (std::int64_t last = 0;;) {
        std::vector<AuditEntry> rows;
        {
            ResetOnExit guard{page};
            page.bind(1, last).bind(2, kPage);
            while (page.step()) rows.push_back(read_audit(page));
        }
        for (const auto& e : rows) {
            if (!e.hash.empty()) {  // kept: a store whose version was set back is not re-chained
                head = e.hash;
                continue;
            }
            head = audit_chain_hash(head, e);
            ResetOnExit guard{update};
            update.bind(1, e.id).bind(2, head);
            update.step();
            if (chained.count++ == 0) chained.first = e.id;
            chained.last = e.id;
            chained.head = head;
        }
        if (static_cast<std::int64_t>(rows.size()) < kPage) return chained;
        last = rows.back().id;
    }
}

// The append-only triggers of kSchema that the store lacks.
std::vector<store_detail::SchemaTrigger> missing_triggers(Db& db) {
    std::vector<store_detail::SchemaTrigger> missing;
    Stmt exists(db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = ?");
    for (auto& trigger : store_detail::schema_triggers(kSchema, "CREATE TRIGGER IF NOT EXISTS ")) {
        exists.reset();
        exists.bind(1, trigger.name);
        if (exists.step() && exists.integer(0) == 0) missing.push_back(std::move(trigger));
    }
    return missing;
}

// The tables the store has.
std::vector<std::string> tables(Db& db) {
    std::vector<std::string> out;
    Stmt s(db, "SELECT name FROM sqlite_master WHERE type = 'table'");
    while (s.step()) out.push_back(s.text(0));
    return out;
}

// The first version a store recorded (a store made before reads 0; 1 was never recorded), and
// the tables with triggers added to kSchema since, with the version that added them: a store of
// a recorded version has every trigger of kSchema but those (store_detail::dropped_triggers).
constexpr std::int64_t kFirstRecorded = 2;
constexpr std::array<store_detail::TableSince, 1> kTablesAdded{{{"decided_under", 5}}};

// `missing` without the triggers of kSchema that replaced one the store still has (kSchema
// drops the old one): a store made before versions were recorded, and before the erasure
// routes, guards updates with decisions_no_update and panel_no_update, which refuse every
// update, and lacks their successors by right.
std::vector<store_detail::SchemaTrigger> without_replaced(Db& db, std::vector<store_detail::SchemaTrigger> missing) {
    constexpr std::array<std::pair<std::string_view, std::string_view>, 2> kReplaced{
        {{"decisions_update_only_erasure", "decisions_no_update"}, {"panel_update_only_erasure", "panel_no_update"}}};
    Stmt exists(db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = ?");
    std::erase_if(missing, [&](const store_detail::SchemaTrigger& t) {
        for (const auto& [now, before] : kReplaced) {
            if (t.name != now) continue;
            exists.reset();
            exists.bind(1, std::string(before));
            return exists.step() && exists.integer(0) == 1;
        }
        return false;
    });
    return missing;
}

}  // namespace

// The columns of kDecisionSelect, starting at result column `first`.
DecisionRecord read_decision(const Stmt& s, int first) {
    DecisionRecord r;
    r.seq = s.integer(first);
    r.id = s.text(first + 1);
    r.case_ref = s.text(first + 2);
    r.policy_id = s.text(first + 3);
    r.policy_version = s.text(first + 4);
    r.policy_sha256 = s.text(first + 5);
    r.as_of = s.text(first + 6);
    r.created_at = s.text(first + 7);
    r.outcome = s.text(first + 8);
    r.total = s.text(first + 9);
    r.request_json = s.text(first + 10);
    r.response_json = s.text(first + 11);
    if (s.optional_text(first + 12)) {
        Erasure e;
        e.decision_id = s.text(first + 12);
        e.at = s.text(first + 13);
        e.principal = s.text(first + 14);
        e.reason = s.text(first + 15);
        e.request_id = s.text(first + 16);
        e.superseded_by = s.optional_text(first + 17);
        r.erased = std::move(e);
    }
    return r;
}

// The columns of kPolicyColumns, in order.
StoredPolicy read_policy(const Stmt& s) {
    StoredPolicy p;
    p.seq = s.integer(0);
    p.policy_id = s.text(1);
    p.version = s.text(2);
    p.sha256 = s.text(3);
    p.file = s.text(4);
    p.source = s.text(5);
    p.uploaded_by = s.text(6);
    p.uploaded_at = s.text(7);
    p.request_id = s.text(8);
    return p;
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
    e.client_request_id = s.optional_text(11);
    e.hash = s.optional_text(12).value_or("");
    return e;
}

void insert_summary(Stmt& insert, std::int64_t seq, const DecisionRecord& rec, const std::string& summary,
                    const std::optional<std::string>& panel) {
    ResetOnExit guard{insert};
    insert.bind(1, seq).bind(2, rec.created_at.substr(0, 10)).bind(3, rec.policy_id).bind(4, rec.policy_version);
    insert.bind(5, summary).bind(6, panel);
    insert.step();
}

void insert_decided_under(Stmt& insert, const DecisionRecord& rec) {
    ResetOnExit guard{insert};
    insert.bind(1, rec.policy_id).bind(2, rec.policy_version).bind(3, rec.policy_sha256).bind(4, rec.created_at);
    insert.step();
}

std::vector<DecidedUnder> read_decided_under(Db& db) {
    Stmt s(db, "SELECT policy_id, policy_version, policy_sha256, first_decided_at FROM decided_under "
               "ORDER BY policy_id, policy_version, policy_sha256");
    std::vector<DecidedUnder> out;
    while (s.step()) out.push_back(DecidedUnder{s.text(0), s.text(1), s.text(2), s.text(3)});
    return out;
}

std::vector<std::string> migrate(Db& db, const std::string& path) {
    std::vector<std::string> warnings;
    db.exec("BEGIN IMMEDIATE");
    try {
        Stmt version(db, "PRAGMA user_version");
        version.step();
        const auto found = version.integer(0);
        if (found > kSchemaVersion)
            throw StoreError(store_detail::newer_schema_message(path, found, kSchemaVersion));
        // kSchema re-creates a trigger that was dropped: say so, since while it was gone what
        // it guards could be edited; also when migrating, whatever version the store claims
        // (a user_version lowered, to 0 too, hides nothing). A store older than a trigger's
        // table lacks it by right; that is no sign.
        auto missing = missing_triggers(db);
        if (found < kFirstRecorded) missing = without_replaced(db, std::move(missing));
        const auto dropped =
            store_detail::dropped_triggers(missing, tables(db), found, kFirstRecorded, kTablesAdded);
        if (!dropped.empty())
            warnings.push_back(store_detail::audit_triggers_missing_message(path, store_detail::trigger_list(dropped)));
        // Every step of kSchema is idempotent, so a store of any earlier version (0: one
        // made before versions were recorded) is brought up to date by running it.
        db.exec(kSchema);
        Stmt empty(db, "SELECT (SELECT count(*) FROM changes) = 0 AND ((SELECT count(*) FROM decisions) > 0)");
        if (empty.step() && empty.integer(0) == 1) db.exec(kBackfillChanges);
        if (found < 3) backfill_summaries(db);
        if (found < 4) {
            const auto chained = chain_audit(db);
            db.exec(kSchema);  // puts back the trigger chain_audit dropped
            if (chained.count > 0) warnings.push_back(store_detail::audit_chained_message(path, chained));
        }
        if (found < 5) db.exec(kFillDecidedUnder);
        db.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
        db.exec("COMMIT");
    } catch (...) {
        db.exec("ROLLBACK");
        throw;
    }
    return warnings;
}

store_detail::SchemaState inspect(Db& db) {
    store_detail::SchemaState state;
    state.current = kSchemaVersion;
    Stmt version(db, "PRAGMA user_version");
    version.step();
    state.found = version.integer(0);
    state.missing_triggers = store_detail::trigger_list(missing_triggers(db));
    return state;
}

}  // namespace jointly::server::sqlite
