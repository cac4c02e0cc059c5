#include "lexical.hpp"

#include <array>
#include <limits>

#include "confusable.hpp"

namespace jointly::dsl::grammar {

namespace {

std::string quoted(Iter b, Iter e, std::size_t max = 40) {
    std::string s(b, static_cast<std::size_t>(e - b));
    if (s.size() > max) {
        std::size_t cut = max;
        // do not cut a UTF-8 sequence in half
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0U) == 0x80U) --cut;
        s = s.substr(0, cut) + "...";
    }
    return "`" + s + "`";
}

[[noreturn]] void fail(Code code, std::string message, Iter b, Iter e,
                       std::string help = {}) {
    throw SyntaxError{code, std::move(message), b, e, std::move(help)};
}

Iter scan_digits(Iter b, Iter last) {
    while (b != last && is_digit(*b)) ++b;
    return b;
}

constexpr std::string_view kPound = "\xC2\xA3";  // `£` in UTF-8

}  // namespace

void throw_reserved(Iter b, Iter e, std::string_view word) {
    fail(Code::reserved_word, "`" + std::string(word) + "` is a reserved word and cannot be used as a name", b,
         e, "choose another name, for example `" + std::string(word) + "_1`");
}

void throw_not_ascii(Iter b, Iter e, Iter last) {
    // A character that only looks like a blank or a dash (`health<no-break space>100%`): name it.
    const std::string_view rest(e, static_cast<std::size_t>(last - e));
    if (const auto confusable = detail::confusable_at(rest, 0)) {
        fail(Code::unexpected_text, quoted(b, e) + " is followed by " + std::string(confusable->name), e,
             e + confusable->length, std::string(confusable->help));
    }
    while (e != last && (is_word_char(*e) || static_cast<unsigned char>(*e) >= 0x80U)) ++e;
    fail(Code::not_a_name, quoted(b, e) + " is not a valid name: names use only `a`-`z`, `0`-`9` and `_`", b,
         e);
}

void check_name_case(Iter b, Iter e) {
    if (std::none_of(b, e, [](char c) { return c >= 'A' && c <= 'Z'; })) return;
    std::string lower(b, static_cast<std::size_t>(e - b));
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    fail(Code::not_a_name, quoted(b, e) + " is not a valid name: names are lower case", b, e,
         "write `" + lower + "`");
}

Decimal to_decimal(Iter b, Iter e) {
    Decimal out;
    bool fraction = false;
    for (Iter p = b; p != e; ++p) {
        if (*p == '.') {
            fraction = true;
            continue;
        }
        if (*p == ',') continue;
        const int digit = *p - '0';
        if (__builtin_mul_overflow(out.units, std::int64_t{10}, &out.units) ||
            __builtin_add_overflow(out.units, std::int64_t{digit}, &out.units)) {
            fail(Code::literal_too_large, "the number " + quoted(b, e) + " is too large", b, e,
                 "write at most 18 digits");
        }
        if (fraction) ++out.scale;
    }
    if (out.scale > 18) {
        fail(Code::literal_too_large, "the number " + quoted(b, e) + " has more than 18 decimal places", b, e);
    }
    return out;
}

Iter scan_decimal(Iter b, Iter last) {
    Iter e = scan_digits(b, last);
    if (e == b) return b;
    if (e != last && *e == '.' && e + 1 != last && is_digit(e[1])) e = scan_digits(e + 1, last);
    return e;
}

Iter scan_whole(Iter b, Iter last, std::int64_t& value) {
    Iter e = scan_digits(b, last);
    if (e == b) return b;
    Iter full = scan_decimal(b, last);
    if (full != e) fail(Code::not_whole, "expected a whole number, found " + quoted(b, full), b, full);
    const Decimal d = to_decimal(b, e);
    value = d.units;
    return e;
}

Iter scan_share(Iter b, Iter last, Share& share) {
    Iter e = scan_decimal(b, last);
    if (e == b) return b;
    if (e != last && *e == '%') {
        share.kind = ShareKind::Percent;
        share.percent = to_decimal(b, e);
        return e + 1;
    }
    Iter slash = e;
    while (slash != last && (*slash == ' ' || *slash == '\t')) ++slash;
    if (slash == last || *slash != '/') return b;
    Iter den_begin = slash + 1;
    while (den_begin != last && (*den_begin == ' ' || *den_begin == '\t')) ++den_begin;
    Iter den_end = scan_decimal(den_begin, last);
    if (den_end == den_begin) {
        fail(Code::unexpected_text, "expected a whole number after `/`, like `1/3`", den_begin,
             den_begin == last ? den_begin : den_begin + 1);
    }
    const Decimal num = to_decimal(b, e);
    const Decimal den = to_decimal(den_begin, den_end);
    if (num.scale != 0 || den.scale != 0) {
        fail(Code::not_whole,
             "a fraction is written with whole numbers, like `1/3`, found " + quoted(b, den_end), b,
             den_end);
    }
    if (den.units == 0) {
        fail(Code::literal_zero_denominator, "the fraction " + quoted(b, den_end) + " has a zero denominator", b, den_end);
    }
    share.kind = ShareKind::Fraction;
    share.numerator = num.units;
    share.denominator = den.units;
    return den_end;
}

Iter scan_money(Iter b, Iter last, Decimal& pounds) {
    const auto n = static_cast<std::ptrdiff_t>(kPound.size());
    if (last - b < n || std::string_view(b, kPound.size()) != kPound) return b;
    Iter digits = b + n;
    Iter e = digits;
    // integer part: digits, with a comma allowed only between digits
    while (e != last && (is_digit(*e) || (*e == ',' && e + 1 != last && is_digit(e[1])))) ++e;
    if (e == digits) {
        fail(Code::not_an_amount, "expected digits after `£`, like `£1,500`", b, e == last ? e : e + 1);
    }
    Iter int_end = e;
    bool has_point = false;
    if (e != last && *e == '.') {
        has_point = true;
        e = scan_digits(e + 1, last);
    }
    const std::string_view int_part(digits, static_cast<std::size_t>(int_end - digits));
    if (int_part.find(',') != std::string_view::npos) {
        // groups of three after a first group of one to three digits
        std::size_t first_comma = int_part.find(',');
        bool ok = first_comma >= 1 && first_comma <= 3;
        for (std::size_t i = first_comma; ok && i < int_part.size(); i += 4) {
            ok = int_part[i] == ',' && i + 4 <= int_part.size() &&
                 (i + 4 == int_part.size() || int_part[i + 4] == ',');
        }
        if (!ok) {
            fail(Code::not_an_amount,
                 quoted(b, e) +
                     " is not a valid amount: commas must group the pounds "
                     "in threes, like `£1,500`",
                 b, e);
        }
    }
    if (has_point) {
        const auto decimals = e - int_end - 1;
        if (decimals == 0) {
            fail(Code::not_an_amount,
                 quoted(b, e) +
                     " is not a valid amount: write pence after the point, "
                     "like `£5.50`, or leave the point out",
                 b, e);
        }
        if (decimals > 2) {
            fail(Code::not_an_amount, quoted(b, e) + " is not a valid amount: at most two decimal places", b,
                 e);
        }
    }
    try {
        pounds = to_decimal(digits, e);
    } catch (SyntaxError const&) {
        fail(Code::literal_too_large, "the amount " + quoted(b, e) + " is too large", b, e,
             "write at most 18 digits");
    }
    return e;
}

bool is_real_day(std::int32_t year, std::int32_t month, std::int32_t day) {
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
    static constexpr std::array<std::int32_t, 12> kDays = {31, 28, 31, 30, 31, 30,
                                                           31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const std::int32_t limit = kDays[static_cast<std::size_t>(month - 1)] + (month == 2 && leap);
    return day <= limit;
}

Iter scan_date(Iter b, Iter last, CivilDate& date) {
    // date-shaped: 4 digits, `-`, digits, `-`, digits
    Iter y_end = scan_digits(b, last);
    if (y_end - b != 4 || y_end == last || *y_end != '-') return b;
    Iter m_end = scan_digits(y_end + 1, last);
    if (m_end == y_end + 1 || m_end == last || *m_end != '-') return b;
    Iter d_end = scan_digits(m_end + 1, last);
    if (d_end == m_end + 1) return b;
    if (m_end - y_end != 3 || d_end - m_end != 3) {
        fail(Code::not_a_date,
             quoted(b, d_end) +
                 " is not a date: write dates as `YYYY-MM-DD`, like "
                 "`2025-04-01`",
             b, d_end);
    }
    auto num = [](Iter p, Iter q) {
        std::int32_t v = 0;
        for (; p != q; ++p) v = v * 10 + (*p - '0');
        return v;
    };
    date.year = num(b, y_end);
    date.month = num(y_end + 1, m_end);
    date.day = num(m_end + 1, d_end);
    if (!is_real_day(date.year, date.month, date.day)) {
        fail(Code::not_a_date, quoted(b, d_end) + " is not a real date", b, d_end);
    }
    return d_end;
}

Iter scan_string(Iter b, Iter last, std::string& value) {
    if (b == last || *b != '"') return b;
    value.clear();
    for (Iter p = b + 1; p != last; ++p) {
        const char c = *p;
        if (c == '"') return p + 1;
        if (c == '\n' || c == '\r') break;
        if (c == '\\') {
            if (p + 1 != last && (p[1] == '"' || p[1] == '\\')) {
                value.push_back(p[1]);
                ++p;
                continue;
            }
            Iter esc_end = (p + 1 == last || p[1] == '\n' || p[1] == '\r') ? p + 1 : p + 2;
            fail(Code::unknown_escape, "unknown escape " + quoted(p, esc_end) + " in a text", p, esc_end,
                 "only `\\\"` and `\\\\` may follow a backslash");
        }
        value.push_back(c);
    }
    Iter line_end = b;
    while (line_end != last && *line_end != '\n' && *line_end != '\r') ++line_end;
    fail(Code::unterminated_text, "unterminated text: the closing `\"` is missing", b, line_end,
         "a text must end with `\"` on the line where it starts");
}

}  // namespace jointly::dsl::grammar
