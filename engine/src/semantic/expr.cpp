// The semantic pass on expressions: names resolved, every expression typed, and its nodes
// built in the same walk (conditions, definitions, defaults, amounts, table rows).
#include <algorithm>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
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
    if (const auto* n = e.as<NumberLit>()) return n->value.units == 0;
    if (const auto* m = e.as<MoneyLit>()) return m->pounds.units == 0;
    if (const auto* p = e.as<PercentLit>()) return p->value.units == 0;
    return false;
}

// The text an expression spells, for a message about a name expected in its place: a name,
// a text's value, a call's function; nothing for the others.
const std::string& spelling(const Expr& e) {
    static const std::string kNone;
    if (const std::string* name = e.name()) return *name;
    if (const auto* t = e.as<TextLit>()) return t->value;
    if (const auto* c = e.as<Call>()) return c->function;
    return kNone;
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

private:
    // A literal number, amount (in pence: `times` 100) or percentage (`per` 100), exactly.
    Typed number(const Expr& e, const Decimal& d, TypeTag tag, std::int64_t times, std::int64_t per) {
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

    Typed text(const Expr& e, const TextLit& t) {
        c_.program.strings.push_back(t.value);
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
        Node n = shell(type, op, span);
        n.a = a;
        n.b = b;
        return {type, c_.add(n)};
    }

    // The fields every node of a value of `type` has.
    Node shell(const Type& type, Op op, const Span& span) const {
        Node n;
        n.op = op;
        n.type = vtype(type);
        n.scale = scale_of(type);
        n.span = span;
        return n;
    }

    std::int32_t scale_of(const Type& type) const {
        if (type.tag != TypeTag::Level && type.tag != TypeTag::LevelMap) return -1;
        const auto it = c_.scale_index.find(type.scale);
        return it == c_.scale_index.end() ? -1 : static_cast<std::int32_t>(it->second);
    }

    // A bare name that may be read as a scale level (it is not a fact, let, ...).
    bool level_candidate(const Expr& e) const {
        if (e.name() == nullptr) return false;
        const Symbol* symbol = c_.value(*e.name());
        return symbol == nullptr || symbol->kind == SymbolKind::Level;
    }

    // `name` read as a level of `scale`: E2102 when it belongs to other scales only,
    // E2009 when it is no level at all.
    Typed level_in(const Expr& e, const std::string& scale) {
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

    // A node with no operands whose value comes from where it is evaluated.
    Typed leaf(const Type& type, Op op, Dep dep, const Span& span, std::int32_t index = -1) {
        Node n = shell(type, op, span);
        n.dep = dep;
        n.index = index;
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

    // `age` is the age on a segment's first day in a rule's condition, and the age on the
    // request's `as_of` in thresholds and outcomes (decided once per request): there the
    // request must give `as_of`. A definition's uses are checked where they are.
    void age_on_as_of() {
        if (context_ == Context::Threshold || context_ == Context::Outcome) c_.program.needs_as_of = true;
    }

    Typed age(const Expr& e) {
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

    Typed declared(const Expr& e, const Symbol& symbol) {
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

    Typed definition(const Expr& e, std::vector<DefInfo>& defs, std::size_t index, bool is_let) {
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

    Typed unary(const Expr& e, const Unary& u) {
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

    Typed binary(const Expr& e, const Binary& b) {
        if (b.op == BinaryOp::And || b.op == BinaryOp::Or) return logical(e, b);
        if (is_comparison(b.op)) return compare(e, b);
        return arithmetic(e, b);
    }

    Typed logical(const Expr& e, const Binary& b) {
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

    bool is_service(const Expr& e) const {
        return e.name() != nullptr && *e.name() == "service" && c_.value("service") == nullptr;
    }

    // `service is personal_care`: the other side is a service name, never looked up.
    bool service_literal(const Expr& e) const { return e.is<NameRef>(); }

    // E2002: `service is school` where `school` is a fact, definition or threshold. The
    // name would be read as a service called `school`, never as the value the author
    // declared: one name, two meanings.
    bool declared_as_value(const Expr& e) {
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

    // The constant for a service named in a condition (interned: compared by index).
    Typed service_name(const Expr& e) {
        const std::string& name = std::get<NameRef>(e.node).name;  // service_literal(e)
        return service_constant(c_.service_literal(name), e.span);
    }
    Typed service_constant(std::int32_t index, const Span& span) {
        Val v;
        v.type = VType::Service;
        v.i = index;
        c_.program.strings.push_back(c_.program.services[static_cast<std::size_t>(index)]);
        v.s = &c_.program.strings.back();
        return {{TypeTag::Service, {}}, c_.constant(span, v)};
    }
    // The constants for a declared service or each member of a service group.
    std::vector<std::int32_t> service_members(const Expr& e) {
        std::vector<std::int32_t> out;
        for (const std::int32_t index : c_.service_indices(std::get<NameRef>(e.node).name)) {
            out.push_back(service_constant(index, e.span).node);
        }
        return out;
    }
    // `service is placements` for a group: membership in its members.
    Typed service_group_test(const Expr& e, const Typed& service, const Expr& group, bool negated) {
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

    // E2101 (`service is "x"`) or E2113 (`service in ["x"]`): a service is a name, not text.
    bool service_text(const Expr& e, Code code) {
        const TextLit* text = e.as<TextLit>();
        if (text == nullptr) return false;
        c_.emit(code, e.span, "a service is named, not quoted: `\"" + text->value + "\"` is text",
                "write the name without quotes: `service is " +
                    (text->value.empty() ? std::string("personal_care") : text->value) + "`");
        return true;
    }

    // An `age` compared with a constant number changes value only at those birthdays: the
    // evaluator cuts a line's segments there (and at every birthday otherwise).
    void note_age_comparison(std::int32_t age_side, std::int32_t other) {
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

    Typed compare(const Expr& e, const Binary& b) {
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

    void misplaced_duration(const Expr& e) {
        c_.emit(Code::misplaced_duration, e.span,
                "`" + expr_text(e) + "` is a length of time, which is only added to or taken from a date",
                "e.g. `date_of_birth + 25 years`, `as_of - 6 weeks`");
    }

    // E2119 for `date_of_birth + 18`: a date never moves by a plain number; the help writes
    // the unit in, for a whole number written out.
    void plain_number_on_date(const Binary& binary, bool date_first) {
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

    // `DATE + N days|weeks|months|years`, `DATE - N ...`: the date moved by whole days, or by
    // calendar months with the day clamped to the month's last (see add_months).
    Typed shift_date(const Expr& e, const Binary& binary, const Duration& d) {
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

    Typed arithmetic(const Expr& e, const Binary& binary) {
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

    // E2012 for a builtin given the wrong number or kind of arguments.
    void wrong_arguments(const Builtin& b, const Span& span) {
        c_.emit(Code::wrong_arguments, span, "`" + std::string(b.name) + "` takes " + std::string(b.takes));
    }

    Typed call(const Expr& e, const Call& call) {
        if (call.function == "count") return count(e, call);
        if (call.function == "academic_year_end") {
            const Type date{TypeTag::Date, {}};
            const Builtin& end = builtin("academic_year_end", BuiltinForm::Call);
            if (!end.accepts(call.args.size())) {
                wrong_arguments(end, e.span);
                return {date, -1};
            }
            const Typed arg = type(call.args[0]);
            if (arg.type.tag == TypeTag::Error) return {date, -1};
            if (arg.type.tag != TypeTag::Date) {
                c_.emit(Code::wrong_arguments, call.args[0].span,
                        "`academic_year_end` takes a date, but this is `" + type_name(arg.type) + "`",
                        std::string(end.takes));
                return {date, -1};
            }
            if (arg.node < 0) return {date, -1};
            Node n = shell(date, Op::AcademicYearEnd, e.span);
            n.a = arg.node;
            return {date, c_.add(n)};
        }
        if (call.function == "birthday") return birthday(e, call);
        if (call.function == "happened") return happened(e, call);
        if (call.function == "lookup") return lookup(e, call);
        const Type money{TypeTag::Money, {}};
        if (call.function == "total") {
            needs_total(e, "`total(...)`");
            const Builtin& total = builtin("total", BuiltinForm::Call);
            if (!total.accepts(call.args.size()) || !call.args[0].is<NameRef>()) {
                wrong_arguments(total, e.span);
                return {money, -1};
            }
            return total_of(e, call.args[0], Op::TotalOf);
        }
        if (call.function == "jointly_funded") {
            needs_total(e, "`jointly_funded()`");
            const Type whole{TypeTag::Whole, {}};
            const Builtin& jointly = builtin("jointly_funded", BuiltinForm::Call);
            if (!jointly.accepts(call.args.size())) {
                wrong_arguments(jointly, e.span);
                return {whole, -1};
            }
            return leaf(whole, Op::JointlyFunded, Dep::Outcome, e.span);
        }
        if (call.function == "funders") {
            needs_total(e, "`funders(...)`");
            const Type whole{TypeTag::Whole, {}};
            const Builtin& funders = builtin("funders", BuiltinForm::Call);
            if (!funders.accepts(call.args.size()) || (call.args.size() == 1 && !call.args[0].is<NameRef>())) {
                wrong_arguments(funders, e.span);
                return {whole, -1};
            }
            if (call.args.empty()) return leaf(whole, Op::FundersAll, Dep::Outcome, e.span);
            c_.program.uses_funders_by_service = true;
            const std::string& service = std::get<NameRef>(call.args[0].node).name;
            if (!c_.require_service(service, call.args[0].span)) return {whole, -1};
            if (c_.service_groups.contains(service)) {
                // INVARIANT: a group's Funders node lists service indices (not nodes) in args.
                const std::vector<std::int32_t> members = c_.service_indices(service);
                Typed t = leaf(whole, Op::Funders, Dep::Outcome, e.span, -1);
                Node& n = c_.program.nodes[static_cast<std::size_t>(t.node)];
                n.args_begin = static_cast<std::uint32_t>(c_.program.args.size());
                n.args_count = static_cast<std::uint32_t>(members.size());
                c_.program.args.insert(c_.program.args.end(), members.begin(), members.end());
                return t;
            }
            return leaf(whole, Op::Funders, Dep::Outcome, e.span, c_.service_literal(service));
        }
        c_.emit(Code::unknown_function, e.span, "unknown function `" + call.function + "`",
                c_.suggestion(call.function, function_names()));
        for (const Expr& arg : call.args) type(arg);
        return {};
    }

    // `birthday(DATE, N)`: the day `age` counted from DATE turns N (N a whole number written
    // out), so that a window's bound can start on the day a rule testing `age` would.
    Typed birthday(const Expr& e, const Call& call) {
        const Type date{TypeTag::Date, {}};
        const Builtin& b = builtin("birthday", BuiltinForm::Call);
        if (!b.accepts(call.args.size())) {
            wrong_arguments(b, e.span);
            return {date, -1};
        }
        const Typed born = type(call.args[0]);
        const auto* years = call.args[1].as<NumberLit>();
        if (years == nullptr || years->value.scale != 0) {
            c_.emit(Code::wrong_arguments, call.args[1].span,
                    "`birthday` takes a whole number of years written out, like `18`, as its second argument",
                    std::string(b.takes));
            return {date, -1};
        }
        if (years->value.units > 10000) {
            c_.emit(Code::number_too_large, call.args[1].span,
                    "`" + expr_text(call.args[1]) + "` years is too long: a date ends in 9999");
            return {date, -1};
        }
        if (born.type.tag == TypeTag::Error) return {date, -1};
        if (born.type.tag != TypeTag::Date) {
            c_.emit(Code::wrong_arguments, call.args[0].span,
                    "`birthday` takes a date first, but this is `" + type_name(born.type) + "`", std::string(b.takes));
            return {date, -1};
        }
        if (born.node < 0) return {date, -1};
        Node n = shell(date, Op::Birthday, e.span);
        n.a = born.node;
        n.index = static_cast<std::int32_t>(years->value.units);
        return {date, c_.add(n)};
    }

    // `happened(EVENT)`: whether the request gives the event a date (a repeating one, at least
    // one), so that a condition can read the date only where there is one (`happened(review)
    // and review <= as_of`: `and` does not evaluate its right side when the left is false).
    Typed happened(const Expr& e, const Call& call) {
        const Type boolean{TypeTag::Bool, {}};
        const Builtin& b = builtin("happened", BuiltinForm::Call);
        if (!b.accepts(call.args.size()) || !call.args[0].is<NameRef>()) {
            wrong_arguments(b, e.span);
            return {boolean, -1};
        }
        const std::string& name = std::get<NameRef>(call.args[0].node).name;
        if (!c_.require_event(Ident{name, call.args[0].span})) return {boolean, -1};
        return leaf(boolean, Op::Happened, Dep::Request, e.span,
                    static_cast<std::int32_t>(c_.value(name)->index));
    }

    // `yearly total` / `yearly total(agency)`: money, known where totals are.
    Typed yearly_total(const Expr& e, const YearlyTotal& phrase) {
        needs_total(e, "`yearly total`");
        const Type money{TypeTag::Money, {}};
        const Builtin& yearly = builtin("yearly total", BuiltinForm::Phrase);
        if (!yearly.accepts(phrase.args.size()) ||
            (phrase.args.size() == 1 && !phrase.args[0].is<NameRef>())) {
            wrong_arguments(yearly, e.span);
            return {money, -1};
        }
        if (phrase.args.empty()) return leaf(money, Op::YearlyTotal, Dep::Outcome, e.span);
        return total_of(e, phrase.args[0], Op::YearlyTotalOf);
    }

    // `total(X)` / `yearly total(X)`: X is an agency, a fact that picks one (the node holds
    // the agency reference), or an agency group (the node lists its members' agency indices
    // in args, as a service group's Funders node does).
    Typed total_of(const Expr& e, const Expr& arg, Op op) {
        const Type money{TypeTag::Money, {}};
        const std::string& name = std::get<NameRef>(arg.node).name;
        if (const auto group = c_.agency_groups.find(name); group != c_.agency_groups.end()) {
            Typed t = leaf(money, op, Dep::Outcome, e.span, -1);
            Node& n = c_.program.nodes[static_cast<std::size_t>(t.node)];
            n.args_begin = static_cast<std::uint32_t>(c_.program.args.size());
            n.args_count = static_cast<std::uint32_t>(group->second.size());
            for (const std::size_t a : group->second) c_.program.args.push_back(static_cast<std::int32_t>(a));
            return t;
        }
        const Symbol* symbol = c_.value(name);
        if (symbol != nullptr && symbol->kind == SymbolKind::AgencyGroup) return {money, -1};  // its own error
        if (!c_.payer(Ident{name, arg.span})) return {money, -1};
        return leaf(money, op, Dep::Outcome, e.span, static_cast<std::int32_t>(c_.agency_ref(name)));
    }

    Typed count(const Expr& e, const Call& call) {
        const Type whole{TypeTag::Whole, {}};
        if (!builtin("count", BuiltinForm::Call).accepts(call.args.size())) {
            wrong_arguments(builtin("count", BuiltinForm::Call), e.span);
            return {whole, -1};
        }
        const Typed map = type(call.args[0]);
        const AtLeast* at_least = call.args[1].as<AtLeast>();
        const Expr& level = at_least != nullptr ? *at_least->level : call.args[1];
        if (map.type.tag == TypeTag::Error) return {whole, -1};
        if (map.type.tag != TypeTag::LevelMap) {
            c_.emit(Code::count_not_map, call.args[0].span,
                    "`count` counts the levels in a map, but this is `" + type_name(map.type) + "`",
                    "declare the fact as a map, e.g. `fact dst: map of need`");
            const Symbol* symbol = level.name() != nullptr ? c_.value(*level.name()) : nullptr;
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
        return node(whole, at_least != nullptr ? Op::CountAtLeast : Op::Count, e.span, map.node, got.node);
    }

    Typed lookup(const Expr& e, const Call& call) {
        if (!builtin("lookup", BuiltinForm::Call).accepts(call.args.size())) {
            wrong_arguments(builtin("lookup", BuiltinForm::Call), e.span);
            return {};
        }
        Type result;
        std::int32_t table_index = -1;
        const Expr& table = call.args[0];
        if (context_ == Context::Constant) {
            c_.emit(Code::not_a_value, e.span, "`lookup` cannot be used here: write the value out",
                    "a default or a table row gives a literal such as `£500`, `12` or `true`");
            return {};
        }
        const std::string& table_name = spelling(table);
        const Symbol* symbol = table.is<NameRef>() ? c_.value(table_name) : nullptr;
        if (symbol != nullptr && symbol->kind == SymbolKind::Table) {
            result = c_.table_types[symbol->index];
            table_index = static_cast<std::int32_t>(symbol->index);
        } else if (symbol != nullptr || !table.is<NameRef>()) {
            const std::string what = symbol != nullptr ? "`" + table_name + "` is " +
                                                             std::string(kind_word(symbol->kind))
                                                       : "this is not a name";
            c_.emit(Code::lookup_not_table, table.span, "`lookup` needs a table, but " + what,
                    c_.suggestion(table_name, c_.names_of(SymbolKind::Table)));
        } else {
            std::string help = c_.suggestion(table_name, c_.names_of(SymbolKind::Table));
            if (help.empty()) help = "declare it: `table " + table_name + "` with rows `from 0 to 9 gives £0`";
            c_.emit(Code::unknown_table, table.span, "unknown table `" + table_name + "`", help);
        }
        const Typed key = type(call.args[1]);
        if (key.type.tag != TypeTag::Whole) {
            if (key.type.tag != TypeTag::Error) {
                c_.emit(Code::lookup_key_not_whole, call.args[1].span,
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

    Typed membership(const Expr& e, const In& test) {
        const Type boolean{TypeTag::Bool, {}};
        const Expr& needle = *test.needle;
        const auto [list_fact, members] = in_set(c_, test);
        if (list_fact) {
            const Typed list_type = type(*test.set);
            const Typed n = type(needle);
            if (list_type.type.tag == TypeTag::Error || n.type.tag == TypeTag::Error) return {boolean, -1};
            if (list_type.type.tag != TypeTag::TextList) {
                c_.emit(Code::bad_membership, test.set->span,
                        "`in` needs a list, but `" + *test.set->name() + "` is `" + type_name(list_type.type) + "`",
                        "write the members out: `x in [a, b]`");
                return {boolean, -1};
            }
            if (n.type.tag != TypeTag::Text && n.type.tag != TypeTag::Service) {
                c_.emit(Code::bad_membership, needle.span,
                        "a `list of text` holds text, but this is `" + type_name(n.type) + "`");
                return {boolean, -1};
            }
            return node(boolean, Op::InList, e.span, n.node, list_type.node);
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
                if (declared_as_value(*member) || !c_.require_service(*member->name(), member->span)) {
                    ok = false;
                    continue;
                }
                for (const std::int32_t m : service_members(*member)) built.push_back(m);
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

    Typed list(const Expr& e, const List& list, const Type* hint) {
        if (context_ != Context::Constant || hint == nullptr) {
            c_.emit(Code::list_outside_in, e.span, "a list `[...]` has a value only after `in`",
                    "test membership where it is needed: `x in [a, b]`; a `list of text` fact may "
                    "have a list as its default");
            return {};
        }
        for (const Expr& member : list.items) {
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
