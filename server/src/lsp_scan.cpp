// scan and scan_declarations: the tolerant reading completion works from.
#include "lsp_scan.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace jointly::server::lsp {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
constexpr std::string_view kPound = "\xC2\xA3";

bool word_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool word_char(char c) { return word_start(c) || digit(c); }

// The reserved words a name cannot be (docs/language.md, "Reserved words").
constexpr std::array<std::string_view, 58> kReserved = {
    "after",   "agency",     "agreed",  "and",      "at",         "because",   "before",  "bool",
    "by",      "cap",        "contribution", "date", "decimal",   "decline",   "default", "effective",
    "eligible", "event",     "exception", "fact",   "false",      "from",      "host",    "in",
    "is",      "let",        "list",    "map",      "money",      "not",       "odd",     "of",
    "on",      "or",         "overspend", "panel",  "pay",        "policy",    "pool",    "ref",
    "refer",   "refuse",     "regardless", "risk",  "rounding",   "rule",      "scale",   "split",
    "table",   "text",       "to",      "tolerance", "true",      "underspend", "version", "when",
    "whole",   "within",
};

bool is_name(const Token& t) { return t.kind == TokenKind::Word && !is_reserved(t.text); }

class Scanner {
public:
    explicit Scanner(std::string_view text) : text_(text), at_(text.starts_with(kByteOrderMark) ? 3 : 0) {
        line_begin_ = at_;
    }

    Scan run() {
        while (at_ < text_.size()) {
            const char c = text_[at_];
            if (c == '\n' || c == '\r') {
                at_ += c == '\r' && at_ + 1 < text_.size() && text_[at_ + 1] == '\n' ? 2U : 1U;
                ++line_;
                line_begin_ = at_;
                first_ = true;
            } else if (c == ' ' || c == '\t') {
                ++at_;
            } else if (c == '#') {
                const std::size_t b = at_;
                at_ = line_end(at_);
                out_.comments.emplace_back(b, at_);
            } else if (c == '"') {
                text_token();
            } else if (word_start(c)) {
                std::size_t e = at_;
                while (e < text_.size() && word_char(text_[e])) ++e;
                push(TokenKind::Word, e);
            } else if (digit(c) || text_.substr(at_).starts_with(kPound)) {
                literal();
            } else {
                std::size_t e = at_ + 1;
                if ((c == '!' || c == '<' || c == '>') && e < text_.size() && text_[e] == '=') ++e;
                // a byte of a character outside ASCII (E1012, E1001): the whole character
                while (e < text_.size() && (static_cast<unsigned char>(text_[e]) & 0xC0U) == 0x80U) ++e;
                push(TokenKind::Punct, e);
            }
        }
        return std::move(out_);
    }

private:
    std::size_t line_end(std::size_t i) const {
        while (i < text_.size() && text_[i] != '\n' && text_[i] != '\r') ++i;
        return i;
    }

    void push(TokenKind kind, std::size_t end, bool closed = true) {
        Token t;
        t.kind = kind;
        t.begin = at_;
        t.end = end;
        t.text = text_.substr(at_, end - at_);
        t.line = line_;
        t.line_start = first_;
        t.column_zero = first_ && at_ == line_begin_;
        t.closed = closed;
        out_.tokens.push_back(t);
        first_ = false;
        at_ = end;
    }

    void text_token() {
        const auto line_break = [this](std::size_t i) { return text_[i] == '\n' || text_[i] == '\r'; };
        std::size_t e = at_ + 1;
        while (e < text_.size() && text_[e] != '"' && !line_break(e))
            e += text_[e] == '\\' && e + 1 < text_.size() && !line_break(e + 1) ? 2U : 1U;
        if (e < text_.size() && text_[e] == '"') push(TokenKind::Text, e + 1);
        else push(TokenKind::Text, e, false);
    }

    // `12`, `2.5`, `50%`, `£1,500.00`, `2025-04-01`: digits, with `.`, `,` or `-` between
    // digits, and a `%` at the end.
    void literal() {
        std::size_t e = at_ + (digit(text_[at_]) ? 1 : kPound.size());
        for (;;) {
            if (e < text_.size() && digit(text_[e])) ++e;
            else if (e + 1 < text_.size() && (text_[e] == '.' || text_[e] == ',' || text_[e] == '-') &&
                     digit(text_[e + 1]))
                e += 2;
            else break;
        }
        if (e < text_.size() && text_[e] == '%') ++e;
        push(TokenKind::Literal, e);
    }

    std::string_view text_;
    std::size_t at_;
    std::size_t line_ = 0;
    std::size_t line_begin_ = 0;
    bool first_ = true;
    Scan out_;
};

// A text token's words without the quotes (escapes left as written).
std::string unquoted(const Token& t) {
    std::string_view s = t.text.substr(1);
    if (t.closed && !s.empty()) s.remove_suffix(1);
    return std::string(s);
}

// The written tokens [from, to) joined by single blanks, at most `limit` bytes.
std::string written(const std::vector<Token>& tokens, std::size_t from, std::size_t to, std::size_t limit = 60) {
    std::string out;
    for (std::size_t i = from; i < to && out.size() < limit; ++i) {
        const bool tight = tokens[i].text == "," || tokens[i].text == ")" || tokens[i].text == ":" ||
                           (i > from && tokens[i - 1].text == "(");
        if (!out.empty() && !tight) out += ' ';
        out += tokens[i].text;
    }
    if (out.size() > limit) {
        // cut at a character's start, as dsl/src/lexical.cpp's quoted() does (it is private
        // to the parser): never inside a UTF-8 sequence
        std::size_t cut = limit;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0U) == 0x80U) --cut;
        out = out.substr(0, cut) + "...";
    }
    return out;
}

class DeclarationReader {
public:
    explicit DeclarationReader(const std::vector<Token>& tokens) : t_(tokens), next_line_(tokens.size()) {
        for (std::size_t i = t_.size(); i-- > 0;)
            next_line_[i] = i + 1 < t_.size() && t_[i + 1].line == t_[i].line ? next_line_[i + 1] : i + 1;
    }

    std::vector<Declared> run() {
        for (std::size_t i = 0; i < t_.size(); ++i)
            if (t_[i].kind == TokenKind::Word) read(i);
        return std::move(out_);
    }

private:
    bool word(std::size_t i, std::string_view w) const {
        return i < t_.size() && t_[i].kind == TokenKind::Word && t_[i].text == w;
    }
    bool punct(std::size_t i, std::string_view p) const {
        return i < t_.size() && t_[i].kind == TokenKind::Punct && t_[i].text == p;
    }
    bool name(std::size_t i) const { return i < t_.size() && is_name(t_[i]); }
    bool text(std::size_t i) const { return i < t_.size() && t_[i].kind == TokenKind::Text; }
    // The end of the declaration's line: the first token on a later line.
    std::size_t line_end(std::size_t i) const { return next_line_[i]; }

    void add(DeclKind kind, std::size_t at, std::string detail = {}, std::string scale = {}, bool map = false,
             std::string how = {}) {
        const std::string n(t_[at].text);
        if (!seen_.insert(n).second) return;
        out_.push_back(Declared{kind, n, std::move(detail), std::move(scale), map, std::move(how)});
    }

    // `NAME : a, b, c`: the members as written.
    std::string members(std::size_t colon) const { return written(t_, colon + 1, line_end(colon)); }

    void read(std::size_t i) {
        const std::string_view k = t_[i].text;
        if (k == "agency" || k == "service") {
            const bool agency = k == "agency";
            if (word(i + 1, "group") && name(i + 2) && punct(i + 3, ":")) {
                add(agency ? DeclKind::AgencyGroup : DeclKind::ServiceGroup, i + 2, members(i + 3));
            } else if (name(i + 1) && (text(i + 2) || t_[i].column_zero)) {
                // `service` elsewhere is the line's service: a declaration has its display name
                // (or starts its line)
                const std::size_t how = text(i + 2) ? i + 3 : i + 2;
                const bool kind = !agency && (word(how, "weekly") || word(how, "hourly") || word(how, "one_off"));
                add(agency ? DeclKind::Agency : DeclKind::Service, i + 1, text(i + 2) ? unquoted(t_[i + 2]) : "", {},
                    false, kind ? std::string(t_[how].text) : "");
            }
        } else if (k == "scale" && name(i + 1)) {
            const std::size_t scale = i + 1;
            add(DeclKind::Scale, scale, written(t_, i + 3, line_end(i)));
            if (!punct(i + 2, ":")) return;
            for (std::size_t j = i + 3; name(j); j += 2) {
                add(DeclKind::Level, j, {}, std::string(t_[scale].text));
                if (!punct(j + 1, "<")) break;
            }
        } else if (k == "fact" && name(i + 1)) {
            fact(i);
        } else if (k == "event" && name(i + 1)) {
            add(DeclKind::Event, i + 1, word(i + 2, "repeats") ? "repeats" : "");
        } else if (k == "let" && name(i + 1)) {
            add(DeclKind::Definition, i + 1, punct(i + 2, "=") ? written(t_, i + 3, line_end(i)) : "");
        } else if (k == "eligible" && name(i + 1)) {
            add(DeclKind::Threshold, i + 1);
        } else if (k == "table" && name(i + 1)) {
            add(DeclKind::Table, i + 1);
        } else if (k == "rule" && name(i + 1)) {
            add(DeclKind::Rule, i + 1, word(i + 2, "ref") && text(i + 3) ? "ref \"" + unquoted(t_[i + 3]) + "\"" : "");
        } else if (k == "pool" && name(i + 1)) {
            add(DeclKind::Pool, i + 1, text(i + 2) ? unquoted(t_[i + 2]) : "");
        }
    }

    // `fact NAME ["label"] : TYPE [default ...]`
    void fact(std::size_t i) {
        std::size_t colon = i + 2;
        if (text(colon)) ++colon;
        if (!punct(colon, ":")) {
            add(DeclKind::Fact, i + 1);
            return;
        }
        std::size_t end = colon + 1;
        // a type is a few words: a line of many declarations is not read to its end for each
        const std::size_t stop = std::min(line_end(i), colon + 1 + kTypeTokens);
        while (end < stop && !word(end, "default")) ++end;
        const std::size_t type = colon + 1;
        std::string scale;
        bool map = false;
        if (word(type, "map") && word(type + 1, "of") && name(type + 2)) {
            scale = t_[type + 2].text;
            map = true;
        } else if (name(type) && end == type + 1) {
            scale = t_[type].text;  // a type that is a name is a scale's (or unknown: no levels)
        }
        add(DeclKind::Fact, i + 1, written(t_, type, end), std::move(scale), map);
    }

    static constexpr std::size_t kTypeTokens = 64;

    const std::vector<Token>& t_;
    std::vector<std::size_t> next_line_;  // for each token, the first token on a later line
    std::vector<Declared> out_;
    std::set<std::string> seen_;
};

}  // namespace

bool is_reserved(std::string_view word) {
    return std::find(kReserved.begin(), kReserved.end(), word) != kReserved.end();
}

Scan scan(std::string_view text) { return Scanner(text).run(); }

std::vector<Declared> scan_declarations(const Scan& s) { return DeclarationReader(s.tokens).run(); }

}  // namespace jointly::server::lsp
