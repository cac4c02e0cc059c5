// allocate(): the one place that splits money. Worked examples, then properties over many
// generated totals and share sets.
#include "jointly/engine/allocate.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace jointly::engine {
namespace {

struct Example {
    std::string name;
    std::int64_t total;  // pence
    std::vector<Ratio> shares;
    std::optional<std::size_t> odd_penny;
    std::vector<std::int64_t> expected;  // pence
};

class AllocateExample : public ::testing::TestWithParam<Example> {};

TEST_P(AllocateExample, SplitsAsWorkedByHand) {
    const Example& e = GetParam();
    const std::vector<Money> parts = allocate(Money::pence(e.total), e.shares, e.odd_penny);
    ASSERT_EQ(parts.size(), e.expected.size());
    for (std::size_t i = 0; i < parts.size(); ++i) {
        EXPECT_EQ(parts[i].in_pence(), e.expected[i]) << "part " << i;
    }
}

const Ratio kHalf(1, 2);
const Ratio kThird(1, 3);

INSTANTIATE_TEST_SUITE_P(
    Examples, AllocateExample,
    ::testing::Values(
        // DOMAIN.md: £333.33 at 66/20/14 is 220.00 / 66.66 / 46.67 by largest remainder.
        Example{.name = "domain_66_20_14", .total = 33333,
                .shares = {Ratio(66, 100), Ratio(20, 100), Ratio(14, 100)}, .odd_penny = std::nullopt,
                .expected = {22000, 6666, 4667}},
        // Thirds: the one left-over penny goes to the first listed on a tie.
        Example{.name = "thirds_tie_first_listed", .total = 100, .shares = {kThird, kThird, kThird},
                .odd_penny = std::nullopt, .expected = {34, 33, 33}},
        // ... unless the rule names the odd-penny agency.
        Example{.name = "thirds_tie_odd_penny", .total = 100, .shares = {kThird, kThird, kThird},
                .odd_penny = 2, .expected = {33, 33, 34}},
        Example{.name = "thirds_two_pennies_odd_then_order", .total = 2,
                .shares = {kThird, kThird, kThird}, .odd_penny = 2, .expected = {1, 0, 1}},
        Example{.name = "halves_odd_penny_second", .total = 1, .shares = {kHalf, kHalf},
                .odd_penny = 1, .expected = {0, 1}},
        Example{.name = "halves_no_odd_penny", .total = 1, .shares = {kHalf, kHalf},
                .odd_penny = std::nullopt, .expected = {1, 0}},
        // Largest remainder beats the odd-penny agency when remainders differ.
        Example{.name = "largest_remainder_first", .total = 985801, .shares = {Ratio(3, 5), Ratio(2, 5)},
                .odd_penny = 1, .expected = {591481, 394320}},
        Example{.name = "zero_total", .total = 0, .shares = {kThird, Ratio(2, 3)},
                .odd_penny = std::nullopt, .expected = {0, 0}},
        Example{.name = "one_share", .total = 12345, .shares = {Ratio(1, 1)},
                .odd_penny = std::nullopt, .expected = {12345}},
        Example{.name = "negative_mirrors", .total = -100, .shares = {kThird, kThird, kThird},
                .odd_penny = std::nullopt, .expected = {-34, -33, -33}},
        // The acceptance case thirds-across-year-end: 182400.43 in thirds.
        Example{.name = "acceptance_thirds", .total = 18240043, .shares = {kThird, kThird, kThird},
                .odd_penny = std::nullopt, .expected = {6080015, 6080014, 6080014}}),
    [](const ::testing::TestParamInfo<Example>& p) { return p.param.name; });

TEST(Allocate, RejectsSharesThatDoNotTotalOne) {
    EXPECT_THROW(allocate(Money::pence(100), {kHalf, kThird}), std::invalid_argument);
    EXPECT_THROW(allocate(Money::pence(100), {}), std::invalid_argument);
    EXPECT_THROW(allocate(Money::pence(100), {Ratio(3, 2), Ratio(-1, 2)}), std::invalid_argument);
}

// Properties over generated cases: the parts sum exactly to the total; each part is the
// floor of its exact share or one penny more; the extra pennies went to the largest
// remainders; among equal remainders, the odd-penny share first, then the listed order.
TEST(AllocateProperty, ManyGeneratedSplits) {
    std::mt19937_64 rng(20250401);
    std::uniform_int_distribution<std::int64_t> total_dist(0, 5'000'000'000LL);
    std::uniform_int_distribution<int> count_dist(1, 12);  // past 8: the heap path
    std::uniform_int_distribution<std::int64_t> weight_dist(0, 1000);
    std::uniform_int_distribution<int> kind_dist(0, 3);
    for (int iteration = 0; iteration < 20000; ++iteration) {
        const int n = count_dist(rng);
        std::vector<std::int64_t> weights(static_cast<std::size_t>(n));
        std::int64_t sum = 0;
        const int kind = kind_dist(rng);
        for (auto& w : weights) {
            // kind 0: equal shares (all ties); 1: small weights (many ties); else: anything.
            w = kind == 0 ? 1 : kind == 1 ? weight_dist(rng) % 3 + 1 : weight_dist(rng) + 1;
            sum += w;
        }
        std::vector<Ratio> shares;
        for (const auto w : weights) shares.emplace_back(w, sum);
        std::int64_t total = total_dist(rng);
        if (iteration % 5 == 0) total %= 1000;  // small totals: the remainders matter most
        std::optional<std::size_t> odd;
        if (iteration % 2 == 0) odd = static_cast<std::size_t>(iteration / 2 % n);

        const std::vector<Money> parts = allocate(Money::pence(total), shares, odd);
        ASSERT_EQ(parts.size(), shares.size());
        std::int64_t got = 0;
        std::vector<bool> extra(parts.size());
        std::vector<Ratio> remainder(parts.size());
        for (std::size_t i = 0; i < parts.size(); ++i) {
            const Ratio exact = Ratio::whole(total) * shares[i];
            const std::int64_t floor = exact.round(Rounding::Down);
            remainder[i] = exact - Ratio::whole(floor);
            const std::int64_t p = parts[i].in_pence();
            ASSERT_TRUE(p == floor || p == floor + 1)
                << "total " << total << " share " << shares[i].to_string() << " part " << p;
            extra[i] = p == floor + 1;
            got += p;
        }
        ASSERT_EQ(got, total);
        for (std::size_t i = 0; i < parts.size(); ++i) {
            for (std::size_t j = 0; j < parts.size(); ++j) {
                if (!extra[i] || extra[j]) continue;
                // i got a penny that j did not: i's remainder is larger, or equal and i wins the tie.
                ASSERT_GE(remainder[i], remainder[j]);
                if (remainder[i] == remainder[j]) {
                    const bool i_odd = odd && *odd == i;
                    const bool j_odd = odd && *odd == j;
                    ASSERT_TRUE(i_odd || (!j_odd && i < j))
                        << "tie broken wrongly between " << i << " and " << j << " (total " << total << ")";
                }
            }
        }
    }
}

}  // namespace
}  // namespace jointly::engine
