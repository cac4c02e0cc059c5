// Loading policy files, picking the version in effect, reload and upload.
#include "jointly/server/registry.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

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

// A name or version as one file-name component, reversibly: letters, digits, `-`, `_` and
// `.` (not leading) stay, every other byte becomes `%XX` (hex), so two different versions
// can never share a file ("2031/1" -> "2031%2F1", "2031_1" stays).
std::string file_component(const std::string& text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '_' || (c == '.' && i > 0);
        if (keep) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out.empty() ? std::string("%") : out;
}

enum class WriteOutcome { Written, Exists, Failed };

bool write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const auto n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

bool fsync_path(const fs::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

// Writes `text` to `target` only if no file of that name exists: a temporary file is written
// and fsynced, then hard-linked to the target (which fails if it exists, so an accepted
// version is never overwritten), and the folder is fsynced so the name survives a crash.
WriteOutcome write_new_file(const fs::path& folder, const fs::path& target, const std::string& text,
                            std::string& failure) {
    std::error_code ec;
    const bool created = fs::create_directories(folder, ec);
    if (ec) {
        failure = ec.message();
        return WriteOutcome::Failed;
    }
    if (created && !fsync_path(folder.parent_path(), O_RDONLY | O_DIRECTORY)) {
        failure = std::string("fsync of the policy folder failed: ") + std::strerror(errno);
        return WriteOutcome::Failed;
    }
    if (fs::exists(target, ec)) return WriteOutcome::Exists;
    const fs::path temp = folder / ("." + target.filename().string() + "." + std::to_string(::getpid()) + ".tmp");
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        failure = std::strerror(errno);
        return WriteOutcome::Failed;
    }
    const bool written = write_all(fd, text) && ::fsync(fd) == 0;
    const int write_errno = errno;
    ::close(fd);
    if (!written) {
        ::unlink(temp.c_str());
        failure = std::strerror(write_errno);
        return WriteOutcome::Failed;
    }
    const int linked = ::link(temp.c_str(), target.c_str());
    const int link_errno = errno;
    ::unlink(temp.c_str());
    if (linked != 0) {
        if (link_errno == EEXIST) return WriteOutcome::Exists;
        failure = std::strerror(link_errno);
        return WriteOutcome::Failed;
    }
    if (!fsync_path(folder, O_RDONLY | O_DIRECTORY)) {
        failure = std::string("fsync of the folder failed: ") + std::strerror(errno);
        return WriteOutcome::Failed;
    }
    return WriteOutcome::Written;
}

}  // namespace

LoadResult load_policies(const std::vector<fs::path>& paths, const dsl::Limits& limits,
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
            result.policies.push_back(LoadedPolicy{std::move(compiled.program), report.file});
        } else {
            result.ok = false;
        }
        result.files.push_back(std::move(report));
    }
    check_across(result.policies, result.files, result.ok);
    if (!result.io_errors.empty()) result.ok = false;
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

Selection Snapshot::select(const std::string& id, const std::optional<std::string>& version,
                           const std::optional<engine::Date>& as_of, bool enforce_range) const {
    Selection s;
    const auto all = versions(id);
    if (all.empty()) {
        s.status = Selection::Status::UnknownPolicy;
        std::string known;
        for (const auto& k : ids()) known += (known.empty() ? "" : ", ") + k;
        s.message = "no policy `" + id + "` is loaded" + (known.empty() ? std::string() : " (loaded: " + known + ")");
        return s;
    }
    if (version) {
        for (const auto* p : all) {
            if (p->program->version() != *version) continue;
            if (enforce_range && as_of && !in_range(*p->program, *as_of)) {
                s.status = Selection::Status::NotInEffect;
                s.message = "version `" + *version + "` of policy `" + id + "` is not in effect on " +
                            as_of->to_string() + " (it runs from " + range_text(*p->program) + ")";
                return s;
            }
            s.program = p->program;
            return s;
        }
        s.status = Selection::Status::UnknownVersion;
        std::string known;
        for (const auto* p : all) known += (known.empty() ? "" : ", ") + p->program->version();
        s.message = "policy `" + id + "` has no version `" + *version + "` (loaded: " + known + ")";
        return s;
    }
    if (!as_of) {
        if (all.size() == 1) {
            s.program = all.front()->program;
            return s;
        }
        s.status = Selection::Status::NeedAsOf;
        s.message = "policy `" + id + "` has " + std::to_string(all.size()) +
                    " versions: give `as_of` (or `version`) to choose one";
        return s;
    }
    for (const auto* p : all) {
        if (in_range(*p->program, *as_of)) {
            s.program = p->program;
            return s;
        }
    }
    s.status = Selection::Status::NotInEffect;
    std::string ranges;
    for (const auto* p : all)
        ranges += (ranges.empty() ? "" : "; ") + p->program->version() + ": " + range_text(*p->program);
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

LoadResult Registry::reload() {
    std::lock_guard writer(write_mutex_);
    auto result = load_policies({dir_});
    if (result.ok) {
        install(result.policies);
    } else {
        std::lock_guard lock(snapshot_mutex_);
        ++reload_failures_;
        ++stats_.failures;
    }
    return result;
}

UploadResult Registry::submit(const std::string& source, const std::string& file, bool store) {
    std::lock_guard writer(write_mutex_);
    auto out = submit_locked(source, file, store);
    if (store && out.status != UploadResult::Status::Added) {
        std::lock_guard lock(snapshot_mutex_);
        ++stats_.failures;
    }
    return out;
}

UploadResult Registry::submit_locked(const std::string& source, const std::string& file, bool store) {
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
                          "` is already loaded (from `" + p.file + "`)";
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
    if (!store) {
        out.status = UploadResult::Status::Checked;
        return out;
    }
    const fs::path folder = dir_ / "uploaded";
    const fs::path target = folder / (file_component(program->id()) + "@" + file_component(program->version()) + ".jf");
    std::string failure;
    switch (write_new_file(folder, target, source, failure)) {
        case WriteOutcome::Written: break;
        case WriteOutcome::Exists:
            out.status = UploadResult::Status::Duplicate;
            out.program = program;
            out.message = "version `" + program->version() + "` of policy `" + program->id() +
                          "` is already stored as `" + target.filename().string() + "` (reload to serve it)";
            return out;
        case WriteOutcome::Failed:
            out.status = UploadResult::Status::StorageFailed;
            out.message = "the policy could not be stored under `" + folder.string() + "`: " + failure;
            return out;
    }
    auto policies = current->policies();
    policies.push_back(LoadedPolicy{program, target.string()});
    install(std::move(policies));
    out.status = UploadResult::Status::Added;
    return out;
}

}  // namespace jointly::server
