// `jointly store copy`: move an SQLite decision store into PostgreSQL; `jointly store
// reapply-erasures`: erase again, in a restored store, what the replaced one had erased
// (docs/operations.md).
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

struct ReapplyOptions {
    std::string from;
    std::string db;
};

int run_reapply(const ReapplyOptions& options, Streams io) {
    try {
        const auto c = reapply_erasures(options.from, options.db);
        io.out << "erased " << c.erased << " decisions of the " << c.recorded << " erasures recorded in "
               << pg::redact_url(options.from) << " (" << c.already << " erased already, " << c.absent
               << " not in the store)\n";
        return kOk;
    } catch (const StoreError& e) {
        io.err << "error: " << e.what() << "\n";
        return kFailed;
    }
}

}  // namespace

Command define_store(CLI::App& root, Streams io) {
    auto options = std::make_shared<CopyOptions>();
    auto reapply_options = std::make_shared<ReapplyOptions>();
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
    auto* reapply = app->add_subcommand(
        "reapply-erasures", "after a restore, erase again what the replaced store had erased");
    reapply->add_option("--from", reapply_options->from,
                        "the store that was replaced (the moved-aside SQLite file, read only, or a URL)")
        ->required()
        ->option_text("OLD_DB");
    reapply->add_option("--db", reapply_options->db, "the restored store, as `jointly serve --db` takes it")
        ->required()
        ->option_text("DB");
    reapply->footer(footer("With the server stopped: every decision that OLD_DB records as erased (or\n"
                           "rectified) and DB still holds is erased in DB as POST /v1/decisions/{id}/erasure\n"
                           "would (the same redaction, a tombstone naming the first erasure, an audit entry\n"
                           "by `jointly store reapply-erasures`). Running it again changes nothing. Prints\n"
                           "how many were erased. Exits 1 when a store cannot be read or written."));
    return {app, [options, reapply_options, reapply, io] {
                if (reapply->parsed()) return run_reapply(*reapply_options, io);
                return run_copy(*options, io);
            }};
}

}  // namespace jointly::server::cli
