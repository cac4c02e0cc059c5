// The request body of every worked case of the policy library (policies/*/cases/*.json), and
// each evaluated, for tests that run the API's readers and writers over all of them.
#pragma once

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "jointly/server/registry.hpp"
#include "jointly/server/service.hpp"

namespace jointly::testing {

// (the case's file, its request body), with `policy` added where a case leaves it to its
// folder's one policy.
inline std::vector<std::pair<std::filesystem::path, nlohmann::json>> worked_bodies(
    const std::filesystem::path& policies, const server::LoadResult& load) {
    namespace fs = std::filesystem;
    std::vector<std::pair<fs::path, nlohmann::json>> out;
    for (const auto& folder : fs::directory_iterator(policies)) {
        if (!fs::is_directory(folder.path() / "cases")) continue;
        for (const auto& file : fs::directory_iterator(folder.path() / "cases")) {
            if (file.path().extension() != ".json") continue;
            std::ifstream in(file.path());
            const nlohmann::json c = nlohmann::json::parse(in);
            if (!c.contains("request")) continue;
            nlohmann::json body = c.at("request");
            if (body.is_object() && !body.contains("policy")) {
                for (const auto& p : load.policies)
                    if (fs::path(p.file).parent_path().filename() == folder.path().filename())
                        body["policy"] = p.program->id();
            }
            out.emplace_back(file.path(), std::move(body));
        }
    }
    return out;
}

// Every worked case of the policy library evaluated (evaluate_body, with `options`) against
// the whole library: `each(file, body, result)`. Throws when the library does not load.
template <class Each>
void each_worked_result(const server::EvaluateOptions& options, Each&& each) {
    const std::filesystem::path policies = std::filesystem::path(JOINTLY_SOURCE_DIR) / "policies";
    const auto load = server::load_policies({policies});
    if (!load.ok) throw std::runtime_error("the policy library does not load");
    const server::Snapshot snapshot(load.policies, 1);
    for (const auto& [file, body] : worked_bodies(policies, load))
        each(file, body, server::evaluate_body(snapshot, body, options));
}

}  // namespace jointly::testing
