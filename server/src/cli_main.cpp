// run_cli: the root command (CLI11), its help and version, and the helpers the commands share.
// A new subcommand is a `define_NAME` function in its own file, added to kCommands below.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <iostream>
#include <sstream>
#include <system_error>
#include <utility>

#include "cli_common.hpp"
#include "jointly/server/cli.hpp"

namespace jointly::server {
namespace cli {

void add_format_option(CLI::App& app, std::string& format, const std::vector<std::string>& choices) {
    format = choices.front();
    std::string names;
    for (const auto& c : choices) names += (names.empty() ? "" : "|") + c;
    app.add_option("-f,--format", format, "output format: " + names + " (default " + choices.front() + ")")
        ->check(CLI::IsMember(choices))
        ->option_text("FORMAT");
}

std::string footer(const std::string& extra) { return (extra.empty() ? "" : extra + "\n\n") + kExitCodes; }

std::optional<std::string> read_text(const std::string& path) {
    std::ostringstream buffer;
    if (path == "-") {
        buffer << std::cin.rdbuf();
        return buffer.str();
    }
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    buffer << in.rdbuf();
    return buffer.str();
}

std::string cannot_read(const std::string& path, int error) {
    std::string out = "cannot read `" + path + "`";
    if (error == 0) return out;
    std::string reason = std::generic_category().message(error);
    if (!reason.empty()) reason.front() = static_cast<char>(std::tolower(static_cast<unsigned char>(reason.front())));
    return out + ": " + reason;
}

std::optional<std::string> stdin_if_named(const std::vector<std::filesystem::path>& paths) {
    if (std::find(paths.begin(), paths.end(), std::filesystem::path("-")) == paths.end()) return std::nullopt;
    return read_text("-");
}

std::size_t count_stdin(const std::vector<std::string>& args) {
    return static_cast<std::size_t>(std::count(args.begin(), args.end(), "-"));
}

std::pair<std::size_t, std::size_t> render_reports(const std::vector<FileReport>& files, std::ostream& err,
                                                   bool with_notes) {
    std::size_t errors = 0;
    std::size_t warnings = 0;
    for (const auto& f : files) {
        dsl::Diagnostics shown;
        for (const auto& d : f.diagnostics) {
            if (d.severity == dsl::Severity::Error) ++errors;
            else if (d.severity == dsl::Severity::Warning) ++warnings;
            if (with_notes || d.severity != dsl::Severity::Note) shown.push_back(d);
        }
        if (!shown.empty()) err << dsl::render_all(shown, f.source);
    }
    return {errors, warnings};
}

std::shared_ptr<const Snapshot> load_snapshot(const std::vector<std::filesystem::path>& paths, std::ostream& err,
                                              int& status) {
    auto load = load_policies(paths, {}, stdin_if_named(paths));
    render_reports(load.files, err);
    for (const auto& e : load.io_errors) err << "error: " << e << "\n";
    if (load.ok) return std::make_shared<const Snapshot>(std::move(load.policies), 1);
    status = load.io_errors.empty() ? kFailed : kUsage;
    return nullptr;
}

}  // namespace cli

namespace {

using Define = cli::Command (*)(CLI::App&, cli::Streams);
constexpr Define kCommands[] = {cli::define_check, cli::define_fmt,      cli::define_eval,
                                cli::define_test,  cli::define_simulate, cli::define_serve,
                                cli::define_diff,  cli::define_lsp,      cli::define_store};

constexpr const char* kDescription =
    "jointly: check, format, test and evaluate joint-funding policies, or serve the decision API.\n"
    "Every FILE argument may be `-` for standard input; `--` ends the options.\n"
    "`jointly COMMAND --help` lists a command's options (docs/cli.md).";

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    CLI::App root(kDescription, "jointly");
    root.footer(cli::footer(""));
    root.set_version_flag("--version", std::string("jointly ") + JOINTLY_VERSION);
    root.require_subcommand(1);
    cli::Streams io{out, err};
    std::vector<cli::Command> commands;
    for (const auto define : kCommands) commands.push_back(define(root, io));
    auto* help = root.add_subcommand("help", "print this help");
    auto* version = root.add_subcommand("version", "print the version");

    if (args.empty()) {
        err << root.help();
        return cli::kUsage;
    }
    const auto& first = args.front();
    const std::function<bool(const CLI::App*)> every = [](const CLI::App*) { return true; };
    const auto all = std::as_const(root).get_subcommands(every);
    const bool known = std::any_of(all.begin(), all.end(), [&](const CLI::App* a) { return a->check_name(first); });
    if (!first.empty() && first.front() != '-' && !known) {
        err << "error: unknown command `" << first << "`; `jointly --help` lists the commands\n";
        return cli::kUsage;
    }
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 reads the vector from its back
    try {
        root.parse(reversed);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return root.exit(e, out, err);
        // The deepest command given (`jointly store copy`), whose --help lists the options.
        std::string command = "jointly";
        for (const CLI::App* at = &root;;) {
            const auto selected = at->get_subcommands();
            if (selected.empty()) break;
            at = selected.front();
            command += " " + at->get_name();
        }
        err << "error: " << e.what() << "\n" << "`" << command << " --help` lists the options\n";
        return cli::kUsage;
    } catch (const std::exception& e) {
        err << "error: " << e.what() << "\n";
        return cli::kUsage;
    }
    if (help->parsed()) {  // root.help() would describe the selected `help` subcommand
        out << root.get_formatter()->make_help(&root, "jointly", CLI::AppFormatMode::Normal);
        return cli::kOk;
    }
    if (version->parsed()) {
        out << "jointly " << JOINTLY_VERSION << "\n";
        return cli::kOk;
    }
    try {
        for (const auto& c : commands)
            if (c.app->parsed()) return c.run();
    } catch (const std::exception& e) {
        err << "error: " << e.what() << "\n";
        return cli::kUsage;
    }
    err << root.help();
    return cli::kUsage;
}

}  // namespace jointly::server
