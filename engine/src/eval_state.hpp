// One evaluation's working state: the request bound to the program's indices, the
// allocations and issues as compact records, running totals. Reused per thread so that the
// hot path allocates little; every vector is cleared at the start of an evaluation.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compiled.hpp"
#include "expr_eval.hpp"
#include "jointly/engine/decision.hpp"
#include "jointly/engine/evaluate.hpp"

namespace jointly::engine::detail {

struct AllocRec {
    std::uint32_t line = 0;
    std::int32_t service = -1;  // the line's interned service
    std::int32_t rule = -1;
    Date from;
    Date to;
    std::int64_t days = 0;
    Money cost;
    std::uint32_t parts_begin = 0;  // into Work::parts, one per rule slot
};

struct IssueRec {
    IssueKind kind = IssueKind::Uncovered;
    std::uint32_t line = 0;
    Date from;
    Date to;
    std::int64_t days = 0;
    Money cost;                      // CapExcess: the excess
    std::uint32_t rules_begin = 0;   // into Work::issue_rules
    std::uint32_t rules_count = 0;
    std::int32_t agency = -1;        // CapExcess: the capped agency
    Money limit;                     // CapExcess: the cap for this segment
};

// A stretch of days [from, to) covered by a window over a repeating event: the ranges around
// the dates `first` .. `first + count - 1` (in the event's sorted dates) merged.
struct Stretch {
    Date from;
    Date to;  // exclusive
    std::uint32_t first = 0;
    std::uint32_t count = 0;
};

// A rule's window resolved against the request's events.
struct WindowRange {
    std::uint8_t state = 0;  // 0 not yet resolved, 1 resolved, 2 never applies (event absent)
    std::optional<Date> from;
    std::optional<Date> to;  // exclusive
    std::vector<Stretch> stretches;  // a window over a repeating event: ascending, disjoint
};

// Running totals of one line under one rule: over the whole line (`per line`; year 0) or
// over one financial year of it (`per financial year`; the year 1 April falls in).
struct LineRuleState {
    std::int32_t rule = -1;
    int year = 0;
    Money fixed_paid;
    std::uint32_t cum_begin = 0;  // into Work::line_cum, one per rule slot
};

// Writes a Decision's vector from the front, overwriting the elements (and so reusing the
// strings' memory) that an earlier decision left in it, then drops what is left over.
// Every field of an element from next() must be assigned: it holds the old decision's.
template <class T>
class Refill {
public:
    explicit Refill(std::vector<T>& v) : v_(v) {}
    Refill(const Refill&) = delete;
    Refill& operator=(const Refill&) = delete;
    ~Refill() { finish(); }

    T& next() {
        if (n_ < v_.size()) return v_[n_++];
        ++n_;
        return v_.emplace_back();
    }
    // Drops the old elements after the last next(); call before reading the vector.
    void finish() {
        if (n_ < v_.size()) v_.erase(v_.begin() + static_cast<std::ptrdiff_t>(n_), v_.end());
    }

private:
    std::vector<T>& v_;
    std::size_t n_ = 0;
};

struct Work {
    std::vector<Val> facts;
    std::vector<std::optional<Date>> events;    // an event's date (a repeating event's first)
    std::vector<std::vector<Date>> event_dates;  // every date of each event, ascending, each once
    std::vector<Val> let_cache;
    std::vector<std::uint8_t> let_ready;
    std::vector<Val> threshold_cache;
    std::vector<std::uint8_t> threshold_ready;
    std::vector<WindowRange> windows;
    std::vector<std::optional<Date>> let_dates;  // per let index: a window bound's date (ProgramImpl::bound_lets)

    std::vector<AllocRec> allocs;
    std::vector<Money> parts;
    std::vector<IssueRec> issues;
    std::vector<std::int32_t> issue_rules;

    std::vector<Money> by_agency;
    std::vector<std::pair<int, std::uint32_t>> fy;  // financial-year start year -> offset in fy_amounts
    std::vector<Money> fy_amounts;
    std::vector<Money> by_line;           // line-major, one per agency
    std::vector<Money> by_service_agency;  // service-major, one per agency (only with `funders(X)`)

    std::vector<Date> cuts;
    std::vector<std::int32_t> applying;
    std::vector<std::int32_t> winners;
    // Per rule, while one segment's winners are found among many applying rules: 0 not
    // applying, 1 applying, 2 set aside by an exception. All 0 between segments.
    std::vector<std::uint8_t> rule_marks;
    std::vector<std::int32_t> set_aside_by;  // per rule marked 2: an applying exception to it
    std::vector<std::int32_t> by_reach;      // the line's candidates, widest `overrides` first
    std::vector<LineRuleState> line_rules;
    std::vector<Money> line_cum;
    // Per rule, the current line's entry in line_rules for the whole line and for the latest
    // financial year it has reached (kNoState: none yet): a segment finds its running totals
    // at once, however many years a line covers (segments come in date order).
    static constexpr std::uint32_t kNoState = UINT32_MAX;
    std::vector<std::uint32_t> rule_line_state;
    std::vector<std::uint32_t> rule_year_state;

    std::vector<std::string> fy_names;  // per entry of fy: "2025-26"
    // The order of a decision's financial years or lines by key (decide()'s fill_by_key).
    std::vector<std::uint32_t> key_order;
    // decide()'s text as it is written: a reason or sentence at a time, and the explanation.
    std::string text;
    Sentences explanation;

    std::uint32_t current_line = 0;  // for the path of an overflow error
    bool in_lines = false;
};

// Checks the request against the declarations and binds facts and events to indices.
// Appends every problem (E4xxx, with a JSON pointer) to `errors`; false when there is one.
bool bind_request(const ProgramImpl& program, const Request& request, Work& work,
                  std::vector<EvalError>& errors);

// An EvalContext over `work` with nothing line-specific set.
EvalContext make_context(const ProgramImpl& program, Work& work);

// --- decide.cpp

// From the records in `work`: totals, outcome, allocations and issues with their words,
// the explanation (and the outcome part of the trace). May throw EvalFailure.
void decide(const ProgramImpl& program, const Request& request, Work& work, EvalContext& cx,
            Decision& decision);

// Evaluates a condition conjunct by conjunct for the trace ("label: true"), stopping at the
// first false one as evaluation does ("label: not evaluated" after it). True when all hold.
bool trace_conjuncts(EvalContext& cx, const std::vector<Conjunct>& conjuncts,
                     std::vector<std::string>& detail);

// --- coverage.cpp

// Gives each of the coverage's vectors the program's size, keeping the marks already there.
void size_coverage(const ProgramImpl& program, Coverage& coverage);

// --- segments.cpp

// The rule's window against this request's events (resolved once per evaluation).
const WindowRange& window_range(const ProgramImpl& program, Work& work, std::int32_t rule);

// True when a segment starting on `from` lies in the window. Segments are cut at every
// edge of a window that can apply, so a segment is wholly inside or wholly outside.
bool in_window(const WindowRange& range, Date from);

// The stretches of a window [date + from_offset, date + to_offset) around each of `dates`
// (ascending): ranges that overlap or touch are merged into one stretch.
void merge_stretches(const std::vector<Date>& dates, std::int64_t from_offset, std::int64_t to_offset,
                     std::vector<Stretch>& out);

// Cuts a periodic line from `start` to `end` (inclusive) into segments: work.cuts holds
// each segment's first day, ascending, then end + 1. Cuts at every 1 April, at the
// birthdays that matter when a candidate rule reads `age`, and at the window edges of each
// candidate rule whose condition (apart from its window) holds. `cx` has the line's service.
// Throws EvalFailure (E3007) as soon as the line needs more than `max_segments` segments,
// before any is matched; `limit` is the request's limit, for the message.
void cut_line(const ProgramImpl& program, EvalContext& cx, Work& work, Date start, Date end,
              const std::vector<std::int32_t>& candidates, std::size_t max_segments, std::size_t limit);

// The E3007 failure: the request needs more than `limit` segments.
[[noreturn]] void too_many_segments(std::size_t limit);

}  // namespace jointly::engine::detail
