#include "auth.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace jointly::server {
namespace {

// Constant time in the length of the longer input; no early exit.
bool same(std::string_view a, std::string_view b) {
    const std::size_t n = a.size() > b.size() ? a.size() : b.size();
    unsigned diff = a.size() == b.size() ? 0u : 1u;
    for (std::size_t i = 0; i < n; ++i) {
        const auto x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0u;
        const auto y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0u;
        diff |= x ^ y;
    }
    return diff == 0;
}

}  // namespace

const char* to_string(Role role) {
    switch (role) {
        case Role::Client: return "client";
        case Role::Panel: return "panel";
        case Role::Author: return "author";
    }
    return "client";
}

Tokens Tokens::load(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read the tokens file `" + path.string() + "`");
    std::ostringstream text;
    text << in.rdbuf();
    return from_text(text.str(), path.string());
}

Tokens Tokens::from_text(std::string_view text, const std::string& origin) {
    Tokens out;
    out.enabled_ = true;
    std::istringstream lines{std::string(text)};
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
        ++number;
        if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        std::istringstream words(line);
        std::string token;
        std::string role;
        std::string extra;
        if (!(words >> token)) continue;
        const std::string where = origin + ":" + std::to_string(number) + ": ";
        if (!(words >> role) || (words >> extra))
            throw std::runtime_error(where + "expected `TOKEN ROLE` (role client, panel or author)");
        Role r;
        if (role == "client") r = Role::Client;
        else if (role == "panel") r = Role::Panel;
        else if (role == "author") r = Role::Author;
        else throw std::runtime_error(where + "unknown role `" + role + "` (client, panel or author)");
        if (token.size() < 16) throw std::runtime_error(where + "a token must be at least 16 characters");
        out.tokens_.emplace_back(token, r);
    }
    return out;
}

std::optional<Role> Tokens::role_of(std::string_view token) const {
    std::optional<Role> found;
    for (const auto& [known, role] : tokens_)
        if (same(known, token) && !found) found = role;
    return found;
}

}  // namespace jointly::server
