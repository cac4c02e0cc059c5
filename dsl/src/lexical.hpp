// The lexical rules of the policy language as plain functions over bytes: exact scanning of
// numbers, money, dates and strings (the reserved words are jointly/dsl/reserved.hpp). Used by the X3 leaf parsers
// (grammar_lexer.hpp) and testable without Spirit. Each `scan_*` returns `b` when the text
// at `b` is not that kind of token at all, the end of the token when it is a valid one, and
// throws `SyntaxError` when it is recognisably that kind of token but malformed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "jointly/dsl/ast.hpp"
#include "jointly/dsl/codes.hpp"
#include "jointly/dsl/reserved.hpp"

namespace jointly::dsl::grammar {

using Iter = char const*;

// A syntax error with its own code and words, thrown inside the grammar and caught only
// by `parse` (never crosses the stage boundary).
struct SyntaxError {
    Code code = Code::unexpected_text;
    std::string message;
    Iter where = nullptr;
    Iter end = nullptr;
    std::string help;
};

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_word_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool is_word_char(char c) { return is_word_start(c) || is_digit(c); }

// E1006: `word` at [b, e) is reserved but a name was required.
[[noreturn]] void throw_reserved(Iter b, Iter e, std::string_view word);
// E1012: the name at [b, e) runs on into non-ASCII letters (`café`); E1001 naming the
// character when it only looks like a blank or a dash (a no-break space, confusable.hpp).
[[noreturn]] void throw_not_ascii(Iter b, Iter e, Iter last);
// E1012 when the name at [b, e) has a capital letter.
void check_name_case(Iter b, Iter e);

// Digits [b, e) with at most one `.` to an exact Decimal. E1005 on overflow or scale > 18.
Decimal to_decimal(Iter b, Iter e);

// `digits [. digits]` (no sign).
Iter scan_decimal(Iter b, Iter last);
// A whole number; `2.5` is E1013, too many digits E1005.
Iter scan_whole(Iter b, Iter last, std::int64_t& value);
// `50%`, `33.5%`, `1/3`, `1 / 3`. E1013 for `1.5/3`, E1014 for `1/0`.
Iter scan_share(Iter b, Iter last, Share& share);
// `£1,500`, `£1,500.50`, `£0.5` as pounds. E1004 for bad grouping, more than two decimal
// places or no digits after `£`; E1005 when too large.
Iter scan_money(Iter b, Iter last, Decimal& pounds);
// `2025-04-01`. E1003 for a date-shaped word that is not `YYYY-MM-DD` or not a real day.
Iter scan_date(Iter b, Iter last, CivilDate& date);
// A quoted string with `\"` and `\\` escapes (unescaped into `value`). E1002 when the line
// or file ends first, E1008 for any other escape.
Iter scan_string(Iter b, Iter last, std::string& value);

// True when `year-month-day` is a real calendar day (proleptic Gregorian, years 1..9999).
bool is_real_day(std::int32_t year, std::int32_t month, std::int32_t day);

}  // namespace jointly::dsl::grammar
