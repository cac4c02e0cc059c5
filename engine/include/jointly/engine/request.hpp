// A package to evaluate, already decoded (JSON is decoded at the edge, in server/).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/container/flat_map.hpp>

#include "jointly/engine/date.hpp"
#include "jointly/engine/money.hpp"

namespace jointly::engine {

// A level of a scale, as its index (0 = lowest).
struct Level {
    int index = 0;
    bool operator==(const Level&) const = default;
};
// One level per key (e.g. assessment domain -> need level). Missing keys are level 0.
// The request's maps are flat (ADR 0024): sorted in one vector, with std::map's interface
// (key order, find, at, count, operator[], iteration, ==), so a decoded map is one allocation,
// not one per key.
using LevelMap = boost::container::flat_map<std::string, Level>;
using TextList = std::vector<std::string>;

// A fact's value; which alternative is set matches the fact's declared type:
// bool, whole number (int64), decimal (Ratio), Money, Date, text, Level, LevelMap, TextList.
using Value = std::variant<bool, std::int64_t, Ratio, Money, Date, std::string, Level, LevelMap,
                           TextList>;

enum class LineKind { OneOff, Weekly, Hourly };

struct Line {
    std::string id;
    std::string service;
    LineKind kind = LineKind::OneOff;
    Money amount;            // OneOff
    Date date;               // OneOff
    Money weekly;            // Weekly
    Money hourly;            // Hourly
    Ratio hours_per_week;    // Hourly
    Date start;              // Weekly/Hourly, inclusive
    Date end;                // Weekly/Hourly, inclusive
};

// The most dates a request may give one repeating event.
inline constexpr std::size_t kMaxEventDates = 1000;

using Facts = boost::container::flat_map<std::string, Value>;           // by the fact's name
using Events = boost::container::flat_map<std::string, std::vector<Date>>;  // by the event's name

struct Request {
    std::optional<Date> as_of;  // absent: the caller must pick the policy version itself
    std::string case_ref;
    Facts facts;  // missing facts take their declared default
    // Each event's dates: one for an event, any number (each once, in any order) for one
    // declared `repeats`. An event that did not happen is absent or has no dates.
    Events events;
    std::vector<Line> lines;
    bool explain_full = false;
    // Only the figures, for a caller that counts decisions (a simulation): the outcome, the
    // totals per agency, agency group and financial year, each issue's kind, line, dates, cost
    // and rules, each reason's kind, rule and clause, and each eligibility test's result. No
    // sentence is written and nothing per allocation or line is kept: `allocations` and
    // `by_line` are empty, eligibility tests' reasons, issues' messages and reasons, the
    // reasons' and outcome_reasons' texts are empty and the explanation has no entries. Never
    // set from a caller's JSON.
    bool figures_only = false;
};

}  // namespace jointly::engine
