// Loading policy files, picking the version in effect, reload and upload.
#include "jointly/server/registry.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include "decided_under_check.hpp"
#include "jointly/dsl/check.hpp"

namespace jointly::server {
namespace fs = std::filesystem;

namespace {

bool read_file(const fs::path& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    out = buffer.str();
    return !in.bad();
}

// Earliest effective date first; open start first.
bool effective_before(const LoadedPolicy& a, const LoadedPolicy& b) {
    const auto& pa = *a.program;
    const auto& pb = *b.program;
    if (pa.id() != pb.id()) return pa.id() < pb.id();
    const auto fa = pa.effective_from();
    const auto fb = pb.effective_from();
    if (fa != fb) return !fa || (fb && *fa < *fb);
    return pa.version() < pb.version();
}

bool in_range(const engine::Program& p, engine::Date d) {
    const auto from = p.effective_from();
    const auto to = p.effective_to();
    return (!from || *from <= d) && (!to || d <= *to);
}

std::string range_text(const engine::Program& p) {
    const auto from = p.effective_from();
    const auto to = p.effective_to();
    std::string out = from ? from->to_string() : std::string("the beginning");
    out += to ? " to " + to->to_string() : std::string(" onwards");
    return out;
}

// Cross-file findings from check_versions, attached to the report of the file they name.
void check_across(std::vector<LoadedPolicy>& policies, std::vector<FileReport>& files, bool& ok) {
    std::vector<const dsl::Module*> modules;
    for (const auto& p : policies) modules.push_back(&p.program->module());
    const auto findings = dsl::check_versions(modules);
    for (const auto& d : findings) {
        if (d.severity == dsl::Severity::Error) ok = false;
        auto it = std::find_if(files.begin(), files.end(), [&](const FileReport& f) { return f.file == d.file; });
        if (it == files.end()) {
            files.push_back(FileReport{d.file, "", {}});
            it = std::prev(files.end());
        }
        it->diagnostics.push_back(d);
    }
}

// The name a stored upload is reported and compiled under.
std::string upload_label(const std::string& id, const std::string& version) { return "uploaded:" + id + "@" + version; }

// Reads and compiles FILEs and DIRs (see load_policies) without the check across files.
LoadResult compile_files(const std::vector<fs::path>& paths, const dsl::Limits& limits,
                         const std::optional<std::string>& standard_input) {
    LoadResult result;
    std::vector<fs::path> files;
    for (const auto& path : paths) {
        std::error_code ec;
        if (path == "-" && standard_input) {
            files.push_back(path);
        } else if (fs::is_directory(path, ec)) {
            std::vector<fs::path> found;
            for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
                 !ec && it != end; it.increment(ec)) {
                if (it->is_regular_file(ec) && it->path().extension() == ".jf") found.push_back(it->path());
            }
            if (ec) result.io_errors.push_back("cannot read `" + path.string() + "`: " + ec.message());
            std::sort(found.begin(), found.end());
            if (found.empty()) result.io_errors.push_back("no policy files (*.jf) under `" + path.string() + "`");
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::is_regular_file(path, ec)) {
            files.push_back(path);
        } else {
            result.io_errors.push_back("cannot read `" + path.string() + "`: no such file or directory");
        }
    }
    for (const auto& path : files) {
        FileReport report;
        const bool from_stdin = path == "-" && standard_input;
        report.file = from_stdin ? "<stdin>" : path.string();
        if (from_stdin) {
            report.source = *standard_input;
        } else if (!read_file(path, report.source)) {
            result.io_errors.push_back("cannot read `" + report.file + "`");
            continue;
        }
        auto compiled = engine::compile(report.source, report.file, limits);
        report.diagnostics = std::move(compiled.diagnostics);
        if (compiled.program && !dsl::has_errors(report.diagnostics)) {
            result.policies.push_back(LoadedPolicy{std::move(compiled.program), report.file, std::nullopt});
        } else {
            result.ok = false;
        }
        result.files.push_back(std::move(report));
    }
    if (!result.io_errors.empty()) result.ok = false;
    return result;
}

}  // namespace

LoadResult load_policies(const std::vector<fs::path>& paths, const dsl::Limits& limits,
                         const std::optional<std::string>& standard_input) {
    auto result = compile_files(paths, limits, standard_input);
    check_across(result.policies, result.files, result.ok);
    return result;
}

Snapshot::Snapshot(std::vector<LoadedPolicy> policies, std::uint64_t generation)
    : policies_(std::move(policies)), generation_(generation) {
    std::sort(policies_.begin(), policies_.end(), effective_before);
}

std::vector<std::string> Snapshot::ids() const {
    std::vector<std::string> out;
    for (const auto& p : policies_)
        if (out.empty() || out.back() != p.program->id()) out.push_back(p.program->id());
    return out;
}

std::vector<const LoadedPolicy*> Snapshot::versions(const std::string& id) const {
    std::vector<const LoadedPolicy*> out;
    for (const auto& p : policies_)
        if (p.program->id() == id) out.push_back(&p);
    return out;
}

// The versions of `id`, as a run of policies_ (sorted by id, then effective date): found by
// a binary search, with no list made (this is asked once for every decision).
std::span<const LoadedPolicy> Snapshot::versions_of(std::string_view id) const {
    const auto first = std::partition_point(policies_.begin(), policies_.end(),
                                            [id](const LoadedPolicy& p) { return p.program->id() < id; });
    auto last = first;
    while (last != policies_.end() && last->program->id() == id) ++last;
    return {first, last};
}

Selection Snapshot::select(const std::string& id, const std::optional<std::string>& version,
                           const std::optional<engine::Date>& as_of, bool enforce_range) const {
    Selection s;
    const auto all = versions_of(id);
    if (all.empty()) {
        s.status = Selection::Status::UnknownPolicy;
        std::string known;
        for (const auto& k : ids()) known += (known.empty() ? "" : ", ") + k;
        s.message = "no policy `" + id + "` is loaded" + (known.empty() ? std::string() : " (loaded: " + known + ")");
        return s;
    }
    if (version) {
        for (const LoadedPolicy& v : all) {
            if (v.program->version() != *version) continue;
            if (enforce_range && as_of && !in_range(*v.program, *as_of)) {
                s.status = Selection::Status::NotInEffect;
                s.message = "version `" + *version + "` of policy `" + id + "` is not in effect on " +
                            as_of->to_string() + " (it runs from " + range_text(*v.program) + ")";
                return s;
            }
            s.program = v.program;
            return s;
        }
        s.status = Selection::Status::UnknownVersion;
        std::string known;
        for (const LoadedPolicy& v : all) known += (known.empty() ? "" : ", ") + v.program->version();
        s.message = "policy `" + id + "` has no version `" + *version + "` (loaded: " + known + ")";
        return s;
    }
    if (!as_of) {
        if (all.size() == 1) {
            s.program = all.front().program;
            return s;
        }
        s.status = Selection::Status::NeedAsOf;
        s.message = "policy `" + id + "` has " + std::to_string(all.size()) +
                    " versions: give `as_of` (or `version`) to choose one";
        return s;
    }
    for (const LoadedPolicy& v : all) {
        if (in_range(*v.program, *as_of)) {
            s.program = v.program;
            return s;
        }
    }
    s.status = Selection::Status::NotInEffect;
    std::string ranges;
    for (const LoadedPolicy& v : all)
        ranges += (ranges.empty() ? "" : "; ") + v.program->version() + ": " + range_text(*v.program);
    s.message = "no version of policy `" + id + "` is in effect on " + as_of->to_string() + " (" + ranges + ")";
    return s;
}

Registry::Registry(fs::path dir) : dir_(std::move(dir)), snapshot_(std::make_shared<Snapshot>(std::vector<LoadedPolicy>{}, 0)) {}

std::shared_ptr<const Snapshot> Registry::snapshot() const {
    std::lock_guard lock(snapshot_mutex_);
    return snapshot_;
}

std::uint64_t Registry::reload_failures() const {
    std::lock_guard lock(snapshot_mutex_);
    return reload_failures_;
}

ReloadStats Registry::reload_stats() const {
    std::lock_guard lock(snapshot_mutex_);
    return stats_;
}

void Registry::install(std::vector<LoadedPolicy> policies) {
    auto next = std::make_shared<const Snapshot>(std::move(policies), ++generation_);
    std::lock_guard lock(snapshot_mutex_);
    snapshot_ = std::move(next);
    ++stats_.successes;
    stats_.last_success = std::chrono::system_clock::now();
}

void Registry::set_store(Store* store) {
    std::lock_guard writer(write_mutex_);
    store_ = store;
}

LoadResult Registry::reload() {
    std::lock_guard writer(write_mutex_);
    auto result = compile_files({dir_}, {}, std::nullopt);
    std::int64_t last_seq = 0;
    if (store_) {
        std::vector<StoredPolicy> stored;
        try {
            stored = store_->policies_after(0);
        } catch (const StoreError& e) {
            result.io_errors.push_back(std::string("cannot read the uploaded policy versions: ") + e.what());
            result.ok = false;
        }
        for (const auto& upload : stored) {
            last_seq = std::max(last_seq, upload.seq);
            FileReport report{upload_label(upload.policy_id, upload.version), upload.source, {}};
            auto compiled = engine::compile(upload.source, report.file);
            report.diagnostics = std::move(compiled.diagnostics);
            if (compiled.program && !dsl::has_errors(report.diagnostics)) {
                result.policies.push_back(LoadedPolicy{std::move(compiled.program), report.file,
                                                       UploadInfo{upload.seq, upload.uploaded_by, upload.uploaded_at,
                                                                  upload.file}});
            } else {
                result.ok = false;
            }
            result.files.push_back(std::move(report));
        }
    }
    check_across(result.policies, result.files, result.ok);
    // A version in service keeps its text: a stored decision names its policy by id and
    // version (and the text's sha256), so an edit under the same version would make decisions
    // that cannot be reproduced. Such a reload is refused whole.
    const auto current = snapshot();
    for (const auto& next : result.policies) {
        for (const auto& served : current->policies()) {
            const auto& was = *served.program;
            const auto& now = *next.program;
            if (was.id() != now.id() || was.version() != now.version() || was.sha256() == now.sha256()) continue;
            result.ok = false;
            result.io_errors.push_back("`" + next.file + "`: policy `" + now.id() + "` version `" + now.version() +
                                       "` is in service with sha256 " + was.sha256() + " (from `" + served.file +
                                       "`); this text has sha256 " + now.sha256() +
                                       ": a version's text must not change once served, since stored decisions "
                                       "name it; give the edited policy a new version (and its own effective dates)");
        }
    }
    // The same for a version no longer in service (a restart, or a file taken out and put
    // back edited): the store remembers each text it has decided under.
    if (store_) {
        try {
            for (auto& message : edited_after_deciding(result.policies, store_->decided_under())) {
                result.ok = false;
                result.io_errors.push_back(std::move(message));
            }
        } catch (const StoreError& e) {
            result.io_errors.push_back(std::string("cannot read the policy texts decided under: ") + e.what());
            result.ok = false;
        }
    }
    if (result.ok) {
        install(result.policies);
        stored_seq_ = last_seq;
    } else {
        std::lock_guard lock(snapshot_mutex_);
        ++reload_failures_;
        ++stats_.failures;
    }
    return result;
}

std::size_t Registry::refresh() {
    std::lock_guard writer(write_mutex_);
    return refresh_locked();
}

std::vector<std::string> Registry::edited_in_service() {
    std::lock_guard writer(write_mutex_);
    if (!store_) return {};
    return edited_after_deciding(snapshot()->policies(), store_->decided_under());
}

std::size_t Registry::refresh_locked() {
    if (!store_) return 0;
    const auto stored = store_->policies_after(stored_seq_);
    if (stored.empty()) return 0;
    const auto decided = store_->decided_under();
    auto policies = snapshot()->policies();
    std::size_t added = 0;
    std::size_t refused = 0;
    for (const auto& upload : stored) {
        stored_seq_ = std::max(stored_seq_.load(), upload.seq);
        // An upload through this replica is in service already.
        const bool served = std::any_of(policies.begin(), policies.end(), [&](const LoadedPolicy& p) {
            return p.upload && p.program->id() == upload.policy_id && p.program->version() == upload.version;
        });
        if (served) continue;
        const auto label = upload_label(upload.policy_id, upload.version);
        auto compiled = engine::compile(upload.source, label);
        std::vector<const dsl::Module*> modules;
        if (compiled.program && !dsl::has_errors(compiled.diagnostics)) {
            for (const auto& p : policies)
                if (p.program->id() == compiled.program->id()) modules.push_back(&p.program->module());
            modules.push_back(&compiled.program->module());
        }
        if (modules.empty() || dsl::has_errors(dsl::check_versions(modules))) {
            ++refused;
            continue;
        }
        LoadedPolicy loaded{std::move(compiled.program), label,
                            UploadInfo{upload.seq, upload.uploaded_by, upload.uploaded_at, upload.file}};
        if (!edited_after_deciding({loaded}, decided).empty()) {
            ++refused;
            continue;
        }
        policies.push_back(std::move(loaded));
        ++added;
    }
    if (added) install(std::move(policies));
    if (refused) {
        std::lock_guard lock(snapshot_mutex_);
        stats_.failures += refused;
    }
    return added;
}

UploadResult Registry::check(const std::string& source, const std::string& file) {
    std::lock_guard writer(write_mutex_);
    return submit_locked(source, file, nullptr);
}

UploadResult Registry::upload(const std::string& source, const std::string& file, const Uploader& who) {
    std::lock_guard writer(write_mutex_);
    bool stale = false;
    auto out = submit_locked(source, file, &who, &stale);
    // Another replica stored a version of this policy since this one last read them: serve
    // it, then check the upload again, now against it too. Each round needs a new version
    // from elsewhere, so a few rounds settle it; past them the caller is asked to retry.
    for (int round = 0; stale && round < 3; ++round) {
        try {
            refresh_locked();
        } catch (const StoreError& e) {
            out.status = UploadResult::Status::StorageFailed;
            out.message = std::string("the policy versions stored by other replicas could not be read: ") + e.what();
            stale = false;
            break;
        }
        stale = false;
        out = submit_locked(source, file, &who, &stale);
    }
    if (stale) {
        out.status = UploadResult::Status::StorageFailed;
        out.message = "other replicas kept storing versions of policy `" + out.program->id() +
                      "` while this one was checked; try again";
    }
    if (out.status != UploadResult::Status::Added) {
        std::lock_guard lock(snapshot_mutex_);
        ++stats_.failures;
    }
    return out;
}

UploadResult Registry::submit_locked(const std::string& source, const std::string& file, const Uploader* who,
                                     bool* stale) {
    UploadResult out;
    out.report.file = file;
    out.report.source = source;
    auto compiled = engine::compile(source, file, dsl::Limits::for_upload());
    out.report.diagnostics = std::move(compiled.diagnostics);
    out.stopped = compiled.stopped;
    if (compiled.stopped != engine::CheckResult::Stopped::None) {
        out.status = UploadResult::Status::Invalid;
        out.message = compiled.stopped == engine::CheckResult::Stopped::TimeLimit
                          ? "the policy took too long to check"
                          : "memory ran out while checking the policy; try again later";
        return out;
    }
    if (!compiled.program || dsl::has_errors(out.report.diagnostics)) {
        out.status = UploadResult::Status::Invalid;
        out.message = "the policy does not compile";
        return out;
    }
    const auto current = snapshot();
    const auto& program = compiled.program;
    for (const auto& p : current->policies()) {
        if (p.program->id() == program->id() && p.program->version() == program->version()) {
            out.status = UploadResult::Status::Duplicate;
            out.program = program;
            out.message = "version `" + program->version() + "` of policy `" + program->id() +
                          "` is already loaded (" +
                          (p.upload ? "uploaded by " + p.upload->uploaded_by + " at " + p.upload->uploaded_at
                                    : "from `" + p.file + "`") +
                          ")";
            return out;
        }
    }
    std::vector<const dsl::Module*> modules;
    for (const auto& p : current->policies())
        if (p.program->id() == program->id()) modules.push_back(&p.program->module());
    modules.push_back(&program->module());
    for (auto& d : dsl::check_versions(modules)) {
        if (d.file != file) {
            d.message += " (with `" + d.file + "`)";
            d.file = file;
            d.span = program->module().header.span;
        }
        out.report.diagnostics.push_back(std::move(d));
    }
    if (dsl::has_errors(out.report.diagnostics)) {
        out.status = UploadResult::Status::Invalid;
        out.message = "the policy overlaps a version already in service";
        return out;
    }
    out.program = program;
    if (!who) {
        out.status = UploadResult::Status::Checked;
        return out;
    }
    if (!store_) {
        out.status = UploadResult::Status::StorageFailed;
        out.message = "this server keeps no store for uploaded policies";
        return out;
    }
    // A version that stored decisions name under another text (served once from the folder,
    // since taken out) is not uploaded with a new text.
    try {
        const auto edited =
            edited_after_deciding({LoadedPolicy{program, file, std::nullopt}}, store_->decided_under());
        if (!edited.empty()) {
            out.status = UploadResult::Status::Duplicate;
            out.message = edited.front();
            return out;
        }
    } catch (const StoreError& e) {
        out.status = UploadResult::Status::StorageFailed;
        out.message = std::string("the policy texts decided under could not be read: ") + e.what();
        return out;
    }
    StoredPolicy record;
    record.policy_id = program->id();
    record.version = program->version();
    record.sha256 = program->sha256();
    record.file = file;
    record.source = source;
    record.uploaded_by = who->name;
    record.request_id = who->request_id;
    Store::PolicyWrite written;
    try {
        written = store_->write_policy(std::move(record), stored_seq_.load());
    } catch (const StoreError& e) {
        out.status = UploadResult::Status::StorageFailed;
        out.message = std::string("the policy could not be stored: ") + e.what();
        return out;
    }
    if (written.stale) {
        if (stale) *stale = true;
        out.status = UploadResult::Status::StorageFailed;
        out.message = "another replica stored a version of policy `" + program->id() + "` at the same time; try again";
        return out;
    }
    const auto& stored = written.policy;
    if (!written.added) {
        out.status = UploadResult::Status::Duplicate;
        out.message = "version `" + stored.version + "` of policy `" + stored.policy_id + "` was uploaded by " +
                      stored.uploaded_by + " at " + stored.uploaded_at + " (reload to serve it)";
        return out;
    }
    // Served under the name a reload gives it, so that later findings name it the same way.
    const auto label = upload_label(stored.policy_id, stored.version);
    auto relabelled = engine::compile(source, label, dsl::Limits::for_upload());
    auto served = relabelled.program && !dsl::has_errors(relabelled.diagnostics) ? relabelled.program : program;
    auto policies = current->policies();
    policies.push_back(LoadedPolicy{std::move(served), label,
                                    UploadInfo{stored.seq, stored.uploaded_by, stored.uploaded_at, stored.file}});
    install(std::move(policies));
    out.program = program;
    out.status = UploadResult::Status::Added;
    return out;
}

}  // namespace jointly::server
