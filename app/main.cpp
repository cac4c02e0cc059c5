// The `jointly` executable: a thin shell over jointly::server::run_cli.
#include <iostream>
#include <string>
#include <vector>

#include "jointly/server/cli.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    return jointly::server::run_cli(args, std::cout, std::cerr);
}
