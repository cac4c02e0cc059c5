#include "jointly/engine/allocate.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>

#include "wide.hpp"

namespace jointly::engine {
namespace {

struct Part {
    Wide floor;      // pence
    Wide remainder;  // remainder / den is the fractional penny, in [0, 1)
    Wide den;
};

// Throws unless the shares are non-negative and sum to exactly 1. Shares with one common
// denominator (thirds, halves, 60/40) are checked without reducing fractions.
void check_shares(const Ratio* shares, std::size_t n) {
    if (n == 0) throw std::invalid_argument("allocate: no shares");
    bool common = true;
    Wide nums = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (shares[i].num() < 0) throw std::invalid_argument("allocate: negative share");
        common = common && shares[i].den() == shares[0].den();
        nums += shares[i].num();
    }
    if (common) {
        if (nums != Wide{shares[0].den()}) throw std::invalid_argument("allocate: shares do not sum to 1");
        return;
    }
    Ratio sum;
    for (std::size_t i = 0; i < n; ++i) sum = sum + shares[i];
    if (sum != Ratio::whole(1)) throw std::invalid_argument("allocate: shares do not sum to 1");
}

}  // namespace

std::vector<Money> allocate(Money total, const std::vector<Ratio>& shares,
                            std::optional<std::size_t> odd_penny) {
    std::vector<Money> out(shares.size());
    allocate_into(total, shares.data(), shares.size(), odd_penny, out.data());
    return out;
}

void allocate_into(Money total, const Ratio* shares, std::size_t n, std::optional<std::size_t> odd_penny,
                   Money* out) {
    check_shares(shares, n);
    if (total < Money()) {
        allocate_into(-total, shares, n, odd_penny, out);
        for (std::size_t i = 0; i < n; ++i) out[i] = -out[i];
        return;
    }

    // Small splits (every real rule) stay on the stack.
    constexpr std::size_t kSmall = 8;
    std::array<Part, kSmall> small_parts;         // NOLINT: written before read
    std::array<std::size_t, kSmall> small_order;  // NOLINT: written before read
    const std::unique_ptr<Part[]> big_parts(n > kSmall ? new Part[n] : nullptr);
    const std::unique_ptr<std::size_t[]> big_order(n > kSmall ? new std::size_t[n] : nullptr);
    Part* parts = n > kSmall ? big_parts.get() : small_parts.data();
    std::size_t* order = n > kSmall ? big_order.get() : small_order.data();

    const Wide t = total.in_pence();
    Wide assigned = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const Wide exact_num = t * shares[i].num();  // INVARIANT: |t| < 2^63, |num| < 2^63
        const Wide den = shares[i].den();
        if (den == 1) {  // a whole share (100%, or 0): no division
            parts[i] = {exact_num, 0, den};
        } else if (exact_num <= Wide{INT64_MAX}) {  // 64-bit division: 128-bit is a library call
            const auto n64 = static_cast<std::int64_t>(exact_num);
            const std::int64_t d64 = shares[i].den();
            parts[i] = {n64 / d64, n64 % d64, den};
        } else {
            parts[i] = {exact_num / den, exact_num % den, den};
        }
        assigned += parts[i].floor;
    }
    auto left = static_cast<std::size_t>(t - assigned);  // INVARIANT: 0 <= left < n

    if (left > 0) {
        // Largest remainder first; on a tie the odd-penny share, then the listed order.
        const auto before = [&](std::size_t a, std::size_t b) {
            const Wide lhs = parts[a].remainder * parts[b].den;
            const Wide rhs = parts[b].remainder * parts[a].den;
            if (lhs != rhs) return lhs > rhs;
            const bool a_odd = odd_penny && *odd_penny == a;
            const bool b_odd = odd_penny && *odd_penny == b;
            return a_odd && !b_odd;
        };
        for (std::size_t i = 0; i < n; ++i) order[i] = i;
        if (n <= kSmall) {
            for (std::size_t i = 1; i < n; ++i) {  // stable insertion sort
                const std::size_t x = order[i];
                std::size_t j = i;
                for (; j > 0 && before(x, order[j - 1]); --j) order[j] = order[j - 1];
                order[j] = x;
            }
        } else {
            std::stable_sort(order, order + n, before);
        }
        for (std::size_t k = 0; k < left && k < n; ++k) parts[order[k]].floor += 1;
    }

    for (std::size_t i = 0; i < n; ++i) out[i] = Money::pence(static_cast<std::int64_t>(parts[i].floor));
}

}  // namespace jointly::engine
