// A scripted editor session against the real `jointly lsp` binary: the script is its standard
// input, its answers are read back from standard output and checked one by one, with the
// positions worked out by hand (see kPolicy).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jointly/server/cli.hpp"
#include "lsp.hpp"

namespace jointly::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Line 11 holds the error: `urgnt` (E2005) starts at UTF-16 character 29 (the `é` is one unit,
// the emoji two) and ends at 34; as code points, `jointly check` says 12:29. `agency  health`
// is not in the canonical layout (two blanks), so formatting has an edit to make.
const std::string kPolicy =
    "policy demo \"Demo policy\"\n"                        // 0
    "  version \"1\"\n"                                    // 1
    "  effective from 2025-04-01\n"                        // 2
    "\n"                                                   // 3
    "agency  health \"NHS \xC2\xA3 budget\"\n"             // 4: `health` at 8..14
    "agency social_care \"Council\"\n"                     // 5
    "\n"                                                   // 6
    "fact note: text\n"                                    // 7
    "fact urgent: bool\n"                                  // 8
    "\n"                                                   // 9
    "rule respite ref \"R.1\"\n"                           // 10: `respite` at 5..12
    "  when note is \"caf\xC3\xA9 \xF0\x9F\x98\x80\" and urgnt\n"  // 11: `urgnt` at 29..34
    "  split health 50%, social_care 50%\n"                // 12: `health` at 8..14
    "  because \"health and social care share respite\"\n";  // 13

const std::string kUri = "file:///work/policies/demo.jf";

std::string frame(const json& message) {
    const std::string body = message.dump();
    return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

json request(int id, const std::string& method, json params) {
    return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

json notify(const std::string& method, json params) {
    return {{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

json at(int line, int character) {
    return {{"textDocument", {{"uri", kUri}}}, {"position", {{"line", line}, {"character", character}}}};
}

json range(int l0, int c0, int l1, int c1) {
    return {{"start", {{"line", l0}, {"character", c0}}}, {"end", {{"line", l1}, {"character", c1}}}};
}

struct SessionRun {
    int code = -1;
    std::vector<json> messages;
    std::string log;
};

// Runs `jointly lsp` with `input` as its standard input; reads every framed answer.
SessionRun run_binary(const std::string& input) {
    const fs::path dir = fs::temp_directory_path() / ("jointly-lsp-" + std::to_string(getpid()));
    fs::create_directories(dir);
    {
        std::ofstream(dir / "in", std::ios::binary) << input;
    }
    const pid_t pid = fork();
    if (pid == 0) {
        const int in = open((dir / "in").c_str(), O_RDONLY);
        const int out = open((dir / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int err = open((dir / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0 || err < 0) _exit(126);
        dup2(in, STDIN_FILENO);
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        std::string binary = JOINTLY_BINARY;
        std::string command = "lsp";
        char* argv[] = {binary.data(), command.data(), nullptr};
        execv(binary.c_str(), argv);
        _exit(127);
    }
    SessionRun run;
    int status = 0;
    waitpid(pid, &status, 0);
    run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream out(dir / "out", std::ios::binary);
    for (;;) {
        const auto f = server::lsp::read_frame(out, {});
        if (f.status != server::lsp::Frame::Status::Message) break;
        run.messages.push_back(json::parse(f.body));
    }
    std::ifstream err(dir / "err", std::ios::binary);
    std::ostringstream log;
    log << err.rdbuf();
    run.log = log.str();
    fs::remove_all(dir);
    return run;
}

const json* response(const SessionRun& run, int id) {
    for (const auto& m : run.messages)
        if (m.contains("id") && m["id"] == id) return &m;
    return nullptr;
}

std::vector<json> published(const SessionRun& run) {
    std::vector<json> out;
    for (const auto& m : run.messages)
        if (m.value("method", "") == "textDocument/publishDiagnostics") out.push_back(m["params"]);
    return out;
}

// `jointly fmt -` on `text`, in process.
std::string fmt_output(const std::string& text) {
    std::istringstream in(text);
    auto* saved = std::cin.rdbuf(in.rdbuf());
    std::ostringstream out;
    std::ostringstream err;
    const int code = server::run_cli({"fmt", "-"}, out, err);
    std::cin.rdbuf(saved);
    std::cin.clear();
    EXPECT_EQ(code, 0) << err.str();
    return out.str();
}

TEST(LspSession, ScriptedEditorSession) {
    std::string fixed = kPolicy;
    fixed.replace(fixed.find("urgnt"), 5, "urgent");
    std::string script;
    script += frame(request(1, "initialize", {{"processId", nullptr}, {"rootUri", nullptr}, {"capabilities", json::object()}}));
    script += frame(notify("initialized", json::object()));
    script += frame(notify("textDocument/didOpen",
                           {{"textDocument", {{"uri", kUri}, {"languageId", "jointly"}, {"version", 1}, {"text", kPolicy}}}}));
    script += frame(request(2, "textDocument/formatting",
                            {{"textDocument", {{"uri", kUri}}}, {"options", {{"tabSize", 2}, {"insertSpaces", true}}}}));
    script += frame(request(3, "textDocument/definition", at(12, 10)));
    json refs = at(12, 8);
    refs["context"] = {{"includeDeclaration", true}};
    script += frame(request(4, "textDocument/references", refs));
    script += frame(request(5, "textDocument/hover", at(10, 7)));
    script += frame(request(6, "textDocument/hover", at(11, 8)));
    script += frame(request(7, "textDocument/documentSymbol", {{"textDocument", {{"uri", kUri}}}}));
    script += frame(request(10, "textDocument/completion", at(11, 32)));  // `urg|nt`, the document in error
    script += frame(request(11, "textDocument/completion", at(12, 8)));   // `split |health`
    script += frame(request(12, "textDocument/completion", at(40, 0)));   // no such line
    script += frame(notify("textDocument/didChange",
                           {{"textDocument", {{"uri", kUri}, {"version", 2}}}, {"contentChanges", {{{"text", fixed}}}}}));
    script += frame(request(8, "no/such/method", json::object()));
    script += frame(notify("textDocument/didClose", {{"textDocument", {{"uri", kUri}}}}));
    script += frame(request(9, "shutdown", nullptr));
    script += frame(notify("exit", nullptr));
    const SessionRun run = run_binary(script);
    EXPECT_EQ(run.code, 0) << run.log;

    // initialize: the capabilities the server has.
    const json* init = response(run, 1);
    ASSERT_NE(init, nullptr);
    const json& caps = (*init)["result"]["capabilities"];
    EXPECT_EQ(caps["textDocumentSync"]["change"], 1);
    for (const char* provider : {"documentFormattingProvider", "hoverProvider", "definitionProvider",
                                 "referencesProvider", "documentSymbolProvider"})
        EXPECT_EQ(caps[provider], true) << provider;
    EXPECT_EQ(caps["completionProvider"]["triggerCharacters"], json::array({"(", "[", "{", ","}));

    // didOpen: the error, where `jointly check` puts it, in UTF-16 units.
    const auto diagnostics = published(run);
    ASSERT_EQ(diagnostics.size(), 3U);
    EXPECT_EQ(diagnostics[0]["uri"], kUri);
    EXPECT_EQ(diagnostics[0]["version"], 1);
    const json* unknown = nullptr;
    for (const auto& d : diagnostics[0]["diagnostics"])
        if (d["code"] == "E2005") unknown = &d;
    ASSERT_NE(unknown, nullptr) << diagnostics[0].dump(2);
    EXPECT_EQ((*unknown)["range"], range(11, 29, 11, 34));
    EXPECT_EQ((*unknown)["severity"], 1);
    EXPECT_EQ((*unknown)["source"], "jointly");
    EXPECT_NE((*unknown)["message"].get<std::string>().find("`urgnt`"), std::string::npos);
    // didChange: fixed, so no error is left (the version is the change's).
    EXPECT_EQ(diagnostics[1]["version"], 2);
    for (const auto& d : diagnostics[1]["diagnostics"]) EXPECT_NE(d["severity"], 1) << d.dump();
    // didClose: the document's diagnostics are cleared.
    EXPECT_EQ(diagnostics[2]["diagnostics"], json::array());

    // formatting: one edit over the whole text, giving what `jointly fmt` gives.
    const json* format = response(run, 2);
    ASSERT_NE(format, nullptr);
    ASSERT_EQ((*format)["result"].size(), 1U) << format->dump(2);
    EXPECT_EQ((*format)["result"][0]["range"], range(0, 0, 14, 0));
    const std::string formatted = (*format)["result"][0]["newText"];
    EXPECT_EQ(formatted, fmt_output(kPolicy));
    EXPECT_NE(formatted, kPolicy);

    // definition: `health` in the split is the agency declared on line 4.
    const json* definition = response(run, 3);
    ASSERT_NE(definition, nullptr);
    EXPECT_EQ((*definition)["result"], json({{"uri", kUri}, {"range", range(4, 8, 4, 14)}}));

    // references: the declaration, then the split (the reason's text is not a reference).
    const json* references = response(run, 4);
    ASSERT_NE(references, nullptr);
    EXPECT_EQ((*references)["result"], json::array({{{"uri", kUri}, {"range", range(4, 8, 4, 14)}},
                                                    {{"uri", kUri}, {"range", range(12, 8, 12, 14)}}}));

    // hover on a rule: its clause reference and reason; on a fact: its declaration.
    const json* rule = response(run, 5);
    ASSERT_NE(rule, nullptr);
    EXPECT_EQ((*rule)["result"]["contents"]["value"],
              "**rule** `respite` · ref `R.1`\n\nhealth and social care share respite");
    EXPECT_EQ((*rule)["result"]["range"], range(10, 5, 10, 12));
    const json* fact = response(run, 6);
    ASSERT_NE(fact, nullptr);
    EXPECT_EQ((*fact)["result"]["contents"]["value"], "**fact** `note`\n\n```jointly\nfact note: text\n```");

    // documentSymbol: the outline in written order.
    const json* symbols = response(run, 7);
    ASSERT_NE(symbols, nullptr);
    std::vector<std::string> names;
    for (const auto& s : (*symbols)["result"]) names.push_back(s["name"]);
    EXPECT_EQ(names, (std::vector<std::string>{"demo", "health", "social_care", "note", "urgent", "respite"}));
    EXPECT_EQ((*symbols)["result"][5]["kind"], 12);
    EXPECT_EQ((*symbols)["result"][5]["selectionRange"], range(10, 5, 10, 12));
    EXPECT_EQ((*symbols)["result"][5]["range"]["start"], range(10, 0, 10, 0)["start"]);

    // completion on the document with its error: the facts, replacing all of `urgnt` (UTF-16
    // 29..34 after the `é` and the emoji); in a split, the agencies, replacing `health`; on a
    // line the document does not have, nothing.
    const json* in_condition = response(run, 10);
    ASSERT_NE(in_condition, nullptr);
    std::vector<std::string> offered;
    for (const auto& i : (*in_condition)["result"]) {
        offered.push_back(i["label"]);
        EXPECT_EQ(i["textEdit"]["range"], range(11, 29, 11, 34)) << i.dump();
    }
    EXPECT_NE(std::find(offered.begin(), offered.end(), "urgent"), offered.end());
    EXPECT_NE(std::find(offered.begin(), offered.end(), "note"), offered.end());
    EXPECT_EQ(std::find(offered.begin(), offered.end(), "health"), offered.end());
    const json* in_split = response(run, 11);
    ASSERT_NE(in_split, nullptr);
    ASSERT_EQ((*in_split)["result"].size(), 2U) << in_split->dump();
    EXPECT_EQ((*in_split)["result"][0]["label"], "health");
    EXPECT_EQ((*in_split)["result"][0]["detail"], "agency \xE2\x80\x94 NHS \xC2\xA3 budget");
    EXPECT_EQ((*in_split)["result"][0]["textEdit"], json({{"range", range(12, 8, 12, 14)}, {"newText", "health"}}));
    EXPECT_EQ((*in_split)["result"][1]["label"], "social_care");
    const json* nowhere = response(run, 12);
    ASSERT_NE(nowhere, nullptr);
    EXPECT_EQ((*nowhere)["result"], json::array());

    // an unknown method is an error that names it; shutdown answers null.
    const json* unknown_method = response(run, 8);
    ASSERT_NE(unknown_method, nullptr);
    EXPECT_EQ((*unknown_method)["error"]["code"], -32601);
    const json* shutdown = response(run, 9);
    ASSERT_NE(shutdown, nullptr);
    EXPECT_EQ((*shutdown)["result"], nullptr);
}

TEST(LspSession, ExitWithoutShutdownOrEndOfInputExitsOne) {
    const std::string init =
        frame(request(1, "initialize", {{"processId", nullptr}, {"capabilities", json::object()}}));
    EXPECT_EQ(run_binary(init + frame(notify("exit", nullptr))).code, 1);
    EXPECT_EQ(run_binary(init).code, 1);
    EXPECT_EQ(run_binary(init + frame(request(2, "shutdown", nullptr)) + frame(notify("exit", nullptr))).code, 0);
}

TEST(LspSession, ABadFrameIsAnsweredAndTheNextMessageStillServed) {
    std::string script = "Content-Type: nothing\r\n\r\n";  // no Content-Length
    script += "Content-Length: 20000000\r\n\r\n" + std::string(20000000, ' ');
    script += frame(request(1, "initialize", {{"capabilities", json::object()}}));
    script += frame(request(2, "shutdown", nullptr)) + frame(notify("exit", nullptr));
    const SessionRun run = run_binary(script);
    EXPECT_EQ(run.code, 0);
    ASSERT_GE(run.messages.size(), 4U);
    EXPECT_EQ(run.messages[0]["error"]["code"], -32700);
    EXPECT_EQ(run.messages[0]["id"], nullptr);
    EXPECT_EQ(run.messages[1]["error"]["code"], -32600);
    EXPECT_TRUE(run.messages[2]["result"].contains("capabilities"));
    EXPECT_NE(run.log.find("no Content-Length"), std::string::npos) << run.log;
    EXPECT_NE(run.log.find("over the limit"), std::string::npos) << run.log;
}

}  // namespace
}  // namespace jointly::testing
