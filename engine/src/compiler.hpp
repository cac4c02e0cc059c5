// The compiler's working state: builds a ProgramImpl from a checked Module.
// compile_expr.cpp holds the expression half, compile.cpp the declarations.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compiled.hpp"
#include "jointly/dsl/diagnostic.hpp"

namespace jointly::engine::detail {

// What a bare name next to it must be: a level of `scale`, or a service.
struct Hint {
    VType type = VType::Bool;
    std::int32_t scale = -1;
};

// Thrown by `Compiler::tick` once the deadline has passed; caught by compile_module, which
// reports E2290. Never leaves the compiler.
struct CompileOutOfTime {};

class Compiler {
public:
    using Deadline = std::optional<std::chrono::steady_clock::time_point>;

    Compiler(ProgramImpl& program, dsl::Diagnostics& diagnostics, Deadline deadline = std::nullopt)
        : p_(program), diags_(diagnostics), deadline_(deadline) {}

    // Builds everything from p_.module_. Reports problems into the diagnostics. Throws
    // CompileOutOfTime once the deadline has passed (looked at every few rules).
    void run();

private:
    // --- expressions (compile_expr.cpp)
    std::int32_t expr(const dsl::Expr& e, std::optional<Hint> hint = std::nullopt);
    std::int32_t name(const dsl::Expr& e, std::optional<Hint> hint);
    std::int32_t binary(const dsl::Expr& e);
    std::int32_t comparison(const dsl::Expr& e, Op op);
    std::int32_t in(const dsl::Expr& e);
    std::int32_t call(const dsl::Expr& e);
    std::int32_t yearly_total(const dsl::Expr& e);
    std::int32_t constant(const dsl::Expr& e, Val v);
    std::int32_t add(Node n);
    std::int32_t bad(const char* code, const std::string& message, const dsl::Span& span);
    bool resolvable(const std::string& name) const;
    std::int32_t service_literal(const std::string& name);
    std::int32_t level_literal(const dsl::Expr& e, std::int32_t scale);
    std::int32_t compile_let(std::size_t index, const dsl::Span& use);
    std::int32_t compile_threshold(std::size_t index, const dsl::Span& use);
    void note_age_comparison(const Node& age_side, const Node& other, Op op);
    std::optional<Ratio> decimal(const dsl::Decimal& d, const dsl::Span& span);
    std::optional<Money> pounds(const dsl::Decimal& d, const dsl::Span& span);
    std::int32_t compile_table(std::size_t index, const dsl::Span& use);
    std::vector<Conjunct> conjuncts(const dsl::Expr& e, std::int32_t root);
    void collect_conjuncts(const dsl::Expr& e, std::int32_t node, std::vector<Conjunct>& out);

    // --- declarations (compile.cpp)
    void header();
    void declarations();
    void fact_defaults();
    void rules();
    void rule(const dsl::Rule& r, CRule& out);
    std::int32_t amount_node(const dsl::Expr& e);  // a cap's or `pay`'s amount expression
    std::optional<CWindow> window(const dsl::Window& w);
    void exceptions();
    void service_index();
    void outcomes();
    void pools();
    Template reason_template(const std::string& text, bool in_rule);

public:
    void error(const char* code, const std::string& message, const dsl::Span& span);

private:
    void tick();

    ProgramImpl& p_;
    dsl::Diagnostics& diags_;
    Deadline deadline_;
    std::uint32_t ticks_ = 0;
    std::map<std::string, std::int32_t> facts_, lets_, thresholds_, events_, tables_, agencies_,
        scales_, rules_, services_;
    std::vector<std::uint8_t> let_state_;        // 0 new, 1 compiling, 2 done
    std::vector<std::uint8_t> threshold_state_;
    std::vector<std::uint8_t> table_state_;
    std::vector<Dep> table_dep_;
    std::vector<std::uint8_t> table_age_;
    std::int32_t age_uses_ = 0;          // `age` nodes
    std::int32_t age_uses_handled_ = 0;  // ... compared with a constant (cut at those birthdays)
    std::vector<std::vector<std::int32_t>> rule_services_;  // per rule: services it is keyed on
};

// How a type is named in a compile error: "a number", "money", "a map of levels".
std::string type_name(VType t);

}  // namespace jointly::engine::detail
