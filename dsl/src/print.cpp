#include "jointly/dsl/print.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <type_traits>
#include <variant>

#include "jointly/dsl/builtins.hpp"

namespace jointly::dsl {

namespace {

std::string magnitude_digits(std::int64_t units) {
    // INT64_MIN has no positive counterpart in int64: go through unsigned.
    std::uint64_t m =
        units < 0 ? 0 - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
    return std::to_string(m);
}

struct Parts {
    bool negative = false;
    std::string whole;
    std::string fraction;
};

Parts split_decimal(Decimal d) {
    Parts p;
    p.negative = d.units < 0;
    std::string digits = magnitude_digits(d.units);
    const auto scale = static_cast<std::size_t>(d.scale < 0 ? 0 : d.scale);
    if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
    p.whole = digits.substr(0, digits.size() - scale);
    p.fraction = digits.substr(digits.size() - scale);
    return p;
}

enum Prec { kOr = 1, kAnd, kNot, kCompare, kSum, kProduct, kNegate, kPrimary };

int precedence(Expr const& e) {
    if (Unary const* u = e.as<Unary>()) return u->op == UnaryOp::Not ? kNot : kNegate;
    if (e.is<In>()) return kCompare;
    if (Binary const* b = e.as<Binary>()) {
        switch (b->op) {
        case BinaryOp::Or: return kOr;
        case BinaryOp::And: return kAnd;
        case BinaryOp::Add:
        case BinaryOp::Sub: return kSum;
        case BinaryOp::Mul:
        case BinaryOp::Div: return kProduct;
        default: return kCompare;
        }
    }
    return kPrimary;
}

bool reads_as_word(Expr const& e) {
    return e.is<NameRef>() || e.is<TextLit>() || e.is<BoolLit>();
}

std::string op_text(Binary const& b) {
    if (reads_as_word(*b.right)) {
        if (b.op == BinaryOp::Eq) return "is";
        if (b.op == BinaryOp::Ne) return "is not";
    }
    return operator_text(b.op);
}

std::string bound_text(WindowBound const& b) {
    if (b.date) return date_text(*b.date);
    return b.event ? b.event->name : std::string();
}

void print(Expr const& e, int min_prec, std::string& out);

char const* duration_unit_text(Duration const& d) {
    const bool one = d.amount.units == 1 && d.amount.scale == 0;
    switch (d.unit) {
        case DurationUnit::Days: return one ? "day" : "days";
        case DurationUnit::Weeks: return one ? "week" : "weeks";
        case DurationUnit::Months: return one ? "month" : "months";
        case DurationUnit::Years: break;
    }
    return one ? "year" : "years";
}

void print_list(std::vector<Expr> const& items, std::size_t from, std::string& out) {
    for (std::size_t i = from; i < items.size(); ++i) {
        if (i > from) out += ", ";
        print(items[i], kOr, out);
    }
}

// `count(dst, severe)`, `funders()`; a phrase has parentheses only around arguments:
// `yearly total`, `yearly total(health)`.
void print_call(std::string_view name, BuiltinForm form, std::vector<Expr> const& args, std::string& out) {
    out += name;
    if (form == BuiltinForm::Phrase && args.empty()) return;
    out += '(';
    print_list(args, 0, out);
    out += ')';
}

void print(Expr const& e, int min_prec, std::string& out) {
    const int prec = precedence(e);
    const bool parens = prec < min_prec;
    if (parens) out += '(';
    std::visit(
        [&](auto const& n) {
            using T = std::decay_t<decltype(n)>;
            if constexpr (std::is_same_v<T, BoolLit>) {
                out += n.value ? "true" : "false";
            } else if constexpr (std::is_same_v<T, NumberLit>) {
                out += decimal_text(n.value);
            } else if constexpr (std::is_same_v<T, MoneyLit>) {
                out += money_text(n.pounds);
            } else if constexpr (std::is_same_v<T, PercentLit>) {
                out += decimal_text(n.value) + "%";
            } else if constexpr (std::is_same_v<T, DateLit>) {
                out += date_text(n.value);
            } else if constexpr (std::is_same_v<T, TextLit>) {
                out += quote(n.value);
            } else if constexpr (std::is_same_v<T, NameRef>) {
                out += n.name;
            } else if constexpr (std::is_same_v<T, Unary>) {
                if (n.op == UnaryOp::Not) {
                    out += "not ";
                    print(*n.operand, kNot, out);
                } else {
                    out += '-';
                    // `- -x`, not `--x`; `- -5` stays two negations
                    if (n.operand->template is<Unary>()) out += ' ';
                    print(*n.operand, kNegate, out);
                }
            } else if constexpr (std::is_same_v<T, Binary>) {
                const bool compare = prec == kCompare;
                print(*n.left, compare ? kSum : prec, out);
                out += ' ';
                out += op_text(n);
                out += ' ';
                print(*n.right, compare ? kSum : prec + 1, out);
            } else if constexpr (std::is_same_v<T, In>) {
                print(*n.needle, kSum, out);
                out += " in ";
                print(*n.set, kPrimary, out);
            } else if constexpr (std::is_same_v<T, Call>) {
                print_call(n.function, BuiltinForm::Call, n.args, out);
            } else if constexpr (std::is_same_v<T, List>) {
                out += '[';
                print_list(n.items, 0, out);
                out += ']';
            } else if constexpr (std::is_same_v<T, AtLeast>) {
                out += "at least ";
                print(*n.level, kOr, out);
            } else if constexpr (std::is_same_v<T, Duration>) {
                out += decimal_text(n.amount);
                out += ' ';
                out += duration_unit_text(n);
            } else {
                static_assert(std::is_same_v<T, YearlyTotal>);
                Builtin const& yearly = builtin("yearly total", BuiltinForm::Phrase);
                print_call(yearly.name, yearly.form, n.args, out);
            }
        },
        e.node);
    if (parens) out += ')';
}

}  // namespace

std::string decimal_text(Decimal d) {
    const Parts p = split_decimal(d);
    std::string out = p.negative ? "-" : "";
    out += p.whole;
    if (!p.fraction.empty()) out += "." + p.fraction;
    return out;
}

std::string money_text(Decimal pounds) {
    const Parts p = split_decimal(pounds);
    std::string grouped;
    const std::size_t n = p.whole.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0 && (n - i) % 3 == 0) grouped += ',';
        grouped += p.whole[i];
    }
    std::string out = p.negative ? "-\xC2\xA3" : "\xC2\xA3";
    out += grouped;
    if (!p.fraction.empty()) out += "." + p.fraction;
    return out;
}

std::size_t write_date(char* out, CivilDate d) {
    // The usual date written digit by digit: snprintf's format parsing was a large part of
    // writing an answer's dates.
    if (d.year >= 0 && d.year <= 9999 && d.month >= 0 && d.month <= 99 && d.day >= 0 && d.day <= 99) {
        auto two = [out](std::size_t at, int v) {
            out[at] = static_cast<char>('0' + v / 10);
            out[at + 1] = static_cast<char>('0' + v % 10);
        };
        two(0, d.year / 100);
        two(2, d.year % 100);
        out[4] = '-';
        two(5, d.month);
        out[7] = '-';
        two(8, d.day);
        return 10;
    }
    const int n = std::snprintf(out, kDateTextChars, "%04d-%02d-%02d", d.year, d.month, d.day);
    return n < 0 ? 0 : std::min(static_cast<std::size_t>(n), kDateTextChars - 1);
}

std::string date_text(CivilDate d) {
    char buf[kDateTextChars];
    return std::string(buf, write_date(buf, d));
}

std::string operator_text(BinaryOp op) {
    switch (op) {
    case BinaryOp::Or: return "or";
    case BinaryOp::And: return "and";
    case BinaryOp::Eq: return "=";
    case BinaryOp::Ne: return "!=";
    case BinaryOp::Lt: return "<";
    case BinaryOp::Le: return "<=";
    case BinaryOp::Gt: return ">";
    case BinaryOp::Ge: return ">=";
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
    }
    return "?";
}

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

std::string expr_text(Expr const& e) {
    std::string out;
    print(e, kOr, out);
    return out;
}

std::string per_text(Per p) {
    switch (p) {
    case Per::Week: return "per week";
    case Per::Hour: return "per hour";
    case Per::Line: return "per line";
    case Per::FinancialYear: return "per financial year";
    }
    return "?";
}

std::string share_text(Share const& s) {
    if (s.kind == ShareKind::Percent) return s.agency.name + " " + decimal_text(s.percent) + "%";
    return s.agency.name + " " + std::to_string(s.numerator) + "/" + std::to_string(s.denominator);
}

std::string window_text(Window const& w) {
    if (w.kind != WindowKind::Between) {
        std::string unit = w.unit == TimeUnit::Days ? "day" : "week";
        if (w.amount != 1) unit += "s";
        return "within " + std::to_string(w.amount) + " " + unit +
               (w.kind == WindowKind::After ? " after " : " before ") + w.event.name;
    }
    if (!w.from && w.to) return (w.to_exclusive ? "before " : "on or before ") + bound_text(*w.to);
    std::string out = "from " + (w.from ? bound_text(*w.from) : std::string());
    if (w.to) out += (w.to_exclusive ? " until " : (w.through ? " through " : " to ")) + bound_text(*w.to);
    return out;
}

std::string type_text(TypeRef const& t) {
    switch (t.kind) {
    case TypeKind::Bool: return "bool";
    case TypeKind::Whole: return "whole";
    case TypeKind::Decimal: return "decimal";
    case TypeKind::Money: return "money";
    case TypeKind::Date: return "date";
    case TypeKind::Text: return "text";
    case TypeKind::TextList: return "list of text";
    case TypeKind::Level: return t.scale.name;
    case TypeKind::LevelMap: return "map of " + t.scale.name;
    case TypeKind::Agency: {
        std::string out = "agency in";
        for (std::size_t i = 0; i < t.agencies.size(); ++i) out += (i > 0 ? ", " : " ") + t.agencies[i].name;
        return out;
    }
    }
    return "?";
}

}  // namespace jointly::dsl
