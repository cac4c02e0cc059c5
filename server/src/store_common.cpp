// What both decision stores share: the clock's format, random ids and the schema refusal.
#include "store_common.hpp"

#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "jointly/server/store.hpp"

namespace jointly::server::store_detail {

std::string now_utc() {
    const auto now = std::chrono::system_clock::now();
    const auto secs = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::array<char, 40> buf{};
    const auto n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
    std::array<char, 8> ms{};
    std::snprintf(ms.data(), ms.size(), ".%03dZ", static_cast<int>(millis));
    return std::string(buf.data(), n) + ms.data();
}

std::string random_hex16() {
    std::array<unsigned char, 8> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw StoreError("cannot draw a random id (the system's random source failed)");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char b : bytes) {
        out += kHex[b >> 4];
        out += kHex[b & 0xFU];
    }
    return out;
}

std::string newer_schema_message(const std::string& where, std::int64_t found, std::int64_t understood) {
    return "the decision store `" + where + "` has schema version " + std::to_string(found) +
           ", newer than this jointly (" JOINTLY_VERSION ") understands (" + std::to_string(understood) +
           "); run the jointly that wrote it, or a newer one";
}

}  // namespace jointly::server::store_detail

namespace jointly::server {

bool Store::is_postgresql(const std::string& location) {
    return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::unique_ptr<Store> Store::connect(const std::string& location, std::size_t pool) {
    if (is_postgresql(location)) return open_postgresql_store(location, pool);
    return open(location);
}

}  // namespace jointly::server
