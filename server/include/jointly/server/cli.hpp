// The `jointly` command line: serve, check, fmt, eval, test, simulate.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace jointly::server {

// Runs `jointly ARGS...` (args excludes the program name) and returns the exit code:
// 0 success, 1 a failure the command reports (errors, failed cases, bad input), 2 usage.
// Normal output goes to `out`, diagnostics and progress to `err`. `serve` blocks until
// SIGTERM or SIGINT.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace jointly::server
