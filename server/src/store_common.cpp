// What both decision stores share: the clock's format, random ids and the schema refusal.
#include "store_common.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
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

std::string audit_triggers_missing_message(const std::string& where, const std::string& missing) {
    return "the decision store `" + where + "` had lost its append-only triggers (" + missing +
           "); they have been re-created, but the tables they guard (the audit trail, decisions, erasures, "
           "the change feed) may have been changed or cut while they were gone: compare them with a backup, "
           "and find out who had write access to the database";
}

std::string audit_chained_message(const std::string& where, const Chained& chained) {
    return "the decision store `" + where + "`: " + std::to_string(chained.count) +
           (chained.count == 1 ? " audit entry without a hash was" : " audit entries without a hash were") +
           " chained, from entry " + std::to_string(chained.first) + "; the head is now " + chained.head +
           " (entry " + std::to_string(chained.last) +
           "). This is expected once, when the store is upgraded to a jointly with the audit hash chain; if it "
           "was not just upgraded, the hashes were removed or blanked (and entries may have been changed): "
           "compare the audit trail with a backup, and find out who had write access to the database";
}

std::string without_triggers_of(const std::string& missing, std::string_view prefix) {
    std::string out;
    std::size_t start = 0;
    while (start < missing.size()) {
        const auto comma = std::min(missing.find(", ", start), missing.size());
        const std::string name = missing.substr(start, comma - start);
        if (!name.starts_with(prefix)) out += (out.empty() ? "" : ", ") + name;
        start = comma + 2;
    }
    return out;
}

std::vector<std::string> trigger_names(std::string_view schema, std::string_view create) {
    std::vector<std::string> names;
    for (auto at = schema.find(create); at != std::string_view::npos; at = schema.find(create, at + 1)) {
        const auto begin = at + create.size();
        const auto end = schema.find_first_of(" \n", begin);
        names.emplace_back(schema.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
    }
    return names;
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

std::unique_ptr<Store> Store::connect(const std::string& location, std::size_t pool,
                                      std::chrono::milliseconds statement_timeout) {
    if (is_postgresql(location)) return open_postgresql_store(location, pool, statement_timeout);
    // Anything else is a SQLite file: refuse what was meant as a connection to a server, so
    // that a replica is never quietly cut off from the shared store in a file of its own.
    std::string lower;
    for (const char c : location) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind("postgresql://", 0) == 0 || lower.rfind("postgres://", 0) == 0)
        throw StoreError("the decision store's URL must begin `postgresql://` or `postgres://` in lower case (libpq "
                         "reads no other)");
    if (const auto scheme = location.find("://"); scheme != std::string::npos && scheme > 0 &&
                                                  location.find('/') > scheme)
        throw StoreError("the decision store is a URL of scheme `" + location.substr(0, scheme) +
                         "`: give a SQLite file (a path) or PostgreSQL (`postgresql://USER@HOST:PORT/DATABASE`)");
    for (const char* key : {"host=", "hostaddr=", "dbname=", "user=", "port=", "password=", "service="}) {
        if (lower.rfind(key, 0) == 0 || lower.find(std::string(" ") + key) != std::string::npos)
            throw StoreError(std::string("the decision store looks like a PostgreSQL connection string (`") + key +
                             "...`); give it as a URL, `postgresql://USER@HOST:PORT/DATABASE` (anything else is "
                             "read as a SQLite file's path)");
    }
    return open(location);
}

}  // namespace jointly::server
