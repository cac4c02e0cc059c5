// evaluate(): lines to segments, segments matched to rules, rules splitting money.
#include "jointly/engine/evaluate.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "eval_state.hpp"
#include "fast_text.hpp"
#include "wide.hpp"
#include "jointly/engine/allocate.hpp"
#include "jointly/engine/codes.hpp"
#include "text.hpp"

namespace jointly::engine::detail {
namespace {

std::string segment_subject(const Line& line, Date from, Date to) {
    std::string out = "line " + line.id + " ";
    append_date(out, from);
    out += "..";
    append_date(out, to);
    return out;
}

// `rate` (pence a week) for `days` days, rounded once: rate x days / 7 without reducing the
// fraction first. Throws OverflowError when the result does not fit.
Money prorate(const Ratio& rate, std::int64_t days, Rounding rounding) {
    Wide num = Wide{rate.num()} * days;  // INVARIANT: |num| < 2^63 * 2^31
    const Wide den = Wide{rate.den()} * 7;
    Wide q = 0;
    Wide r = 0;
    if (num >= 0 && num <= Wide{INT64_MAX} && den <= Wide{INT64_MAX}) {
        // The usual case: 64-bit division (128-bit division is a slow library call).
        const auto n64 = static_cast<std::int64_t>(num);
        const auto d64 = static_cast<std::int64_t>(den);
        q = n64 / d64;
        r = n64 % d64;
    } else {
        q = num / den;
        r = num % den;
        if (r < 0) {
            --q;
            r += den;
        }
    }
    const Wide twice = r * 2;
    if ((rounding == Rounding::HalfUp && twice >= den) ||
        (rounding == Rounding::HalfEven && (twice > den || (twice == den && q % 2 != 0)))) {
        ++q;
    }
    if (q > Wide{INT64_MAX} || q < Wide{INT64_MIN}) throw OverflowError("money overflow");
    return Money::pence(static_cast<std::int64_t>(q));
}

// The value of a cap's or fixed payment's amount expression for this request, in pence, a
// fraction of a penny kept (a `per week` amount is prorated from it exactly). Throws
// EvalFailure (E3006) when the value is below zero. (Written amounts do not come here.)
Ratio amount_of(EvalContext& cx, std::int32_t node, const char* what) {
    const Val v = eval(cx, node);
    if (v.r < Ratio()) {
        const Node& n = cx.program->nodes[static_cast<std::size_t>(node)];
        throw EvalFailure{codes::kNegativeAmount,
                          std::string(what) + " works out at " + display(*cx.program, v, -1) + ", below £0", n.span,
                          node};
    }
    return v.r;
}

// Money's += for the running totals (three per part paid): the same check, without a call.
void add_to(Money& total, Money part) {
    std::int64_t sum = 0;
    if (__builtin_add_overflow(total.in_pence(), part.in_pence(), &sum)) throw OverflowError("money overflow");
    total = Money::pence(sum);
}

// A `per line` amount in whole pence, rounded down like a prorated one.
Money whole_pence(const Ratio& pence) { return Money::pence(pence.round(Rounding::Down)); }

class Evaluator {
public:
    Evaluator(const ProgramImpl& p, const Request& r, Work& w, Decision& d, const EvalLimits& limits,
              Coverage* coverage)
        : p_(p), r_(r), w_(w), d_(d), cx_(make_context(p, w)), trace_(r.explain_full), limits_(limits) {
        cx_.coverage = coverage;
        cx_.text_left = limits.max_text_bytes;
        cx_.text_limit = limits.max_text_bytes;
    }

    void run();

private:
    void eligibility();
    void line(std::uint32_t index);
    void segment(std::uint32_t li, const Line& line, Date from, Date to, Money cost,
                 const std::vector<std::int32_t>& candidates);
    void find_winners();
    // Appends `step` to the trace, its text counted against EvalLimits::max_text_bytes.
    void push_trace(TraceStep&& step) {
        spend_text(cx_, step);
        d_.trace.push_back(std::move(step));
    }
    void cover_window(std::int32_t rule, const WindowRange& range, bool in, Date from, Date to);
    void cover_winner(std::int32_t rule);
    void split(std::uint32_t li, const Line& line, std::int32_t rule, Date from, Date to,
               std::int64_t days, Money cost, TraceStep* step);
    // The running totals of the current line under `rule`, over the whole line (year 0) or
    // one financial year: an index into Work::line_rules (which may grow).
    std::size_t line_state(std::int32_t rule, int year);
    void add_issue(IssueKind kind, std::uint32_t li, Date from, Date to, Money cost,
                   const std::int32_t* rules, std::size_t count);
    std::uint32_t fy_offset(Date from);
    // The agency that pays the rule's slot in this request.
    std::size_t payer(const CRule& rule, std::size_t slot) const {
        return concrete_agency(p_, w_.facts.data(), rule.agencies[slot]);
    }

    const ProgramImpl& p_;
    const Request& r_;
    Work& w_;
    Decision& d_;
    EvalContext cx_;
    bool trace_;
    const EvalLimits& limits_;
    std::size_t segments_ = 0;  // over the lines so far
    std::int32_t service_ = -1;
};

void Evaluator::run() {
    const std::size_t agencies = p_.schema.agencies.size();
    w_.windows.assign(p_.rules.size(), WindowRange{});
    w_.line_rules.clear();
    w_.rule_line_state.assign(p_.rules.size(), Work::kNoState);
    w_.rule_year_state.assign(p_.rules.size(), Work::kNoState);
    w_.allocs.clear();
    w_.parts.clear();
    w_.issues.clear();
    w_.issue_rules.clear();
    w_.by_agency.assign(agencies, Money());
    w_.fy.clear();
    w_.fy_amounts.clear();
    w_.by_line.assign(r_.lines.size() * agencies, Money());
    if (p_.uses_funders_by_service) w_.by_service_agency.assign(p_.services.size() * agencies, Money());
    w_.in_lines = false;
    // INVARIANT (segment): all 0 between segments; an exception thrown mid-segment may leave marks.
    std::fill(w_.rule_marks.begin(), w_.rule_marks.end(), std::uint8_t{0});

    d_.policy_id = p_.id_;
    d_.policy_version = p_.version_;
    d_.policy_sha256 = p_.sha256_;
    d_.engine = p_.engine_name;
    d_.as_of = r_.as_of;
    cx_.as_of = r_.as_of;
    w_.let_dates.assign(p_.lets.size(), std::nullopt);
    for (const std::int32_t let : p_.bound_lets) {
        // A bound whose definition reads an event the request does not give leaves the
        // window's rule out, as an event bound does.
        const auto i = static_cast<std::size_t>(let);
        try {
            w_.let_dates[i] = Date::from_days(eval(cx_, p_.lets[i].root).i);
        } catch (const EvalFailure& f) {
            if (f.code != codes::kEventNotGiven) throw;
        }
    }
    d_.case_ref = r_.case_ref;
    d_.trace.clear();

    eligibility();
    w_.in_lines = true;
    for (std::uint32_t i = 0; i < r_.lines.size(); ++i) line(i);
    w_.in_lines = false;
    decide(p_, r_, w_, cx_, d_);
}

void Evaluator::eligibility() {
    d_.eligibility.reserve(p_.thresholds.size());
    Refill<Eligibility> out(d_.eligibility);
    for (std::size_t i = 0; i < p_.thresholds.size(); ++i) {
        const CThreshold& t = p_.thresholds[i];
        Eligibility& e = out.next();
        e.name = t.name;
        if (trace_) {
            TraceStep step;
            step.subject = "eligibility";
            step.rule = t.name;
            trace_conjuncts(cx_, t.conjuncts, step.detail);
            push_trace(std::move(step));
        }
        const Val v = eval(cx_, t.root);
        if (p_.nodes[static_cast<std::size_t>(t.root)].dep <= Dep::Request) {
            w_.threshold_cache[i] = v;
            w_.threshold_ready[i] = 1;
        }
        e.met = v.b;
        if (cx_.coverage != nullptr) cx_.coverage->thresholds[i] |= e.met ? kMet : kNotMet;
        if (trace_) d_.trace.back().applied = e.met;
        if (r_.figures_only) {
            e.reason.clear();
        } else if (t.reason.size() == 1 && t.reason[0].hole == Hole::Literal) {
            e.reason.assign(t.reason_text);
        } else {
            w_.text.clear();
            fill(w_.text, t.reason, cx_, HoleValues{});
            e.reason.assign(w_.text);
        }
    }
}

void Evaluator::line(std::uint32_t li) {
    const Line& line = r_.lines[li];
    w_.current_line = li;
    service_ = p_.service_index(line.service);
    const auto& candidates = service_ >= 0 ? p_.rules_for_service[static_cast<std::size_t>(service_)]
                                           : p_.rules_any_service;
    cx_.in_line = true;
    cx_.service = service_;
    cx_.service_name = &line.service;
    for (const LineRuleState& s : w_.line_rules) {
        w_.rule_line_state[static_cast<std::size_t>(s.rule)] = Work::kNoState;
        w_.rule_year_state[static_cast<std::size_t>(s.rule)] = Work::kNoState;
    }
    w_.line_rules.clear();
    w_.line_cum.clear();
    if (candidates.size() > 16) {
        // For find_winners, once a line rather than once a segment.
        w_.by_reach.assign(candidates.begin(), candidates.end());
        std::stable_sort(w_.by_reach.begin(), w_.by_reach.end(), [this](std::int32_t a, std::int32_t b) {
            return p_.rules[static_cast<std::size_t>(a)].overrides.size() >
                   p_.rules[static_cast<std::size_t>(b)].overrides.size();
        });
    }
    if (line.kind == LineKind::OneOff) {
        if (++segments_ > limits_.max_segments) too_many_segments(limits_.max_segments);
        segment(li, line, line.date, line.date, line.amount, candidates);
    } else {
        const Ratio rate = line.kind == LineKind::Weekly ? line.weekly.as_ratio()
                                                         : line.hourly.as_ratio() * line.hours_per_week;
        const std::size_t left = limits_.max_segments - std::min(segments_, limits_.max_segments);
        cut_line(p_, cx_, w_, line.start, line.end, candidates, left, limits_.max_segments);
        segments_ += w_.cuts.size() - 1;
        for (std::size_t k = 0; k + 1 < w_.cuts.size(); ++k) {
            const Date from = w_.cuts[k];
            const Date to = w_.cuts[k + 1].plus_days(-1);
            const std::int64_t days = from.days_until(to) + 1;
            const Money cost = prorate(rate, days, p_.rounding);
            segment(li, line, from, to, cost, candidates);
        }
    }
    cx_.in_line = false;
    cx_.service = -1;
    cx_.service_name = nullptr;
    cx_.segment_from.reset();
}

void Evaluator::segment(std::uint32_t li, const Line& line, Date from, Date to, Money cost,
                        const std::vector<std::int32_t>& candidates) {
    cx_.segment_from = from;
    auto& applying = w_.applying;
    applying.clear();
    const std::size_t trace_first = d_.trace.size();
    for (const std::int32_t r : candidates) {
        const CRule& rule = p_.rules[static_cast<std::size_t>(r)];
        if (!trace_) {
            if (!eval_bool(cx_, rule.cond)) continue;
            if (!rule.window) {
                applying.push_back(r);
                continue;
            }
            const WindowRange& range = window_range(p_, w_, r);
            const bool in = in_window(range, from);
            if (cx_.coverage != nullptr) cover_window(r, range, in, from, to);
            if (in) applying.push_back(r);
            continue;
        }
        TraceStep step;
        step.subject = segment_subject(line, from, to);
        step.rule = rule.name;
        bool holds = rule.cond < 0 || trace_conjuncts(cx_, rule.conjuncts, step.detail);
        if (rule.cond < 0) step.detail.emplace_back("no condition: applies to every line");
        if (rule.window) {
            const WindowRange& range = window_range(p_, w_, r);
            const bool in = in_window(range, from);
            std::string d = rule.window->label;
            if (range.state == 2) {
                d += ": the event has no date, so the window never applies";
            } else if (!range.stretches.empty()) {
                d += " (";
                for (std::size_t k = 0; k < range.stretches.size(); ++k) {
                    if (k > 0) d += ", ";
                    d += range.stretches[k].from.to_string() + " to " +
                         range.stretches[k].to.plus_days(-1).to_string();
                }
                d += in ? "): true" : "): false";
            } else {
                d += " (";
                d += range.from ? range.from->to_string() : std::string("any time");
                d += " to ";
                d += range.to ? range.to->plus_days(-1).to_string() : std::string("any time");
                d += in ? "): true" : "): false";
            }
            step.detail.push_back(std::move(d));
            if (holds && cx_.coverage != nullptr) cover_window(r, range, in, from, to);
            holds = holds && in;
        }
        if (holds) applying.push_back(r);
        push_trace(std::move(step));
    }
    auto& winners = w_.winners;
    winners.clear();
    // Few rules apply to a segment as a rule: compare each pair. Many (a policy of hundreds of
    // windows on one service, each an exception to the one before): find_winners, which does
    // work in proportion to the winners' `overrides`, not to every pair.
    const bool many = applying.size() > 16;
    if (many) find_winners();
    for (const std::int32_t r : applying) {
        std::int32_t by = -1;
        if (many) {
            if (w_.rule_marks[static_cast<std::size_t>(r)] == 2) by = w_.set_aside_by[static_cast<std::size_t>(r)];
        } else {
            for (const std::int32_t s : applying) {
                const auto& over = p_.rules[static_cast<std::size_t>(s)].overrides;
                if (s != r && std::find(over.begin(), over.end(), r) != over.end()) {
                    by = s;
                    break;
                }
            }
        }
        if (by < 0) {
            winners.push_back(r);
        } else if (trace_) {
            for (std::size_t k = trace_first; k < d_.trace.size(); ++k) {
                if (d_.trace[k].rule == p_.rules[static_cast<std::size_t>(r)].name) {
                    d_.trace[k].detail.push_back("set aside: `" + p_.rules[static_cast<std::size_t>(by)].name +
                                                 "` is an exception to it");
                }
            }
        }
    }
    if (many) {
        for (const std::int32_t r : applying) w_.rule_marks[static_cast<std::size_t>(r)] = 0;
    }
    if (winners.size() == 1) {
        TraceStep* step = nullptr;
        if (trace_) {
            for (std::size_t k = trace_first; k < d_.trace.size(); ++k) {
                if (d_.trace[k].rule == p_.rules[static_cast<std::size_t>(winners[0])].name) step = &d_.trace[k];
            }
        }
        if (step != nullptr) step->applied = true;
        if (cx_.coverage != nullptr) cover_winner(winners[0]);
        const CRule& rule = p_.rules[static_cast<std::size_t>(winners[0])];
        if (rule.action == dsl::RuleAction::Split) {
            split(li, line, winners[0], from, to, from.days_until(to) + 1, cost, step);
            return;
        }
        // `refuse` / `refer to`: nobody pays the segment; it is an issue naming the rule.
        const bool refused = rule.action == dsl::RuleAction::Refuse;
        add_issue(refused ? IssueKind::Refused : IssueKind::Referred, li, from, to, cost, winners.data(), 1);
        if (step != nullptr) {
            step->detail.push_back(std::string(refused ? "refused" : "referred to " + rule.authority) + ": cost " +
                                   cost.to_string() + " counted in no total");
        }
        return;
    }
    const IssueKind kind = winners.empty() ? IssueKind::Uncovered : IssueKind::Conflict;
    add_issue(kind, li, from, to, cost, winners.data(), winners.size());
    if (trace_) {
        TraceStep step;
        step.subject = segment_subject(line, from, to);
        step.rule = kind == IssueKind::Uncovered ? "(no rule)" : "(conflict)";
        step.detail.push_back(std::string(to_string(kind)) + ": cost " + cost.to_string() +
                              " counted in no total; referred to " + panel_name(p_));
        push_trace(std::move(step));
    }
}

// What a segment on which the rule's condition held tells of its window (coverage.hpp).
void Evaluator::cover_window(std::int32_t rule, const WindowRange& range, bool in, Date from, Date to) {
    std::uint8_t& marks = cx_.coverage->windows[static_cast<std::size_t>(rule)];
    if (!in) {
        marks |= kWindowOutside;
        return;
    }
    marks |= kWindowInside;
    const Date after = to.plus_days(1);
    if (range.stretches.empty()) {
        if (range.from && *range.from == from) marks |= kWindowStart;
        if (range.to && *range.to == after) marks |= kWindowEnd;
        return;
    }
    for (const Stretch& s : range.stretches) {
        if (s.from == from) marks |= kWindowStart;
        if (s.to == after) marks |= kWindowEnd;
    }
}

// The rule won a segment; an exception overrode a rule it is an exception to when one applied.
void Evaluator::cover_winner(std::int32_t rule) {
    std::uint8_t& marks = cx_.coverage->rules[static_cast<std::size_t>(rule)];
    marks |= kRuleWon;
    const auto& over = p_.rules[static_cast<std::size_t>(rule)].overrides;
    for (const std::int32_t a : w_.applying) {
        if (std::find(over.begin(), over.end(), a) != over.end()) marks |= kRuleOverrode;
    }
}

// Marks w_.applying's rules 1, then every one an applying rule overrides 2, with that rule in
// set_aside_by. `overrides` is transitive, so a rule that overrides another reaches strictly
// more rules: visited widest first, a rule that is itself set aside is marked before its turn
// and skipped (whoever set it aside already set aside all it overrides). Only the winners'
// `overrides` are walked: a chain of 1,000 exceptions costs 1,000 steps a segment, not
// 500,000. The winners are the pairwise search's; set_aside_by names a winner (or another
// rule not set aside) rather than the first exception in applying order.
void Evaluator::find_winners() {
    if (w_.rule_marks.size() != p_.rules.size()) {
        w_.rule_marks.assign(p_.rules.size(), 0);
        w_.set_aside_by.assign(p_.rules.size(), -1);
    }
    for (const std::int32_t r : w_.applying) w_.rule_marks[static_cast<std::size_t>(r)] = 1;
    for (const std::int32_t s : w_.by_reach) {
        if (w_.rule_marks[static_cast<std::size_t>(s)] != 1) continue;  // not applying, or set aside
        for (const std::int32_t r : p_.rules[static_cast<std::size_t>(s)].overrides) {
            auto& mark = w_.rule_marks[static_cast<std::size_t>(r)];
            if (r == s || mark != 1) continue;
            mark = 2;
            w_.set_aside_by[static_cast<std::size_t>(r)] = s;
        }
    }
}

std::size_t Evaluator::line_state(std::int32_t rule, int year) {
    std::uint32_t& known = (year == 0 ? w_.rule_line_state : w_.rule_year_state)[static_cast<std::size_t>(rule)];
    const auto add = [&] {
        LineRuleState s;
        s.rule = rule;
        s.year = year;
        s.cum_begin = static_cast<std::uint32_t>(w_.line_cum.size());
        w_.line_cum.resize(w_.line_cum.size() + p_.rules[static_cast<std::size_t>(rule)].agencies.size());
        w_.line_rules.push_back(s);
        return static_cast<std::uint32_t>(w_.line_rules.size() - 1);
    };
    if (known != Work::kNoState) {
        if (w_.line_rules[known].year == year) return known;
        if (year < w_.line_rules[known].year) {
            // An earlier year again (segments out of date order, which they are not today): found
            // by a search, `known` left at the latest year.
            for (std::size_t i = 0; i < w_.line_rules.size(); ++i) {
                if (w_.line_rules[i].rule == rule && w_.line_rules[i].year == year) return i;
            }
            return add();
        }
    }
    known = add();
    return known;
}

void Evaluator::add_issue(IssueKind kind, std::uint32_t li, Date from, Date to, Money cost,
                          const std::int32_t* rules, std::size_t count) {
    IssueRec issue;
    issue.kind = kind;
    issue.line = li;
    issue.from = from;
    issue.to = to;
    issue.days = from.days_until(to) + 1;
    issue.cost = cost;
    issue.rules_begin = static_cast<std::uint32_t>(w_.issue_rules.size());
    issue.rules_count = static_cast<std::uint32_t>(count);
    w_.issue_rules.insert(w_.issue_rules.end(), rules, rules + count);
    w_.issues.push_back(issue);
}

std::uint32_t Evaluator::fy_offset(Date from) {
    const int year = financial_year_of(from);
    for (const auto& [y, offset] : w_.fy) {
        if (y == year) return offset;
    }
    const auto offset = static_cast<std::uint32_t>(w_.fy_amounts.size());
    w_.fy_amounts.resize(w_.fy_amounts.size() + p_.schema.agencies.size());
    w_.fy.emplace_back(year, offset);
    return offset;
}

void Evaluator::split(std::uint32_t li, const Line& line, std::int32_t r, Date from, Date to,
                      std::int64_t days, Money cost, TraceStep* step) {
    const CRule& rule = p_.rules[static_cast<std::size_t>(r)];
    const std::size_t slots = rule.agencies.size();
    const auto begin = static_cast<std::uint32_t>(w_.parts.size());
    w_.parts.resize(begin + slots);
    Money* parts = w_.parts.data() + begin;
    constexpr std::size_t kNone = SIZE_MAX;
    const std::size_t whole_line = rule.per_line ? line_state(r, 0) : kNone;
    const std::size_t one_year = rule.per_year ? line_state(r, financial_year_of(from)) : kNone;
    // The running totals a `per line` or `per financial year` amount is counted against.
    const auto state = [&](dsl::Per per) -> LineRuleState& {
        return w_.line_rules[per == dsl::Per::Line ? whole_line : one_year];
    };

    // A `per week` or `per hour` amount for this segment: by the week, or by the hour times the
    // line's hours a week, prorated by the segment's days and rounded once: a weekly amount
    // down (PRODUCT.md), an hourly one as the segment's cost is, so that a line bought at the
    // agreed hourly rate costs exactly the agreed amount (ADR 0030).
    const auto prorated = [&](const Ratio& amount, dsl::Per per, const dsl::Span& span, const char* what) {
        if (per == dsl::Per::Week) return prorate(amount, days, Rounding::Down);
        if (line.kind != LineKind::Hourly) {
            throw EvalFailure{codes::kNotHourly,
                              std::string(what) + " of rule `" + rule.name + "` is `per hour`, but line `" + line.id +
                                  "` is " + (line.kind == LineKind::Weekly ? "weekly" : "a one-off amount") +
                                  ", with no hours to count",
                              span, -1};
        }
        return prorate(amount * line.hours_per_week, days, p_.rounding);
    };
    const auto by_time = [](dsl::Per per) { return per == dsl::Per::Week || per == dsl::Per::Hour; };

    Money rest = cost;
    if (rule.fixed) {
        const CFixed& f = *rule.fixed;
        Money amount;
        if (by_time(f.per)) {
            amount = prorated(f.amount_node < 0 ? f.amount.as_ratio() : amount_of(cx_, f.amount_node, "a fixed amount"),
                              f.per, f.span, "the fixed amount");
        } else {
            const Money whole = f.amount_node < 0 ? f.amount : whole_pence(amount_of(cx_, f.amount_node, "a fixed amount"));
            amount = std::max(Money(), whole - state(f.per).fixed_paid);
        }
        amount = std::min(amount, rest);
        parts[f.slot] += amount;
        rest -= amount;
        if (!by_time(f.per)) state(f.per).fixed_paid += amount;
        if (step != nullptr) {
            step->detail.push_back("fixed: " + p_.schema.agencies[payer(rule, f.slot)].id + " pays " +
                                   amount.to_string() + " first");
        }
    }
    std::array<Money, 8> small{};
    std::vector<Money> big;
    Money* split_parts = small.data();
    if (rule.shares.size() > small.size()) {
        big.resize(rule.shares.size());
        split_parts = big.data();
    }
    allocate_into(rest, rule.shares.data(), rule.shares.size(), rule.odd_penny, split_parts);
    for (std::size_t s = 0; s < rule.shares.size(); ++s) parts[s] += split_parts[s];

    for (const CCap& cap : rule.caps) {
        std::uint8_t* cap_marks = nullptr;
        if (cx_.coverage != nullptr) {
            cap_marks = &cx_.coverage->caps[static_cast<std::size_t>(r)][static_cast<std::size_t>(&cap - rule.caps.data())];
        }
        Money limit;
        if (by_time(cap.per)) {
            limit = prorated(cap.amount_node < 0 ? cap.amount.as_ratio() : amount_of(cx_, cap.amount_node, "a cap"),
                             cap.per, cap.span, "the cap");
        } else {
            const Money whole = cap.amount_node < 0 ? cap.amount : whole_pence(amount_of(cx_, cap.amount_node, "a cap"));
            limit = std::max(Money(), whole - w_.line_cum[state(cap.per).cum_begin + cap.slot]);
        }
        if (parts[cap.slot] <= limit) {
            if (cap_marks != nullptr) *cap_marks |= kCapNotBound;
            continue;
        }
        if (cap_marks != nullptr) *cap_marks |= kCapBound;
        const Money excess = parts[cap.slot] - limit;
        parts[cap.slot] = limit;
        const std::string& capped = p_.schema.agencies[payer(rule, cap.slot)].id;
        if (cap.excess_slot) {
            parts[*cap.excess_slot] += excess;
            if (step != nullptr) {
                step->detail.push_back("cap: " + capped + " limited to " + limit.to_string() + "; " +
                                       excess.to_string() + " to " +
                                       p_.schema.agencies[payer(rule, *cap.excess_slot)].id);
            }
        } else {
            add_issue(IssueKind::CapExcess, li, from, to, excess, &r, 1);
            w_.issues.back().agency = static_cast<std::int32_t>(payer(rule, cap.slot));
            w_.issues.back().limit = limit;
            if (step != nullptr) {
                step->detail.push_back("cap: " + capped + " limited to " + limit.to_string() + "; " +
                                       excess.to_string() + " to the panel");
            }
        }
    }
    for (const std::size_t totals : {whole_line, one_year}) {
        if (totals == kNone) continue;
        const std::uint32_t at = w_.line_rules[totals].cum_begin;
        for (std::size_t s = 0; s < slots; ++s) w_.line_cum[at + s] += parts[s];
    }

    const std::size_t agencies = p_.schema.agencies.size();
    const std::uint32_t fy = fy_offset(from);
    for (std::size_t s = 0; s < slots; ++s) {
        const std::size_t a = payer(rule, s);
        add_to(w_.by_agency[a], parts[s]);
        add_to(w_.fy_amounts[fy + a], parts[s]);
        add_to(w_.by_line[li * agencies + a], parts[s]);
        if (p_.uses_funders_by_service && service_ >= 0) {
            add_to(w_.by_service_agency[static_cast<std::size_t>(service_) * agencies + a], parts[s]);
        }
    }
    if (step != nullptr) {
        std::string d = "cost " + cost.to_string() + " for " + std::to_string(days) + " days:";
        for (std::size_t s = 0; s < slots; ++s) {
            d += " " + p_.schema.agencies[payer(rule, s)].id + " " + parts[s].to_string();
        }
        step->detail.push_back(std::move(d));
    }
    AllocRec a;
    a.line = li;
    a.service = service_;
    a.rule = r;
    a.from = from;
    a.to = to;
    a.days = days;
    a.cost = cost;
    a.parts_begin = begin;
    w_.allocs.push_back(a);
    (void)line;
}

}  // namespace
}  // namespace jointly::engine::detail

namespace jointly::engine {

void evaluate_into(const Program& program, const Request& request, EvalResult& result, const EvalLimits& limits,
                   Coverage* coverage) {
    result.errors.clear();
    const detail::ProgramImpl& p = program.impl();
    if (coverage != nullptr) detail::size_coverage(p, *coverage);
    thread_local detail::Work work;
    try {
        if (detail::bind_request(p, request, work, result.errors)) {
            Decision& decision = result.decision ? *result.decision : result.decision.emplace();
            detail::Evaluator(p, request, work, decision, limits, coverage).run();
        }
    } catch (const detail::EvalFailure& f) {
        EvalError e{f.code, work.in_lines ? "/lines/" + std::to_string(work.current_line) : "", f.message, f.span,
                    detail::request_reads(p, request, f.node)};
        if (!e.inputs.empty()) {
            if (e.path.empty()) e.path = e.inputs.front();
            // The message names the values where the path alone does not (a line's path, or
            // more than one value read).
            if (e.path != e.inputs.front() || e.inputs.size() > 1) {
                e.message += " (from the request's ";
                for (std::size_t i = 0; i < e.inputs.size(); ++i) {
                    if (i > 0) e.message += i + 1 == e.inputs.size() ? " and " : ", ";
                    e.message += e.inputs[i];
                }
                e.message += ")";
            }
        }
        result.errors.push_back(std::move(e));
    } catch (const OverflowError& e) {
        result.errors.push_back(EvalError{
            codes::kOverflow, work.in_lines ? "/lines/" + std::to_string(work.current_line) : "",
            std::string("an amount is too large to compute exactly (") + e.what() + ")", std::nullopt, {}});
    } catch (const std::exception& e) {
        result.errors.push_back(EvalError{codes::kInternal, "", std::string("internal error: ") + e.what(), std::nullopt, {}});
    }
    if (!result.errors.empty()) result.decision.reset();
}

EvalResult evaluate(const Program& program, const Request& request, const EvalLimits& limits) {
    EvalResult result;
    evaluate_into(program, request, result, limits);
    return result;
}

}  // namespace jointly::engine
