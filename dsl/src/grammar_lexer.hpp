// The policy language's lexical level for the X3 grammar: blanks and comments, keywords,
// names, numbers, money, dates, strings. Private to parse.cpp (the one X3 translation unit).
//
// The leaf parsers are hand-written X3 parsers rather than compositions of X3's character
// parsers: they read bytes (no locale, no char-class assertions on UTF-8), produce exact
// values (a `Decimal` digit by digit, never through floating point) and throw a
// `SyntaxError` with a stable code when the text is recognisably a literal but invalid
// (`2025-02-30`, `£1,50`, an unterminated string).
#pragma once

#include <boost/spirit/home/x3.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "grammar_state.hpp"
#include "jointly/dsl/ast.hpp"
#include "jointly/dsl/print.hpp"
#include "lexical.hpp"

namespace jointly::dsl::grammar {

namespace x3 = boost::spirit::x3;

struct state_tag;

template <typename Context>
ParseState& state_of(Context const& ctx) {
    return x3::get<state_tag>(ctx);
}

// Stores `value` into an X3 attribute slot, which is `unused` when nobody asked for it.
template <typename Attr, typename T>
void put(Attr& attr, T&& value) {
    if constexpr (!std::is_same_v<std::remove_cv_t<Attr>, x3::unused_type>) {
        attr = std::forward<T>(value);
    }
}

template <typename Derived, typename Attr>
struct leaf_parser : x3::parser<Derived> {
    using attribute_type = Attr;
    static bool const has_attribute = !std::is_same_v<Attr, x3::unused_type>;
};

// Blanks and `#` comments: the skipper.
struct blank_parser : leaf_parser<blank_parser, x3::unused_type> {
    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const&, RCtx&, A&) const {
        if (first == last) return false;
        if (detail::is_blank(*first)) {
            ++first;
            return true;
        }
        if (*first != '#') return false;
        while (first != last && *first != '\n' && *first != '\r') ++first;
        return true;
    }
};
inline constexpr blank_parser blank{};

// A keyword: the word, not followed by a name character (`in` does not match `income`).
struct keyword_parser : leaf_parser<keyword_parser, x3::unused_type> {
    constexpr keyword_parser(char const* w, int clause = -1) : word(w), clause_index(clause) {}
    std::string_view word;
    int clause_index;  // >= 0: starts a clause of the current declaration (order checked)

    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, A&) const {
        x3::skip_over(first, last, ctx);
        const auto n = static_cast<std::ptrdiff_t>(word.size());
        if (last - first < n || std::string_view(first, word.size()) != word) return false;
        if (first + n != last && is_word_char(first[n])) return false;
        if (clause_index >= 0) state_of(ctx).clauses.visit(clause_index, first, first + n);
        first += n;
        return true;
    }
};
constexpr keyword_parser kw(char const* word) {
    return keyword_parser(word);
}
// A keyword that starts the clause `which` (a HeaderClause, RuleClause or PoolClause).
template <typename Clause>
constexpr keyword_parser clause(char const* word, Clause which) {
    return keyword_parser(word, static_cast<int>(which));
}

// Punctuation: `(`, `,`, `>=`, ...
struct symbol_parser : leaf_parser<symbol_parser, x3::unused_type> {
    constexpr explicit symbol_parser(char const* t) : text(t) {}
    std::string_view text;

    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, A&) const {
        x3::skip_over(first, last, ctx);
        if (static_cast<std::size_t>(last - first) < text.size() ||
            std::string_view(first, text.size()) != text) {
            return false;
        }
        first += static_cast<std::ptrdiff_t>(text.size());
        return true;
    }
};
constexpr symbol_parser sym(char const* text) {
    return symbol_parser(text);
}

// A name: [a-z_][a-z0-9_]*, not a keyword. `strict` where only a name can stand (after
// `rule`, `agency`, `exception to`, ...): a keyword there is E1006, not a mismatch.
// Capital letters are E1012 anywhere.
struct ident_parser : leaf_parser<ident_parser, Ident> {
    constexpr ident_parser(char const* what_text, bool strict_name)
        : what(what_text), strict(strict_name) {}
    char const* what;
    bool strict;

    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, A& attr) const {
        x3::skip_over(first, last, ctx);
        It e = first;
        if (e == last || !is_word_start(*e)) return false;
        while (e != last && is_word_char(*e)) ++e;
        const std::string_view word(first, static_cast<std::size_t>(e - first));
        if (is_reserved_word(word)) {
            if (strict) throw_reserved(first, e, word);
            return false;
        }
        if (e != last && static_cast<unsigned char>(*e) >= 0x80U) throw_not_ascii(first, e, last);
        check_name_case(first, e);
        put(attr, Ident{std::string(word), state_of(ctx).span(first, e)});
        first = e;
        return true;
    }
};
constexpr ident_parser name(char const* what) {
    return ident_parser(what, true);
}
constexpr ident_parser name_soft(char const* what) {
    return ident_parser(what, false);
}

// `12`, `2.5`, `50%`: an Expr of kind Number or Percent.
struct number_parser : leaf_parser<number_parser, Expr> {
    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, A& attr) const {
        x3::skip_over(first, last, ctx);
        It e = scan_decimal(first, last);
        if (e == first) return false;
        Expr out;
        const Decimal value = to_decimal(first, e);
        if (e != last && *e == '%') {
            ++e;
            out.node = PercentLit{value};
        } else {
            out.node = NumberLit{value};
        }
        out.span = state_of(ctx).span(first, e);
        put(attr, std::move(out));
        first = e;
        return true;
    }
};
inline constexpr number_parser number{};

// A percentage `5%` as a Decimal (the number of percent).
struct percent_parser : leaf_parser<percent_parser, Decimal> {
    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, A& attr) const {
        x3::skip_over(first, last, ctx);
        It e = scan_decimal(first, last);
        if (e == first || e == last || *e != '%') return false;
        put(attr, to_decimal(first, e));
        first = e + 1;
        return true;
    }
};
inline constexpr percent_parser percent{};

// A token read by one lexical scanner (lexical.hpp) into a T; the scanner returns its
// start when nothing matched, and reports malformed text (E1003, E1004, E1013) itself.
template <typename T, Iter (*Scan)(Iter, Iter, T&)>
struct scanned_parser : leaf_parser<scanned_parser<T, Scan>, T> {
    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, A& attr) const {
        x3::skip_over(first, last, ctx);
        T value{};
        It e = Scan(first, last, value);
        if (e == first) return false;
        put(attr, std::move(value));
        first = e;
        return true;
    }
};

// A whole number (window lengths, table bounds, fraction parts); `2.5` is E1013.
using whole_parser = scanned_parser<std::int64_t, scan_whole>;
inline constexpr whole_parser whole{};

// A share's amount: `50%`, `33.5%` or `1/3` (kind, percent or numerator/denominator set).
using share_amount_parser = scanned_parser<Share, scan_share>;
inline constexpr share_amount_parser share_amount{};

// `£1,500`, `£1,500.00`, `£0.5`: pounds as a Decimal. E1004 for a malformed amount.
using money_parser = scanned_parser<Decimal, scan_money>;
inline constexpr money_parser money{};

// A pool contribution's amount: money, as `money`. A share or a bare number in its place
// (`66%`, `1/3`, `66`) is E1001 with a help: partners put in amounts of money, and their
// shares of an overspend or underspend follow from those amounts.
struct contribution_money_parser : leaf_parser<contribution_money_parser, Decimal> {
    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, A& attr) const {
        x3::skip_over(first, last, ctx);
        Decimal value{};
        It e = scan_money(first, last, value);
        if (e != first) {
            put(attr, value);
            first = e;
            return true;
        }
        if (first == last || !is_digit(*first)) return false;
        Share share;
        e = scan_share(first, last, share);
        const bool a_share = e != first;
        if (!a_share) e = scan_decimal(first, last);
        const std::string written(first, static_cast<std::size_t>(e - first));
        throw SyntaxError{Code::unexpected_text,
                          "expected an amount of money like `£1,500`, found `" + written + "`", first, e,
                          std::string(a_share ? "a contribution is the money a partner puts into the pool, not a "
                                                "share: write an amount like `£66,000`"
                                              : "write the amount with `£`, like `£66,000`") +
                              "; each partner's share of an overspend or underspend follows from the amounts"};
    }
};
inline constexpr contribution_money_parser contribution_money{};

// A share in a split: as `share_amount`, and a bare number in its place (`0.6`, `100`) is
// E1001 with a help that writes it as a percentage: a number below 1 as that part of the
// whole (`0.6` is `60%`), another as that many percent (`100` is `100%`).
struct split_share_parser : leaf_parser<split_share_parser, Share> {
    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, A& attr) const {
        x3::skip_over(first, last, ctx);
        Share share;
        It e = scan_share(first, last, share);
        if (e != first) {
            put(attr, std::move(share));
            first = e;
            return true;
        }
        if (first == last || !is_digit(*first)) return false;
        e = scan_decimal(first, last);
        const std::string written(first, static_cast<std::size_t>(e - first));
        Decimal value = to_decimal(first, e);
        std::int64_t one = 1;
        for (std::int32_t i = 0; i < value.scale; ++i) one *= 10;
        const bool part = value.units < one;
        if (part) {
            if (value.scale >= 2) {
                value.scale -= 2;
            } else {
                for (std::int32_t i = value.scale; i < 2; ++i) value.units *= 10;
                value.scale = 0;
            }
        }
        const std::string as_percent = decimal_text(value) + "%";
        throw SyntaxError{Code::unexpected_text,
                          "expected a share like `50%` or `1/3`, found the number `" + written + "`", first, e,
                          "a share is a percentage or a fraction: write " +
                              (part ? "`" + written + "` of the cost as `" + as_percent + "`"
                                    : "`" + as_percent + "`")};
    }
};
inline constexpr split_share_parser split_share{};

// Where a window's bound ends: an operator or a call after it (`from birthday(date_of_birth,
// 18)`, `from date_of_birth + 18 years`) is E1001 with the help the language prescribes: name
// the day with `let`, then use the name as the bound.
struct bound_end_parser : leaf_parser<bound_end_parser, x3::unused_type> {
    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, A&) const {
        It at = first;
        x3::skip_over(at, last, ctx);
        if (at == last || std::string_view("(+-*/").find(*at) == std::string_view::npos) return true;
        throw SyntaxError{Code::unexpected_text,
                          std::string("a window's bound is a date or a name, not an expression: found `") + *at +
                              "`",
                          at, at + 1,
                          "name the day with `let` first, e.g. `let adult = birthday(date_of_birth, 18)` or "
                          "`let support_ends = academic_year_end(date_of_birth + 25 years)`, then use the name "
                          "as the bound: `from adult`"};
    }
};
inline constexpr bound_end_parser bound_end{};

// `2025-04-01`. Something date-shaped that is not a real day is E1003.
using date_parser = scanned_parser<CivilDate, scan_date>;
inline constexpr date_parser date{};

// A quoted string and where it was written.
struct Text {
    std::string value;
    Span span;
};

// `"..."` with `\"` and `\\`; E1002 when the line ends first, E1008 for another escape.
struct string_parser : leaf_parser<string_parser, Text> {
    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, A& attr) const {
        x3::skip_over(first, last, ctx);
        Text value;
        It e = scan_string(first, last, value.value);
        if (e == first) return false;
        value.span = state_of(ctx).span(first, e);
        put(attr, std::move(value));
        first = e;
        return true;
    }
};
inline constexpr string_parser quoted{};

// The end of the file, where a declaration could still start.
struct end_parser : leaf_parser<end_parser, x3::unused_type> {
    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, A&) const {
        x3::skip_over(first, last, ctx);
        return first == last;
    }
};
inline constexpr end_parser end_of_file{};
inline constexpr char const* kExpectedDeclaration = "a declaration";

// Gives a parser the words an expectation failure uses for it ("expected <text>").
template <typename Subject>
struct described_parser : x3::unary_parser<Subject, described_parser<Subject>> {
    using base_type = x3::unary_parser<Subject, described_parser<Subject>>;
    static bool const is_pass_through_unary = true;
    static bool const handles_container = Subject::handles_container;

    constexpr described_parser(Subject const& s, char const* t) : base_type(s), text(t) {}
    char const* text;

    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx& rctx, A& attr) const {
        return this->subject.parse(first, last, ctx, rctx, attr);
    }
};
template <typename P>
constexpr auto described(char const* text, P const& p) {
    using subject = typename x3::extension::as_parser<P>::value_type;
    return described_parser<subject>(x3::as_parser(p), text);
}

// Bounds the nesting of expressions (E1016) so that deep input cannot exhaust the stack;
// entering at depth 0 starts a new expression's operator budget.
template <typename Subject>
struct nesting_guard : x3::unary_parser<Subject, nesting_guard<Subject>> {
    using base_type = x3::unary_parser<Subject, nesting_guard<Subject>>;
    static bool const is_pass_through_unary = true;
    static bool const handles_container = Subject::handles_container;

    constexpr explicit nesting_guard(Subject const& s) : base_type(s) {}

    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx& rctx, A& attr) const {
        ParseState& st = state_of(ctx);
        if (st.depth == 0) st.ops = 0;
        st.enter(first);
        struct Leave {
            ParseState& st;
            ~Leave() { --st.depth; }
        } leave{st};
        return this->subject.parse(first, last, ctx, rctx, attr);
    }
};
template <typename P>
constexpr auto guarded(P const& p) {
    using subject = typename x3::extension::as_parser<P>::value_type;
    return nesting_guard<subject>(x3::as_parser(p));
}

}  // namespace jointly::dsl::grammar

namespace boost::spirit::x3 {

// What an expectation failure names: the user's words, never a C++ type.
#define JOINTLY_X3_INFO(parser_type, expr)                                  \
    template <>                                                             \
    struct get_info<parser_type> {                                          \
        using result_type = std::string;                                    \
        std::string operator()(parser_type const& p) const { return expr; } \
    };
JOINTLY_X3_INFO(jointly::dsl::grammar::keyword_parser, "`" + std::string(p.word) + "`")
JOINTLY_X3_INFO(jointly::dsl::grammar::symbol_parser, "`" + std::string(p.text) + "`")
JOINTLY_X3_INFO(jointly::dsl::grammar::ident_parser, std::string(p.what))
JOINTLY_X3_INFO(jointly::dsl::grammar::number_parser, ((void)p, "a number"))
JOINTLY_X3_INFO(jointly::dsl::grammar::percent_parser, ((void)p, "a percentage like `5%`"))
JOINTLY_X3_INFO(jointly::dsl::grammar::whole_parser, ((void)p, "a whole number"))
JOINTLY_X3_INFO(jointly::dsl::grammar::share_amount_parser,
                ((void)p, "a share like `50%` or `1/3`"))
JOINTLY_X3_INFO(jointly::dsl::grammar::split_share_parser, ((void)p, "a share like `50%` or `1/3`"))
JOINTLY_X3_INFO(jointly::dsl::grammar::bound_end_parser, ((void)p, "the end of the window's bound"))
JOINTLY_X3_INFO(jointly::dsl::grammar::money_parser, ((void)p, "an amount of money like `£1,500`"))
JOINTLY_X3_INFO(jointly::dsl::grammar::contribution_money_parser, ((void)p, "an amount of money like `£1,500`"))
JOINTLY_X3_INFO(jointly::dsl::grammar::date_parser, ((void)p, "a date like `2025-04-01`"))
JOINTLY_X3_INFO(jointly::dsl::grammar::string_parser, ((void)p, "a quoted text like \"...\""))
JOINTLY_X3_INFO(jointly::dsl::grammar::end_parser,
                ((void)p, std::string(jointly::dsl::grammar::kExpectedDeclaration)))
#undef JOINTLY_X3_INFO

template <typename Subject>
struct get_info<jointly::dsl::grammar::described_parser<Subject>> {
    using result_type = std::string;
    std::string operator()(jointly::dsl::grammar::described_parser<Subject> const& p) const {
        return p.text;
    }
};

// An action does not change what a parser expects.
template <typename Subject, typename Action>
struct get_info<action<Subject, Action>> {
    using result_type = std::string;
    std::string operator()(action<Subject, Action> const& p) const { return what(p.subject); }
};

template <typename Subject>
struct get_info<jointly::dsl::grammar::nesting_guard<Subject>> {
    using result_type = std::string;
    std::string operator()(jointly::dsl::grammar::nesting_guard<Subject> const& p) const {
        return what(p.subject);
    }
};

}  // namespace boost::spirit::x3
