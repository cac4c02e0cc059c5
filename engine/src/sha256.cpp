#include "sha256.hpp"

#include <openssl/evp.h>

#include <array>
#include <new>

namespace jointly::engine::detail {

std::string sha256_hex(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    // EVP_Digest fails only when libcrypto cannot allocate its context.
    if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1)
        throw std::bad_alloc();
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * std::size_t{length});
    for (std::size_t i = 0; i < length; ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0xFU];
    }
    return out;
}

}  // namespace jointly::engine::detail
