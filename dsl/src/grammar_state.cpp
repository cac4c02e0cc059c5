#include "grammar_state.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>
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

namespace {

// True when the text from `after` is the end of the file or starts with a declaration's
// keyword.
bool declaration_follows(ParseState const& st, Iter after) {
    const std::string_view text = st.text().text();
    const std::size_t at = st.text().skip_blank(st.offset(after));
    if (at >= text.size()) return true;
    std::size_t end = at;
    while (end < text.size() && is_word_char(text[end])) ++end;
    static constexpr std::string_view kStarts[] = {"agency", "service", "scale", "fact",    "event", "let",
                                                   "eligible", "table", "rule",  "decline", "refer", "pool"};
    return std::find(std::begin(kStarts), std::end(kStarts), text.substr(at, end - at)) != std::end(kStarts);
}

}  // namespace

void check_required(Header const& header, ParseState const& st, Iter after) {
    if (!declaration_follows(st, after)) return;
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

void check_required(Rule const& rule, ParseState const& st, Iter after) {
    if (st.clauses.seen(RuleClause::split) || st.clauses.seen(RuleClause::refuse) ||
        st.clauses.seen(RuleClause::refer) || !declaration_follows(st, after)) {
        return;
    }
    Iter b = st.begin() + rule.id.span.offset;
    throw SyntaxError{Code::missing_clause, "rule `" + rule.id.name + "` has no `split`", b,
                      b + rule.id.span.length,
                      "say how the cost is shared, e.g. `split health 50%, social_care 50%`, or that the "
                      "line is refused (`refuse`) or referred (`refer to \"Authority\"`)"};
}

}  // namespace jointly::dsl::grammar
