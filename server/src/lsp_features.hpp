// What the language server answers about one document's text: each function parses (and, for
// diagnostics, checks) the text afresh and returns the protocol's JSON for the result.
// Positions are the protocol's (lsp_text.hpp). Never throw but for allocation.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lsp_text.hpp"

namespace jointly::server::lsp {

// Diagnostic[]: engine::compile's findings, as `jointly check` reports them (code, severity,
// span), `source` "jointly"; a `help` line follows the message.
nlohmann::json diagnostics(std::string_view text, const std::string& uri);

// TextEdit[]: one edit replacing the whole text with dsl::format's layout (`jointly fmt`);
// none when the text does not parse or is already laid out so.
nlohmann::json formatting(std::string_view text);

// Hover or null: on a rule (or an outcome rule's `decline`/`refer`), its clause reference and
// reason; on any other name, its declaration as written.
nlohmann::json hover(std::string_view text, Position at);

// Location or null: the declaration of the name at `at`.
nlohmann::json definition(std::string_view text, const std::string& uri, Position at);

// Location[] (null when no name is at `at`): every place the name at `at` is written, its
// declaration first when `with_declaration`.
nlohmann::json references(std::string_view text, const std::string& uri, Position at, bool with_declaration);

// DocumentSymbol[]: the header, each declaration, rule and outcome rule in written order,
// a scale's levels as its children. Empty when the text does not parse.
nlohmann::json document_symbols(std::string_view text);

}  // namespace jointly::server::lsp
