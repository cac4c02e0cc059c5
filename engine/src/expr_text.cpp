#include "expr_text.hpp"

#include <cstdint>
#include <string>

namespace jointly::engine::detail {
namespace {

int precedence(const dsl::Expr& e) {
    if (e.kind == dsl::ExprKind::Binary) {
        switch (e.binary_op) {
            case dsl::BinaryOp::Or: return 1;
            case dsl::BinaryOp::And: return 2;
            case dsl::BinaryOp::Add:
            case dsl::BinaryOp::Sub: return 5;
            case dsl::BinaryOp::Mul:
            case dsl::BinaryOp::Div: return 6;
            default: return 4;
        }
    }
    if (e.kind == dsl::ExprKind::In) return 4;
    if (e.kind == dsl::ExprKind::Unary) return e.unary_op == dsl::UnaryOp::Not ? 3 : 7;
    return 8;
}

const char* op_text(dsl::BinaryOp op) {
    switch (op) {
        case dsl::BinaryOp::Or: return "or";
        case dsl::BinaryOp::And: return "and";
        case dsl::BinaryOp::Eq: return "=";
        case dsl::BinaryOp::Ne: return "!=";
        case dsl::BinaryOp::Lt: return "<";
        case dsl::BinaryOp::Le: return "<=";
        case dsl::BinaryOp::Gt: return ">";
        case dsl::BinaryOp::Ge: return ">=";
        case dsl::BinaryOp::Add: return "+";
        case dsl::BinaryOp::Sub: return "-";
        case dsl::BinaryOp::Mul: return "*";
        case dsl::BinaryOp::Div: return "/";
    }
    return "?";
}

std::string two_digits(int v) {
    std::string s = std::to_string(v);
    return s.size() < 2 ? "0" + s : s;
}

std::string date_text(const dsl::CivilDate& d) {
    std::string y = std::to_string(d.year);
    while (y.size() < 4) y.insert(y.begin(), '0');
    return y + "-" + two_digits(d.month) + "-" + two_digits(d.day);
}

std::string sub(const dsl::Expr& e, int parent, bool right) {
    const int p = precedence(e);
    const std::string s = expr_text(e);
    return (p < parent || (right && p == parent && p >= 4)) ? "(" + s + ")" : s;
}

std::string plain_decimal(const dsl::Decimal& d) {
    const bool negative = d.units < 0;
    std::uint64_t u = negative ? static_cast<std::uint64_t>(-(d.units + 1)) + 1
                               : static_cast<std::uint64_t>(d.units);
    std::string digits = std::to_string(u);
    const auto scale = static_cast<std::size_t>(d.scale < 0 ? 0 : d.scale);
    while (digits.size() <= scale) digits.insert(digits.begin(), '0');
    std::string out = digits.substr(0, digits.size() - scale);
    if (scale > 0) out += "." + digits.substr(digits.size() - scale);
    return (negative ? "-" : "") + out;
}

std::string bound_text(const dsl::WindowBound& b) {
    if (b.date) return date_text(*b.date);
    if (b.event) return b.event->name;
    return "?";
}

}  // namespace

std::string decimal_text(const dsl::Decimal& d) { return plain_decimal(d); }

std::string expr_text(const dsl::Expr& e) {
    switch (e.kind) {
        case dsl::ExprKind::Bool: return e.boolean ? "true" : "false";
        case dsl::ExprKind::Number: return plain_decimal(e.number);
        case dsl::ExprKind::Money: return "£" + plain_decimal(e.number);
        case dsl::ExprKind::Percent: return plain_decimal(e.number) + "%";
        case dsl::ExprKind::Date: return date_text(e.date);
        case dsl::ExprKind::Text: return "\"" + e.text + "\"";
        case dsl::ExprKind::Name: return e.text;
        case dsl::ExprKind::Unary:
            if (e.args.empty()) return "?";
            return e.unary_op == dsl::UnaryOp::Not ? "not " + sub(e.args[0], 3, false)
                                                   : "-" + sub(e.args[0], 7, false);
        case dsl::ExprKind::Binary: {
            if (e.args.size() != 2) return "?";
            const int p = precedence(e);
            // Two names compared for equality read as written: `service is personal_care`.
            const bool words = e.args[0].kind == dsl::ExprKind::Name && e.args[1].kind == dsl::ExprKind::Name;
            const char* op = op_text(e.binary_op);
            if (words && e.binary_op == dsl::BinaryOp::Eq) op = "is";
            if (words && e.binary_op == dsl::BinaryOp::Ne) op = "is not";
            return sub(e.args[0], p, false) + " " + op + " " + sub(e.args[1], p, true);
        }
        case dsl::ExprKind::Call: {
            std::string out = e.text + "(";
            for (std::size_t i = 0; i < e.args.size(); ++i) {
                if (i != 0) out += ", ";
                out += expr_text(e.args[i]);
            }
            return out + ")";
        }
        case dsl::ExprKind::In: {
            if (e.args.empty()) return "?";
            std::string out = sub(e.args[0], 5, false) + " in ";
            if (e.args.size() == 2) return out + expr_text(e.args[1]);
            out += "[";
            for (std::size_t i = 1; i < e.args.size(); ++i) {
                if (i != 1) out += ", ";
                out += expr_text(e.args[i]);
            }
            return out + "]";
        }
        case dsl::ExprKind::List: {
            std::string out = "[";
            for (std::size_t i = 0; i < e.args.size(); ++i) {
                if (i != 0) out += ", ";
                out += expr_text(e.args[i]);
            }
            return out + "]";
        }
        case dsl::ExprKind::AtLeast:
            return e.args.empty() ? "at least ?" : "at least " + expr_text(e.args[0]);
        case dsl::ExprKind::YearlyTotal:
            return e.args.empty() ? "yearly total" : "yearly total(" + expr_text(e.args[0]) + ")";
    }
    return "?";
}

std::string window_text(const dsl::Window& w) {
    const std::string unit = w.unit == dsl::TimeUnit::Weeks ? (w.amount == 1 ? "week" : "weeks")
                                                            : (w.amount == 1 ? "day" : "days");
    switch (w.kind) {
        case dsl::WindowKind::After:
            return "within " + std::to_string(w.amount) + " " + unit + " after " + w.event.name;
        case dsl::WindowKind::Before:
            return "within " + std::to_string(w.amount) + " " + unit + " before " + w.event.name;
        case dsl::WindowKind::Between:
            if (!w.from && w.to) return "before " + bound_text(*w.to);
            if (w.from && !w.to) return "from " + bound_text(*w.from);
            if (w.from && w.to) {
                return "from " + bound_text(*w.from) + (w.to_exclusive ? " until " : " to ") +
                       bound_text(*w.to);
            }
            return "always";
    }
    return "?";
}

}  // namespace jointly::engine::detail
