// Bearer tokens with roles and names, read from a file of `TOKEN ROLE [NAME]` lines.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jointly::server {

enum class Role { Client, Panel, Author, Auditor, Admin };
const char* to_string(Role role);

// Who a token belongs to: its name (for logs and the audit trail; never the token) and role.
struct Principal {
    std::string name;
    Role role = Role::Client;
};

class Tokens {
public:
    Tokens() = default;  // no tokens: authentication is off
    // Reads `TOKEN ROLE [NAME]` lines (`#` comments, blank lines ignored; roles client,
    // panel, author, auditor; NAME defaults to ROLE-LINE, e.g. `panel-3`). Throws
    // std::runtime_error naming the line on a malformed file, a token shorter than 16
    // characters, or a token or name given twice.
    static Tokens load(const std::filesystem::path& path);
    static Tokens from_text(std::string_view text, const std::string& origin);

    bool enabled() const { return enabled_; }
    std::size_t size() const { return tokens_.size(); }
    // Whose `token` it is. Compares SHA-256 digests with CRYPTO_memcmp against every known
    // token: the time taken does not depend on where a guess differs. Thread-safe.
    std::optional<Principal> principal_of(std::string_view token) const;

private:
    struct Entry {
        std::array<unsigned char, 32> digest;
        Principal principal;
    };
    bool enabled_ = false;
    std::vector<Entry> tokens_;
};

}  // namespace jointly::server
