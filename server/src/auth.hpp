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

// Who may call a route: what authorize() (http_request.cpp) lets in, and what the OpenAPI
// document's `x-roles` say. docs/operations.md ("Tokens and roles") has the table, which
// tests/server/http_routes_test.cpp checks against the server.
enum class Access {
    Open,      // anyone; a token that is sent is still checked
    Evaluate,  // evaluation that keeps nothing: a token of any role; none with --open-evaluation
    // A token of any role, whatever --open-evaluation says: what compiles source or runs a
    // caseload (Compile: the policy check, simulation), and what holds nothing about one child
    // (who the token is, the summary report's counts and sums).
    AnyToken,
    Compile = AnyToken,
    Records,  // a child's stored records, stored or read: `client`, `panel` or `admin`
    Panel,    // the panel's record of a decision: `panel`
    Author,   // uploading a policy: `author`
    Audit,    // the audit trail: `auditor`
    Admin,    // erasure and rectification of a child's data: `admin`
};

// Whether a token of `role` may call a route of `access`. Open and Evaluate routes admit
// every role (and, at times, no token: authorize() decides that).
bool permits(Access access, Role role);
// The roles permits() admits, in the order of Role.
std::vector<Role> roles_for(Access access);
// Those roles for a message, in backticks: "`panel`", "`client`, `panel` or `admin`".
std::string role_list(Access access);

// Who a token belongs to: its name (for logs and the audit trail; never the token) and role.
struct Principal {
    std::string name;
    Role role = Role::Client;
};

class Tokens {
public:
    Tokens() = default;  // no tokens: authentication is off
    // Reads `TOKEN ROLE [NAME]` lines (`#` comments, blank lines ignored; roles client,
    // panel, author, auditor, admin; NAME defaults to ROLE-LINE, e.g. `panel-3`). Throws
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
