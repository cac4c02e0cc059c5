// The Typer: types an expression and builds its nodes in one walk (expr.cpp: literals,
// names, definitions, logic; expr_compare.cpp: services, comparisons, dates, arithmetic;
// expr_calls.cpp: builtin calls, membership, lists). Private to the semantic pass.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "context.hpp"

namespace jointly::engine::semantic::typing {

inline bool is_number(TypeTag t) { return t == TypeTag::Whole || t == TypeTag::Decimal; }

// Types an expression and builds its nodes in the one walk. A result whose type is Error
// has no node (an error was reported); a parent with such an operand builds none either.
class Typer {
public:
    Typer(Checker& c, Context context, Needs& needs) : c_(c), context_(context), needs_(needs) {}
    Typed type(const Expr& e, const Type* hint = nullptr);

private:
    // A literal number, amount (in pence: `times` 100) or percentage (`per` 100), exactly.
    Typed number(const Expr& e, const Decimal& d, TypeTag tag, std::int64_t times, std::int64_t per);
    Typed text(const Expr& e, const TextLit& t);
    // A node of `op` over its operands (one for `not` and `-`, else two); none when an
    // operand has none.
    Typed node(const Type& type, Op op, const Span& span, std::int32_t a, std::int32_t b = -1);
    // The fields every node of a value of `type` has.
    Node shell(const Type& type, Op op, const Span& span) const;
    std::int32_t scale_of(const Type& type) const;
    // A bare name that may be read as a scale level (it is not a fact, let, ...).
    bool level_candidate(const Expr& e) const;
    // `name` read as a level of `scale`: E2102 when it belongs to other scales only,
    // E2009 when it is no level at all.
    Typed level_in(const Expr& e, const std::string& scale);
    std::string level_help(const std::string& word, const std::string& scale) const;
    Typed name(const Expr& e, const Type* hint);
    // A node with no operands whose value comes from where it is evaluated.
    Typed leaf(const Type& type, Op op, Dep dep, const Span& span, std::int32_t index = -1);
    void needs_total(const Expr& e, const std::string& what);
    // `age` is the age on a segment's first day in a rule's condition, and the age on the
    // request's `as_of` in thresholds and outcomes (decided once per request): there the
    // request must give `as_of`. A definition's uses are checked where they are.
    void age_on_as_of();
    Typed age(const Expr& e);
    Typed declared(const Expr& e, const Symbol& symbol);
    Typed definition(const Expr& e, std::vector<DefInfo>& defs, std::size_t index, bool is_let);
    Typed unary(const Expr& e, const Unary& u);
    Typed binary(const Expr& e, const Binary& b);
    Typed logical(const Expr& e, const Binary& b);
    bool is_service(const Expr& e) const;
    // `service is personal_care`: the other side is a service name, never looked up.
    bool service_literal(const Expr& e) const { return e.is<NameRef>(); }
    // E2002: `service is school` where `school` is a fact, definition or threshold. The
    // name would be read as a service called `school`, never as the value the author
    // declared: one name, two meanings.
    bool declared_as_value(const Expr& e);
    // The constant for a service named in a condition (interned: compared by index).
    Typed service_name(const Expr& e);
    Typed service_constant(std::int32_t index, const Span& span);
    // The constants for a declared service or each member of a service group.
    std::vector<std::int32_t> service_members(const Expr& e);
    // `service is placements` for a group: membership in its members.
    Typed service_group_test(const Expr& e, const Typed& service, const Expr& group, bool negated);
    // E2101 (`service is "x"`) or E2113 (`service in ["x"]`): a service is a name, not text.
    bool service_text(const Expr& e, Code code);
    // An `age` compared with a constant number changes value only at those birthdays: the
    // evaluator cuts a line's segments there (and at every birthday otherwise).
    void note_age_comparison(std::int32_t age_side, std::int32_t other);
    Typed compare(const Expr& e, const Binary& b);
    // E2101/E2102 when `a` and `b` cannot be compared; true when they can.
    bool mismatch(const Span& span, const Type& a, const Type& b);
    void misplaced_duration(const Expr& e);
    // E2119 for `date_of_birth + 18`: a date never moves by a plain number; the help writes
    // the unit in, for a whole number written out.
    void plain_number_on_date(const Binary& binary, bool date_first);
    // `DATE + N days|weeks|months|years`, `DATE - N ...`: the date moved by whole days, or by
    // calendar months with the day clamped to the month's last (see add_months).
    Typed shift_date(const Expr& e, const Binary& binary, const Duration& d);
    Typed arithmetic(const Expr& e, const Binary& binary);
    // E2012 for a builtin given the wrong number or kind of arguments.
    void wrong_arguments(const Builtin& b, const Span& span);
    Typed call(const Expr& e, const Call& call);
    // `birthday(DATE, N)`: the day `age` counted from DATE turns N (N a whole number written
    // out), so that a window's bound can start on the day a rule testing `age` would.
    Typed birthday(const Expr& e, const Call& call);
    // `happened(EVENT)`: whether the request gives the event a date (a repeating one, at least
    // one), so that a condition can read the date only where there is one (`happened(review)
    // and review <= as_of`: `and` does not evaluate its right side when the left is false).
    Typed happened(const Expr& e, const Call& call);
    // `yearly total` / `yearly total(agency)`: money, known where totals are.
    Typed yearly_total(const Expr& e, const YearlyTotal& phrase);
    // `total(X)` / `yearly total(X)`: X is an agency, a fact that picks one (the node holds
    // the agency reference), or an agency group (the node lists its members' agency indices
    // in args, as a service group's Funders node does).
    Typed total_of(const Expr& e, const Expr& arg, Op op);
    Typed count(const Expr& e, const Call& call);
    Typed lookup(const Expr& e, const Call& call);
    Typed membership(const Expr& e, const In& test);
    Typed list(const Expr& e, const List& list, const Type* hint);
    Checker& c_;
    Context context_;
    Needs& needs_;
};

}  // namespace jointly::engine::semantic::typing
