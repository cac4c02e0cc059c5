// The semantic pass on expressions: names resolved, every expression typed, and its nodes
// built in the same walk (conditions, definitions, defaults, amounts, table rows).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"

namespace jointly::engine::semantic {
namespace {

bool is_number(TypeTag t) { return t == TypeTag::Whole || t == TypeTag::Decimal; }

bool is_orderable(TypeTag t) {
    return is_number(t) || t == TypeTag::Percent || t == TypeTag::Money || t == TypeTag::Date ||
           t == TypeTag::Level;
}

bool is_zero_literal(const Expr& e) {
    return (e.kind == ExprKind::Number || e.kind == ExprKind::Money ||
            e.kind == ExprKind::Percent) &&
           e.number.units == 0;
}

// What an unknown function may have meant.
std::vector<std::string> function_names() {
    std::vector<std::string> names;
    for (const Builtin& b : kBuiltins) {
        if (b.form == BuiltinForm::Call) names.emplace_back(b.name);
    }
    return names;
}

bool is_comparison(BinaryOp op) {
    return op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Lt ||
           op == BinaryOp::Le || op == BinaryOp::Gt || op == BinaryOp::Ge;
}

std::int64_t pow10(std::int32_t scale) {
    std::int64_t p = 1;
    for (std::int32_t i = 0; i < scale; ++i) p *= 10;
    return p;
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

// Types an expression and builds its nodes in the one walk. A result whose type is Error
// has no node (an error was reported); a parent with such an operand builds none either.
class Typer {
public:
    Typer(Checker& c, Context context, Needs& needs) : c_(c), context_(context), needs_(needs) {}

    Typed type(const Expr& e, const Type* hint = nullptr) {
        c_.tick();
        switch (e.kind) {
            case ExprKind::Bool: {
                Val v;
                v.type = VType::Bool;
                v.b = e.boolean;
                return {{TypeTag::Bool, {}}, c_.constant(e.span, v)};
            }
            case ExprKind::Number:
                return number(e, e.number.scale == 0 ? TypeTag::Whole : TypeTag::Decimal, 1, 1);
            case ExprKind::Money: return number(e, TypeTag::Money, 100, 1);
            case ExprKind::Percent: return number(e, TypeTag::Percent, 1, 100);
            case ExprKind::Date: {
                Val v;
                v.type = VType::Date;
                v.i = Date::from_civil(e.date.year, e.date.month, e.date.day).days();
                return {{TypeTag::Date, {}}, c_.constant(e.span, v)};
            }
            case ExprKind::Text: return text(e);
            case ExprKind::Name: return name(e, hint);
            case ExprKind::Unary: return unary(e);
            case ExprKind::Binary: return binary(e);
            case ExprKind::Call: return call(e);
            case ExprKind::In: return membership(e);
            case ExprKind::List: return list(e, hint);
            case ExprKind::AtLeast:
                c_.emit(Code::wrong_arguments, e.span, "`at least` is only used inside `count`",
                        "e.g. `count(dst, at least severe) >= 2`");
                return {};
            case ExprKind::YearlyTotal: return yearly_total(e);
        }
        return {};
    }

private:
    // A literal number, amount (in pence: `times` 100) or percentage (`per` 100), exactly.
    Typed number(const Expr& e, TypeTag tag, std::int64_t times, std::int64_t per) {
        const Decimal& d = e.number;
        std::optional<Ratio> exact;
        if (d.scale >= 0 && d.scale <= 18) {
            try {
                exact = Ratio(d.units, pow10(d.scale)) * Ratio::whole(times) / Ratio::whole(per);
            } catch (const OverflowError&) {
                exact.reset();
            }
        }
        if (!exact) {
            c_.emit(Code::number_too_large, e.span,
                    "`" + decimal_text(d) + "` is too large or has too many decimal places to hold exactly",
                    "numbers hold up to 18 digits before the point and 18 after it");
            return {};
        }
        Val v;
        v.type = tag == TypeTag::Money ? VType::Money : VType::Number;
        v.r = *exact;
        return {{tag, {}}, c_.constant(e.span, v)};
    }

    Typed text(const Expr& e) {
        c_.program.strings.push_back(e.text);
        Val v;
        v.type = VType::Text;
        v.s = &c_.program.strings.back();
        return {{TypeTag::Text, {}}, c_.constant(e.span, v)};
    }

    // A node of `op` over its operands (one for `not` and `-`, else two); none when an
    // operand has none.
    Typed node(const Type& type, Op op, const Span& span, std::int32_t a, std::int32_t b = -1) {
        const bool unary = op == Op::Not || op == Op::Neg;
        if (a < 0 || (!unary && b < 0)) return {type, -1};
        Node n;
        n.op = op;
        n.type = vtype(type);
        n.scale = scale_of(type);
        n.a = a;
        n.b = b;
        n.span = span;
        return {type, c_.add(n)};
    }

    std::int32_t scale_of(const Type& type) const {
        if (type.tag != TypeTag::Level && type.tag != TypeTag::LevelMap) return -1;
        const auto it = c_.scale_index.find(type.scale);
        return it == c_.scale_index.end() ? -1 : static_cast<std::int32_t>(it->second);
    }

    // A bare name that may be read as a scale level (it is not a fact, let, ...).
    bool level_candidate(const Expr& e) const {
        if (e.kind != ExprKind::Name) return false;
        const Symbol* symbol = c_.value(e.text);
        return symbol == nullptr || symbol->kind == SymbolKind::Level;
    }

    // `name` read as a level of `scale`: E2102 when it belongs to other scales only,
    // E2009 when it is no level at all.
    Typed level_in(const Expr& e, const std::string& scale) {
        if (const auto ordinal = c_.level_ordinal(scale, e.text)) {
            Val v;
            v.type = VType::Level;
            v.i = static_cast<std::int32_t>(*ordinal);
            const Type t{TypeTag::Level, scale};
            const std::int32_t n = c_.constant(e.span, v);
            c_.program.nodes[static_cast<std::size_t>(n)].scale = scale_of(t);
            return {t, n};
        }
        const auto found = c_.level_scales.find(e.text);
        if (found != c_.level_scales.end()) {
            const std::string& other = c_.module.scales[found->second.front()].id.name;
            c_.emit(Code::wrong_scale, e.span,
                    "`" + e.text + "` is a level of `" + other + "`, not of `" + scale + "`",
                    level_help(e.text, scale));
            return {};
        }
        c_.emit(Code::unknown_level, e.span,
                "`" + e.text + "` is not a level of `" + scale + "`", level_help(e.text, scale));
        return {};
    }

    std::string level_help(const std::string& word, const std::string& scale) const {
        const auto it = c_.scale_index.find(scale);
        if (it == c_.scale_index.end()) return {};
        std::vector<std::string> levels;
        std::string listing;
        for (const Ident& level : c_.module.scales[it->second].levels) {
            levels.push_back(level.name);
            listing += (listing.empty() ? "`" : ", `") + level.name + "`";
        }
        std::string help = c_.suggestion(word, levels);
        return help.empty() ? "the levels of `" + scale + "` are " + listing : help;
    }

    Typed name(const Expr& e, const Type* hint) {
        if (hint != nullptr && hint->tag == TypeTag::Level && !hint->scale.empty() &&
            level_candidate(e)) {
            return level_in(e, hint->scale);
        }
        const Symbol* symbol = c_.value(e.text);
        if (context_ == Context::Constant && (symbol == nullptr || symbol->kind != SymbolKind::Level)) {
            c_.emit(Code::not_a_value, e.span,
                    "`" + e.text + "` cannot be used here: write the value out",
                    "a default or a table row gives a literal such as `£500`, `12` or `true`");
            return {};
        }
        if (symbol != nullptr && symbol->kind == SymbolKind::Level && hint == nullptr) {
            const Scale& scale = c_.module.scales[c_.level_scales[e.text].front()];
            std::string example = "a fact of scale `" + scale.id.name + "`";
            for (const Fact& fact : c_.module.facts) {
                if (fact.type.kind == TypeKind::Level && fact.type.scale.name == scale.id.name) {
                    example = "`" + fact.id.name + "`";
                    break;
                }
            }
            c_.emit(Code::not_a_value, e.span,
                    "`" + e.text + "` is a level of `" + scale.id.name + "`, with nothing here to compare it with",
                    "a level has a value only beside " + example + ", e.g. `" +
                        (example.front() == '`' ? example.substr(1, example.size() - 2) : std::string("x")) +
                        " >= " + e.text + "`");
            return {};
        }
        if (symbol != nullptr) return declared(e, *symbol);
        if (e.text == "service") {
            needs_.service = true;
            if (context_ != Context::Rule && context_ != Context::Let && context_ != Context::Amount) {
                c_.emit(Code::service_outside_rule, e.span,
                        "`service` is only known inside a rule",
                        "a rule is matched to each cost line; this is not");
            }
            return leaf({TypeTag::Service, {}}, Op::Service, Dep::Line, e.span);
        }
        if (e.text == "total") {
            needs_total(e, "the package `total`");
            return leaf({TypeTag::Money, {}}, Op::Total, Dep::Outcome, e.span);
        }
        if (e.text == "age") return age(e);
        std::string help = c_.suggestion(e.text, c_.value_names());
        if (help.empty() && context_ == Context::Rule) {
            help = "if `" + e.text + "` is a service, compare it: `service is " + e.text + "`";
        }
        c_.emit(Code::unknown_name, e.span, "unknown name `" + e.text + "`", help);
        return {};
    }

    // A node with no operands whose value comes from where it is evaluated.
    Typed leaf(const Type& type, Op op, Dep dep, const Span& span, std::int32_t index = -1) {
        Node n;
        n.op = op;
        n.type = vtype(type);
        n.scale = scale_of(type);
        n.dep = dep;
        n.index = index;
        n.span = span;
        return {type, c_.add(n)};
    }

    void needs_total(const Expr& e, const std::string& what) {
        needs_.total = true;
        if (context_ != Context::Outcome && context_ != Context::Let && context_ != Context::Amount) {
            c_.emit(Code::total_outside_outcome, e.span,
                    what + " is only known in `decline` and `refer` rules",
                    "totals exist once every line is split; rules and thresholds come first");
        }
    }

    // `age` is known per segment of a line: in a rule's condition, or in a definition
    // whose uses are checked where they are (thresholds and outcomes are decided once).
    bool age_unknown_here() const {
        return context_ == Context::Threshold || context_ == Context::Outcome;
    }

    void age_outside_rule(const Expr& e, const std::string& what) {
        c_.emit(Code::age_outside_rule, e.span,
                what + " is only known inside a rule",
                std::string(context_ == Context::Threshold ? "a threshold is decided once per request"
                                                           : "`decline` and `refer` judge the whole package") +
                    ", not per line: compare `date_of_birth` with a date, e.g. `date_of_birth <= 2007-04-01`");
    }

    Typed age(const Expr& e) {
        needs_.age = true;
        if (age_unknown_here()) age_outside_rule(e, "`age`");
        const Symbol* dob = c_.value("date_of_birth");
        if (dob != nullptr && dob->kind == SymbolKind::Fact &&
            c_.module.facts[dob->index].type.kind == TypeKind::Date) {
            c_.fact_used[dob->index] = true;
            Typed t = leaf({TypeTag::Whole, {}}, Op::Age, Dep::Segment, e.span);
            c_.program.nodes[static_cast<std::size_t>(t.node)].age = true;
            ++c_.age_uses;
            return t;
        }
        c_.emit(Code::age_without_dob, e.span,
                "`age` needs a `date_of_birth: date` fact",
                dob == nullptr ? "declare `fact date_of_birth: date`"
                               : "`date_of_birth` must be a fact of type `date`");
        return {{TypeTag::Whole, {}}, -1};
    }

    Typed declared(const Expr& e, const Symbol& symbol) {
        const auto index = static_cast<std::int32_t>(symbol.index);
        switch (symbol.kind) {
            case SymbolKind::Fact: {
                c_.fact_used[symbol.index] = true;
                const Type t = fact_type(c_, c_.module.facts[symbol.index]);
                if (t.tag == TypeTag::Error) return {};
                return leaf(t, Op::Fact, Dep::Request, e.span, index);
            }
            case SymbolKind::Event: return leaf({TypeTag::Date, {}}, Op::Event, Dep::Request, e.span, index);
            case SymbolKind::Level: {
                // Only beside a value that is not a level of one scale (the caller reports
                // the mismatch); as a value it has one scale or none.
                const std::vector<std::size_t>& scales = c_.level_scales[e.text];
                if (scales.size() == 1) return level_in(e, c_.module.scales[scales[0]].id.name);
                return {{TypeTag::Level, {}}, -1};
            }
            case SymbolKind::Let: return definition(e, c_.lets, symbol.index, true);
            case SymbolKind::Threshold: return definition(e, c_.thresholds, symbol.index, false);
            case SymbolKind::Agency:
                c_.emit(Code::not_a_value, e.span, "`" + e.text + "` is an agency, not a value",
                        "an agency's share of the package is `total(" + e.text +
                            ")`, known in `decline` and `refer` rules");
                return {};
            case SymbolKind::Table:
                c_.emit(Code::not_a_value, e.span, "`" + e.text + "` is a table, not a value",
                        "look a value up with `lookup(" + e.text + ", points)`");
                return {};
        }
        return {};
    }

    Typed definition(const Expr& e, std::vector<DefInfo>& defs, std::size_t index, bool is_let) {
        if (is_let) {
            check_let(c_, index);
        } else {
            check_threshold(c_, index);
        }
        const DefInfo& def = defs[index];
        if (def.needs.age) {
            needs_.age = true;
            if (age_unknown_here()) age_outside_rule(e, "`" + e.text + "` uses `age`, which");
        }
        if (def.needs.service) {
            needs_.service = true;
            if (context_ != Context::Rule && context_ != Context::Let && context_ != Context::Amount) {
                c_.emit(Code::service_outside_rule, e.span,
                        "`" + e.text + "` uses `service`, which is only known inside a rule");
            }
        }
        if (def.needs.total) needs_total(e, "`" + e.text + "` uses a package total, which");
        if (def.node < 0) return {def.type, -1};
        // A reference to the definition's root: its value is cached per request, line or
        // segment, as the root's dependence allows.
        const Node& root = c_.program.nodes[static_cast<std::size_t>(def.node)];
        Node n;
        n.op = is_let ? Op::Let : Op::Threshold;
        n.type = root.type;
        n.scale = root.scale;
        n.dep = root.dep;
        n.age = root.age;
        n.index = static_cast<std::int32_t>(index);
        n.span = e.span;
        return {def.type, c_.add(n)};
    }

    Typed unary(const Expr& e) {
        if (e.args.empty()) return {};
        const Typed operand = type(e.args[0]);
        if (e.unary_op == UnaryOp::Not) {
            if (operand.type.tag != TypeTag::Bool) {
                if (operand.type.tag != TypeTag::Error) {
                    c_.emit(Code::not_bool_operand, e.args[0].span,
                            "`not` needs a true/false value, but this is `" + type_name(operand.type) + "`");
                }
                return {{TypeTag::Bool, {}}, -1};
            }
            return node({TypeTag::Bool, {}}, Op::Not, e.span, operand.node);
        }
        if (operand.type.tag == TypeTag::Error) return {};
        if (!is_number(operand.type.tag) && operand.type.tag != TypeTag::Money &&
            operand.type.tag != TypeTag::Percent) {
            c_.emit(Code::bad_arithmetic, e.span, "cannot negate `" + type_name(operand.type) + "`");
            return {};
        }
        return node(operand.type, Op::Neg, e.span, operand.node);
    }

    Typed binary(const Expr& e) {
        if (e.args.size() != 2) return {};
        if (e.binary_op == BinaryOp::And || e.binary_op == BinaryOp::Or) return logical(e);
        if (is_comparison(e.binary_op)) return compare(e);
        return arithmetic(e);
    }

    Typed logical(const Expr& e) {
        const char* sides[] = {"left", "right"};
        std::int32_t nodes[2] = {-1, -1};
        bool ok = true;
        for (std::size_t i = 0; i < 2; ++i) {
            const Typed t = type(e.args[i]);
            nodes[i] = t.node;
            if (t.type.tag != TypeTag::Bool) {
                ok = false;
                if (t.type.tag != TypeTag::Error) {
                    c_.emit(Code::not_bool_operand, e.args[i].span,
                            "`" + operator_text(e.binary_op) + "` needs true/false on both sides, but the " +
                                sides[i] + " side is `" + type_name(t.type) + "`",
                            "compare it to something, e.g. `x > £0`");
                }
            }
        }
        const Type boolean{TypeTag::Bool, {}};
        if (!ok) return {boolean, -1};
        return node(boolean, e.binary_op == BinaryOp::And ? Op::And : Op::Or, e.span, nodes[0], nodes[1]);
    }

    bool is_service(const Expr& e) const {
        return e.kind == ExprKind::Name && e.text == "service" && c_.value("service") == nullptr;
    }

    // `service is personal_care`: the other side is a service name, never looked up.
    bool service_literal(const Expr& e) const { return e.kind == ExprKind::Name; }

    // E2002: `service is school` where `school` is a fact, definition or threshold. The
    // name would be read as a service called `school`, never as the value the author
    // declared: one name, two meanings.
    bool declared_as_value(const Expr& e) {
        const Symbol* symbol = c_.value(e.text);
        if (symbol == nullptr || symbol->kind == SymbolKind::Level) return false;
        c_.emit(Code::name_kind_clash, e.span,
                "`" + e.text + "` is declared as " + std::string(kind_word(symbol->kind)) +
                    ", so it cannot also name a service here",
                "a service is named by a word the policy does not declare: rename the " +
                    std::string(symbol->kind == SymbolKind::Fact ? "fact" : "definition") + " or the service");
        return true;
    }

    // The constant for a service named in a condition (interned: compared by index).
    Typed service_name(const Expr& e) {
        Val v;
        v.type = VType::Service;
        v.i = c_.service_literal(e.text);
        c_.program.strings.push_back(e.text);
        v.s = &c_.program.strings.back();
        return {{TypeTag::Service, {}}, c_.constant(e.span, v)};
    }

    // E2101 (`service is "x"`) or E2113 (`service in ["x"]`): a service is a name, not text.
    bool service_text(const Expr& e, Code code) {
        if (e.kind != ExprKind::Text) return false;
        c_.emit(code, e.span, "a service is named, not quoted: `\"" + e.text + "\"` is text",
                "write the name without quotes: `service is " +
                    (e.text.empty() ? std::string("personal_care") : e.text) + "`");
        return true;
    }

    // An `age` compared with a constant number changes value only at those birthdays: the
    // evaluator cuts a line's segments there (and at every birthday otherwise).
    void note_age_comparison(std::int32_t age_side, std::int32_t other) {
        const Node& a = c_.program.nodes[static_cast<std::size_t>(age_side)];
        const Node& o = c_.program.nodes[static_cast<std::size_t>(other)];
        if (a.op != Op::Age || o.op != Op::Const || o.type != VType::Number) return;
        ++c_.age_uses_handled;
        const Ratio bound = o.value.r;
        if (bound < Ratio()) return;
        const std::int64_t floor = bound.round(Rounding::Down);
        if (floor < 200) {
            c_.program.age_birthdays.push_back(static_cast<std::int32_t>(floor));
            c_.program.age_birthdays.push_back(static_cast<std::int32_t>(floor + 1));
        }
    }

    Typed compare(const Expr& e) {
        const Expr& left = e.args[0];
        const Expr& right = e.args[1];
        const Type boolean{TypeTag::Bool, {}};
        const bool ordering = e.binary_op != BinaryOp::Eq && e.binary_op != BinaryOp::Ne;
        if (is_service(left) || is_service(right)) {
            const bool service_left = is_service(left);
            const Expr& other = service_left ? right : left;
            const Typed service = type(service_left ? left : right);
            if (ordering) {
                c_.emit(Code::not_orderable, e.span,
                        "cannot order services with `" + operator_text(e.binary_op) + "`",
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
            const Typed named = service_name(other);
            return service_left ? node(boolean, comparison_op(e.binary_op), e.span, service.node, named.node)
                                : node(boolean, comparison_op(e.binary_op), e.span, named.node, service.node);
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
                    "cannot order `" + type_name(bad) + "` values with `" + operator_text(e.binary_op) + "`",
                    bad.tag == TypeTag::LevelMap ? "count its levels: `count(map, at least severe) >= 1`"
                                                 : "use `is` or `is not`");
            return {boolean, -1};
        }
        if (mismatch(e.span, lt.type, rt.type) || lt.node < 0 || rt.node < 0) return {boolean, -1};
        note_age_comparison(lt.node, rt.node);
        note_age_comparison(rt.node, lt.node);
        return node(boolean, comparison_op(e.binary_op), e.span, lt.node, rt.node);
    }

    // E2101/E2102 when `a` and `b` cannot be compared; true when they can.
    bool mismatch(const Span& span, const Type& a, const Type& b) {
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

    Typed arithmetic(const Expr& e) {
        const Typed a = type(e.args[0]);
        const Typed b = type(e.args[1]);
        if (a.type.tag == TypeTag::Error || b.type.tag == TypeTag::Error) return {};
        const TypeTag x = a.type.tag;
        const TypeTag y = b.type.tag;
        std::optional<TypeTag> result;
        switch (e.binary_op) {
            case BinaryOp::Add:
            case BinaryOp::Sub:
                if (is_number(x) && is_number(y)) {
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
                if (is_zero_literal(e.args[1])) {
                    c_.emit(Code::division_by_zero, e.args[1].span, "division by zero");
                    return {};
                }
                break;
            default: break;
        }
        if (!result) {
            c_.emit(Code::bad_arithmetic, e.span,
                    "cannot apply `" + operator_text(e.binary_op) + "` to `" + type_name(a.type) + "` and `" +
                        type_name(b.type) + "`",
                    x == TypeTag::Money || y == TypeTag::Money
                        ? "money adds to money, and multiplies or divides by a number or a percentage"
                        : std::string());
            return {};
        }
        return node({*result, {}}, arithmetic_op(e.binary_op), e.span, a.node, b.node);
    }

    // E2012 for a builtin given the wrong number or kind of arguments.
    void wrong_arguments(const Builtin& b, const Span& span) {
        c_.emit(Code::wrong_arguments, span, "`" + std::string(b.name) + "` takes " + std::string(b.takes));
    }

    Typed call(const Expr& e) {
        if (e.text == "count") return count(e);
        if (e.text == "lookup") return lookup(e);
        const Type money{TypeTag::Money, {}};
        if (e.text == "total") {
            needs_total(e, "`total(...)`");
            const Builtin& total = builtin("total", BuiltinForm::Call);
            if (!total.accepts(e.args.size()) || e.args[0].kind != ExprKind::Name) {
                wrong_arguments(total, e.span);
                return {money, -1};
            }
            if (!c_.require_agency(Ident{e.args[0].text, e.args[0].span}, true)) return {money, -1};
            return leaf(money, Op::TotalOf, Dep::Outcome, e.span, agency_index(e.args[0].text));
        }
        if (e.text == "funders") {
            needs_total(e, "`funders(...)`");
            const Type whole{TypeTag::Whole, {}};
            const Builtin& funders = builtin("funders", BuiltinForm::Call);
            if (!funders.accepts(e.args.size()) || (e.args.size() == 1 && e.args[0].kind != ExprKind::Name)) {
                wrong_arguments(funders, e.span);
                return {whole, -1};
            }
            if (e.args.empty()) return leaf(whole, Op::FundersAll, Dep::Outcome, e.span);
            c_.program.uses_funders_by_service = true;
            return leaf(whole, Op::Funders, Dep::Outcome, e.span, c_.service_literal(e.args[0].text));
        }
        c_.emit(Code::unknown_function, e.span, "unknown function `" + e.text + "`",
                c_.suggestion(e.text, function_names()));
        for (const Expr& arg : e.args) type(arg);
        return {};
    }

    std::int32_t agency_index(const std::string& name) const {
        return static_cast<std::int32_t>(c_.value(name)->index);
    }

    // `yearly total` / `yearly total(agency)`: money, known where totals are.
    Typed yearly_total(const Expr& e) {
        needs_total(e, "`yearly total`");
        const Type money{TypeTag::Money, {}};
        const Builtin& yearly = builtin("yearly total", BuiltinForm::Phrase);
        if (!yearly.accepts(e.args.size()) || (e.args.size() == 1 && e.args[0].kind != ExprKind::Name)) {
            wrong_arguments(yearly, e.span);
            return {money, -1};
        }
        if (e.args.empty()) return leaf(money, Op::YearlyTotal, Dep::Outcome, e.span);
        if (!c_.require_agency(Ident{e.args[0].text, e.args[0].span}, true)) return {money, -1};
        return leaf(money, Op::YearlyTotalOf, Dep::Outcome, e.span, agency_index(e.args[0].text));
    }

    Typed count(const Expr& e) {
        const Type whole{TypeTag::Whole, {}};
        if (!builtin("count", BuiltinForm::Call).accepts(e.args.size())) {
            wrong_arguments(builtin("count", BuiltinForm::Call), e.span);
            return {whole, -1};
        }
        const Typed map = type(e.args[0]);
        const bool at_least = e.args[1].kind == ExprKind::AtLeast && !e.args[1].args.empty();
        const Expr& level = at_least ? e.args[1].args[0] : e.args[1];
        if (map.type.tag == TypeTag::Error) return {whole, -1};
        if (map.type.tag != TypeTag::LevelMap) {
            c_.emit(Code::count_not_map, e.args[0].span,
                    "`count` counts the levels in a map, but this is `" + type_name(map.type) + "`",
                    "declare the fact as a map, e.g. `fact dst: map of need`");
            const Symbol* symbol = level.kind == ExprKind::Name ? c_.value(level.text) : nullptr;
            if (symbol == nullptr || symbol->kind != SymbolKind::Level) type(level);  // a level: no scale to read it in
            return {whole, -1};
        }
        const Type want{TypeTag::Level, map.type.scale};
        const Typed got = type(level, &want);
        if (got.type.tag != TypeTag::Level) {
            if (got.type.tag != TypeTag::Error) {
                c_.emit(Code::wrong_arguments, level.span,
                        "`count` needs a level of `" + map.type.scale + "`, but this is `" +
                            type_name(got.type) + "`");
            }
            return {whole, -1};
        }
        if (mismatch(level.span, want, got.type)) return {whole, -1};
        return node(whole, at_least ? Op::CountAtLeast : Op::Count, e.span, map.node, got.node);
    }

    Typed lookup(const Expr& e) {
        if (!builtin("lookup", BuiltinForm::Call).accepts(e.args.size())) {
            wrong_arguments(builtin("lookup", BuiltinForm::Call), e.span);
            return {};
        }
        Type result;
        std::int32_t table_index = -1;
        const Expr& table = e.args[0];
        if (context_ == Context::Constant) {
            c_.emit(Code::not_a_value, e.span, "`lookup` cannot be used here: write the value out",
                    "a default or a table row gives a literal such as `£500`, `12` or `true`");
            return {};
        }
        const Symbol* symbol = table.kind == ExprKind::Name ? c_.value(table.text) : nullptr;
        if (symbol != nullptr && symbol->kind == SymbolKind::Table) {
            result = c_.table_types[symbol->index];
            table_index = static_cast<std::int32_t>(symbol->index);
        } else if (symbol != nullptr || table.kind != ExprKind::Name) {
            const std::string what = symbol != nullptr ? "`" + table.text + "` is " +
                                                             std::string(kind_word(symbol->kind))
                                                       : "this is not a name";
            c_.emit(Code::lookup_not_table, table.span, "`lookup` needs a table, but " + what,
                    c_.suggestion(table.text, c_.names_of(SymbolKind::Table)));
        } else {
            std::string help = c_.suggestion(table.text, c_.names_of(SymbolKind::Table));
            if (help.empty()) help = "declare it: `table " + table.text + "` with rows `from 0 to 9 gives £0`";
            c_.emit(Code::unknown_table, table.span, "unknown table `" + table.text + "`", help);
        }
        const Typed key = type(e.args[1]);
        if (key.type.tag != TypeTag::Whole) {
            if (key.type.tag != TypeTag::Error) {
                c_.emit(Code::lookup_key_not_whole, e.args[1].span,
                        "tables are looked up by a whole number, but this is `" + type_name(key.type) + "`");
            }
            return {result, -1};
        }
        if (table_index < 0 || result.tag == TypeTag::Error || key.node < 0) return {result, -1};
        // The table's rows are constants: the lookup depends on its key alone.
        Node n;
        n.op = Op::Lookup;
        n.type = c_.program.tables[static_cast<std::size_t>(table_index)].type;
        n.scale = scale_of(result);
        n.index = table_index;
        n.b = key.node;
        n.span = e.span;
        return {result, c_.add(n)};
    }

    Typed membership(const Expr& e) {
        const Type boolean{TypeTag::Bool, {}};
        if (e.args.empty()) return {boolean, -1};
        const Expr& needle = e.args[0];
        std::vector<const Expr*> members;
        if (e.args.size() == 2 && e.args[1].kind == ExprKind::List) {
            for (const Expr& m : e.args[1].args) members.push_back(&m);
        } else if (e.args.size() == 2 && e.args[1].kind == ExprKind::Name &&
                   c_.value(e.args[1].text) != nullptr &&
                   c_.value(e.args[1].text)->kind != SymbolKind::Level) {
            const Typed list_type = type(e.args[1]);
            const Typed n = type(needle);
            if (list_type.type.tag == TypeTag::Error || n.type.tag == TypeTag::Error) return {boolean, -1};
            if (list_type.type.tag != TypeTag::TextList) {
                c_.emit(Code::bad_membership, e.args[1].span,
                        "`in` needs a list, but `" + e.args[1].text + "` is `" + type_name(list_type.type) + "`",
                        "write the members out: `x in [a, b]`");
                return {boolean, -1};
            }
            if (n.type.tag != TypeTag::Text && n.type.tag != TypeTag::Service) {
                c_.emit(Code::bad_membership, needle.span,
                        "a `list of text` holds text, but this is `" + type_name(n.type) + "`");
                return {boolean, -1};
            }
            return node(boolean, Op::InList, e.span, n.node, list_type.node);
        } else {
            for (std::size_t i = 1; i < e.args.size(); ++i) members.push_back(&e.args[i]);
        }
        const Typed n = type(needle);
        if (n.type.tag == TypeTag::LevelMap || n.type.tag == TypeTag::TextList) {
            // Lists and maps have no equality here: `tags in [tags]` would test nothing.
            c_.emit(Code::bad_membership, needle.span,
                    "`in` tests one value, but this is `" + type_name(n.type) + "`",
                    n.type.tag == TypeTag::TextList ? "test whether the list holds a value: `\"x\" in list`"
                                                    : "count the map's levels: `count(dst, severe) >= 1`");
            return {boolean, -1};
        }
        bool ok = n.node >= 0;
        std::vector<std::int32_t> built;
        for (const Expr* member : members) {
            if (n.type.tag == TypeTag::Service) {
                if (!service_literal(*member)) {
                    if (!service_text(*member, Code::bad_membership)) {
                        c_.emit(Code::bad_membership, member->span,
                                "services are listed by name, e.g. `service in [respite, personal_care]`");
                    }
                    ok = false;
                    continue;
                }
                if (declared_as_value(*member)) {
                    ok = false;
                    continue;
                }
                built.push_back(service_name(*member).node);
                continue;
            }
            const Typed m = type(*member, &n.type);
            if (m.type.tag == TypeTag::Error || n.type.tag == TypeTag::Error) {
                ok = false;
                continue;
            }
            const bool fits = (is_number(m.type.tag) && is_number(n.type.tag)) ||
                              (m.type.tag == n.type.tag &&
                               (m.type.tag != TypeTag::Level || m.type.scale.empty() ||
                                n.type.scale.empty() || m.type.scale == n.type.scale));
            if (!fits) {
                c_.emit(Code::bad_membership, member->span,
                        "this member is `" + type_name(m.type) + "`, but the value tested is `" +
                            type_name(n.type) + "`");
                ok = false;
                continue;
            }
            built.push_back(m.node);
            ok = ok && m.node >= 0;
        }
        if (!ok) return {boolean, -1};
        Node in;
        in.op = Op::In;
        in.type = VType::Bool;
        in.a = n.node;
        in.args_begin = static_cast<std::uint32_t>(c_.program.args.size());
        in.args_count = static_cast<std::uint32_t>(built.size());
        c_.program.args.insert(c_.program.args.end(), built.begin(), built.end());
        in.span = e.span;
        return {boolean, c_.add(in)};
    }

    Typed list(const Expr& e, const Type* hint) {
        if (context_ != Context::Constant || hint == nullptr) {
            c_.emit(Code::list_outside_in, e.span, "a list `[...]` has a value only after `in`",
                    "test membership where it is needed: `x in [a, b]`; a `list of text` fact may "
                    "have a list as its default");
            return {};
        }
        for (const Expr& member : e.args) {
            const Typed t = type(member);
            if (t.type.tag != TypeTag::Text && t.type.tag != TypeTag::Error) {
                c_.emit(Code::bad_membership, member.span,
                        "a list holds text, but this is `" + type_name(t.type) + "`");
                return {};
            }
        }
        // A `list of text` default: the fact's value is built from the list itself.
        return {{TypeTag::TextList, {}}, -1};
    }

    Checker& c_;
    Context context_;
    Needs& needs_;
};

}  // namespace

std::string type_name(const Type& type) {
    switch (type.tag) {
        case TypeTag::Error: return "?";
        case TypeTag::Bool: return "bool";
        case TypeTag::Whole: return "whole";
        case TypeTag::Decimal: return "decimal";
        case TypeTag::Percent: return "percentage";
        case TypeTag::Money: return "money";
        case TypeTag::Date: return "date";
        case TypeTag::Text: return "text";
        case TypeTag::Level: return type.scale.empty() ? "level" : type.scale;
        case TypeTag::LevelMap: return "map of " + type.scale;
        case TypeTag::TextList: return "list of text";
        case TypeTag::Service: return "service";
    }
    return "?";
}

Type fact_type(const Checker& c, const Fact& fact) {
    switch (fact.type.kind) {
        case TypeKind::Bool: return {TypeTag::Bool, {}};
        case TypeKind::Whole: return {TypeTag::Whole, {}};
        case TypeKind::Decimal: return {TypeTag::Decimal, {}};
        case TypeKind::Money: return {TypeTag::Money, {}};
        case TypeKind::Date: return {TypeTag::Date, {}};
        case TypeKind::Text: return {TypeTag::Text, {}};
        case TypeKind::TextList: return {TypeTag::TextList, {}};
        case TypeKind::Level:
        case TypeKind::LevelMap:
            if (c.scale_index.count(fact.type.scale.name) == 0) return {};
            return {fact.type.kind == TypeKind::Level ? TypeTag::Level : TypeTag::LevelMap,
                    fact.type.scale.name};
    }
    return {};
}

Typed type_of(Checker& c, const Expr& expr, Context context, Needs& needs, const Type* hint) {
    Typer typer(c, context, needs);
    const Typed t = typer.type(expr, hint);
    // Every expression without an error has a node (a `list of text` default is built from
    // its list). Should a path ever give none without saying why, say so here, at the
    // expression, rather than load a policy that cannot answer.
    const bool list_default = context == Context::Constant && t.type.tag == TypeTag::TextList;
    if (t.node < 0 && !list_default && !c.has_errors()) {
        c.emit(Code::not_a_value, expr.span, "this expression has no value here",
               "write it another way, and report it: the checker should say why");
    }
    return t;
}

VType vtype(const Type& type) {
    switch (type.tag) {
        case TypeTag::Error:
        case TypeTag::Bool: return VType::Bool;
        case TypeTag::Whole:
        case TypeTag::Decimal:
        case TypeTag::Percent: return VType::Number;
        case TypeTag::Money: return VType::Money;
        case TypeTag::Date: return VType::Date;
        case TypeTag::Text: return VType::Text;
        case TypeTag::Level: return VType::Level;
        case TypeTag::LevelMap: return VType::LevelMap;
        case TypeTag::TextList: return VType::TextList;
        case TypeTag::Service: return VType::Service;
    }
    return VType::Bool;
}

std::int32_t Checker::add(Node n) {
    auto fold = [&](std::int32_t child) {
        if (child < 0) return;
        const Node& c = program.nodes[static_cast<std::size_t>(child)];
        n.dep = std::max(n.dep, c.dep);
        n.age = n.age || c.age;
    };
    if (n.op != Op::Let && n.op != Op::Threshold) {
        fold(n.a);
        fold(n.b);
        for (std::uint32_t k = 0; k < n.args_count; ++k) fold(program.args[n.args_begin + k]);
    }
    program.nodes.push_back(n);
    return static_cast<std::int32_t>(program.nodes.size() - 1);
}

std::int32_t Checker::constant(const Span& span, Val v) {
    Node n;
    n.op = Op::Const;
    n.type = v.type;
    n.value = v;
    n.span = span;
    return add(n);
}

std::int32_t Checker::service_literal(const std::string& name) {
    const auto [it, added] = services_.emplace(name, static_cast<std::int32_t>(program.services.size()));
    if (added) program.services.push_back(name);
    return it->second;
}

std::vector<detail::Conjunct> conjuncts(const Checker& c, const Expr& e, std::int32_t root) {
    std::vector<detail::Conjunct> out;
    auto collect = [&](auto& self, const Expr& x, std::int32_t at) -> void {
        const Node& n = c.program.nodes[static_cast<std::size_t>(at)];
        if (x.kind == ExprKind::Binary && x.binary_op == BinaryOp::And && n.op == Op::And &&
            x.args.size() == 2) {
            self(self, x.args[0], n.a);
            self(self, x.args[1], n.b);
            return;
        }
        detail::Conjunct conjunct{at, expr_text(x), {}};
        const bool comparison = n.op == Op::Eq || n.op == Op::Ne || n.op == Op::Lt || n.op == Op::Le ||
                                n.op == Op::Gt || n.op == Op::Ge;
        if (comparison && x.args.size() == 2 &&
            c.program.nodes[static_cast<std::size_t>(n.a)].op != Op::Const &&
            c.program.nodes[static_cast<std::size_t>(n.a)].op != Op::Service) {
            conjunct.value_label = expr_text(x.args[0]);
        }
        out.push_back(std::move(conjunct));
    };
    collect(collect, e, root);
    return out;
}

}  // namespace jointly::engine::semantic
