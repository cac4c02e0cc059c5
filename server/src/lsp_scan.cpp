// scan and scan_declarations: the tolerant reading completion works from.
#include "lsp_scan.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <functional>
#include <set>

#include "jointly/dsl/reserved.hpp"

namespace jointly::server::lsp {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
constexpr std::string_view kPound = "\xC2\xA3";

bool word_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool word_char(char c) { return word_start(c) || digit(c); }

bool is_name(const Token& t) { return t.kind == TokenKind::Word && !is_reserved(t.text); }

// Records `n` tokens held at once (most_tokens_held).
std::atomic<std::size_t> g_most_tokens{0};
void held(std::size_t n) {
    std::size_t most = g_most_tokens.load(std::memory_order_relaxed);
    while (n > most && !g_most_tokens.compare_exchange_weak(most, n, std::memory_order_relaxed)) {
    }
}

class Scanner {
public:
    Scanner(std::string_view text, const Region& r)
        : text_(text.substr(0, std::min(r.to, text.size()))),
          at_(std::min(r.from, text_.size())),
          line_(r.first_line) {
        if (at_ == 0 && text_.starts_with(kByteOrderMark)) at_ = 3;
        line_begin_ = at_;
    }

    // The next token, or false at the end; a comment passed on the way is given to `comment`.
    template <typename OnComment>
    bool next(Token& out, OnComment&& comment) {
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
                comment(b, at_);
            } else {
                out = token();
                return true;
            }
        }
        return false;
    }

private:
    Token token() {
        const char c = text_[at_];
        if (c == '"') return text_token();
        if (word_start(c)) {
            std::size_t e = at_;
            while (e < text_.size() && word_char(text_[e])) ++e;
            return push(TokenKind::Word, e);
        }
        if (digit(c) || text_.substr(at_).starts_with(kPound)) return literal();
        std::size_t e = at_ + 1;
        if ((c == '!' || c == '<' || c == '>') && e < text_.size() && text_[e] == '=') ++e;
        // a byte of a character outside ASCII (E1012, E1001): the whole character
        while (e < text_.size() && (static_cast<unsigned char>(text_[e]) & 0xC0U) == 0x80U) ++e;
        return push(TokenKind::Punct, e);
    }

    std::size_t line_end(std::size_t i) const {
        while (i < text_.size() && text_[i] != '\n' && text_[i] != '\r') ++i;
        return i;
    }

    Token push(TokenKind kind, std::size_t end, bool closed = true) {
        Token t;
        t.kind = kind;
        t.begin = at_;
        t.end = end;
        t.text = text_.substr(at_, end - at_);
        t.line = line_;
        t.line_start = first_;
        t.column_zero = first_ && at_ == line_begin_;
        t.closed = closed;
        first_ = false;
        at_ = end;
        return t;
    }

    Token text_token() {
        const auto line_break = [this](std::size_t i) { return text_[i] == '\n' || text_[i] == '\r'; };
        std::size_t e = at_ + 1;
        while (e < text_.size() && text_[e] != '"' && !line_break(e))
            e += text_[e] == '\\' && e + 1 < text_.size() && !line_break(e + 1) ? 2U : 1U;
        if (e < text_.size() && text_[e] == '"') return push(TokenKind::Text, e + 1);
        return push(TokenKind::Text, e, false);
    }

    // `12`, `2.5`, `50%`, `£1,500.00`, `2025-04-01`: digits, with `.`, `,` or `-` between
    // digits, and a `%` at the end.
    Token literal() {
        std::size_t e = at_ + (digit(text_[at_]) ? 1 : kPound.size());
        for (;;) {
            if (e < text_.size() && digit(text_[e])) ++e;
            else if (e + 1 < text_.size() && (text_[e] == '.' || text_[e] == ',' || text_[e] == '-') &&
                     digit(text_[e + 1]))
                e += 2;
            else break;
        }
        if (e < text_.size() && text_[e] == '%') ++e;
        return push(TokenKind::Literal, e);
    }

    std::string_view text_;
    std::size_t at_;
    std::size_t line_;
    std::size_t line_begin_ = 0;
    bool first_ = true;
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

// Reads the declarations of a line, or of a part of a long line, at a time.
class DeclarationReader {
public:
    // The tokens of one line (or of its next part), read by `read`.
    std::vector<Token> t_;

    // The declarations that start in t_[0, upto); what follows `upto` in t_ is read only as
    // the rest of those.
    void read(std::size_t upto) {
        for (std::size_t i = 0; i < upto; ++i)
            if (t_[i].kind == TokenKind::Word) read_at(i);
    }

    std::vector<Declared> out_;

private:
    bool word(std::size_t i, std::string_view w) const {
        return i < t_.size() && t_[i].kind == TokenKind::Word && t_[i].text == w;
    }
    bool punct(std::size_t i, std::string_view p) const {
        return i < t_.size() && t_[i].kind == TokenKind::Punct && t_[i].text == p;
    }
    bool name(std::size_t i) const { return i < t_.size() && is_name(t_[i]); }
    bool text(std::size_t i) const { return i < t_.size() && t_[i].kind == TokenKind::Text; }
    // The end of the declaration's line (all t_ holds is on one line).
    std::size_t line_end(std::size_t) const { return t_.size(); }

    void add(DeclKind kind, std::size_t at, std::string detail = {}, std::string scale = {}, bool map = false,
             std::string how = {}) {
        const std::string n(t_[at].text);
        if (!seen_.insert(n).second) return;
        out_.push_back(Declared{kind, n, std::move(detail), std::move(scale), map, std::move(how)});
    }

    // `NAME : a, b, c`: the members as written.
    std::string members(std::size_t colon) const { return written(t_, colon + 1, line_end(colon)); }

    void read_at(std::size_t i) {
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

    std::set<std::string> seen_;
};

// The names compared with `service` (Document::services_named), read a token at a time.
class ServiceNames {
public:
    explicit ServiceNames(std::size_t skip) : skip_(skip) {}

    void feed(const Token& t) {
        const std::string_view a = word(1), b = word(2);
        if (t.text == "[" && a == "in" && b == "service") in_list_ = true;
        else if (t.text == "]") in_list_ = false;
        if (is_name(t) && t.begin != skip_ &&
            (in_list_ || (a == "is" && b == "service") || (a == "not" && b == "is" && word(3) == "service") ||
             (back_[0].text == "(" && b == "funders")) &&
            seen_.emplace(t.text).second)
            out_.emplace_back(t.text);
        back_[2] = back_[1];
        back_[1] = back_[0];
        back_[0] = t;
    }

    std::vector<std::string> out_;

private:
    std::string_view word(std::size_t back) const {
        const Token& t = back_[back - 1];
        return t.kind == TokenKind::Word ? t.text : std::string_view();
    }

    std::size_t skip_;
    std::array<Token, 3> back_{};  // the last three tokens, the last first
    bool in_list_ = false;
    std::set<std::string, std::less<>> seen_;
};

}  // namespace

bool is_reserved(std::string_view word) { return dsl::is_reserved_word(word); }

Scan scan(std::string_view text, const Region& region) {
    Scan out;
    Scanner s(text, region);
    const auto comment = [&](std::size_t b, std::size_t e) {
        if (e >= region.keep_from) out.comments.emplace_back(b, e);
    };
    Token t;
    while (s.next(t, comment) && t.begin < region.until)
        if (t.begin >= region.keep_from || out.tokens.empty()) out.tokens.push_back(t);
    held(out.tokens.size());
    return out;
}

Document scan_document(std::string_view text, std::size_t skip) {
    // a line is read in parts of kPart tokens, with as many after them to finish a declaration
    // that starts in the part (a type is at most 64 tokens, a detail 60 bytes)
    constexpr std::size_t kPart = 1024;
    DeclarationReader declarations;
    ServiceNames services(skip);
    std::vector<Token>& line = declarations.t_;
    Scanner s(text, Region{});
    const auto no_comment = [](std::size_t, std::size_t) {};
    Token t;
    bool more = s.next(t, no_comment);
    while (more || !line.empty()) {
        while (more && line.size() < 2 * kPart && (line.empty() || t.line == line.front().line)) {
            line.push_back(t);
            more = s.next(t, no_comment);
        }
        held(line.size());
        const bool whole = !more || t.line != line.front().line;
        const std::size_t upto = whole ? line.size() : kPart;
        declarations.read(upto);
        for (std::size_t i = 0; i < upto; ++i) services.feed(line[i]);
        line.erase(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(upto));
    }
    return Document{std::move(declarations.out_), std::move(services.out_)};
}

std::size_t most_tokens_held() { return g_most_tokens.load(std::memory_order_relaxed); }

void reset_most_tokens_held() { g_most_tokens.store(0, std::memory_order_relaxed); }

}  // namespace jointly::server::lsp
