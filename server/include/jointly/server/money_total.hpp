// A running sum of many decisions' money (reports, simulations) that cannot overflow.
#pragma once

#include <cstdint>
#include <string>

#include "jointly/engine/money.hpp"

namespace jointly::server {

// `__extension__` keeps -Wpedantic quiet about the GCC/Clang built-in type.
__extension__ typedef __int128 WidePence;
__extension__ typedef unsigned __int128 WidePenceUnsigned;

// Pence in 128 bits. Only engine::Money (|m| < 2^63) is ever added or taken away, so it would
// take 2^64 additions (more decisions than any store or caseload holds) to overflow: a report
// over stored decisions of £92,233,720,368,547,758.07 each sums them exactly instead of
// failing. Written as Money::to_string writes money ("-1234.56"). A value type; not
// thread-safe to share while written.
class MoneyTotal {
public:
    MoneyTotal() = default;

    MoneyTotal& operator+=(engine::Money m) {
        pence_ += m.in_pence();
        return *this;
    }
    MoneyTotal& operator-=(engine::Money m) {
        pence_ -= m.in_pence();
        return *this;
    }
    MoneyTotal& operator+=(const MoneyTotal& other) {
        pence_ += other.pence_;
        return *this;
    }
    MoneyTotal& operator-=(const MoneyTotal& other) {
        pence_ -= other.pence_;
        return *this;
    }
    friend MoneyTotal operator-(MoneyTotal a, const MoneyTotal& b) { return a -= b; }
    bool operator==(const MoneyTotal&) const = default;

    // "184467440737095516.14", "-12.00", "0.00".
    std::string to_string() const {
        const bool negative = pence_ < 0;
        auto abs = static_cast<WidePenceUnsigned>(negative ? -pence_ : pence_);
        std::string digits;
        do {
            digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(abs % 10)));
            abs /= 10;
        } while (abs != 0);
        while (digits.size() < 3) digits.insert(digits.begin(), '0');
        digits.insert(digits.end() - 2, '.');
        return negative ? "-" + digits : digits;
    }

private:
    WidePence pence_ = 0;
};

}  // namespace jointly::server
