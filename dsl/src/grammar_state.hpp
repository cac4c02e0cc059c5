// Per-parse state the X3 grammar reaches through its context, and the syntax error the
// grammar throws. Private to the parser; no Spirit here. One ParseState per call of `parse`: the grammar
// objects themselves are immutable and shared, so parsing is thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "jointly/dsl/ast.hpp"
#include "lexical.hpp"
#include "source_text.hpp"

namespace jointly::dsl::grammar {

// The clauses of each kind of declaration, in the order the syntax contract fixes: an
// enumerator's value is its place, so each order is written once, here.
enum class HeaderClause { version, effective, agreed_by, ref, panel, rounding };
enum class RuleClause { ref, exception_to, when, window, refuse, refer, pay, split, odd_penny, cap, regardless_of_cost, because };
enum class PoolClause { host, contribution, overspend, underspend, risk_capped, tolerance };

// How messages name one clause: `name` in "`cap` must come before `because`", `listed` (when
// it says more) in the order a help lists.
template <typename Clause>
struct ClauseName {
    Clause clause;
    char const* name;
    char const* listed = nullptr;
};

// True when the names are given in the enumeration's order, one for each clause.
template <typename Clause, std::size_t N>
constexpr bool in_order(std::array<ClauseName<Clause>, N> const& names) {
    for (std::size_t i = 0; i < N; ++i) {
        if (static_cast<std::size_t>(names[i].clause) != i) return false;
    }
    return true;
}

// The clauses one kind of declaration may hold, in their required order.
struct ClauseTable {
    char const* in_words;              // "in a rule"
    std::vector<char const*> names;    // by place, in the user's words
    unsigned repeatable = 0;           // bit i: clause i may appear more than once
    std::string order_help;            // "a rule's clauses go in this order: ..."
};

// The table for `names` (in_order), its help listing them: "<whose> clauses go in this order: ...".
template <typename Clause, std::size_t N>
ClauseTable clause_table(char const* in_words, char const* whose,
                         std::array<ClauseName<Clause>, N> const& names,
                         std::initializer_list<Clause> repeatable) {
    ClauseTable table{in_words, {}, 0, std::string(whose) + " clauses go in this order: "};
    for (ClauseName<Clause> const& n : names) {
        if (!table.names.empty()) table.order_help += ", ";
        table.order_help += n.listed != nullptr ? n.listed : n.name;
        table.names.push_back(n.name);
    }
    for (Clause c : repeatable) table.repeatable |= 1U << static_cast<unsigned>(c);
    return table;
}

// Checks that the clauses of the declaration being parsed come in order, once each.
class ClauseTracker {
public:
    void reset(ClauseTable const& table) {
        table_ = &table;
        last_ = -1;
        seen_ = 0;
    }
    // Records clause `index`, written at [b, e). Throws E1010 (out of order) or E1011 (twice).
    void visit(int index, Iter b, Iter e);
    template <typename Clause>
    bool seen(Clause clause) const {
        return (seen_ >> static_cast<unsigned>(clause)) & 1U;
    }

private:
    ClauseTable const* table_ = nullptr;
    int last_ = -1;
    unsigned seen_ = 0;
};

enum class DeclKind { Header, Agency, Service, Scale, Fact, Event, Let, Eligible, Table, Rule, Decline, Refer, Pool };

// INVARIANT: `begin` is the first byte of `text`; every Iter handed around points into it.
class ParseState {
public:
    static constexpr int kMaxDepth = 64;    // nested parentheses, lists, calls, `not`, `-`
    static constexpr int kMaxOps = 2000;    // operators in one expression

    ParseState(detail::SourceText const& text, Iter begin) : text_(text), begin_(begin) {}

    Span span(Iter b, Iter e) const { return text_.span(offset(b), offset(e)); }
    // A span whose end is pulled back over trailing blanks and comments.
    Span trimmed(Iter b, Iter e) const {
        return text_.span(offset(b), text_.trim_end(offset(b), offset(e)));
    }
    std::size_t offset(Iter p) const { return static_cast<std::size_t>(p - begin_); }
    detail::SourceText const& text() const { return text_; }
    Iter begin() const { return begin_; }

    // Nesting and operator budget (E1016).
    void enter(Iter where);
    void count_op(Iter where);

    ClauseTracker clauses;
    DeclKind last_decl = DeclKind::Header;
    int depth = 0;
    int ops = 0;

private:
    detail::SourceText const& text_;
    Iter begin_;
};

// E1009 when a finished header lacks `version` or `effective`, or a rule lacks `split`, and
// what follows it (from `after`) is the end of the file or a new declaration. Anything else
// there is a word the declaration could not take (`withn 6 weeks`, `spilt health 100%`): the
// clause missing is most likely that word, misspelt, and the parser reports it (E1001, with
// "did you mean") rather than this.
void check_required(Header const& header, ParseState const& st, Iter after);
void check_required(Rule const& rule, ParseState const& st, Iter after);

// After an amount's unit `first` (`per hour`), from `at`: a second unit (`per hour per week`,
// `per hour per hour`) is E1001 spanning the second, whose help says to keep one and what each
// means. Nothing that parses has `per` there: a rule clause never starts with a name, and a
// cap goes on with `,` or `excess to`.
void check_one_unit(ParseState const& st, Iter at, Per first);

}  // namespace jointly::dsl::grammar
