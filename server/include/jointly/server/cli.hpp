// The `jointly` command line: serve, check, fmt, eval, test, simulate.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace jointly::server {

// Runs `jointly ARGS...` (args excludes the program name) and returns the exit code:
// 0 success, 1 findings (a policy error, a failed case, a refused request), 2 usage or I/O
// (an unknown option, a missing argument, an unreadable file). Results and help go to
// `out`; diagnostics, progress and errors to `err`; nothing to std::cout or std::cerr. A
// FILE argument `-` reads std::cin. `serve` blocks until SIGTERM or SIGINT. Not
// thread-safe when a command reads std::cin; otherwise each call is independent.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace jointly::server
