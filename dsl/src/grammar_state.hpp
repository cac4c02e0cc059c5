// Per-parse state the X3 grammar reaches through its context, and the syntax error the
// grammar throws. Private to the parser; no Spirit here. One ParseState per call of `parse`: the grammar
// objects themselves are immutable and shared, so parsing is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "jointly/dsl/ast.hpp"
#include "lexical.hpp"
#include "source_text.hpp"

namespace jointly::dsl::grammar {

// The clauses one kind of declaration may hold, in their required order.
struct ClauseTable {
    char const* in_words;              // "in a rule"
    std::vector<char const*> names;    // by index, in the user's words
    unsigned repeatable = 0;           // bit i: clause i may appear more than once
    char const* order_help;            // "a rule's clauses go in this order: ..."
};

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
    bool seen(int index) const { return (seen_ >> index) & 1U; }

private:
    ClauseTable const* table_ = nullptr;
    int last_ = -1;
    unsigned seen_ = 0;
};

enum class DeclKind { Header, Agency, Scale, Fact, Event, Let, Eligible, Table, Rule, Decline, Refer, Pool };

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

// Clause indices the required-clause checks use.
inline constexpr int kHeaderVersion = 0;
inline constexpr int kHeaderEffective = 1;
inline constexpr int kRuleSplit = 5;

// E1009 when a finished header lacks `version` or `effective`, or a rule lacks `split`.
void check_required(Header const& header, ParseState const& st);
void check_required(Rule const& rule, ParseState const& st);

}  // namespace jointly::dsl::grammar
