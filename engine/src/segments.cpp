// Cutting a line into segments.
#include <algorithm>
#include <iterator>
#include <string>

#include "jointly/engine/codes.hpp"

#include "eval_state.hpp"
#include "fast_text.hpp"

namespace jointly::engine::detail {
namespace {

// A bound's date, or nullopt when its event did not happen.
std::optional<Date> resolve(const CBound& b, const Work& w) {
    if (b.fact >= 0) return Date::from_days(w.facts[static_cast<std::size_t>(b.fact)].i).plus_days(b.offset);
    if (b.let >= 0) {
        const auto& d = w.let_dates[static_cast<std::size_t>(b.let)];
        if (!d) return std::nullopt;
        return d->plus_days(b.offset);
    }
    if (b.event >= 0) {
        const auto& e = w.events[static_cast<std::size_t>(b.event)];
        if (!e) return std::nullopt;
        return e->plus_days(b.offset);
    }
    if (!b.date) return std::nullopt;
    return b.date->plus_days(b.offset);
}

void push_edge(std::vector<Date>& cuts, const std::optional<Date>& edge, Date from, Date to) {
    if (edge && *edge > from && *edge <= to) cuts.push_back(*edge);
}

void sort_unique(std::vector<Date>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Cuts base segment [from, to] at the edges of a repeating event's stretches that fall in it,
// when the rule's condition holds there.
void cut_stretches(EvalContext& cx, const CRule& rule, const WindowRange& range, Date from, Date to,
                   std::vector<Date>& cuts) {
    bool evaluated = false;
    bool holds = false;
    auto edge = [&](Date d) {
        if (d <= from || d > to) return;
        if (!evaluated) {
            holds = eval_bool(cx, rule.cond);
            evaluated = true;
        }
        if (holds) cuts.push_back(d);
    };
    // Stretches are disjoint and ascending: start at the first that ends after `from`.
    auto it = std::upper_bound(range.stretches.begin(), range.stretches.end(), from,
                               [](Date d, const Stretch& s) { return d < s.to; });
    for (; it != range.stretches.end() && it->from <= to; ++it) {
        edge(it->from);
        edge(it->to);
    }
}

}  // namespace

void merge_stretches(const std::vector<Date>& dates, std::int64_t from_offset, std::int64_t to_offset,
                     std::vector<Stretch>& out) {
    out.clear();
    for (std::size_t k = 0; k < dates.size(); ++k) {
        const Date from = dates[k].plus_days(from_offset);
        const Date to = dates[k].plus_days(to_offset);
        if (!out.empty() && from <= out.back().to) {
            out.back().to = std::max(out.back().to, to);
            ++out.back().count;
        } else {
            out.push_back(Stretch{from, to, static_cast<std::uint32_t>(k), 1});
        }
    }
}

const WindowRange& window_range(const ProgramImpl& p, Work& w, std::int32_t rule) {
    WindowRange& range = w.windows[static_cast<std::size_t>(rule)];
    if (range.state != 0) return range;
    const CWindow& win = *p.rules[static_cast<std::size_t>(rule)].window;
    range.state = 1;
    range.stretches.clear();
    if (win.repeats) {
        const auto& dates = w.event_dates[static_cast<std::size_t>(win.from->event)];
        merge_stretches(dates, win.from->offset, win.to->offset, range.stretches);
        if (range.stretches.empty()) range.state = 2;
        return range;
    }
    if (win.from) {
        range.from = resolve(*win.from, w);
        if (!range.from) range.state = 2;
    }
    if (win.to) {
        range.to = resolve(*win.to, w);
        if (!range.to) range.state = 2;
    }
    return range;
}

bool in_window(const WindowRange& range, Date from) {
    if (range.state == 2) return false;
    if (!range.stretches.empty()) {
        const auto after = std::upper_bound(range.stretches.begin(), range.stretches.end(), from,
                                            [](Date d, const Stretch& s) { return d < s.from; });
        return after != range.stretches.begin() && from < std::prev(after)->to;
    }
    return (!range.from || *range.from <= from) && (!range.to || from < *range.to);
}

void too_many_segments(std::size_t limit) {
    throw EvalFailure{codes::kTooManySegments,
                      "the request needs more than " + std::to_string(limit) +
                          " segments (a segment is a stretch of a line between 1 April, a birthday that "
                          "matters or a window edge); shorten the lines or send fewer",
                      std::nullopt};
}

void cut_line(const ProgramImpl& p, EvalContext& cx, Work& w, Date start, Date end,
              const std::vector<std::int32_t>& candidates, std::size_t max_segments, std::size_t limit) {
    // cuts holds each segment's first day: more than max_segments of them is too many.
    auto check = [&] {
        if (w.cuts.size() > max_segments) too_many_segments(limit);
    };
    std::vector<Date>& cuts = w.cuts;
    cuts.clear();
    cuts.push_back(start);
    const int first_year = civil_of(start).y;
    const int last_year = civil_of(end).y;
    for (int y = first_year; y <= last_year; ++y) {
        push_edge(cuts, Date::from_civil(y, 4, 1), start, end);
    }
    bool any_window = false;
    bool any_age = false;
    for (const std::int32_t r : candidates) {
        const CRule& rule = p.rules[static_cast<std::size_t>(r)];
        any_window = any_window || rule.window.has_value();
        any_age = any_age || rule.uses_age;
    }
    if (any_age && p.date_of_birth >= 0) {
        const Date dob = Date::from_days(w.facts[static_cast<std::size_t>(p.date_of_birth)].i);
        if (p.age_every_birthday) {
            for (std::int64_t n = std::max<std::int64_t>(age_on(dob, start) + 1, 1);; ++n) {
                const Date b = birthday(dob, n);
                if (b > end) break;
                push_edge(cuts, b, start, end);
            }
        } else {
            for (const std::int32_t n : p.age_birthdays) push_edge(cuts, birthday(dob, n), start, end);
        }
    }
    if (cuts.size() > 1) sort_unique(cuts);
    check();
    if (any_window) {
        const std::size_t base = cuts.size();
        for (std::size_t k = 0; k < base; ++k) {
            const Date from = cuts[k];
            const Date to = k + 1 < base ? cuts[k + 1].plus_days(-1) : end;
            cx.segment_from = from;
            for (const std::int32_t r : candidates) {
                const CRule& rule = p.rules[static_cast<std::size_t>(r)];
                if (!rule.window) continue;
                const WindowRange& range = window_range(p, w, r);
                if (range.state == 2) continue;
                if (!range.stretches.empty()) {
                    cut_stretches(cx, rule, range, from, to, cuts);
                    continue;
                }
                // Each edge lies in one base segment: the condition is evaluated (on that
                // segment's first day) only where an edge falls, not on every segment.
                const bool cuts_from = range.from && *range.from > from && *range.from <= to;
                const bool cuts_to = range.to && *range.to > from && *range.to <= to;
                if (!cuts_from && !cuts_to) continue;
                if (!eval_bool(cx, rule.cond)) continue;
                if (cuts_from) cuts.push_back(*range.from);
                if (cuts_to) cuts.push_back(*range.to);
            }
        }
        if (cuts.size() > base) sort_unique(cuts);
        check();
    }
    cuts.push_back(end.plus_days(1));
}

}  // namespace jointly::engine::detail
