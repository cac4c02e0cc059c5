// The language server's answers: diagnostics, formatting, hover, definition, references and
// the outline, from the same parser, checker and formatter as `jointly check` and `fmt`.
#include "lsp_features.hpp"

#include <optional>

#include "jointly/dsl/check.hpp"
#include "jointly/dsl/format.hpp"
#include "jointly/dsl/parse.hpp"
#include "jointly/engine/program.hpp"
#include "lsp_index.hpp"

namespace jointly::server::lsp {
namespace {

using nlohmann::json;

// A declaration shown on hover stops after this many lines.
constexpr std::size_t kHoverLines = 12;

json position_json(Position p) { return {{"line", p.line}, {"character", p.character}}; }

json range_json(const LineMap& map, const dsl::Span& span) {
    const Point start{span.line, span.column};
    const Point end = span.end_line == 0 ? start : Point{span.end_line, span.end_column};
    return {{"start", position_json(map.position(start))}, {"end", position_json(map.position(end))}};
}

int severity_number(dsl::Severity s) {
    switch (s) {
        case dsl::Severity::Error: return 1;
        case dsl::Severity::Warning: return 2;
        case dsl::Severity::Note: return 3;
    }
    return 1;
}

// SymbolKind numbers from the protocol.
int symbol_kind(DeclKind kind) {
    switch (kind) {
        case DeclKind::Policy: return 2;         // Module
        case DeclKind::Agency: return 23;        // Struct
        case DeclKind::AgencyGroup: return 3;    // Namespace
        case DeclKind::Service: return 19;       // Object
        case DeclKind::ServiceGroup: return 18;  // Array
        case DeclKind::Scale: return 10;         // Enum
        case DeclKind::Level: return 22;         // EnumMember
        case DeclKind::Fact: return 8;           // Field
        case DeclKind::Event: return 24;         // Event
        case DeclKind::Definition: return 13;    // Variable
        case DeclKind::Threshold: return 14;     // Constant
        case DeclKind::Table: return 18;         // Array
        case DeclKind::Rule: return 12;          // Function
        case DeclKind::Outcome: return 6;        // Method
        case DeclKind::Pool: return 4;           // Package
    }
    return 13;
}

struct Parsed {
    dsl::Module module;
    Index index;
};

std::optional<Parsed> parse_and_index(std::string_view text) {
    auto parsed = dsl::parse(text, "");
    if (!parsed.module) return std::nullopt;
    Parsed p{std::move(*parsed.module), {}};
    p.index = build_index(p.module);
    return p;
}

const Occurrence* occurrence_at(const Parsed& p, const LineMap& map, Position at) {
    const Point point = map.point(at);
    return p.index.at(point.line, point.column);
}

// The declaration's text as written, at most kHoverLines lines.
std::string written(std::string_view text, const LineMap& map, const dsl::Span& span) {
    const std::size_t begin = map.offset(Point{span.line, span.column});
    const std::size_t end = map.offset(Point{span.end_line, span.end_column});
    std::string out(text.substr(begin, end > begin ? end - begin : 0));
    std::size_t lines = 0;
    for (std::size_t i = 0; i < out.size(); ++i)
        if (out[i] == '\n' && ++lines == kHoverLines) {
            out = out.substr(0, i) + "\n...";
            break;
        }
    return out;
}

json location(const std::string& uri, const LineMap& map, const dsl::Span& span) {
    return {{"uri", uri}, {"range", range_json(map, span)}};
}

json symbol(const Declaration& d, const LineMap& map) {
    const dsl::Span& whole = d.span.line == 0 ? d.name_span : d.span;
    std::string detail = d.ref.empty() ? std::string(kind_name(d.kind)) : "ref \"" + d.ref + "\"";
    return {{"name", d.name.empty() ? std::string(kind_name(d.kind)) : d.name},
            {"detail", detail},
            {"kind", symbol_kind(d.kind)},
            {"range", range_json(map, whole)},
            {"selectionRange", range_json(map, d.name_span)}};
}

}  // namespace

json diagnostics(std::string_view text, const std::string& uri) {
    const LineMap map(text);
    const auto compiled = engine::compile(text, uri, dsl::Limits::for_upload());
    json out = json::array();
    for (const auto& d : compiled.diagnostics) {
        std::string message = d.message;
        if (!d.help.empty()) message += "\nhelp: " + d.help;
        out.push_back({{"range", range_json(map, d.span)},
                       {"severity", severity_number(d.severity)},
                       {"code", std::string(dsl::code_text(d.code))},
                       {"source", "jointly"},
                       {"message", message}});
    }
    return out;
}

json formatting(std::string_view text) {
    const auto parsed = dsl::parse(text, "");
    json edits = json::array();
    if (!parsed.module) return edits;
    const auto formatted = dsl::format(*parsed.module, text);
    if (formatted == text) return edits;
    const LineMap map(text);
    edits.push_back({{"range", {{"start", position_json({})}, {"end", position_json(map.end())}}},
                     {"newText", formatted}});
    return edits;
}

json hover(std::string_view text, Position at) {
    const auto parsed = parse_and_index(text);
    if (!parsed) return nullptr;
    const LineMap map(text);
    const Occurrence* o = occurrence_at(*parsed, map, at);
    if (o == nullptr) return nullptr;
    const Declaration& d = parsed->index.declarations[o->declaration];
    std::string value = "**" + std::string(kind_name(d.kind)) + "** `" + d.name + "`";
    if (d.kind == DeclKind::Rule || d.kind == DeclKind::Outcome) {
        if (!d.ref.empty()) value += " · ref `" + d.ref + "`";
        if (!d.reason.empty()) value += "\n\n" + d.reason;
    } else {
        const Declaration& shown = d.parent != kNoDeclaration ? parsed->index.declarations[d.parent] : d;
        value += "\n\n```jointly\n" + written(text, map, shown.span) + "\n```";
    }
    return {{"contents", {{"kind", "markdown"}, {"value", value}}}, {"range", range_json(map, o->span)}};
}

json definition(std::string_view text, const std::string& uri, Position at) {
    const auto parsed = parse_and_index(text);
    if (!parsed) return nullptr;
    const LineMap map(text);
    const Occurrence* o = occurrence_at(*parsed, map, at);
    if (o == nullptr) return nullptr;
    return location(uri, map, parsed->index.declarations[o->declaration].name_span);
}

json references(std::string_view text, const std::string& uri, Position at, bool with_declaration) {
    const auto parsed = parse_and_index(text);
    if (!parsed) return nullptr;
    const LineMap map(text);
    const Occurrence* o = occurrence_at(*parsed, map, at);
    if (o == nullptr) return nullptr;
    json out = json::array();
    for (const Occurrence* each : parsed->index.of(o->declaration, with_declaration))
        out.push_back(location(uri, map, each->span));
    return out;
}

json document_symbols(std::string_view text) {
    json out = json::array();
    const auto parsed = parse_and_index(text);
    if (!parsed) return out;
    const LineMap map(text);
    const auto& decls = parsed->index.declarations;
    for (std::size_t i = 0; i < decls.size(); ++i) {
        if (decls[i].parent != kNoDeclaration) continue;
        json s = symbol(decls[i], map);
        json children = json::array();
        for (std::size_t j = i + 1; j < decls.size(); ++j)
            if (decls[j].parent == i) children.push_back(symbol(decls[j], map));
        if (!children.empty()) s["children"] = std::move(children);
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace jointly::server::lsp
