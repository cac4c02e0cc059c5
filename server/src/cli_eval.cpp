// `jointly eval` and `jointly simulate`.
#include <CLI/CLI.hpp>

#include <array>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <iomanip>
#include <iostream>
#include <ostream>

#include <unistd.h>

#include "cli_common.hpp"
#include "jointly/server/service.hpp"

namespace jointly::server::cli {
namespace {

using ojson = nlohmann::ordered_json;

void print_error(std::ostream& err, const ServiceError& e) { err << e.body().dump(2) << "\n"; }

struct EvalOptions {
    std::string policy;
    std::string request;
    std::optional<std::string> as_of;
    bool explain = false;
    std::string format;
};

int run_eval(const EvalOptions& o, Streams io) {
    if (o.policy == "-" && o.request == "-") {
        io.err << "error: `-` (standard input) can be named once: give --policy or the request as a file\n";
        return kUsage;
    }
    EvaluateOptions options;
    options.explain_full = o.explain;
    if (o.as_of) {
        options.as_of = engine::parse_date(*o.as_of);
        if (!options.as_of) {
            io.err << "error: `--as-of " << *o.as_of << "` is not a date YYYY-MM-DD\n";
            return kUsage;
        }
    }
    int status = kOk;
    const auto snapshot = load_snapshot({o.policy}, io.err, status);
    if (!snapshot) return status;
    const auto text = read_text(o.request);
    if (!text) {
        io.err << "error: " << cannot_read(o.request, errno) << "\n";
        return kUsage;
    }
    auto parsed = parse_json(*text);
    if (!parsed.value) {
        print_error(io.err, ServiceError{400, "invalid_request", parsed.error.message, {parsed.error}});
        return kFailed;
    }
    const auto result = evaluate_body(*snapshot, *parsed.value, options);
    if (result.error) {
        print_error(io.err, *result.error);
        return kFailed;
    }
    io.out << encode_decision_ordered(result.evaluated->decision).dump(2) << "\n";
    return kOk;
}

}  // namespace

Command define_eval(CLI::App& root, Streams io) {
    auto options = std::make_shared<EvalOptions>();
    auto* app = root.add_subcommand("eval", "evaluate one request and print the decision JSON");
    app->add_option("request", options->request, "the request JSON (as POSTed to /v1/decisions), or - for standard input")
        ->required()
        ->option_text("REQUEST.json|-");
    app->add_option("-p,--policy", options->policy, "the policies: a file, a folder, or - for standard input")
        ->required()
        ->option_text("FILE|DIR|-");
    app->add_option("-a,--as-of", options->as_of, "evaluate as on this date (YYYY-MM-DD)")->option_text("DATE");
    app->add_flag("-e,--explain", options->explain, "include the full trace of every rule");
    add_format_option(*app, options->format, {"json"});
    app->footer(footer("The decision goes to standard output. A request the API would refuse prints\n"
                       "its error body (the API's JSON) on standard error and exits 1."));
    return {app, [options, io] { return run_eval(*options, io); }};
}

namespace {

std::string cell(const ojson& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// Signed difference text: "+655.00", "-12.00", "0.00".
std::string signed_money(const std::string& text) {
    if (text.empty() || text.front() == '-' || text == "0.00") return text;
    return "+" + text;
}

// One row per agency (in `keys` order); a missing amount is 0.00.
void print_amounts(std::ostream& out, const std::string& title, const ojson& keys, const ojson& a, const ojson* b,
                   const ojson* diff) {
    out << title << "\n";
    const ojson zero("0.00");
    for (const auto& [agency, ignored] : keys.items()) {
        out << "  " << std::left << std::setw(22) << agency << std::right << std::setw(16) << cell(a.value(agency, zero));
        if (b) out << std::setw(16) << cell(b->value(agency, zero));
        if (diff) out << std::setw(16) << signed_money(cell(diff->value(agency, zero)));
        out << "\n";
    }
}

// "id version" of every policy a snapshot holds, for a side that decided no case.
std::string loaded_names(const Snapshot* snapshot) {
    std::string s;
    if (snapshot != nullptr)
        for (const auto& p : snapshot->policies()) s += (s.empty() ? "" : ", ") + p.program->id() + " " + p.program->version();
    return s.empty() ? std::string("-") : s + " (loaded; no case was decided under it)";
}

// `loaded_a`, `loaded_b`: what to name a side by when it decided no case.
void print_simulation(std::ostream& out, const ojson& r, const std::string& loaded_a, const std::string& loaded_b) {
    const bool vs = r.contains("b");
    out << "cases: " << r["cases"].get<std::size_t>() << " (" << r["evaluated"].get<std::size_t>() << " evaluated, "
        << r["skipped"].get<std::size_t>() << " skipped)\n";
    auto policies = [](const ojson& side, const std::string& loaded) {
        std::string s;
        for (const auto& p : side["policies"]) s += (s.empty() ? "" : ", ") + p.get<std::string>();
        return s.empty() ? loaded : s;
    };
    out << "A: " << policies(r["a"], loaded_a) << "\n";
    if (vs) out << "B: " << policies(r["b"], loaded_b) << "\n";
    out << "\nfunded: approved and referred cases (a referral still allocates under the agreed split)\n";
    out << "  " << std::left << std::setw(22) << "agency" << std::right << std::setw(16) << (vs ? "A" : "total");
    if (vs) out << std::setw(16) << "B" << std::setw(16) << "difference";
    out << "\n";
    const ojson& keys = r["a"]["by_agency"];
    const ojson empty = ojson::object();
    auto at = [&](const ojson& side, const char* field, const std::string& year) -> const ojson& {
        return side.contains(field) && side[field].contains(year) ? side[field][year] : empty;
    };
    print_amounts(out, "by agency", keys, r["a"]["by_agency"], vs ? &r["b"]["by_agency"] : nullptr,
                  vs ? &r["difference"]["by_agency"] : nullptr);
    out << "  " << std::left << std::setw(22) << "total" << std::right << std::setw(16) << cell(r["a"]["total"]);
    if (vs) out << std::setw(16) << cell(r["b"]["total"]) << std::setw(16) << signed_money(cell(r["difference"]["total"]));
    out << "\n";
    std::set<std::string> years;
    for (const auto& [year, v] : r["a"]["by_financial_year"].items()) years.insert(year);
    if (vs)
        for (const auto& [year, v] : r["b"]["by_financial_year"].items()) years.insert(year);
    for (const auto& year : years) {
        print_amounts(out, "financial year " + year, keys, at(r["a"], "by_financial_year", year),
                      vs ? &at(r["b"], "by_financial_year", year) : nullptr,
                      vs ? &at(r["difference"], "by_financial_year", year) : nullptr);
    }
    auto row = [&](const std::string& label, const ojson& a, const ojson* b, const ojson* d = nullptr) {
        out << "  " << std::left << std::setw(22) << label << std::right << std::setw(16) << cell(a);
        if (b) out << std::setw(16) << cell(*b);
        if (b && d) out << std::setw(16) << signed_money(cell(*d));
        out << "\n";
    };
    out << "\nnot allocated: money of the funded cases that no agency pays\n";
    static constexpr std::array<std::pair<const char*, const char*>, 5> kKinds{{{"uncovered", "uncovered"},
                                                                                 {"conflict", "in conflict"},
                                                                                 {"cap_excess", "over a cap (panel)"},
                                                                                 {"refused", "refused"},
                                                                                 {"referred", "referred lines"}}};
    for (const auto& [key, label] : kKinds) {
        row(label, r["a"]["not_allocated"][key], vs ? &r["b"]["not_allocated"][key] : nullptr);
    }
    row("total", r["a"]["not_allocated"]["total"], vs ? &r["b"]["not_allocated"]["total"] : nullptr,
        vs ? &r["difference"]["not_allocated"] : nullptr);
    row("cost of the lines", r["a"]["cost"], vs ? &r["b"]["cost"] : nullptr);
    out << "\ndeclined: not funded, counted in no total above\n";
    row("cases", r["a"]["declined"]["cases"], vs ? &r["b"]["declined"]["cases"] : nullptr);
    row("allocated by rules", r["a"]["declined"]["total"], vs ? &r["b"]["declined"]["total"] : nullptr);
    row("cost of the lines", r["a"]["declined"]["cost"], vs ? &r["b"]["declined"]["cost"] : nullptr);
    if (vs && r["difference"]["rounding"] != "0.00") {
        const auto rounding = cell(r["difference"]["rounding"]);
        const bool less = rounding.front() == '-';
        out << "\nrounding: the same lines cost " << (less ? rounding.substr(1) : rounding) << (less ? " less" : " more")
            << " under B than under A (funded and declined cases together):\n"
               "  each segment is rounded to the penny once, and B cuts the lines into other segments;\n"
               "  the differences above include it\n";
    }
    auto print_reasons = [&](const char* name, const ojson& side) {
        for (const auto& reason : side["by_reason"]) {
            std::string what = cell(reason["kind"]);
            if (!reason["rule"].is_null()) what += " " + cell(reason["rule"]);
            if (!reason["ref"].is_null()) what += " (" + cell(reason["ref"]) + ")";
            out << "  " << name << ": " << what << ": " << cell(reason["cases"]) << " case"
                << (reason["cases"].get<std::size_t>() == 1 ? "" : "s") << ", allocated " << cell(reason["total"])
                << ", not allocated " << cell(reason["not_allocated"]) << "\n";
        }
    };
    if (!r["a"]["by_reason"].empty() || (vs && !r["b"]["by_reason"].empty())) {
        out << "\nreasons (a case counts under each reason it gives)\n";
        print_reasons("A", r["a"]);
        if (vs) print_reasons("B", r["b"]);
    }
    auto outcomes = [](const ojson& o) {
        return "approve " + cell(o["approve"]) + ", refer " + cell(o["refer"]) + ", decline " + cell(o["decline"]);
    };
    auto print_outcomes = [&](const char* name, const ojson& side) {
        out << "outcomes " << name << ": " << outcomes(side["outcomes"]) << "\n";
        if (side["outcomes_by_policy"].size() > 1)
            for (const auto& [label, o] : side["outcomes_by_policy"].items())
                out << "  " << label << ": " << outcomes(o) << "\n";
    };
    out << "\n";
    print_outcomes("A", r["a"]);
    if (vs) {
        print_outcomes("B", r["b"]);
        out << "outcomes changed: " << cell(r["outcomes_changed"]);
        std::string pairs;
        for (const auto& change : r["outcome_changes"]) {
            pairs += (pairs.empty() ? "" : ", ") + cell(change["from"]) + " -> " + cell(change["to"]) + " " +
                     cell(change["cases"]);
        }
        if (!pairs.empty()) out << " (" << pairs << ")";
        out << "; splits changed: " << cell(r["splits_changed"]) << "\n";
    }
    auto outside = [&](const char* name, const ojson& side) {
        const ojson& o = side["outside_effective_dates"];
        if (o["cases"].get<std::size_t>() == 0) return;
        out << "outside the effective dates of " << name << ": " << cell(o["cases"])
            << " cases evaluated under it all the same";
        std::string refs;
        for (const auto& ref : o["case_refs"]) refs += (refs.empty() ? "" : ", ") + cell(ref);
        if (!refs.empty()) out << " (" << refs << (o["case_refs"].size() < o["cases"].get<std::size_t>() ? ", ..." : "") << ")";
        out << "\n";
    };
    outside("A", r["a"]);
    if (vs) outside("B", r["b"]);
}


struct SimulateOptions {
    std::string policy;
    std::optional<std::string> vs;
    std::string caseload;
    std::string format;
};

int run_simulate(const SimulateOptions& o, Streams io) {
    if (count_stdin({o.policy, o.vs.value_or(""), o.caseload}) > 1) {
        io.err << "error: `-` (standard input) can be named once\n";
        return kUsage;
    }
    SimulationInput input;
    int status = kOk;
    input.a = load_snapshot({o.policy}, io.err, status);
    if (!input.a) return status;
    if (o.vs) {
        input.b = load_snapshot({*o.vs}, io.err, status);
        if (!input.b) return status;
    }
    // Checked without opening it: a named pipe opened and closed here would lose its writer.
    if (o.caseload != "-" && ::access(o.caseload.c_str(), R_OK) != 0) {
        io.err << "error: " << cannot_read(o.caseload, errno) << "\n";
        return kUsage;
    }
    Simulation simulation(input);
    const bool csv = o.format == "csv";
    std::optional<SimulationCsv> rows;
    if (csv) {
        rows.emplace(input);
        io.out << rows->header();
        simulation.on_case([&](const Simulation::Evaluated& e) { io.out << rows->row(e); });
    }
    // A progress line only where someone watches it: the process's own terminal.
    const bool terminal = &io.err == &std::cerr && isatty(fileno(stderr)) != 0;
    if (terminal) {
        simulation.on_progress(10000, [&](const SimulationProgress& p) { io.err << '\r' << progress_line(p) << std::flush; });
    }
    if (o.caseload == "-") {
        simulate_stream(std::cin, simulation);
    } else if (errno = 0; !simulate_file(o.caseload, simulation)) {
        io.err << "error: " << cannot_read(o.caseload, errno) << "\n";
        return kUsage;
    }
    if (terminal && simulation.result()["cases"].get<std::size_t>() >= 10000) io.err << "\n";
    const auto result = simulation.result();
    for (const auto& e : result["errors"]) {
        io.err << "line " << e["case"].get<std::size_t>() << ": skipped: " << e["message"].get<std::string>();
        const auto side = e["side"].get<std::string>();
        if (!side.empty() && input.b) io.err << " (under " << (side == "a" ? "--policy" : "--vs") << ")";
        for (const auto& d : e["details"]) io.err << "; " << cell(d["path"]) << ": " << cell(d["message"]);
        io.err << "\n";
    }
    if (o.format == "json") io.out << result.dump(2) << "\n";
    else if (!csv) print_simulation(io.out, result, loaded_names(input.a.get()), loaded_names(input.b.get()));
    if (result["evaluated"].get<std::size_t>() == 0) {
        io.err << "error: no case was evaluated (" << result["cases"].get<std::size_t>() << " read, all skipped)\n";
        return kFailed;
    }
    return kOk;
}

}  // namespace

Command define_simulate(CLI::App& root, Streams io) {
    auto options = std::make_shared<SimulateOptions>();
    auto* app = root.add_subcommand("simulate", "what a caseload would cost each agency under a policy, or two");
    app->add_option("caseload", options->caseload, "one request JSON per line, or - for standard input")
        ->required()
        ->option_text("CASELOAD.jsonl|-");
    app->add_option("-p,--policy", options->policy, "the policies in service (A): a file, a folder or -")
        ->required()
        ->option_text("FILE|DIR|-");
    app->add_option("--vs", options->vs, "the policies to compare (B): a file, a folder or -")->option_text("FILE|DIR|-");
    add_format_option(*app, options->format, {"text", "json", "csv"});
    app->footer(footer(
        "Evaluates a caseload under --policy (A) and --vs (B): what each would fund per agency\n"
        "and year, and the difference B - A. Funded means the outcome is approve or refer (a\n"
        "referral still allocates under the agreed split, pending the panel); declined cases\n"
        "are counted apart with what they would have cost. Outcomes are counted under each\n"
        "side and each policy version. A line that cannot be evaluated is skipped and named on\n"
        "standard error; when every line is skipped (or there is none), the exit status is 1.\n"
        "--format csv prints one row per case instead (docs/csv.md). On a terminal, a progress\n"
        "line on standard error counts every 10,000 cases."));
    return {app, [options, io] { return run_simulate(*options, io); }};
}

}  // namespace jointly::server::cli
