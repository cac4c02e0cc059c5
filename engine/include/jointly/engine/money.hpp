// Exact money and ratios. Never binary floating point.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace jointly::engine {

// Thrown by arithmetic that would overflow. Internal to the engine: `evaluate` catches it
// and reports an E3xxx evaluation error; it never crosses a stage boundary.
class OverflowError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// How an exact value is brought to whole pence. Every conversion names one.
enum class Rounding { HalfUp, HalfEven, Down };

// An exact fraction num/den with den > 0, kept in lowest terms.
// INVARIANT: den > 0 and gcd(|num|, den) == 1.
class Ratio {
public:
    constexpr Ratio() = default;
    Ratio(std::int64_t num, std::int64_t den);  // throws OverflowError if den == 0
    static Ratio whole(std::int64_t n) { return Ratio(n, 1); }

    std::int64_t num() const { return num_; }
    std::int64_t den() const { return den_; }

    Ratio operator+(const Ratio& o) const;
    Ratio operator-(const Ratio& o) const;
    Ratio operator*(const Ratio& o) const;
    Ratio operator/(const Ratio& o) const;  // throws OverflowError on division by zero
    bool operator==(const Ratio& o) const = default;
    std::strong_ordering operator<=>(const Ratio& o) const;

    // Rounds to a whole number with the given rule.
    std::int64_t round(Rounding rounding) const;

    // Decimal text with up to `max_places` places, trailing zeros dropped ("33.3333").
    std::string to_string(int max_places = 6) const;

private:
    std::int64_t num_ = 0;
    std::int64_t den_ = 1;
};

// An amount of money in whole pence, overflow-checked (an overflow throws OverflowError).
class Money {
public:
    constexpr Money() = default;
    static constexpr Money pence(std::int64_t p) { return Money(p); }

    std::int64_t in_pence() const { return pence_; }
    Ratio as_ratio() const { return Ratio::whole(pence_); }  // in pence

    Money operator+(Money o) const;
    Money operator-(Money o) const;
    Money& operator+=(Money o) { return *this = *this + o; }
    Money& operator-=(Money o) { return *this = *this - o; }
    Money operator-() const;
    bool operator==(const Money&) const = default;
    auto operator<=>(const Money&) const = default;

    // "1234.56", "-0.05", "0.00".
    std::string to_string() const;
    // to_string()'s text into `out` (room for kTextChars); returns its length.
    static constexpr std::size_t kTextChars = 24;
    std::size_t write(char* out) const;
    // "£1,234.56" for sentences a family reads.
    std::string to_display() const;

private:
    constexpr explicit Money(std::int64_t p) : pence_(p) {}
    std::int64_t pence_ = 0;
};

// Parses a decimal string as money: optional '-', digits, optional '.' and 1-2 digits.
// Returns nullopt (with `error` set to a message) on anything else or on overflow.
std::optional<Money> parse_money(std::string_view text, std::string* error = nullptr);

// Parses a non-negative decimal string ("20", "37.5") into an exact ratio.
std::optional<Ratio> parse_decimal(std::string_view text, std::string* error = nullptr);

// Rounds an exact amount of pence to whole pence.
Money round_pence(const Ratio& pence, Rounding rounding);

}  // namespace jointly::engine
