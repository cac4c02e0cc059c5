// docs/diagnostics.md documents every code the engine and the server's request decoder
// define, and its examples are true:
// - every E3xxx and E4xxx code in the one code table (jointly/dsl/codes.hpp) has exactly one
//   `## CODE title` section after the `<!-- runtime codes -->` marker, with the table's
//   title, and every such section is one of those codes;
// - each section's example produces its code the way a caller meets it: the ```jointly
//   policy checked (it must load), then the ```json body read as `POST /v1/evaluate` reads
//   it (parse_json, decode_request, evaluate), or with `<!-- reconcile: POOL -->` as
//   `POST /v1/pools/POOL/reconcile` reads it, or with `<!-- panel -->` evaluated into a decision
//   on which a second ```json body is read as `POST /v1/decisions/{id}/panel` reads it;
//   `<!-- limit: max_lines N -->` /
//   `<!-- limit: max_depth N -->` set the server's limits as `jointly serve --max-lines N` /
//   `--max-depth N` would, and `<!-- limit: max_segments N -->` the engine's
//   EvalLimits::max_segments, `<!-- limit: max_text_bytes N -->` its max_text_bytes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "case_support.hpp"
#include "jointly/dsl/parse.hpp"
#include "jointly/engine/evaluate.hpp"
#include "jointly/engine/pool.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/server/codec.hpp"

namespace jointly::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot(JOINTLY_SOURCE_DIR);
constexpr const char* kMarker = "<!-- runtime codes -->";

// Codes no example can produce in-process: a bug in the engine (E3099), a value asked for
// where it has none (E3005: the checker refuses every such policy, see
// tests/engine/checks_clean_evaluates_test.cpp), a body the HTTP layer refuses by its size
// before any of it is read (E4211; tests/server covers it), and a policy text checked against
// the texts a decision store has decided under (E4231: tests/server/decided_under_serve_test.cpp
// runs its example).
const std::set<std::string> kUntestable = {"E3005", "E3099", "E4211", "E4231"};

struct Section {
    std::string code;
    std::string title;  // the heading after the code: the table's title
    std::string policy;
    std::string request;
    std::string reconcile;  // `<!-- reconcile: POOL -->`
    bool panel = false;     // `<!-- panel -->`: `panel_record` is read on the request's decision
    std::string panel_record = {};
    std::size_t max_lines = server::DecodeLimits{}.max_lines;
    std::size_t max_depth = 64;
    std::size_t max_segments = engine::EvalLimits{}.max_segments;
    std::size_t max_text_bytes = engine::EvalLimits{}.max_text_bytes;
    bool untestable = false;
    std::vector<std::string> paths = {};  // "gives `E3002` at `/facts/weeks`": the error's path
};

void PrintTo(const Section& s, std::ostream* os) { *os << s.code; }

std::vector<Section> sections() {
    const std::string doc = read_text(kRoot / "docs" / "diagnostics.md");
    const auto start = doc.find(kMarker);
    EXPECT_NE(start, std::string::npos) << "docs/diagnostics.md has no " << kMarker << " marker";
    if (start == std::string::npos) return {};
    static const std::regex heading(R"(^## (E\d{4}) (.*)$)");
    static const std::regex annotation(R"(^<!-- (reconcile|limit): ([^ ]+)(?: (\d+))? -->$)");
    static const std::regex gives_at(R"(gives `(E\d{4})` at `([^`]*)`)");
    std::vector<Section> out;
    std::istringstream lines(doc.substr(start));
    std::string line;
    std::string fence;  // "jointly" / "json" while inside such a block
    std::string body;
    while (std::getline(lines, line)) {
        std::smatch m;
        if (!fence.empty()) {
            if (line == "```") {
                Section& s = out.back();
                std::string& slot = fence == "jointly" ? s.policy : s.request.empty() ? s.request : s.panel_record;
                if (slot.empty()) slot = body;
                fence.clear();
            } else {
                body += line + "\n";
            }
            continue;
        }
        if (std::regex_search(line, m, heading)) {
            out.push_back(Section{m[1].str(), m[2].str(), {}, {}, {}});
        } else if (out.empty()) {
            continue;
        } else if (line == "```jointly" || line == "```json") {
            fence = line.substr(3);
            body.clear();
        } else if (std::regex_search(line, m, gives_at) && m[1].str() == out.back().code) {
            out.back().paths.push_back(m[2].str());
        } else if (line == "<!-- panel -->") {
            out.back().panel = true;
        } else if (line == "<!-- untestable -->") {
            out.back().untestable = true;
        } else if (std::regex_match(line, m, annotation)) {
            const std::string kind = m[1].str();
            if (kind == "reconcile") out.back().reconcile = m[2].str();
            if (kind == "limit" && m[2].str() == "max_lines") out.back().max_lines = std::stoul(m[3].str());
            if (kind == "limit" && m[2].str() == "max_depth") out.back().max_depth = std::stoul(m[3].str());
            if (kind == "limit" && m[2].str() == "max_segments") out.back().max_segments = std::stoul(m[3].str());
            if (kind == "limit" && m[2].str() == "max_text_bytes") out.back().max_text_bytes = std::stoul(m[3].str());
        }
    }
    return out;
}

// The evaluation (E3xxx) and request (E4xxx) codes in the one table (jointly/dsl/codes.hpp).
std::set<std::string> runtime_codes() {
    std::set<std::string> codes;
    for (const dsl::CodeInfo& info : dsl::kCodes) {
        if (info.code[1] == '3' || info.code[1] == '4') codes.insert(std::string(info.code));
    }
    return codes;
}

TEST(RuntimeDiagnosticsDoc, EveryRuntimeCodeIsDocumentedOnce) {
    const std::set<std::string> defined = runtime_codes();
    EXPECT_GE(defined.size(), 35U);
    std::map<std::string, int> documented;
    for (const Section& s : sections()) ++documented[s.code];
    for (const std::string& code : defined) {
        EXPECT_EQ(documented[code], 1) << code << " needs exactly one section after " << kMarker
                                       << " in docs/diagnostics.md";
    }
    for (const auto& [code, count] : documented) {
        EXPECT_EQ(defined.count(code), 1U) << code << " is documented but is not a runtime code in the table";
    }
    for (const Section& s : sections()) {
        const std::optional<dsl::Code> code = dsl::code_from_text(s.code);
        if (code) {
            EXPECT_EQ(s.title, dsl::code_info(*code).title) << s.code << ": the heading and the table's title differ";
        }
    }
}

TEST(RuntimeDiagnosticsDoc, EverySectionHasItsExamples) {
    for (const Section& s : sections()) {
        if (s.untestable) {
            EXPECT_EQ(kUntestable.count(s.code), 1U) << s.code << " may not be marked untestable";
            continue;
        }
        EXPECT_FALSE(s.policy.empty()) << s.code << " has no ```jointly policy";
        EXPECT_FALSE(s.request.empty()) << s.code << " has no ```json request";
        if (s.panel) {
            EXPECT_FALSE(s.panel_record.empty()) << s.code << " has no second ```json: the panel record";
        }
    }
}

std::string codes_of(const std::vector<engine::EvalError>& errors) {
    std::string out;
    for (const engine::EvalError& e : errors) out += std::string(code_text(e.code)) + " " + e.path + ": " + e.message + "\n";
    return out;
}

// What reading and evaluating the section's request gives: every code, with its message.
std::vector<engine::EvalError> run_request(const Section& s, const engine::Program& program) {
    const server::ParsedJson parsed = server::parse_json(s.request, s.max_depth);
    if (!parsed.value) return {parsed.error};
    if (!s.reconcile.empty()) {
        std::vector<std::string> problems;
        const engine::PoolRequest request = decode_pool_request(*parsed.value, problems);
        EXPECT_TRUE(problems.empty()) << s.code << ": " << (problems.empty() ? "" : problems.front());
        return engine::reconcile(program, s.reconcile, request).errors;
    }
    server::DecodeLimits limits;
    limits.max_lines = s.max_lines;
    const server::DecodeResult decoded = server::decode_request(*parsed.value, program.schema(), limits);
    if (!decoded.request) return decoded.errors;
    engine::EvalLimits eval_limits;
    eval_limits.max_segments = s.max_segments;
    eval_limits.max_text_bytes = s.max_text_bytes;
    auto evaluated = engine::evaluate(program, *decoded.request, eval_limits);
    if (!s.panel || !evaluated.decision) return evaluated.errors;
    const server::ParsedJson record = server::parse_json(s.panel_record);
    if (!record.value) return {record.error};
    return server::decode_panel_record(*record.value, server::encode_decision_ordered(*evaluated.decision)).errors;
}

class RuntimeExample : public ::testing::TestWithParam<Section> {};

TEST_P(RuntimeExample, ProducesItsCode) {
    const Section& s = GetParam();
    const engine::CheckResult compiled = engine::compile(s.policy, s.code + ".jf");
    std::string problems;
    for (const dsl::Diagnostic& d : compiled.diagnostics) problems += dsl::render(d, s.policy) + "\n";
    ASSERT_TRUE(compiled.program) << s.code << ": the example policy must load:\n" << problems;
    const std::vector<engine::EvalError> errors = run_request(s, *compiled.program);
    if (std::getenv("JOINTLY_SHOW_ERRORS") != nullptr) std::cout << s.code << "\n" << codes_of(errors);
    bool found = false;
    for (const engine::EvalError& e : errors) found = found || code_text(e.code) == s.code;
    EXPECT_TRUE(found) << s.code << " not produced; got:\n" << codes_of(errors);
    // "gives `E3002` at `/facts/weeks`": the path the section states is the error's.
    for (const std::string& path : s.paths) {
        bool at = false;
        for (const engine::EvalError& e : errors) at = at || (code_text(e.code) == s.code && e.path == path);
        EXPECT_TRUE(at) << s.code << " is documented at `" << path << "`; got:\n" << codes_of(errors);
    }
}

std::vector<Section> testable() {
    std::vector<Section> out;
    for (Section& s : sections()) {
        if (!s.untestable) out.push_back(std::move(s));
    }
    return out;
}

INSTANTIATE_TEST_SUITE_P(Docs, RuntimeExample, ::testing::ValuesIn(testable()),
                         [](const ::testing::TestParamInfo<Section>& p) { return p.param.code; });

}  // namespace
}  // namespace jointly::testing
