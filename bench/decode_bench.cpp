// Decoding a caseload line into an engine::Request, three ways (docs/adr/0018):
//   - BM_DecodeDom: the reference, nlohmann's tree through parse_json, then decode_request;
//   - BM_NlohmannSaxOnly: nlohmann's SAX parser with a handler that keeps nothing: the least
//     any decoder built on nlohmann's SAX interface could cost (no Request is built);
//   - BM_DecodeOnDemand: CaseDecoder (simdjson On-Demand), header then Request;
//   - BM_DecodeHttpRequest: the same on the request the HTTP benchmarks send;
// and two bars from simdjson itself on the same lines, for how near the decoder is to them:
//   - BM_SimdjsonDomParse: simdjson's DOM parser (what simdjson's own benchmarks time: the
//     structural index, validation and the tape of every value);
//   - BM_SimdjsonOnDemandWalk: On-Demand visiting every value of the line, converting none:
//     the least any On-Demand decoder of these lines could cost.
// The lines: examples/caseloads/reference-200.jsonl, 200 seeded cases of the reference policy.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "jointly/engine/program.hpp"
#include "jointly/server/case_decoder.hpp"
#include "jointly/server/codec.hpp"

namespace {

using namespace jointly;

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

const engine::Schema& schema() {
    static const auto program = [] {
        auto r = engine::compile(read(std::string(JOINTLY_SOURCE_DIR) + "/policies/reference/reference.jf"),
                                 "reference.jf");
        if (!r.program) throw std::runtime_error("reference policy does not compile");
        return r.program;
    }();
    return program->schema();
}

// Each line followed by CaseDecoder::kPadding bytes, as simulate_stream holds them.
struct Lines {
    std::string buffer;
    std::vector<std::string_view> lines;
    std::size_t bytes = 0;
};

const Lines& lines() {
    static const Lines all = [] {
        Lines l;
        std::istringstream in(read(std::string(JOINTLY_SOURCE_DIR) + "/examples/caseloads/reference-200.jsonl"));
        std::vector<std::pair<std::size_t, std::size_t>> spans;
        for (std::string line; std::getline(in, line);) {
            if (line.empty()) continue;
            spans.emplace_back(l.buffer.size(), line.size());
            l.buffer += line + '\n';
            l.bytes += line.size();
        }
        l.buffer.append(server::CaseDecoder::kPadding, ' ');
        for (const auto& [at, size] : spans) l.lines.emplace_back(l.buffer.data() + at, size);
        return l;
    }();
    return all;
}

void BM_DecodeDom(benchmark::State& state) {
    const auto& all = lines();
    for (auto _ : state) {
        for (auto line : all.lines) {
            auto parsed = server::parse_json(line);
            auto decoded = server::decode_request(*parsed.value, schema());
            if (!decoded.request) state.SkipWithError("a line did not decode");
            benchmark::DoNotOptimize(decoded);
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(all.lines.size()));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(all.bytes));
}
BENCHMARK(BM_DecodeDom);

// Accepts every event and keeps nothing.
struct NullSax : nlohmann::json::json_sax_t {
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
};

void BM_NlohmannSaxOnly(benchmark::State& state) {
    const auto& all = lines();
    NullSax sax;
    for (auto _ : state) {
        for (auto line : all.lines)
            if (!nlohmann::json::sax_parse(line.begin(), line.end(), &sax)) state.SkipWithError("a line did not parse");
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(all.lines.size()));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(all.bytes));
}
BENCHMARK(BM_NlohmannSaxOnly);

void BM_DecodeOnDemand(benchmark::State& state) {
    const auto& all = lines();
    server::CaseDecoder decoder;
    const server::DecodeLimits limits;
    for (auto _ : state) {
        for (auto line : all.lines) {
            if (!decoder.start(line) || !decoder.header()) state.SkipWithError("a line did not start");
            auto request = decoder.decode(schema(), limits);
            if (!request) state.SkipWithError("a line did not decode");
            benchmark::DoNotOptimize(request);
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(all.lines.size()));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(all.bytes));
}
BENCHMARK(BM_DecodeOnDemand);

// The request the HTTP benchmarks send (bench/http/request.json, the 3-line package), as
// POST /v1/evaluate's fast path reads it: the part of BM_EvaluateAnswerText (eval_bench) that
// is reading.
void BM_DecodeHttpRequest(benchmark::State& state) {
    std::string body = read(std::string(JOINTLY_SOURCE_DIR) + "/bench/http/request.json");
    const std::size_t size = body.size();
    body.append(server::CaseDecoder::kPadding, ' ');
    server::CaseDecoder decoder;
    const server::DecodeLimits limits;
    for (auto _ : state) {
        if (!decoder.start(std::string_view(body.data(), size)) || !decoder.header())
            state.SkipWithError("the request did not start");
        auto request = decoder.decode(schema(), limits);
        if (!request) state.SkipWithError("the request did not decode");
        benchmark::DoNotOptimize(request);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}
BENCHMARK(BM_DecodeHttpRequest);

void BM_SimdjsonDomParse(benchmark::State& state) {
    const auto& all = lines();
    simdjson::dom::parser parser;
    for (auto _ : state) {
        for (auto line : all.lines) {
            simdjson::dom::element root;
            if (parser.parse(line.data(), line.size(), false).get(root)) state.SkipWithError("a line did not parse");
            benchmark::DoNotOptimize(root);
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(all.lines.size()));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(all.bytes));
}
BENCHMARK(BM_SimdjsonDomParse);

// Visits every value under `v` (each key and scalar looked at, nothing converted); false on an error.
bool walk(simdjson::ondemand::value v) {
    simdjson::ondemand::json_type type{};
    if (v.type().get(type)) return false;
    switch (type) {
        case simdjson::ondemand::json_type::object: {
            simdjson::ondemand::object object;
            if (v.get_object().get(object)) return false;
            for (auto field : object) {
                simdjson::ondemand::field f;
                if (std::move(field).get(f)) return false;
                benchmark::DoNotOptimize(f.key().raw());
                if (!walk(f.value())) return false;
            }
            return true;
        }
        case simdjson::ondemand::json_type::array: {
            simdjson::ondemand::array array;
            if (v.get_array().get(array)) return false;
            for (auto element : array) {
                simdjson::ondemand::value item;
                if (element.get(item) || !walk(item)) return false;
            }
            return true;
        }
        default: {
            std::string_view raw = v.raw_json_token();
            benchmark::DoNotOptimize(raw);
            return true;
        }
    }
}

void BM_SimdjsonOnDemandWalk(benchmark::State& state) {
    const auto& all = lines();
    simdjson::ondemand::parser parser;
    for (auto _ : state) {
        for (auto line : all.lines) {
            simdjson::ondemand::document doc;
            simdjson::ondemand::value root;
            if (parser.iterate(line.data(), line.size(), line.size() + server::CaseDecoder::kPadding).get(doc) ||
                doc.get_value().get(root) || !walk(root))
                state.SkipWithError("a line did not walk");
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(all.lines.size()));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(all.bytes));
}
BENCHMARK(BM_SimdjsonOnDemandWalk);

}  // namespace

BENCHMARK_MAIN();
