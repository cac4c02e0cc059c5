#include "fast_text.hpp"

#include <array>
#include <charconv>
#include <string_view>

namespace jointly::engine::detail {
namespace {

// Digits of `value`, most significant first, into `buf`; returns the count.
int digits_of(std::uint64_t value, std::array<char, 24>& buf) {
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), value);
    return static_cast<int>(r.ptr - buf.data());
}

std::uint64_t magnitude(std::int64_t v) {
    return v < 0 ? static_cast<std::uint64_t>(-(v + 1)) + 1 : static_cast<std::uint64_t>(v);
}

void append_pence(std::string& out, Money m, bool grouped) {
    std::array<char, kMoneyChars> buf{};
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
    append_padded(out, c.y, 4);
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
    const std::uint64_t abs = magnitude(p);
    std::array<char, 24> digits{};
    const int n = digits_of(abs / 100, digits);
    std::size_t k = 0;
    if (p < 0) buf[k++] = '-';
    if (grouped) {
        for (const char c : std::string_view("£")) buf[k++] = c;
    }
    for (int i = 0; i < n; ++i) {
        if (grouped && i != 0 && (n - i) % 3 == 0) buf[k++] = ',';
        buf[k++] = digits[static_cast<std::size_t>(i)];
    }
    const auto pennies = static_cast<unsigned>(abs % 100);
    buf[k++] = '.';
    buf[k++] = static_cast<char>('0' + pennies / 10);
    buf[k++] = static_cast<char>('0' + pennies % 10);
    return k;
}

std::size_t format_date_display(char* buf, Date d) {
    static constexpr std::array<std::string_view, 12> kMonths{
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};
    const Civil c = civil_of(d);
    char* at = std::to_chars(buf, buf + 4, c.d).ptr;
    *at++ = ' ';
    const std::string_view month = kMonths[static_cast<std::size_t>(c.m - 1)];
    for (const char ch : month) *at++ = ch;
    *at++ = ' ';
    at = std::to_chars(at, buf + kDateChars, c.y).ptr;
    return static_cast<std::size_t>(at - buf);
}

}  // namespace jointly::engine::detail
