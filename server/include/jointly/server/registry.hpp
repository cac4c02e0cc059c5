// The policy registry: every version of every policy in service, as one immutable snapshot
// swapped atomically on reload and upload.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jointly/dsl/check.hpp"
#include "jointly/dsl/diagnostic.hpp"
#include "jointly/engine/date.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/server/store.hpp"

namespace jointly::server {

// One policy file's findings, with its text so that they can be rendered.
struct FileReport {
    std::string file;
    std::string source;
    dsl::Diagnostics diagnostics;
};

// Who uploaded a policy version kept in the decision store, and when.
struct UploadInfo {
    std::int64_t seq = 0;        // the store's order of uploading
    std::string uploaded_by;     // the token's name
    std::string uploaded_at;     // UTC, ISO 8601
    std::string file;            // the name the uploader gave
};

struct LoadedPolicy {
    std::shared_ptr<const engine::Program> program;
    std::string file;                    // the folder's file, or `uploaded:ID@VERSION`
    std::optional<UploadInfo> upload;    // set exactly when the version came from the store
};

// INVARIANT: `ok` is true exactly when no file (and no cross-file check) reported an error.
struct LoadResult {
    bool ok = true;
    std::vector<LoadedPolicy> policies;   // only the files that compiled
    std::vector<FileReport> files;        // every file read, with its findings
    std::vector<std::string> io_errors;   // unreadable paths, empty directories
};

// Loads FILEs and DIRs (recursively, every *.jf, in path order), compiles each and checks
// the versions across all of them (dsl::check_versions: overlapping ranges, a repeated id
// and version). Cross-file findings are attached to the file they name. Each file is
// compiled within `limits` (by default no time limit: the files are the operator's; a
// file stopped by a limit reports E2290/E2291 and does not load). A path `-` stands for
// `standard_input` (reported as `<stdin>`); without it, `-` is a missing file. Never throws.
LoadResult load_policies(const std::vector<std::filesystem::path>& paths, const dsl::Limits& limits = {},
                         const std::optional<std::string>& standard_input = std::nullopt);

// The result of picking a policy version for a request.
struct Selection {
    enum class Status { Ok, UnknownPolicy, UnknownVersion, NotInEffect, NeedAsOf };
    Status status = Status::Ok;
    std::shared_ptr<const engine::Program> program;  // present exactly when Ok
    std::string message;                             // why not, for the caller
};

// An immutable set of loaded policies. Thread-safe (read-only after construction).
class Snapshot {
public:
    Snapshot(std::vector<LoadedPolicy> policies, std::uint64_t generation);

    const std::vector<LoadedPolicy>& policies() const { return policies_; }
    std::uint64_t generation() const { return generation_; }

    // Distinct policy ids, sorted.
    std::vector<std::string> ids() const;
    // Every version of `id`, earliest effective date first.
    std::vector<const LoadedPolicy*> versions(const std::string& id) const;

    // Picks the version of `id` named by `version`, else the one in effect on `as_of`.
    // With `enforce_range`, a named version must also be in effect on `as_of` (when given).
    // Without `as_of` or `version`, a policy with exactly one version is that version.
    Selection select(const std::string& id, const std::optional<std::string>& version,
                     const std::optional<engine::Date>& as_of, bool enforce_range = true) const;

private:
    std::span<const LoadedPolicy> versions_of(std::string_view id) const;

    std::vector<LoadedPolicy> policies_;  // sorted by id, then effective_from
    std::uint64_t generation_;
};

// The outcome of an upload or a check of policy source.
struct UploadResult {
    enum class Status { Added, Checked, Invalid, Duplicate, StorageFailed };
    Status status = Status::Invalid;
    std::shared_ptr<const engine::Program> program;  // Added/Checked
    FileReport report;                               // diagnostics (warnings too)
    std::string message;
    // With status Invalid, why checking gave no verdict: TimeLimit when it stopped at the
    // time limit of dsl::Limits::for_upload (E2290: the caller's policy is too costly to
    // check, HTTP 422); OutOfMemory when memory ran out (E2291: the server's state, not the
    // policy's fault, HTTP 503). None otherwise.
    engine::CheckResult::Stopped stopped = engine::CheckResult::Stopped::None;
};

// Who is uploading a policy version (for the store's record).
struct Uploader {
    std::string name;            // the token's name, or `anonymous`
    std::string request_id;
};

// Attempts to change the policies in service: directory reloads (the load at start and every
// SIGHUP) and stored uploads (POST /v1/policies); checks alone are not counted.
struct ReloadStats {
    std::uint64_t successes = 0;  // the snapshot was swapped
    std::uint64_t failures = 0;   // the snapshot was kept: a reload or upload was refused
    // When the snapshot in service was installed; nullopt before the first success.
    std::optional<std::chrono::system_clock::time_point> last_success;
};

// Holds the snapshot in service: the policy folder's files and the versions uploaded into the
// decision store. Readers call `snapshot()` (a shared_ptr copy under a short lock) and keep it
// for a whole request, so every request sees exactly one complete set. Reload and upload are
// serialised; a failed one leaves the snapshot in service untouched.
class Registry {
public:
    // `dir` is loaded by `reload`. Uploads need a store (set_store); without one they are
    // refused (StorageFailed).
    explicit Registry(std::filesystem::path dir);

    // Keeps uploads in `store` and loads the stored ones on every reload. `store` must outlive
    // the registry; call before the first reload.
    void set_store(Store* store);

    // Loads the folder and the store's uploaded versions afresh and checks them together. On
    // success swaps the snapshot; on failure keeps the current one. Returns what was found
    // either way (a stored version is reported as `uploaded:ID@VERSION`).
    LoadResult reload();

    // Loads the versions stored since the last reload or refresh (seq > stored_seq(), e.g.
    // uploaded through another replica), each checked against the versions in service, and
    // swaps the snapshot when there is any: nothing is recompiled. A version that does not
    // compile, overlaps one in service or has stored decisions under another text
    // (edited_in_service) is left out and counted as a failure (a reload
    // reports why). Returns how many versions it added. Throws StoreError when the store
    // cannot be read (nothing changes then).
    std::size_t refresh();
    // The highest stored seq that reload or refresh has read. Thread-safe.
    std::int64_t stored_seq() const { return stored_seq_.load(); }

    std::shared_ptr<const Snapshot> snapshot() const;

    // The versions in service whose id and version have decisions in the store under another
    // text (Store::decided_under), one sentence each naming the file, both hashes and the fix;
    // empty when none or without a store. reload() refuses such a set itself; this is for the
    // start, whose first load is made before the store is opened. Throws StoreError.
    std::vector<std::string> edited_in_service();

    // Compiles and checks `source` (also against the versions in service) within
    // dsl::Limits::for_upload() (5 s; Invalid with `stopped` set when a limit stops it).
    // Nothing is stored: Checked, Duplicate (the id and version are in service) or Invalid.
    UploadResult check(const std::string& source, const std::string& file);
    // As check, then a good policy is written to the store (with `who` and the time) and
    // served; a repeated id and version is Duplicate, as is an id and version that stored
    // decisions name under another text; a store failure is StorageFailed.
    UploadResult upload(const std::string& source, const std::string& file, const Uploader& who);

    // Directory reloads refused (uploads not included).
    std::uint64_t reload_failures() const;
    // Reloads and uploads, successful and refused. Thread-safe.
    ReloadStats reload_stats() const;

private:
    void install(std::vector<LoadedPolicy> policies);
    // `stale` is set when the store refused the upload because another replica stored a
    // version of the policy since this one last read them (nothing was written).
    UploadResult submit_locked(const std::string& source, const std::string& file, const Uploader* who,
                               bool* stale = nullptr);
    std::size_t refresh_locked();

    std::filesystem::path dir_;
    Store* store_ = nullptr;
    mutable std::mutex snapshot_mutex_;  // guards snapshot_ (the pointer only)
    std::shared_ptr<const Snapshot> snapshot_;
    std::mutex write_mutex_;             // serialises reload and submit
    std::uint64_t generation_ = 0;
    std::atomic<std::int64_t> stored_seq_{0};  // written under write_mutex_
    std::uint64_t reload_failures_ = 0;  // guarded by snapshot_mutex_, like stats_
    ReloadStats stats_;
};

}  // namespace jointly::server
