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

std::vector<SchemaTrigger> schema_triggers(std::string_view schema, std::string_view create) {
    const auto word_at = [&schema](std::size_t begin) {
        const auto end = schema.find_first_of(" \n", begin);
        return std::string(schema.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
    };
    std::vector<SchemaTrigger> triggers;
    for (auto at = schema.find(create); at != std::string_view::npos; at = schema.find(create, at + 1)) {
        SchemaTrigger t;
        t.name = word_at(at + create.size());
        const auto on = schema.find(" ON ", at + create.size());
        if (on != std::string_view::npos) t.table = word_at(on + 4);
        triggers.push_back(std::move(t));
    }
    return triggers;
}

std::string trigger_list(const std::vector<SchemaTrigger>& triggers) {
    std::string out;
    for (const auto& t : triggers) out += (out.empty() ? "" : ", ") + t.name;
    return out;
}

std::vector<SchemaTrigger> dropped_triggers(const std::vector<SchemaTrigger>& missing,
                                            const std::vector<std::string>& tables, std::int64_t found,
                                            std::int64_t first_recorded, std::span<const TableSince> added) {
    const auto has_table = [&tables](const std::string& table) {
        return std::find(tables.begin(), tables.end(), table) != tables.end();
    };
    const auto version_had = [&](const std::string& table) {
        if (found < first_recorded) return false;
        return std::none_of(added.begin(), added.end(),
                            [&](const TableSince& a) { return a.table == table && a.version > found; });
    };
    std::vector<SchemaTrigger> dropped;
    for (const auto& t : missing)
        if (has_table(t.table) || version_had(t.table)) dropped.push_back(t);
    return dropped;
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
