// Semantic actions and span annotation shared by the grammar's rules. Private to parse.cpp.
//
// Rules build AST values through actions rather than Fusion adaptation: the AST is a plain
// public type with spans and optional parts, and an action says exactly which field a
// piece of text fills.
#pragma once

#include <utility>

#include "grammar_lexer.hpp"

namespace jointly::dsl::grammar {

// A value and where it was written: the attribute of small clause rules.
template <typename T>
struct Spanned {
    T value{};
    Span span;
};

// Nothing to check for nodes other than the header and rules (see grammar_state.hpp).
template <typename T>
void check_required(T const&, ParseState const&, Iter) {}

// Wraps a rule's whole definition: when it matches, the rule's value (X3's rule context,
// which is where the actions build it) gets the span of the text it came from, trailing
// blanks and comments left out, and a declaration is checked for required clauses.
// (X3's on_success is handed `unused` when a rule builds its value through actions.)
template <typename Subject>
struct node_directive : x3::unary_parser<Subject, node_directive<Subject>> {
    using base_type = x3::unary_parser<Subject, node_directive<Subject>>;
    static bool const is_pass_through_unary = true;
    static bool const handles_container = Subject::handles_container;

    constexpr explicit node_directive(Subject const& s) : base_type(s) {}

    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx& rctx, A& attr) const {
        x3::skip_over(first, last, ctx);
        It const start = first;
        if (!this->subject.parse(first, last, ctx, rctx, attr)) return false;
        ParseState& st = state_of(ctx);
        if constexpr (requires { rctx.span = Span{}; }) rctx.span = st.trimmed(start, first);
        check_required(rctx, st, first);
        return true;
    }
};
template <typename P>
constexpr auto node(P const& p) {
    using subject = typename x3::extension::as_parser<P>::value_type;
    return node_directive<subject>(x3::as_parser(p));
}

// The smallest span covering `a` then `b`.
inline Span merge(Span const& a, Span const& b) {
    Span s = a;
    s.end_line = b.end_line;
    s.end_column = b.end_column;
    s.length = b.offset + b.length - a.offset;
    return s;
}

// `field = attribute`
template <auto Member>
struct assign_to_t {
    template <typename Ctx>
    void operator()(Ctx& ctx) const {
        x3::_val(ctx).*Member = std::move(x3::_attr(ctx));
    }
};
template <auto Member>
inline constexpr assign_to_t<Member> assign_to{};

// `field.push_back(attribute)`
template <auto Member>
struct push_to_t {
    template <typename Ctx>
    void operator()(Ctx& ctx) const {
        (x3::_val(ctx).*Member).push_back(std::move(x3::_attr(ctx)));
    }
};
template <auto Member>
inline constexpr push_to_t<Member> push_to{};

// `field = constant`
template <auto Member, auto Value>
struct value_to_t {
    template <typename Ctx>
    void operator()(Ctx& ctx) const {
        x3::_val(ctx).*Member = Value;
    }
};
template <auto Member, auto Value>
inline constexpr value_to_t<Member, Value> value_to{};

// `rule value = constant` (for rules whose attribute is an enum)
template <auto Value>
struct result_t {
    template <typename Ctx>
    void operator()(Ctx& ctx) const {
        x3::_val(ctx) = Value;
    }
};
template <auto Value>
inline constexpr result_t<Value> result{};

// A quoted text into a string field, and optionally its span.
template <auto Member, auto SpanMember = nullptr>
struct text_to_t {
    template <typename Ctx>
    void operator()(Ctx& ctx) const {
        Text& t = x3::_attr(ctx);
        x3::_val(ctx).*Member = std::move(t.value);
        if constexpr (SpanMember != nullptr) x3::_val(ctx).*SpanMember = t.span;
    }
};
template <auto Member, auto SpanMember = nullptr>
inline constexpr text_to_t<Member, SpanMember> text_to{};

// A `Spanned<T>` clause into a value field and a span field.
template <auto Member, auto SpanMember>
struct spanned_to_t {
    template <typename Ctx>
    void operator()(Ctx& ctx) const {
        auto& s = x3::_attr(ctx);
        x3::_val(ctx).*Member = std::move(s.value);
        x3::_val(ctx).*SpanMember = s.span;
    }
};
template <auto Member, auto SpanMember>
inline constexpr spanned_to_t<Member, SpanMember> spanned_to{};

// `value = attribute` for a rule that passes its child's value up.
inline constexpr auto pass_up = [](auto& ctx) { x3::_val(ctx) = std::move(x3::_attr(ctx)); };

// Starts a declaration: which clauses it may hold (nullptr: none) and, for messages at
// the end of the file, what was declared last.
struct begin_decl {
    ClauseTable const* clauses;
    DeclKind kind;
    template <typename Ctx>
    void operator()(Ctx& ctx) const {
        ParseState& st = state_of(ctx);
        if (clauses != nullptr) st.clauses.reset(*clauses);
        st.last_decl = kind;
    }
};

}  // namespace jointly::dsl::grammar
