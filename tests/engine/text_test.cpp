// The words of a decision: reasons with placeholders filled, the family's explanation, the
// trace with explain=full, determinism, the policy hash; and the hot path's formatting is
// the same text as Money's and Date's own.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine_fixture.hpp"
#include "jointly/dsl/print.hpp"
#include "fast_text.hpp"  // engine/src: white-box
#include "sha256.hpp"     // engine/src: white-box

namespace jointly::testing {
namespace {

using engine::Decision;
using engine::Request;

constexpr const char* kPolicy = R"(
policy words "Words"
  version "2025.1"
  effective from 2025-04-01
  panel "Joint Funding Panel"

agency health "NHS Integrated Care Board"
agency social_care "Children's Social Care"

scale need: none < low < moderate < high < severe < priority
fact dst: map of need
fact name: text default "the child"
event surgery

eligible continuing_care when count(dst, priority) >= 1 or count(dst, severe) >= 2
  because "at least one need at priority, or at least two at severe"

rule personal_care ref "1"
  when service is personal_care
  split social_care 100%
  because "personal care is funded by children's social care"

rule post_op_personal_care ref "2"
  exception to personal_care
  when service is personal_care and continuing_care
  within 6 weeks after surgery
  split health 50%, social_care 50%
  odd penny to health
  because "for six weeks after surgery on {surgery}, health and social care share personal care equally"

rule equipment ref "4"
  when service is equipment
  split health 60%, social_care 40%
  because "{line} ({service}) on {from} to {to}, {days} day(s), costs {cost}: health pays {health} of the package's {total}; {name}; cc {continuing_care}"

refer to "Director of Children's Services" when total > £5,000
  because "the package total of {total} is over £5,000"
)";

std::shared_ptr<const engine::Program> program() {
    static const auto p = compile_ok(kPolicy);
    return p;
}

Request post_op() {
    Request r;
    r.facts["dst"] = engine::Value(engine::LevelMap{{"breathing", engine::Level{3}}, {"seizures", engine::Level{4}},
                                                    {"skin", engine::Level{4}}});
    r.events["surgery"] = {d("2025-06-10")};
    r.lines = {weekly("pc", "personal_care", "450.00", "2025-06-01", "2025-08-31")};
    return r;
}

TEST(Explanation, OneSentencePerAllocationAndOutcome) {
    const Decision dec = decide(*program(), post_op());
    ASSERT_EQ(dec.explanation.size(), 4U);
    EXPECT_EQ(dec.explanation[0],
              "From 1 June 2025 to 9 June 2025, personal care costs £578.57: Children's Social Care pays "
              "£578.57, because personal care is funded by children's social care (clause 1).");
    EXPECT_EQ(dec.explanation[1],
              "From 10 June 2025 to 21 July 2025, personal care costs £2,700.00: NHS Integrated Care Board "
              "pays £1,350.00 and Children's Social Care pays £1,350.00, because for six weeks after surgery "
              "on 10 June 2025, health and social care share personal care equally (clause 2).");
    EXPECT_EQ(dec.explanation[3],
              "The package is referred to the Director of Children's Services because the package total of "
              "£5,914.28 is over £5,000.");
    EXPECT_EQ(dec.allocations[1].reason,
              "for six weeks after surgery on 10 June 2025, health and social care share personal care equally");
    EXPECT_EQ(dec.allocations[1].ref, "2");
    ASSERT_EQ(dec.eligibility.size(), 1U);
    EXPECT_TRUE(dec.eligibility[0].met);
    EXPECT_EQ(dec.eligibility[0].reason, "at least one need at priority, or at least two at severe");
}

TEST(Explanation, EveryPlaceholder) {
    Request r = post_op();
    r.lines = {one_off("eq", "equipment", "1250.00", "2025-06-15")};
    const Decision dec = decide(*program(), r);
    ASSERT_EQ(dec.allocations.size(), 1U);
    EXPECT_EQ(dec.allocations[0].reason,
              "eq (equipment) on 15 June 2025 to 15 June 2025, 1 day(s), costs £1,250.00: health pays £750.00 of "
              "the package's £1,250.00; the child; cc met");
    EXPECT_EQ(dec.explanation[0].rfind("On 15 June 2025, equipment costs £1,250.00: NHS Integrated Care Board pays "
                                       "£750.00 and Children's Social Care pays £500.00, because eq",
                                       0),
              0U);
    EXPECT_EQ(dec.explanation.back(), "The package is approved.");
}

TEST(Explanation, IssuesAreExplained) {
    Request r = post_op();
    r.lines = {weekly("tx", "transport", "70.00", "2025-06-01", "2025-06-07")};
    const Decision dec = decide(*program(), r);
    ASSERT_EQ(dec.explanation.size(), 2U);
    EXPECT_EQ(dec.explanation[0],
              "From 1 June 2025 to 7 June 2025, transport costs £70.00, but no rule of the policy covers it, "
              "so the Joint Funding Panel will decide who pays.");
    EXPECT_EQ(dec.explanation[1],
              "The package is referred to the Joint Funding Panel because part of it is not settled by the "
              "agreed rules.");
    ASSERT_EQ(dec.outcome_reasons.size(), 1U);
    EXPECT_EQ(dec.outcome_reasons[0], "no rule covers line `tx` (`transport`) from 2025-06-01 to 2025-06-07");
}

TEST(Trace, OnlyWithExplainFull) {
    Request r = post_op();
    EXPECT_TRUE(decide(*program(), r).trace.empty());
    r.explain_full = true;
    const Decision dec = decide(*program(), r);
    ASSERT_FALSE(dec.trace.empty());
    // eligibility, then per segment each candidate rule, then the outcome rules.
    EXPECT_EQ(dec.trace.front().subject, "eligibility");
    EXPECT_TRUE(dec.trace.front().applied);
    bool found = false;
    for (const auto& step : dec.trace) {
        if (step.subject == "line pc 2025-06-10..2025-07-21" && step.rule == "post_op_personal_care") {
            found = true;
            EXPECT_TRUE(step.applied);
            ASSERT_GE(step.detail.size(), 3U);
            EXPECT_EQ(step.detail[0], "service is personal_care: true");
            EXPECT_EQ(step.detail[1], "continuing_care: true");
            EXPECT_EQ(step.detail[2], "within 6 weeks after surgery (2025-06-10 to 2025-07-21): true");
        }
        if (step.subject == "line pc 2025-06-10..2025-07-21" && step.rule == "personal_care") {
            EXPECT_FALSE(step.applied);
            EXPECT_EQ(step.detail.back(), "set aside: `post_op_personal_care` is an exception to it");
        }
    }
    EXPECT_TRUE(found);
    EXPECT_EQ(dec.trace.back().subject, "outcome");
    // The rest of the decision is the same as without the trace.
    Request plain = post_op();
    const Decision p = decide(*program(), plain);
    EXPECT_EQ(p.explanation, dec.explanation);
    EXPECT_EQ(p.total, dec.total);
}

TEST(Determinism, SameInputSameDecision) {
    const Decision a = decide(*program(), post_op());
    const Decision b = decide(*program(), post_op());
    EXPECT_EQ(a.explanation, b.explanation);
    EXPECT_EQ(a.by_agency, b.by_agency);
    EXPECT_EQ(a.by_financial_year, b.by_financial_year);
    EXPECT_EQ(a.outcome_reasons, b.outcome_reasons);
    EXPECT_EQ(a.engine, "jointly 0.1.0");
    EXPECT_EQ(a.policy_id, "words");
    EXPECT_EQ(a.policy_version, "2025.1");
    EXPECT_EQ(a.policy_sha256, program()->sha256());
}

TEST(Determinism, ThreadsShareOneProgram) {
    const Decision expected = decide(*program(), post_op());
    std::vector<std::thread> threads;
    std::vector<int> mismatches(4, 0);
    for (std::size_t t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                const engine::EvalResult r = engine::evaluate(*program(), post_op());
                if (!r.decision || r.decision->explanation != expected.explanation ||
                    r.decision->by_agency != expected.by_agency) {
                    ++mismatches[t];
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

// The FIPS 180-2 examples (appendix B) and NIST's million-`a` message.
TEST(Sha256, KnownVectors) {
    EXPECT_EQ(engine::detail::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(engine::detail::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(engine::detail::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    // 1,000,000 x 'a' crosses many blocks.
    EXPECT_EQ(engine::detail::sha256_hex(std::string(1000000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Lengths around the padding edges: 55 bytes leave room for the length in one block, 56 need a
// second, 63 and 64 fill a block. Expected values from GNU coreutils `sha256sum`, an
// implementation independent of libcrypto.
TEST(Sha256, PaddingEdges) {
    EXPECT_EQ(engine::detail::sha256_hex(std::string(55, 'x')),
              "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
    EXPECT_EQ(engine::detail::sha256_hex(std::string(56, 'x')),
              "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e");
    EXPECT_EQ(engine::detail::sha256_hex(std::string(63, 'x')),
              "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2");
    EXPECT_EQ(engine::detail::sha256_hex(std::string(64, 'x')),
              "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
}

// A policy's hash is the SHA-256 of its text, pinned: a stored decision's `policy.sha256` must
// keep naming the same text whichever library computes it.
TEST(Sha256, PolicyHashIsPinned) {
    ASSERT_TRUE(program());
    EXPECT_EQ(program()->sha256(), "14491449cfe5e36858179d9d06471f9895931f9aab5c1f378194996b07bb34bd");
    EXPECT_EQ(engine::detail::sha256_hex(kPolicy), program()->sha256());
}

// A number is written with one sign, the extremes of 64 bits included (the least one's
// magnitude does not fit in 64 signed bits).
TEST(FastText, NumbersAtTheLimitsOf64BitsKeepOneSign) {
    EXPECT_EQ(engine::Ratio::whole(INT64_MIN).to_string(4), "-9223372036854775808");
    EXPECT_EQ(engine::Ratio::whole(INT64_MAX).to_string(4), "9223372036854775807");
    EXPECT_EQ(engine::Ratio::whole(-1).to_string(4), "-1");
    EXPECT_EQ(engine::Ratio(INT64_MIN, 2).to_string(4), "-4611686018427387904");
    EXPECT_EQ(engine::Ratio(-7, 4).to_string(4), "-1.75");
}

TEST(FastText, SameAsMoneyAndDate) {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::int64_t> pence(-2'000'000'000'000LL, 2'000'000'000'000LL);
    std::uniform_int_distribution<std::int32_t> days(-25000, 60000);
    for (int i = 0; i < 20000; ++i) {
        std::int64_t p = pence(rng);
        if (i % 4 == 0) p %= 100000;
        if (i == 0) p = INT64_MAX;
        if (i == 1) p = INT64_MIN + 1;
        const engine::Money money = engine::Money::pence(p);
        std::string plain;
        std::string display;
        engine::detail::append_money(plain, money);
        engine::detail::append_money_display(display, money);
        ASSERT_EQ(plain, money.to_string());
        ASSERT_EQ(display, money.to_display());
        const engine::Date date = engine::Date::from_days(days(rng));
        std::string iso;
        std::string words;
        engine::detail::append_date(iso, date);
        engine::detail::append_date_display(words, date);
        ASSERT_EQ(iso, date.to_string());
        ASSERT_EQ(words, date.to_display());
        ASSERT_EQ(engine::detail::financial_year_of(date), date.financial_year_start().year());
    }
}

// The hot path against the one printer (jointly/dsl/print.hpp) directly, at the edges: zero,
// single pence, each grouping boundary either side of zero, the extremes of int64, and dates
// with negative and five-digit years.
TEST(FastText, SameAsTheOnePrinter) {
    std::vector<std::int64_t> pence{0, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (std::int64_t p = 1; p <= INT64_MAX / 10; p *= 10) {
        for (const std::int64_t q : {p - 1, p, p + 1, 5 * p}) {
            pence.push_back(q);
            pence.push_back(-q);
        }
    }
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<std::int64_t> any(INT64_MIN, INT64_MAX);
    for (int i = 0; i < 5000; ++i) pence.push_back(any(rng) >> (i % 60));
    for (const std::int64_t p : pence) {
        const engine::Money money = engine::Money::pence(p);
        std::string plain;
        std::string display;
        engine::detail::append_money(plain, money);
        engine::detail::append_money_display(display, money);
        ASSERT_EQ(plain, dsl::decimal_text(dsl::Decimal{p, 2})) << p;
        ASSERT_EQ(display, dsl::money_text(dsl::Decimal{p, 2})) << p;
        ASSERT_EQ(money.to_string(), plain) << p;  // Money's own digit-by-digit writer
    }
    std::vector<engine::Date> dates{engine::Date::from_civil(-5, 3, 1), engine::Date::from_civil(-1234, 12, 31),
                                    engine::Date::from_civil(0, 1, 1), engine::Date::from_civil(999, 7, 4),
                                    engine::Date::from_civil(12345, 6, 7)};
    std::uniform_int_distribution<std::int32_t> days(-1'200'000, 3'000'000);
    for (int i = 0; i < 20000; ++i) dates.push_back(engine::Date::from_days(days(rng)));
    for (const engine::Date date : dates) {
        std::string iso;
        engine::detail::append_date(iso, date);
        ASSERT_EQ(iso, dsl::date_text(dsl::CivilDate{date.year(), date.month(), date.day()}));
    }
}

// civil_of's fast form against Date's own calendar (Hinnant's algorithm) on every day from
// 1 January 1600 to the end of 2400, and at the edges where it hands over to the slow form.
TEST(FastText, CivilOfEveryDay) {
    const auto same = [](std::int32_t days) {
        const engine::Date date = engine::Date::from_days(days);
        const engine::detail::Civil c = engine::detail::civil_of(date);
        return c.y == date.year() && c.m == date.month() && c.d == date.day();
    };
    const std::int32_t first = engine::Date::from_civil(1600, 1, 1).days();
    const std::int32_t last = engine::Date::from_civil(2400, 12, 31).days();
    for (std::int32_t d = first; d <= last; ++d) ASSERT_TRUE(same(d)) << "day " << d;
    constexpr std::int32_t kHandOver = -(719468 + 146097 * 82);
    for (const std::int32_t d : {kHandOver - 2, kHandOver - 1, kHandOver, kHandOver + 1, -1, 0, 1,
                                 1'000'000'000 - 719468 - 146097 * 82 - 1, 1'000'000'000 - 719468 - 146097 * 82,
                                 400'000'000}) {
        EXPECT_TRUE(same(d)) << "day " << d;
    }
}

}  // namespace
}  // namespace jointly::testing
