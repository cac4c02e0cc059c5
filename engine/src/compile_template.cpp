// Reason texts: {placeholders} resolved once, at compile time.
#include <string>
#include <string_view>

#include "compiler.hpp"

namespace jointly::engine::detail {
namespace {

bool ident_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

}  // namespace

Template Compiler::reason_template(const std::string& text, bool in_rule) {
    Template out;
    auto literal = [&](std::string_view s) {
        if (s.empty()) return;
        if (!out.empty() && out.back().hole == Hole::Literal) out.back().text += s;
        else out.push_back(TemplatePart{Hole::Literal, -1, std::string(s)});
    };
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t open = text.find('{', i);
        if (open == std::string::npos) break;
        std::size_t close = open + 1;
        while (close < text.size() && ident_char(text[close])) ++close;
        if (close >= text.size() || text[close] != '}' || close == open + 1) {
            literal(std::string_view(text).substr(i, open + 1 - i));
            i = open + 1;
            continue;
        }
        literal(std::string_view(text).substr(i, open - i));
        const std::string name = text.substr(open + 1, close - open - 1);
        TemplatePart part{Hole::Literal, -1, text.substr(open, close - open + 1)};
        static const std::pair<const char*, Hole> kLineHoles[] = {
            {"cost", Hole::Cost}, {"days", Hole::Days}, {"from", Hole::From},
            {"to", Hole::To},     {"line", Hole::Line}, {"service", Hole::Service}};
        bool found = false;
        if (in_rule) {
            for (const auto& [word, hole] : kLineHoles) {
                if (name == word) {
                    part.hole = hole;
                    found = true;
                }
            }
        }
        if (!found && name == "rule" && in_rule) {
            part.hole = Hole::Rule;
        } else if (!found && name == "ref") {
            part.hole = Hole::Ref;
        } else if (!found && name == "total") {
            part.hole = Hole::Total;
        } else if (!found) {
            if (auto it = facts_.find(name); it != facts_.end()) part = {Hole::Fact, it->second, part.text};
            else if (auto l = lets_.find(name); l != lets_.end()) part = {Hole::Let, l->second, part.text};
            else if (auto t = thresholds_.find(name); t != thresholds_.end()) part = {Hole::Threshold, t->second, part.text};
            else if (auto e = events_.find(name); e != events_.end()) part = {Hole::Event, e->second, part.text};
            else if (auto a = agencies_.find(name); a != agencies_.end()) part = {Hole::Agency, a->second, part.text};
        }
        if (part.hole == Hole::Literal) literal(part.text);
        else out.push_back(std::move(part));
        i = close + 1;
    }
    literal(std::string_view(text).substr(std::min(i, text.size())));
    return out;
}

}  // namespace jointly::engine::detail
