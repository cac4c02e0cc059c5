// The Typer on builtin calls (`total`, `count`, `lookup`, `birthday`, `happened`, ...),
// membership tests and lists (typer.hpp).
#include <algorithm>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "typer.hpp"

namespace jointly::engine::semantic::typing {
namespace {

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

}  // namespace

void Typer::wrong_arguments(const Builtin& b, const Span& span) {
    c_.emit(Code::wrong_arguments, span, "`" + std::string(b.name) + "` takes " + std::string(b.takes));
}

Typed Typer::call(const Expr& e, const Call& call) {
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

Typed Typer::birthday(const Expr& e, const Call& call) {
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

Typed Typer::happened(const Expr& e, const Call& call) {
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

Typed Typer::yearly_total(const Expr& e, const YearlyTotal& phrase) {
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

Typed Typer::total_of(const Expr& e, const Expr& arg, Op op) {
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

Typed Typer::count(const Expr& e, const Call& call) {
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

Typed Typer::lookup(const Expr& e, const Call& call) {
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

Typed Typer::membership(const Expr& e, const In& test) {
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

Typed Typer::list(const Expr& e, const List& list, const Type* hint) {
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

}  // namespace jointly::engine::semantic::typing
