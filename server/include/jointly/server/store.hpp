// The decision store: SQLite (WAL, synchronous=FULL) or PostgreSQL, append-only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace jointly::server {

// A failure of the store itself (disk, corruption), never of the caller's input.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The tombstone left where a decision's personal data was erased (UK GDPR art. 17) or
// rectified (art. 16: a new decision supersedes it). Kept for good; append-only.
struct Erasure {
    std::string decision_id;
    std::string at;                           // set by the store (UTC, ISO 8601)
    std::string principal;                    // the admin token's name
    std::string reason;
    std::string request_id;
    std::optional<std::string> superseded_by; // rectification: the decision that replaces it
};

// What is stored for one decision. JSON texts are stored exactly as sent and answered; after
// an erasure, case_ref and request_json are empty and response_json holds only the figures.
struct DecisionRecord {
    std::int64_t seq = 0;       // set by the store: the order of storing (a paging cursor)
    std::string id;             // from Store::new_decision_id()
    std::string case_ref;
    std::string policy_id;
    std::string policy_version;
    std::string policy_sha256;
    std::string as_of;          // ISO date or empty
    std::string outcome;        // approve | refer | decline
    std::string total;          // decimal string
    std::string request_json;
    std::string response_json;
    std::string created_at;     // set by the store (UTC, ISO 8601)
    std::optional<Erasure> erased;  // read from the store: the tombstone, when erased
};

// A panel's recorded decision, kept beside the rules' result.
struct PanelRecord {
    std::string id;             // "p-" + 16 hex
    std::string decision_id;
    std::string record_json;
    std::string supersedes;     // the previous record for the decision, or empty
    std::string created_at;
};

// What the summary report reads of one decision (Store::scan_summaries): kept beside it, in
// a row of its own, so a report over a million decisions never parses their JSON. Its texts
// are views into the store's page, valid only during the visit that is handed the row.
struct SummaryRow {
    std::int64_t seq = 0;
    std::string_view day;                   // the UTC day it was stored (created_at's YYYY-MM-DD)
    std::string_view policy_id;
    std::string_view policy_version;
    std::string_view summary;               // the decision's contribution (server/src/summary_contribution.hpp)
    std::optional<std::string_view> panel;  // the latest panel record's, when there is one
};

// GET /v1/decisions filters. Dates compare with the day the decision was stored (UTC).
struct DecisionQuery {
    std::optional<std::string> case_ref;
    std::optional<std::string> from;     // YYYY-MM-DD inclusive
    std::optional<std::string> to;       // YYYY-MM-DD inclusive
    std::optional<std::string> outcome;
    std::optional<std::string> policy;   // policy id
    std::optional<std::int64_t> before;  // only decisions with a smaller seq (paging newest first)
    std::size_t limit = 50;
    std::size_t offset = 0;
};

// One line of the audit trail: who read or wrote a child's record, when, and how it ended.
struct AuditEntry {
    std::int64_t id = 0;        // set by the store: increasing, the order of the trail
    std::string at;             // set by the store (UTC, ISO 8601 with milliseconds)
    std::string principal;      // the token's name (never the token), or `anonymous`
    std::string client;         // the peer's address
    std::string request_id;     // the server's own id for the request (unique per request)
    std::optional<std::string> client_request_id;  // the caller's X-Request-Id (or traceparent's
                                                   // trace id), as sent; nullopt when none
    std::string action;         // read | write | list | report
    std::string route;          // the route template, e.g. `/v1/decisions/{id}`
    std::optional<std::string> decision_id;
    std::optional<std::string> panel_record_id;
    std::optional<std::string> detail;  // e.g. a list's query `case_ref=C-1042`
    int status = 0;             // the HTTP status answered
    // Set by the store: SHA-256 (lowercase hex) over the previous entry's hash and this entry's
    // fields (audit_chain_hash); empty for an entry of a store whose chain was never made.
    std::string hash;
    // Not stored: set when the entry went into the store in its write's own transaction (so
    // the audit wrapper does not append it again).
    bool committed_with_write = false;
};

// What the hash of the first audit entry chains from: 64 zeros.
inline constexpr const char* kAuditGenesis = "0000000000000000000000000000000000000000000000000000000000000000";

// The hash of `entry` following an entry whose hash is `previous`: lowercase hex SHA-256 of
// `previous` and, in a fixed order, each field the store keeps of `entry` (at, principal,
// client, request_id, client_request_id, action, route, decision_id, panel_record_id, detail,
// status; not id, not hash), each as a byte 0 (NULL) or a byte 1, its length in 8 bytes
// big-endian and its bytes, so that no two different entries give the same input. Pure.
std::string audit_chain_hash(std::string_view previous, const AuditEntry& entry);

struct AuditVerification;
// The sentence for the operator about `v`'s entries without a hash ("3 audit entries have no
// hash (entries 5 to 7): ..."); empty when there are none.
std::string describe_unhashed(const AuditVerification& v);

// What walking the audit trail's hash chain found (verify_audit).
struct AuditVerification {
    std::size_t entries = 0;        // entries that matched, from the first
    std::int64_t head_id = 0;       // the last of them (0 when none)
    std::string head = kAuditGenesis;  // its hash, what the next entry chains from
    // The first entry that does not match, and why (a sentence for the operator).
    struct Break {
        std::int64_t id = 0;
        std::string found;     // its stored hash (empty when it has none)
        std::string expected;  // what the chain gives
        std::string reason;
    };
    std::optional<Break> broken;
    // Runs of entries without a hash after which the walk went on (written by a jointly
    // without the hash chain still running after the upgrade, or blanked): they are outside
    // the chain, and the entry after a run is checked against the last hashed entry before
    // it, as the writer chains it. At most kMaxRuns runs are kept; `unhashed` counts them all.
    struct Unhashed {
        std::int64_t first = 0;
        std::int64_t last = 0;
        std::size_t count = 0;
    };
    static constexpr std::size_t kMaxRuns = 10;
    std::vector<Unhashed> unhashed_runs;
    std::size_t unhashed = 0;
    // Whether the walk found anything wrong in what it read (a break or entries without a hash).
    bool ok() const { return !broken && unhashed == 0; }
    // With an expected head: whether an entry of the matched chain has that hash (false when
    // entries at the end were removed, or the hash is not this store's).
    std::optional<bool> expected_head_found;
    bool complete = true;  // false: stopped (verify_audit's `stop`) before the end
};

// An `Idempotency-Key` as used for one write. Keys are scoped: the same key from another
// caller or for another route never meets this one.
struct IdempotencyKey {
    std::string scope;          // principal name and route (`ops:/v1/decisions`)
    std::string key;            // as sent
    std::string body_sha256;    // of the body's exact bytes
};

// An earlier use of an idempotency key: what it created.
struct IdempotentUse {
    std::string target;         // the decision id or panel record id created
    std::string body_sha256;
};

// What goes into a write's transaction beside the row itself.
struct WriteExtras {
    std::optional<AuditEntry> audit;            // its decision_id / panel_record_id are filled in
    std::optional<IdempotencyKey> idempotency;  // the row is written only if the key is new
};

// What a write did: wrote the row (created_at set), or found the key used before (nothing
// written; `earlier` says what the first use created).
struct WriteResult {
    std::string created_at;
    std::optional<IdempotentUse> earlier;
};

// A panel record write: decision_found false when the decision does not exist.
struct PanelWrite {
    bool decision_found = false;
    std::optional<PanelRecord> record;
    std::optional<IdempotentUse> earlier;
};

// How an erasure rewrites what it keeps (called inside the erasure's transaction).
struct Redaction {
    std::function<std::string(const DecisionRecord&)> response;        // the response_json to keep
    std::function<std::string(const std::string& record_json)> panel;  // a panel record's record_json
};

// An erasure's outcome: found false when there is no such decision; already true (and
// nothing changed) when it was erased before, `erasure` then being the first tombstone.
struct EraseResult {
    bool found = false;
    bool already = false;
    Erasure erasure;
};

// One entry of the change feed: a decision, panel record or erasure stored, in commit order.
struct Change {
    std::int64_t seq = 0;       // increasing; the feed's cursor
    std::string at;
    std::string kind;           // decision | panel_record | erasure
    std::string decision_id;
    std::optional<std::string> panel_record_id;
};

// find_audit filters. Dates compare with the UTC day of `at`. Entries come oldest first
// (by id); `after` continues from an entry's id.
struct AuditQuery {
    std::optional<std::string> decision;   // decision id
    std::optional<std::string> principal;  // token name
    std::optional<std::string> from;       // YYYY-MM-DD inclusive
    std::optional<std::string> to;         // YYYY-MM-DD inclusive
    std::int64_t after = 0;                // only entries with a larger id
    std::size_t limit = 100;
};

// A policy version uploaded with POST /v1/policies, kept in the store for good (append-only:
// triggers refuse UPDATE and DELETE). Every replica loads the stored versions beside its
// policy folder's.
struct StoredPolicy {
    std::int64_t seq = 0;       // set by the store: the order of uploading
    std::string policy_id;
    std::string version;
    std::string sha256;         // the program's, of the source text
    std::string file;           // the name the uploader gave (`upload.jf` when none)
    std::string source;
    std::string uploaded_by;    // the token's name (never the token), or `anonymous`
    std::string uploaded_at;    // set by the store (UTC, ISO 8601)
    std::string request_id;
};

// A policy text a decision was stored under: the policy's id and version and the SHA-256 of
// its text, with when the first decision under it was stored. Kept for good (append-only:
// triggers refuse UPDATE and DELETE), so that a text edited under a version that already has
// decisions is found before it is served (docs/operations.md, "Policy versions").
struct DecidedUnder {
    std::string policy_id;
    std::string policy_version;
    std::string policy_sha256;
    std::string first_decided_at;  // the created_at of the first decision stored under it
};

// Thread-safe. Writes go through one writer thread that commits in groups: each call
// returns only after the transaction holding its row has committed (and, with
// synchronous=FULL, been synced), so an acknowledged write survives kill -9 and, on storage
// that honours fsync, a power loss. Rows are never deleted, and never updated except by an
// erasure blanking a decision's personal data (triggers refuse anything else).
//
// Two implementations with the same semantics: an SQLite file (one process) and PostgreSQL
// (several replicas on one database; docs/adr/0017-postgresql-store.md).
class Store {
public:
    // Opens or creates the SQLite database at `path`. Throws StoreError when it cannot.
    static std::unique_ptr<Store> open(const std::filesystem::path& path);
    // `location` starting `postgresql://` or `postgres://` connects to PostgreSQL with up to
    // `pool` connections for requests (plus one that listens for other replicas' writes),
    // creating or migrating the schema; anything else is an SQLite path, as open(). On
    // PostgreSQL the server cuts off any statement of a request's or a write's (a wait for a
    // lock included) after `statement_timeout`, which the call then throws as a StoreError
    // saying so; writes of a group cut off are not stored. Throws StoreError when it cannot
    // (the message never holds a password).
    static std::unique_ptr<Store> connect(const std::string& location, std::size_t pool = kDefaultPool,
                                          std::chrono::milliseconds statement_timeout = kDefaultStatementTimeout);
    static constexpr std::size_t kDefaultPool = 8;
    static constexpr std::chrono::milliseconds kDefaultStatementTimeout{15000};
    // Whether `location` names a PostgreSQL database rather than an SQLite file.
    static bool is_postgresql(const std::string& location);
    virtual ~Store() = default;

    // Throws StoreError when the store cannot be reached now (a cheap query). For /healthz.
    virtual void check_available() = 0;

    // "d-" + 16 lowercase hex digits from libcrypto's RAND_bytes (panel records: "p-" and the
    // same). Throws StoreError when the random source fails.
    static std::string new_decision_id();

    // Stores a decision with, in the same transaction, the audit entry and the idempotency key
    // of `extras`; when the key was used before nothing is written and `earlier` says what the
    // first use created. Returns after the commit. Throws StoreError.
    virtual WriteResult write_decision(DecisionRecord record, const WriteExtras& extras) = 0;
    // write_decision without extras; returns created_at.
    std::string add_decision(DecisionRecord record) { return write_decision(std::move(record), {}).created_at; }
    virtual std::optional<DecisionRecord> get_decision(const std::string& id) = 0;
    // Newest first. Request and response texts are included.
    virtual std::vector<DecisionRecord> find_decisions(const DecisionQuery& query) = 0;
    virtual std::size_t count_decisions(const DecisionQuery& query) = 0;

    // Stores a panel record for an existing decision; it supersedes the latest earlier
    // record for that decision. nullopt when the decision does not exist. Throws StoreError.
    // With `extras` as for write_decision.
    virtual PanelWrite write_panel_record(const std::string& decision_id, const std::string& record_json,
                                          const WriteExtras& extras) = 0;
    std::optional<PanelRecord> add_panel_record(const std::string& decision_id, const std::string& record_json) {
        return write_panel_record(decision_id, record_json, {}).record;
    }
    // Oldest first.
    virtual std::vector<PanelRecord> panel_records(const std::string& decision_id) = 0;

    // The earlier use of an idempotency key, if any.
    virtual std::optional<IdempotentUse> find_idempotent(const std::string& scope, const std::string& key) = 0;

    // Erases the personal data of decision `erasure.decision_id` in one transaction: case_ref
    // and the request become empty, the response becomes redact.response(record), each panel
    // record's text becomes redact.panel(text); the tombstone `erasure` (at set here) and
    // `audit` are appended. The only change to a stored decision the store allows (triggers
    // refuse any other UPDATE, and any DELETE). Throws StoreError.
    virtual EraseResult erase_decision(Erasure erasure, const Redaction& redact,
                                       const std::optional<AuditEntry>& audit) = 0;
    // Rectification: stores `replacement` and erases `erasure.decision_id` with superseded_by
    // set to the replacement's id, in one transaction. found false: no such decision (nothing
    // stored); already true: it was erased or superseded before (nothing stored).
    virtual EraseResult rectify_decision(DecisionRecord replacement, Erasure erasure, const Redaction& redact,
                                         const std::optional<AuditEntry>& audit) = 0;

    // The change feed: entries with seq > after, oldest first, at most `limit`.
    virtual std::vector<Change> changes_after(std::int64_t after, std::size_t limit) = 0;
    // The seq of the newest change committed (by any replica), 0 when there is none; read from
    // the store now. Throws StoreError.
    virtual std::int64_t last_change_seq() = 0;
    // Waits until an entry with seq > after has committed or `timeout` passes (or the store
    // closes); true when there is one.
    virtual bool wait_for_change(std::int64_t after, std::chrono::milliseconds timeout) = 0;
    // As wait_for_change, for a stored policy version with seq > after (from any replica).
    virtual bool wait_for_policy(std::int64_t after, std::chrono::milliseconds timeout) = 0;

    // Calls `visit` for every decision matching `query` (its limit and offset are ignored),
    // oldest first, with the decision's latest panel record (the one no later record
    // supersedes) or nullopt. Reads in pages and calls `visit` outside the store's lock, so
    // a long scan never holds up other requests; a decision stored during the scan may or may
    // not be visited. Throws StoreError (and whatever `visit` throws).
    using DecisionVisitor = std::function<void(const DecisionRecord&, const std::optional<PanelRecord>&)>;
    virtual void scan_decisions(const DecisionQuery& query, const DecisionVisitor& visit) = 0;

    // Calls `visit` for the summary contribution of every decision stored on a UTC day in
    // [query.from, query.to] under policy query.policy (each filter when given; the others of
    // DecisionQuery are ignored), oldest first. The contribution is the compact text the store
    // computed from the decision when it stored it (and again when it was erased), with the
    // latest panel record's (the one no later record supersedes). Reads in pages and calls
    // `visit` outside the store's lock, as scan_decisions (PostgreSQL fetches the next page
    // while `visit` is called for this one). Throws StoreError (and whatever `visit` throws).
    using SummaryVisitor = std::function<void(const SummaryRow&)>;
    virtual void scan_summaries(const DecisionQuery& query, const SummaryVisitor& visit) = 0;

    // Appends `entry` to the audit trail (its id and at are set here); returns after the
    // commit, like add_decision. The trail is append-only: there is no way to change or
    // remove an entry (triggers refuse UPDATE and DELETE). Throws StoreError.
    virtual void add_audit(const AuditEntry& entry) = 0;
    // The entries matching `query`, oldest first (increasing id), at most query.limit.
    // Throws StoreError.
    virtual std::vector<AuditEntry> find_audit(const AuditQuery& query) = 0;
    // Walks the whole audit trail in id order, checking each entry's hash against the one
    // before it (audit_chain_hash), and stops at the first that does not match. With
    // `expected_head` (a hash recorded earlier) also says whether the chain reaches it. Reads
    // in pages (audit_page; about 2 s a million entries on SQLite, 4 s on PostgreSQL:
    // docs/adr/0029-audit-hash-chain.md). When `stop` is given and becomes true, returns with
    // complete false: between pages, or from a page whose read it cuts short (PostgreSQL
    // cancels a statement kept waiting, on a lock say). Throws StoreError.
    AuditVerification verify_audit(const std::optional<std::string>& expected_head = std::nullopt,
                                   const std::atomic<bool>* stop = nullptr);

    // Stores an uploaded policy version; returns it with seq and uploaded_at set. When a
    // version of that policy with that version text is stored already, nothing is written and
    // the earlier one is returned with `added` false. When `seen_seq` is given and a version
    // of the same policy was stored with a larger seq (by another replica, since this one last
    // read the stored versions), nothing is written and `stale` is true: the caller reads the
    // newer versions, checks the upload against them and tries again. The look and the insert
    // are one transaction under the store's write lock, so of two replicas uploading
    // overlapping versions at once the second always sees the first. Returns after the
    // commit. Throws StoreError.
    struct PolicyWrite {
        bool added = false;
        bool stale = false;
        StoredPolicy policy;
    };
    virtual PolicyWrite write_policy(StoredPolicy policy, std::optional<std::int64_t> seen_seq) = 0;
    // write_policy without the check for newer versions.
    PolicyWrite add_policy(StoredPolicy policy) { return write_policy(std::move(policy), std::nullopt); }
    // The stored policy versions with seq > after, oldest first. Throws StoreError.
    virtual std::vector<StoredPolicy> policies_after(std::int64_t after) = 0;

    // Every (policy id, version, sha256) a stored decision names, ordered by id, version and
    // sha256. The writer adds each in the transaction of the first decision under it.
    // Throws StoreError.
    virtual std::vector<DecidedUnder> decided_under() = 0;

    // Called on the writer thread after every group commit with how long the transaction took
    // (BEGIN to COMMIT, fsync included) and whether it committed. For metrics; set it before
    // the first write. It must not throw or call back into the store.
    using CommitObserver = std::function<void(std::chrono::nanoseconds elapsed, bool committed)>;
    void set_commit_observer(CommitObserver observer) { commit_observer_ = std::move(observer); }

    // What opening the store found that the operator should know (for the log, each a
    // sentence), e.g. that the audit table had lost its append-only triggers, which opening
    // re-created. Fixed once the store is open.
    const std::vector<std::string>& open_warnings() const { return open_warnings_; }

protected:
    std::vector<std::string> open_warnings_;  // set by the constructor

    // One page of verify_audit's walk: the entries with id > after, oldest first, at most
    // `limit`; nullopt when `stop` (if given) became true while they were read and the read
    // was cut short. This one reads through find_audit and is never cut short. Throws
    // StoreError.
    virtual std::optional<std::vector<AuditEntry>> audit_page(std::int64_t after, std::size_t limit,
                                                              const std::atomic<bool>* stop);

    void observe_commit(std::chrono::nanoseconds elapsed, bool committed) const {
        if (commit_observer_) commit_observer_(elapsed, committed);
    }

private:
    CommitObserver commit_observer_;
};

// What copy_store copied, table by table.
struct CopyCounts {
    std::size_t decisions = 0;
    std::size_t panel_records = 0;
    std::size_t erasures = 0;
    std::size_t idempotency_keys = 0;
    std::size_t changes = 0;
    std::size_t audit = 0;
    std::size_t policies = 0;
    std::size_t decided_under = 0;
};

// Copies every row of the SQLite store `from` (read only; of this jointly's schema version)
// into the PostgreSQL store `to` (schema created or migrated first), keeping ids, seqs, times
// and order, in one transaction: all or nothing. `to` must hold no decisions, audit entries,
// policies or changes. Throws StoreError saying what is wrong.
CopyCounts copy_store(const std::filesystem::path& from, const std::string& to);

// What reapply_erasures found among the erasures `from` records: erased now in the store,
// erased there already, or not there at all (stored after the backup was taken).
struct ReapplyCounts {
    std::size_t recorded = 0;
    std::size_t erased = 0;
    std::size_t already = 0;
    std::size_t absent = 0;
    std::vector<std::string> warnings;  // what opening (migrating) `db` said (Store::open_warnings)
    // A rectification `from` records whose replacement decision the store does not hold (stored
    // after the backup was taken, it is only in `from`), in the order `from` recorded them.
    struct Replacement {
        std::string rectified;  // the decision rectified (erased)
        std::string by;         // its replacement, which the store lacks
    };
    std::vector<Replacement> replacements_absent;
};

// Erases in the store `db` (an SQLite file that exists, or a postgresql:// URL) every decision
// that the store `from` (the same forms; an SQLite file is only read) records as erased and
// `db` still holds, with the erasure route's redaction, a tombstone naming the first erasure
// and an audit entry (principal `jointly store reapply-erasures`): the record is the one the
// API would have left. Running it again changes nothing. For a restored store, with the
// server stopped. Throws StoreError saying what is wrong.
ReapplyCounts reapply_erasures(const std::string& from, const std::string& db);

// What verify_audit_read_only found.
struct ReadOnlyAuditCheck {
    std::int64_t schema = 0;          // the store's schema version
    std::int64_t current_schema = 0;  // this jointly's; when the store's is older, nothing was walked
    std::string missing_triggers;     // append-only triggers the store lacks (comma separated)
    AuditVerification verification;
};

// Walks the audit hash chain of the store `location` (an SQLite file that exists, opened read
// only, or a postgresql:// URL, in a read-only transaction) as Store::verify_audit does,
// without migrating or writing anything: a store of an older schema is not walked, and
// missing append-only triggers are reported, not re-created. Throws StoreError when the
// store cannot be read or is of a newer schema.
ReadOnlyAuditCheck verify_audit_read_only(const std::string& location,
                                          const std::optional<std::string>& expected_head);

}  // namespace jointly::server
