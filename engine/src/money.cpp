#include "jointly/engine/money.hpp"

#include <array>
#include <cstdint>
#include <cstdlib>

#include "jointly/dsl/print.hpp"
#include "fast_text.hpp"
#include "wide.hpp"
#include <numeric>

namespace jointly::engine {
namespace {



constexpr std::int64_t kMax = INT64_MAX;
constexpr std::int64_t kMin = INT64_MIN;

std::int64_t narrow(Wide v, const char* what) {
    if (v > Wide{kMax} || v < Wide{kMin}) throw OverflowError(what);
    return static_cast<std::int64_t>(v);
}

Wide wide_gcd(Wide a, Wide b) {
    if (a < 0) a = -a;
    if (b < 0) b = -b;
    while (b != 0) {
        const Wide t = a % b;
        a = b;
        b = t;
    }
    return a;
}

// Reduces num/den (den != 0) and narrows both to 64 bits.
Ratio make_ratio(Wide num, Wide den) {
    if (den == 0) throw OverflowError("division by zero");
    if (den < 0) {
        num = -num;
        den = -den;
    }
    const Wide g = wide_gcd(num, den);
    if (g > 1) {
        num /= g;
        den /= g;
    }
    return Ratio(narrow(num, "ratio overflow"), narrow(den, "ratio overflow"));
}

// Floor division for a positive denominator.
Wide floor_div(Wide num, Wide den) {
    Wide q = num / den;
    if ((num % den != 0) && (num < 0)) --q;
    return q;
}

}  // namespace

Ratio::Ratio(std::int64_t num, std::int64_t den) {
    if (den == 0) throw OverflowError("division by zero");
    if (den == 1) {  // a whole number is already in lowest terms
        num_ = num;
        den_ = 1;
        return;
    }
    Wide n = num;
    Wide d = den;
    if (d < 0) {
        n = -n;
        d = -d;
    }
    const Wide g = wide_gcd(n, d);
    if (g > 1) {
        n /= g;
        d /= g;
    }
    num_ = narrow(n, "ratio overflow");
    den_ = narrow(d, "ratio overflow");
}

Ratio Ratio::operator+(const Ratio& o) const {
    return make_ratio(Wide{num_} * o.den_ + Wide{o.num_} * den_, Wide{den_} * o.den_);
}

Ratio Ratio::operator-(const Ratio& o) const {
    return make_ratio(Wide{num_} * o.den_ - Wide{o.num_} * den_, Wide{den_} * o.den_);
}

Ratio Ratio::operator*(const Ratio& o) const {
    return make_ratio(Wide{num_} * o.num_, Wide{den_} * o.den_);
}

Ratio Ratio::operator/(const Ratio& o) const {
    if (o.num_ == 0) throw OverflowError("division by zero");
    return make_ratio(Wide{num_} * o.den_, Wide{den_} * o.num_);
}

std::strong_ordering Ratio::operator<=>(const Ratio& o) const {
    return Wide{num_} * o.den_ <=> Wide{o.num_} * den_;
}

std::int64_t Ratio::round(Rounding rounding) const {
    const Wide q = floor_div(num_, den_);
    const Wide r2 = (Wide{num_} - q * den_) * 2;  // twice the remainder, in [0, 2*den)
    Wide result = q;
    switch (rounding) {
        case Rounding::Down:
            break;
        case Rounding::HalfUp:
            if (r2 >= den_) ++result;
            break;
        case Rounding::HalfEven:
            if (r2 > den_ || (r2 == den_ && (q % 2 != 0))) ++result;
            break;
    }
    return narrow(result, "rounding overflow");
}

std::string Ratio::to_string(int max_places) const {
    const bool negative = num_ < 0;
    const Wide n = negative ? -Wide{num_} : Wide{num_};
    Wide whole = n / den_;
    Wide rem = n % den_;
    std::string digits;
    for (int i = 0; i < max_places && rem != 0; ++i) {
        rem *= 10;
        digits.push_back(static_cast<char>('0' + static_cast<int>(rem / den_)));
        rem %= den_;
    }
    std::string out = negative ? "-" : "";
    out += std::to_string(static_cast<std::uint64_t>(whole));  // up to 2^63, for INT64_MIN
    if (!digits.empty()) out += "." + digits;
    return out;
}

Money Money::operator+(Money o) const {
    std::int64_t r = 0;
    if (__builtin_add_overflow(pence_, o.pence_, &r)) throw OverflowError("money overflow");
    return Money(r);
}

Money Money::operator-(Money o) const {
    std::int64_t r = 0;
    if (__builtin_sub_overflow(pence_, o.pence_, &r)) throw OverflowError("money overflow");
    return Money(r);
}

Money Money::operator-() const {
    if (pence_ == kMin) throw OverflowError("money overflow");
    return Money(-pence_);
}

// Pence are a Decimal with two places, so money reads the same here as in a policy.
// The text of dsl::decimal_text(Decimal{pence, 2}): "-" then pounds (at least "0"), ".", two
// digits (every amount of an answer is written so, through write()).
std::string Money::to_string() const {
    std::array<char, kTextChars> buf{};
    return std::string(buf.data(), write(buf.data()));
}

std::size_t Money::write(char* out) const {
    // detail::format_money, the writer of the amounts in sentences (three digits at a time),
    // without grouping or the pound sign: at most a sign, 17 digits, '.' and 2.
    return detail::format_money(out, *this, false);
}

std::string Money::to_display() const { return dsl::money_text(dsl::Decimal{pence_, 2}); }

namespace {

bool fail(std::string* error, const char* message) {
    if (error != nullptr) *error = message;
    return false;
}

// Reads [-]digits[.digits] into units and a count of fraction digits.
bool read_decimal(std::string_view text, bool allow_negative, std::size_t max_places,
                  Wide& units, std::size_t& places, std::string* error) {
    std::size_t i = 0;
    bool negative = false;
    if (allow_negative && i < text.size() && text[i] == '-') {
        negative = true;
        ++i;
    }
    const std::size_t int_start = i;
    units = 0;
    places = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        units = units * 10 + (text[i] - '0');
        if (units > Wide{kMax}) return fail(error, "number is too large");
    }
    if (i == int_start) return fail(error, "expected digits");
    if (i < text.size() && text[i] == '.') {
        ++i;
        const std::size_t frac_start = i;
        for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
            units = units * 10 + (text[i] - '0');
            ++places;
            if (units > Wide{kMax}) {
                return fail(error, places > max_places ? (max_places == 2 ? "money has at most 2 decimal places"
                                                                          : "too many decimal places (at most 18)")
                                                       : "number is too large");
            }
        }
        if (i == frac_start) return fail(error, "expected digits after the decimal point");
    }
    if (i != text.size()) return fail(error, "unexpected character in number");
    if (places > max_places) {
        return fail(error, max_places == 2 ? "money has at most 2 decimal places"
                                           : "too many decimal places (at most 18)");
    }
    if (negative) units = -units;
    return true;
}

}  // namespace

std::optional<Money> parse_money(std::string_view text, std::string* error) {
    Wide units = 0;
    std::size_t places = 0;
    if (!read_decimal(text, true, 2, units, places, error)) return std::nullopt;
    for (; places < 2; ++places) units *= 10;
    if (units > Wide{kMax} || units < -Wide{kMax}) {
        fail(error, "amount is too large");
        return std::nullopt;
    }
    return Money::pence(static_cast<std::int64_t>(units));
}

std::optional<Ratio> parse_decimal(std::string_view text, std::string* error) {
    Wide units = 0;
    std::size_t places = 0;
    if (!read_decimal(text, false, 18, units, places, error)) return std::nullopt;
    std::int64_t den = 1;
    for (std::size_t k = 0; k < places; ++k) den *= 10;
    return Ratio(static_cast<std::int64_t>(units), den);
}

Money round_pence(const Ratio& pence, Rounding rounding) {
    return Money::pence(pence.round(rounding));
}

}  // namespace jointly::engine
