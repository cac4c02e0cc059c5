// Bearer tokens with roles, read from a file of `TOKEN ROLE` lines.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jointly::server {

enum class Role { Client, Panel, Author };
const char* to_string(Role role);

class Tokens {
public:
    Tokens() = default;  // no tokens: authentication is off
    // Reads `TOKEN ROLE` lines (`#` comments, blank lines ignored; roles client, panel,
    // author). Throws std::runtime_error naming the line on a malformed file.
    static Tokens load(const std::filesystem::path& path);
    static Tokens from_text(std::string_view text, const std::string& origin);

    bool enabled() const { return enabled_; }
    // The role of `token`, compared in constant time against every known token.
    std::optional<Role> role_of(std::string_view token) const;

private:
    bool enabled_ = false;
    std::vector<std::pair<std::string, Role>> tokens_;
};

}  // namespace jointly::server
