#include "jointly/engine/allocate.hpp"

#include <algorithm>
#include <stdexcept>

#include "wide.hpp"

namespace jointly::engine {
namespace {



struct Part {
    std::size_t index;
    Wide floor;      // pence
    Wide remainder;  // remainder / den is the fractional penny, in [0, 1)
    Wide den;
};

}  // namespace

std::vector<Money> allocate(Money total, const std::vector<Ratio>& shares,
                            std::optional<std::size_t> odd_penny) {
    if (shares.empty()) throw std::invalid_argument("allocate: no shares");
    Ratio sum;
    for (const Ratio& s : shares) {
        if (s < Ratio()) throw std::invalid_argument("allocate: negative share");
        sum = sum + s;
    }
    if (sum != Ratio::whole(1)) throw std::invalid_argument("allocate: shares do not sum to 1");

    if (total < Money()) {
        std::vector<Money> parts = allocate(-total, shares, odd_penny);
        for (Money& p : parts) p = -p;
        return parts;
    }

    const Wide t = total.in_pence();
    std::vector<Part> parts;
    parts.reserve(shares.size());
    Wide assigned = 0;
    for (std::size_t i = 0; i < shares.size(); ++i) {
        const Wide exact_num = t * shares[i].num();  // INVARIANT: |t| < 2^63, |num| < 2^63
        const Wide den = shares[i].den();
        parts.push_back({i, exact_num / den, exact_num % den, den});
        assigned += exact_num / den;
    }
    auto left = static_cast<std::size_t>(t - assigned);  // INVARIANT: 0 <= left < shares.size()

    std::vector<std::size_t> order(parts.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const Wide lhs = parts[a].remainder * parts[b].den;
        const Wide rhs = parts[b].remainder * parts[a].den;
        if (lhs != rhs) return lhs > rhs;
        const bool a_odd = odd_penny && *odd_penny == a;
        const bool b_odd = odd_penny && *odd_penny == b;
        return a_odd && !b_odd;
    });
    for (std::size_t k = 0; k < left && k < order.size(); ++k) parts[order[k]].floor += 1;

    std::vector<Money> out;
    out.reserve(parts.size());
    for (const Part& p : parts) out.push_back(Money::pence(static_cast<std::int64_t>(p.floor)));
    return out;
}

}  // namespace jointly::engine
