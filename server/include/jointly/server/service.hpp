// The decision service without HTTP: evaluate a request body against a snapshot, simulate a
// caseload, compare a decision with a worked case's expectations. Shared by the HTTP API and
// the CLI so that both give the same answers and the same errors.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jointly/engine/decision.hpp"
#include "jointly/engine/evaluate.hpp"
#include "jointly/server/codec.hpp"
#include "jointly/server/money_total.hpp"
#include "jointly/server/registry.hpp"

namespace jointly::server {

// A failure to answer, in the API's terms: an HTTP status, a stable code, a message and
// per-field details. The same JSON is printed by the CLI.
struct ServiceError {
    int status = 400;
    std::string code;     // "invalid_request", "not_found", ...
    std::string message;
    std::vector<engine::EvalError> details;

    nlohmann::json body() const;  // {"error": {...}}
};

struct Evaluated {
    std::shared_ptr<const engine::Program> program;
    engine::Decision decision;
    nlohmann::ordered_json response;  // encode_decision_ordered(decision)
};

// INVARIANT: exactly one of `evaluated` and `error` is present.
struct EvaluateResult {
    std::optional<Evaluated> evaluated;
    std::optional<ServiceError> error;
};

struct EvaluateOptions {
    DecodeLimits limits;
    bool explain_full = false;               // as if the body said "explain": "full"
    std::optional<engine::Date> as_of;       // overrides the body's as_of (CLI --as-of)
};

// Picks the policy version (`policy`, `version`, `as_of`; a snapshot with one policy id
// needs no `policy`), decodes and evaluates. 404 when no version applies, 400 for a bad
// request, 422 when the policy cannot answer (E3xxx). Never throws.
EvaluateResult evaluate_body(const Snapshot& snapshot, const nlohmann::json& body,
                             const EvaluateOptions& options);

// A caseload under policy A and optionally B.
struct SimulationInput {
    std::shared_ptr<const Snapshot> a;
    std::shared_ptr<const Snapshot> b;       // optional
    std::optional<std::string> policy;       // a policy id to use where a case names none
    std::optional<std::string> version_a;    // pin a version of A (else the case's as_of)
    std::optional<std::string> version_b;
    DecodeLimits limits;
    std::size_t max_changed_listed = 1000;
};

// Accumulates cases one at a time (so a caseload can be streamed). Not thread-safe.
//
// What a side's totals count: the cases the policy would fund, i.e. whose outcome is approve
// or refer (a referred case still allocates under the pre-agreed split, pending the panel).
// A declined case is counted apart, with what it would have cost (`declined`), so a change
// that turns declines into approvals shows as a difference. Outcomes are counted per side and
// per policy version. A changed case lists its decision's own totals, whatever the outcome.
class Simulation {
public:
    explicit Simulation(SimulationInput input);

    // One case evaluated under A (and B), not yet counted. A decision here holds what a
    // simulation counts: policy id and version, case_ref, outcome, total, by_agency and
    // by_financial_year (not the words, allocations or issues).
    struct Evaluated {
        std::size_t number = 0;
        std::string case_ref;
        std::optional<engine::Decision> a;
        std::optional<engine::Decision> b;
        nlohmann::ordered_json errors = nlohmann::ordered_json::array();
    };
    // Evaluates one case without touching the totals. Thread-safe (const; the snapshots
    // are immutable), so a caseload can be evaluated on several threads and then counted,
    // in input order, by `record`.
    Evaluated evaluate_case(const nlohmann::json& request, std::size_t number) const;
    // Counts an evaluated case. Not thread-safe; call in input order for deterministic output.
    void record(Evaluated evaluated);
    // `number` names the case in reports (a line number, or an index).
    void add(const nlohmann::json& request, std::size_t number) { record(evaluate_case(request, number)); }
    // A case that could not even be read (bad JSON line).
    void add_error(std::size_t number, const std::string& message);
    nlohmann::ordered_json result() const;
    std::size_t errors() const { return errors_.size(); }

private:
    // Sums of decisions' splits: per agency, per financial year and agency, overall. In 128
    // bits: no caseload, whatever its amounts, overflows them.
    struct Totals {
        std::size_t cases = 0;
        std::map<std::string, MoneyTotal> by_agency;
        std::map<std::string, std::map<std::string, MoneyTotal>> by_year;
        MoneyTotal total;
        void add(const engine::Decision& d);
    };
    struct Outcomes {
        std::size_t approve = 0;
        std::size_t refer = 0;
        std::size_t decline = 0;
    };
    struct Side {
        std::vector<std::string> agencies;  // in first-seen declaration order
        Totals funded;                      // approve and refer
        Totals declined;                    // decline: what the splits would have been
        Outcomes outcomes;
        std::vector<std::string> policies;  // "id version" seen, in first-seen order
        std::map<std::string, Outcomes> outcomes_by_policy;  // by "id version"
    };
    std::optional<engine::Decision> run(const Snapshot& snapshot, const std::optional<std::string>& version,
                                        const nlohmann::json& request, std::size_t number, const char* side,
                                        nlohmann::ordered_json& errors) const;
    static void accumulate(Side& side, const engine::Decision& d);

    SimulationInput input_;
    std::size_t cases_ = 0;
    std::size_t evaluated_ = 0;
    Side side_a_;
    Side side_b_;
    std::size_t outcomes_changed_ = 0;
    std::size_t splits_changed_ = 0;
    nlohmann::ordered_json changed_ = nlohmann::ordered_json::array();
    nlohmann::ordered_json errors_ = nlohmann::ordered_json::array();
};

// Feeds a caseload (one JSON request per line; blank lines skipped, a bad line reported by its
// line number) to `simulation`. Lines are parsed and evaluated on every core in batches, then
// counted in line order: the result is the same as adding them one by one.
void simulate_stream(std::istream& in, Simulation& simulation);

// Compares a decision (as JSON) with a worked case's `expected` object: outcome,
// referred_to, total, by_agency, by_financial_year, allocations, issues (kind, line) and,
// when present, `reasons` (substrings of the outcome reasons or explanation). Money is
// compared as exact decimals; an agency missing from a map means 0.00. Returns one line
// per difference (`allocations[1].shares.health: expected 1350.00, got 1349.99`).
std::vector<std::string> compare_expected(const nlohmann::json& expected, const nlohmann::json& actual);

// Compares a failure with a worked case's `expected.error`: either a code string (`"E4102"`)
// or an object with any of `status`, `code` and `path`. A code matches the error's own code
// (`invalid_request`) or any detail's code (`E4102`); `path` must be some detail's JSON
// pointer. `error` is the contract's error body ({"error": {"code", "message", "details"}}),
// `status` the HTTP status it was (or would be) sent with. Returns one line per difference.
std::vector<std::string> compare_expected_error(const nlohmann::json& expected, int status,
                                                const nlohmann::json& error);

}  // namespace jointly::server
