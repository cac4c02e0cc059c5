// run_cli: the subcommand dispatcher, usage, and the helpers the commands share.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli_common.hpp"
#include "jointly/server/cli.hpp"

namespace jointly::server {
namespace cli {

Args parse_args(const std::vector<std::string>& args, const std::set<std::string>& with_value,
                const std::set<std::string>& switches) {
    Args out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        if (a.size() < 3 || a.compare(0, 2, "--") != 0) {
            out.positional.push_back(a);
            continue;
        }
        std::string name = a.substr(2);
        std::optional<std::string> value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name.erase(eq);
        }
        if (with_value.count(name)) {
            if (!value) {
                if (i + 1 >= args.size()) {
                    out.error = "`--" + name + "` needs a value";
                    return out;
                }
                value = args[++i];
            }
            out.values[name] = *value;
        } else if (switches.count(name) && !value) {
            out.flags.insert(name);
        } else {
            out.error = "unknown option `" + a + "`";
            return out;
        }
    }
    return out;
}

std::optional<std::string> read_text(const std::string& path) {
    std::ostringstream buffer;
    if (path == "-") {
        buffer << std::cin.rdbuf();
        return buffer.str();
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    buffer << in.rdbuf();
    return buffer.str();
}

std::pair<std::size_t, std::size_t> render_reports(const std::vector<FileReport>& files, std::ostream& err) {
    std::size_t errors = 0;
    std::size_t warnings = 0;
    for (const auto& f : files) {
        for (const auto& d : f.diagnostics) {
            if (d.severity == dsl::Severity::Error) ++errors;
            else if (d.severity == dsl::Severity::Warning) ++warnings;
        }
        if (!f.diagnostics.empty()) err << dsl::render_all(f.diagnostics, f.source);
    }
    return {errors, warnings};
}

std::shared_ptr<const Snapshot> load_snapshot(const std::vector<std::filesystem::path>& paths, std::ostream& err) {
    auto load = load_policies(paths);
    render_reports(load.files, err);
    for (const auto& e : load.io_errors) err << "error: " << e << "\n";
    if (!load.ok) return nullptr;
    return std::make_shared<const Snapshot>(std::move(load.policies), 1);
}

}  // namespace cli

namespace {

constexpr const char* kUsage = R"(usage: jointly COMMAND [OPTIONS]

commands:
  check FILE|DIR... [--format text|json]
        compile and check policies (and their versions across files); exit 1 on any error
  fmt FILE|DIR|-... [--check]
        rewrite policies in the canonical layout (--check: only report files that differ)
  eval --policy FILE|DIR [--as-of DATE] [--explain] REQUEST.json|-
        evaluate one request and print the decision JSON
  test FILE|DIR...
        run every worked case (cases/*.json beside each policy); ends with `N passed, M failed`
  simulate --policy FILE|DIR [--vs FILE|DIR] [--format text|json] CASELOAD.jsonl|-
        evaluate a caseload (one request per line) under --policy (A) and --vs (B): what each
        would fund per agency and year, and the difference B - A. Funded means the outcome is
        approve or refer (a referral still allocates under the agreed split, pending the
        panel); declined cases are counted apart with what they would have cost, so a
        threshold that turns declines into approvals shows its cost. Outcomes are counted
        under each side and each policy version
  serve [--policies DIR] [--db FILE] [--bind ADDR] [--port N] [--tokens FILE] [--threads N]
        [--max-body BYTES] [--max-lines N] [--max-depth N] [--max-policy-bytes BYTES]
        [--max-batch N] [--timeout SECONDS] [--open-evaluation] [--insecure-dev] [--quiet]
        [--listen-backlog N] [--max-headers N] [--max-header-bytes BYTES] [--max-response BYTES]
        [--request-deadline-ms MS] [--allow-origin ORIGIN[,ORIGIN...]]
        serve the decision API (docs/api.md, docs/operations.md)
  version
)";

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty()) {
        err << kUsage;
        return cli::kUsage;
    }
    const std::string& command = args.front();
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
        if (command == "check") return cli::cmd_check(rest, out, err);
        if (command == "fmt") return cli::cmd_fmt(rest, out, err);
        if (command == "eval") return cli::cmd_eval(rest, out, err);
        if (command == "test") return cli::cmd_test(rest, out, err);
        if (command == "simulate") return cli::cmd_simulate(rest, out, err);
        if (command == "serve") return cli::cmd_serve(rest, out, err);
        if (command == "help" || command == "--help" || command == "-h") {
            out << kUsage;
            return cli::kOk;
        }
        if (command == "version" || command == "--version") {
            out << "jointly " << JOINTLY_VERSION << "\n";
            return cli::kOk;
        }
    } catch (const std::exception& e) {
        err << "error: " << e.what() << "\n";
        return cli::kFailed;
    }
    err << "error: unknown command `" << command << "`\n" << kUsage;
    return cli::kUsage;
}

}  // namespace jointly::server
