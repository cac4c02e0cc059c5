// `jointly fmt`: lay policies out canonically, in place, as a check, or as a unified diff.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <ostream>

#include "cli_common.hpp"
#include "jointly/dsl/format.hpp"
#include "jointly/dsl/parse.hpp"
#include "jointly/server/codec.hpp"
#include "unified_diff.hpp"

namespace jointly::server::cli {
namespace {

namespace fs = std::filesystem;

struct FmtOptions {
    std::vector<std::string> paths;
    std::string format;
    bool check = false;
    bool diff = false;
    bool write = false;
};

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

int run_fmt(const FmtOptions& o, Streams io) {
    if (o.write && (o.check || o.diff)) {
        io.err << "error: --write cannot be combined with --check or --diff (they never write)\n";
        return kUsage;
    }
    if (count_stdin(o.paths) > 1) {
        io.err << "error: `-` (standard input) can be named once\n";
        return kUsage;
    }
    const bool json = o.format == "json";
    const bool dry = o.check || o.diff;  // report only; exit 1 when a file differs
    std::vector<std::string> missing;
    const auto files = policy_files(o.paths, missing);
    bool io_failed = false;
    bool findings = false;
    nlohmann::ordered_json listed = nlohmann::ordered_json::array();
    for (const auto& m : missing) {
        io.err << "error: cannot read `" << m << "`: no such file or directory\n";
        io_failed = true;
    }
    for (const auto& file : files) {
        const auto source = read_text(file);
        if (!source) {
            io.err << "error: cannot read `" << file << "`\n";
            io_failed = true;
            continue;
        }
        const std::string label = file == "-" ? "<stdin>" : file;
        auto parsed = dsl::parse(*source, label);
        if (!parsed.module) {
            io.err << dsl::render_all(parsed.diagnostics, *source);
            listed.push_back({{"file", label}, {"error", "does not parse"}});
            findings = true;
            continue;
        }
        const auto formatted = dsl::format(*parsed.module, *source);
        const bool differs = formatted != *source;
        nlohmann::ordered_json entry = {{"file", label}, {"changed", differs}};
        if (dry) {
            if (differs) findings = true;
            if (differs && o.diff) {
                const auto diff = unified_diff(*source, formatted, label, label);
                if (json) entry["diff"] = diff;
                else io.out << diff;
            } else if (differs && !json) {
                io.out << label << ": not formatted\n";
            }
        } else if (file == "-") {
            if (json) entry["formatted"] = formatted;
            else io.out << formatted;
        } else if (differs) {
            if (write_atomically(file, formatted)) {
                if (!json) io.out << "formatted " << file << "\n";
            } else {
                io.err << "error: cannot write `" << file << "`\n";
                entry["error"] = "cannot write";
                io_failed = true;
            }
        }
        listed.push_back(std::move(entry));
    }
    if (json) {
        const auto changed = std::count_if(listed.begin(), listed.end(),
                                           [](const auto& e) { return e.value("changed", false); });
        nlohmann::ordered_json report = {{"written", !dry}, {"files", listed}, {"changed", changed}};
        io.out << report.dump(2) << "\n";
    }
    if (io_failed) return kUsage;
    return findings ? kFailed : kOk;
}

}  // namespace

Command define_fmt(CLI::App& root, Streams io) {
    auto options = std::make_shared<FmtOptions>();
    auto* app = root.add_subcommand("fmt", "lay policies out in the canonical layout");
    app->add_option("paths", options->paths, "policy files, folders (every *.jf beneath) or - for standard input")
        ->required()
        ->option_text("FILE|DIR|-...");
    app->add_flag("-w,--write", options->write, "rewrite each file that differs in place (the default)");
    app->add_flag("-c,--check", options->check, "write nothing; list the files that differ");
    app->add_flag("-d,--diff", options->diff, "write nothing; print a unified diff for each file that differs");
    add_format_option(*app, options->format, {"text", "json"});
    app->footer(footer("Without --check or --diff, each file that differs is rewritten in place\n"
                       "(`formatted FILE`); `-` prints the formatted text to standard output.\n"
                       "--check and --diff exit 1 when a file differs or does not parse.\n"
                       "--format json: {\"written\", \"files\": [{\"file\", \"changed\", \"diff\"?}], \"changed\"}."));
    return {app, [options, io] { return run_fmt(*options, io); }};
}

}  // namespace jointly::server::cli
