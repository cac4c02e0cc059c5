// Simulation: a caseload under policy A (and B): what each would fund (approved and referred
// cases) per agency and per financial year, what the declined cases would have cost, the
// difference, and the cases whose outcome or split changed.
#include <algorithm>
#include <istream>
#include <string>
#include <functional>
#include <thread>
#include <vector>

#include "jointly/engine/evaluate.hpp"
#include "jointly/server/service.hpp"

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;

std::string case_ref_of(const nlohmann::json& request) {
    if (request.is_object())
        if (auto it = request.find("case_ref"); it != request.end() && it->is_string()) return it->get<std::string>();
    return {};
}

ojson amounts(const std::vector<std::string>& order, const std::map<std::string, MoneyTotal>& values) {
    ojson out = ojson::object();
    for (const auto& agency : order) {
        auto it = values.find(agency);
        out[agency] = (it == values.end() ? MoneyTotal{} : it->second).to_string();
    }
    return out;
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

std::optional<engine::Decision> Simulation::run(const Snapshot& snapshot, const std::optional<std::string>& version,
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
    std::string id;
    if (auto it = request.find("policy"); it != request.end() && it->is_string()) id = it->get<std::string>();
    else if (input_.policy) id = *input_.policy;
    else if (snapshot.ids().size() == 1) id = snapshot.ids().front();
    else {
        report("the case names no `policy` and several are loaded");
        return std::nullopt;
    }
    Selection selection;
    const auto versions = snapshot.versions(id);
    if (version) {
        selection = snapshot.select(id, version, std::nullopt, false);
    } else if (versions.size() == 1) {
        selection.program = versions.front()->program;
    } else {
        std::optional<engine::Date> as_of;
        if (auto it = request.find("as_of"); it != request.end() && it->is_string())
            as_of = engine::parse_date(it->get_ref<const std::string&>());
        selection = snapshot.select(id, std::nullopt, as_of, false);
    }
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
    // One result per thread, reused: a decision's memory is not allocated and freed per case.
    thread_local engine::EvalResult result;
    engine::evaluate_into(*selection.program, *decoded.request, result);
    if (!result.decision) {
        report("the policy cannot evaluate the case", result.errors);
        return std::nullopt;
    }
    // What a simulation counts; the words and allocations are not kept.
    const engine::Decision& full = *result.decision;
    engine::Decision totals;
    totals.policy_id = full.policy_id;
    totals.policy_version = full.policy_version;
    totals.case_ref = full.case_ref;
    totals.outcome = full.outcome;
    totals.total = full.total;
    totals.by_agency = full.by_agency;
    totals.by_financial_year = full.by_financial_year;
    return totals;
}

void Simulation::Totals::add(const engine::Decision& d) {
    ++cases;
    for (const auto& [agency, money] : d.by_agency) by_agency[agency] += money;
    for (const auto& [year, list] : d.by_financial_year)
        for (const auto& [agency, money] : list) by_year[year][agency] += money;
    total += d.total;
}

void Simulation::accumulate(Side& side, const engine::Decision& d) {
    const std::string label = d.policy_id + " " + d.policy_version;
    if (std::find(side.policies.begin(), side.policies.end(), label) == side.policies.end())
        side.policies.push_back(label);
    for (const auto& [agency, money] : d.by_agency)
        if (std::find(side.agencies.begin(), side.agencies.end(), agency) == side.agencies.end())
            side.agencies.push_back(agency);
    auto& by_policy = side.outcomes_by_policy[label];
    switch (d.outcome) {
        case engine::Outcome::Approve:
            ++side.outcomes.approve;
            ++by_policy.approve;
            side.funded.add(d);
            break;
        case engine::Outcome::Refer:
            ++side.outcomes.refer;
            ++by_policy.refer;
            side.funded.add(d);
            break;
        case engine::Outcome::Decline:
            ++side.outcomes.decline;
            ++by_policy.decline;
            side.declined.add(d);
            break;
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

void Simulation::record(Evaluated e) {
    ++cases_;
    for (auto& item : e.errors) errors_.push_back(std::move(item));
    if (!e.a || (input_.b && !e.b)) return;
    const engine::Decision& a = *e.a;
    ++evaluated_;
    accumulate(side_a_, a);
    if (!e.b) return;
    const engine::Decision& b = *e.b;
    accumulate(side_b_, b);
    const bool outcome_changed = a.outcome != b.outcome;
    const bool split_changed = nonzero(a.by_agency) != nonzero(b.by_agency);
    if (outcome_changed) ++outcomes_changed_;
    if (split_changed) ++splits_changed_;
    if ((outcome_changed || split_changed) && changed_.size() < input_.max_changed_listed) {
        ojson item = ojson::object();
        item["case"] = e.number;
        item["case_ref"] = e.case_ref;
        item["outcome_a"] = engine::to_string(a.outcome);
        item["outcome_b"] = engine::to_string(b.outcome);
        item["total_a"] = a.total.to_string();
        item["total_b"] = b.total.to_string();
        item["by_agency_a"] = agency_map(a.by_agency);
        item["by_agency_b"] = agency_map(b.by_agency);
        changed_.push_back(std::move(item));
    }
}

void Simulation::add_error(std::size_t number, const std::string& message) {
    ++cases_;
    ojson item = ojson::object();
    item["case"] = number;
    item["side"] = "";
    item["message"] = message;
    item["details"] = ojson::array();
    errors_.push_back(std::move(item));
}

nlohmann::ordered_json Simulation::result() const {
    auto outcomes_json = [](const Outcomes& o) {
        return ojson{{"approve", o.approve}, {"refer", o.refer}, {"decline", o.decline}};
    };
    auto years_json = [](const std::map<std::string, std::map<std::string, MoneyTotal>>& years,
                         const std::vector<std::string>& order) {
        ojson out = ojson::object();
        for (const auto& [year, values] : years) out[year] = amounts(order, values);
        return out;
    };
    auto side_json = [&](const Side& side, const std::vector<std::string>& order) {
        ojson out = ojson::object();
        out["policies"] = side.policies;
        out["total"] = side.funded.total.to_string();
        out["by_agency"] = amounts(order, side.funded.by_agency);
        out["by_financial_year"] = years_json(side.funded.by_year, order);
        out["funded_cases"] = side.funded.cases;
        out["outcomes"] = outcomes_json(side.outcomes);
        ojson by_policy = ojson::object();
        for (const auto& label : side.policies) by_policy[label] = outcomes_json(side.outcomes_by_policy.at(label));
        out["outcomes_by_policy"] = std::move(by_policy);
        ojson declined = ojson::object();
        declined["cases"] = side.declined.cases;
        declined["total"] = side.declined.total.to_string();
        declined["by_agency"] = amounts(order, side.declined.by_agency);
        declined["by_financial_year"] = years_json(side.declined.by_year, order);
        out["declined"] = std::move(declined);
        return out;
    };
    std::vector<std::string> order = side_a_.agencies;
    for (const auto& agency : side_b_.agencies)
        if (std::find(order.begin(), order.end(), agency) == order.end()) order.push_back(agency);
    ojson out = ojson::object();
    out["cases"] = cases_;
    out["evaluated"] = evaluated_;
    out["skipped"] = cases_ - evaluated_;
    out["a"] = side_json(side_a_, order);
    if (input_.b) {
        out["b"] = side_json(side_b_, order);
        ojson diff = ojson::object();
        diff["total"] = (side_b_.funded.total - side_a_.funded.total).to_string();
        std::map<std::string, MoneyTotal> by_agency;
        for (const auto& agency : order) {
            auto get = [&](const Side& s) {
                auto it = s.funded.by_agency.find(agency);
                return it == s.funded.by_agency.end() ? MoneyTotal{} : it->second;
            };
            by_agency[agency] = get(side_b_) - get(side_a_);
        }
        diff["by_agency"] = amounts(order, by_agency);
        std::map<std::string, std::map<std::string, MoneyTotal>> years;
        for (const auto& [year, values] : side_a_.funded.by_year)
            for (const auto& [agency, money] : values) years[year][agency] -= money;
        for (const auto& [year, values] : side_b_.funded.by_year)
            for (const auto& [agency, money] : values) years[year][agency] += money;
        diff["by_financial_year"] = years_json(years, order);
        out["difference"] = std::move(diff);
        out["outcomes_changed"] = outcomes_changed_;
        out["splits_changed"] = splits_changed_;
        out["changed"] = changed_;
    }
    out["errors"] = errors_;
    return out;
}

// Reads a caseload (one JSON request per line) in batches; each batch is parsed and
// evaluated on every core while this thread counts the batch before it and reads the one
// after, and batches are counted in line order, so the output does not depend on the number
// of threads.
void simulate_stream(std::istream& in, Simulation& simulation) {
    constexpr std::size_t kBatch = 8192;
    const std::size_t workers = std::max<std::size_t>(1, std::thread::hardware_concurrency());
    struct Slot {
        std::size_t number = 0;
        std::string text;
        std::optional<Simulation::Evaluated> evaluated;
        std::string parse_error;
    };
    std::string line;
    std::size_t number = 0;
    auto read = [&](std::vector<Slot>& batch) {
        batch.clear();
        while (batch.size() < kBatch && std::getline(in, line)) {
            ++number;
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            batch.push_back({number, std::move(line), std::nullopt, {}});
        }
    };
    auto work = [&simulation, workers](std::vector<Slot>& batch, std::size_t first) {
        for (std::size_t i = first; i < batch.size(); i += workers) {
            auto parsed = parse_json(batch[i].text);
            if (!parsed.value) batch[i].parse_error = parsed.error.message;
            else batch[i].evaluated = simulation.evaluate_case(*parsed.value, batch[i].number);
        }
    };
    auto count = [&simulation](std::vector<Slot>& batch) {
        for (auto& slot : batch) {
            if (slot.evaluated) simulation.record(std::move(*slot.evaluated));
            else simulation.add_error(slot.number, slot.parse_error);
        }
        batch.clear();
    };
    std::vector<Slot> current;
    std::vector<Slot> next;
    std::vector<Slot> done;
    current.reserve(kBatch);
    next.reserve(kBatch);
    done.reserve(kBatch);
    read(current);
    while (!current.empty()) {
        // The workers only read `simulation` (evaluate_case is const); counting the batch
        // before writes only its totals.
        // jthread: should counting or reading throw, the workers are joined, not abandoned.
        std::vector<std::jthread> threads;
        for (std::size_t w = 0; w < workers; ++w) threads.emplace_back(work, std::ref(current), w);
        count(done);
        read(next);
        threads.clear();  // joins
        std::swap(done, current);
        std::swap(current, next);
    }
    count(done);
}

}  // namespace jointly::server
