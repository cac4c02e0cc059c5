// `parse`: the one translation unit that instantiates the Spirit X3 grammar
// (grammar_*.hpp). Turns every way the grammar can fail into an E1xxx Diagnostic.
#include "jointly/dsl/parse.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "confusable.hpp"
#include "grammar_decl.hpp"
#include "source_text.hpp"
#include "utf8.hpp"

namespace jointly::dsl {

namespace {

namespace x3 = boost::spirit::x3;
using grammar::Iter;

// The extent of the token that starts at `at`, for "found `...`".
std::size_t token_end(std::string_view text, std::size_t at) {
    if (at >= text.size()) return at;
    const auto c = static_cast<unsigned char>(text[at]);
    std::size_t e = at + 1;
    if (grammar::is_word_char(text[at])) {
        while (e < text.size() && grammar::is_word_char(text[e])) ++e;
    } else if (text[at] == '"') {
        while (e < text.size() && text[e] != '"' && text[e] != '\n' && text[e] != '\r') ++e;
        if (e < text.size() && text[e] == '"') ++e;
    } else if (c >= 0x80) {
        while (e < text.size() && (static_cast<unsigned char>(text[e]) & 0xC0U) == 0x80U) ++e;
    }
    return e;
}

// What was found at `at`, in the message's words: the token quoted, or a character that only
// looks like a blank, a quote or a dash named (a no-break space would show as a blank).
std::string found(std::string_view text, std::size_t at, std::size_t end) {
    if (at >= text.size()) return "the end of the file";
    if (const auto confusable = detail::confusable_at(text, at)) return std::string(confusable->name);
    std::string_view tok = text.substr(at, end - at);
    if (tok.size() > 40) return "`" + std::string(tok.substr(0, 40)) + "...`";
    if (tok == "`") return "a backtick";
    return "`" + std::string(tok) + "`";
}

// What may follow the declaration just parsed, in the user's words.
std::string expected_after(grammar::DeclKind kind) {
    using grammar::DeclKind;
    switch (kind) {
    case DeclKind::Header:
        return "a header clause (`version`, `effective`, `agreed by`, `ref`, `panel`, "
               "`rounding`) or a declaration";
    case DeclKind::Rule:
        return "a rule clause (`when`, `within`, `pay`, `split`, `odd penny`, `cap`, "
               "`because`, ...) or a new declaration";
    case DeclKind::Pool:
        return "a pool clause (`host`, `contribution`, `overspend`, `underspend`, `risk`, "
               "`tolerance`) or a new declaration";
    case DeclKind::Table: return "another row like `from 70 to 89 gives £500` or a new declaration";
    default:
        return "a declaration (`agency`, `service`, `scale`, `fact`, `event`, `let`, `eligible`, "
               "`table`, `rule`, `decline`, `refer` or `pool`)";
    }
}

// The keywords that could start what is expected next, for "did you mean".
std::vector<std::string> keywords_expected(std::string const& which, grammar::DeclKind kind) {
    std::vector<std::string> out;
    if (which == grammar::kExpectedDeclaration) {
        out = {"agency", "service", "scale", "fact",    "event", "let", "eligible",
               "table",  "rule",  "decline", "refer", "pool"};
        using grammar::DeclKind;
        if (kind == DeclKind::Header) {
            out.insert(out.end(), {"version", "effective", "agreed", "ref", "panel", "rounding"});
        } else if (kind == DeclKind::Rule) {
            out.insert(out.end(), {"ref", "exception", "when", "within", "from", "before", "pay",
                                   "split", "odd", "cap", "regardless", "because"});
        } else if (kind == DeclKind::Pool) {
            out.insert(out.end(),
                       {"host", "contribution", "overspend", "underspend", "risk", "tolerance"});
        } else if (kind == DeclKind::Table) {
            out.emplace_back("from");
        }
        return out;
    }
    // the backticked words of the description: "`after` or `before`"
    for (std::size_t open = which.find('`'); open != std::string::npos;) {
        const std::size_t close = which.find('`', open + 1);
        if (close == std::string::npos) break;
        std::string word = which.substr(open + 1, close - open - 1);
        if (!word.empty() && std::all_of(word.begin(), word.end(), grammar::is_word_char)) {
            out.push_back(std::move(word));
        }
        open = which.find('`', close + 1);
    }
    return out;
}

// True when X3 named the expectation in our words (not a C++ type name).
bool is_description(std::string const& which) {
    return which.starts_with("a ") || which.starts_with("an ") || which.starts_with("the ") ||
           which.starts_with("`");
}

Diagnostic error(Code code, std::string message, std::string const& file, Span span,
                 std::string help = {}) {
    Diagnostic d;
    d.severity = Severity::Error;
    d.code = std::move(code);
    d.message = std::move(message);
    d.file = file;
    d.span = span;
    d.help = std::move(help);
    return d;
}

// "0xff": a byte as the message names it.
// The help for a character that only looks like a blank, a quote or a dash, or "".
std::string confusable_help(std::string_view text, std::size_t at) {
    const auto confusable = detail::confusable_at(text, at);
    return confusable ? std::string(confusable->help) : std::string();
}

std::string hex_byte(char c) {
    static constexpr char kHex[] = "0123456789abcdef";
    const auto b = static_cast<unsigned char>(c);
    return std::string("0x") + kHex[b >> 4U] + kHex[b & 0xFU];
}

// A word where a declaration ended, after a name on the same line (`service is personal
// care`): most likely a name written as two words. The help joins them; empty when the word
// before is a keyword or the word is a number.
std::string joined_name_help(std::string_view source, std::size_t at, std::size_t end) {
    std::size_t gap = at;
    while (gap > 0 && (source[gap - 1] == ' ' || source[gap - 1] == '\t')) --gap;
    if (gap == at || gap == 0 || !grammar::is_word_char(source[gap - 1])) return {};
    std::size_t start = gap;
    while (start > 0 && grammar::is_word_char(source[start - 1])) --start;
    const std::string_view before = source.substr(start, gap - start);
    if (!grammar::is_word_start(before.front()) || !grammar::is_word_start(source[at]) ||
        is_reserved_word(before))
        return {};
    return "a name is one word: join its parts with `_`, as in `" + std::string(before) + "_" +
           std::string(source.substr(at, end - at)) + "`";
}

ParseResult parse_checked(std::string_view source, std::string const& file) {
    ParseResult result;
    const detail::SourceText text(source);
    // Before anything reads the text: every column after this is a count of characters.
    if (const auto bad = detail::first_invalid_utf8(source)) {
        result.diagnostics.push_back(
            error(Code::not_utf8, "the policy text is not valid UTF-8 (byte " + hex_byte(source[*bad]) + ")", file,
                  text.span(*bad, *bad + 1), "save the policy as UTF-8 text"));
        return result;
    }
    // A byte order mark (Windows Notepad writes one) is not part of the policy.
    const std::size_t bom = detail::bom_length(source);
    const std::size_t start = text.skip_blank(bom);
    if (start >= source.size()) {
        result.diagnostics.push_back(
            error(Code::no_header, "the file is empty: a policy starts with `policy`, its id and its title",
                  file, text.span(start, start),
                  "begin with a line like `policy northshire_jfp \"Northshire joint funding "
                  "protocol\"`"));
        return result;
    }
    if (!source.substr(start).starts_with("policy") ||
        (start + 6 < source.size() && grammar::is_word_char(source[start + 6]))) {
        const std::size_t end = token_end(source, start);
        std::string help = confusable_help(source, start);
        if (help.empty()) help = "begin with a line like `policy northshire_jfp \"Northshire joint funding protocol\"`";
        result.diagnostics.push_back(
            error(Code::no_header,
                  "expected the policy header `policy` at the start of the file, found " +
                      found(source, start, end),
                  file, text.span(start, end), std::move(help)));
        return result;
    }

    Iter const begin = source.data();
    Iter first = begin + bom;
    Iter const last = begin + source.size();
    grammar::ParseState state(text, begin);
    Module module;
    try {
        auto const parser = x3::with<grammar::state_tag>(state)[grammar::policy_file];
        if (x3::phrase_parse(first, last, parser, grammar::blank, module)) {
            module.file = file;
            result.module = std::move(module);
            return result;
        }
        const std::size_t at = text.skip_blank(state.offset(first));
        const std::size_t end = token_end(source, at);
        result.diagnostics.push_back(error(Code::unexpected_text, "unexpected " + found(source, at, end), file,
                                           text.span(at, end), confusable_help(source, at)));
    } catch (grammar::SyntaxError const& e) {
        result.diagnostics.push_back(
            error(e.code, e.message, file, state.span(e.where, e.end), e.help));
    } catch (x3::expectation_failure<Iter> const& e) {
        const std::size_t at = text.skip_blank(state.offset(e.where()));
        const std::size_t end = token_end(source, at);
        std::string which = e.which();
        std::string message;
        if (which == grammar::kExpectedDeclaration) {
            message =
                "expected " + expected_after(state.last_decl) + ", found " + found(source, at, end);
        } else if (is_description(which)) {
            message = "expected " + which + ", found " + found(source, at, end);
        } else {
            message = "unexpected " + found(source, at, end);
        }
        std::string help;
        if (at < end && grammar::is_word_char(source[at])) {
            const std::string suggestion = did_you_mean(source.substr(at, end - at),
                                                        keywords_expected(which, state.last_decl));
            if (!suggestion.empty()) help = "did you mean `" + suggestion + "`?";
            else if (which == grammar::kExpectedDeclaration) help = joined_name_help(source, at, end);
        } else {
            help = confusable_help(source, at);
        }
        result.diagnostics.push_back(
            error(Code::unexpected_text, std::move(message), file, text.span(at, end), std::move(help)));
    }
    return result;
}

}  // namespace

ParseResult parse(std::string_view source, std::string file) {
    try {
        return parse_checked(source, file);
    } catch (std::exception const& e) {
        ParseResult result;
        result.diagnostics.push_back(error(Code::parser_failed, std::string("the parser failed: ") + e.what(),
                                           file, Span{1, 1, 1, 1, 0, 0}));
        return result;
    }
}

}  // namespace jointly::dsl
