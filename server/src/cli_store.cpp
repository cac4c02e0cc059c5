// `jointly store copy`: move an SQLite decision store into PostgreSQL (docs/operations.md).
#include <CLI/CLI.hpp>

#include <ostream>

#include "cli_common.hpp"
#include "jointly/server/store.hpp"
#include "pg.hpp"

namespace jointly::server::cli {
namespace {

struct CopyOptions {
    std::string from;
    std::string to;
};

int run_copy(const CopyOptions& options, Streams io) {
    if (Store::is_postgresql(options.from)) {
        io.err << "error: `--from " << pg::redact_url(options.from) << "` must be an SQLite file (the store being moved)\n";
        return kUsage;
    }
    if (!Store::is_postgresql(options.to)) {
        io.err << "error: `--to " << pg::redact_url(options.to) << "` must be a postgresql:// URL\n";
        return kUsage;
    }
    try {
        const auto c = copy_store(options.from, options.to);
        io.out << "copied " << c.decisions << " decisions, " << c.panel_records << " panel records, " << c.erasures
               << " erasures, " << c.audit << " audit entries, " << c.idempotency_keys << " idempotency keys, "
               << c.policies << " policy versions and " << c.changes << " change feed entries\n";
        return kOk;
    } catch (const StoreError& e) {
        io.err << "error: " << e.what() << "\n";
        return kFailed;
    }
}

}  // namespace

Command define_store(CLI::App& root, Streams io) {
    auto options = std::make_shared<CopyOptions>();
    auto* app = root.add_subcommand("store", "manage the decision store");
    app->require_subcommand(1);
    auto* copy = app->add_subcommand("copy", "copy an SQLite store into an empty PostgreSQL store");
    copy->add_option("--from", options->from, "the SQLite decision store to copy (read only)")
        ->required()
        ->option_text("FILE");
    copy->add_option("--to", options->to, "the PostgreSQL store, postgresql://USER@HOST/DB")
        ->required()
        ->option_text("URL");
    copy->footer(footer("Copies decisions, panel records, erasures, audit entries, idempotency keys,\n"
                        "uploaded policy versions and the change feed with their ids, times and order,\n"
                        "in one transaction. The destination must be empty. Exits 1 when the copy\n"
                        "is refused (a non-empty destination, an unreachable server), nothing copied."));
    return {app, [options, io] { return run_copy(*options, io); }};
}

}  // namespace jointly::server::cli
