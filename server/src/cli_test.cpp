// `jointly test`: every worked case beside the policies (policies/<name>/cases/*.json).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <ostream>
#include <regex>

#include "cli_common.hpp"
#include "cli_coverage.hpp"
#include "jointly/engine/pool.hpp"
#include "jointly/server/service.hpp"

namespace jointly::server::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Folder {
    std::vector<fs::path> policies;
    std::set<std::string> ids;   // policy ids loaded from this folder
    bool broken = false;         // a policy here does not compile
};

// A pooled-budget case: {pool, contributions?, spend, carry_forward?, expected}.
std::vector<std::string> run_pool_case(const Snapshot& snapshot, const Folder& folder, const json& c) {
    if (!c["pool"].is_string()) return {"`pool` must name a pool"};
    const auto pool = c["pool"].get<std::string>();
    std::shared_ptr<const engine::Program> program;
    for (const auto& p : snapshot.policies()) {
        if (!folder.ids.count(p.program->id())) continue;
        const auto& pools = p.program->pools();
        if (std::find(pools.begin(), pools.end(), pool) != pools.end()) program = p.program;
    }
    if (!program) return {"no policy in this folder declares pool `" + pool + "`"};
    engine::PoolRequest request;
    std::string message;
    auto spend = json_money(c.value("spend", json()), &message);
    if (!spend) return {"spend: " + message};
    request.spend = *spend;
    // Not c.value(): GCC 12 -O2 sees a null dereference inside it (-Wnull-dereference).
    if (auto it = c.find("carry_forward"); it != c.end()) {
        if (!it->is_boolean()) return {"`carry_forward` must be true or false"};
        request.carry_forward = *it == true;
    }
    if (c.contains("contributions") && c["contributions"].is_object()) {
        for (const auto& [agency, amount] : c["contributions"].items()) {
            auto m = json_money(amount, &message);
            if (!m) return {"contributions/" + agency + ": " + message};
            request.actual_contributions.emplace_back(agency, *m);
        }
    }
    const auto result = engine::reconcile(*program, pool, request);
    const auto& expected = c["expected"];
    if (expected.contains("error")) {
        if (result.reconciliation) return {"expected an error, got a reconciliation"};
        // The status POST /v1/pools/{id}/reconcile answers.
        const ErrorStatus answer = error_status(result.errors);
        const auto why = result.errors.empty() ? std::string("the pool cannot be reconciled") : result.errors.front().message;
        return compare_expected_error(expected["error"], answer.status, encode_errors(answer.code, why, result.errors));
    }
    if (!result.reconciliation)
        return {"reconciliation failed: " + (result.errors.empty() ? std::string("no reason") : result.errors.front().message)};
    return compare_expected(expected, encode_reconciliation(*result.reconciliation));
}

// A case file read: its name (`name`, else the file's stem) and its JSON (or why not).
struct CaseFile {
    std::string name;
    std::optional<json> value;
    std::string problem;
};

CaseFile read_case(const fs::path& file) {
    CaseFile c;
    c.name = file.stem().string();
    const auto text = read_text(file.string());
    if (!text) {
        c.problem = "cannot read the case";
        return c;
    }
    auto parsed = parse_json(*text);
    if (!parsed.value) {
        c.problem = "the case is not JSON: " + parsed.error.message;
        return c;
    }
    c.value = std::move(*parsed.value);
    if (c.value->is_object() && c.value->contains("name") && (*c.value)["name"].is_string())
        c.name = (*c.value)["name"].get<std::string>();
    return c;
}

// The keys `where` (an object) has that are not in `known`, each as a problem naming it.
std::vector<std::string> unknown_keys(const json& where, const std::string& path,
                                      std::initializer_list<const char*> known) {
    std::vector<std::string> out;
    if (!where.is_object()) return out;
    for (const auto& item : where.items()) {
        const std::string& key = item.key();
        if (std::find_if(known.begin(), known.end(), [&key](const char* k) { return key == k; }) != known.end()) continue;
        std::string list;
        for (const char* k : known) list += (list.empty() ? "`" : ", `") + std::string(k) + "`";
        out.push_back("unknown key `" + key + "` in " + path + " (known: " + list + ")");
    }
    return out;
}

// A case's keys, and those of an expected error and its details: a misspelt key is an error,
// not a check silently skipped.
std::vector<std::string> case_key_problems(const json& c) {
    auto out = unknown_keys(c, "the case",
                            {"name", "description", "request", "expected", "pool", "contributions", "spend",
                             "carry_forward"});
    if (c.contains("expected") && c["expected"].is_object() && c["expected"].contains("error")) {
        const json& error = c["expected"]["error"];
        for (auto& p : unknown_keys(error, "`expected.error`", {"status", "code", "path", "details"}))
            out.push_back(std::move(p));
        if (error.is_object() && error.contains("details") && error["details"].is_array()) {
            for (std::size_t i = 0; i < error["details"].size(); ++i) {
                for (auto& p : unknown_keys(error["details"][i], "`expected.error.details[" + std::to_string(i) + "]`",
                                            {"path", "code"}))
                    out.push_back(std::move(p));
            }
        }
    }
    return out;
}

// Runs one case; returns its differences (empty: passed).
std::vector<std::string> run_case(const Snapshot& snapshot, const Folder& folder, const CaseFile& file,
                                  const EvaluateOptions& options) {
    if (!file.value) return {file.problem};
    const auto& c = *file.value;
    if (!c.is_object() || (!c.contains("request") && !c.contains("pool")) || !c.contains("expected"))
        return {"a case needs `request` (or `pool`) and `expected`"};
    if (auto problems = case_key_problems(c); !problems.empty()) return problems;
    if (c.contains("pool")) return run_pool_case(snapshot, folder, c);
    json request = c["request"];
    if (request.is_object() && !request.contains("policy") && folder.ids.size() == 1)
        request["policy"] = *folder.ids.begin();
    const auto& expected = c["expected"];
    const auto result = evaluate_body(snapshot, request, options);
    if (expected.is_object() && expected.contains("error")) {
        if (!result.error) return {std::string("expected an error, got a decision (") + engine::to_string(result.evaluated->decision.outcome) + ")"};
        return compare_expected_error(expected["error"], result.error->status, result.error->body());
    }
    if (result.error) return {"evaluation failed: " + result.error->body().dump()};
    return compare_expected(expected, json(encode_decision_ordered(result.evaluated->decision)));
}

struct TestOptions {
    std::vector<std::string> paths;
    std::optional<std::string> run;
    std::string format;
    bool coverage = false;
    std::optional<int> threshold;
};

// What `jointly test` found, printed as text as it goes or as one JSON report at the end.
class Report {
public:
    Report(std::ostream& out, bool as_json) : out_(out), json_(as_json) {}
    // A problem that is not one case: a path, a folder, a policy that does not compile.
    void problem(const std::string& path, const std::string& message) {
        ++failed_;
        if (json_) problems_.push_back({{"path", path}, {"message", message}});
        else out_ << "FAIL " << (path.empty() ? "" : path + ": ") << message << "\n";
    }
    void result(const fs::path& file, const std::string& name, const std::vector<std::string>& diffs) {
        (diffs.empty() ? passed_ : failed_) += 1;
        if (json_) {
            cases_.push_back(
                {{"file", file.string()}, {"name", name}, {"passed", diffs.empty()}, {"differences", diffs}});
        } else if (diffs.empty()) {
            out_ << "ok   " << file.string() << "\n";
        } else {
            out_ << "FAIL " << file.string() << " (" << name << ")\n";
            for (const auto& d : diffs) out_ << "    - " << d << "\n";
        }
    }
    std::size_t failed() const { return failed_; }
    // With --coverage: the policies' coverage, and the threshold it was held to (if any).
    void finish(const std::vector<PolicyCoverage>* coverage = nullptr, std::optional<int> threshold = {}) {
        if (!json_) {
            out_ << passed_ << " passed, " << failed_ << " failed\n";
            if (coverage == nullptr) return;
            print_coverage(out_, *coverage);
            const Tally t = gated_tally(*coverage);
            if (threshold && !t.at_least(*threshold)) {
                out_ << "FAIL coverage of rules, exceptions, window edges and outcome rules " << percent(t)
                     << " is below --threshold " << *threshold << "%\n";
            }
            return;
        }
        nlohmann::ordered_json report = {
            {"passed", passed_}, {"failed", failed_}, {"cases", cases_}, {"problems", problems_}};
        if (coverage != nullptr) {
            report["coverage"] = coverage_json(*coverage);
            report["coverage"]["threshold"] = threshold ? nlohmann::ordered_json(*threshold) : nlohmann::ordered_json();
            report["coverage"]["below_threshold"] = threshold.has_value() && !gated_tally(*coverage).at_least(*threshold);
        }
        out_ << report.dump(2) << "\n";
    }

private:
    std::ostream& out_;
    bool json_;
    std::size_t passed_ = 0;
    std::size_t failed_ = 0;
    nlohmann::ordered_json cases_ = nlohmann::ordered_json::array();
    nlohmann::ordered_json problems_ = nlohmann::ordered_json::array();
};

int run_test(const TestOptions& o, Streams io) {
    if (count_stdin(o.paths) != 0) {
        io.err << "error: `jointly test` reads the cases beside each policy file; `-` has none\n";
        return kUsage;
    }
    std::optional<std::regex> pattern;
    if (o.run) {
        try {
            pattern.emplace(*o.run, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
            io.err << "error: `--run " << *o.run << "` is not a regular expression: " << e.what() << "\n";
            return kUsage;
        }
    }
    Report report(io.out, o.format == "json");
    std::map<fs::path, Folder> folders;
    std::vector<fs::path> all;
    bool io_failed = false;
    for (const auto& a : o.paths) {
        std::error_code ec;
        std::vector<fs::path> found;
        if (fs::is_directory(a, ec)) {
            for (const auto& entry : fs::recursive_directory_iterator(a, ec))
                if (entry.is_regular_file() && entry.path().extension() == ".jf") found.push_back(entry.path());
            if (found.empty()) report.problem(a, "no policy files (*.jf)");
        } else if (fs::is_regular_file(a, ec)) {
            found.push_back(a);
        } else {
            report.problem(a, "no such file or directory");
            io_failed = true;
        }
        for (auto& f : found) {
            if (std::find(all.begin(), all.end(), f) != all.end()) continue;
            folders[f.parent_path()].policies.push_back(f);
            all.push_back(f);
        }
    }
    std::sort(all.begin(), all.end());
    auto load = load_policies(all);
    render_reports(load.files, io.err);
    for (const auto& e : load.io_errors) {
        report.problem("", e);
        io_failed = true;
    }
    for (const auto& f : load.files) {
        if (!dsl::has_errors(f.diagnostics)) continue;
        auto it = folders.find(fs::path(f.file).parent_path());
        if (it != folders.end()) it->second.broken = true;
    }
    for (const auto& p : load.policies) {
        auto it = folders.find(fs::path(p.file).parent_path());
        if (it != folders.end()) it->second.ids.insert(p.program->id());
    }
    const Snapshot snapshot(load.policies, 1);
    // One coverage per policy version, filled by every case that version decides.
    std::map<const engine::Program*, engine::Coverage> marks;
    EvaluateOptions options;
    if (o.coverage) options.coverage = [&marks](const engine::Program& p) { return &marks[&p]; };
    std::size_t matched = 0;
    for (const auto& [folder_path, folder] : folders) {
        if (folder.broken) {
            report.problem(folder_path.string(), "a policy here does not compile (see above)");
            continue;
        }
        std::vector<fs::path> cases;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(folder_path / "cases", ec))
            if (entry.is_regular_file() && entry.path().extension() == ".json") cases.push_back(entry.path());
        std::sort(cases.begin(), cases.end());
        if (cases.empty()) {
            report.problem(folder_path.string(), "no worked cases (" + (folder_path / "cases").string() + "/*.json)");
            continue;
        }
        for (const auto& c : cases) {
            const auto file = read_case(c);
            if (pattern && !std::regex_search(file.name, *pattern) && !std::regex_search(c.string(), *pattern))
                continue;
            ++matched;
            report.result(c, file.name, run_case(snapshot, folder, file, options));
        }
    }
    if (pattern && matched == 0) report.problem("--run " + *o.run, "no worked case matches");
    if (!o.coverage) {
        report.finish();
        if (io_failed) return kUsage;
        return report.failed() == 0 && load.ok ? kOk : kFailed;
    }
    std::vector<PolicyCoverage> coverage;
    for (const auto& p : load.policies) {
        // No case ran in a folder whose policies do not compile: 0/N would measure nothing.
        const auto folder = folders.find(fs::path(p.file).parent_path());
        if (folder != folders.end() && folder->second.broken) continue;
        auto it = marks.find(p.program.get());
        coverage.push_back(PolicyCoverage{
            p.file, p.program, engine::coverage_items(*p.program, it == marks.end() ? engine::Coverage{} : it->second)});
    }
    std::sort(coverage.begin(), coverage.end(),
              [](const PolicyCoverage& a, const PolicyCoverage& b) { return a.file < b.file; });
    report.finish(&coverage, o.threshold);
    if (io_failed) return kUsage;
    const bool below = o.threshold && !gated_tally(coverage).at_least(*o.threshold);
    return report.failed() == 0 && load.ok && !below ? kOk : kFailed;
}

}  // namespace

Command define_test(CLI::App& root, Streams io) {
    auto options = std::make_shared<TestOptions>();
    auto* app = root.add_subcommand("test", "run the worked cases beside the policies (cases/*.json)");
    app->add_option("paths", options->paths, "policy files or folders (every *.jf beneath)")
        ->required()
        ->option_text("FILE|DIR...");
    app->add_option("-r,--run", options->run,
                    "run only the cases whose name or file path PATTERN matches (an ECMAScript regular\n"
                    "expression, searched anywhere in the text: `post_op`, `^cap-`)")
        ->option_text("PATTERN");
    auto* coverage = app->add_flag("--coverage", options->coverage,
                                   "after the cases, list per policy what they exercised and what none did\n"
                                   "(rules, exceptions, window edges, caps, table rows, eligibility, outcome\n"
                                   "rules), each item not covered with its FILE:LINE, and the percentages");
    app->add_option("--threshold", options->threshold,
                    "with --coverage: fail (exit 1) when under N% of the rules, exceptions, window\n"
                    "edges and outcome rules of all the policies tested are covered")
        ->check(CLI::Range(0, 100))
        ->needs(coverage)
        ->option_text("N");
    add_format_option(*app, options->format, {"text", "json"});
    app->footer(footer("Text ends with `N passed, M failed`. A policy folder without cases, a policy\n"
                       "that does not compile and a --run PATTERN matching no case count as failures.\n"
                       "--format json: {\"passed\", \"failed\", \"cases\": [{\"file\", \"name\", \"passed\",\n"
                       "\"differences\"}], \"problems\": [{\"path\", \"message\"}]}, with --coverage a \"coverage\"\n"
                       "object (docs/cli.md). A case with a key jointly does not know fails."));
    return {app, [options, io] { return run_test(*options, io); }};
}

}  // namespace jointly::server::cli
