// How a decision holds its text (text_types.hpp): Sentences, the explanation in one buffer,
// read as a vector of string_views; InlineText, a reason or digest held inline; and what that
// layout is for: a new decision of the 3-line benchmark package (bench/eval_bench.cpp) makes a
// fixed, small number of heap allocations, and a reused one none (this binary counts them by
// replacing the global operator new).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "jointly/engine/evaluate.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/engine/text_types.hpp"

// Under AddressSanitizer the allocator is ASan's, and replacing operator new there makes it
// report mismatched allocation and deallocation: the counting tests run in the other builds.
#if defined(__SANITIZE_ADDRESS__)
#define JOINTLY_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JOINTLY_UNDER_ASAN 1
#endif
#endif

#ifndef JOINTLY_UNDER_ASAN
namespace {

std::atomic<long> g_allocations{0};

// Out of line: inlined into operator new, GCC would take the pairing of its malloc with the
// operator delete below for a mismatch.
[[gnu::noinline]] void* counted(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t size) { return counted(size); }
void* operator new[](std::size_t size) { return counted(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace jointly::engine {
namespace {

TEST(Sentences, ReadsAsAVectorOfViews) {
    Sentences s;
    EXPECT_TRUE(s.empty());
    s.push_back("The first.");
    s.push_back("");
    s.push_back("The third, £1,350.00.");
    ASSERT_EQ(s.size(), 3U);
    EXPECT_EQ(s[0], "The first.");
    EXPECT_EQ(s[1], "");
    EXPECT_EQ(s.at(2), "The third, £1,350.00.");
    EXPECT_EQ(s.front(), "The first.");
    EXPECT_EQ(s.back(), "The third, £1,350.00.");
    EXPECT_THROW((void)s.at(3), std::out_of_range);
    const std::vector<std::string_view> all(s.begin(), s.end());
    EXPECT_EQ(all, (std::vector<std::string_view>{"The first.", "", "The third, £1,350.00."}));
    EXPECT_EQ(s.end() - s.begin(), 3);
    EXPECT_EQ(*(s.begin() + 2), "The third, £1,350.00.");
    EXPECT_EQ(s, (Sentences{"The first.", "", "The third, £1,350.00."}));
}

TEST(Sentences, EqualOnlyWithTheSameSentences) {
    // The same bytes cut in other places are other sentences.
    EXPECT_NE((Sentences{"ab", "c"}), (Sentences{"a", "bc"}));
    EXPECT_NE((Sentences{"a"}), (Sentences{"a", ""}));
    EXPECT_EQ((Sentences{}), Sentences());
}

TEST(Sentences, ClearKeepsTheBufferForTheNext) {
    Sentences s;
    s.push_back(std::string(500, 'x'));
    const std::size_t held = s.heap_bytes();
    EXPECT_GE(held, 500U);
    s.clear();
    EXPECT_TRUE(s.empty());
    EXPECT_EQ(s.heap_bytes(), held);
    s.push_back("again");
    EXPECT_EQ(s[0], "again");
    EXPECT_EQ(s.size(), 1U);
}

TEST(InlineText, ShortTextStaysInlineLongTextSpills) {
    Words w;
    w = "personal care is funded by children's social care";
    EXPECT_EQ(w, "personal care is funded by children's social care");
    EXPECT_EQ(w.heap_bytes(), 0U);
    const std::string long_text(Words::kInline + 1, 'y');
    w = long_text;
    EXPECT_EQ(w, long_text);
    EXPECT_EQ(w.str(), long_text);
    EXPECT_GT(w.heap_bytes(), Words::kInline);
    EXPECT_EQ(Words("a"), Words("a"));
    EXPECT_NE(Words("a"), Words("b"));
    const std::string other = "a";
    EXPECT_TRUE(other == Words("a"));  // either side
    std::ostringstream printed;
    printed << Words("shown");
    EXPECT_EQ(printed.str(), "shown");
}

#ifdef JOINTLY_UNDER_ASAN
TEST(DecisionLayout, ANewDecisionMakesFourAllocations) {
    GTEST_SKIP() << "operator new is ASan's here; the other builds count";
}
#else
std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

Request three_lines() {
    Request r;
    r.as_of = *parse_date("2025-06-01");
    r.case_ref = "C-1042";
    r.facts["has_ehcp"] = Value(true);
    r.facts["dst"] = Value(LevelMap{{"breathing", Level{3}}, {"seizures", Level{4}}, {"skin", Level{4}}});
    r.events["surgery"] = {*parse_date("2025-06-10")};
    Line pc;
    pc.id = "pc";
    pc.service = "personal_care";
    pc.kind = LineKind::Weekly;
    pc.weekly = *parse_money("450.00");
    pc.start = *parse_date("2025-06-01");
    pc.end = *parse_date("2025-08-31");
    Line res = pc;
    res.id = "res";
    res.service = "residential_placement";
    res.weekly = *parse_money("4200.00");
    res.end = *parse_date("2026-05-31");
    Line eq;
    eq.id = "eq";
    eq.service = "equipment";
    eq.kind = LineKind::OneOff;
    eq.amount = *parse_money("1250.00");
    eq.date = *parse_date("2025-06-15");
    r.lines = {pc, res, eq};
    return r;
}

TEST(DecisionLayout, ANewDecisionMakesFourAllocations) {
    const CheckResult compiled = compile(read(std::string(JOINTLY_SOURCE_DIR) + "/policies/reference/reference.jf"),
                                         "reference.jf");
    ASSERT_TRUE(compiled.program);
    const Request request = three_lines();
    (void)evaluate(*compiled.program, request);  // the thread's own working memory, once
    const long before = g_allocations.load();
    const EvalResult result = evaluate(*compiled.program, request);
    const long made = g_allocations.load() - before;
    ASSERT_TRUE(result.decision);
    const Decision& d = *result.decision;
    // Six allocations, seven sentences, each reason held inline, the digest too.
    ASSERT_EQ(d.allocations.size(), 6U);
    ASSERT_EQ(d.explanation.size(), 7U);
    EXPECT_TRUE(std::all_of(d.allocations.begin(), d.allocations.end(),
                            [](const Allocation& a) { return a.reason.heap_bytes() == 0; }));
    EXPECT_EQ(d.policy_sha256.heap_bytes(), 0U);
    EXPECT_EQ(d.policy_sha256, compiled.program->sha256());
    // The eligibility list, the allocations, the explanation's buffer, and the one rule name
    // too long for a std::string's own buffer (`post_op_personal_care`): nothing per
    // reason or sentence. Each of those was an allocation of its own before (19 in all).
    EXPECT_EQ(made, 4);
    // Into a result already holding a decision of the same shape: none.
    EvalResult kept = evaluate(*compiled.program, request);
    const long before_reuse = g_allocations.load();
    evaluate_into(*compiled.program, request, kept);
    EXPECT_EQ(g_allocations.load() - before_reuse, 0);
    ASSERT_TRUE(kept.decision);
    EXPECT_EQ(*kept.decision, d);
}
#endif

}  // namespace
}  // namespace jointly::engine
