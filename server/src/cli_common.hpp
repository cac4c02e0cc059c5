// Shared by the CLI command files: argument parsing, file reading, diagnostics rendering.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "jointly/server/registry.hpp"

namespace jointly::server::cli {

inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;
inline constexpr int kUsage = 2;

struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> values;  // --name VALUE or --name=VALUE
    std::set<std::string> flags;                // --name
    std::string error;                          // set on an unknown or incomplete option
};

// Parses options after the subcommand. `-` alone is positional.
Args parse_args(const std::vector<std::string>& args, const std::set<std::string>& with_value,
                const std::set<std::string>& switches);

// Reads a file (or stdin for "-"); nullopt when it cannot.
std::optional<std::string> read_text(const std::string& path);

// Renders every file's diagnostics GCC-style; returns (errors, warnings).
std::pair<std::size_t, std::size_t> render_reports(const std::vector<FileReport>& files, std::ostream& err);

// Loads policies for eval/simulate/test; prints findings; nullptr when they do not load.
std::shared_ptr<const Snapshot> load_snapshot(const std::vector<std::filesystem::path>& paths, std::ostream& err);

int cmd_check(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_fmt(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_eval(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_simulate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_test(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_serve(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace jointly::server::cli
