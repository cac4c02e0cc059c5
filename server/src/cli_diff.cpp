// `jointly diff OLD NEW`: what changed between two policies, in a commissioner's words, and
// with --caseload which changes moved money or outcomes (policy_diff.hpp).
#include <CLI/CLI.hpp>

#include <cerrno>
#include <fstream>
#include <iostream>
#include <ostream>

#include "cli_common.hpp"
#include "jointly/server/policy_diff.hpp"

namespace jointly::server::cli {
namespace {

using ojson = nlohmann::ordered_json;

struct DiffOptions {
    std::string old_path;
    std::string new_path;
    std::optional<std::string> caseload;
    std::string format;
};

// Reads and compiles one policy; on failure prints why and sets `status`.
std::shared_ptr<const engine::Program> load(const std::string& path, Streams io, int& status) {
    const auto text = read_text(path);
    if (!text) {
        io.err << "error: " << cannot_read(path, errno) << "\n";
        status = kUsage;
        return nullptr;
    }
    const std::string file = path == "-" ? "<stdin>" : path;
    auto checked = engine::compile(*text, file);
    if (!checked.program) {
        render_reports({FileReport{file, *text, checked.diagnostics}}, io.err);
        status = kFailed;
    }
    return checked.program;
}

std::string label(const std::string& path, const engine::Program& p) {
    return (path == "-" ? std::string("<stdin>") : path) + " (" + p.id() + " " + p.version() + ")";
}

std::string lines(const PolicyChange& c) {
    if (c.old_line == 0) return "new line " + std::to_string(c.new_line);
    if (c.new_line == 0) return "old line " + std::to_string(c.old_line);
    if (c.old_line == c.new_line) return "line " + std::to_string(c.old_line);
    return "line " + std::to_string(c.old_line) + " -> " + std::to_string(c.new_line);
}

std::string signed_amount(const std::string& text) {
    return text.front() == '-' || text == "0.00" ? text : "+" + text;
}

std::string agency_amounts(const ojson& amounts) {
    std::string out;
    for (const auto& [agency, value] : amounts.items())
        out += (out.empty() ? "" : ", ") + agency + " " + signed_amount(value.get<std::string>());
    return out.empty() ? std::string("nothing") : out;
}

std::string cases_text(std::size_t n) { return std::to_string(n) + (n == 1 ? " case" : " cases"); }

bool all_zero(const ojson& amounts) {
    for (const auto& [agency, value] : amounts.items())
        if (value != "0.00") return false;
    return true;
}

void print_effect(std::ostream& out, const ojson& e) {
    std::string numbers;
    for (const auto& n : e["changes"]) numbers += (numbers.empty() ? "" : ", ") + std::to_string(n.get<std::size_t>());
    out << "  " << e["subject"].get<std::string>() << " (change" << (e["changes"].size() == 1 ? " " : "s ") << numbers
        << "): ";
    const auto cases = e["cases"].get<std::size_t>();
    if (e["kind"] == "outcome") {
        const bool decline = e["subject"].get<std::string>().rfind("outcome rule decline", 0) == 0;
        out << cases_text(cases);
        if (cases != 0)
            out << " (" << e["now"].get<std::size_t>() << " now " << (decline ? "declined" : "referred") << " by it, "
                << e["no_longer"].get<std::size_t>() << " no longer)";
        if (!decline) out << "; a referred case is funded: no money moved";
        else if (cases != 0) out << "; funded " << agency_amounts(e["moved"]);
        out << "\n";
        return;
    }
    const auto wording = e["wording_cases"].get<std::size_t>();
    if (cases == 0 && wording != 0) {
        out << cases_text(wording) << " differ only in wording; no money moved\n";
        return;
    }
    out << cases_text(cases);
    if (cases != 0) out << "; allocated " << agency_amounts(e["moved"]);
    if (wording != 0) out << " (" << wording << " more differ only in wording)";
    out << "\n";
}

void print_impact(std::ostream& out, const ojson& r) {
    // Decided differently: in outcome, money or the rules cited; a difference in wording only
    // is counted apart (a `because` text moves nothing).
    const auto wording = r["wording_changed"].get<std::size_t>();
    const auto decided = r["changed_cases"].get<std::size_t>() - wording;
    out << "\ncaseload: " << r["cases"].get<std::size_t>() << " cases (" << r["evaluated"].get<std::size_t>()
        << " evaluated, " << r["skipped"].get<std::size_t>() << " skipped); " << decided << " decided differently";
    if (decided != 0) {
        out << ": " << r["outcomes_changed"].get<std::size_t>() << " with another outcome, "
            << r["money_changed"].get<std::size_t>() << " with the same outcome and other money";
        if (r["rules_changed"] != 0)
            out << ", " << r["rules_changed"].get<std::size_t>() << " with the same outcome and money but other rules or reasons";
    }
    if (wording != 0) out << "; " << wording << (decided != 0 ? " more" : "") << " differ only in wording";
    out << "\n";
    out << "what the changes moved (new minus old, per agency):\n";
    if (r["effects"].empty()) out << "  no change reaches a rule or an outcome rule\n";
    for (const auto& e : r["effects"]) print_effect(out, e);
    const ojson& a = r["allocated"];
    out << "allocated by the rules, every case: " << agency_amounts(a["moved"]) << "\n";
    out << "  explained by the rules' changes above: " << agency_amounts(a["explained"]) << "\n";
    out << "  not explained by a listed change: " << agency_amounts(a["not_explained"]) << "\n";
    const ojson& f = r["funded"];
    out << "funded (approved and referred cases): " << agency_amounts(f["moved"]) << "\n";
    out << "  the rules' moves above, less those in cases declined under both: " << agency_amounts(f["rules"]) << "\n";
    out << "  cases declined under one policy only (the decline rules above): " << agency_amounts(f["outcomes"]) << "\n";
    if (!all_zero(f["outcomes_not_explained"]))
        out << "    of which no listed change explains: " << agency_amounts(f["outcomes_not_explained"]) << "\n";
    if (f["outcomes_shared_cases"] != 0)
        out << "    " << cases_text(f["outcomes_shared_cases"].get<std::size_t>())
            << " counted under more than one decline rule above\n";
    if (const auto& rounding = r["cost"]["rounding"].get_ref<const std::string&>(); rounding != "0.00") {
        const bool less = rounding.front() == '-';
        out << "rounding: the same lines cost " << (less ? rounding.substr(1) : rounding) << (less ? " less" : " more")
            << " under the new policy (" << r["cost"]["old"].get<std::string>() << " -> "
            << r["cost"]["new"].get<std::string>()
            << "):\n  each segment is rounded to the penny once, and the new policy cuts the lines into other segments;\n"
               "  the figures above include it\n";
    }
}

int run_diff(const DiffOptions& o, Streams io) {
    if (count_stdin({o.old_path, o.new_path, o.caseload.value_or("")}) > 1) {
        io.err << "error: `-` (standard input) can be named once\n";
        return kUsage;
    }
    int status = kOk;
    const auto old_policy = load(o.old_path, io, status);
    const auto new_policy = load(o.new_path, io, status);
    if (!old_policy || !new_policy) return status;
    const auto changes = diff_policies(old_policy->module(), new_policy->module());

    std::optional<ojson> impact;
    if (o.caseload) {
        std::ifstream file;
        std::istream* in = &std::cin;
        if (*o.caseload != "-") {
            errno = 0;
            file.open(*o.caseload, std::ios::binary);
            if (!file) {
                io.err << "error: " << cannot_read(*o.caseload, errno) << "\n";
                return kUsage;
            }
            in = &file;
        }
        DiffImpact counting(old_policy, new_policy, changes);
        diff_impact_stream(*in, counting);
        impact = counting.result();
        for (const auto& e : (*impact)["errors"])
            io.err << "line " << e["case"].get<std::size_t>() << ": skipped: " << e["message"].get<std::string>() << "\n";
    }
    if (o.format == "json") {
        ojson report = {{"old", {{"file", o.old_path}, {"policy", old_policy->id()}, {"version", old_policy->version()}}},
                        {"new", {{"file", o.new_path}, {"policy", new_policy->id()}, {"version", new_policy->version()}}},
                        {"count", changes.size()},
                        {"changes", changes_json(changes)}};
        if (impact) report["caseload"] = *impact;
        io.out << report.dump(2) << "\n";
    } else {
        const std::string from = label(o.old_path, *old_policy);
        const std::string to = label(o.new_path, *new_policy);
        if (changes.empty()) {
            io.out << "no changes from " << from << " to " << to << "\n";
        } else {
            io.out << changes.size() << (changes.size() == 1 ? " change" : " changes") << " from " << from << " to "
                   << to << ":\n";
            for (std::size_t i = 0; i < changes.size(); ++i)
                io.out << "  " << (i + 1) << ". " << changes[i].sentence << " (" << lines(changes[i]) << ")\n";
        }
        if (impact) print_impact(io.out, *impact);
    }
    if (impact && (*impact)["evaluated"] == 0) {
        io.err << "error: no case of the caseload was evaluated\n";
        return kFailed;
    }
    return kOk;
}

}  // namespace

Command define_diff(CLI::App& root, Streams io) {
    auto options = std::make_shared<DiffOptions>();
    auto* app = root.add_subcommand("diff", "what changed between two policies, and what the change moves");
    app->add_option("old", options->old_path, "the policy before the change, or - for standard input")
        ->required()
        ->option_text("OLD.jf|-");
    app->add_option("new", options->new_path, "the policy after the change, or - for standard input")
        ->required()
        ->option_text("NEW.jf|-");
    app->add_option("-c,--caseload", options->caseload,
                    "evaluate these cases (one request per line, as for simulate) under both and attribute\n"
                    "what moved to the changes")
        ->option_text("FILE.jsonl|-");
    add_format_option(*app, options->format, {"text", "json"});
    app->footer(footer("One sentence per change on standard output (declarations matched by name, outcome\n"
                       "rules by kind, authority and ref); layout and comments never count. Both policies\n"
                       "must check without errors. Differences are not a failure: exit 0 whether or not\n"
                       "anything changed (--format json gives `count`); 1 when a policy has errors or no\n"
                       "case of the caseload could be evaluated (docs/cli.md)."));
    return {app, [options, io] { return run_diff(*options, io); }};
}

}  // namespace jointly::server::cli
