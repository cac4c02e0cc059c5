#include "http_host.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace jointly::server {
namespace {

bool digits(const std::string& s) {
    return !s.empty() && s.size() <= 5 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool parses(int family, const std::string& text) {
    std::array<unsigned char, sizeof(in6_addr)> buffer{};
    return ::inet_pton(family, text.c_str(), buffer.data()) == 1;
}

struct Name {
    std::string text;  // lower case, without port or trailing dot
    bool ip = false;
};

// `name[:port]` or `[IPv6][:port]`, or nullopt when the value is neither.
std::optional<Name> host_name(const std::string& host) {
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string::npos) return std::nullopt;
        const std::string rest = host.substr(close + 1);
        if (!rest.empty() && (rest.front() != ':' || !digits(rest.substr(1)))) return std::nullopt;
        const std::string inside = host.substr(1, close - 1);
        if (!parses(AF_INET6, inside)) return std::nullopt;
        return Name{lower(inside), true};
    }
    std::string name = host;
    if (const auto colon = host.find(':'); colon != std::string::npos) {
        if (!digits(host.substr(colon + 1))) return std::nullopt;  // a second colon, or no port
        name = host.substr(0, colon);
    }
    if (!name.empty() && name.back() == '.') name.pop_back();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                   c == '-' || c == '_';
        })) {
        return std::nullopt;
    }
    return Name{lower(name), parses(AF_INET, name)};
}

}  // namespace

std::optional<std::string> host_refusal(const std::string& host, const std::vector<std::string>& allowed) {
    if (host.empty()) return std::nullopt;
    const auto name = host_name(host);
    if (!name) {
        return "the `Host` header is not a host name or address with an optional port (`name:port`, "
               "`[IPv6]:port`)";
    }
    if (name->ip || name->text == "localhost") return std::nullopt;
    for (const std::string& a : allowed) {
        std::string given = lower(a);
        if (!given.empty() && given.back() == '.') given.pop_back();
        if (given == "*" || given == name->text) return std::nullopt;
    }
    return "the `Host` header names `" + name->text +
           "`, which this server does not answer to: it answers to IP addresses, `localhost` and the names "
           "given with `--allow-host` (a page that reached it under another name may be a DNS rebinding attack)";
}

}  // namespace jointly::server
