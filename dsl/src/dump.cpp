// `dump`: a span-free, one-node-per-line view of a Module for goldens and AST comparison.
#include <string>
#include <type_traits>
#include <variant>

#include "jointly/dsl/format.hpp"
#include "jointly/dsl/print.hpp"

namespace jointly::dsl {

namespace {

class Dumper {
public:
    std::string take() { return std::move(out_); }

    void line(int depth, std::string const& text) {
        out_.append(static_cast<std::size_t>(depth) * 2, ' ');
        out_ += text;
        out_ += '\n';
    }

    // The node's own line: its kind and, for a leaf, its value.
    static std::string label(Expr const& e) {
        return std::visit(
            [](auto const& n) -> std::string {
                using T = std::decay_t<decltype(n)>;
                if constexpr (std::is_same_v<T, BoolLit>) return std::string("bool ") + (n.value ? "true" : "false");
                else if constexpr (std::is_same_v<T, NumberLit>) return "number " + decimal_text(n.value);
                else if constexpr (std::is_same_v<T, MoneyLit>) return "money " + decimal_text(n.pounds);
                else if constexpr (std::is_same_v<T, PercentLit>) return "percent " + decimal_text(n.value);
                else if constexpr (std::is_same_v<T, DateLit>) return "date " + date_text(n.value);
                else if constexpr (std::is_same_v<T, TextLit>) return "text " + quote(n.value);
                else if constexpr (std::is_same_v<T, NameRef>) return "name " + n.name;
                else if constexpr (std::is_same_v<T, Unary>) return n.op == UnaryOp::Not ? "not" : "negate";
                else if constexpr (std::is_same_v<T, Binary>) return std::string("binary ") + binary_name(n.op);
                else if constexpr (std::is_same_v<T, Call>) return "call " + n.function;
                else if constexpr (std::is_same_v<T, In>) return "in";
                else if constexpr (std::is_same_v<T, List>) return "list";
                else if constexpr (std::is_same_v<T, AtLeast>) return "at_least";
                else if constexpr (std::is_same_v<T, Duration>) {
                    static constexpr const char* kUnits[] = {"days", "weeks", "months", "years"};
                    return "duration " + decimal_text(n.amount) + " " + kUnits[static_cast<int>(n.unit)];
                } else {
                    static_assert(std::is_same_v<T, YearlyTotal>);
                    return "yearly_total";
                }
            },
            e.node);
    }

    void expr(int depth, Expr const& e) {
        line(depth, label(e));
        for_each_child(e, [&](Expr const& a) { expr(depth + 1, a); });
    }

    void module(Module const& m) {
        header(m.header);
        for (Agency const& a : m.agencies)
            line(0, "agency " + a.id.name + " " + quote(a.display_name));
        for (AgencyGroup const& g : m.agency_groups) {
            std::string t = "agency group " + g.id.name;
            for (Ident const& member : g.members) t += " " + member.name;
            line(0, t);
        }
        for (Service const& s : m.services) {
            std::string t = (s.group ? "service group " : "service ") + s.id.name;
            if (!s.group) t += " " + quote(s.display_name);
            if (s.kind == LineKindDecl::OneOff) t += " one_off";
            if (s.kind == LineKindDecl::Weekly) t += " weekly";
            if (s.kind == LineKindDecl::Hourly) t += " hourly";
            for (Ident const& member : s.members) t += " " + member.name;
            line(0, t);
        }
        for (Scale const& s : m.scales) {
            std::string t = "scale " + s.id.name;
            for (Ident const& l : s.levels) t += " " + l.name;
            line(0, t);
        }
        for (Fact const& f : m.facts) {
            line(0, "fact " + f.id.name + " " + type_name(f.type));
            if (f.label) line(1, "label " + quote(*f.label));
            if (f.default_value) {
                line(1, "default");
                expr(2, *f.default_value);
            }
        }
        for (Event const& e : m.events) line(0, "event " + e.id.name + (e.repeats ? " repeats" : ""));
        for (Let const& l : m.lets) {
            line(0, "let " + l.id.name);
            expr(1, l.value);
        }
        for (Threshold const& t : m.thresholds) {
            line(0, "eligible " + t.id.name + " because " + quote(t.reason));
            expr(1, t.condition);
        }
        for (Table const& t : m.tables) {
            line(0, "table " + t.id.name);
            for (TableRow const& r : t.rows) {
                line(1, "row from " + decimal_text(r.low) + " to " +
                            (r.open_ended ? std::string("open") : decimal_text(r.high)));
                expr(2, r.value);
            }
        }
        for (Rule const& r : m.rules) rule(r);
        for (OutcomeRule const& o : m.outcomes) {
            const std::string ref = o.ref.empty() ? std::string() : " ref " + quote(o.ref);
            if (o.kind == OutcomeKind::Decline) {
                line(0, "decline" + ref + " because " + quote(o.reason));
            } else {
                line(0, "refer to " + quote(o.authority) + ref + " because " + quote(o.reason));
            }
            expr(1, o.condition);
        }
        for (Pool const& p : m.pools) pool(p);
    }

private:
    static char const* binary_name(BinaryOp op) {
        switch (op) {
        case BinaryOp::Or: return "or";
        case BinaryOp::And: return "and";
        case BinaryOp::Eq: return "eq";
        case BinaryOp::Ne: return "ne";
        case BinaryOp::Lt: return "lt";
        case BinaryOp::Le: return "le";
        case BinaryOp::Gt: return "gt";
        case BinaryOp::Ge: return "ge";
        case BinaryOp::Add: return "add";
        case BinaryOp::Sub: return "sub";
        case BinaryOp::Mul: return "mul";
        case BinaryOp::Div: return "div";
        }
        return "?";
    }

    static std::string type_name(TypeRef const& t) {
        switch (t.kind) {
        case TypeKind::Bool: return "bool";
        case TypeKind::Whole: return "whole";
        case TypeKind::Decimal: return "decimal";
        case TypeKind::Money: return "money";
        case TypeKind::Date: return "date";
        case TypeKind::Text: return "text";
        case TypeKind::TextList: return "list_of_text";
        case TypeKind::Agency: {
            std::string out = "agency";
            for (Ident const& a : t.agencies) out += " " + a.name;
            return out;
        }
        case TypeKind::Level: return "level " + t.scale.name;
        case TypeKind::LevelMap: return "map " + t.scale.name;
        }
        return "?";
    }

    static std::string basis_name(ShareBasis b) {
        switch (b) {
        case ShareBasis::Unstated: return "unstated";
        case ShareBasis::Contributions: return "contributions";
        case ShareBasis::Actual: return "actual";
        }
        return "?";
    }

    static std::string per_name(Per p) {
        switch (p) {
        case Per::Week: return "per_week";
        case Per::Hour: return "per_hour";
        case Per::Line: return "per_line";
        case Per::FinancialYear: return "per_financial_year";
        }
        return "?";
    }

    // A literal amount's digits, or `expr` when the expression follows on the next lines.
    static std::string amount_text(Decimal const& d, std::optional<Expr> const& e) {
        return e ? std::string("expr") : decimal_text(d);
    }

    static std::string bound_text(WindowBound const& b) {
        if (b.date) return "date " + date_text(*b.date);
        if (b.event) return "event " + b.event->name;
        return "none";
    }

    void header(Header const& h) {
        line(0, "policy " + h.id.name + " " + quote(h.title));
        line(1, "version " + quote(h.version));
        line(1, "effective_from " + (h.effective_from ? date_text(*h.effective_from) : "none"));
        line(1, "effective_to " + (h.effective_to ? date_text(*h.effective_to) : "none"));
        if (!h.agreed_by.empty() || h.agreed_on) {
            std::string t = "agreed_by";
            for (Ident const& a : h.agreed_by) t += " " + a.name;
            line(1, t);
            line(1, "agreed_on " + (h.agreed_on ? date_text(*h.agreed_on) : "none"));
        }
        if (!h.ref.empty()) line(1, "ref " + quote(h.ref));
        if (!h.panel.empty()) line(1, "panel " + quote(h.panel));
        if (h.rounding) {
            line(1, std::string("rounding ") +
                        (*h.rounding == Rounding::HalfUp ? "half_up" : "half_even"));
        }
    }

    void rule(Rule const& r) {
        line(0, "rule " + r.id.name);
        if (!r.ref.empty()) line(1, "ref " + quote(r.ref));
        if (!r.exception_to.empty()) {
            std::string t = "exception_to";
            for (Ident const& e : r.exception_to) t += " " + e.name;
            line(1, t);
        }
        if (r.condition) {
            line(1, "when");
            expr(2, *r.condition);
        }
        if (r.window) {
            Window const& w = *r.window;
            if (w.kind == WindowKind::Between) {
                line(1, "window between from " + (w.from ? bound_text(*w.from) : "none") + " to " +
                            (w.to ? bound_text(*w.to) : "none") +
                            (w.to_exclusive ? " exclusive" : "") + (w.through ? " through" : ""));
            } else {
                line(1, std::string("window ") +
                            (w.kind == WindowKind::After ? "after " : "before ") +
                            std::to_string(w.amount) +
                            (w.unit == TimeUnit::Days ? " days " : " weeks ") + w.event.name);
            }
        }
        if (r.fixed) {
            line(1, "pay " + r.fixed->agency.name + " " + amount_text(r.fixed->amount, r.fixed->amount_expr) +
                        " " + per_name(r.fixed->per));
            if (r.fixed->amount_expr) expr(2, *r.fixed->amount_expr);
        }
        if (r.action) {
            line(1, r.action->kind == RuleAction::Refuse ? std::string("refuse") : "refer " + quote(r.action->authority));
        }
        if (!r.action || !r.split.empty()) line(1, "split");
        for (Share const& s : r.split) {
            if (s.kind == ShareKind::Percent) {
                line(2, "share " + s.agency.name + " percent " + decimal_text(s.percent));
            } else {
                line(2, "share " + s.agency.name + " fraction " + std::to_string(s.numerator) +
                            "/" + std::to_string(s.denominator));
            }
        }
        if (r.odd_penny) line(1, "odd_penny " + r.odd_penny->name);
        for (Cap const& c : r.caps) {
            line(1, "cap " + c.agency.name + " " + amount_text(c.amount, c.amount_expr) + " " + per_name(c.per) +
                        " excess " + (c.excess_to ? c.excess_to->name : std::string("panel")));
            if (c.amount_expr) expr(2, *c.amount_expr);
        }
        if (r.regardless_of_cost) line(1, "regardless_of_cost");
        if (!r.reason.empty()) line(1, "because " + quote(r.reason));
    }

    void pool(Pool const& p) {
        line(0, "pool " + p.id.name + " " + quote(p.title));
        if (p.host) line(1, "host " + p.host->name);
        for (Contribution const& c : p.contributions) {
            std::string t = "contribution " + c.agency.name + " " + decimal_text(c.amount);
            if (!c.shares_overspend) t += " not_sharing_overspend";
            else if (c.overspend_stated) t += " sharing_overspend";
            if (!c.shares_underspend) t += " not_sharing_underspend";
            else if (c.underspend_stated) t += " sharing_underspend";
            line(1, t);
        }
        line(1, "overspend " + basis_name(p.overspend));
        line(1, "underspend " + basis_name(p.underspend) +
                    (p.carry_forward_allowed ? " unless_carried_forward" : "") +
                    (p.provisional ? " in_consultation" : ""));
        if (p.risk_capped) line(1, "risk_capped");
        if (p.tolerance) line(1, "tolerance " + decimal_text(*p.tolerance));
    }

    std::string out_;
};

}  // namespace

std::string dump(const Module& module) {
    Dumper d;
    d.module(module);
    return d.take();
}

}  // namespace jointly::dsl
