// Which `Host` a request may name (DNS rebinding): see host_refusal.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace jointly::server {

// Why a request's `Host` header is refused, or nullopt when this server answers it. A browser
// sends the name of the page's own site, so a site whose name an attacker made resolve to this
// server (DNS rebinding) names itself, never this server's address: an IP address (`127.0.0.1`,
// `[::1]`), `localhost` and the names in `allowed` (lower case; "*" for any) are answered, each
// with or without a port and a trailing dot; no `Host` at all (not a browser) is too. A value
// that is not `name[:port]` or `[IPv6][:port]` is refused as well.
std::optional<std::string> host_refusal(const std::string& host, const std::vector<std::string>& allowed);

}  // namespace jointly::server
