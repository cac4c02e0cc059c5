#include "grammar_state.hpp"

#include <algorithm>
#include <string>

namespace jointly::dsl::grammar {

void ClauseTracker::visit(int index, Iter b, Iter e) {
    if (table_ == nullptr) return;
    const unsigned bit = 1U << static_cast<unsigned>(index);
    const std::string name = table_->names[static_cast<std::size_t>(index)];
    if ((seen_ & bit) != 0 && (table_->repeatable & bit) == 0) {
        throw SyntaxError{Code::clause_twice, name + " is written twice " + table_->in_words, b, e,
                          table_->order_help};
    }
    if (index < last_) {
        throw SyntaxError{Code::clause_order,
                          name + " must come before " +
                              table_->names[static_cast<std::size_t>(last_)] + " " +
                              table_->in_words,
                          b, e, table_->order_help};
    }
    seen_ |= bit;
    last_ = std::max(last_, index);
}

void ParseState::enter(Iter where) {
    if (++depth > kMaxDepth) {
        const std::size_t at = text_.skip_blank(offset(where));
        Iter p = begin_ + at;
        Iter e = at < text_.text().size() ? p + 1 : p;
        throw SyntaxError{Code::too_deep,
                          "the expression is nested too deeply (more than " +
                              std::to_string(kMaxDepth) + " levels)",
                          p, e, "split it into named parts with `let`"};
    }
}

void ParseState::count_op(Iter where) {
    if (++ops > kMaxOps) {
        throw SyntaxError{Code::too_deep,
                          "the expression is too long (more than " + std::to_string(kMaxOps) +
                              " operators)",
                          where, where, "split it into named parts with `let`"};
    }
}

void check_required(Header const& header, ParseState const& st) {
    Iter b = st.begin() + header.id.span.offset;
    Iter e = b + header.id.span.length;
    if (!st.clauses.seen(HeaderClause::version)) {
        throw SyntaxError{Code::missing_clause, "the policy header has no `version`", b, e,
                          "add a line like `version \"2025.1\"` after the title"};
    }
    if (!st.clauses.seen(HeaderClause::effective)) {
        throw SyntaxError{Code::missing_clause, "the policy header has no `effective` dates", b, e,
                          "add a line like `effective 2025-04-01 to 2026-03-31` or "
                          "`effective from 2025-04-01`"};
    }
}

void check_required(Rule const& rule, ParseState const& st) {
    if (st.clauses.seen(RuleClause::split) || st.clauses.seen(RuleClause::refuse) ||
        st.clauses.seen(RuleClause::refer)) {
        return;
    }
    Iter b = st.begin() + rule.id.span.offset;
    throw SyntaxError{Code::missing_clause, "rule `" + rule.id.name + "` has no `split`", b,
                      b + rule.id.span.length,
                      "say how the cost is shared, e.g. `split health 50%, social_care 50%`, or that the "
                      "line is refused (`refuse`) or referred (`refer to \"Authority\"`)"};
}

}  // namespace jointly::dsl::grammar
