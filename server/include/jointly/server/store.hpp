// The decision store: SQLite (WAL, synchronous=FULL), append-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace jointly::server {

// A failure of the store itself (disk, corruption), never of the caller's input.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What is stored for one decision. JSON texts are stored exactly as sent and answered.
struct DecisionRecord {
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
};

// A panel's recorded decision, kept beside the rules' result.
struct PanelRecord {
    std::string id;             // "p-" + 16 hex
    std::string decision_id;
    std::string record_json;
    std::string supersedes;     // the previous record for the decision, or empty
    std::string created_at;
};

// GET /v1/decisions filters. Dates compare with the day the decision was stored (UTC).
struct DecisionQuery {
    std::optional<std::string> case_ref;
    std::optional<std::string> from;     // YYYY-MM-DD inclusive
    std::optional<std::string> to;       // YYYY-MM-DD inclusive
    std::optional<std::string> outcome;
    std::optional<std::string> policy;   // policy id
    std::size_t limit = 50;
    std::size_t offset = 0;
};

// One line of the audit trail: who read or wrote a child's record, when, and how it ended.
struct AuditEntry {
    std::int64_t id = 0;        // set by the store: increasing, the order of the trail
    std::string at;             // set by the store (UTC, ISO 8601 with milliseconds)
    std::string principal;      // the token's name (never the token), or `anonymous`
    std::string client;         // the peer's address
    std::string request_id;
    std::string action;         // read | write | list | report
    std::string route;          // the route template, e.g. `/v1/decisions/{id}`
    std::optional<std::string> decision_id;
    std::optional<std::string> panel_record_id;
    std::optional<std::string> detail;  // e.g. a list's query `case_ref=C-1042`
    int status = 0;             // the HTTP status answered
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

// Thread-safe. Writes go through one writer thread that commits in groups: each call
// returns only after the transaction holding its row has committed (and, with
// synchronous=FULL, been synced), so an acknowledged write survives kill -9 and, on storage
// that honours fsync, a power loss. Rows are never updated or deleted (triggers refuse).
class Store {
public:
    // Opens or creates the database. Throws StoreError when it cannot.
    static std::unique_ptr<Store> open(const std::filesystem::path& path);
    virtual ~Store() = default;

    // "d-" + 16 lowercase hex digits from libcrypto's RAND_bytes (panel records: "p-" and the
    // same). Throws StoreError when the random source fails.
    static std::string new_decision_id();

    // Stores a decision; returns its created_at. Throws StoreError.
    virtual std::string add_decision(DecisionRecord record) = 0;
    virtual std::optional<DecisionRecord> get_decision(const std::string& id) = 0;
    // Newest first. Request and response texts are included.
    virtual std::vector<DecisionRecord> find_decisions(const DecisionQuery& query) = 0;
    virtual std::size_t count_decisions(const DecisionQuery& query) = 0;

    // Stores a panel record for an existing decision; it supersedes the latest earlier
    // record for that decision. nullopt when the decision does not exist. Throws StoreError.
    virtual std::optional<PanelRecord> add_panel_record(const std::string& decision_id,
                                                        const std::string& record_json) = 0;
    // Oldest first.
    virtual std::vector<PanelRecord> panel_records(const std::string& decision_id) = 0;

    // Calls `visit` for every decision matching `query` (its limit and offset are ignored),
    // oldest first, with the decision's latest panel record (the one no later record
    // supersedes) or nullopt. Reads in pages and calls `visit` outside the store's lock, so
    // a long scan never holds up other requests; a decision stored during the scan may or may
    // not be visited. Throws StoreError (and whatever `visit` throws).
    using DecisionVisitor = std::function<void(const DecisionRecord&, const std::optional<PanelRecord>&)>;
    virtual void scan_decisions(const DecisionQuery& query, const DecisionVisitor& visit) = 0;

    // Appends `entry` to the audit trail (its id and at are set here); returns after the
    // commit, like add_decision. The trail is append-only: there is no way to change or
    // remove an entry (triggers refuse UPDATE and DELETE). Throws StoreError.
    virtual void add_audit(const AuditEntry& entry) = 0;
    // The entries matching `query`, oldest first (increasing id), at most query.limit.
    // Throws StoreError.
    virtual std::vector<AuditEntry> find_audit(const AuditQuery& query) = 0;
};

}  // namespace jointly::server
