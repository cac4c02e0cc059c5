// Checker: names and types in expressions (conditions, definitions, defaults).
#include <string>
#include <vector>

#include "check_context.hpp"

namespace jointly::dsl::checker {
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

std::string op_text(BinaryOp op) {
    switch (op) {
        case BinaryOp::Or: return "or";
        case BinaryOp::And: return "and";
        case BinaryOp::Eq: return "is";
        case BinaryOp::Ne: return "is not";
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

bool is_comparison(BinaryOp op) {
    return op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Lt ||
           op == BinaryOp::Le || op == BinaryOp::Gt || op == BinaryOp::Ge;
}

class Typer {
public:
    Typer(Checker& c, Context context, Needs& needs) : c_(c), context_(context), needs_(needs) {}

    Type type(const Expr& e, const Type* hint = nullptr) {
        switch (e.kind) {
            case ExprKind::Bool: return {TypeTag::Bool, {}};
            case ExprKind::Number:
                return {e.number.scale == 0 ? TypeTag::Whole : TypeTag::Decimal, {}};
            case ExprKind::Money: return {TypeTag::Money, {}};
            case ExprKind::Percent: return {TypeTag::Percent, {}};
            case ExprKind::Date: return {TypeTag::Date, {}};
            case ExprKind::Text: return {TypeTag::Text, {}};
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
    // A bare name that may be read as a scale level (it is not a fact, let, ...).
    bool level_candidate(const Expr& e) const {
        if (e.kind != ExprKind::Name) return false;
        const Symbol* symbol = c_.value(e.text);
        return symbol == nullptr || symbol->kind == SymbolKind::Level;
    }

    // `name` read as a level of `scale`: E2102 when it belongs to other scales only,
    // E2009 when it is no level at all.
    Type level_in(const Expr& e, const std::string& scale) {
        if (c_.level_ordinal(scale, e.text)) return {TypeTag::Level, scale};
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

    Type name(const Expr& e, const Type* hint) {
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
            return {TypeTag::Service, {}};
        }
        if (e.text == "total") {
            needs_total(e, "the package `total`");
            return {TypeTag::Money, {}};
        }
        if (e.text == "age") return age(e);
        std::string help = c_.suggestion(e.text, c_.value_names());
        if (help.empty() && context_ == Context::Rule) {
            help = "if `" + e.text + "` is a service, compare it: `service is " + e.text + "`";
        }
        c_.emit(Code::unknown_name, e.span, "unknown name `" + e.text + "`", help);
        return {};
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

    Type age(const Expr& e) {
        needs_.age = true;
        if (age_unknown_here()) age_outside_rule(e, "`age`");
        const Symbol* dob = c_.value("date_of_birth");
        if (dob != nullptr && dob->kind == SymbolKind::Fact &&
            c_.module.facts[dob->index].type.kind == TypeKind::Date) {
            c_.fact_used[dob->index] = true;
            return {TypeTag::Whole, {}};
        }
        c_.emit(Code::age_without_dob, e.span,
                "`age` needs a `date_of_birth: date` fact",
                dob == nullptr ? "declare `fact date_of_birth: date`"
                               : "`date_of_birth` must be a fact of type `date`");
        return {TypeTag::Whole, {}};
    }

    Type declared(const Expr& e, const Symbol& symbol) {
        switch (symbol.kind) {
            case SymbolKind::Fact:
                c_.fact_used[symbol.index] = true;
                return fact_type(c_, c_.module.facts[symbol.index]);
            case SymbolKind::Event: return {TypeTag::Date, {}};
            case SymbolKind::Level: {
                const std::vector<std::size_t>& scales = c_.level_scales[e.text];
                if (scales.size() == 1) return {TypeTag::Level, c_.module.scales[scales[0]].id.name};
                return {TypeTag::Level, {}};
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

    Type definition(const Expr& e, std::vector<DefInfo>& defs, std::size_t index, bool is_let) {
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
        return def.type;
    }

    Type unary(const Expr& e) {
        if (e.args.empty()) return {};
        const Type operand = type(e.args[0]);
        if (e.unary_op == UnaryOp::Not) {
            if (operand.tag != TypeTag::Bool && operand.tag != TypeTag::Error) {
                c_.emit(Code::not_bool_operand, e.args[0].span,
                        "`not` needs a true/false value, but this is `" + type_name(operand) + "`");
            }
            return {TypeTag::Bool, {}};
        }
        if (operand.tag == TypeTag::Error) return {};
        if (!is_number(operand.tag) && operand.tag != TypeTag::Money &&
            operand.tag != TypeTag::Percent) {
            c_.emit(Code::bad_arithmetic, e.span, "cannot negate `" + type_name(operand) + "`");
            return {};
        }
        return operand;
    }

    Type binary(const Expr& e) {
        if (e.args.size() != 2) return {};
        if (e.binary_op == BinaryOp::And || e.binary_op == BinaryOp::Or) return logical(e);
        if (is_comparison(e.binary_op)) return compare(e);
        return arithmetic(e);
    }

    Type logical(const Expr& e) {
        const char* sides[] = {"left", "right"};
        for (std::size_t i = 0; i < 2; ++i) {
            const Type t = type(e.args[i]);
            if (t.tag != TypeTag::Bool && t.tag != TypeTag::Error) {
                c_.emit(Code::not_bool_operand, e.args[i].span,
                        "`" + op_text(e.binary_op) + "` needs true/false on both sides, but the " +
                            sides[i] + " side is `" + type_name(t) + "`",
                        "compare it to something, e.g. `x > £0`");
            }
        }
        return {TypeTag::Bool, {}};
    }

    bool is_service(const Expr& e) const {
        return e.kind == ExprKind::Name && e.text == "service" && c_.value("service") == nullptr;
    }

    // `service is personal_care`: the other side is a service name, never looked up.
    bool service_literal(const Expr& e) const { return e.kind == ExprKind::Name; }

    // E2101 (`service is "x"`) or E2113 (`service in ["x"]`): a service is a name, not text.
    bool service_text(const Expr& e, Code code) {
        if (e.kind != ExprKind::Text) return false;
        c_.emit(code, e.span, "a service is named, not quoted: `\"" + e.text + "\"` is text",
                "write the name without quotes: `service is " +
                    (e.text.empty() ? std::string("personal_care") : e.text) + "`");
        return true;
    }

    Type compare(const Expr& e) {
        const Expr& left = e.args[0];
        const Expr& right = e.args[1];
        const bool ordering = e.binary_op != BinaryOp::Eq && e.binary_op != BinaryOp::Ne;
        if (is_service(left) || is_service(right)) {
            const Expr& other = is_service(left) ? right : left;
            type(is_service(left) ? left : right);
            if (ordering) {
                c_.emit(Code::not_orderable, e.span,
                        "cannot order services with `" + op_text(e.binary_op) + "`",
                        "use `service is x` or `service in [x, y]`");
            } else if (!service_literal(other) && !service_text(other, Code::compare_mismatch)) {
                const Type t = type(other);
                if (t.tag != TypeTag::Error) {
                    c_.emit(Code::compare_mismatch, other.span,
                            "cannot compare `service` with `" + type_name(t) + "`",
                            "name the service: `service is personal_care`");
                }
            }
            return {TypeTag::Bool, {}};
        }
        Type lt;
        Type rt;
        if (level_candidate(left) && !level_candidate(right)) {
            rt = type(right);
            lt = type(left, &rt);
        } else {
            lt = type(left);
            rt = type(right, &lt);
        }
        if (lt.tag == TypeTag::Error || rt.tag == TypeTag::Error) return {TypeTag::Bool, {}};
        if (ordering && (!is_orderable(lt.tag) || !is_orderable(rt.tag))) {
            const Type& bad = is_orderable(lt.tag) ? rt : lt;
            c_.emit(Code::not_orderable, e.span,
                    "cannot order `" + type_name(bad) + "` values with `" + op_text(e.binary_op) + "`",
                    bad.tag == TypeTag::LevelMap ? "count its levels: `count(map, at least severe) >= 1`"
                                                 : "use `is` or `is not`");
            return {TypeTag::Bool, {}};
        }
        mismatch(e.span, lt, rt);
        return {TypeTag::Bool, {}};
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

    Type arithmetic(const Expr& e) {
        const Type a = type(e.args[0]);
        const Type b = type(e.args[1]);
        if (a.tag == TypeTag::Error || b.tag == TypeTag::Error) return {};
        const TypeTag x = a.tag;
        const TypeTag y = b.tag;
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
                }
                break;
            default: break;
        }
        if (!result) {
            c_.emit(Code::bad_arithmetic, e.span,
                    "cannot apply `" + op_text(e.binary_op) + "` to `" + type_name(a) + "` and `" +
                        type_name(b) + "`",
                    x == TypeTag::Money || y == TypeTag::Money
                        ? "money adds to money, and multiplies or divides by a number or a percentage"
                        : std::string());
            return {};
        }
        return {*result, {}};
    }

    Type call(const Expr& e) {
        if (e.text == "count") return count(e);
        if (e.text == "lookup") return lookup(e);
        if (e.text == "total") {
            needs_total(e, "`total(...)`");
            if (e.args.size() != 1 || e.args[0].kind != ExprKind::Name) {
                c_.emit(Code::wrong_arguments, e.span, "`total` takes one agency, e.g. `total(health)`");
                return {TypeTag::Money, {}};
            }
            c_.require_agency(Ident{e.args[0].text, e.args[0].span}, true);
            return {TypeTag::Money, {}};
        }
        if (e.text == "funders") {
            needs_total(e, "`funders(...)`");
            if (e.args.size() > 1 || (e.args.size() == 1 && e.args[0].kind != ExprKind::Name)) {
                c_.emit(Code::wrong_arguments, e.span,
                        "`funders` takes at most one service, e.g. `funders(personal_care)`");
            }
            return {TypeTag::Whole, {}};
        }
        c_.emit(Code::unknown_function, e.span, "unknown function `" + e.text + "`",
                c_.suggestion(e.text, {"count", "lookup", "total", "funders"}));
        for (const Expr& arg : e.args) type(arg);
        return {};
    }

    // `yearly total` / `yearly total(agency)`: money, known where totals are.
    Type yearly_total(const Expr& e) {
        needs_total(e, "`yearly total`");
        if (e.args.size() > 1 || (e.args.size() == 1 && e.args[0].kind != ExprKind::Name)) {
            c_.emit(Code::wrong_arguments, e.span,
                    "`yearly total` takes at most one agency, e.g. `yearly total(health)`");
            return {TypeTag::Money, {}};
        }
        if (e.args.size() == 1) c_.require_agency(Ident{e.args[0].text, e.args[0].span}, true);
        return {TypeTag::Money, {}};
    }

    Type count(const Expr& e) {
        if (e.args.size() != 2) {
            c_.emit(Code::wrong_arguments, e.span,
                    "`count` takes a map and a level, e.g. `count(dst, severe)`");
            return {TypeTag::Whole, {}};
        }
        const Type map = type(e.args[0]);
        const Expr& level = e.args[1].kind == ExprKind::AtLeast && !e.args[1].args.empty()
                                ? e.args[1].args[0]
                                : e.args[1];
        if (map.tag == TypeTag::Error) return {TypeTag::Whole, {}};
        if (map.tag != TypeTag::LevelMap) {
            c_.emit(Code::count_not_map, e.args[0].span,
                    "`count` counts the levels in a map, but this is `" + type_name(map) + "`",
                    "declare the fact as a map, e.g. `fact dst: map of need`");
            const Symbol* symbol = level.kind == ExprKind::Name ? c_.value(level.text) : nullptr;
            if (symbol == nullptr || symbol->kind != SymbolKind::Level) type(level);  // a level: no scale to read it in
            return {TypeTag::Whole, {}};
        }
        const Type want{TypeTag::Level, map.scale};
        const Type got = type(level, &want);
        if (got.tag != TypeTag::Level && got.tag != TypeTag::Error) {
            c_.emit(Code::wrong_arguments, level.span,
                    "`count` needs a level of `" + map.scale + "`, but this is `" + type_name(got) + "`");
        } else if (got.tag == TypeTag::Level) {
            mismatch(level.span, want, got);
        }
        return {TypeTag::Whole, {}};
    }

    Type lookup(const Expr& e) {
        if (e.args.size() != 2) {
            c_.emit(Code::wrong_arguments, e.span,
                    "`lookup` takes a table and a whole number, e.g. `lookup(band, points)`");
            return {};
        }
        Type result;
        const Expr& table = e.args[0];
        if (context_ == Context::Constant) {
            c_.emit(Code::not_a_value, e.span, "`lookup` cannot be used here: write the value out",
                    "a default or a table row gives a literal such as `£500`, `12` or `true`");
            return {};
        }
        const Symbol* symbol = table.kind == ExprKind::Name ? c_.value(table.text) : nullptr;
        if (symbol != nullptr && symbol->kind == SymbolKind::Table) {
            result = c_.table_types[symbol->index];
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
        const Type key = type(e.args[1]);
        if (key.tag != TypeTag::Whole && key.tag != TypeTag::Error) {
            c_.emit(Code::lookup_key_not_whole, e.args[1].span,
                    "tables are looked up by a whole number, but this is `" + type_name(key) + "`");
        }
        return result;
    }

    Type membership(const Expr& e) {
        if (e.args.empty()) return {TypeTag::Bool, {}};
        const Expr& needle = e.args[0];
        std::vector<const Expr*> members;
        if (e.args.size() == 2 && e.args[1].kind == ExprKind::List) {
            for (const Expr& m : e.args[1].args) members.push_back(&m);
        } else if (e.args.size() == 2 && e.args[1].kind == ExprKind::Name &&
                   c_.value(e.args[1].text) != nullptr &&
                   c_.value(e.args[1].text)->kind != SymbolKind::Level) {
            const Type list_type = type(e.args[1]);
            const Type n = type(needle);
            if (list_type.tag == TypeTag::Error || n.tag == TypeTag::Error) return {TypeTag::Bool, {}};
            if (list_type.tag != TypeTag::TextList) {
                c_.emit(Code::bad_membership, e.args[1].span,
                        "`in` needs a list, but `" + e.args[1].text + "` is `" + type_name(list_type) + "`",
                        "write the members out: `x in [a, b]`");
            } else if (n.tag != TypeTag::Text && n.tag != TypeTag::Service) {
                c_.emit(Code::bad_membership, needle.span,
                        "a `list of text` holds text, but this is `" + type_name(n) + "`");
            }
            return {TypeTag::Bool, {}};
        } else {
            for (std::size_t i = 1; i < e.args.size(); ++i) members.push_back(&e.args[i]);
        }
        const Type n = type(needle);
        for (const Expr* member : members) {
            if (n.tag == TypeTag::Service) {
                if (!service_literal(*member) && !service_text(*member, Code::bad_membership)) {
                    c_.emit(Code::bad_membership, member->span,
                            "services are listed by name, e.g. `service in [respite, personal_care]`");
                }
                continue;
            }
            const Type m = type(*member, &n);
            if (m.tag == TypeTag::Error || n.tag == TypeTag::Error) continue;
            const bool ok = (is_number(m.tag) && is_number(n.tag)) ||
                            (m.tag == n.tag && (m.tag != TypeTag::Level || m.scale.empty() ||
                                                n.scale.empty() || m.scale == n.scale));
            if (!ok) {
                c_.emit(Code::bad_membership, member->span,
                        "this member is `" + type_name(m) + "`, but the value tested is `" +
                            type_name(n) + "`");
            }
        }
        return {TypeTag::Bool, {}};
    }

    Type list(const Expr& e, const Type* hint) {
        if (context_ != Context::Constant || hint == nullptr) {
            c_.emit(Code::list_outside_in, e.span, "a list `[...]` has a value only after `in`",
                    "test membership where it is needed: `x in [a, b]`; a `list of text` fact may "
                    "have a list as its default");
            return {};
        }
        for (const Expr& member : e.args) {
            const Type t = type(member);
            if (t.tag != TypeTag::Text && t.tag != TypeTag::Error) {
                c_.emit(Code::bad_membership, member.span,
                        "a list holds text, but this is `" + type_name(t) + "`");
                return {};
            }
        }
        return {TypeTag::TextList, {}};
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

Type type_of(Checker& c, const Expr& expr, Context context, Needs& needs, const Type* hint) {
    Typer typer(c, context, needs);
    return typer.type(expr, hint);
}

}  // namespace jointly::dsl::checker
