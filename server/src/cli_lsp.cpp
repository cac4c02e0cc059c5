// `jointly lsp`: the language server for editors, over standard input and output.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli_common.hpp"
#include "lsp.hpp"

namespace jointly::server::cli {

Command define_lsp(CLI::App& root, Streams io) {
    auto* app = root.add_subcommand("lsp", "serve the Language Server Protocol over standard input and output");
    app->footer(footer("For editors (docs/authoring.md, \"Editor support\"): diagnostics as `jointly check`\n"
                       "reports them, formatting as `jointly fmt` lays it out, hover, go to definition,\n"
                       "find references and the outline. Messages are read from standard input and\n"
                       "answered on standard output; problems in the stream are logged to standard\n"
                       "error. Exits 0 on `exit` after `shutdown`, 1 on `exit` without it or when\n"
                       "standard input ends first."));
    // The protocol is spoken on the process's own standard output, which `io.out` is in the
    // `jointly` binary; `io.err` takes the log.
    return {app, [io] { return lsp::serve(std::cin, io.out, io.err); }};
}

}  // namespace jointly::server::cli
