// Expressions: `or` < `and` < `not` < comparison / `is` / `in` < `+ -` < `* /` < unary `-`
// < primary. Private to parse.cpp.
#pragma once

#include "grammar_actions.hpp"

namespace jointly::dsl::grammar {

// `=`, `!=`, `<`, `<=`, `>`, `>=`, `is`, `is not`. `==` is E1001 with a hint.
struct compare_op_parser : leaf_parser<compare_op_parser, BinaryOp> {
    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, A& attr) const {
        x3::skip_over(first, last, ctx);
        const std::string_view rest(first, static_cast<std::size_t>(last - first));
        struct Op {
            std::string_view text;
            BinaryOp op;
        };
        static constexpr Op kOps[] = {{">=", BinaryOp::Ge}, {"<=", BinaryOp::Le},
                                      {"!=", BinaryOp::Ne}, {"=", BinaryOp::Eq},
                                      {"<", BinaryOp::Lt},  {">", BinaryOp::Gt}};
        if (rest.starts_with("==")) {
            throw SyntaxError{
                Code::unexpected_text, "`==` is not an operator: compare with `=` or `is`", first, first + 2, {}};
        }
        for (Op const& op : kOps) {
            if (rest.starts_with(op.text)) {
                put(attr, op.op);
                first += static_cast<std::ptrdiff_t>(op.text.size());
                return true;
            }
        }
        It p = first;
        if (!kw("is").parse(p, last, ctx, x3::unused, x3::unused)) return false;
        It after_is = p;
        if (kw("not").parse(p, last, ctx, x3::unused, x3::unused)) {
            put(attr, BinaryOp::Ne);
            first = p;
        } else {
            put(attr, BinaryOp::Eq);
            first = after_is;
        }
        return true;
    }
};
inline constexpr compare_op_parser compare_op{};

// After a comparison: another comparison (`1 < 2 < 3`) is E1001 with a hint; consumes nothing.
struct no_chain_parser : leaf_parser<no_chain_parser, x3::unused_type> {
    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, A&) const {
        It p = first;
        BinaryOp op{};
        if (compare_op.parse(p, last, ctx, x3::unused, op) ||
            kw("in").parse(p, last, ctx, x3::unused, x3::unused)) {
            It q = first;
            x3::skip_over(q, last, ctx);
            throw SyntaxError{Code::unexpected_text,
                              "comparisons cannot be chained: join them with `and`, like "
                              "`a < b and b < c`",
                              q,
                              p,
                              {}};
        }
        return true;
    }
};
inline constexpr no_chain_parser no_chain{};

// Builds `lhs OP rhs` in place of `lhs`.
inline void combine(ParseState& st, Expr& lhs, BinaryOp op, Expr rhs) {
    st.count_op(st.begin() + rhs.span.offset);
    Expr node;
    node.span = merge(lhs.span, rhs.span);
    node.node = Binary{op, std::move(lhs), std::move(rhs)};
    lhs = std::move(node);
}

template <BinaryOp Op>
struct binary_t {
    template <typename Ctx>
    void operator()(Ctx& ctx) const {
        combine(state_of(ctx), x3::_val(ctx), Op, std::move(x3::_attr(ctx)));
    }
};
template <BinaryOp Op>
inline constexpr binary_t<Op> binary{};

// `lhs CMP rhs` from the (operator, rhs) pair.
inline constexpr auto compare = [](auto& ctx) {
    auto& pair = x3::_attr(ctx);
    combine(state_of(ctx), x3::_val(ctx), boost::fusion::at_c<0>(pair),
            std::move(boost::fusion::at_c<1>(pair)));
};

// `needle in [a, b]` / `needle in list_fact`
inline constexpr auto make_in = [](auto& ctx) {
    ParseState& st = state_of(ctx);
    Expr& needle = x3::_val(ctx);
    Expr set = std::move(x3::_attr(ctx));
    st.count_op(st.begin() + set.span.offset);
    Expr node;
    node.span = merge(needle.span, set.span);
    node.node = In{std::move(needle), std::move(set)};
    needle = std::move(node);
};

template <UnaryOp Op>
struct unary_t {
    template <typename Ctx>
    void operator()(Ctx& ctx) const {
        ParseState& st = state_of(ctx);
        Expr operand = std::move(x3::_attr(ctx));
        st.count_op(st.begin() + operand.span.offset);
        Expr& v = x3::_val(ctx);
        v = Expr{};
        v.node = Unary{Op, std::move(operand)};
    }
};
template <UnaryOp Op>
inline constexpr unary_t<Op> unary{};

inline constexpr auto make_name = [](auto& ctx) {
    Ident& id = x3::_attr(ctx);
    Expr& v = x3::_val(ctx);
    v = Expr{};
    v.node = NameRef{std::move(id.name)};
    v.span = id.span;
};
inline constexpr auto make_call = [](auto& ctx) {
    // `v` holds the NameRef built by make_name: the function's name.
    Expr& v = x3::_val(ctx);
    std::string function = std::move(std::get<NameRef>(v.node).name);
    v.node = Call{std::move(function), std::move(x3::_attr(ctx))};
};
// `yearly total`, then optionally `(agency)`
inline constexpr auto make_yearly = [](auto& ctx) {
    Expr& v = x3::_val(ctx);
    v = Expr{};
    v.node = YearlyTotal{};
};
inline constexpr auto set_args = [](auto& ctx) {
    std::get<YearlyTotal>(x3::_val(ctx).node).args = std::move(x3::_attr(ctx));
};
inline constexpr auto make_list = [](auto& ctx) {
    Expr& v = x3::_val(ctx);
    v = Expr{};
    v.node = List{std::move(x3::_attr(ctx))};
};
inline constexpr auto make_at_least = [](auto& ctx) {
    Expr& v = x3::_val(ctx);
    v = Expr{};
    v.node = AtLeast{std::move(x3::_attr(ctx))};
};
template <bool B>
struct make_bool_t {
    template <typename Ctx>
    void operator()(Ctx& ctx) const {
        Expr& v = x3::_val(ctx);
        v = Expr{};
        v.node = BoolLit{B};
    }
};
template <bool B>
inline constexpr make_bool_t<B> make_bool{};
inline constexpr auto make_date = [](auto& ctx) {
    Expr& v = x3::_val(ctx);
    v = Expr{};
    v.node = DateLit{x3::_attr(ctx)};
};
inline constexpr auto make_money = [](auto& ctx) {
    Expr& v = x3::_val(ctx);
    v = Expr{};
    v.node = MoneyLit{x3::_attr(ctx)};
};
inline constexpr auto make_text = [](auto& ctx) {
    Expr& v = x3::_val(ctx);
    v = Expr{};
    v.node = TextLit{std::move(x3::_attr(ctx).value)};
};

// `6 weeks`, `1 month`, `25 years`: a number, blanks on the same line, then a unit of time.
// Tried before a plain number; a number followed by anything else is left to `number`.
struct duration_parser : leaf_parser<duration_parser, Expr> {
    template <typename It, typename Ctx, typename RCtx, typename A>
    bool parse(It& first, It const& last, Ctx const& ctx, RCtx&, A& attr) const {
        x3::skip_over(first, last, ctx);
        const It e = scan_decimal(first, last);
        if (e == first || (e != last && *e == '%')) return false;
        It w = e;
        while (w != last && (*w == ' ' || *w == '\t')) ++w;
        if (w == e) return false;
        It end = w;
        while (end != last && is_word_char(*end)) ++end;
        const std::string_view word(w, static_cast<std::size_t>(end - w));
        struct Unit {
            std::string_view text;
            DurationUnit unit;
        };
        static constexpr Unit kUnits[] = {
            {"day", DurationUnit::Days},     {"days", DurationUnit::Days},
            {"week", DurationUnit::Weeks},   {"weeks", DurationUnit::Weeks},
            {"month", DurationUnit::Months}, {"months", DurationUnit::Months},
            {"year", DurationUnit::Years},   {"years", DurationUnit::Years}};
        for (Unit const& u : kUnits) {
            if (word != u.text) continue;
            Expr out;
            out.node = Duration{to_decimal(first, e), u.unit};
            out.span = state_of(ctx).span(first, end);
            put(attr, std::move(out));
            first = end;
            return true;
        }
        return false;
    }
};
inline constexpr duration_parser duration{};

struct expr_class {};
struct or_class {};
struct and_class {};
struct not_class {};
struct compare_class {};
struct in_set_class {};
struct sum_class {};
struct product_class {};
struct negate_class {};
struct primary_class {};
struct items_class {};
struct arguments_class {};
struct argument_class {};

x3::rule<expr_class, Expr> const expr = "an expression";
x3::rule<or_class, Expr> const or_expr = "an expression";
x3::rule<and_class, Expr> const and_expr = "an expression";
x3::rule<not_class, Expr> const not_expr = "an expression";
x3::rule<compare_class, Expr> const compare_expr = "an expression";
x3::rule<in_set_class, Expr> const in_set = "a list like `[a, b]` or the name of a list fact";
x3::rule<sum_class, Expr> const sum_expr = "an expression";
x3::rule<product_class, Expr> const product_expr = "an expression";
x3::rule<negate_class, Expr> const negate_expr = "an expression";
x3::rule<primary_class, Expr> const primary = "an expression";
x3::rule<items_class, std::vector<Expr>> const items = "a list of expressions";
x3::rule<arguments_class, std::vector<Expr>> const arguments = "a list of arguments";
x3::rule<argument_class, Expr> const argument = "an argument";

auto const expr_def = node(guarded(or_expr));
auto const or_expr_def = node(and_expr[pass_up] >> *(kw("or") > and_expr)[binary<BinaryOp::Or>]);
auto const and_expr_def = node(not_expr[pass_up] >> *(kw("and") > not_expr)[binary<BinaryOp::And>]);
auto const not_expr_def =
    node((kw("not") > guarded(not_expr))[unary<UnaryOp::Not>] | compare_expr[pass_up]);
auto const compare_expr_def =
    node(sum_expr[pass_up] >>
         -(((compare_op > sum_expr)[compare] | (kw("in") > in_set)[make_in]) >> no_chain));
auto const in_set_def = node((sym("[") > items > sym("]"))[make_list] | name_soft("")[make_name]);
auto const sum_expr_def =
    node(product_expr[pass_up] >> *((sym("+") > product_expr)[binary<BinaryOp::Add>] |
                                    (sym("-") > product_expr)[binary<BinaryOp::Sub>]));
auto const product_expr_def =
    node(negate_expr[pass_up] >> *((sym("*") > negate_expr)[binary<BinaryOp::Mul>] |
                                   (sym("/") > negate_expr)[binary<BinaryOp::Div>]));
auto const negate_expr_def =
    node((sym("-") > guarded(negate_expr))[unary<UnaryOp::Negate>] | primary[pass_up]);
auto const primary_def =
    node(kw("true")[make_bool<true>] | kw("false")[make_bool<false>] | date[make_date] |
         money[make_money] | duration[pass_up] | number[pass_up] | quoted[make_text] |
         (sym("(") > expr > sym(")"))[pass_up] | (sym("[") > items > sym("]"))[make_list] |
         ((kw("yearly") >> kw("total"))[make_yearly] >> -(sym("(") > arguments > sym(")"))[set_args]) |
         (name_soft("")[make_name] >> -(sym("(") > arguments > sym(")"))[make_call]));
auto const items_def = node(-(expr % sym(",")));
auto const arguments_def = node(-(argument % sym(",")));
auto const argument_def = node((kw("at") > kw("least") > expr)[make_at_least] | expr[pass_up]);

BOOST_SPIRIT_DEFINE(expr, or_expr, and_expr, not_expr, compare_expr, in_set, sum_expr, product_expr,
                    negate_expr, primary, items, arguments, argument)

}  // namespace jointly::dsl::grammar

namespace boost::spirit::x3 {
template <>
struct get_info<jointly::dsl::grammar::duration_parser> {
    using result_type = std::string;
    std::string operator()(jointly::dsl::grammar::duration_parser const&) const {
        return "a length of time like `6 weeks`";
    }
};
}  // namespace boost::spirit::x3
