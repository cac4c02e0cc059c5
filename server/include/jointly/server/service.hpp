// The decision service without HTTP: evaluate a request body against a snapshot, simulate a
// caseload, compare a decision with a worked case's expectations. Shared by the HTTP API and
// the CLI so that both give the same answers and the same errors.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <boost/container/small_vector.hpp>
#include <nlohmann/json.hpp>

#include "jointly/engine/decision.hpp"
#include "jointly/engine/evaluate.hpp"
#include "jointly/server/case_decoder.hpp"
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
    engine::EvalLimits eval_limits;          // the HTTP routes bound the text by --max-response
    // Where to record what the evaluation exercised (`jointly test --coverage`), given the
    // policy version it picked; empty, or returning null: nothing is recorded.
    std::function<engine::Coverage*(const engine::Program&)> coverage;
};

// Picks the policy version (`policy`, `version`, `as_of`; a snapshot with one policy id
// needs no `policy`), decodes and evaluates. 404 when no version applies, 400 for a bad
// request, 422 when the policy cannot answer (E3xxx). Never throws.
EvaluateResult evaluate_body(const Snapshot& snapshot, const nlohmann::json& body,
                             const EvaluateOptions& options);
// The same from the body's text, read by CaseDecoder (simdjson On-Demand, straight into the
// request) when it accepts it: the answer is then evaluate_body's on the parsed body, field for
// field. Nullopt when the decoder does not accept the body or no version applies: the caller
// parses it and calls evaluate_body, which reports the problem. The caller checks the body's
// size and nesting (CaseDecoder accepts nothing nested deeper than 3 levels).
std::optional<EvaluateResult> evaluate_text(const Snapshot& snapshot, std::string_view body,
                                            const EvaluateOptions& options);

// What a caller that only reads the decision is given: the version's program and the decision.
using DecisionUse = std::function<void(const std::shared_ptr<const engine::Program>&, const engine::Decision&)>;

// evaluate_text for a caller that only reads the decision (POST /v1/evaluate writes its text
// and keeps nothing): the decision is evaluated into a result this thread keeps
// (engine::evaluate_into, which allocates almost nothing once warm) and shown to `use` in
// place, not moved out. `read` is false when evaluate_text would give nullopt (`use` is not
// called); otherwise `error` is evaluate_body's error, or none once `use` has had
// evaluate_body's decision.
struct InPlaceEvaluation {
    bool read = false;
    std::optional<ServiceError> error;
};
InPlaceEvaluation evaluate_text_in_place(const Snapshot& snapshot, std::string_view body,
                                         const EvaluateOptions& options, const DecisionUse& use);

// A batch body (`{"requests": [...]}` or a bare array, batch_requests) evaluated request by
// request as evaluate_text does: the decisions, in order, each evaluate_body's on that request.
// Nullopt when the envelope or any request is not for the fast path, or there are more than
// `max_requests`: the caller then parses the body and evaluates it as before, which reports
// the problem. `go_on(done, count)` is asked before each request; when it says no, the result
// holds the decisions made so far (fewer than `count`). The caller checks the body's size and
// nesting (the requests are two levels down, so 5 levels).
struct BatchDecisions {
    std::size_t count = 0;  // requests in the batch
    std::vector<Evaluated> decisions;
};
std::optional<BatchDecisions> evaluate_batch_text(const Snapshot& snapshot, std::string_view body,
                                                  const EvaluateOptions& options, std::size_t max_requests,
                                                  const std::function<bool(std::size_t, std::size_t)>& go_on);
// The same, each decision shown to `use` in place as evaluate_text_in_place does, in order;
// the number of requests in the batch, or nullopt as above (`use` may then have been called
// for the requests before the one that is not for the fast path).
std::optional<std::size_t> evaluate_batch_in_place(const Snapshot& snapshot, std::string_view body,
                                                   const EvaluateOptions& options, std::size_t max_requests,
                                                   const std::function<bool(std::size_t, std::size_t)>& go_on,
                                                   const DecisionUse& use);

// A caseload under policy A and optionally B.
struct SimulationInput {
    std::shared_ptr<const Snapshot> a;
    std::shared_ptr<const Snapshot> b;       // optional
    std::optional<std::string> policy;       // a policy id to use where a case names none
    std::optional<std::string> version_a;    // pin a version of A (else the case's as_of)
    std::optional<std::string> version_b;
    DecodeLimits limits;
    std::size_t max_changed_listed = 1000;
    std::size_t max_outside_listed = 100;    // case_refs listed per side under outside_effective_dates
};

// How far a simulation has got, for a progress line: cases read (`cases`), counted in the
// totals (`evaluated`) and skipped as errors (`skipped`). cases = evaluated + skipped.
struct SimulationProgress {
    std::size_t cases = 0;
    std::size_t evaluated = 0;
    std::size_t skipped = 0;
};

// "simulated 20000 cases: 19990 evaluated, 10 skipped" (no line end), for a terminal.
std::string progress_line(const SimulationProgress& progress);

// Accumulates cases one at a time (so a caseload can be streamed). Not thread-safe.
// docs/adr/0011-honest-simulation.md says what each figure means; in short, per side:
//  - `total`, `by_agency`, `by_financial_year`: what the rules allocate to agencies in the
//    cases whose outcome is approve or refer, split again into `approved` and `referred`
//    (a referred case's allocation is pending the panel, not money paid);
//  - `not_allocated`: the money of those same cases that no agency is allocated, by issue kind
//    (uncovered, conflict, cap_excess to the panel, refused, referred lines); `cost` is
//    `total` + `not_allocated.total`, every penny of their lines;
//  - `declined`: the declined cases, apart, with the same figures;
//  - `by_reason`: per structured outcome reason (kind, rule, ref), the cases that give it and
//    their allocated and unallocated money;
//  - `outside_effective_dates`: cases whose `as_of` lies outside the effective dates of the
//    version that decided them (a pinned or only version), evaluated and counted all the same.
// Comparing, it also counts outcome changes by `from` -> `to` and lists the first
// `max_changed_listed` changed cases (`changed_omitted` counts the rest).
class Simulation {
public:
    explicit Simulation(SimulationInput input);

    // What a simulation keeps of one decision: no words, allocations or issue texts. Held
    // inline (no heap memory for up to four agencies, financial years and reasons), since
    // one is made per case and side.
    struct Figures {
        // The version that decided (the simulation's snapshots keep it alive): its name,
        // "id version", is made when the case is counted, not per case.
        const engine::Program* program = nullptr;
        engine::Outcome outcome = engine::Outcome::Approve;
        engine::Money total;
        engine::AgencyAmounts by_agency;
        // ("2025-26", non-zero agencies), in the decision's (ascending) order.
        boost::container::small_vector<std::pair<std::string, engine::AgencyAmounts>, 4> by_financial_year;
        // Indexed by engine::IssueKind: the cost of the segments no agency is allocated.
        std::array<MoneyTotal, 5> not_allocated{};
        MoneyTotal not_allocated_total;
        // The decision's structured reasons without their text, each (kind, rule, ref) once.
        boost::container::small_vector<engine::Reason, 2> reasons;
        bool outside_effective_dates = false;
    };
    // One case evaluated under A (and B), not yet counted.
    struct Evaluated {
        std::size_t number = 0;
        std::string case_ref;
        std::optional<Figures> a;
        std::optional<Figures> b;
        // Null (no errors: nothing allocated per case) or an array of errors.
        nlohmann::ordered_json errors;
        // True when the totals count it: A evaluated and, when comparing, B too.
        bool counted(bool comparing) const { return a.has_value() && (!comparing || b.has_value()); }
    };

private:
    // Sums of decisions' splits: per agency, per financial year and agency, overall. In 128
    // bits: no caseload, whatever its amounts, overflows them.
    struct Totals {
        std::size_t cases = 0;
        std::map<std::string, MoneyTotal> by_agency;
        std::map<std::string, std::map<std::string, MoneyTotal>> by_year;
        MoneyTotal total;
        std::array<MoneyTotal, 5> not_allocated{};  // by engine::IssueKind
        MoneyTotal not_allocated_total;
        void add(const Figures& f);
        void add(const Totals& other);
    };
    struct Outcomes {
        std::size_t approve = 0;
        std::size_t refer = 0;
        std::size_t decline = 0;
        void add(const Outcomes& other);
    };
    struct ReasonTotals {
        std::size_t cases = 0;
        MoneyTotal total;
        MoneyTotal not_allocated;
    };
    // (kind, rule, ref)
    using ReasonKey = std::tuple<engine::ReasonKind, std::string, std::string>;
    struct Side {
        std::vector<std::string> agencies;  // in first-seen declaration order
        Totals funded;                      // approve and refer
        Totals approved;
        Totals referred;
        Totals declined;                    // decline: what the splits would have been
        Outcomes outcomes;
        std::vector<std::string> policies;  // "id version" seen, in first-seen order
        std::map<std::string, Outcomes> outcomes_by_policy;  // by "id version"
        std::map<ReasonKey, ReasonTotals> by_reason;
        std::size_t outside = 0;
        std::vector<std::string> outside_refs;  // the first max_outside_listed case_refs
    };

public:
    // What counting adds up: the whole caseload's, or a run of consecutive cases counted
    // apart (a chunk of a caseload, on a worker) and then added to the whole, in input order,
    // by `absorb`. Adding the parts in order gives the same figures and lists as counting
    // every case into the whole.
    struct Tally {
        std::size_t cases = 0;
        std::size_t evaluated = 0;
        Side a;
        Side b;
        std::size_t outcomes_changed = 0;
        std::size_t splits_changed = 0;
        std::size_t changed_omitted = 0;
        std::array<std::array<std::size_t, 3>, 3> outcome_changes{};  // [from][to], by engine::Outcome
        nlohmann::ordered_json changed = nlohmann::ordered_json::array();
        nlohmann::ordered_json errors = nlohmann::ordered_json::array();
        std::map<const engine::Program*, std::string> policy_names;  // "id version", made once
    };

    // Evaluates one case without touching the totals. Thread-safe (const; the snapshots
    // are immutable), so a caseload can be evaluated on several threads and then counted,
    // in input order, by `record`.
    Evaluated evaluate_case(const nlohmann::json& request, std::size_t number) const;
    // The same for a caseload line (without its line end; CaseDecoder::kPadding readable
    // bytes after it): decoded by `decoder`'s fast path, else by parse_json and
    // evaluate_case, so the result is always evaluate_case's. When A and B declare the
    // same facts and events, the case is decoded once for both. Thread-safe like
    // evaluate_case, with one decoder per thread.
    Evaluated evaluate_line(std::string_view line, std::size_t number, CaseDecoder& decoder) const;
    // Counts an evaluated case, then calls the case sink and, every `every` cases, the
    // progress callback. Not thread-safe; call in input order for deterministic output.
    void record(Evaluated evaluated);
    // Counts an evaluated case into `part` only (no sink, no progress). Thread-safe for
    // distinct parts: a worker counts its chunk into its own.
    void count(Tally& part, const Evaluated& evaluated) const;
    // Adds `part`, counted after everything before it, to the totals. `cases` are its cases
    // in order (each also counted into `part`), for the case sink and the progress callback,
    // which are called for each before the part is added (so a sink must not read the
    // totals); they may be empty when neither is set (see `wants_cases`).
    void absorb(Tally&& part, const std::vector<Evaluated>& cases);
    // True when a case sink or a progress callback needs every case passed to `absorb`.
    bool wants_cases() const { return on_case_ || on_progress_; }
    // `number` names the case in reports (a line number, or an index).
    void add(const nlohmann::json& request, std::size_t number) { record(evaluate_case(request, number)); }
    // A case that could not even be read (bad JSON line); counted and passed on like record.
    void add_error(std::size_t number, const std::string& message);
    nlohmann::ordered_json result() const;
    std::size_t errors() const { return tally_.errors.size(); }
    bool comparing() const { return input_.b != nullptr; }

    // Called after each case is counted, in input order, on the thread that counts (e.g. to
    // write a CSV row). An exception from it propagates out of record/add_error/absorb.
    void on_case(std::function<void(const Evaluated&)> sink) { on_case_ = std::move(sink); }
    // Called each time the number of cases counted reaches a multiple of `every` (> 0), on the
    // thread that counts; a caseload of fewer than `every` cases never calls it.
    void on_progress(std::size_t every, std::function<void(const SimulationProgress&)> callback) {
        progress_every_ = every == 0 ? 1 : every;
        on_progress_ = std::move(callback);
    }

private:
    // The program that decides a case on one side, or why there is none.
    Selection choose(const Snapshot& snapshot, const std::optional<std::string>& version,
                     const CaseDecoder::Header& header) const;
    // What the totals keep of a decoded case, evaluated into `result`; nullopt when the
    // policy cannot evaluate it (the errors are in `result`).
    static std::optional<Figures> figures(const engine::Program& program, const engine::Request& request,
                                          engine::EvalResult& result);
    std::optional<Evaluated> evaluate_fast(std::string_view line, std::size_t number, CaseDecoder& decoder) const;
    std::optional<Figures> run(const Snapshot& snapshot, const std::optional<std::string>& version,
                               const nlohmann::json& request, std::size_t number, const char* side,
                               nlohmann::ordered_json& errors) const;
    void accumulate(Tally& part, Side& side, const Figures& f, const std::string& case_ref) const;
    void merge(Side& into, Side&& from) const;
    nlohmann::ordered_json side_json(const Side& side, const std::vector<std::string>& order) const;
    // The case sink and, at a multiple of progress_every_, the progress callback, for a case
    // counted as the `cases`-th of which `evaluated` were counted in the totals.
    void counted(const Evaluated& e, std::size_t cases, std::size_t evaluated);

    SimulationInput input_;
    Tally tally_;
    std::function<void(const Evaluated&)> on_case_;
    std::function<void(const SimulationProgress&)> on_progress_;
    std::size_t progress_every_ = 0;
};

// The per-case CSV of a simulation (docs/csv.md): RFC 4180, CRLF, the formula guard of the
// other exports. Columns: case, case_ref, outcome_a, total_a, not_allocated_a, and with a B
// side outcome_b, total_b, not_allocated_b placed beside their A column (outcome_a,
// outcome_b, total_a, total_b, not_allocated_a, not_allocated_b), then `AGENCY_a` (and
// `AGENCY_b`) for each agency of the union of the agencies declared by the versions the sides
// may use (A's then B's new ones, in declaration order; only policy `input.policy` when set).
// A case the totals skip (an error on any side) has `error` as its outcomes and empty amounts;
// an agency its policy does not declare is empty. So the rows of a caseload, summed by
// outcome, give the JSON result's figures exactly. Not thread-safe; cheap to copy.
class SimulationCsv {
public:
    explicit SimulationCsv(const SimulationInput& input);
    std::string header() const;                                // with its CRLF
    std::string row(const Simulation::Evaluated& evaluated) const;  // with its CRLF
    const std::vector<std::string>& agencies() const { return agencies_; }

private:
    bool comparing_ = false;
    std::vector<std::string> agencies_;
};

// Feeds a caseload (one JSON request per line; blank lines skipped, a bad line reported by its
// line number) to `simulation`. The input is read in chunks of whole lines, so memory stays
// bounded whatever its size; the chunks are decoded and evaluated on every core, then counted
// in line order: the result is the same as adding the lines one by one, whatever the chunk
// size and the number of threads.
struct StreamOptions {
    std::size_t chunk_bytes = 256 * 1024;  // a chunk ends at the first line end past this
    std::size_t threads = 0;               // workers; 0: one per core
};
void simulate_stream(std::istream& in, Simulation& simulation, const StreamOptions& options = {});
// The same for a caseload file. A regular file is mapped into memory and its chunks read in
// place (no copy; the pages of the chunks counted are given back as it goes, so memory stays
// bounded); anything else (a pipe, a device) is read as a stream. False when it cannot be
// opened. A regular file must not shrink while it is read (the mapping would fault).
bool simulate_file(const std::string& path, Simulation& simulation, const StreamOptions& options = {});

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
