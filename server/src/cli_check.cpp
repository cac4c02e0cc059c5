// `jointly check` and `jointly fmt`.
#include <algorithm>
#include <fstream>
#include <ostream>

#include "cli_common.hpp"
#include "jointly/dsl/format.hpp"
#include "jointly/dsl/parse.hpp"
#include "jointly/server/codec.hpp"

namespace jointly::server::cli {
namespace fs = std::filesystem;

int cmd_check(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    const auto args = parse_args(argv, {"format"}, {});
    const std::string format = args.values.count("format") ? args.values.at("format") : "text";
    if (!args.error.empty() || args.positional.empty() || (format != "text" && format != "json")) {
        err << "error: " << (args.error.empty() ? "usage: jointly check FILE|DIR... [--format text|json]" : args.error)
            << "\n";
        return kUsage;
    }
    std::vector<fs::path> paths(args.positional.begin(), args.positional.end());
    const auto load = load_policies(paths);
    // Problems, not lines: an "and N more" summary counts as the N it stands for, which are
    // also counted apart as not listed.
    std::size_t errors = 0;
    std::size_t warnings = 0;
    std::size_t errors_not_listed = 0;
    std::size_t warnings_not_listed = 0;
    for (const auto& f : load.files)
        for (const auto& d : f.diagnostics) {
            if (d.severity == dsl::Severity::Error) {
                errors += dsl::problems(d);
                errors_not_listed += d.not_listed;
            } else if (d.severity == dsl::Severity::Warning) {
                warnings += dsl::problems(d);
                warnings_not_listed += d.not_listed;
            }
        }
    errors += load.io_errors.size();
    if (format == "json") {
        nlohmann::ordered_json files = nlohmann::ordered_json::array();
        for (const auto& f : load.files)
            files.push_back({{"file", f.file}, {"diagnostics", encode_diagnostics(f.diagnostics)}});
        nlohmann::ordered_json report = {{"ok", load.ok},
                                         {"files", files},
                                         {"errors", errors},
                                         {"warnings", warnings},
                                         {"not_listed",
                                          {{"errors", errors_not_listed}, {"warnings", warnings_not_listed}}},
                                         {"io_errors", load.io_errors}};
        out << report.dump(2) << "\n";
    } else {
        render_reports(load.files, err);
        for (const auto& e : load.io_errors) err << "error: " << e << "\n";
        out << "checked " << load.files.size() << (load.files.size() == 1 ? " file" : " files") << ": " << errors
            << (errors == 1 ? " error, " : " errors, ") << warnings << (warnings == 1 ? " warning" : " warnings");
        if (const std::size_t hidden = errors_not_listed + warnings_not_listed; hidden != 0)
            out << " (" << hidden << " not listed)";
        out << "\n";
    }
    return load.ok ? kOk : kFailed;
}

namespace {

std::vector<std::string> policy_files(const std::vector<std::string>& args, std::vector<std::string>& missing) {
    std::vector<std::string> files;
    for (const auto& a : args) {
        std::error_code ec;
        if (a == "-") {
            files.push_back(a);
        } else if (fs::is_directory(a, ec)) {
            std::vector<std::string> found;
            for (const auto& entry : fs::recursive_directory_iterator(a, ec))
                if (entry.is_regular_file() && entry.path().extension() == ".jf") found.push_back(entry.path().string());
            std::sort(found.begin(), found.end());
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::is_regular_file(a, ec)) {
            files.push_back(a);
        } else {
            missing.push_back(a);
        }
    }
    return files;
}

bool write_atomically(const fs::path& path, const std::string& text) {
    const fs::path temp = path.parent_path() / ("." + path.filename().string() + ".fmt.tmp");
    {
        std::ofstream file(temp, std::ios::binary | std::ios::trunc);
        file << text;
        if (!file.flush()) return false;
    }
    std::error_code ec;
    fs::rename(temp, path, ec);
    if (ec) fs::remove(temp, ec);
    return !ec;
}

}  // namespace

int cmd_fmt(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    const auto args = parse_args(argv, {}, {"check"});
    if (!args.error.empty() || args.positional.empty()) {
        err << "error: " << (args.error.empty() ? "usage: jointly fmt FILE|DIR|-... [--check]" : args.error) << "\n";
        return kUsage;
    }
    const bool check_only = args.flags.count("check") > 0;
    std::vector<std::string> missing;
    const auto files = policy_files(args.positional, missing);
    int status = kOk;
    for (const auto& m : missing) {
        err << "error: cannot read `" << m << "`: no such file or directory\n";
        status = kFailed;
    }
    for (const auto& file : files) {
        const auto source = read_text(file);
        if (!source) {
            err << "error: cannot read `" << file << "`\n";
            status = kFailed;
            continue;
        }
        const std::string label = file == "-" ? "<stdin>" : file;
        auto parsed = dsl::parse(*source, label);
        if (!parsed.module) {
            err << dsl::render_all(parsed.diagnostics, *source);
            status = kFailed;
            continue;
        }
        const auto formatted = dsl::format(*parsed.module, *source);
        if (file == "-") {
            if (check_only) {
                if (formatted != *source) {
                    out << label << ": not formatted\n";
                    status = kFailed;
                }
            } else {
                out << formatted;
            }
            continue;
        }
        if (formatted == *source) continue;
        if (check_only) {
            out << file << ": not formatted\n";
            status = kFailed;
        } else if (write_atomically(file, formatted)) {
            out << "formatted " << file << "\n";
        } else {
            err << "error: cannot write `" << file << "`\n";
            status = kFailed;
        }
    }
    return status;
}

}  // namespace jointly::server::cli
