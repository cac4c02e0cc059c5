#include "grammar_state.hpp"

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
// The word that starts at `at` (empty when none does).
std::string_view word_at(std::string_view text, std::size_t at) {
    std::size_t end = at;
    while (end < text.size() && is_word_char(text[end])) ++end;
    return text.substr(at, end - at);
}

// How an amount's unit is written, and what it means.
struct UnitWords {
    Per per;
    char const* written;
    char const* meaning;
};
constexpr UnitWords kUnits[] = {
    {Per::Week, "`per week`", "an amount a week, prorated by days"},
    {Per::Hour, "`per hour`",
     "an amount for each hour of an hourly line, which gives its hours a week (`hours_per_week`)"},
    {Per::Line, "`per line`", "one amount for the whole line"},
    {Per::FinancialYear, "`per financial year`", "one amount in each financial year the line covers"},
};

UnitWords const& unit_words(Per per) {
    return *std::find_if(std::begin(kUnits), std::end(kUnits), [&](UnitWords const& u) { return u.per == per; });
}

bool declaration_follows(ParseState const& st, Iter after) {
    const std::string_view text = st.text().text();
    const std::size_t at = st.text().skip_blank(st.offset(after));
    if (at >= text.size()) return true;
    static constexpr std::string_view kStarts[] = {"agency", "service", "scale", "fact",    "event", "let",
                                                   "eligible", "table", "rule",  "decline", "refer", "pool"};
    return std::find(std::begin(kStarts), std::end(kStarts), word_at(text, at)) != std::end(kStarts);
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

void check_one_unit(ParseState const& st, Iter at, Per first) {
    const std::string_view text = st.text().text();
    const std::size_t start = st.text().skip_blank(st.offset(at));
    if (word_at(text, start) != "per") return;
    std::size_t end = start + 3;
    const std::size_t unit_at = st.text().skip_blank(end);
    const std::string_view unit = word_at(text, unit_at);
    std::optional<Per> second;
    if (unit == "week") second = Per::Week;
    if (unit == "hour") second = Per::Hour;
    if (unit == "line") second = Per::Line;
    if (unit == "financial") second = Per::FinancialYear;
    if (!unit.empty()) end = unit_at + unit.size();
    std::string written = "`per`";
    if (second && (*second != Per::FinancialYear || word_at(text, st.text().skip_blank(end)) == "year")) {
        if (*second == Per::FinancialYear) end = st.text().skip_blank(end) + 4;
        written = unit_words(*second).written;
    } else if (!unit.empty()) {
        written = "`per " + std::string(unit.substr(0, 40)) + (unit.size() > 40 ? "...`" : "`");
    }
    UnitWords const& kept = unit_words(first);
    std::string message;
    std::string help;
    if (second == first) {
        message = std::string(kept.written) + " is written twice";
        help = std::string("write it once: ") + kept.written + " is " + kept.meaning;
    } else {
        message = "an amount has one unit, but " + written + " follows " + kept.written;
        help = std::string("keep one: ") + kept.written + " is " + kept.meaning;
        if (second) {
            help += std::string("; ") + unit_words(*second).written + " is " + unit_words(*second).meaning;
        } else {
            std::vector<char const*> others;
            for (UnitWords const& u : kUnits) {
                if (u.per != first) others.push_back(u.written);
            }
            help += std::string("; the others are ") + others[0] + ", " + others[1] + " and " + others[2];
        }
        if ((first == Per::Hour && second == Per::Week) || (first == Per::Week && second == Per::Hour)) {
            help += "; a rate by the hour is `per hour` alone, whatever the hours a week";
        }
    }
    throw SyntaxError{Code::unexpected_text, std::move(message), st.begin() + start, st.begin() + end,
                      std::move(help)};
}

}  // namespace jointly::dsl::grammar
