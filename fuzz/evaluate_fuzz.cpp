// libFuzzer: any bytes as a request body against policies/reference (read at start-up from the
// source tree, JOINTLY_SOURCE_DIR): parse, decode, evaluate, encode, as POST /v1/evaluate does.
// Nothing may crash, hang or leak, and a decision must add up: its total is the sum of the
// agencies' shares, each year's and each line's shares sum to the same, and no request within
// the decoder's limits overflows the engine (E3001).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "jointly/engine/codes.hpp"
#include "jointly/engine/evaluate.hpp"
#include "jointly/server/codec.hpp"

namespace {

using jointly::engine::Money;

std::shared_ptr<const jointly::engine::Program> reference_program() {
    std::ifstream in(JOINTLY_SOURCE_DIR "/policies/reference/reference.jf");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return jointly::engine::compile(buffer.str(), "reference.jf").program;
}

void require(bool holds) {
    if (!holds) std::abort();
}

Money sum(const jointly::engine::AgencyAmounts& amounts) {
    Money total;
    for (const auto& [agency, money] : amounts) total += money;
    return total;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto program = reference_program();
    if (!program) return 0;
    const auto parsed = jointly::server::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!parsed.value) return 0;
    const auto decoded = jointly::server::decode_request(*parsed.value, program->schema());
    if (!decoded.request) return 0;
    const auto result = jointly::engine::evaluate(*program, *decoded.request);
    require(result.decision.has_value() == result.errors.empty());
    for (const auto& e : result.errors) require(e.code != jointly::engine::codes::kOverflow);
    if (!result.decision) return 0;
    const auto& d = *result.decision;
    require(sum(d.by_agency) == d.total);
    Money years;
    for (const auto& [year, amounts] : d.by_financial_year) years += sum(amounts);
    require(years == d.total);
    Money lines;
    for (const auto& [line, amounts] : d.by_line) lines += sum(amounts);
    require(lines == d.total);
    (void)jointly::server::encode_decision(d).dump();
    return 0;
}
