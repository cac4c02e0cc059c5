// The one place that splits money.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "jointly/engine/money.hpp"

namespace jointly::engine {

// Splits `total` by `shares` (exact ratios that must sum to 1) with the largest-remainder
// method: each part is the floor of its exact share in pence; the pennies left over go one
// each to the largest fractional remainders; ties go first to `odd_penny` (an index into
// `shares`) when given, then in the order of `shares`. The parts always sum to `total`.
// A negative total is split as the negation of the split of its absolute value.
// Throws OverflowError on overflow; std::invalid_argument if shares do not sum to 1.
std::vector<Money> allocate(Money total, const std::vector<Ratio>& shares,
                            std::optional<std::size_t> odd_penny = std::nullopt);

// The same split written into `out` (one part per share, in order) without allocating:
// for the evaluator's hot path. `out` must hold `count` parts.
void allocate_into(Money total, const Ratio* shares, std::size_t count,
                   std::optional<std::size_t> odd_penny, Money* out);

}  // namespace jointly::engine
