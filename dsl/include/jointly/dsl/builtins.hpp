// The language's builtins: the one table the checker reads for reserved names, suggestions
// and argument counts, the printer for how a builtin is written, and the documentation test
// for the list in docs/language.md.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace jointly::dsl {

enum class BuiltinForm {
    Name,         // a bare name standing for a value: `service`
    Call,         // a function, always with parentheses: `count(dst, severe)`, `funders()`
    Phrase,       // keywords, parentheses only around arguments: `yearly total`, `yearly total(health)`
    Placeholder,  // only in a reason's `{...}`: `{cost}`
};

struct Builtin {
    std::string_view name;
    BuiltinForm form;
    std::size_t min_args;
    std::size_t max_args;
    std::string_view takes;        // "`count` takes ...": what its arguments are, with an example
    std::string_view description;  // one line

    bool accepts(std::size_t args) const { return args >= min_args && args <= max_args; }
    // A name that stands for a value cannot be declared: the declaration would hide it. A
    // function's name can, since a call is told apart by its parentheses.
    bool reserved() const { return form == BuiltinForm::Name || form == BuiltinForm::Placeholder; }
};

inline constexpr std::array<Builtin, 16> kBuiltins{{
    {"count", BuiltinForm::Call, 2, 2, "a map and a level, e.g. `count(dst, severe)`",
     "how many domains of a `map of` fact are at a level (or `at least` it)"},
    {"lookup", BuiltinForm::Call, 2, 2, "a table and a whole number, e.g. `lookup(band, points)`",
     "the value of the table's row that holds the number"},
    {"total", BuiltinForm::Call, 1, 1, "one agency, e.g. `total(health)`",
     "in outcomes: that agency's part of the package"},
    {"funders", BuiltinForm::Call, 0, 1, "at most one service, e.g. `funders(personal_care)`",
     "in outcomes: how many agencies pay for the service (or for anything)"},
    {"jointly_funded", BuiltinForm::Call, 0, 0, "no arguments, e.g. `jointly_funded() > 0`",
     "in outcomes: how many lines have a segment that more than one agency pays a part of"},
    {"yearly total", BuiltinForm::Phrase, 0, 1, "at most one agency, e.g. `yearly total(health)`",
     "in outcomes: the package's (or the agency's) largest total in one financial year"},
    {"academic_year_end", BuiltinForm::Call, 1, 1, "one date, e.g. `academic_year_end(date_of_birth + 25 years)`",
     "the first 31 August on or after the date: the last day of its academic year"},
    {"birthday", BuiltinForm::Call, 2, 2, "a date and a whole number of years, e.g. `birthday(date_of_birth, 18)`",
     "the date's anniversary that many years on, as `age` counts it: 1 March in a common year for 29 February"},
    {"happened", BuiltinForm::Call, 1, 1, "one event, e.g. `happened(surgery)`",
     "whether the request gives a date for the event: guards a condition that reads the event's date"},
    {"service", BuiltinForm::Name, 0, 0, "", "in rules: the service of the cost line"},
    {"total", BuiltinForm::Name, 0, 0, "", "in outcomes: the package total"},
    {"age", BuiltinForm::Name, 0, 0, "",
     "whole years, from the `date_of_birth` fact: in rules on the segment's first day, elsewhere on `as_of`"},
    {"as_of", BuiltinForm::Name, 0, 0, "", "the decision's date, from the request's `as_of`"},
    {"cost", BuiltinForm::Placeholder, 0, 0, "", "in a rule's reason: the line's cost"},
    {"days", BuiltinForm::Placeholder, 0, 0, "", "in a rule's reason: the days the line covers"},
    {"line", BuiltinForm::Placeholder, 0, 0, "", "in a rule's reason: the line's id"},
}};

// The builtin of that name and form; nullptr when there is none.
constexpr Builtin const* find_builtin(std::string_view name, BuiltinForm form) {
    for (Builtin const& b : kBuiltins) {
        if (b.name == name && b.form == form) return &b;
    }
    return nullptr;
}

// The builtin of that name and form, found while compiling: a name not in the table does
// not compile.
// (By index, not through find_builtin's pointer: GCC with -fsanitize cannot compare an
// address with nullptr in a constant expression.)
consteval Builtin const& builtin(std::string_view name, BuiltinForm form) {
    std::size_t i = 0;
    while (i < kBuiltins.size() && !(kBuiltins[i].name == name && kBuiltins[i].form == form)) ++i;
    if (i == kBuiltins.size()) throw "no such builtin";
    return kBuiltins[i];
}

constexpr bool is_reserved_name(std::string_view name) {
    for (Builtin const& b : kBuiltins) {
        if (b.reserved() && b.name == name) return true;
    }
    return false;
}

}  // namespace jointly::dsl
