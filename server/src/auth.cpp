#include "auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace jointly::server {
namespace {

std::array<unsigned char, 32> digest_of(std::string_view text) {
    std::array<unsigned char, 32> out{};
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
    return out;
}

}  // namespace

const char* to_string(Role role) {
    switch (role) {
        case Role::Client: return "client";
        case Role::Panel: return "panel";
        case Role::Author: return "author";
        case Role::Auditor: return "auditor";
        case Role::Admin: return "admin";
    }
    return "client";
}

bool permits(Access access, Role role) {
    switch (access) {
        case Access::Open:
        case Access::Evaluate:
        case Access::AnyToken: return true;
        case Access::Records: return role == Role::Client || role == Role::Panel || role == Role::Admin;
        case Access::Panel: return role == Role::Panel;
        case Access::Author: return role == Role::Author;
        case Access::Audit: return role == Role::Auditor;
        case Access::Admin: return role == Role::Admin;
    }
    return false;
}

std::vector<Role> roles_for(Access access) {
    std::vector<Role> out;
    for (const Role role : {Role::Client, Role::Panel, Role::Author, Role::Auditor, Role::Admin})
        if (permits(access, role)) out.push_back(role);
    return out;
}

std::string role_list(Access access) {
    const auto roles = roles_for(access);
    std::string out;
    for (std::size_t i = 0; i < roles.size(); ++i) {
        if (i > 0) out += i + 1 == roles.size() ? " or " : ", ";
        out += std::string("`") + to_string(roles[i]) + "`";
    }
    return out;
}

Tokens Tokens::load(const std::filesystem::path& path) {
    errno = 0;
    std::ifstream in(path);
    if (!in) {
        const int error = errno;
        throw std::runtime_error("cannot read the tokens file `" + path.string() + "`" +
                                 (error != 0 ? std::string(": ") + std::strerror(error) : std::string()));
    }
    std::ostringstream text;
    text << in.rdbuf();
    Tokens tokens = from_text(text.str(), path.string());
    if (tokens.tokens_.empty())
        throw std::runtime_error("the tokens file `" + path.string() +
                                 "` holds no token: every route that needs one would refuse everybody (write lines "
                                 "`TOKEN ROLE [NAME]`, or serve with --insecure-dev for a development instance)");
    return tokens;
}

Tokens Tokens::from_text(std::string_view text, const std::string& origin) {
    Tokens out;
    out.enabled_ = true;
    std::istringstream lines{std::string(text)};
    std::string line;
    int number = 0;
    std::set<std::string> names;
    std::set<std::array<unsigned char, 32>> digests;
    while (std::getline(lines, line)) {
        ++number;
        if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        std::istringstream words(line);
        std::string token;
        std::string role;
        std::string name;
        std::string extra;
        if (!(words >> token)) continue;
        const std::string where = origin + ":" + std::to_string(number) + ": ";
        if (!(words >> role) || ((words >> name) && (words >> extra)))
            throw std::runtime_error(where + "expected `TOKEN ROLE [NAME]` (role client, panel, author, auditor or admin)");
        Role r;
        if (role == "client") r = Role::Client;
        else if (role == "panel") r = Role::Panel;
        else if (role == "author") r = Role::Author;
        else if (role == "auditor") r = Role::Auditor;
        else if (role == "admin") r = Role::Admin;
        else throw std::runtime_error(where + "unknown role `" + role + "` (client, panel, author, auditor or admin)");
        if (token.size() < 16) throw std::runtime_error(where + "a token must be at least 16 characters");
        if (name.empty()) name = role + "-" + std::to_string(number);
        if (!names.insert(name).second) throw std::runtime_error(where + "the name `" + name + "` is used twice");
        const auto digest = digest_of(token);
        if (!digests.insert(digest).second) throw std::runtime_error(where + "this token is listed twice");
        out.tokens_.push_back({digest, Principal{name, r}});
    }
    return out;
}

std::optional<Principal> Tokens::principal_of(std::string_view token) const {
    const auto digest = digest_of(token);
    const Entry* found = nullptr;
    for (const auto& entry : tokens_)
        if (CRYPTO_memcmp(entry.digest.data(), digest.data(), digest.size()) == 0 && !found) found = &entry;
    if (!found) return std::nullopt;
    return found->principal;
}

}  // namespace jointly::server
