// SHA-256 (FIPS 180-4) of a byte string, as lower-case hex. Used for the policy hash that
// every decision carries; the engine links no crypto library.
#pragma once

#include <string>
#include <string_view>

namespace jointly::engine::detail {

// Pure function of `data`; thread-safe.
std::string sha256_hex(std::string_view data);

}  // namespace jointly::engine::detail
