// `jointly test`: every worked case beside the policies (policies/<name>/cases/*.json).
#include <algorithm>
#include <map>
#include <ostream>

#include "cli_common.hpp"
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

// Runs one case; returns its differences (empty: passed).
std::vector<std::string> run_case(const Snapshot& snapshot, const Folder& folder, const fs::path& file,
                                  std::string& name) {
    const auto text = read_text(file.string());
    if (!text) return {"cannot read the case"};
    auto parsed = parse_json(*text);
    if (!parsed.value) return {"the case is not JSON: " + parsed.error.message};
    const auto& c = *parsed.value;
    if (!c.is_object() || (!c.contains("request") && !c.contains("pool")) || !c.contains("expected"))
        return {"a case needs `request` (or `pool`) and `expected`"};
    if (c.contains("name") && c["name"].is_string()) name = c["name"].get<std::string>();
    if (c.is_object() && c.contains("pool") && c.contains("expected")) return run_pool_case(snapshot, folder, c);
    json request = c["request"];
    if (request.is_object() && !request.contains("policy") && folder.ids.size() == 1)
        request["policy"] = *folder.ids.begin();
    const auto& expected = c["expected"];
    const auto result = evaluate_body(snapshot, request, EvaluateOptions{});
    if (expected.is_object() && expected.contains("error")) {
        if (!result.error) return {"expected an error, got a decision (" + result.evaluated->response.value("outcome", "") + ")"};
        return compare_expected_error(expected["error"], result.error->status, result.error->body());
    }
    if (result.error) return {"evaluation failed: " + result.error->body().dump()};
    return compare_expected(expected, json(result.evaluated->response));
}

}  // namespace

int cmd_test(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    const auto args = parse_args(argv, {}, {});
    if (!args.error.empty() || args.positional.empty()) {
        err << "error: " << (args.error.empty() ? "usage: jointly test FILE|DIR..." : args.error) << "\n";
        return kUsage;
    }
    std::map<fs::path, Folder> folders;
    std::vector<fs::path> all;
    std::size_t failed = 0;
    std::size_t passed = 0;
    for (const auto& a : args.positional) {
        std::error_code ec;
        std::vector<fs::path> found;
        if (fs::is_directory(a, ec)) {
            for (const auto& entry : fs::recursive_directory_iterator(a, ec))
                if (entry.is_regular_file() && entry.path().extension() == ".jf") found.push_back(entry.path());
            if (found.empty()) {
                out << "FAIL " << a << ": no policy files (*.jf)\n";
                ++failed;
            }
        } else if (fs::is_regular_file(a, ec)) {
            found.push_back(a);
        } else {
            out << "FAIL " << a << ": no such file or directory\n";
            ++failed;
        }
        for (auto& f : found) {
            if (std::find(all.begin(), all.end(), f) != all.end()) continue;
            folders[f.parent_path()].policies.push_back(f);
            all.push_back(f);
        }
    }
    std::sort(all.begin(), all.end());
    auto load = load_policies(all);
    render_reports(load.files, err);
    for (const auto& e : load.io_errors) {
        out << "FAIL " << e << "\n";
        ++failed;
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
    for (const auto& [folder_path, folder] : folders) {
        if (folder.broken) {
            out << "FAIL " << folder_path.string() << ": a policy here does not compile (see above)\n";
            ++failed;
            continue;
        }
        std::vector<fs::path> cases;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(folder_path / "cases", ec))
            if (entry.is_regular_file() && entry.path().extension() == ".json") cases.push_back(entry.path());
        std::sort(cases.begin(), cases.end());
        if (cases.empty()) {
            out << "FAIL " << folder_path.string() << ": no worked cases (" << (folder_path / "cases").string()
                << "/*.json)\n";
            ++failed;
            continue;
        }
        for (const auto& c : cases) {
            std::string name = c.stem().string();
            const auto diffs = run_case(snapshot, folder, c, name);
            if (diffs.empty()) {
                out << "ok   " << c.string() << "\n";
                ++passed;
                continue;
            }
            ++failed;
            out << "FAIL " << c.string() << " (" << name << ")\n";
            for (const auto& d : diffs) out << "    - " << d << "\n";
        }
    }
    out << passed << " passed, " << failed << " failed\n";
    return failed == 0 && load.ok ? kOk : kFailed;
}

}  // namespace jointly::server::cli
