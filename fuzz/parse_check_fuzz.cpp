// libFuzzer: any bytes through parse and the semantic pass must not crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "jointly/dsl/parse.hpp"
#include "jointly/engine/program.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    jointly::dsl::ParseResult parsed = jointly::dsl::parse(text, "fuzz.jf");
    if (parsed.module) (void)jointly::engine::check(std::move(*parsed.module), std::string(text));
    return 0;
}
