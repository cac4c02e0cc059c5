// Simulation: evaluating a caseload's cases under policy A (and B) and counting them in input
// order. The result's JSON: simulate_result.cpp; reading a caseload on every core:
// simulate_stream.cpp.
#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "jointly/engine/evaluate.hpp"
#include "jointly/server/service.hpp"

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;

// What chooses a case's program, read from its JSON (an object) as CaseDecoder reads it.
CaseDecoder::Header header_of(const nlohmann::json& request) {
    CaseDecoder::Header header;
    auto text = [&request](const char* field) -> std::optional<std::string> {
        if (auto it = request.find(field); it != request.end() && it->is_string()) return it->get<std::string>();
        return std::nullopt;
    };
    header.policy = text("policy");
    header.as_of = text("as_of");
    header.case_ref = text("case_ref").value_or("");
    return header;
}

std::string case_ref_of(const nlohmann::json& request) {
    return request.is_object() ? header_of(request).case_ref : std::string();
}

// One result per thread, reused: a decision's memory is not allocated and freed per case.
engine::EvalResult& thread_result() {
    thread_local engine::EvalResult result;
    return result;
}

// A line that is not JSON: reported like a case that cannot be evaluated, on neither side.
Simulation::Evaluated unreadable(std::size_t number, const std::string& message) {
    Simulation::Evaluated e;
    e.number = number;
    e.errors.push_back({{"case", number}, {"side", ""}, {"message", message}, {"details", ojson::array()}});
    return e;
}

ojson agency_map(const engine::AgencyAmounts& list) {
    ojson out = ojson::object();
    for (const auto& [agency, money] : list) out[agency] = money.to_string();
    return out;
}

// Non-zero amounts per agency, for comparing splits.
std::map<std::string, engine::Money> nonzero(const engine::AgencyAmounts& list) {
    std::map<std::string, engine::Money> out;
    for (const auto& [agency, money] : list)
        if (money != engine::Money{}) out[agency] += money;
    return out;
}

}  // namespace

Simulation::Simulation(SimulationInput input) : input_(std::move(input)) {}

std::string progress_line(const SimulationProgress& progress) {
    return "simulated " + std::to_string(progress.cases) + " cases: " + std::to_string(progress.evaluated) +
           " evaluated, " + std::to_string(progress.skipped) + " skipped";
}

Selection Simulation::choose(const Snapshot& snapshot, const std::optional<std::string>& version,
                             const CaseDecoder::Header& header) const {
    std::string id;
    if (header.policy) id = *header.policy;
    else if (input_.policy) id = *input_.policy;
    else if (snapshot.ids().size() == 1) id = snapshot.ids().front();
    else {
        Selection none;
        none.status = Selection::Status::UnknownPolicy;
        none.message = "the case names no `policy` and several are loaded";
        return none;
    }
    // A pinned or only version decides every case whatever its as_of (flagged in figures
    // when outside its effective dates); among several, the case's as_of picks the one in effect.
    if (version) return snapshot.select(id, version, std::nullopt, false);
    const auto versions = snapshot.versions(id);
    if (versions.size() == 1) {
        Selection only;
        only.program = versions.front()->program;
        return only;
    }
    std::optional<engine::Date> as_of;
    if (header.as_of) as_of = engine::parse_date(*header.as_of);
    return snapshot.select(id, std::nullopt, as_of, false);
}

std::optional<Simulation::Figures> Simulation::figures(const engine::Program& program, const engine::Request& request,
                                                       engine::EvalResult& result) {
    engine::evaluate_into(program, request, result);
    if (!result.decision) return std::nullopt;
    const engine::Decision& d = *result.decision;
    Figures f;
    f.program = &program;
    f.outcome = d.outcome;
    f.total = d.total;
    f.by_agency = d.by_agency;
    f.by_financial_year = d.by_financial_year;
    // INVARIANT: every segment's cost is either split among agencies (in `total`) or is the
    // cost of one issue (a cap's excess to the panel: the part over the cap), so
    // total + not_allocated_total is the cost of the case's lines.
    for (const auto& issue : d.issues) {
        f.not_allocated[static_cast<std::size_t>(issue.kind)] += issue.cost;
        f.not_allocated_total += issue.cost;
    }
    for (const auto& reason : d.reasons) {
        const bool seen = std::any_of(f.reasons.begin(), f.reasons.end(), [&](const engine::Reason& r) {
            return r.kind == reason.kind && r.rule == reason.rule && r.ref == reason.ref;
        });
        if (!seen) f.reasons.push_back(engine::Reason{reason.kind, reason.rule, reason.ref, {}});
    }
    f.outside_effective_dates = request.as_of && !program.in_effect(*request.as_of);
    return f;
}

std::optional<Simulation::Figures> Simulation::run(const Snapshot& snapshot, const std::optional<std::string>& version,
                                                   const nlohmann::json& request, std::size_t number, const char* side,
                                                   ojson& errors) const {
    auto report = [&](const std::string& message, const std::vector<engine::EvalError>& details = {}) {
        ojson item = ojson::object();
        item["case"] = number;
        item["side"] = side;
        item["message"] = message;
        ojson list = ojson::array();
        for (const auto& d : details) list.push_back({{"path", d.path}, {"code", dsl::code_text(d.code)}, {"message", d.message}});
        item["details"] = std::move(list);
        errors.push_back(std::move(item));
    };
    if (!request.is_object()) {
        report("a case must be a JSON object");
        return std::nullopt;
    }
    const auto selection = choose(snapshot, version, header_of(request));
    if (!selection.program) {
        report(selection.message);
        return std::nullopt;
    }
    auto decoded = decode_request(request, selection.program->schema(), input_.limits);
    if (!decoded.request) {
        report("the case is not a valid request", decoded.errors);
        return std::nullopt;
    }
    decoded.request->explain_full = false;
    auto& result = thread_result();
    auto f = figures(*selection.program, *decoded.request, result);
    if (!f) report("the policy cannot evaluate the case", result.errors);
    return f;
}

const std::string& Simulation::policy_name(const engine::Program* program) {
    auto it = policy_names_.find(program);
    if (it == policy_names_.end()) it = policy_names_.emplace(program, program->id() + " " + program->version()).first;
    return it->second;
}

void Simulation::Totals::add(const Figures& f) {
    ++cases;
    for (const auto& [agency, money] : f.by_agency) by_agency[agency] += money;
    for (const auto& [year, list] : f.by_financial_year)
        for (const auto& [agency, money] : list) by_year[year][agency] += money;
    total += f.total;
    for (std::size_t k = 0; k < not_allocated.size(); ++k) not_allocated[k] += f.not_allocated[k];
    not_allocated_total += f.not_allocated_total;
}

void Simulation::accumulate(Side& side, const Figures& f, const std::string& case_ref) {
    const std::string& policy = policy_name(f.program);
    if (std::find(side.policies.begin(), side.policies.end(), policy) == side.policies.end())
        side.policies.push_back(policy);
    for (const auto& [agency, money] : f.by_agency)
        if (std::find(side.agencies.begin(), side.agencies.end(), agency) == side.agencies.end())
            side.agencies.push_back(agency);
    auto& by_policy = side.outcomes_by_policy[policy];
    switch (f.outcome) {
        case engine::Outcome::Approve:
            ++side.outcomes.approve;
            ++by_policy.approve;
            side.funded.add(f);
            side.approved.add(f);
            break;
        case engine::Outcome::Refer:
            ++side.outcomes.refer;
            ++by_policy.refer;
            side.funded.add(f);
            side.referred.add(f);
            break;
        case engine::Outcome::Decline:
            ++side.outcomes.decline;
            ++by_policy.decline;
            side.declined.add(f);
            break;
    }
    for (const auto& reason : f.reasons) {
        auto& r = side.by_reason[ReasonKey{reason.kind, reason.rule, reason.ref}];
        ++r.cases;
        r.total += f.total;
        r.not_allocated += f.not_allocated_total;
    }
    if (f.outside_effective_dates) {
        ++side.outside;
        if (side.outside_refs.size() < input_.max_outside_listed) side.outside_refs.push_back(case_ref);
    }
}

Simulation::Evaluated Simulation::evaluate_case(const nlohmann::json& request, std::size_t number) const {
    Evaluated e;
    e.number = number;
    e.case_ref = case_ref_of(request);
    try {
        e.a = run(*input_.a, input_.version_a, request, number, "a", e.errors);
        if (e.a && input_.b) e.b = run(*input_.b, input_.version_b, request, number, "b", e.errors);
    } catch (const std::exception& ex) {
        e.a.reset();
        e.b.reset();
        e.errors = ojson::array();
        e.errors.push_back({{"case", number}, {"side", ""},
                            {"message", std::string("the case could not be evaluated: ") + ex.what()},
                            {"details", ojson::array()}});
    }
    return e;
}

Simulation::Evaluated Simulation::evaluate_line(std::string_view line, std::size_t number, CaseDecoder& decoder) const {
    try {
        if (auto e = evaluate_fast(line, number, decoder)) return std::move(*e);
    } catch (const std::exception&) {
        // evaluate_case below meets the same problem and reports it
    }
    auto parsed = parse_json(line);
    if (!parsed.value) return unreadable(number, parsed.error.message);
    return evaluate_case(*parsed.value, number);
}

// The fast path: nullopt on anything but a case decoded and evaluated on every side, which
// evaluate_line then hands to the reference path to report.
std::optional<Simulation::Evaluated> Simulation::evaluate_fast(std::string_view line, std::size_t number,
                                                               CaseDecoder& decoder) const {
    if (!decoder.start(line)) return std::nullopt;
    const auto header = decoder.header();
    if (!header) return std::nullopt;
    const auto a = choose(*input_.a, input_.version_a, *header);
    if (!a.program) return std::nullopt;
    auto request = decoder.decode(a.program->schema(), input_.limits);
    if (!request) return std::nullopt;
    request->explain_full = false;
    auto& result = thread_result();
    Evaluated e;
    e.number = number;
    e.case_ref = header->case_ref;
    e.a = figures(*a.program, *request, result);
    if (!e.a) return std::nullopt;
    if (!input_.b) return e;
    const auto b = choose(*input_.b, input_.version_b, *header);
    if (!b.program) return std::nullopt;
    // A case decodes the same under two versions that declare the same facts and events.
    if (b.program != a.program && !same_declarations(a.program->schema(), b.program->schema())) {
        request = decoder.decode(b.program->schema(), input_.limits);
        if (!request) return std::nullopt;
        request->explain_full = false;
    }
    e.b = figures(*b.program, *request, result);
    if (!e.b) return std::nullopt;
    return e;
}

void Simulation::counted(const Evaluated& e) {
    if (on_case_) on_case_(e);
    if (on_progress_ && cases_ % progress_every_ == 0) on_progress_(SimulationProgress{cases_, evaluated_, cases_ - evaluated_});
}

void Simulation::record(Evaluated e) {
    ++cases_;
    for (const auto& item : e.errors) errors_.push_back(item);
    if (!e.counted(comparing())) {
        counted(e);
        return;
    }
    const Figures& a = *e.a;
    ++evaluated_;
    accumulate(side_a_, a, e.case_ref);
    if (e.b) {
        const Figures& b = *e.b;
        accumulate(side_b_, b, e.case_ref);
        const bool outcome_changed = a.outcome != b.outcome;
        const bool split_changed = nonzero(a.by_agency) != nonzero(b.by_agency);
        if (outcome_changed) {
            ++outcomes_changed_;
            ++outcome_changes_[static_cast<std::size_t>(a.outcome)][static_cast<std::size_t>(b.outcome)];
        }
        if (split_changed) ++splits_changed_;
        if ((outcome_changed || split_changed) && changed_.size() >= input_.max_changed_listed) ++changed_omitted_;
        else if (outcome_changed || split_changed) {
            ojson item = ojson::object();
            item["case"] = e.number;
            item["case_ref"] = e.case_ref;
            item["outcome_a"] = engine::to_string(a.outcome);
            item["outcome_b"] = engine::to_string(b.outcome);
            item["total_a"] = a.total.to_string();
            item["total_b"] = b.total.to_string();
            item["not_allocated_a"] = a.not_allocated_total.to_string();
            item["not_allocated_b"] = b.not_allocated_total.to_string();
            item["by_agency_a"] = agency_map(a.by_agency);
            item["by_agency_b"] = agency_map(b.by_agency);
            changed_.push_back(std::move(item));
        }
    }
    counted(e);
}

void Simulation::add_error(std::size_t number, const std::string& message) { record(unreadable(number, message)); }

}  // namespace jointly::server
