#include "fast_text.hpp"

#include <array>
#include <bit>
#include <charconv>
#include <cstring>
#include <string_view>

namespace jointly::engine::detail {
namespace {

// Digits of `value`, most significant first, into `buf`; returns the count.
int digits_of(std::uint64_t value, std::array<char, 24>& buf) {
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), value);
    return static_cast<int>(r.ptr - buf.data());
}

// "000001002...999": the three digits of every group.
constexpr std::array<char, 3000> kTriples = [] {
    std::array<char, 3000> t{};
    for (std::size_t i = 0; i < 1000; ++i) {
        t[i * 3] = static_cast<char>('0' + i / 100);
        t[i * 3 + 1] = static_cast<char>('0' + i / 10 % 10);
        t[i * 3 + 2] = static_cast<char>('0' + i % 10);
    }
    return t;
}();

std::uint64_t magnitude(std::int64_t v) {
    return v < 0 ? static_cast<std::uint64_t>(-(v + 1)) + 1 : static_cast<std::uint64_t>(v);
}

void append_pence(std::string& out, Money m, bool grouped) {
    std::array<char, kMoneyChars> buf;  // NOLINT: written before read
    out.append(buf.data(), format_money(buf.data(), m, grouped));
}

void append_padded(std::string& out, int value, int width) {
    std::array<char, 24> buf{};
    const int n = digits_of(static_cast<std::uint64_t>(value < 0 ? -value : value), buf);
    for (int i = n; i < width; ++i) out += '0';
    out.append(buf.data(), static_cast<std::size_t>(n));
}

}  // namespace

void append_int(std::string& out, std::int64_t value) {
    if (value < 0) out += '-';
    std::array<char, 24> buf{};
    const int n = digits_of(magnitude(value), buf);
    out.append(buf.data(), static_cast<std::size_t>(n));
}

void append_money(std::string& out, Money m) { append_pence(out, m, false); }

void append_money_display(std::string& out, Money m) { append_pence(out, m, true); }

void append_date(std::string& out, Date d) {
    const Civil c = civil_of(d);
    // At least four characters, a sign counting as one (`-005`), as dsl::date_text's `%04d`.
    if (c.y < 0) out += '-';
    append_padded(out, c.y, c.y < 0 ? 3 : 4);
    out += '-';
    append_padded(out, c.m, 2);
    out += '-';
    append_padded(out, c.d, 2);
}

void append_date_display(std::string& out, Date d) {
    std::array<char, kDateChars> buf{};
    out.append(buf.data(), format_date_display(buf.data(), d));
}

std::size_t format_money(char* buf, Money m, bool grouped) {
    const std::int64_t p = m.in_pence();
    std::uint64_t pounds = magnitude(p) / 100;
    const auto pennies = static_cast<unsigned>(magnitude(p) % 100);
    // The length first, then the text written backwards straight into `buf` (a copy of a
    // variable length would be a library call).
    // The digits without a loop: log10 estimated from the bit width (1233 / 4096 ~ log10 2),
    // corrected by one comparison. pounds < 10^17 (a magnitude of at most 2^63 pence); `| 1` makes
    // 0 one digit and changes no other count (only an odd number is 10^k - 1).
    static constexpr std::array<std::uint64_t, 18> kPowers = [] {
        std::array<std::uint64_t, 18> t{};
        std::uint64_t v = 1;
        for (auto& x : t) {
            x = v;
            v *= 10;
        }
        return t;
    }();
    const std::uint64_t odd = pounds | 1U;
    const auto estimate = static_cast<std::size_t>(std::bit_width(odd)) * 1233 >> 12;
    const std::size_t digits = estimate + (odd < kPowers[estimate] ? 0U : 1U);
    const std::size_t commas = grouped ? (digits - 1) / 3 : 0;
    const std::size_t n = (p < 0 ? 1U : 0U) + (grouped ? 2U : 0U) + digits + commas + 3;
    char* b = buf + n;
    *--b = static_cast<char>('0' + pennies % 10);
    *--b = static_cast<char>('0' + pennies / 10);
    *--b = '.';
    // Three digits at a time from a table, with a comma between groups when grouped.
    while (pounds >= 1000) {
        const auto group = static_cast<std::size_t>(pounds % 1000);
        pounds /= 1000;
        b -= 3;
        std::memcpy(b, kTriples.data() + group * 3, 3);
        if (grouped) *--b = ',';
    }
    // The leading group (1 to 3 digits, below 1000) from the same table.
    const char* top = kTriples.data() + static_cast<std::size_t>(pounds) * 3;
    const std::size_t lead = digits - (digits - 1) / 3 * 3;
    *--b = top[2];
    if (lead > 1) *--b = top[1];
    if (lead > 2) *--b = top[0];
    if (grouped) {
        *--b = '\xA3';  // "£" in UTF-8: C2 A3
        *--b = '\xC2';
    }
    if (p < 0) *--b = '-';
    return n;
}

std::size_t format_date_display(char* buf, Date d) {
    // Month names padded to 9 characters, so each is one fixed-size copy.
    static constexpr std::array<char, 12 * 9> kMonths = [] {
        constexpr std::array<std::string_view, 12> names{
            "January", "February", "March",     "April",   "May",      "June",
            "July",    "August",   "September", "October", "November", "December"};
        std::array<char, 12 * 9> t{};
        for (std::size_t m = 0; m < 12; ++m) {
            for (std::size_t i = 0; i < names[m].size(); ++i) t[m * 9 + i] = names[m][i];
        }
        return t;
    }();
    static constexpr std::array<std::uint8_t, 12> kLengths{7, 8, 5, 5, 3, 4, 4, 6, 9, 7, 8, 8};
    const Civil c = civil_of(d);
    char* at = buf;
    if (c.d >= 10) *at++ = static_cast<char>('0' + c.d / 10);
    *at++ = static_cast<char>('0' + c.d % 10);
    *at++ = ' ';
    const auto month = static_cast<std::size_t>(c.m - 1);
    std::memcpy(at, kMonths.data() + month * 9, 9);
    at += kLengths[month];
    *at++ = ' ';
    if (c.y >= 1000 && c.y <= 9999) {
        std::memcpy(at, kTriples.data() + static_cast<std::size_t>(c.y / 10) * 3, 3);
        at += 3;
        *at++ = static_cast<char>('0' + c.y % 10);
    } else {
        at = std::to_chars(at, buf + kDateChars, c.y).ptr;
    }
    return static_cast<std::size_t>(at - buf);
}

}  // namespace jointly::engine::detail
