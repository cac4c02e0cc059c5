// libFuzzer: any bytes as a request body, read as the API reads one (parse_json, which refuses
// a repeated key, then decode_request against the reference policy). Nothing may crash, hang
// or leak, and the strict reader must agree with nlohmann's own: a document it accepts parses
// to the same value, and one it refuses for a repeated key (E4212) names a well-formed pointer.
// The caseload's fast decoder (CaseDecoder) must never accept what the reference refuses, and
// must decode what it accepts to the reference's Request. POST /v1/evaluate's use of it
// (evaluate_text) must answer only as evaluate_body answers; so must POST /v1/evaluate/batch's
// (evaluate_batch_text), on the input as a batch and inside one, request by request. Seeds:
// fuzz/corpus/requests (repeated keys at every level, a batch), with fuzz/request.dict.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "jointly/engine/program.hpp"
#include "jointly/server/case_decoder.hpp"
#include "jointly/server/codec.hpp"
#include "jointly/server/registry.hpp"
#include "jointly/server/service.hpp"

namespace {

std::shared_ptr<const jointly::engine::Program> reference_program() {
    std::ifstream in(JOINTLY_SOURCE_DIR "/policies/reference/reference.jf");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return jointly::engine::compile(buffer.str(), "reference.jf").program;
}

void require(bool holds) {
    if (!holds) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto program = reference_program();
    if (!program) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = jointly::server::parse_json(text);
    const auto loose = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (parsed.value) {
        require(!loose.is_discarded() && loose == *parsed.value);
    } else if (parsed.error.code == jointly::server::codes::kDuplicateKey) {
        // Reading stops at the repeat, so the rest may not even be JSON; the path must be a
        // well-formed pointer (json_pointer throws, and the fuzzer reports, if it is not).
        require(!nlohmann::json::json_pointer(parsed.error.path).empty());
    }
    std::optional<jointly::engine::Request> fast;
    {
        static jointly::server::CaseDecoder decoder;
        const std::string padded = std::string(text) + std::string(jointly::server::CaseDecoder::kPadding, ' ');
        if (decoder.start(std::string_view(padded).substr(0, size))) fast = decoder.decode(program->schema(), {});
    }
    require(!fast || parsed.value);
    {
        static const jointly::server::Snapshot snapshot(
            std::vector<jointly::server::LoadedPolicy>{{program, "reference.jf", std::nullopt}}, 0);
        const jointly::server::EvaluateOptions options;
        if (const auto answer = jointly::server::evaluate_text(snapshot, text, options)) {
            require(parsed.value.has_value());
            const auto slow = jointly::server::evaluate_body(snapshot, *parsed.value, options);
            require(answer->evaluated.has_value() == slow.evaluated.has_value());
            if (answer->evaluated) require(answer->evaluated->decision == slow.evaluated->decision);
            else require(answer->error->status == slow.error->status && answer->error->body() == slow.error->body());
        }
        const auto always = [](std::size_t, std::size_t) { return true; };
        for (const std::string& body : {std::string(text), "{\"requests\":[" + std::string(text) + "," + std::string(text) + "]}"}) {
            const auto batch = jointly::server::evaluate_batch_text(snapshot, body, options, 8, always);
            if (!batch) continue;
            const auto whole = jointly::server::parse_json(body);
            require(whole.value.has_value());
            const bool bare = whole.value->is_array();
            require(bare || (whole.value->is_object() && whole.value->size() == 1 && whole.value->contains("requests")));
            const nlohmann::json& list = bare ? *whole.value : whole.value->at("requests");
            require(list.is_array() && list.size() == batch->count && batch->decisions.size() == batch->count);
            for (std::size_t i = 0; i < list.size(); ++i) {
                const auto slow = jointly::server::evaluate_body(snapshot, list[i], options);
                require(slow.evaluated.has_value() && slow.evaluated->decision == batch->decisions[i].decision);
            }
        }
    }
    if (!parsed.value) return 0;
    const auto decoded = jointly::server::decode_request(*parsed.value, program->schema());
    require(decoded.request.has_value() == decoded.errors.empty());
    require(!fast || (decoded.request && jointly::server::same_request(*fast, *decoded.request)));
    return 0;
}
