// The semantic pass on expressions: names resolved, every expression typed, and its nodes
// built in the same walk (conditions, definitions, defaults, amounts, table rows). The Typer
// (typer.hpp) does the walk; this file has its literals, names, definitions and logic.
#include <algorithm>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "typer.hpp"

namespace jointly::engine::semantic::typing {
namespace {

bool is_comparison(BinaryOp op) {
    return op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Lt ||
           op == BinaryOp::Le || op == BinaryOp::Gt || op == BinaryOp::Ge;
}

std::int64_t pow10(std::int32_t scale) {
    std::int64_t p = 1;
    for (std::int32_t i = 0; i < scale; ++i) p *= 10;
    return p;
}

}  // namespace

Typed Typer::type(const Expr& e, const Type* hint) {
    c_.tick();
    return std::visit(
        [&](const auto& n) -> Typed {
            using T = std::decay_t<decltype(n)>;
            if constexpr (std::is_same_v<T, BoolLit>) {
                Val v;
                v.type = VType::Bool;
                v.b = n.value;
                return {{TypeTag::Bool, {}}, c_.constant(e.span, v)};
            } else if constexpr (std::is_same_v<T, NumberLit>) {
                return number(e, n.value, n.value.scale == 0 ? TypeTag::Whole : TypeTag::Decimal, 1, 1);
            } else if constexpr (std::is_same_v<T, MoneyLit>) {
                return number(e, n.pounds, TypeTag::Money, 100, 1);
            } else if constexpr (std::is_same_v<T, PercentLit>) {
                return number(e, n.value, TypeTag::Percent, 1, 100);
            } else if constexpr (std::is_same_v<T, DateLit>) {
                Val v;
                v.type = VType::Date;
                v.i = Date::from_civil(n.value.year, n.value.month, n.value.day).days();
                return {{TypeTag::Date, {}}, c_.constant(e.span, v)};
            } else if constexpr (std::is_same_v<T, TextLit>) {
                return text(e, n);
            } else if constexpr (std::is_same_v<T, NameRef>) {
                return name(e, hint);
            } else if constexpr (std::is_same_v<T, Unary>) {
                return unary(e, n);
            } else if constexpr (std::is_same_v<T, Binary>) {
                return binary(e, n);
            } else if constexpr (std::is_same_v<T, Call>) {
                return call(e, n);
            } else if constexpr (std::is_same_v<T, In>) {
                return membership(e, n);
            } else if constexpr (std::is_same_v<T, List>) {
                return list(e, n, hint);
            } else if constexpr (std::is_same_v<T, AtLeast>) {
                c_.emit(Code::wrong_arguments, e.span, "`at least` is only used inside `count`",
                        "e.g. `count(dst, at least severe) >= 2`");
                return {};
            } else if constexpr (std::is_same_v<T, Duration>) {
                misplaced_duration(e);
                return {};
            } else {
                static_assert(std::is_same_v<T, YearlyTotal>);
                return yearly_total(e, n);
            }
        },
        e.node);
}

Typed Typer::number(const Expr& e, const Decimal& d, TypeTag tag, std::int64_t times, std::int64_t per) {
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

Typed Typer::text(const Expr& e, const TextLit& t) {
    c_.program.strings.push_back(t.value);
    Val v;
    v.type = VType::Text;
    v.s = &c_.program.strings.back();
    return {{TypeTag::Text, {}}, c_.constant(e.span, v)};
}

Typed Typer::node(const Type& type, Op op, const Span& span, std::int32_t a, std::int32_t b) {
    const bool unary = op == Op::Not || op == Op::Neg;
    if (a < 0 || (!unary && b < 0)) return {type, -1};
    Node n = shell(type, op, span);
    n.a = a;
    n.b = b;
    return {type, c_.add(n)};
}

Node Typer::shell(const Type& type, Op op, const Span& span) const {
    Node n;
    n.op = op;
    n.type = vtype(type);
    n.scale = scale_of(type);
    n.span = span;
    return n;
}

std::int32_t Typer::scale_of(const Type& type) const {
    if (type.tag != TypeTag::Level && type.tag != TypeTag::LevelMap) return -1;
    const auto it = c_.scale_index.find(type.scale);
    return it == c_.scale_index.end() ? -1 : static_cast<std::int32_t>(it->second);
}

bool Typer::level_candidate(const Expr& e) const {
    if (e.name() == nullptr) return false;
    const Symbol* symbol = c_.value(*e.name());
    return symbol == nullptr || symbol->kind == SymbolKind::Level;
}

Typed Typer::level_in(const Expr& e, const std::string& scale) {
    const std::string& word = std::get<NameRef>(e.node).name;
    if (const auto ordinal = c_.level_ordinal(scale, word)) {
        Val v;
        v.type = VType::Level;
        v.i = static_cast<std::int32_t>(*ordinal);
        const Type t{TypeTag::Level, scale};
        const std::int32_t n = c_.constant(e.span, v);
        c_.program.nodes[static_cast<std::size_t>(n)].scale = scale_of(t);
        return {t, n};
    }
    const auto found = c_.level_scales.find(word);
    if (found != c_.level_scales.end()) {
        const std::string& other = c_.module.scales[found->second.front()].id.name;
        c_.emit(Code::wrong_scale, e.span,
                "`" + word + "` is a level of `" + other + "`, not of `" + scale + "`",
                level_help(word, scale));
        return {};
    }
    c_.emit(Code::unknown_level, e.span,
            "`" + word + "` is not a level of `" + scale + "`", level_help(word, scale));
    return {};
}

std::string Typer::level_help(const std::string& word, const std::string& scale) const {
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

Typed Typer::name(const Expr& e, const Type* hint) {
    const std::string& word = std::get<NameRef>(e.node).name;
    if (hint != nullptr && hint->tag == TypeTag::Level && !hint->scale.empty() &&
        level_candidate(e)) {
        return level_in(e, hint->scale);
    }
    const Symbol* symbol = c_.value(word);
    if (context_ == Context::Constant && (symbol == nullptr || symbol->kind != SymbolKind::Level)) {
        c_.emit(Code::not_a_value, e.span,
                "`" + word + "` cannot be used here: write the value out",
                "a default or a table row gives a literal such as `£500`, `12` or `true`");
        return {};
    }
    if (symbol != nullptr && symbol->kind == SymbolKind::Level && hint == nullptr) {
        const Scale& scale = c_.module.scales[c_.level_scales[word].front()];
        std::string example = "a fact of scale `" + scale.id.name + "`";
        for (const Fact& fact : c_.module.facts) {
            if (fact.type.kind == TypeKind::Level && fact.type.scale.name == scale.id.name) {
                example = "`" + fact.id.name + "`";
                break;
            }
        }
        c_.emit(Code::not_a_value, e.span,
                "`" + word + "` is a level of `" + scale.id.name + "`, with nothing here to compare it with",
                "a level has a value only beside " + example + ", e.g. `" +
                    (example.front() == '`' ? example.substr(1, example.size() - 2) : std::string("x")) +
                    " >= " + word + "`");
        return {};
    }
    if (symbol != nullptr) return declared(e, *symbol);
    if (word == "service") {
        needs_.service = true;
        if (context_ != Context::Rule && context_ != Context::Let && context_ != Context::Amount) {
            c_.emit(Code::service_outside_rule, e.span,
                    "`service` is only known inside a rule",
                    "a rule is matched to each cost line; this is not");
        }
        return leaf({TypeTag::Service, {}}, Op::Service, Dep::Line, e.span);
    }
    if (word == "total") {
        needs_total(e, "the package `total`");
        return leaf({TypeTag::Money, {}}, Op::Total, Dep::Outcome, e.span);
    }
    if (word == "age") return age(e);
    if (word == "as_of") {
        c_.program.needs_as_of = true;
        return leaf({TypeTag::Date, {}}, Op::AsOf, Dep::Request, e.span);
    }
    std::string help = c_.suggestion(word, c_.value_names());
    if (help.empty() && context_ == Context::Rule) {
        help = "if `" + word + "` is a service, compare it: `service is " + word + "`";
    }
    c_.emit(Code::unknown_name, e.span, "unknown name `" + word + "`", help);
    return {};
}

Typed Typer::leaf(const Type& type, Op op, Dep dep, const Span& span, std::int32_t index) {
    Node n = shell(type, op, span);
    n.dep = dep;
    n.index = index;
    return {type, c_.add(n)};
}

void Typer::needs_total(const Expr& e, const std::string& what) {
    needs_.total = true;
    if (context_ != Context::Outcome && context_ != Context::Let && context_ != Context::Amount) {
        c_.emit(Code::total_outside_outcome, e.span,
                what + " is only known in `decline` and `refer` rules",
                "totals exist once every line is split; rules and thresholds come first");
    }
}

void Typer::age_on_as_of() {
    if (context_ == Context::Threshold || context_ == Context::Outcome) c_.program.needs_as_of = true;
}

Typed Typer::age(const Expr& e) {
    needs_.age = true;
    age_on_as_of();
    const Symbol* dob = c_.value("date_of_birth");
    if (dob != nullptr && dob->kind == SymbolKind::Fact &&
        c_.module.facts[dob->index].type.kind == TypeKind::Date) {
        c_.fact_used[dob->index] = true;
        Typed t = leaf({TypeTag::Whole, {}}, Op::Age, Dep::Segment, e.span);
        c_.program.nodes[static_cast<std::size_t>(t.node)].age = true;
        // `decline` and `refer` take the age on `as_of`: no line is cut for them.
        if (context_ != Context::Outcome) ++c_.age_uses;
        return t;
    }
    c_.emit(Code::age_without_dob, e.span,
            "`age` needs a `date_of_birth: date` fact",
            dob == nullptr ? "declare `fact date_of_birth: date`"
                           : "`date_of_birth` must be a fact of type `date`");
    return {{TypeTag::Whole, {}}, -1};
}

Typed Typer::declared(const Expr& e, const Symbol& symbol) {
    const std::string& word = std::get<NameRef>(e.node).name;
    const auto index = static_cast<std::int32_t>(symbol.index);
    switch (symbol.kind) {
        case SymbolKind::Fact: {
            c_.fact_used[symbol.index] = true;
            if (c_.module.facts[symbol.index].type.kind == TypeKind::Agency) {
                c_.emit(Code::not_a_value, e.span,
                        "`" + word + "` picks the agency that pays, not a value",
                        "name it where an agency is named (a split, `pay`, a cap, `excess to`, "
                        "`odd penny to`) or in `total(" + word + ")`");
                return {};
            }
            const Type t = fact_type(c_, c_.module.facts[symbol.index]);
            if (t.tag == TypeTag::Error) return {};
            return leaf(t, Op::Fact, Dep::Request, e.span, index);
        }
        case SymbolKind::Event:
            if (c_.module.events[symbol.index].repeats) {
                c_.emit(Code::repeating_event_as_date, e.span,
                        "`" + word + "` repeats, so it has no single date to use in an expression",
                        "use it in a `within N days|weeks after|before " + word +
                            "` window, or in a reason as `{" + word + "}`");
                return {};
            }
            return leaf({TypeTag::Date, {}}, Op::Event, Dep::Request, e.span, index);
        case SymbolKind::Level: {
            // Only beside a value that is not a level of one scale (the caller reports
            // the mismatch); as a value it has one scale or none.
            const std::vector<std::size_t>& scales = c_.level_scales[word];
            if (scales.size() == 1) return level_in(e, c_.module.scales[scales[0]].id.name);
            return {{TypeTag::Level, {}}, -1};
        }
        case SymbolKind::Let: return definition(e, c_.lets, symbol.index, true);
        case SymbolKind::Threshold: return definition(e, c_.thresholds, symbol.index, false);
        case SymbolKind::AgencyGroup:
            c_.emit(Code::not_a_value, e.span, "`" + word + "` is an agency group, not a value",
                    "the group's share of the package is `total(" + word +
                        ")`, known in `decline` and `refer` rules");
            return {};
        case SymbolKind::Agency:
            c_.emit(Code::not_a_value, e.span, "`" + word + "` is an agency, not a value",
                    "an agency's share of the package is `total(" + word +
                        ")`, known in `decline` and `refer` rules");
            return {};
        case SymbolKind::Table:
            c_.emit(Code::not_a_value, e.span, "`" + word + "` is a table, not a value",
                    "look a value up with `lookup(" + word + ", points)`");
            return {};
    }
    return {};
}

Typed Typer::definition(const Expr& e, std::vector<DefInfo>& defs, std::size_t index, bool is_let) {
    const std::string& word = std::get<NameRef>(e.node).name;
    if (is_let) {
        check_let(c_, index);
    } else {
        check_threshold(c_, index);
    }
    const DefInfo& def = defs[index];
    if (def.needs.age) {
        needs_.age = true;
        age_on_as_of();
    }
    if (def.needs.service) {
        needs_.service = true;
        if (context_ != Context::Rule && context_ != Context::Let && context_ != Context::Amount) {
            c_.emit(Code::service_outside_rule, e.span,
                    "`" + word + "` uses `service`, which is only known inside a rule");
        }
    }
    if (def.needs.total) needs_total(e, "`" + word + "` uses a package total, which");
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

Typed Typer::unary(const Expr& e, const Unary& u) {
    const Typed operand = type(*u.operand);
    if (u.op == UnaryOp::Not) {
        if (operand.type.tag != TypeTag::Bool) {
            if (operand.type.tag != TypeTag::Error) {
                c_.emit(Code::not_bool_operand, u.operand->span,
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

Typed Typer::binary(const Expr& e, const Binary& b) {
    if (b.op == BinaryOp::And || b.op == BinaryOp::Or) return logical(e, b);
    if (is_comparison(b.op)) return compare(e, b);
    return arithmetic(e, b);
}

Typed Typer::logical(const Expr& e, const Binary& b) {
    const Expr* operands[] = {&*b.left, &*b.right};
    const char* sides[] = {"left", "right"};
    std::int32_t nodes[2] = {-1, -1};
    bool ok = true;
    for (std::size_t i = 0; i < 2; ++i) {
        const Typed t = type(*operands[i]);
        nodes[i] = t.node;
        if (t.type.tag != TypeTag::Bool) {
            ok = false;
            if (t.type.tag != TypeTag::Error) {
                c_.emit(Code::not_bool_operand, operands[i]->span,
                        "`" + operator_text(b.op) + "` needs true/false on both sides, but the " +
                            sides[i] + " side is `" + type_name(t.type) + "`",
                        "compare it to something, e.g. `x > £0`");
            }
        }
    }
    const Type boolean{TypeTag::Bool, {}};
    if (!ok) return {boolean, -1};
    return node(boolean, b.op == BinaryOp::And ? Op::And : Op::Or, e.span, nodes[0], nodes[1]);
}

bool Typer::is_service(const Expr& e) const {
    return e.name() != nullptr && *e.name() == "service" && c_.value("service") == nullptr;
}

}  // namespace jointly::engine::semantic::typing

namespace jointly::engine::semantic {

using typing::Typer;

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
        case TypeKind::Agency: return {};  // not a value (E2015 where it is used as one)
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
        const Binary* binary = x.as<Binary>();
        if (binary != nullptr && binary->op == BinaryOp::And && n.op == Op::And) {
            self(self, *binary->left, n.a);
            self(self, *binary->right, n.b);
            return;
        }
        detail::Conjunct conjunct{at, expr_text(x), {}};
        const bool comparison = n.op == Op::Eq || n.op == Op::Ne || n.op == Op::Lt || n.op == Op::Le ||
                                n.op == Op::Gt || n.op == Op::Ge;
        if (comparison && binary != nullptr &&
            c.program.nodes[static_cast<std::size_t>(n.a)].op != Op::Const &&
            c.program.nodes[static_cast<std::size_t>(n.a)].op != Op::Service) {
            conjunct.value_label = expr_text(*binary->left);
        }
        out.push_back(std::move(conjunct));
    };
    collect(collect, e, root);
    return out;
}

}  // namespace jointly::engine::semantic

