// summary_fill POLICY_DIR CASELOAD STORE COUNT [THREADS]: stores COUNT decisions in STORE (an
// SQLite path or a postgresql:// URL) through the Store interface, for bench/summary.sh.
//
// Each case of CASELOAD (JSON lines, examples/generate_caseload.py) is evaluated once under
// the policies of POLICY_DIR, as POST /v1/decisions would; decision i stores case i mod the
// number of cases under a fresh id, THREADS writers at once (the SQLite store commits them
// in groups). Then, as panels and admins would: every 7th decision gets a panel record
// (approved, deferred, declined or escalated in turn; every 4th approval overrides the split),
// every 10th of those a later record superseding it, every 1,000th decision is erased and
// every 2,000th (offset by 500) rectified by a new decision. Prints what it stored.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "jointly/server/registry.hpp"
#include "jointly/server/service.hpp"
#include "jointly/server/store.hpp"

namespace {

using jointly::server::DecisionRecord;
using ojson = nlohmann::ordered_json;

// A case evaluated once: its record without id, and its response without `decision_id`.
struct CaseRecord {
    DecisionRecord record;
    std::string response_tail;  // the response's text after its opening brace
};

std::string record_json(std::size_t i, const CaseRecord& e) {
    static const char* kOutcomes[] = {"approved", "deferred", "declined", "escalated"};
    ojson r = ojson::object();
    const auto outcome = kOutcomes[(i / 7) % 4];
    r["outcome"] = outcome;
    r["date"] = "2025-07-01";
    r["members"] = {"Chair", "Finance lead"};
    if (std::string(outcome) == "approved" && (i / 7) % 16 == 0) {
        // Moves a tenth of the first agency's share to the second, when there are two.
        const auto by_agency = ojson::parse("{" + e.response_tail)["by_agency"];
        if (by_agency.size() >= 2) {
            ojson shares = by_agency;
            auto it = shares.begin();
            const auto first = jointly::engine::parse_money(it->get<std::string>());
            const auto second = jointly::engine::parse_money(std::next(it)->get<std::string>());
            if (first && second) {
                const auto moved = jointly::engine::Money::pence(first->in_pence() / 10);
                *it = jointly::engine::Money::pence(first->in_pence() - moved.in_pence()).to_string();
                *std::next(it) = jointly::engine::Money::pence(second->in_pence() + moved.in_pence()).to_string();
                r["override"] = {{"shares", shares}, {"reason", "agreed at panel"}};
            }
        }
    }
    return r.dump();
}

}  // namespace

int main(int argc, char** argv) {
    using namespace jointly::server;
    if (argc < 5) {
        std::cerr << "usage: summary_fill POLICY_DIR CASELOAD STORE COUNT [THREADS]\n";
        return 2;
    }
    const std::size_t count = std::stoul(argv[4]);
    const std::size_t threads = argc > 5 ? std::stoul(argv[5]) : 8;
    auto loaded = load_policies({argv[1]});
    if (!loaded.ok) {
        std::cerr << "summary_fill: the policies do not load\n";
        return 1;
    }
    const Snapshot snapshot(std::move(loaded.policies), 1);
    std::vector<CaseRecord> cases;
    {
        std::ifstream in(argv[2]);
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty()) continue;
            auto result = evaluate_body(snapshot, nlohmann::json::parse(line), EvaluateOptions{});
            if (!result.evaluated) continue;
            const auto& d = result.evaluated->decision;
            CaseRecord e;
            e.record.case_ref = d.case_ref;
            e.record.policy_id = d.policy_id;
            e.record.policy_version = d.policy_version;
            e.record.policy_sha256 = d.policy_sha256;
            e.record.as_of = d.as_of ? d.as_of->to_string() : std::string();
            e.record.outcome = jointly::engine::to_string(d.outcome);
            e.record.total = d.total.to_string();
            e.record.request_json = line;
            e.response_tail = jointly::server::decision_text(d).substr(1);
            cases.push_back(std::move(e));
        }
    }
    if (cases.empty()) {
        std::cerr << "summary_fill: no case evaluated\n";
        return 1;
    }
    auto store = Store::connect(argv[3], threads);
    const auto started = std::chrono::steady_clock::now();
    std::atomic<std::size_t> next{0}, panels{0}, erased{0}, rectified{0};
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (std::size_t i; (i = next++) < count;) {
                const auto& e = cases[i % cases.size()];
                DecisionRecord record = e.record;
                record.id = Store::new_decision_id();
                record.response_json = "{\"decision_id\":\"" + record.id + "\"," + e.response_tail;
                store->add_decision(record);
                if (i % 7 == 0) {
                    store->add_panel_record(record.id, record_json(i, e));
                    ++panels;
                    if (i % 70 == 0) {
                        store->add_panel_record(record.id, record_json(i + 7, e));
                        ++panels;
                    }
                }
                Redaction redact{[](const DecisionRecord& r) {
                                     auto in = ojson::parse(r.response_json);
                                     ojson out = ojson::object();
                                     for (const char* key : {"decision_id", "policy", "engine", "as_of", "outcome",
                                                             "referred_to", "total", "by_agency", "by_financial_year"})
                                         if (in.contains(key)) out[key] = in[key];
                                     return out.dump();
                                 },
                                 [](const std::string& text) { return text; }};
                if (i % 1000 == 999) {
                    store->erase_decision(Erasure{record.id, "", "bench", "erasure request", "", std::nullopt}, redact,
                                          std::nullopt);
                    ++erased;
                } else if (i % 2000 == 500) {
                    DecisionRecord replacement = record;
                    replacement.id = Store::new_decision_id();
                    replacement.response_json = "{\"decision_id\":\"" + replacement.id + "\"," + e.response_tail;
                    store->rectify_decision(replacement,
                                            Erasure{record.id, "", "bench", "rectification", "", std::nullopt}, redact,
                                            std::nullopt);
                    ++rectified;
                }
            }
        });
    }
    for (auto& w : workers) w.join();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    std::printf("stored %zu decisions (%zu distinct cases), %zu panel records, %zu erased, %zu rectified in %.1f s\n",
                count, cases.size(), panels.load(), erased.load(), rectified.load(), took.count());
    return 0;
}
