// libFuzzer: any bytes as a request body against the reference policy: decode, and when
// the decode succeeds, evaluate and encode. Nothing may crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "jointly/engine/evaluate.hpp"
#include "jointly/server/codec.hpp"

namespace {

std::shared_ptr<const jointly::engine::Program> reference_program() {
    std::ifstream in(JOINTLY_SOURCE_DIR "/policies/reference/reference.jf");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return jointly::engine::compile(buffer.str(), "reference.jf").program;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto program = reference_program();
    if (!program) return 0;
    const auto body = nlohmann::json::parse(data, data + size, nullptr, false);
    if (body.is_discarded()) return 0;
    auto decoded = jointly::server::decode_request(body, *program);
    if (decoded.request) {
        auto result = jointly::engine::evaluate(*program, *decoded.request);
        if (result.decision) (void)jointly::server::encode_decision(*result.decision).dump();
    }
    return 0;
}
