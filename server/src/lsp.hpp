// `jointly lsp`: a Language Server Protocol server for policy files over a byte stream
// (standard input and output). Diagnostics come from engine::compile, as `jointly check`
// reports them; formatting is dsl::format, as `jointly fmt` writes it. docs/authoring.md
// ("Editor support") describes what it offers; docs/adr/0016-language-server.md why it is so.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace jointly::server::lsp {

// Bounds on what a client can make the server hold.
struct Limits {
    std::size_t max_message = 16U << 20U;   // bytes of one message's body
    std::size_t max_header_line = 8192;     // bytes of one header line
    std::size_t max_document = 4U << 20U;   // bytes of one open document
    std::size_t max_documents = 256;        // documents open at once
};

// JSON-RPC error codes the server answers with.
namespace errors {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kServerNotInitialized = -32002;
}  // namespace errors

// One framed message read from the stream.
struct Frame {
    enum class Status {
        Message,    // `body` holds the message
        End,        // the stream ended (cleanly, or inside a message)
        BadHeader,  // no usable Content-Length, or a header line too long; `problem` says which
        TooLarge,   // Content-Length over Limits::max_message; the body was read and dropped
    };
    Status status = Status::End;
    std::string body;
    std::string problem;
};

// Reads `Content-Length: N\r\n` (other headers ignored), a blank line, then N bytes. Never
// allocates more than the limits allow; never throws.
Frame read_frame(std::istream& in, const Limits& limits);

// Writes one message with its Content-Length header and flushes.
void write_frame(std::ostream& out, std::string_view body);

// The server's state: open documents, the protocol's lifecycle. Not thread-safe; one per
// connection.
class Session {
public:
    explicit Session(Limits limits = {});

    // Handles one message's body; returns what to send back, in order (a response and/or
    // notifications such as publishDiagnostics). Malformed input gets a JSON-RPC error
    // response, never an exception.
    std::vector<nlohmann::json> handle(std::string_view body);
    // The answer to a frame that could not be read (a JSON-RPC error without an id).
    static nlohmann::json frame_error(const Frame& frame);

    bool exited() const { return exited_; }
    // The process exit code: 0 once `shutdown` was received, 1 otherwise (the protocol's rule).
    int exit_code() const { return shutdown_ ? 0 : 1; }

private:
    struct Document {
        std::string text;
        std::int64_t version = 0;
    };

    nlohmann::json dispatch(const std::string& method, const nlohmann::json& params, bool is_request,
                            std::vector<nlohmann::json>& notes);
    void open(const nlohmann::json& params, std::vector<nlohmann::json>& notes);
    void change(const nlohmann::json& params, std::vector<nlohmann::json>& notes);
    void close(const nlohmann::json& params, std::vector<nlohmann::json>& notes);
    const Document& document(const nlohmann::json& params) const;

    Limits limits_;
    std::map<std::string, Document> documents_;
    bool initialized_ = false;
    bool shutdown_ = false;
    bool exited_ = false;
};

// Serves one client: reads frames from `in` until `exit` or the end of the stream and writes
// the answers to `out`; `log` gets one line per problem in the stream. Returns the exit code
// (Session::exit_code). Never throws.
int serve(std::istream& in, std::ostream& out, std::ostream& log, const Limits& limits = {});

}  // namespace jointly::server::lsp
