// The words of the language completion offers that are not declared names: the clauses of each
// declaration in the order docs/language.md gives them, the declarations, what an amount is
// counted per, and a reason's builtin placeholders. Private to lsp_completion_items.cpp (and
// lsp_completion.cpp, which finds the declaration the cursor is in by its keyword).
#pragma once

#include <string_view>

namespace jointly::server::lsp::completion_words {

// A clause that starts a line of a declaration: its words, the keyword it starts with, its
// place in the declaration's order, and its branch (a rule either refuses or refers, 'a', or
// pays and splits, 'b').
struct Clause {
    std::string_view label;
    std::string_view keyword;
    int rank;
    char branch = ' ';
    bool repeats = false;
    bool required = false;  // no later clause before it (in its branch)
};

inline constexpr Clause kHeaderClauses[] = {
    {"version", "version", 1, ' ', false, true}, {"effective", "effective", 2, ' ', false, true},
    {"agreed by", "agreed", 3}, {"ref", "ref", 4}, {"panel", "panel", 5}, {"rounding", "rounding", 6},
};
inline constexpr Clause kRuleClauses[] = {
    {"exception to", "exception", 1},
    {"when", "when", 2},
    {"within", "within", 3},
    {"from", "from", 3},
    {"before", "before", 3},
    {"on or before", "on", 3},
    {"refuse", "refuse", 4, 'a'},
    {"refer to", "refer", 4, 'a'},
    {"pay", "pay", 5, 'b'},
    {"split", "split", 6, 'b', false, true},
    {"odd penny to", "odd", 7, 'b'},
    {"cap", "cap", 8, 'b', true},
    {"regardless of cost", "regardless", 9, 'b'},
    {"because", "because", 10},
};
inline constexpr Clause kPoolClauses[] = {
    {"host", "host", 1},
    {"contribution", "contribution", 2, ' ', true},
    {"overspend shared in proportion to", "overspend", 3},
    {"underspend returned in proportion to", "underspend", 4},
    {"risk capped at contribution", "risk", 5},
    {"tolerance", "tolerance", 6},
};
inline constexpr Clause kOutcomeClauses[] = {
    {"ref", "ref", 1}, {"when", "when", 2, ' ', false, true}, {"because", "because", 3}};
inline constexpr Clause kThresholdClauses[] = {{"when", "when", 1, ' ', false, true}, {"because", "because", 2}};
inline constexpr Clause kTableClauses[] = {{"from", "from", 1, ' ', true}};

// The declarations, in the order docs/language.md presents them.
inline constexpr std::string_view kDeclarations[] = {
    "agency", "agency group", "service", "service group", "scale", "fact", "event", "let",
    "eligible", "table", "rule", "decline", "refer to", "pool",
};
inline constexpr std::string_view kDeclarationKeywords[] = {
    "policy", "agency", "service", "scale", "fact", "event", "let", "eligible", "table", "rule",
    "decline", "refer", "pool",
};

// What an amount of `cap` or `pay` is counted per (`per hour`: the form being added to the
// language for hourly lines).
inline constexpr std::string_view kPers[] = {"per week", "per line", "per financial year", "per hour"};

// The placeholders a reason may hold besides declared names (docs/language.md, "because"),
// with what they show.
struct Placeholder {
    std::string_view name;
    std::string_view description;
    bool rule;  // a rule's reason only (the line's words); otherwise an outcome's only
};
inline constexpr Placeholder kPlaceholders[] = {
    {"cost", "the allocation's cost", true},
    {"days", "the days the allocation covers", true},
    {"from", "the allocation's first day", true},
    {"to", "the allocation's last day", true},
    {"line", "the line's id", true},
    {"service", "the line's service", true},
    {"rule", "the rule's name", true},
    {"ref", "the rule's clause reference", true},
    {"ref", "the outcome rule's clause reference", false},
    {"total", "the package total", false},
};

}  // namespace jointly::server::lsp::completion_words
