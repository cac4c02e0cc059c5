// In-process evaluation and compilation benchmarks (PRODUCT.md "Performance bars"):
//   - a 3-line package against the reference policy: >= 500,000 decisions/s on one core;
//   - the same with explain=full: <= 5x that cost;
//   - compiling a generated 1,000-rule policy: <= 50 ms.
// The workload is the brief's example package: personal care around surgery, a residential
// placement across the year end, and one-off equipment.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>

#include "jointly/engine/evaluate.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/server/codec.hpp"
#include "jointly/server/registry.hpp"
#include "jointly/server/service.hpp"

void* operator new(std::size_t size);
void operator delete(void* p) noexcept;
void operator delete(void* p, std::size_t) noexcept;

// Heap allocations made by this thread, so that a benchmark can report how many one
// operation makes (the `allocs` counter): the cost of a new result is mostly its allocations.
// Per thread and not atomic: a locked add per allocation (about 6% of a new result's time)
// would be timed as the evaluator's own cost. Each benchmark runs on one thread.
thread_local std::size_t t_allocations = 0;

namespace {

using namespace jointly::engine;

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::shared_ptr<const Program> reference() {
    static const std::shared_ptr<const Program> program = [] {
        CheckResult r = compile(read(std::string(JOINTLY_SOURCE_DIR) + "/policies/reference/reference.jf"),
                                  "reference.jf");
        if (!r.program) throw std::runtime_error("reference policy does not compile");
        return r.program;
    }();
    return program;
}

Date day(const char* iso) { return *parse_date(iso); }
Money money(const char* text) { return *parse_money(text); }

Request three_lines() {
    Request r;
    r.as_of = day("2025-06-01");
    r.case_ref = "C-1042";
    r.facts["has_ehcp"] = Value(true);
    r.facts["dst"] = Value(LevelMap{{"breathing", Level{3}}, {"seizures", Level{4}}, {"skin", Level{4}}});
    r.events["surgery"] = {day("2025-06-10")};
    Line pc;
    pc.id = "pc";
    pc.service = "personal_care";
    pc.kind = LineKind::Weekly;
    pc.weekly = money("450.00");
    pc.start = day("2025-06-01");
    pc.end = day("2025-08-31");
    Line res;
    res.id = "res";
    res.service = "residential_placement";
    res.kind = LineKind::Weekly;
    res.weekly = money("4200.00");
    res.start = day("2025-06-01");
    res.end = day("2026-05-31");
    Line eq;
    eq.id = "eq";
    eq.service = "equipment";
    eq.kind = LineKind::OneOff;
    eq.amount = money("1250.00");
    eq.date = day("2025-06-15");
    r.lines = {pc, res, eq};
    return r;
}

// The 3-line package evaluated over and over: into a new result each time (evaluate), or
// into one reused result (evaluate_into, as a simulation or any caller evaluating many
// packages on one thread does: the same words and figures, field for field, without
// allocating and freeing the decision's memory each time).
void evaluate_3_lines(benchmark::State& state, bool explain_full, bool reuse) {
    const auto program = reference();
    Request request = three_lines();
    request.explain_full = explain_full;
    EvalResult kept;
    const std::size_t allocations_before = t_allocations;
    for (auto _ : state) {
        if (reuse) {
            evaluate_into(*program, request, kept);
            benchmark::DoNotOptimize(kept);
            if (!kept.decision) state.SkipWithError("evaluation failed");
        } else {
            EvalResult r = evaluate(*program, request);
            benchmark::DoNotOptimize(r);
            if (!r.decision) state.SkipWithError("evaluation failed");
        }
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["allocs"] = benchmark::Counter(static_cast<double>(t_allocations - allocations_before),
                                                  benchmark::Counter::kAvgIterations);
}

void BM_Evaluate3Lines(benchmark::State& state) { evaluate_3_lines(state, false, false); }
BENCHMARK(BM_Evaluate3Lines);
void BM_Evaluate3LinesReused(benchmark::State& state) { evaluate_3_lines(state, false, true); }
BENCHMARK(BM_Evaluate3LinesReused);
void BM_Evaluate3LinesExplainFull(benchmark::State& state) { evaluate_3_lines(state, true, false); }
BENCHMARK(BM_Evaluate3LinesExplainFull);
void BM_Evaluate3LinesExplainFullReused(benchmark::State& state) { evaluate_3_lines(state, true, true); }
BENCHMARK(BM_Evaluate3LinesExplainFullReused);

// The answer of POST /v1/evaluate written from the 3-line decision (server::decision_text,
// about 4.6 KB): the part of the API's cost per request that is not the engine's.
void BM_DecisionText3Lines(benchmark::State& state) {
    const auto program = reference();
    const EvalResult r = evaluate(*program, three_lines());
    if (!r.decision) {
        state.SkipWithError("evaluation failed");
        return;
    }
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string text = jointly::server::decision_text(*r.decision);
        bytes += text.size();
        benchmark::DoNotOptimize(text);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_DecisionText3Lines);

// The whole of POST /v1/evaluate's own work on bench/http/request.json (the 3-line package the
// HTTP benchmarks send), from the body's text to the answer's text, without HTTP: read by the
// fast decoder, evaluated, written. In place (evaluate_text_in_place, what the route does: the
// decision is evaluated into a result the thread keeps), or moved out of a new result
// (evaluate_text, as /v1/decisions does, which stores it).
void evaluate_answer_text(benchmark::State& state, bool in_place) {
    const auto snapshot = jointly::server::load_policies({std::string(JOINTLY_SOURCE_DIR) + "/policies/reference"});
    const jointly::server::Snapshot policies(snapshot.policies, 1);
    const std::string body = read(std::string(JOINTLY_SOURCE_DIR) + "/bench/http/request.json");
    const jointly::server::EvaluateOptions options;
    std::size_t bytes = 0;
    const std::size_t allocations_before = t_allocations;
    for (auto _ : state) {
        std::string text;
        if (in_place) {
            const auto r = jointly::server::evaluate_text_in_place(
                policies, body, options,
                [&](const std::shared_ptr<const Program>&, const Decision& d) { text = jointly::server::decision_text(d); });
            if (!r.read || r.error) state.SkipWithError("the fast path did not decide");
        } else {
            const auto r = jointly::server::evaluate_text(policies, body, options);
            if (!r || !r->evaluated) state.SkipWithError("the fast path did not decide");
            else text = jointly::server::decision_text(r->evaluated->decision);
        }
        bytes += text.size();
        benchmark::DoNotOptimize(text);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
    state.counters["allocs"] = benchmark::Counter(static_cast<double>(t_allocations - allocations_before),
                                                  benchmark::Counter::kAvgIterations);
}
void BM_EvaluateAnswerText(benchmark::State& state) { evaluate_answer_text(state, true); }
BENCHMARK(BM_EvaluateAnswerText);
void BM_EvaluateAnswerTextMoved(benchmark::State& state) { evaluate_answer_text(state, false); }
BENCHMARK(BM_EvaluateAnswerTextMoved);

// A chain of `n` window rules on one service (issue 9: "a `vs_source` that chains 1,000
// windows takes 15 s per line"): `w_i` applies within i days after surgery and is an exception
// to `w_(i-1)`, so on the k-th day after surgery n - k rules apply and the last one wins.
// One weekly line of 50 years: 1,000 one-day segments after surgery, then the years.
std::shared_ptr<const Program> window_chain(int n) {
    std::ostringstream s;
    s << "policy chain \"Window chain\"\n  version \"1\"\n  effective from 2025-04-01\n"
         "  panel \"Joint Funding Panel\"\n\n"
         "agency health \"NHS\"\nagency social_care \"Social care\"\n\nevent surgery\n\n"
         "rule base\n  when service is personal_care\n  split social_care 100%\n  because \"base\"\n\n";
    for (int i = 1; i <= n; ++i) {
        s << "rule w_" << i << "\n  exception to " << (i == 1 ? std::string("base") : "w_" + std::to_string(i - 1))
          << "\n  when service is personal_care\n  within " << i << " days after surgery\n"
          << "  split health 50%, social_care 50%\n  odd penny to health\n  because \"window " << i << "\"\n\n";
    }
    CheckResult r = compile(s.str(), "chain.jf");
    if (!r.program) throw std::runtime_error("the window chain does not compile");
    return r.program;
}

void BM_EvaluateWindowChain(benchmark::State& state) {
    const auto program = window_chain(static_cast<int>(state.range(0)));
    Request r;
    r.as_of = day("2025-06-01");
    r.events["surgery"] = {day("2025-06-10")};
    Line pc;
    pc.id = "pc";
    pc.service = "personal_care";
    pc.kind = LineKind::Weekly;
    pc.weekly = money("450.00");
    pc.start = day("2025-04-01");
    pc.end = day("2075-03-31");
    r.lines = {pc};
    EvalResult kept;
    for (auto _ : state) {
        evaluate_into(*program, r, kept);
        benchmark::DoNotOptimize(kept);
        if (!kept.decision) state.SkipWithError("evaluation failed");
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EvaluateWindowChain)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

// A 1,000-rule policy: 250 services, each with a base rule, a windowed exception, a capped
// three-way split and a fixed-amount rule on a threshold; plus lets, a table and outcomes.
std::string thousand_rules() {
    std::ostringstream s;
    s << "policy generated \"Generated policy\"\n  version \"1\"\n  effective from 2025-04-01\n"
         "  panel \"Joint Funding Panel\"\n\n"
         "agency health \"NHS\"\nagency social_care \"Social care\"\nagency education \"SEND\"\n\n"
         "scale need: none < low < moderate < high < severe < priority\n"
         "fact has_ehcp: bool default false\nfact dst: map of need\nfact points: whole default 0\n"
         "event surgery\n\n"
         "eligible continuing_care when count(dst, priority) >= 1 or count(dst, severe) >= 2\n"
         "  because \"one priority or two severe needs\"\n\n"
         "table band\n  from 0 to 99 gives 1\n  from 100 to 199 gives 2\n  from 200 gives 3\n\n"
         "let tier = lookup(band, points)\n\n";
    for (int i = 0; i < 250; ++i) {
        const std::string svc = "service_" + std::to_string(i);
        s << "rule base_" << i << " ref \"" << i << ".1\"\n  when service is " << svc
          << " and not has_ehcp\n  split social_care 100%\n  because \"base {cost}\"\n\n";
        s << "rule post_op_" << i << " ref \"" << i << ".2\"\n  exception to base_" << i << "\n  when service is "
          << svc << " and not has_ehcp and continuing_care\n  within 6 weeks after surgery\n"
          << "  split health 50%, social_care 50%\n  odd penny to health\n  regardless of cost\n"
          << "  because \"after surgery on {surgery}\"\n\n";
        s << "rule thirds_" << i << " ref \"" << i << ".3\"\n  when service is " << svc
          << " and has_ehcp and tier < 3\n  split education 1/3, social_care 1/3, health 1/3\n"
          << "  cap health at £1,500 per week, excess to social_care\n  because \"thirds\"\n\n";
        s << "rule fixed_" << i << " ref \"" << i << ".4\"\n  when service is " << svc
          << " and has_ehcp and tier >= 3\n  pay health £254.06 per week\n  split social_care 100%\n"
          << "  because \"fixed\"\n\n";
    }
    s << "decline when not continuing_care and not has_ehcp because \"not eligible\"\n"
         "refer to \"Director\" when total > £250,000 because \"over {total}\"\n";
    return s.str();
}

void BM_Compile1000Rules(benchmark::State& state) {
    const std::string source = thousand_rules();
    for (auto _ : state) {
        CheckResult r = compile(source, "generated.jf");
        benchmark::DoNotOptimize(r);
        if (!r.program) state.SkipWithError("the generated policy does not compile");
    }
}
BENCHMARK(BM_Compile1000Rules)->Unit(benchmark::kMillisecond);

void BM_CompileReference(benchmark::State& state) {
    const std::string source = read(std::string(JOINTLY_SOURCE_DIR) + "/policies/reference/reference.jf");
    for (auto _ : state) {
        CheckResult r = compile(source, "reference.jf");
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_CompileReference)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

void* operator new(std::size_t size) {
    ++t_allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
