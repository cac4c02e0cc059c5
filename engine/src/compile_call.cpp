// Calls in expressions: count, lookup, total, funders.
#include <string>

#include "compiler.hpp"
#include "expr_text.hpp"
#include "jointly/engine/codes.hpp"

namespace jointly::engine::detail {
namespace {

}  // namespace

std::int32_t Compiler::call(const dsl::Expr& e) {
    const std::string& f = e.text;
    Node n;
    n.span = e.span;
    if (f == "count" && e.args.size() == 2) {
        const std::int32_t map = expr(e.args[0]);
        const Node& mn = p_.nodes[static_cast<std::size_t>(map)];
        if (mn.type != VType::LevelMap) {
            return bad(codes::kCompileType, "`count` needs a map of levels, not " + type_name(mn.type),
                       e.args[0].span);
        }
        const std::int32_t scale = mn.scale;
        const bool at_least = e.args[1].kind == dsl::ExprKind::AtLeast;
        if (at_least && e.args[1].args.empty()) return bad(codes::kCompileUnresolved, "`at least` needs a level", e.span);
        const dsl::Expr& lv = at_least ? e.args[1].args[0] : e.args[1];
        const std::int32_t level = expr(lv, Hint{VType::Level, scale});
        const Node& ln = p_.nodes[static_cast<std::size_t>(level)];
        if (ln.type != VType::Level || ln.scale != scale) {
            return bad(codes::kCompileType, "`" + expr_text(lv) + "` is not a level of the map's scale",
                       lv.span);
        }
        n.op = at_least ? Op::CountAtLeast : Op::Count;
        n.type = VType::Number;
        n.a = map;
        n.b = level;
        return add(n);
    }
    if (f == "lookup" && e.args.size() == 2 && e.args[0].kind == dsl::ExprKind::Name) {
        const auto it = tables_.find(e.args[0].text);
        if (it == tables_.end()) {
            return bad(codes::kCompileUnresolved, "unknown table `" + e.args[0].text + "`", e.args[0].span);
        }
        const std::int32_t x = expr(e.args[1]);
        if (p_.nodes[static_cast<std::size_t>(x)].type != VType::Number) {
            return bad(codes::kCompileType, "`lookup` needs a number", e.args[1].span);
        }
        const auto t = static_cast<std::size_t>(it->second);
        compile_table(t, e.span);
        n.op = Op::Lookup;
        n.type = p_.tables[t].type;
        n.index = it->second;
        n.b = x;
        n.dep = table_dep_[t];
        n.age = table_age_[t] != 0;
        return add(n);
    }
    if (f == "total" && e.args.size() <= 1) {
        n.type = VType::Money;
        n.dep = Dep::Outcome;
        if (e.args.empty()) {
            n.op = Op::Total;
            return add(n);
        }
        const auto it = e.args[0].kind == dsl::ExprKind::Name ? agencies_.find(e.args[0].text)
                                                              : agencies_.end();
        if (it == agencies_.end()) {
            return bad(codes::kCompileUnresolved, "`total` needs an agency, not `" + expr_text(e.args[0]) + "`",
                       e.args[0].span);
        }
        n.op = Op::TotalOf;
        n.index = it->second;
        return add(n);
    }
    if (f == "funders" && e.args.size() <= 1) {
        n.type = VType::Number;
        n.dep = Dep::Outcome;
        if (e.args.empty()) {
            n.op = Op::FundersAll;
            return add(n);
        }
        if (e.args[0].kind != dsl::ExprKind::Name) {
            return bad(codes::kCompileType, "`funders` needs a service name", e.args[0].span);
        }
        n.op = Op::Funders;
        n.index = service_literal(e.args[0].text);
        p_.uses_funders_by_service = true;
        return add(n);
    }
    return bad(codes::kCompileUnresolved,
               "unknown function `" + f + "` with " + std::to_string(e.args.size()) + " arguments", e.span);
}

std::int32_t Compiler::yearly_total(const dsl::Expr& e) {
    Node n;
    n.span = e.span;
    n.type = VType::Money;
    n.dep = Dep::Outcome;
    if (e.args.empty()) {
        n.op = Op::YearlyTotal;
        return add(n);
    }
    const auto it = e.args.size() == 1 && e.args[0].kind == dsl::ExprKind::Name ? agencies_.find(e.args[0].text)
                                                                                : agencies_.end();
    if (it == agencies_.end()) {
        return bad(codes::kCompileUnresolved, "`yearly total` needs one agency, not `" + expr_text(e) + "`", e.span);
    }
    n.op = Op::YearlyTotalOf;
    n.index = it->second;
    return add(n);
}

}  // namespace jointly::engine::detail
