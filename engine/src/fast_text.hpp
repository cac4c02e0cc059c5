// Allocation-free formatting for the evaluation hot path: the same text as Money::to_string,
// Money::to_display, Date::to_string and Date::to_display (tests hold them equal), appended
// to a caller's buffer instead of built from temporaries.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "jointly/engine/date.hpp"
#include "jointly/engine/money.hpp"
#include "jointly/engine/text_types.hpp"

namespace jointly::engine::detail {

struct Civil {
    int y;
    int m;
    int d;
};

// The civil date of a day number. Neri and Schneider's Euclidean-affine form (a few
// multiplications, no signed division) for days from about 32,800 BC to AD 2,700,000;
// H. Hinnant's algorithm outside that. Tests hold both equal to Date::year/month/day.
inline Civil civil_of(Date date) {
    constexpr std::int64_t kShift = 719468 + 146097 * 82;  // 1970-01-01 -> day kShift of 0 March, year -32800
    const std::int64_t shifted = std::int64_t{date.days()} + kShift;
    if (shifted >= 0 && shifted < 1'000'000'000) {
        const auto n = static_cast<std::uint32_t>(shifted);
        const std::uint32_t n1 = 4 * n + 3;
        const std::uint32_t century = n1 / 146097;
        const std::uint32_t n2 = (n1 % 146097) | 3U;
        const std::uint64_t p2 = std::uint64_t{2939745} * n2;
        const auto year_of_century = static_cast<std::uint32_t>(p2 >> 32);
        const std::uint32_t day_of_year = static_cast<std::uint32_t>(p2) / 2939745 / 4;
        const std::uint32_t n3 = 2141 * day_of_year + 197913;
        const std::uint32_t month = n3 >> 16;
        const std::uint32_t day = (n3 & 0xFFFFU) / 2141;
        const bool jan_feb = day_of_year >= 306;
        return {static_cast<int>(100 * century + year_of_century) - 400 * 82 + (jan_feb ? 1 : 0),
                static_cast<int>(jan_feb ? month - 12 : month), static_cast<int>(day + 1)};
    }
    std::int32_t z = date.days() + 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const int doe = z - era * 146097;
    const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int mp = (5 * doy + 2) / 153;
    const int d = doy - (153 * mp + 2) / 5 + 1;
    const int m = mp + (mp < 10 ? 3 : -9);
    return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

// The calendar year in which the financial year containing `date` starts.
inline int financial_year_of(Date date) {
    const Civil c = civil_of(date);
    return c.m >= 4 ? c.y : c.y - 1;
}

inline constexpr std::size_t kMoneyChars = 48;  // room for any Money, grouped
inline constexpr std::size_t kDateChars = 32;   // room for any display date

// Writes into `buf` (kMoneyChars / kDateChars long); returns the length written.
std::size_t format_money(char* buf, Money m, bool grouped);
std::size_t format_date_display(char* buf, Date d);

// Text built in a fixed buffer, then copied into the caller's string; spills to the heap when
// it outgrows the buffer.
class TextBuilder {
public:
    void put(std::string_view s) {
        if (!spilled_ && len_ + s.size() <= buf_.size()) {
            std::memcpy(buf_.data() + len_, s.data(), s.size());
            len_ += s.size();
        } else {
            spill(s);
        }
    }
    void put(char c) {
        if (!spilled_ && len_ < buf_.size()) buf_[len_++] = c;
        else spill(std::string_view(&c, 1));
    }
    // A service name as words: "personal_care" -> "personal care".
    void words(std::string_view s) {
        const std::size_t start = len_;
        put(s);
        if (spilled_) return;
        for (std::size_t i = start; i < len_; ++i) {
            if (buf_[i] == '_') buf_[i] = ' ';
        }
    }
    void money(Money m) {
        if (!spilled_ && len_ + kMoneyChars <= buf_.size()) {
            len_ += format_money(buf_.data() + len_, m, true);
            return;
        }
        std::array<char, kMoneyChars> b;  // NOLINT: written before read
        put(std::string_view(b.data(), format_money(b.data(), m, true)));
    }
    void date(Date d) {
        if (!spilled_ && len_ + kDateChars <= buf_.size()) {
            len_ += format_date_display(buf_.data() + len_, d);
            return;
        }
        std::array<char, kDateChars> b;  // NOLINT: written before read
        put(std::string_view(b.data(), format_date_display(b.data(), d)));
    }
    // The text as the last of `list`'s.
    void add_to(Sentences& list) const {
        if (!spilled_) {
            list.push_back(std::string_view(buf_.data(), len_));
            return;
        }
        std::string whole(buf_.data(), len_);
        whole += heap_;
        list.push_back(whole);
    }

private:
    void spill(std::string_view s) {
        spilled_ = true;
        heap_ += s;
    }
    std::array<char, 1024> buf_;  // INVARIANT: the first len_ bytes are the text so far
    std::size_t len_ = 0;
    bool spilled_ = false;        // INVARIANT: once spilled, every later piece goes to heap_
    std::string heap_;
};

void append_int(std::string& out, std::int64_t value);
void append_money(std::string& out, Money m);          // "1234.56"
void append_money_display(std::string& out, Money m);  // "£1,234.56"
void append_date(std::string& out, Date d);            // "2025-06-10"
void append_date_display(std::string& out, Date d);    // "10 June 2025"

}  // namespace jointly::engine::detail
