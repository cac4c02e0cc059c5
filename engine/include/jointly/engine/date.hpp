// Calendar dates as day numbers. ISO `YYYY-MM-DD` in and out.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jointly::engine {

// A day in the proleptic Gregorian calendar, held as days since 1970-01-01.
class Date {
public:
    constexpr Date() = default;
    static Date from_civil(int year, int month, int day);  // caller guarantees validity
    static constexpr Date from_days(std::int32_t days) { return Date(days); }

    std::int32_t days() const { return days_; }
    int year() const;
    int month() const;
    int day() const;

    Date plus_days(std::int64_t n) const;
    // Days from *this to `o` (o - this).
    std::int64_t days_until(Date o) const { return std::int64_t{o.days_} - days_; }

    bool operator==(const Date&) const = default;
    auto operator<=>(const Date&) const = default;

    std::string to_string() const;   // "2025-06-10"
    // to_string()'s text into `out` (room for kTextChars); returns its length.
    static constexpr std::size_t kTextChars = 40;
    std::size_t write(char* out) const;
    std::string to_display() const;  // "10 June 2025"

    // The 1 April that starts the financial year containing this date.
    Date financial_year_start() const;
    // "2025-26" for any date from 2025-04-01 to 2026-03-31.
    std::string financial_year() const;

private:
    constexpr explicit Date(std::int32_t d) : days_(d) {}
    std::int32_t days_ = 0;
};

namespace detail {
inline constexpr std::int64_t kNotADate = INT64_MIN;
// parse_date's day number, or kNotADate. Out of line and returning a plain integer: an
// optional<Date> returned from a call is built in memory a byte at a time and read back whole,
// which stalls the load on each of the many dates a request holds.
std::int64_t parse_date_days(std::string_view text);
}  // namespace detail

// Parses exactly `YYYY-MM-DD` naming a real day (years 1900-9999); nullopt otherwise.
inline std::optional<Date> parse_date(std::string_view text) {
    const std::int64_t days = detail::parse_date_days(text);
    if (days == detail::kNotADate) return std::nullopt;
    return Date::from_days(static_cast<std::int32_t>(days));
}

}  // namespace jointly::engine
