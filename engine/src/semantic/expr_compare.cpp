// The Typer on services named in conditions, comparisons, dates moved by durations and
// arithmetic (typer.hpp).
#include <algorithm>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "typer.hpp"

namespace jointly::engine::semantic::typing {
namespace {

bool is_orderable(TypeTag t) {
    return is_number(t) || t == TypeTag::Percent || t == TypeTag::Money || t == TypeTag::Date ||
           t == TypeTag::Level;
}

bool is_zero_literal(const Expr& e) {
    if (const auto* n = e.as<NumberLit>()) return n->value.units == 0;
    if (const auto* m = e.as<MoneyLit>()) return m->pounds.units == 0;
    if (const auto* p = e.as<PercentLit>()) return p->value.units == 0;
    return false;
}

Op comparison_op(BinaryOp op) {
    switch (op) {
        case BinaryOp::Eq: return Op::Eq;
        case BinaryOp::Ne: return Op::Ne;
        case BinaryOp::Lt: return Op::Lt;
        case BinaryOp::Le: return Op::Le;
        case BinaryOp::Gt: return Op::Gt;
        default: return Op::Ge;
    }
}

Op arithmetic_op(BinaryOp op) {
    switch (op) {
        case BinaryOp::Add: return Op::Add;
        case BinaryOp::Sub: return Op::Sub;
        case BinaryOp::Mul: return Op::Mul;
        default: return Op::Div;
    }
}

}  // namespace

bool Typer::declared_as_value(const Expr& e) {
    const std::string* word = e.name();
    const Symbol* symbol = word != nullptr ? c_.value(*word) : nullptr;
    if (symbol == nullptr || symbol->kind == SymbolKind::Level) return false;
    c_.emit(Code::name_kind_clash, e.span,
            "`" + *word + "` is declared as " + std::string(kind_word(symbol->kind)) +
                ", so it cannot also name a service here",
            "a service is named by a word the policy does not declare: rename the " +
                std::string(symbol->kind == SymbolKind::Fact ? "fact" : "definition") + " or the service");
    return true;
}

Typed Typer::service_name(const Expr& e) {
    const std::string& name = std::get<NameRef>(e.node).name;  // service_literal(e)
    return service_constant(c_.service_literal(name), e.span);
}

Typed Typer::service_constant(std::int32_t index, const Span& span) {
    Val v;
    v.type = VType::Service;
    v.i = index;
    c_.program.strings.push_back(c_.program.services[static_cast<std::size_t>(index)]);
    v.s = &c_.program.strings.back();
    return {{TypeTag::Service, {}}, c_.constant(span, v)};
}

std::vector<std::int32_t> Typer::service_members(const Expr& e) {
    std::vector<std::int32_t> out;
    for (const std::int32_t index : c_.service_indices(std::get<NameRef>(e.node).name)) {
        out.push_back(service_constant(index, e.span).node);
    }
    return out;
}

Typed Typer::service_group_test(const Expr& e, const Typed& service, const Expr& group, bool negated) {
    const Type boolean{TypeTag::Bool, {}};
    const std::vector<std::int32_t> members = service_members(group);
    Node in;
    in.op = Op::In;
    in.type = VType::Bool;
    in.a = service.node;
    in.args_begin = static_cast<std::uint32_t>(c_.program.args.size());
    in.args_count = static_cast<std::uint32_t>(members.size());
    c_.program.args.insert(c_.program.args.end(), members.begin(), members.end());
    in.span = e.span;
    const Typed test{boolean, c_.add(in)};
    return negated ? node(boolean, Op::Not, e.span, test.node) : test;
}

bool Typer::service_text(const Expr& e, Code code) {
    const TextLit* text = e.as<TextLit>();
    if (text == nullptr) return false;
    c_.emit(code, e.span, "a service is named, not quoted: `\"" + text->value + "\"` is text",
            "write the name without quotes: `service is " +
                (text->value.empty() ? std::string("personal_care") : text->value) + "`");
    return true;
}

void Typer::note_age_comparison(std::int32_t age_side, std::int32_t other) {
    const Node& a = c_.program.nodes[static_cast<std::size_t>(age_side)];
    const Node& o = c_.program.nodes[static_cast<std::size_t>(other)];
    if (a.op != Op::Age || o.op != Op::Const || o.type != VType::Number) return;
    if (context_ == Context::Outcome) return;  // not counted in age(): no cut
    ++c_.age_uses_handled;
    const Ratio bound = o.value.r;
    if (bound < Ratio()) return;
    const std::int64_t floor = bound.round(Rounding::Down);
    if (floor < 200) {
        c_.program.age_birthdays.push_back(static_cast<std::int32_t>(floor));
        c_.program.age_birthdays.push_back(static_cast<std::int32_t>(floor + 1));
    }
}

Typed Typer::compare(const Expr& e, const Binary& b) {
    const Expr& left = *b.left;
    const Expr& right = *b.right;
    const Type boolean{TypeTag::Bool, {}};
    const bool ordering = b.op != BinaryOp::Eq && b.op != BinaryOp::Ne;
    if (is_service(left) || is_service(right)) {
        const bool service_left = is_service(left);
        const Expr& other = service_left ? right : left;
        const Typed service = type(service_left ? left : right);
        if (ordering) {
            c_.emit(Code::not_orderable, e.span,
                    "cannot order services with `" + operator_text(b.op) + "`",
                    "use `service is x` or `service in [x, y]`");
            return {boolean, -1};
        }
        if (!service_literal(other)) {
            if (!service_text(other, Code::compare_mismatch)) {
                const Typed t = type(other);
                if (t.type.tag != TypeTag::Error) {
                    c_.emit(Code::compare_mismatch, other.span,
                            "cannot compare `service` with `" + type_name(t.type) + "`",
                            "name the service: `service is personal_care`");
                }
            }
            return {boolean, -1};
        }
        if (declared_as_value(other)) return {boolean, -1};
        if (!c_.require_service(*other.name(), other.span)) return {boolean, -1};
        if (c_.service_groups.contains(*other.name())) {
            return service_group_test(e, service, other, b.op == BinaryOp::Ne);
        }
        const Typed named = service_name(other);
        return service_left ? node(boolean, comparison_op(b.op), e.span, service.node, named.node)
                            : node(boolean, comparison_op(b.op), e.span, named.node, service.node);
    }
    Typed lt;
    Typed rt;
    if (level_candidate(left) && !level_candidate(right)) {
        rt = type(right);
        lt = type(left, &rt.type);
    } else {
        lt = type(left);
        rt = type(right, &lt.type);
    }
    if (lt.type.tag == TypeTag::Error || rt.type.tag == TypeTag::Error) return {boolean, -1};
    if (ordering && (!is_orderable(lt.type.tag) || !is_orderable(rt.type.tag))) {
        const Type& bad = is_orderable(lt.type.tag) ? rt.type : lt.type;
        c_.emit(Code::not_orderable, e.span,
                "cannot order `" + type_name(bad) + "` values with `" + operator_text(b.op) + "`",
                bad.tag == TypeTag::LevelMap ? "count its levels: `count(map, at least severe) >= 1`"
                                             : "use `is` or `is not`");
        return {boolean, -1};
    }
    if (mismatch(e.span, lt.type, rt.type) || lt.node < 0 || rt.node < 0) return {boolean, -1};
    note_age_comparison(lt.node, rt.node);
    note_age_comparison(rt.node, lt.node);
    return node(boolean, comparison_op(b.op), e.span, lt.node, rt.node);
}

bool Typer::mismatch(const Span& span, const Type& a, const Type& b) {
    if (a.tag == TypeTag::Error || b.tag == TypeTag::Error) return false;
    if (is_number(a.tag) && is_number(b.tag)) return false;
    if (a.tag == TypeTag::Level && b.tag == TypeTag::Level) {
        if (a.scale.empty() || b.scale.empty() || a.scale == b.scale) return false;
        c_.emit(Code::wrong_scale, span,
                "cannot compare a level of `" + a.scale + "` with a level of `" + b.scale + "`");
        return true;
    }
    if (a.tag == b.tag && a.tag != TypeTag::LevelMap && a.tag != TypeTag::TextList) return false;
    std::string help;
    if ((a.tag == TypeTag::Money && is_number(b.tag)) || (b.tag == TypeTag::Money && is_number(a.tag))) {
        help = "write an amount of money with `£`, e.g. `£250,000`";
    } else if (a.tag == TypeTag::LevelMap || b.tag == TypeTag::LevelMap) {
        help = "count the map's levels: `count(dst, severe) >= 1`";
    } else if (a.tag == TypeTag::TextList || b.tag == TypeTag::TextList) {
        help = "test membership: `\"x\" in list`";
    }
    c_.emit(Code::compare_mismatch, span,
            "cannot compare `" + type_name(a) + "` with `" + type_name(b) + "`", help);
    return true;
}

void Typer::misplaced_duration(const Expr& e) {
    c_.emit(Code::misplaced_duration, e.span,
            "`" + expr_text(e) + "` is a length of time, which is only added to or taken from a date",
            "e.g. `date_of_birth + 25 years`, `as_of - 6 weeks`");
}

void Typer::plain_number_on_date(const Binary& binary, bool date_first) {
    const Expr& date = date_first ? *binary.left : *binary.right;
    const Expr& number = date_first ? *binary.right : *binary.left;
    const auto* literal = number.as<NumberLit>();
    const bool one = literal != nullptr && literal->value.units == 1;
    c_.emit(Code::misplaced_duration, number.span,
            "`" + expr_text(number) + "` is a plain number: a date moves only by a length of time",
            literal != nullptr && literal->value.scale == 0
                ? "write the unit: `" + expr_text(date) + " " + operator_text(binary.op) + " " +
                      expr_text(number) + (one ? " year` (or `day`, `week`, `month`)"
                                               : " years` (or `days`, `weeks`, `months`)")
                : "e.g. `date_of_birth + 25 years`, `as_of - 6 weeks`");
}

Typed Typer::shift_date(const Expr& e, const Binary& binary, const Duration& d) {
    const Typed a = type(*binary.left);
    if (a.type.tag == TypeTag::Error) return {};
    if (d.amount.scale != 0) {
        c_.emit(Code::misplaced_duration, binary.right->span,
                "`" + expr_text(*binary.right) + "` is not a whole number of " +
                    (d.unit == DurationUnit::Days ? "days" : d.unit == DurationUnit::Weeks ? "weeks"
                     : d.unit == DurationUnit::Months ? "months" : "years"),
                "write a whole number, e.g. `6 weeks` or `42 days`");
        return {};
    }
    if (a.type.tag != TypeTag::Date) {
        c_.emit(Code::misplaced_duration, e.span,
                "`" + expr_text(*binary.right) + "` is a length of time, added here to `" +
                    type_name(a.type) + "`: only a date moves by a length of time",
                "e.g. `date_of_birth + 25 years`");
        return {};
    }
    // INVARIANT: the parser holds at most 18 digits; a shift beyond 9999 years fails at
    // evaluation, not here.
    const std::int64_t limit = 10000 * 366;
    if (d.amount.units > limit) {
        c_.emit(Code::number_too_large, binary.right->span, "`" + expr_text(*binary.right) + "` is too long");
        return {};
    }
    std::int64_t amount = d.amount.units;
    if (d.unit == DurationUnit::Weeks) amount *= 7;
    if (d.unit == DurationUnit::Years) amount *= 12;
    if (binary.op == BinaryOp::Sub) amount = -amount;
    Node n = shell({TypeTag::Date, {}}, Op::DateShift, e.span);
    n.a = a.node;
    n.index = static_cast<std::int32_t>(amount);
    n.scale = d.unit == DurationUnit::Days || d.unit == DurationUnit::Weeks ? 0 : 1;
    if (a.node < 0) return {{TypeTag::Date, {}}, -1};
    return {{TypeTag::Date, {}}, c_.add(n)};
}

Typed Typer::arithmetic(const Expr& e, const Binary& binary) {
    if (const auto* d = binary.right->as<Duration>();
        d != nullptr && (binary.op == BinaryOp::Add || binary.op == BinaryOp::Sub)) {
        return shift_date(e, binary, *d);
    }
    const Typed a = type(*binary.left);
    const Typed b = type(*binary.right);
    if (a.type.tag == TypeTag::Error || b.type.tag == TypeTag::Error) return {};
    const TypeTag x = a.type.tag;
    const TypeTag y = b.type.tag;
    std::optional<TypeTag> result;
    switch (binary.op) {
        case BinaryOp::Add:
        case BinaryOp::Sub:
            if (binary.op == BinaryOp::Sub && x == TypeTag::Date && y == TypeTag::Date) {
                result = TypeTag::Whole;  // whole days from the right date to the left
            } else if (is_number(x) && is_number(y)) {
                result = x == TypeTag::Whole && y == TypeTag::Whole ? TypeTag::Whole : TypeTag::Decimal;
            } else if (x == y && (x == TypeTag::Money || x == TypeTag::Percent)) {
                result = x;
            }
            break;
        case BinaryOp::Mul:
            if (is_number(x) && is_number(y)) {
                result = x == TypeTag::Whole && y == TypeTag::Whole ? TypeTag::Whole : TypeTag::Decimal;
            } else if (x == TypeTag::Money && (is_number(y) || y == TypeTag::Percent)) {
                result = TypeTag::Money;
            } else if (y == TypeTag::Money && (is_number(x) || x == TypeTag::Percent)) {
                result = TypeTag::Money;
            } else if ((x == TypeTag::Percent && is_number(y)) || (y == TypeTag::Percent && is_number(x))) {
                result = TypeTag::Percent;
            }
            break;
        case BinaryOp::Div:
            if (is_number(x) && is_number(y)) {
                result = TypeTag::Decimal;
            } else if ((x == TypeTag::Money || x == TypeTag::Percent) && is_number(y)) {
                result = x;
            } else if (x == TypeTag::Money && y == TypeTag::Money) {
                result = TypeTag::Decimal;
            }
            if (is_zero_literal(*binary.right)) {
                c_.emit(Code::division_by_zero, binary.right->span, "division by zero");
                return {};
            }
            break;
        default: break;
    }
    if (!result && (binary.op == BinaryOp::Add || binary.op == BinaryOp::Sub) &&
        ((x == TypeTag::Date && is_number(y)) || (is_number(x) && y == TypeTag::Date))) {
        plain_number_on_date(binary, x == TypeTag::Date);
        return {};
    }
    if (!result) {
        c_.emit(Code::bad_arithmetic, e.span,
                "cannot apply `" + operator_text(binary.op) + "` to `" + type_name(a.type) + "` and `" +
                    type_name(b.type) + "`",
                x == TypeTag::Money || y == TypeTag::Money
                    ? "money adds to money, and multiplies or divides by a number or a percentage"
                    : std::string());
        return {};
    }
    return node({*result, {}}, arithmetic_op(binary.op), e.span, a.node, b.node);
}

}  // namespace jointly::engine::semantic::typing
