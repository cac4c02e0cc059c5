// Expressions: AST to typed, name-resolved nodes.
#include <algorithm>
#include <string>

#include "compiler.hpp"
#include "expr_text.hpp"
#include "jointly/engine/codes.hpp"

namespace jointly::engine::detail {

std::string type_name(VType t) {
    switch (t) {
        case VType::Bool: return "a true/false value";
        case VType::Number: return "a number";
        case VType::Money: return "money";
        case VType::Date: return "a date";
        case VType::Text: return "text";
        case VType::Level: return "a level";
        case VType::LevelMap: return "a map of levels";
        case VType::TextList: return "a list of text";
        case VType::Service: return "a service";
    }
    return "a value";
}

namespace {

VType vtype(dsl::TypeKind k) {
    switch (k) {
        case dsl::TypeKind::Bool: return VType::Bool;
        case dsl::TypeKind::Whole:
        case dsl::TypeKind::Decimal: return VType::Number;
        case dsl::TypeKind::Money: return VType::Money;
        case dsl::TypeKind::Date: return VType::Date;
        case dsl::TypeKind::Text: return VType::Text;
        case dsl::TypeKind::Level: return VType::Level;
        case dsl::TypeKind::LevelMap: return VType::LevelMap;
        case dsl::TypeKind::TextList: return VType::TextList;
    }
    return VType::Bool;
}

const char* op_word(dsl::BinaryOp op) {
    switch (op) {
        case dsl::BinaryOp::Add: return "+";
        case dsl::BinaryOp::Sub: return "-";
        case dsl::BinaryOp::Mul: return "*";
        case dsl::BinaryOp::Div: return "/";
        default: return "?";
    }
}

std::int64_t pow10(std::int32_t scale) {
    std::int64_t p = 1;
    for (std::int32_t i = 0; i < scale; ++i) p *= 10;
    return p;
}

}  // namespace

void Compiler::error(const char* code, const std::string& message, const dsl::Span& span) {
    dsl::Diagnostic d;
    d.severity = dsl::Severity::Error;
    d.code = code;
    d.message = message;
    d.file = p_.module_.file;
    d.span = span;
    diags_.push_back(std::move(d));
}

std::int32_t Compiler::add(Node n) {
    auto fold = [&](std::int32_t child) {
        if (child < 0) return;
        const Node& c = p_.nodes[static_cast<std::size_t>(child)];
        n.dep = std::max(n.dep, c.dep);
        n.age = n.age || c.age;
    };
    if (n.op != Op::Let && n.op != Op::Threshold) {
        fold(n.a);
        fold(n.b);
        for (std::uint32_t k = 0; k < n.args_count; ++k) fold(p_.args[n.args_begin + k]);
    }
    p_.nodes.push_back(n);
    return static_cast<std::int32_t>(p_.nodes.size() - 1);
}

std::int32_t Compiler::bad(const char* code, const std::string& message, const dsl::Span& span) {
    error(code, message, span);
    Node n;
    n.span = span;
    return add(n);
}

std::int32_t Compiler::constant(const dsl::Expr& e, Val v) {
    Node n;
    n.op = Op::Const;
    n.type = v.type;
    n.value = v;
    n.span = e.span;
    return add(n);
}

std::optional<Ratio> Compiler::decimal(const dsl::Decimal& d, const dsl::Span& span) {
    if (d.scale < 0 || d.scale > 18) {
        error(codes::kCompileOverflow, "number `" + decimal_text(d) + "` has too many decimal places",
              span);
        return std::nullopt;
    }
    return Ratio(d.units, pow10(d.scale));
}

std::optional<Money> Compiler::pounds(const dsl::Decimal& d, const dsl::Span& span) {
    const std::optional<Ratio> r = decimal(d, span);
    if (!r) return std::nullopt;
    const Ratio pence = *r * Ratio::whole(100);
    if (pence.den() != 1) {
        error(codes::kCompileOverflow, "amount `£" + decimal_text(d) + "` has a fraction of a penny",
              span);
        return std::nullopt;
    }
    return Money::pence(pence.num());
}

bool Compiler::resolvable(const std::string& n) const {
    return n == "service" || n == "total" || n == "age" || facts_.count(n) != 0 ||
           lets_.count(n) != 0 || thresholds_.count(n) != 0 || events_.count(n) != 0;
}

std::int32_t Compiler::service_literal(const std::string& name) {
    auto it = services_.find(name);
    std::int32_t index = 0;
    if (it == services_.end()) {
        index = static_cast<std::int32_t>(p_.services.size());
        p_.services.push_back(name);
        services_.emplace(name, index);
    } else {
        index = it->second;
    }
    return index;
}

std::int32_t Compiler::level_literal(const dsl::Expr& e, std::int32_t scale) {
    const CScale& s = p_.scales[static_cast<std::size_t>(scale)];
    const auto it = std::find(s.levels.begin(), s.levels.end(), e.text);
    if (it == s.levels.end()) {
        return bad(codes::kCompileUnresolved, "`" + e.text + "` is not a level of scale `" + s.name + "`",
                   e.span);
    }
    Val v;
    v.type = VType::Level;
    v.i = static_cast<std::int32_t>(it - s.levels.begin());
    const std::int32_t n = constant(e, v);
    p_.nodes[static_cast<std::size_t>(n)].scale = scale;
    return n;
}

std::int32_t Compiler::compile_let(std::size_t index, const dsl::Span& use) {
    if (let_state_[index] == 2) return p_.lets[index].root;
    if (let_state_[index] == 1) {
        return bad(codes::kCompileCycle, "`" + p_.lets[index].name + "` is defined in terms of itself", use);
    }
    let_state_[index] = 1;
    const std::int32_t root = expr(p_.module_.lets[index].value);
    p_.lets[index].root = root;
    let_state_[index] = 2;
    return root;
}

std::int32_t Compiler::compile_threshold(std::size_t index, const dsl::Span& use) {
    if (threshold_state_[index] == 2) return p_.thresholds[index].root;
    if (threshold_state_[index] == 1) {
        return bad(codes::kCompileCycle,
                   "`" + p_.thresholds[index].name + "` is defined in terms of itself", use);
    }
    threshold_state_[index] = 1;
    const dsl::Expr& cond = p_.module_.thresholds[index].condition;
    const std::int32_t root = expr(cond);
    if (p_.nodes[static_cast<std::size_t>(root)].type != VType::Bool) {
        error(codes::kCompileType, "the condition of `" + p_.thresholds[index].name +
                                       "` must be true or false", cond.span);
    }
    p_.thresholds[index].root = root;
    p_.thresholds[index].conjuncts = conjuncts(cond, root);
    threshold_state_[index] = 2;
    return root;
}

std::int32_t Compiler::name(const dsl::Expr& e, std::optional<Hint> hint) {
    const std::string& n = e.text;
    if (hint && hint->type == VType::Service) {
        Val v;
        v.type = VType::Service;
        v.i = service_literal(n);
        const std::int32_t c = constant(e, v);
        // The name's storage: interned names live in a deque-like stable list.
        p_.strings.push_back(n);
        p_.nodes[static_cast<std::size_t>(c)].value.s = &p_.strings.back();
        return c;
    }
    if (hint && hint->type == VType::Level && hint->scale >= 0) {
        const CScale& s = p_.scales[static_cast<std::size_t>(hint->scale)];
        if (std::find(s.levels.begin(), s.levels.end(), n) != s.levels.end()) {
            return level_literal(e, hint->scale);
        }
    }
    Node node;
    node.span = e.span;
    if (n == "service") {
        node.op = Op::Service;
        node.type = VType::Service;
        node.dep = Dep::Line;
        return add(node);
    }
    if (n == "total") {
        node.op = Op::Total;
        node.type = VType::Money;
        node.dep = Dep::Outcome;
        return add(node);
    }
    if (n == "age") {
        if (p_.date_of_birth < 0) {
            return bad(codes::kCompileAge, "`age` needs a fact `date_of_birth: date`", e.span);
        }
        node.op = Op::Age;
        node.type = VType::Number;
        node.dep = Dep::Segment;
        node.age = true;
        ++age_uses_;
        return add(node);
    }
    if (auto it = facts_.find(n); it != facts_.end()) {
        const CFact& f = p_.facts_c[static_cast<std::size_t>(it->second)];
        node.op = Op::Fact;
        node.type = vtype(f.type);
        node.scale = f.scale;
        node.index = it->second;
        node.dep = Dep::Request;
        return add(node);
    }
    if (auto it = lets_.find(n); it != lets_.end()) {
        const std::int32_t root = compile_let(static_cast<std::size_t>(it->second), e.span);
        const Node& r = p_.nodes[static_cast<std::size_t>(root)];
        node.op = Op::Let;
        node.type = r.type;
        node.scale = r.scale;
        node.dep = r.dep;
        node.age = r.age;
        node.index = it->second;
        return add(node);
    }
    if (auto it = thresholds_.find(n); it != thresholds_.end()) {
        const std::int32_t root = compile_threshold(static_cast<std::size_t>(it->second), e.span);
        const Node& r = p_.nodes[static_cast<std::size_t>(root)];
        node.op = Op::Threshold;
        node.type = VType::Bool;
        node.dep = r.dep;
        node.age = r.age;
        node.index = it->second;
        return add(node);
    }
    if (auto it = events_.find(n); it != events_.end()) {
        node.op = Op::Event;
        node.type = VType::Date;
        node.dep = Dep::Request;
        node.index = it->second;
        return add(node);
    }
    if (hint && hint->type == VType::Level && hint->scale >= 0) return level_literal(e, hint->scale);
    return bad(codes::kCompileUnresolved, "unknown name `" + n + "`", e.span);
}

void Compiler::note_age_comparison(const Node& age_side, const Node& other, Op /*op*/) {
    if (age_side.op != Op::Age || other.op != Op::Const || other.type != VType::Number) return;
    ++age_uses_handled_;
    const Ratio c = other.value.r;
    if (c < Ratio()) return;
    const std::int64_t floor = c.round(Rounding::Down);
    if (floor < 200) {
        p_.age_birthdays.push_back(static_cast<std::int32_t>(floor));
        p_.age_birthdays.push_back(static_cast<std::int32_t>(floor + 1));
    }
}

std::int32_t Compiler::comparison(const dsl::Expr& e, Op op) {
    const dsl::Expr& l = e.args[0];
    const dsl::Expr& r = e.args[1];
    const bool l_bare = l.kind == dsl::ExprKind::Name && !resolvable(l.text);
    std::int32_t li = 0;
    std::int32_t ri = 0;
    auto hint_of = [&](std::int32_t i) {
        const Node& n = p_.nodes[static_cast<std::size_t>(i)];
        return Hint{n.type, n.scale};
    };
    if (l_bare) {
        ri = expr(r);
        li = expr(l, hint_of(ri));
    } else {
        li = expr(l);
        ri = expr(r, hint_of(li));
    }
    const Node& ln = p_.nodes[static_cast<std::size_t>(li)];
    const Node& rn = p_.nodes[static_cast<std::size_t>(ri)];
    const bool ordered = op != Op::Eq && op != Op::Ne;
    const bool same = ln.type == rn.type && (ln.type != VType::Level || ln.scale == rn.scale);
    if (!same || ln.type == VType::LevelMap || ln.type == VType::TextList ||
        (ordered && (ln.type == VType::Bool || ln.type == VType::Text || ln.type == VType::Service))) {
        return bad(codes::kCompileType,
                   "cannot compare " + type_name(ln.type) + " with " + type_name(rn.type) + " in `" +
                       expr_text(e) + "`",
                   e.span);
    }
    note_age_comparison(ln, rn, op);
    note_age_comparison(rn, ln, op);
    Node n;
    n.op = op;
    n.type = VType::Bool;
    n.a = li;
    n.b = ri;
    n.span = e.span;
    return add(n);
}

std::int32_t Compiler::binary(const dsl::Expr& e) {
    if (e.args.size() != 2) return bad(codes::kCompileUnresolved, "malformed expression", e.span);
    switch (e.binary_op) {
        case dsl::BinaryOp::Eq: return comparison(e, Op::Eq);
        case dsl::BinaryOp::Ne: return comparison(e, Op::Ne);
        case dsl::BinaryOp::Lt: return comparison(e, Op::Lt);
        case dsl::BinaryOp::Le: return comparison(e, Op::Le);
        case dsl::BinaryOp::Gt: return comparison(e, Op::Gt);
        case dsl::BinaryOp::Ge: return comparison(e, Op::Ge);
        case dsl::BinaryOp::And:
        case dsl::BinaryOp::Or: {
            const std::int32_t a = expr(e.args[0]);
            const std::int32_t b = expr(e.args[1]);
            if (p_.nodes[static_cast<std::size_t>(a)].type != VType::Bool ||
                p_.nodes[static_cast<std::size_t>(b)].type != VType::Bool) {
                return bad(codes::kCompileType,
                           "both sides of `" + expr_text(e) + "` must be true or false", e.span);
            }
            Node n;
            n.op = e.binary_op == dsl::BinaryOp::And ? Op::And : Op::Or;
            n.type = VType::Bool;
            n.a = a;
            n.b = b;
            n.span = e.span;
            return add(n);
        }
        default: break;
    }
    const std::int32_t a = expr(e.args[0]);
    const std::int32_t b = expr(e.args[1]);
    const VType ta = p_.nodes[static_cast<std::size_t>(a)].type;
    const VType tb = p_.nodes[static_cast<std::size_t>(b)].type;
    std::optional<VType> result;
    using V = VType;
    switch (e.binary_op) {
        case dsl::BinaryOp::Add:
            if (ta == tb && (ta == V::Number || ta == V::Money)) result = ta;
            if ((ta == V::Date && tb == V::Number) || (ta == V::Number && tb == V::Date)) result = V::Date;
            break;
        case dsl::BinaryOp::Sub:
            if (ta == tb && (ta == V::Number || ta == V::Money)) result = ta;
            if (ta == V::Date && tb == V::Number) result = V::Date;
            if (ta == V::Date && tb == V::Date) result = V::Number;
            break;
        case dsl::BinaryOp::Mul:
            if (ta == V::Number && tb == V::Number) result = V::Number;
            if ((ta == V::Money && tb == V::Number) || (ta == V::Number && tb == V::Money)) result = V::Money;
            break;
        case dsl::BinaryOp::Div:
            if (ta == V::Number && tb == V::Number) result = V::Number;
            if (ta == V::Money && tb == V::Number) result = V::Money;
            if (ta == V::Money && tb == V::Money) result = V::Number;
            break;
        default: break;
    }
    if (!result) {
        return bad(codes::kCompileType,
                   std::string("cannot apply `") + op_word(e.binary_op) + "` to " + type_name(ta) +
                       " and " + type_name(tb) + " in `" + expr_text(e) + "`",
                   e.span);
    }
    Node n;
    switch (e.binary_op) {
        case dsl::BinaryOp::Add: n.op = Op::Add; break;
        case dsl::BinaryOp::Sub: n.op = Op::Sub; break;
        case dsl::BinaryOp::Mul: n.op = Op::Mul; break;
        default: n.op = Op::Div; break;
    }
    n.type = *result;
    n.a = a;
    n.b = b;
    n.span = e.span;
    return add(n);
}

std::int32_t Compiler::in(const dsl::Expr& e) {
    if (e.args.size() < 2) return bad(codes::kCompileUnresolved, "`in` needs a list", e.span);
    const std::int32_t needle = expr(e.args[0]);
    const Node needle_node = p_.nodes[static_cast<std::size_t>(needle)];
    std::vector<const dsl::Expr*> members;
    if (e.args.size() == 2 && e.args[1].kind == dsl::ExprKind::List) {
        for (const dsl::Expr& m : e.args[1].args) members.push_back(&m);
    } else if (e.args.size() == 2) {
        const std::int32_t list = expr(e.args[1]);
        if (p_.nodes[static_cast<std::size_t>(list)].type != VType::TextList ||
            (needle_node.type != VType::Text && needle_node.type != VType::Service)) {
            return bad(codes::kCompileType, "`in " + e.args[1].text + "` needs text (or `service`) and a list of text",
                       e.span);
        }
        Node n;
        n.op = Op::InList;
        n.type = VType::Bool;
        n.a = needle;
        n.b = list;
        n.span = e.span;
        return add(n);
    } else {
        for (std::size_t i = 1; i < e.args.size(); ++i) members.push_back(&e.args[i]);
    }
    std::vector<std::int32_t> compiled;
    for (const dsl::Expr* m : members) {
        const std::int32_t c = expr(*m, Hint{needle_node.type, needle_node.scale});
        const Node& cn = p_.nodes[static_cast<std::size_t>(c)];
        if (cn.type != needle_node.type || cn.scale != needle_node.scale) {
            return bad(codes::kCompileType,
                       "`" + expr_text(*m) + "` is " + type_name(cn.type) + ", not " +
                           type_name(needle_node.type),
                       m->span);
        }
        compiled.push_back(c);
    }
    Node n;
    n.op = Op::In;
    n.type = VType::Bool;
    n.a = needle;
    n.args_begin = static_cast<std::uint32_t>(p_.args.size());
    n.args_count = static_cast<std::uint32_t>(compiled.size());
    p_.args.insert(p_.args.end(), compiled.begin(), compiled.end());
    n.span = e.span;
    return add(n);
}

std::int32_t Compiler::expr(const dsl::Expr& e, std::optional<Hint> hint) {
    Val v;
    switch (e.kind) {
        case dsl::ExprKind::Bool:
            v.type = VType::Bool;
            v.b = e.boolean;
            return constant(e, v);
        case dsl::ExprKind::Number:
        case dsl::ExprKind::Percent: {
            const auto r = decimal(e.number, e.span);
            v.type = VType::Number;
            if (r) v.r = e.kind == dsl::ExprKind::Percent ? *r / Ratio::whole(100) : *r;
            return constant(e, v);
        }
        case dsl::ExprKind::Money: {
            const auto r = decimal(e.number, e.span);
            v.type = VType::Money;
            if (r) v.r = *r * Ratio::whole(100);
            return constant(e, v);
        }
        case dsl::ExprKind::Date:
            v.type = VType::Date;
            v.i = Date::from_civil(e.date.year, e.date.month, e.date.day).days();
            return constant(e, v);
        case dsl::ExprKind::Text:
            p_.strings.push_back(e.text);
            v.type = VType::Text;
            v.s = &p_.strings.back();
            return constant(e, v);
        case dsl::ExprKind::Name: return name(e, hint);
        case dsl::ExprKind::Unary: {
            if (e.args.size() != 1) return bad(codes::kCompileUnresolved, "malformed expression", e.span);
            const std::int32_t a = expr(e.args[0]);
            const VType t = p_.nodes[static_cast<std::size_t>(a)].type;
            Node n;
            n.a = a;
            n.span = e.span;
            if (e.unary_op == dsl::UnaryOp::Not) {
                if (t != VType::Bool) return bad(codes::kCompileType, "`not` needs a true/false value", e.span);
                n.op = Op::Not;
                n.type = VType::Bool;
            } else {
                if (t != VType::Number && t != VType::Money) {
                    return bad(codes::kCompileType, "`-` needs a number or money", e.span);
                }
                n.op = Op::Neg;
                n.type = t;
            }
            return add(n);
        }
        case dsl::ExprKind::Binary: return binary(e);
        case dsl::ExprKind::Call: return call(e);
        case dsl::ExprKind::In: return in(e);
        case dsl::ExprKind::List:
            return bad(codes::kCompileType, "a list `[...]` can only follow `in`", e.span);
        case dsl::ExprKind::AtLeast:
            return bad(codes::kCompileType, "`at least` can only be used inside `count`", e.span);
        case dsl::ExprKind::YearlyTotal: return yearly_total(e);
    }
    return bad(codes::kCompileUnresolved, "malformed expression", e.span);
}

std::vector<Conjunct> Compiler::conjuncts(const dsl::Expr& e, std::int32_t root) {
    std::vector<Conjunct> out;
    collect_conjuncts(e, root, out);
    return out;
}

void Compiler::collect_conjuncts(const dsl::Expr& e, std::int32_t node, std::vector<Conjunct>& out) {
    const Node& n = p_.nodes[static_cast<std::size_t>(node)];
    if (e.kind == dsl::ExprKind::Binary && e.binary_op == dsl::BinaryOp::And && n.op == Op::And &&
        e.args.size() == 2) {
        collect_conjuncts(e.args[0], n.a, out);
        collect_conjuncts(e.args[1], n.b, out);
        return;
    }
    Conjunct c{node, expr_text(e), {}};
    const bool comparison = n.op == Op::Eq || n.op == Op::Ne || n.op == Op::Lt || n.op == Op::Le ||
                            n.op == Op::Gt || n.op == Op::Ge;
    if (comparison && e.args.size() == 2 && p_.nodes[static_cast<std::size_t>(n.a)].op != Op::Const &&
        p_.nodes[static_cast<std::size_t>(n.a)].op != Op::Service) {
        c.value_label = expr_text(e.args[0]);
    }
    out.push_back(std::move(c));
}

}  // namespace jointly::engine::detail
