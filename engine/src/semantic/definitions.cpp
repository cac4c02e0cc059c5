// The semantic pass on declarations that hold expressions: fact types and defaults (worked
// out once, here), definitions (`let`) and thresholds (memoised, with cycle detection), and
// rule conditions.
#include <cctype>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "context.hpp"
#include "expr_eval.hpp"
#include "jointly/engine/codes.hpp"

namespace jointly::engine::semantic {
namespace {

bool is_number(TypeTag t) { return t == TypeTag::Whole || t == TypeTag::Decimal; }

bool assignable(const Type& to, const Type& from) {
    if (from.tag == TypeTag::Error || to.tag == TypeTag::Error) return true;
    if (to.tag == TypeTag::Decimal && is_number(from.tag)) return true;
    if (to.tag == TypeTag::Level) return from.tag == TypeTag::Level && (from.scale.empty() || from.scale == to.scale);
    if (to.tag == TypeTag::LevelMap) return false;
    return to.tag == from.tag;
}

bool whole_number(const Expr& e) {
    if (const Unary* u = e.as<Unary>(); u != nullptr && u->op == UnaryOp::Negate) {
        return whole_number(*u->operand);
    }
    const NumberLit* n = e.as<NumberLit>();
    return n != nullptr && n->value.scale == 0;
}

// Whether a money default is sure to be a whole number of pence without working it out:
// amounts added, subtracted, negated or multiplied by a whole number. A division or a
// decimal or percentage factor may leave a fraction of a penny, which a fact cannot hold.
bool whole_pence(const Expr& e) {
    if (e.is<MoneyLit>()) return true;
    if (const Unary* u = e.as<Unary>(); u != nullptr && u->op == UnaryOp::Negate) {
        return whole_pence(*u->operand);
    }
    const Binary* binary = e.as<Binary>();
    if (binary == nullptr) return false;
    const Expr& a = *binary->left;
    const Expr& b = *binary->right;
    switch (binary->op) {
        case BinaryOp::Add:
        case BinaryOp::Sub: return whole_pence(a) && whole_pence(b);
        case BinaryOp::Mul: return (whole_pence(a) && whole_number(b)) || (whole_number(a) && whole_pence(b));
        default: return false;
    }
}

// The value of a fact's default, worked out once: a constant without errors. Working it
// out can still fail (a divisor that comes to zero, a result too large): an error here.
void default_value(Checker& c, std::size_t index, const Typed& typed) {
    const Fact& fact = c.module.facts[index];
    const Expr& e = *fact.default_value;
    detail::CFact& built = c.program.facts_c[index];
    if (built.type == TypeKind::TextList) {
        TextList list;
        if (const List* items = e.as<List>()) {
            for (const Expr& item : items->items) {
                const TextLit* text = item.as<TextLit>();
                list.push_back(text != nullptr ? text->value : item.name() != nullptr ? *item.name() : std::string());
            }
        }
        built.default_value = Value(std::move(list));
        return;
    }
    if (typed.node < 0) return;
    detail::EvalContext cx;
    cx.program = &c.program;
    Val v;
    try {
        v = detail::eval(cx, typed.node);
    } catch (const detail::EvalFailure& failure) {
        const bool zero = failure.code == codes::kDivisionByZero;
        c.emit(zero ? Code::division_by_zero : Code::number_too_large, e.span,
               "the default of `" + fact.id.name + "` cannot be worked out: " + failure.message,
               "write the value out");
        return;
    } catch (const OverflowError&) {
        c.emit(Code::number_too_large, e.span,
               "the default of `" + fact.id.name + "` is too large to hold exactly", "write a smaller value");
        return;
    }
    if ((built.type == TypeKind::Money || built.type == TypeKind::Whole) && v.r.den() != 1) {
        c.emit(Code::bad_default, e.span,
               "the default of `" + fact.id.name + "` is not a whole number" +
                   (built.type == TypeKind::Money ? " of pence" : ""),
               "write the value out");
        return;
    }
    switch (built.type) {
        case TypeKind::Bool: built.default_value = Value(v.b); break;
        case TypeKind::Whole: built.default_value = Value(v.r.num()); break;
        case TypeKind::Decimal: built.default_value = Value(v.r); break;
        case TypeKind::Money: built.default_value = Value(Money::pence(v.r.num())); break;
        case TypeKind::Date: built.default_value = Value(Date::from_days(v.i)); break;
        case TypeKind::Text: built.default_value = Value(*v.s); break;
        case TypeKind::Level: built.default_value = Value(Level{v.i}); break;
        case TypeKind::LevelMap:
        case TypeKind::TextList:
        case TypeKind::Agency: break;
    }
}

}  // namespace

void check_let(Checker& c, std::size_t index) {
    DefInfo& def = c.lets[index];
    const Let& let = c.module.lets[index];
    if (def.state == DefState::Done) return;
    if (def.state == DefState::InProgress) {
        c.emit(Code::definition_cycle, let.id.span, "`" + let.id.name + "` is defined in terms of itself",
               "a definition may use other definitions, but not in a circle");
        def.type = {};
        def.state = DefState::Done;
        return;
    }
    def.state = DefState::InProgress;
    Needs needs;
    const Typed t = type_of(c, let.value, Context::Let, needs);
    if (def.state == DefState::InProgress) {  // not cut short by a cycle
        def.type = t.type;
        def.needs = needs;
        def.node = t.node;
        def.state = DefState::Done;
        c.program.lets[index].root = t.node;
    }
}

void check_threshold(Checker& c, std::size_t index) {
    DefInfo& def = c.thresholds[index];
    const Threshold& threshold = c.module.thresholds[index];
    if (def.state == DefState::Done) return;
    if (def.state == DefState::InProgress) {
        c.emit(Code::definition_cycle, threshold.id.span,
               "`" + threshold.id.name + "` is defined in terms of itself",
               "a threshold may use other thresholds, but not in a circle");
        def.state = DefState::Done;
        return;
    }
    def.state = DefState::InProgress;
    Needs needs;
    const Typed t = type_of(c, threshold.condition, Context::Threshold, needs);
    if (t.type.tag != TypeTag::Bool && t.type.tag != TypeTag::Error) {
        c.emit(Code::condition_not_bool, threshold.condition.span,
               "the condition of `" + threshold.id.name + "` is `" + type_name(t.type) +
                   "`, not true/false");
    }
    def.type = {TypeTag::Bool, {}};
    if (t.type.tag == TypeTag::Bool && t.node >= 0 && def.state == DefState::InProgress) {
        def.node = t.node;
        detail::CThreshold& built = c.program.thresholds[index];
        built.root = t.node;
        built.conjuncts = conjuncts(c, threshold.condition, t.node);
    }
    // `service`, totals and `age` were reported here already (none is known where a
    // threshold is decided): its uses need not report them again.
    def.state = DefState::Done;
}

namespace {

// A label is what a form shows in place of the fact's name: it must say something, and two
// facts labelled alike would read as one question asked twice.
void check_fact_labels(Checker& c) {
    std::map<std::string, const Fact*> seen;  // by label, spaces trimmed and lower-cased
    for (const Fact& fact : c.module.facts) {
        if (!fact.label) continue;
        const auto first = fact.label->find_first_not_of(" \t");
        if (first == std::string::npos) {
            c.emit(Code::blank_label, fact.label_span, "the label of `" + fact.id.name + "` is empty",
                   "say in words what the fact is, or leave the label out so a form shows `" +
                       fact.id.name + "`");
            continue;
        }
        std::string key = fact.label->substr(first, fact.label->find_last_not_of(" \t") - first + 1);
        for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        const auto [it, added] = seen.emplace(key, &fact);
        if (added) continue;
        c.emit(Code::label_repeated, fact.label_span,
               "`" + fact.id.name + "` has the same label as `" + it->second->id.name + "` (line " +
                   std::to_string(it->second->label_span.line) + ")",
               "give each fact a label that tells it apart, so a form does not ask the same question twice");
    }
}

}  // namespace

void check_facts(Checker& c) {
    check_fact_labels(c);
    for (const Fact& fact : c.module.facts) {
        const TypeRef& ref = fact.type;
        if ((ref.kind == TypeKind::Level || ref.kind == TypeKind::LevelMap) &&
            c.scale_index.count(ref.scale.name) == 0) {
            std::vector<std::string> scales;
            if (c.suggesting()) {
                for (const Scale& s : c.module.scales) scales.push_back(s.id.name);
            }
            std::string help = c.suggestion(ref.scale.name, scales);
            if (help.empty()) help = "declare it, e.g. `scale " + ref.scale.name + ": low < high`";
            c.emit(Code::unknown_scale, ref.scale.span, "unknown scale `" + ref.scale.name + "`", help);
            continue;
        }
        if (!fact.default_value) continue;
        if (ref.kind == TypeKind::Agency) {
            c.emit(Code::bad_default, fact.default_value->span,
                   "`" + fact.id.name + "` picks the agency that pays, so it cannot have a default",
                   "remove the default: every request names the agency, and a request without it is refused");
            continue;
        }
        const Type want = fact_type(c, fact);
        Needs needs;
        const std::size_t errors_before = c.error_count();
        const Typed typed = type_of(c, *fact.default_value, Context::Constant, needs, &want);
        const Type& got = typed.type;
        if (want.tag == TypeTag::LevelMap) {
            c.emit(Code::bad_default, fact.default_value->span,
                   "a `" + type_name(want) + "` fact cannot have a default",
                   "remove the default; the caller gives one level per domain");
        } else if (!assignable(want, got)) {
            c.emit(Code::bad_default, fact.default_value->span,
                   "the default of `" + fact.id.name + "` is `" + type_name(got) +
                       "`, but the fact is `" + type_name(want) + "`");
        } else if (want.tag == TypeTag::Money && got.tag == TypeTag::Money &&
                   !whole_pence(*fact.default_value)) {
            c.emit(Code::bad_default, fact.default_value->span,
                   "the default of `" + fact.id.name + "` may not be a whole number of pence",
                   "write the amount out, e.g. `£3.33`");
        } else if (c.error_count() == errors_before) {
            default_value(c, static_cast<std::size_t>(&fact - c.module.facts.data()), typed);
        }
    }
}

void check_definitions(Checker& c) {
    for (std::size_t i = 0; i < c.module.lets.size(); ++i) check_let(c, i);
    for (std::size_t i = 0; i < c.module.thresholds.size(); ++i) check_threshold(c, i);
}

void check_rule_conditions(Checker& c) {
    for (const Rule& rule : c.module.rules) {
        if (!rule.condition) continue;
        Needs needs;
        const Typed t = type_of(c, *rule.condition, Context::Rule, needs);
        if (t.type.tag != TypeTag::Bool && t.type.tag != TypeTag::Error) {
            c.emit(Code::condition_not_bool, rule.condition->span,
                   "the condition of rule `" + rule.id.name + "` is `" + type_name(t.type) +
                       "`, not true/false");
        }
        c.rule_conditions[static_cast<std::size_t>(&rule - c.module.rules.data())] = t.node;
    }
}

}  // namespace jointly::engine::semantic
