// The language server's protocol: framing, JSON-RPC, the lifecycle and open documents. The
// answers themselves are in lsp_features.cpp and lsp_completion.cpp.
#include "lsp.hpp"

#include <algorithm>
#include <cctype>
#include <istream>
#include <limits>
#include <ostream>
#include <stdexcept>

#include "jointly/server/codec.hpp"
#include "lsp_completion.hpp"
#include "lsp_features.hpp"

namespace jointly::server::lsp {
namespace {

using nlohmann::json;

// Thrown by the handlers when a request's params are not what the method takes: answered with
// -32602.
class InvalidParams : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

enum class LineStatus { Ok, End, TooLong };

// One header line without its `\r\n` (or `\n`); a line longer than `max` is read to its end
// and dropped.
LineStatus read_line(std::istream& in, std::size_t max, std::string& line) {
    line.clear();
    bool too_long = false;
    for (;;) {
        const auto c = in.get();
        if (c == std::char_traits<char>::eof()) return LineStatus::End;
        if (c == '\n') break;
        if (line.size() < max) line.push_back(static_cast<char>(c));
        else too_long = true;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return too_long ? LineStatus::TooLong : LineStatus::Ok;
}

// Reads and drops `n` bytes; false when the stream ends first.
bool skip(std::istream& in, std::size_t n) {
    char buffer[4096];
    while (n > 0) {
        const auto chunk = static_cast<std::streamsize>(std::min(n, sizeof buffer));
        in.read(buffer, chunk);
        if (in.gcount() != chunk) return false;
        n -= static_cast<std::size_t>(chunk);
    }
    return true;
}

json error_response(const json& id, int code, const std::string& message) {
    return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

json notification(const std::string& method, json params) {
    return {{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

std::string text_field(const json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) throw InvalidParams(std::string("`") + key + "` must be a string");
    return it->get<std::string>();
}

const json& object_field(const json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_object()) throw InvalidParams(std::string("`") + key + "` must be an object");
    return *it;
}

std::uint32_t whole_field(const json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number_unsigned() ||
        it->get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max())
        throw InvalidParams(std::string("`") + key + "` must be a whole number from 0");
    return static_cast<std::uint32_t>(it->get<std::uint64_t>());
}

std::string uri_of(const json& params) { return text_field(object_field(params, "textDocument"), "uri"); }

Position position_of(const json& params) {
    const json& p = object_field(params, "position");
    return {whole_field(p, "line"), whole_field(p, "character")};
}

json capabilities() {
    json triggers = json::array();
    for (const auto c : kCompletionTriggers) triggers.push_back(c);
    return {{"capabilities",
             {{"positionEncoding", "utf-16"},
              {"textDocumentSync", {{"openClose", true}, {"change", 1}}},
              {"documentFormattingProvider", true},
              {"hoverProvider", true},
              {"definitionProvider", true},
              {"referencesProvider", true},
              {"documentSymbolProvider", true},
              {"completionProvider", {{"triggerCharacters", std::move(triggers)}, {"resolveProvider", false}}}}},
            {"serverInfo", {{"name", "jointly"}, {"version", JOINTLY_VERSION}}}};
}

}  // namespace

Frame read_frame(std::istream& in, const Limits& limits) {
    Frame frame;
    std::string line;
    std::optional<std::size_t> length;
    std::string problem;
    bool any = false;
    for (;;) {
        const auto status = read_line(in, limits.max_header_line, line);
        if (status == LineStatus::End) return frame;  // End
        if (status == LineStatus::TooLong) {
            any = true;
            problem = "a header line longer than " + std::to_string(limits.max_header_line) + " bytes";
            continue;
        }
        if (line.empty()) {
            if (!any) continue;  // blank lines between messages
            break;
        }
        any = true;
        const auto colon = line.find(':');
        if (colon == std::string::npos) {
            problem = "a header line without `:`";
            continue;
        }
        if (lower(trim(line.substr(0, colon))) != "content-length") continue;
        const std::string value = trim(line.substr(colon + 1));
        if (value.empty() || value.size() > 18 ||
            !std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
            problem = "a Content-Length that is not a whole number: `" + value.substr(0, 40) + "`";
            continue;
        }
        length = static_cast<std::size_t>(std::stoull(value));
    }
    if (!length && problem.empty()) problem = "no Content-Length header";
    if (!problem.empty()) {
        frame.status = Frame::Status::BadHeader;
        frame.problem = problem;
        return frame;
    }
    if (*length > limits.max_message) {
        frame.problem = "a message of " + std::to_string(*length) + " bytes, over the limit of " +
                        std::to_string(limits.max_message);
        if (!skip(in, *length)) return Frame{};
        frame.status = Frame::Status::TooLarge;
        return frame;
    }
    frame.body.resize(*length);
    in.read(frame.body.data(), static_cast<std::streamsize>(*length));
    if (static_cast<std::size_t>(in.gcount()) != *length) return Frame{};
    frame.status = Frame::Status::Message;
    return frame;
}

void write_frame(std::ostream& out, std::string_view body) {
    out << "Content-Length: " << body.size() << "\r\n\r\n" << body;
    out.flush();
}

Session::Session(Limits limits) : limits_(limits) {}

json Session::frame_error(const Frame& frame) {
    const int code = frame.status == Frame::Status::TooLarge ? errors::kInvalidRequest : errors::kParseError;
    return error_response(nullptr, code, frame.problem);
}

std::vector<json> Session::handle(std::string_view body) {
    std::vector<json> out;
    auto parsed = parse_json(body);
    if (!parsed.value) {
        out.push_back(error_response(nullptr, errors::kParseError, "not JSON: " + parsed.error.message));
        return out;
    }
    const json& message = *parsed.value;
    if (!message.is_object()) {
        out.push_back(error_response(nullptr, errors::kInvalidRequest, "a message must be a JSON object"));
        return out;
    }
    const auto id_it = message.find("id");
    const bool has_id = id_it != message.end();
    if (has_id && !id_it->is_string() && !id_it->is_number_integer()) {
        out.push_back(error_response(nullptr, errors::kInvalidRequest, "`id` must be a number or a string"));
        return out;
    }
    const json id = has_id ? *id_it : json(nullptr);
    const auto method_it = message.find("method");
    if (method_it == message.end() && has_id && (message.contains("result") || message.contains("error")))
        return out;  // a response to a request of ours: the server sends none
    const auto version = message.find("jsonrpc");
    if (version == message.end() || *version != "2.0") {
        out.push_back(error_response(id, errors::kInvalidRequest, "`jsonrpc` must be \"2.0\""));
        return out;
    }
    if (method_it == message.end() || !method_it->is_string()) {
        out.push_back(error_response(id, errors::kInvalidRequest, "`method` must be a string"));
        return out;
    }
    const std::string method = method_it->get<std::string>();
    const auto params_it = message.find("params");
    // `params` null is taken as absent, as clients send it so for `shutdown` and `exit`.
    const json params = params_it == message.end() || params_it->is_null() ? json::object() : *params_it;
    if (!params.is_object() && !params.is_array()) {
        if (has_id) out.push_back(error_response(id, errors::kInvalidParams, "`params` must be an object or array"));
        return out;
    }
    if (method == "exit") {
        exited_ = true;
        return out;
    }
    if (!initialized_ && method != "initialize") {
        if (has_id) out.push_back(error_response(id, errors::kServerNotInitialized, "the server is not initialized"));
        return out;
    }
    if (shutdown_) {
        if (has_id) out.push_back(error_response(id, errors::kInvalidRequest, "the server is shut down"));
        return out;
    }
    std::vector<json> notes;
    try {
        json result = dispatch(method, params, has_id, notes);
        if (has_id) {
            if (result.is_discarded())
                out.push_back(error_response(id, errors::kMethodNotFound, "no method `" + method + "`"));
            else
                out.push_back({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
        }
    } catch (const InvalidParams& e) {
        if (has_id) out.push_back(error_response(id, errors::kInvalidParams, e.what()));
    } catch (const json::exception& e) {
        if (has_id) out.push_back(error_response(id, errors::kInvalidParams, e.what()));
    } catch (const std::exception& e) {
        if (has_id) out.push_back(error_response(id, errors::kInternalError, e.what()));
    }
    out.insert(out.end(), notes.begin(), notes.end());
    return out;
}

json Session::dispatch(const std::string& method, const json& params, bool is_request, std::vector<json>& notes) {
    if (method == "initialize") {
        if (initialized_) throw InvalidParams("the server is already initialized");
        if (!is_request) return nullptr;
        initialized_ = true;
        return capabilities();
    }
    if (method == "initialized") return nullptr;
    if (method == "shutdown") {
        shutdown_ = true;
        documents_.clear();
        return nullptr;
    }
    if (method == "textDocument/didOpen") open(params, notes);
    else if (method == "textDocument/didChange") change(params, notes);
    else if (method == "textDocument/didClose") close(params, notes);
    else if (method == "textDocument/formatting") return formatting(document(params).text);
    else if (method == "textDocument/hover") return hover(document(params).text, position_of(params));
    else if (method == "textDocument/definition")
        return definition(document(params).text, uri_of(params), position_of(params));
    else if (method == "textDocument/references") {
        bool with_declaration = false;
        if (const auto c = params.find("context"); c != params.end() && c->is_object())
            with_declaration = c->value("includeDeclaration", false);
        return references(document(params).text, uri_of(params), position_of(params), with_declaration);
    } else if (method == "textDocument/documentSymbol") return document_symbols(document(params).text);
    else if (method == "textDocument/completion") return completion(document(params).text, position_of(params));
    else return json(json::value_t::discarded);
    return nullptr;
}

const Session::Document& Session::document(const json& params) const {
    const auto found = documents_.find(uri_of(params));
    if (found == documents_.end()) throw InvalidParams("the document is not open");
    return found->second;
}

namespace {

json publish(const std::string& uri, std::optional<std::int64_t> version, json diagnostics) {
    json params = {{"uri", uri}, {"diagnostics", std::move(diagnostics)}};
    if (version) params["version"] = *version;
    return notification("textDocument/publishDiagnostics", std::move(params));
}

json too_large(const std::string& uri, std::size_t limit) {
    return publish(uri, std::nullopt,
                   json::array({{{"range", {{"start", {{"line", 0}, {"character", 0}}},
                                            {"end", {{"line", 0}, {"character", 0}}}}},
                                 {"severity", 1},
                                 {"source", "jointly"},
                                 {"message", "the document is larger than the limit of " + std::to_string(limit) +
                                                 " bytes; it is not checked"}}}));
}

}  // namespace

void Session::open(const json& params, std::vector<json>& notes) {
    const json& item = object_field(params, "textDocument");
    const std::string uri = text_field(item, "uri");
    std::string text = text_field(item, "text");
    const std::int64_t version = item.value("version", std::int64_t{0});
    if (text.size() > limits_.max_document) {
        documents_.erase(uri);
        notes.push_back(too_large(uri, limits_.max_document));
        return;
    }
    if (!documents_.contains(uri) && documents_.size() >= limits_.max_documents) {
        notes.push_back(notification("window/showMessage",
                                     {{"type", 1},
                                      {"message", "jointly: more than " + std::to_string(limits_.max_documents) +
                                                      " documents open; `" + uri + "` is not checked"}}));
        return;
    }
    auto& doc = documents_[uri];
    doc.text = std::move(text);
    doc.version = version;
    notes.push_back(publish(uri, version, diagnostics(doc.text, uri)));
}

void Session::change(const json& params, std::vector<json>& notes) {
    const std::string uri = uri_of(params);
    const auto found = documents_.find(uri);
    if (found == documents_.end()) throw InvalidParams("the document is not open");
    const auto changes = params.find("contentChanges");
    if (changes == params.end() || !changes->is_array()) throw InvalidParams("`contentChanges` must be an array");
    std::string text = found->second.text;
    for (const auto& c : *changes) {
        if (!c.is_object()) throw InvalidParams("a content change must be an object");
        const std::string replacement = text_field(c, "text");
        if (const auto range = c.find("range"); range != c.end()) {
            if (!range->is_object()) throw InvalidParams("`range` must be an object");
            const LineMap map(text);
            const json& start = object_field(*range, "start");
            const json& end = object_field(*range, "end");
            const std::size_t from = map.offset(Position{whole_field(start, "line"), whole_field(start, "character")});
            const std::size_t to = map.offset(Position{whole_field(end, "line"), whole_field(end, "character")});
            if (to < from) throw InvalidParams("a range that ends before it starts");
            text = text.substr(0, from) + replacement + text.substr(to);
        } else {
            text = replacement;
        }
        if (text.size() > limits_.max_document) {
            documents_.erase(found);
            notes.push_back(too_large(uri, limits_.max_document));
            return;
        }
    }
    found->second.text = std::move(text);
    if (const auto doc = params.find("textDocument"); doc != params.end())
        found->second.version = doc->value("version", found->second.version);
    notes.push_back(publish(uri, found->second.version, diagnostics(found->second.text, uri)));
}

void Session::close(const json& params, std::vector<json>& notes) {
    const std::string uri = uri_of(params);
    documents_.erase(uri);
    notes.push_back(publish(uri, std::nullopt, json::array()));
}

int serve(std::istream& in, std::ostream& out, std::ostream& log, const Limits& limits) {
    Session session(limits);
    const auto send = [&out](const json& message) {
        write_frame(out, message.dump(-1, ' ', false, json::error_handler_t::replace));
    };
    try {
        for (;;) {
            const Frame frame = read_frame(in, limits);
            if (frame.status == Frame::Status::End) break;
            if (frame.status != Frame::Status::Message) {
                log << "jointly lsp: " << frame.problem << "\n";
                send(Session::frame_error(frame));
                continue;
            }
            for (const auto& message : session.handle(frame.body)) send(message);
            if (session.exited()) break;
        }
    } catch (const std::exception& e) {
        log << "jointly lsp: " << e.what() << "\n";
        return 1;
    }
    return session.exit_code();
}

}  // namespace jointly::server::lsp
