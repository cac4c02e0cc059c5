// `jointly check`: compile and check policies, and their versions across files.
#include <CLI/CLI.hpp>

#include <ostream>

#include "cli_common.hpp"
#include "jointly/server/codec.hpp"

namespace jointly::server::cli {
namespace {

namespace fs = std::filesystem;

struct CheckOptions {
    std::vector<std::string> paths;
    std::string format;
    bool quiet_notes = false;
};

std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

int run_check(const CheckOptions& o, Streams io) {
    if (count_stdin(o.paths) > 1) {
        io.err << "error: `-` (standard input) can be named once\n";
        return kUsage;
    }
    const std::vector<fs::path> paths(o.paths.begin(), o.paths.end());
    const auto load = load_policies(paths, {}, stdin_if_named(paths));
    // Problems, not lines: an "and N more" summary counts as the N it stands for, which are
    // also counted apart as not listed.
    std::size_t errors = 0;
    std::size_t warnings = 0;
    std::size_t notes = 0;
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
            } else {
                notes += dsl::problems(d);
            }
        }
    errors += load.io_errors.size();
    if (o.format == "json") {
        nlohmann::ordered_json files = nlohmann::ordered_json::array();
        for (const auto& f : load.files) {
            dsl::Diagnostics shown;
            for (const auto& d : f.diagnostics)
                if (!o.quiet_notes || d.severity != dsl::Severity::Note) shown.push_back(d);
            files.push_back({{"file", f.file}, {"diagnostics", encode_diagnostics(shown)}});
        }
        nlohmann::ordered_json report = {{"ok", load.ok},
                                         {"files", files},
                                         {"errors", errors},
                                         {"warnings", warnings},
                                         {"notes", notes},
                                         {"not_listed",
                                          {{"errors", errors_not_listed}, {"warnings", warnings_not_listed}}},
                                         {"io_errors", load.io_errors}};
        io.out << report.dump(2) << "\n";
    } else {
        render_reports(load.files, io.err, !o.quiet_notes);
        for (const auto& e : load.io_errors) io.err << "error: " << e << "\n";
        io.out << "checked " << plural(load.files.size(), "file", "files") << ": " << plural(errors, "error", "errors")
               << ", " << plural(warnings, "warning", "warnings") << ", " << plural(notes, "note", "notes");
        if (o.quiet_notes && notes != 0) io.out << " (notes not shown)";
        if (const std::size_t hidden = errors_not_listed + warnings_not_listed; hidden != 0)
            io.out << " (" << hidden << " not listed)";
        io.out << "\n";
    }
    if (!load.io_errors.empty()) return kUsage;
    return load.ok ? kOk : kFailed;
}

}  // namespace

Command define_check(CLI::App& root, Streams io) {
    auto options = std::make_shared<CheckOptions>();
    auto* app = root.add_subcommand("check", "compile and check policies (and their versions across files)");
    app->add_option("paths", options->paths, "policy files, folders (every *.jf beneath) or - for standard input")
        ->required()
        ->option_text("FILE|DIR|-...");
    add_format_option(*app, options->format, {"text", "json"});
    app->add_flag("-q,--quiet-notes", options->quiet_notes,
                  "do not show notes (W2xxx codes of severity note); the summary still counts them");
    app->footer(footer("Diagnostics go to standard error GCC-style, the summary line\n"
                       "`checked N files: E errors, W warnings, N notes` to standard output; with\n"
                       "--format json, one JSON report on standard output instead (docs/cli.md).\n"
                       "Warnings and notes alone exit 0."));
    return {app, [options, io] { return run_check(*options, io); }};
}

}  // namespace jointly::server::cli
