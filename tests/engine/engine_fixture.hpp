// Small helpers for engine tests: compile policy text, build requests, evaluate.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "jointly/dsl/diagnostic.hpp"
#include "jointly/engine/evaluate.hpp"
#include "jointly/engine/program.hpp"

namespace jointly::testing {

inline engine::Date d(const char* iso) {
    const auto date = engine::parse_date(iso);
    EXPECT_TRUE(date.has_value()) << iso;
    return date.value_or(engine::Date());
}

inline engine::Money m(const char* text) {
    const auto money = engine::parse_money(text);
    EXPECT_TRUE(money.has_value()) << text;
    return money.value_or(engine::Money());
}

// Compiles policy text; a compile error fails the test (and returns null).
inline std::shared_ptr<const engine::Program> compile_ok(std::string_view source) {
    engine::CheckResult r = engine::compile(source, "test.jf");
    std::string rendered;
    for (const dsl::Diagnostic& diag : r.diagnostics) {
        if (diag.severity == dsl::Severity::Error) rendered += dsl::render(diag, source) + "\n";
    }
    EXPECT_TRUE(r.program) << rendered;
    return r.program;
}

inline engine::Line weekly(const char* id, const char* service, const char* amount, const char* start,
                           const char* end) {
    engine::Line l;
    l.id = id;
    l.service = service;
    l.kind = engine::LineKind::Weekly;
    l.weekly = m(amount);
    l.start = d(start);
    l.end = d(end);
    return l;
}

inline engine::Line hourly(const char* id, const char* service, const char* rate, const char* hours,
                           const char* start, const char* end) {
    engine::Line l;
    l.id = id;
    l.service = service;
    l.kind = engine::LineKind::Hourly;
    l.hourly = m(rate);
    l.hours_per_week = *engine::parse_decimal(hours);
    l.start = d(start);
    l.end = d(end);
    return l;
}

inline engine::Line one_off(const char* id, const char* service, const char* amount, const char* date) {
    engine::Line l;
    l.id = id;
    l.service = service;
    l.kind = engine::LineKind::OneOff;
    l.amount = m(amount);
    l.date = d(date);
    return l;
}

// Evaluates and requires a decision.
inline engine::Decision decide(const engine::Program& program, const engine::Request& request) {
    engine::EvalResult r = engine::evaluate(program, request);
    if (!r.decision) {
        ADD_FAILURE() << "no decision: " << r.errors.front().code << " " << r.errors.front().path << " "
                      << r.errors.front().message;
        return {};
    }
    return *r.decision;
}

inline engine::Money share_of(const engine::AgencyAmounts& amounts, const std::string& agency) {
    for (const auto& [id, money] : amounts) {
        if (id == agency) return money;
    }
    return engine::Money();
}

}  // namespace jointly::testing
