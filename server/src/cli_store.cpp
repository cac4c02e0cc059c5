// `jointly store copy`: move an SQLite decision store into PostgreSQL; `jointly store
// reapply-erasures`: erase again, in a restored store, what the replaced one had erased
// (docs/operations.md); `jointly store verify-audit`: walk the audit trail's hash chain.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <optional>
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
               << c.policies << " policy versions, " << c.decided_under << " policy texts decided under and "
               << c.changes << " change feed entries\n";
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
        for (const auto& warning : c.warnings) io.err << "warning: " << warning << "\n";
        io.out << "erased " << c.erased << " decisions of the " << c.recorded << " erasures recorded in "
               << pg::redact_url(options.from) << " (" << c.already << " erased already, " << c.absent
               << " not in the store)\n";
        if (const auto n = c.replacements_absent.size(); n > 0) {
            io.out << n << (n == 1 ? " rectification" : " rectifications") << " recorded in "
                   << pg::redact_url(options.from) << (n == 1 ? " names a replacement" : " name replacements")
                   << " not in the store (stored after the backup, only the old store holds "
                   << (n == 1 ? "it" : "them") << "):\n";
            for (const auto& r : c.replacements_absent) io.out << "  " << r.rectified << " rectified by " << r.by << "\n";
        }
        return kOk;
    } catch (const StoreError& e) {
        io.err << "error: " << e.what() << "\n";
        return kFailed;
    }
}

struct VerifyOptions {
    std::string db;
    std::string expect_head;
};

int run_verify(const VerifyOptions& options, Streams io) {
    const std::string where = pg::redact_url(options.db);
    if (!options.expect_head.empty() &&
        (options.expect_head.size() != 64 || options.expect_head.find_first_not_of("0123456789abcdef") != std::string::npos)) {
        io.err << "error: `--expect-head " << options.expect_head
               << "` is not a hash: 64 lowercase hex digits, as verify-audit prints after `head`\n";
        return kUsage;
    }
    std::error_code ec;
    if (!Store::is_postgresql(options.db) && !std::filesystem::is_regular_file(options.db, ec)) {
        io.err << "error: `--db " << where << "`: no such SQLite store (give the file `jointly serve --db` uses, "
               << "or a postgresql:// URL)\n";
        return kUsage;
    }
    try {
        // Read only: a verification writes nothing, migrates nothing, re-creates no trigger.
        std::optional<std::string> expected;
        if (!options.expect_head.empty()) expected = options.expect_head;
        const auto c = verify_audit_read_only(options.db, expected);
        if (c.schema < c.current_schema) {
            io.err << "error: `" << where << "`: the store is at schema " << c.schema << ", older than this jointly's ("
                   << c.current_schema << "); start this version's server on it once to upgrade it, then verify\n";
            return kUsage;
        }
        const auto& v = c.verification;
        bool failed = false;
        if (!c.missing_triggers.empty()) {
            io.err << "error: `" << where << "`: the append-only triggers " << c.missing_triggers
                   << " are missing: someone with the database owner's rights dropped them, and while they were gone "
                      "what they guard could be changed or cut; the server re-creates them at start (with a warning)\n";
            failed = true;
        }
        if (v.broken) {
            io.err << "error: `" << where << "`: " << v.broken->reason << " (its stored hash "
                   << (v.broken->found.empty() ? std::string("is empty") : "`" + v.broken->found + "`")
                   << ", the chain gives `" << v.broken->expected << "`); "
                   << (v.entries == 0 ? std::string("it is the first entry with a hash, chained from the genesis hash")
                       : v.entries == 1 ? "the 1 entry before it matches, up to entry " + std::to_string(v.head_id) +
                                              " (head " + v.head + ")"
                                        : "the " + std::to_string(v.entries) + " entries before it match, up to entry " +
                                              std::to_string(v.head_id) + " (head " + v.head + ")")
                   << "\n";
            failed = true;
        }
        if (v.unhashed > 0) {
            io.err << "error: `" << where << "`: " << describe_unhashed(v) << "\n";
            failed = true;
        }
        if (v.broken) return kFailed;
        io.out << "audit trail of " << where << ": " << v.entries << " entries"
               << (v.unhashed > 0 ? " with a hash" : "") << ", the hash chain holds; head " << v.head << " (entry "
               << v.head_id << ")\n";
        if (v.expected_head_found == false) {
            io.err << "error: `" << where << "`: the recorded head `" << options.expect_head
                   << "` is not in the chain: entries were removed from the end of the audit trail since it was "
                      "recorded, or it is another store's hash\n";
            return kFailed;
        }
        if (v.expected_head_found) io.out << "the recorded head " << options.expect_head << " is in the chain\n";
        return failed ? kFailed : kOk;
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
    auto verify_options = std::make_shared<VerifyOptions>();
    auto* verify = app->add_subcommand("verify-audit", "check the audit trail's hash chain");
    verify->add_option("--db", verify_options->db, "the store, as `jointly serve --db` takes it")
        ->required()
        ->option_text("DB");
    verify->add_option("--expect-head", verify_options->expect_head,
                       "a head hash recorded earlier (printed by verify-audit): the chain must still reach it")
        ->option_text("HASH");
    verify->footer(footer("Walks the audit trail oldest first, checking each entry's hash against the one\n"
                          "before it. Prints the number of entries and the head hash (record it elsewhere:\n"
                          "entries cut from the end are found only with --expect-head). Exits 1 naming the\n"
                          "first entry that does not match, entries without a hash, missing append-only\n"
                          "triggers, or when the recorded head is not in the chain. Reads only: a store of an\n"
                          "older schema is refused (exit 2); start this version's server on it once first."));
    return {app, [options, reapply_options, reapply, verify_options, verify, io] {
                if (reapply->parsed()) return run_reapply(*reapply_options, io);
                if (verify->parsed()) return run_verify(*verify_options, io);
                return run_copy(*options, io);
            }};
}

}  // namespace jointly::server::cli
