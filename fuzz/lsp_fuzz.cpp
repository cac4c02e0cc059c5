// libFuzzer: any bytes as a policy open in the language server, then every request about it at
// about 32 positions spread over the text (hover, definition, references, completion, the outline, formatting), and
// the same bytes as the server's input stream. Nothing may crash, hang or leak, and every
// answer must be a JSON-RPC response to its request. Seeds: the golden policies and the library
// (as parse_check_fuzz).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lsp.hpp"

namespace {

using nlohmann::json;

void require(bool holds) {
    if (!holds) std::abort();
}

std::string request(int id, const std::string& method, json params) {
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    jointly::server::lsp::Session session;
    session.handle(request(1, "initialize", json::object()));
    const json document = {{"uri", "file:///f.jf"}, {"version", 1}, {"text", text}};
    session.handle(json{{"jsonrpc", "2.0"}, {"method", "textDocument/didOpen"}, {"params", {{"textDocument", document}}}}
                       .dump(-1, ' ', false, json::error_handler_t::replace));
    const json uri = {{"uri", "file:///f.jf"}};
    int id = 2;
    const auto ask = [&](const std::string& method, json params) {
        const auto answers = session.handle(request(id, method, std::move(params)));
        require(answers.size() == 1 && answers.front()["id"] == id);
        ++id;
        return answers.front();
    };
    ask("textDocument/documentSymbol", {{"textDocument", uri}});
    ask("textDocument/formatting", {{"textDocument", uri}});
    // About 32 positions, so that one input stays quick however long it is.
    const std::size_t step = std::max<std::size_t>(7, text.size() / 32);
    std::uint32_t line = 0;
    std::uint32_t character = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            character = 0;
            continue;
        }
        ++character;
        if (i % step != 0) continue;
        const json at = {{"textDocument", uri}, {"position", {{"line", line}, {"character", character}}}};
        ask("textDocument/hover", at);
        ask("textDocument/definition", at);
        json references = at;
        references["context"] = {{"includeDeclaration", true}};
        ask("textDocument/references", references);
        const json completion = ask("textDocument/completion", at)["result"];
        require(completion.is_array() || (completion.is_object() && completion.value("items", json()).is_array()));
    }
    std::istringstream in(text);
    std::ostringstream out;
    std::ostringstream log;
    const int code = jointly::server::lsp::serve(in, out, log);
    require(code == 0 || code == 1);
    return 0;
}
