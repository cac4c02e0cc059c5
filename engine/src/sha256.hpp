// SHA-256 (FIPS 180-4) of a byte string, as lower-case hex, computed by OpenSSL's libcrypto.
// Used for the policy hash that every decision carries.
#pragma once

#include <string>
#include <string_view>

namespace jointly::engine::detail {

// Pure function of `data`; thread-safe. Throws std::bad_alloc when libcrypto cannot allocate.
std::string sha256_hex(std::string_view data);

}  // namespace jointly::engine::detail
