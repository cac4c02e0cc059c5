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
    header.version = text("version");
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
    f.by_financial_year.assign(d.by_financial_year.begin(), d.by_financial_year.end());
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
    decoded.request->figures_only = true;
    auto& result = thread_result();
    auto f = figures(*selection.program, *decoded.request, result);
    if (!f) report("the policy cannot evaluate the case", result.errors);
    return f;
}

void Simulation::Totals::add(const Figures& f) {
    ++cases;
    for (const auto& [agency, money] : f.by_agency) by_agency[agency] += money;
    for (const auto& [year, list] : f.by_financial_year) {
        auto& agencies = by_year[year];
        for (const auto& [agency, money] : list) agencies[agency] += money;
    }
    total += f.total;
    for (std::size_t k = 0; k < not_allocated.size(); ++k) not_allocated[k] += f.not_allocated[k];
    not_allocated_total += f.not_allocated_total;
}

void Simulation::Totals::add(const Totals& other) {
    cases += other.cases;
    for (const auto& [agency, money] : other.by_agency) by_agency[agency] += money;
    for (const auto& [year, list] : other.by_year) {
        auto& agencies = by_year[year];
        for (const auto& [agency, money] : list) agencies[agency] += money;
    }
    total += other.total;
    for (std::size_t k = 0; k < not_allocated.size(); ++k) not_allocated[k] += other.not_allocated[k];
    not_allocated_total += other.not_allocated_total;
}

void Simulation::Outcomes::add(const Outcomes& other) {
    approve += other.approve;
    refer += other.refer;
    decline += other.decline;
}

void Simulation::accumulate(Tally& part, Side& side, const Figures& f, const std::string& case_ref) const {
    auto name = part.policy_names.find(f.program);
    if (name == part.policy_names.end())
        name = part.policy_names.emplace(f.program, f.program->id() + " " + f.program->version()).first;
    const std::string& policy = name->second;
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

// `from` counted the cases after those of `into`: sums add, first-seen lists keep their
// first sight, and the listed case_refs stay the first ones.
void Simulation::merge(Side& into, Side&& from) const {
    auto first_seen = [](std::vector<std::string>& list, const std::vector<std::string>& later) {
        for (const auto& item : later)
            if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
    };
    first_seen(into.agencies, from.agencies);
    into.funded.add(from.funded);
    into.approved.add(from.approved);
    into.referred.add(from.referred);
    into.declined.add(from.declined);
    into.outcomes.add(from.outcomes);
    first_seen(into.policies, from.policies);
    for (const auto& [policy, outcomes] : from.outcomes_by_policy) into.outcomes_by_policy[policy].add(outcomes);
    for (auto& [key, r] : from.by_reason) {
        auto& sum = into.by_reason[key];
        sum.cases += r.cases;
        sum.total += r.total;
        sum.not_allocated += r.not_allocated;
    }
    into.outside += from.outside;
    for (auto& ref : from.outside_refs) {
        if (into.outside_refs.size() >= input_.max_outside_listed) break;
        into.outside_refs.push_back(std::move(ref));
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
    if (!request || decoder.decoded_header() != *header) return std::nullopt;
    request->explain_full = false;
    request->figures_only = true;
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
        if (!request || decoder.decoded_header() != *header) return std::nullopt;
        request->explain_full = false;
        request->figures_only = true;
    }
    e.b = figures(*b.program, *request, result);
    if (!e.b) return std::nullopt;
    return e;
}

void Simulation::counted(const Evaluated& e, std::size_t cases, std::size_t evaluated) {
    if (on_case_) on_case_(e);
    if (on_progress_ && cases % progress_every_ == 0) on_progress_(SimulationProgress{cases, evaluated, cases - evaluated});
}

void Simulation::count(Tally& part, const Evaluated& e) const {
    ++part.cases;
    for (const auto& item : e.errors) part.errors.push_back(item);
    if (!e.counted(comparing())) return;
    const Figures& a = *e.a;
    ++part.evaluated;
    accumulate(part, part.a, a, e.case_ref);
    if (!e.b) return;
    const Figures& b = *e.b;
    accumulate(part, part.b, b, e.case_ref);
    const bool outcome_changed = a.outcome != b.outcome;
    const bool split_changed = nonzero(a.by_agency) != nonzero(b.by_agency);
    if (outcome_changed) {
        ++part.outcomes_changed;
        ++part.outcome_changes[static_cast<std::size_t>(a.outcome)][static_cast<std::size_t>(b.outcome)];
    }
    if (split_changed) ++part.splits_changed;
    if (!outcome_changed && !split_changed) return;
    if (part.changed.size() >= input_.max_changed_listed) {
        ++part.changed_omitted;
        return;
    }
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
    part.changed.push_back(std::move(item));
}

void Simulation::record(Evaluated e) {
    count(tally_, e);
    counted(e, tally_.cases, tally_.evaluated);
}

void Simulation::absorb(Tally&& part, const std::vector<Evaluated>& cases) {
    // The sink and the progress see each case as counted after those before it.
    std::size_t seen = tally_.cases;
    std::size_t evaluated = tally_.evaluated;
    for (const auto& e : cases) {
        ++seen;
        if (e.counted(comparing())) ++evaluated;
        counted(e, seen, evaluated);
    }
    tally_.cases += part.cases;
    tally_.evaluated += part.evaluated;
    merge(tally_.a, std::move(part.a));
    merge(tally_.b, std::move(part.b));
    tally_.outcomes_changed += part.outcomes_changed;
    tally_.splits_changed += part.splits_changed;
    for (std::size_t from = 0; from < 3; ++from)
        for (std::size_t to = 0; to < 3; ++to) tally_.outcome_changes[from][to] += part.outcome_changes[from][to];
    for (auto& item : part.changed) {
        if (tally_.changed.size() >= input_.max_changed_listed) ++tally_.changed_omitted;
        else tally_.changed.push_back(std::move(item));
    }
    tally_.changed_omitted += part.changed_omitted;
    for (auto& item : part.errors) tally_.errors.push_back(std::move(item));
}

void Simulation::add_error(std::size_t number, const std::string& message) { record(unreadable(number, message)); }

}  // namespace jointly::server
