// The language server's parts in process: framing, JSON-RPC errors and the lifecycle
// (lsp.hpp), UTF-16 positions (lsp_text.hpp) and the name index (lsp_index.hpp).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jointly/dsl/parse.hpp"
#include "lsp.hpp"
#include "lsp_index.hpp"
#include "lsp_text.hpp"

namespace jointly::testing {
namespace {

using nlohmann::json;
using server::lsp::Frame;
using server::lsp::LineMap;
using server::lsp::Point;
using server::lsp::Position;
using server::lsp::Session;

std::string framed(const std::string& body) {
    return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// ---- framing

struct FrameCase {
    const char* name;
    std::string input;
    Frame::Status status;
    std::string body = {};     // for Message
    std::string problem = {};  // a part of it, for BadHeader and TooLarge
};

void PrintTo(const FrameCase& c, std::ostream* os) { *os << c.name; }

class LspFraming : public ::testing::TestWithParam<FrameCase> {};

TEST_P(LspFraming, ReadsOneFrame) {
    const auto& c = GetParam();
    std::istringstream in(c.input);
    server::lsp::Limits limits;
    limits.max_message = 64;
    limits.max_header_line = 40;
    const Frame f = server::lsp::read_frame(in, limits);
    EXPECT_EQ(f.status, c.status) << f.problem;
    EXPECT_EQ(f.body, c.body);
    EXPECT_NE(f.problem.find(c.problem), std::string::npos) << f.problem;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LspFraming,
    ::testing::Values(
        FrameCase{.name = "message", .input = framed("{}"), .status = Frame::Status::Message, .body = "{}"},
        FrameCase{.name = "other_headers_and_lf",
                  .input = "Content-Type: application/vscode-jsonrpc\ncontent-length:  3\n\n[1]",
                  .status = Frame::Status::Message,
                  .body = "[1]"},
        FrameCase{.name = "no_length", .input = "Content-Type: x\r\n\r\n{}", .status = Frame::Status::BadHeader,
                  .problem = "no Content-Length"},
        FrameCase{.name = "length_not_a_number", .input = "Content-Length: -2\r\n\r\n{}",
                  .status = Frame::Status::BadHeader, .problem = "not a whole number: `-2`"},
        FrameCase{.name = "length_absurd", .input = "Content-Length: 99999999999999999999999\r\n\r\n",
                  .status = Frame::Status::BadHeader, .problem = "not a whole number"},
        FrameCase{.name = "no_colon", .input = "Content-Length 2\r\n\r\n{}", .status = Frame::Status::BadHeader,
                  .problem = "without `:`"},
        FrameCase{.name = "header_line_too_long", .input = "X-Padding: " + std::string(100, 'x') + "\r\n\r\n",
                  .status = Frame::Status::BadHeader, .problem = "longer than 40 bytes"},
        FrameCase{.name = "too_large", .input = "Content-Length: 65\r\n\r\n" + std::string(65, ' '),
                  .status = Frame::Status::TooLarge, .problem = "65 bytes, over the limit of 64"},
        FrameCase{.name = "cut_short", .input = "Content-Length: 10\r\n\r\n{}", .status = Frame::Status::End},
        FrameCase{.name = "empty", .input = "", .status = Frame::Status::End}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(LspFraming, AnOversizeBodyIsSkippedAndTheNextFrameRead) {
    std::istringstream in("Content-Length: 100\r\n\r\n" + std::string(100, 'x') + framed("{\"a\":1}"));
    server::lsp::Limits limits;
    limits.max_message = 10;
    EXPECT_EQ(server::lsp::read_frame(in, limits).status, Frame::Status::TooLarge);
    const Frame next = server::lsp::read_frame(in, limits);
    EXPECT_EQ(next.status, Frame::Status::Message);
    EXPECT_EQ(next.body, "{\"a\":1}");
}

TEST(LspFraming, WriteFrameCountsBytesNotCharacters) {
    std::ostringstream out;
    server::lsp::write_frame(out, "\"\xC2\xA3\"");
    EXPECT_EQ(out.str(), "Content-Length: 4\r\n\r\n\"\xC2\xA3\"");
}

// ---- JSON-RPC errors and the lifecycle

json only(const std::vector<json>& messages) {
    EXPECT_EQ(messages.size(), 1U);
    return messages.empty() ? json() : messages.front();
}

Session initialized() {
    Session s;
    const auto r = only(s.handle(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"capabilities":{}}})"));
    EXPECT_TRUE(r.contains("result")) << r.dump();
    return s;
}

struct RpcCase {
    const char* name;
    std::string body;
    int code;        // the error's code; 0: no answer at all
    json id = nullptr;
};

void PrintTo(const RpcCase& c, std::ostream* os) { *os << c.name; }

class LspRpc : public ::testing::TestWithParam<RpcCase> {};

TEST_P(LspRpc, AnswersMalformedMessagesWithAnError) {
    const auto& c = GetParam();
    Session s = initialized();
    s.handle(R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///x.jf","text":"x"}}})");
    const auto out = s.handle(c.body);
    if (c.code == 0) {
        EXPECT_TRUE(out.empty()) << out.front().dump();
        return;
    }
    const json r = only(out);
    EXPECT_EQ(r["jsonrpc"], "2.0");
    EXPECT_EQ(r["error"]["code"], c.code) << r.dump();
    EXPECT_EQ(r["id"], c.id);
    EXPECT_FALSE(s.exited());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LspRpc,
    ::testing::Values(
        RpcCase{.name = "not_json", .body = "{\"jsonrpc\": ", .code = -32700},
        RpcCase{.name = "duplicate_key", .body = R"({"jsonrpc":"2.0","id":1,"id":2,"method":"shutdown"})",
                .code = -32700},
        RpcCase{.name = "not_an_object", .body = "[1, 2]", .code = -32600},
        RpcCase{.name = "bad_id", .body = R"({"jsonrpc":"2.0","id":{},"method":"shutdown"})", .code = -32600},
        RpcCase{.name = "no_version", .body = R"({"id":3,"method":"shutdown"})", .code = -32600, .id = 3},
        RpcCase{.name = "method_not_text", .body = R"({"jsonrpc":"2.0","id":4,"method":7})", .code = -32600,
                .id = 4},
        RpcCase{.name = "unknown_method", .body = R"({"jsonrpc":"2.0","id":"x","method":"workspace/frob"})",
                .code = -32601, .id = "x"},
        RpcCase{.name = "unknown_notification", .body = R"({"jsonrpc":"2.0","method":"$/cancelRequest"})",
                .code = 0},
        RpcCase{.name = "params_not_structured", .body = R"({"jsonrpc":"2.0","id":5,"method":"shutdown","params":3})",
                .code = -32602, .id = 5},
        RpcCase{.name = "document_not_open",
                .body = R"({"jsonrpc":"2.0","id":6,"method":"textDocument/formatting",)"
                        R"("params":{"textDocument":{"uri":"file:///y.jf"}}})",
                .code = -32602, .id = 6},
        RpcCase{.name = "negative_position",
                .body = R"({"jsonrpc":"2.0","id":7,"method":"textDocument/hover",)"
                        R"("params":{"textDocument":{"uri":"file:///x.jf"},"position":{"line":-1,"character":0}}})",
                .code = -32602, .id = 7},
        RpcCase{.name = "initialize_twice",
                .body = R"({"jsonrpc":"2.0","id":8,"method":"initialize","params":{}})", .code = -32602, .id = 8},
        RpcCase{.name = "a_response_from_the_client", .body = R"({"jsonrpc":"2.0","id":9,"result":null})",
                .code = 0}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(LspLifecycle, RequestsBeforeInitializeAndAfterShutdownAreRefused) {
    Session s;
    EXPECT_EQ(only(s.handle(R"({"jsonrpc":"2.0","id":1,"method":"shutdown"})"))["error"]["code"], -32002);
    EXPECT_TRUE(s.handle(R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{}})").empty());
    s = initialized();
    EXPECT_EQ(only(s.handle(R"({"jsonrpc":"2.0","id":2,"method":"shutdown"})"))["result"], nullptr);
    EXPECT_EQ(only(s.handle(R"({"jsonrpc":"2.0","id":3,"method":"textDocument/hover","params":{}})"))["error"]["code"],
              -32600);
    EXPECT_EQ(s.exit_code(), 0);
    EXPECT_TRUE(s.handle(R"({"jsonrpc":"2.0","method":"exit"})").empty());
    EXPECT_TRUE(s.exited());
}

TEST(LspLifecycle, DocumentsOverTheLimitsAreNotChecked) {
    server::lsp::Limits limits;
    limits.max_document = 10;
    limits.max_documents = 1;
    Session s(limits);
    s.handle(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{}})");
    const auto big = only(s.handle(
        R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"a","version":1,"text":"01234567890"}}})"));
    EXPECT_EQ(big["method"], "textDocument/publishDiagnostics");
    EXPECT_NE(big["params"]["diagnostics"][0]["message"].get<std::string>().find("larger than the limit of 10 bytes"),
              std::string::npos);
    only(s.handle(R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"b","text":"x"}}})"));
    const auto second = only(
        s.handle(R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"c","text":"y"}}})"));
    EXPECT_EQ(second["method"], "window/showMessage");
    // `a` was refused, so asking about it is an error
    EXPECT_EQ(only(s.handle(R"({"jsonrpc":"2.0","id":1,"method":"textDocument/documentSymbol",)"
                            R"("params":{"textDocument":{"uri":"a"}}})"))["error"]["code"],
              -32602);
}

TEST(LspLifecycle, IncrementalChangesAreAppliedInUtf16Units) {
    Session s = initialized();
    s.handle(R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"u","text":"a\u00a3\ud83d\ude00b\nxy"}}})");
    // replace the emoji (characters 2..4 of line 0) and the `x` on line 1
    s.handle(R"({"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"u","version":2},)"
             R"("contentChanges":[{"range":{"start":{"line":0,"character":2},"end":{"line":0,"character":4}},"text":"-"},)"
             R"({"range":{"start":{"line":1,"character":0},"end":{"line":1,"character":1}},"text":"z"}]}})");
    const auto edits = only(s.handle(R"({"jsonrpc":"2.0","id":1,"method":"textDocument/hover",)"
                                     R"("params":{"textDocument":{"uri":"u"},"position":{"line":0,"character":0}}})"));
    EXPECT_EQ(edits["result"], nullptr);  // not a policy: nothing to show, and no error
    // the text is now "a£-b\nzy": formatting it does not parse, so no edit
    EXPECT_EQ(only(s.handle(R"({"jsonrpc":"2.0","id":2,"method":"textDocument/formatting",)"
                            R"("params":{"textDocument":{"uri":"u"}}})"))["result"],
              json::array());
}

TEST(LspServe, AnswersEachFrameAndStopsAtExit) {
    std::string input = framed(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");
    input += "Content-Length: x\r\n\r\n";
    input += framed("not json");
    input += framed(R"({"jsonrpc":"2.0","id":2,"method":"shutdown"})");
    input += framed(R"({"jsonrpc":"2.0","method":"exit"})");
    input += framed(R"({"jsonrpc":"2.0","id":3,"method":"shutdown"})");  // after exit: not read
    std::istringstream in(input);
    std::ostringstream out;
    std::ostringstream log;
    EXPECT_EQ(server::lsp::serve(in, out, log), 0);
    std::istringstream answers(out.str());
    std::vector<json> got;
    for (Frame f; (f = server::lsp::read_frame(answers, {})).status == Frame::Status::Message;)
        got.push_back(json::parse(f.body));
    ASSERT_EQ(got.size(), 4U);
    EXPECT_EQ(got[0]["id"], 1);
    EXPECT_EQ(got[1]["error"]["code"], -32700);
    EXPECT_EQ(got[2]["error"]["code"], -32700);
    EXPECT_EQ(got[3]["id"], 2);
    EXPECT_NE(log.str().find("not a whole number"), std::string::npos);
}

// ---- positions

TEST(LspPositions, CodePointColumnsBecomeUtf16Units) {
    // `£` is 2 bytes and 1 unit, `é` 2 bytes and 1 unit, the emoji 4 bytes and 2 units.
    const std::string text = "ab\n\xC2\xA3" "1 caf\xC3\xA9 \xF0\x9F\x98\x80 x\n";
    const LineMap map(text);
    struct Case {
        Point point;
        Position position;
        std::size_t offset;
    };
    const Case cases[] = {
        {{1, 1}, {0, 0}, 0},   {{1, 3}, {0, 2}, 2},    {{2, 1}, {1, 0}, 3},   {{2, 2}, {1, 1}, 5},
        {{2, 8}, {1, 7}, 12},  {{2, 9}, {1, 8}, 13},   {{2, 10}, {1, 10}, 17}, {{2, 11}, {1, 11}, 18},
        {{3, 1}, {2, 0}, 20},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(map.position(c.point), c.position) << c.point.line << ":" << c.point.column;
        EXPECT_EQ(map.point(c.position), c.point) << c.position.line << ":" << c.position.character;
        EXPECT_EQ(map.offset(c.position), c.offset) << c.position.line << ":" << c.position.character;
        EXPECT_EQ(map.offset(c.point), c.offset);
    }
    EXPECT_EQ(map.end(), (Position{2, 0}));
    // clamped: past a line's end, past the last line, inside the emoji's surrogate pair
    EXPECT_EQ(map.position({1, 40}), (Position{0, 2}));
    EXPECT_EQ(map.position({9, 1}), (Position{2, 0}));
    EXPECT_EQ(map.offset(Position{1, 9}), 13U);
    EXPECT_EQ(map.point(Position{1, 9}), (Point{2, 9}));
    EXPECT_EQ(map.position({0, 0}), (Position{0, 0}));  // a diagnostic with no place
    EXPECT_EQ(LineMap("x\xC2\xA3").end(), (Position{0, 2}));
}

TEST(LspPositions, ALoneCarriageReturnEndsALine) {
    // The protocol's line ends are `\n`, `\r\n` and `\r`; the parser counts the same lines.
    const std::string text = "ab\rcd\r\nef\ngh";
    const LineMap map(text);
    EXPECT_EQ(map.offset(Point{2, 1}), 3U);
    EXPECT_EQ(map.offset(Point{3, 2}), 8U);
    EXPECT_EQ(map.position(Point{4, 2}), (Position{3, 1}));
    EXPECT_EQ(map.point(Position{1, 1}), (Point{2, 2}));
    EXPECT_EQ(map.position(Point{1, 9}), (Position{0, 2}));  // clamped before the `\r`
    EXPECT_EQ(map.end(), (Position{3, 2}));
}

TEST(LspPositions, AByteOrderMarkTakesNoColumnButOneCharacter) {
    // The parser counts columns after the mark; a client that kept it counts it as one unit.
    const std::string text = "\xEF\xBB\xBFpolicy p \"P\"\n  version \"1\"\n  effective from 2025-04-01\n";
    const LineMap map(text);
    EXPECT_EQ(map.offset(Point{1, 1}), 3U);
    EXPECT_EQ(map.position(Point{1, 1}), (Position{0, 1}));
    EXPECT_EQ(map.position(Point{1, 8}), (Position{0, 8}));  // `p`
    EXPECT_EQ(map.point(Position{0, 8}), (Point{1, 8}));
    EXPECT_EQ(map.point(Position{0, 0}), (Point{1, 1}));  // before the mark: the first column
    EXPECT_EQ(map.position(Point{2, 2}), (Position{1, 1}));  // later lines are untouched
    const auto parsed = dsl::parse(text, "bom.jf");
    ASSERT_TRUE(parsed.module.has_value());
    const dsl::Span id = parsed.module->header.id.span;
    EXPECT_EQ(map.offset(Point{id.line, id.column}), id.offset);
}

TEST(LspPositions, APlaceholderAfterAnEscapeIsMarkedWhereItIsWritten) {
    // `\"` and `\\` take two characters each in the text, one in the reason.
    const std::string text = "policy p \"P\"\n  version \"1\"\n  effective from 2025-04-01\n"
                             "agency health \"NHS\"\nevent surgery\nrule r\n  split health 100%\n"
                             "  because \"the \\\"post-op\\\" \\\\ period after {surgry}\"\n";
    Session s = initialized();
    const json open = {{"jsonrpc", "2.0"},
                       {"method", "textDocument/didOpen"},
                       {"params", {{"textDocument", {{"uri", "u"}, {"version", 1}, {"text", text}}}}}};
    const auto published = only(s.handle(open.dump()));
    ASSERT_EQ(published["method"], "textDocument/publishDiagnostics") << published.dump();
    const json& diagnostics = published["params"]["diagnostics"];
    ASSERT_EQ(diagnostics.size(), 1U) << published.dump();
    // line 7: `  because "the \"post-op\" \\ period after {surgry}"`: `{surgry}` at 43..51
    EXPECT_EQ(diagnostics[0]["range"]["start"], (json{{"line", 7}, {"character", 43}})) << published.dump();
    EXPECT_EQ(diagnostics[0]["range"]["end"], (json{{"line", 7}, {"character", 51}})) << published.dump();
}

// ---- the index

TEST(LspIndex, ResolvesEachReferenceToItsDeclaration) {
    const std::string text =
        "policy p \"P\"\n  version \"1\"\n  effective from 2025-04-01\n\n"
        "agency health \"NHS\"\nagency council \"Council\"\nagency group everyone: health, council\n"
        "scale need: low < high\nfact level: need\nevent surgery\nlet big = level is high\n"
        "rule a ref \"1\"\n  when big\n  within 6 weeks after surgery\n  split health 100%\n  because \"a\"\n\n"
        "rule b ref \"2\"\n  exception to a\n  split council 100%\n  because \"b\"\n\n"
        "decline ref \"3\" when big because \"too big\"\n";
    const auto parsed = dsl::parse(text, "t.jf");
    ASSERT_TRUE(parsed.module.has_value()) << parsed.diagnostics.front().message;
    const auto index = server::lsp::build_index(*parsed.module);
    const auto name_at = [&](std::uint32_t line, std::uint32_t column) {
        const auto* o = index.at(line, column);
        return o == nullptr ? std::string("-")
                            : std::string(server::lsp::kind_name(index.declarations[o->declaration].kind)) + " " +
                                  index.declarations[o->declaration].name;
    };
    EXPECT_EQ(name_at(7, 26), "agency health");       // a group's member
    EXPECT_EQ(name_at(9, 13), "scale need");          // a fact's type
    EXPECT_EQ(name_at(11, 22), "level high");         // a level in an expression
    EXPECT_EQ(name_at(13, 8), "definition big");      // `when big`
    EXPECT_EQ(name_at(13, 11), "definition big");     // just past the name
    EXPECT_EQ(name_at(14, 24), "event surgery");      // a window's event
    EXPECT_EQ(name_at(15, 9), "agency health");       // a split's agency
    EXPECT_EQ(name_at(19, 16), "rule a");             // `exception to a`
    EXPECT_EQ(name_at(12, 6), "rule a");              // the declaration itself
    EXPECT_EQ(name_at(12, 12), "-");                  // the clause reference is no name
    EXPECT_EQ(name_at(23, 3), "outcome rule decline");  // an outcome rule's keyword
    EXPECT_EQ(name_at(23, 23), "definition big");
    // `health`: declared, a member of `everyone`, in a split
    const auto* health = index.at(5, 8);
    ASSERT_NE(health, nullptr);
    EXPECT_EQ(index.of(health->declaration, true).size(), 3U);
    EXPECT_EQ(index.of(health->declaration, false).size(), 2U);
}

}  // namespace
}  // namespace jointly::testing
