// Shared by the CLI command files: the exit codes, how a subcommand is declared, file and
// standard input reading, diagnostics rendering. Only these files include CLI11.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jointly/server/registry.hpp"

namespace CLI {
class App;
}

namespace jointly::server::cli {

inline constexpr int kOk = 0;       // success
inline constexpr int kFailed = 1;   // findings: errors in a policy, failed cases, a refused request
inline constexpr int kUsage = 2;    // usage or I/O: a bad option or argument, an unreadable file

// The exit-status paragraph every `--help` ends with.
inline constexpr const char* kExitCodes =
    "exit status: 0 success; 1 findings (a policy error, a failed case, a refused request);\n"
    "             2 usage or I/O error (an unknown option, a missing argument, an unreadable file)";

// Where a command writes: results on `out`, diagnostics, progress and errors on `err`.
struct Streams {
    std::ostream& out;
    std::ostream& err;
};

// A declared subcommand: `app` is owned by the root App; `run` (called once, after a
// successful parse that selected `app`) returns the exit code.
struct Command {
    CLI::App* app = nullptr;
    std::function<int()> run;
};

// Each adds its subcommand (options, help, footer) to `root`. The streams outlive the parse.
Command define_check(CLI::App& root, Streams io);
Command define_fmt(CLI::App& root, Streams io);
Command define_eval(CLI::App& root, Streams io);
Command define_test(CLI::App& root, Streams io);
Command define_simulate(CLI::App& root, Streams io);
Command define_serve(CLI::App& root, Streams io);
Command define_diff(CLI::App& root, Streams io);
Command define_lsp(CLI::App& root, Streams io);
Command define_store(CLI::App& root, Streams io);

// Adds `-f,--format FORMAT` limited to `choices` (the first is the default).
void add_format_option(CLI::App& app, std::string& format, const std::vector<std::string>& choices);

// The help footer: `extra` (may be empty), then the exit codes.
std::string footer(const std::string& extra);

// Reads a file (or all of standard input for "-"); nullopt when it cannot (errno says why).
std::optional<std::string> read_text(const std::string& path);

// "cannot read `PATH`: no such file or directory": the system's reason for `error` (an errno
// value), lower case; without a reason when `error` is 0.
std::string cannot_read(const std::string& path, int error);

// Reads standard input when one of `paths` is "-" (nullopt otherwise); for load_policies.
std::optional<std::string> stdin_if_named(const std::vector<std::filesystem::path>& paths);

// How many arguments are "-" (standard input can be read once).
std::size_t count_stdin(const std::vector<std::string>& args);

// Renders every file's diagnostics GCC-style (notes too, unless `with_notes` is false);
// returns (errors, warnings).
std::pair<std::size_t, std::size_t> render_reports(const std::vector<FileReport>& files, std::ostream& err,
                                                   bool with_notes = true);

// Loads policies for eval/simulate (a path "-" is standard input); prints findings.
// nullptr when they do not load; `status` is then kUsage (unreadable) or kFailed (errors).
std::shared_ptr<const Snapshot> load_snapshot(const std::vector<std::filesystem::path>& paths, std::ostream& err,
                                              int& status);

}  // namespace jointly::server::cli
