// Worked cases (shared/acceptance, policies/*/cases) run straight through the engine.
// A small test-only JSON reader keeps these tests independent of the server layer, whose
// own codec has its own tests; money and dates go through the engine's exact parsers.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jointly/engine/decision.hpp"
#include "jointly/engine/pool.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/engine/request.hpp"

namespace jointly::testing {

// Reads and compiles a policy file; on failure returns null and renders the diagnostics
// into `problems`.
std::shared_ptr<const engine::Program> compile_file(const std::filesystem::path& path,
                                                    std::string& problems);

// A `POST /v1/evaluate` body as an engine Request. Problems (a malformed case) are appended
// to `problems`.
engine::Request decode_request(const nlohmann::json& body, const engine::Schema& schema,
                               std::vector<std::string>& problems);

// Every difference between a decision and a case's `expected` object: outcome,
// referred_to, total, by_agency, by_financial_year, allocations (line, from, to, days,
// cost, rule, shares), issues (kind, line), and `reasons` (each a substring of some outcome
// reason). Money compares as exact decimals; an agency missing from a map means 0.00.
std::vector<std::string> compare_decision(const engine::Decision& decision,
                                          const nlohmann::json& expected);

// A pool case (`pool`, `contributions` as the year's actual ones, `spend`, `carry_forward`)
// as a PoolRequest, and its differences from `expected`.
engine::PoolRequest decode_pool_request(const nlohmann::json& c, std::vector<std::string>& problems);
std::vector<std::string> compare_reconciliation(const engine::PoolReconciliation& r,
                                                const nlohmann::json& expected);

nlohmann::json read_json(const std::filesystem::path& path);
std::string read_text(const std::filesystem::path& path);

}  // namespace jointly::testing
