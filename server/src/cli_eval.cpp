// `jointly eval` and `jointly simulate`.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <ostream>

#include "cli_common.hpp"
#include "jointly/server/service.hpp"

namespace jointly::server::cli {
namespace {

using ojson = nlohmann::ordered_json;

void print_error(std::ostream& out, const ServiceError& e) { out << e.body().dump(2) << "\n"; }

}  // namespace

int cmd_eval(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    const auto args = parse_args(argv, {"policy", "as-of"}, {"explain"});
    if (!args.error.empty() || !args.values.count("policy") || args.positional.size() != 1) {
        err << "error: "
            << (args.error.empty() ? "usage: jointly eval --policy FILE|DIR [--as-of DATE] [--explain] REQUEST.json|-"
                                   : args.error)
            << "\n";
        return kUsage;
    }
    EvaluateOptions options;
    options.explain_full = args.flags.count("explain") > 0;
    if (args.values.count("as-of")) {
        options.as_of = engine::parse_date(args.values.at("as-of"));
        if (!options.as_of) {
            err << "error: `--as-of " << args.values.at("as-of") << "` is not a date YYYY-MM-DD\n";
            return kUsage;
        }
    }
    const auto snapshot = load_snapshot({args.values.at("policy")}, err);
    if (!snapshot) return kFailed;
    const auto text = read_text(args.positional.front());
    if (!text) {
        err << "error: cannot read `" << args.positional.front() << "`\n";
        return kFailed;
    }
    auto parsed = parse_json(*text);
    if (!parsed.value) {
        print_error(out, ServiceError{400, "invalid_request", parsed.error.message, {parsed.error}});
        return kFailed;
    }
    const auto result = evaluate_body(*snapshot, *parsed.value, options);
    if (result.error) {
        print_error(out, *result.error);
        return kFailed;
    }
    out << result.evaluated->response.dump(2) << "\n";
    return kOk;
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

void print_simulation(std::ostream& out, const ojson& r) {
    const bool vs = r.contains("b");
    out << "cases: " << r["cases"].get<std::size_t>() << " (" << r["evaluated"].get<std::size_t>() << " evaluated, "
        << r["skipped"].get<std::size_t>() << " skipped)\n";
    auto policies = [](const ojson& side) {
        std::string s;
        for (const auto& p : side["policies"]) s += (s.empty() ? "" : ", ") + p.get<std::string>();
        return s.empty() ? std::string("-") : s;
    };
    out << "A: " << policies(r["a"]) << "\n";
    if (vs) out << "B: " << policies(r["b"]) << "\n";
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
    out << "\ndeclined: not funded, counted in no total above\n";
    auto row = [&](const std::string& label, const ojson& a, const ojson* b) {
        out << "  " << std::left << std::setw(22) << label << std::right << std::setw(16) << cell(a);
        if (b) out << std::setw(16) << cell(*b);
        out << "\n";
    };
    row("cases", r["a"]["declined"]["cases"], vs ? &r["b"]["declined"]["cases"] : nullptr);
    row("would have cost", r["a"]["declined"]["total"], vs ? &r["b"]["declined"]["total"] : nullptr);
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
        out << "outcomes changed: " << cell(r["outcomes_changed"]) << "; splits changed: " << cell(r["splits_changed"])
            << "\n";
    }
}

}  // namespace

int cmd_simulate(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    const auto args = parse_args(argv, {"policy", "vs", "format"}, {});
    const std::string format = args.values.count("format") ? args.values.at("format") : "text";
    if (!args.error.empty() || !args.values.count("policy") || args.positional.size() != 1 ||
        (format != "text" && format != "json")) {
        err << "error: "
            << (args.error.empty()
                    ? "usage: jointly simulate --policy FILE|DIR [--vs FILE|DIR] [--format text|json] CASELOAD.jsonl|-"
                    : args.error)
            << "\n";
        return kUsage;
    }
    SimulationInput input;
    input.a = load_snapshot({args.values.at("policy")}, err);
    if (!input.a) return kFailed;
    if (args.values.count("vs")) {
        input.b = load_snapshot({args.values.at("vs")}, err);
        if (!input.b) return kFailed;
    }
    const auto& path = args.positional.front();
    std::ifstream file;
    std::istream* in = &std::cin;
    if (path != "-") {
        file.open(path, std::ios::binary);
        if (!file) {
            err << "error: cannot read `" << path << "`\n";
            return kFailed;
        }
        in = &file;
    }
    Simulation simulation(input);
    simulate_stream(*in, simulation);
    const auto result = simulation.result();
    for (const auto& e : result["errors"]) {
        err << "line " << e["case"].get<std::size_t>() << ": skipped: " << e["message"].get<std::string>();
        const auto side = e["side"].get<std::string>();
        if (!side.empty() && input.b) err << " (under " << (side == "a" ? "--policy" : "--vs") << ")";
        for (const auto& d : e["details"]) err << "; " << cell(d["path"]) << ": " << cell(d["message"]);
        err << "\n";
    }
    if (format == "json") out << result.dump(2) << "\n";
    else print_simulation(out, result);
    return kOk;
}

}  // namespace jointly::server::cli
