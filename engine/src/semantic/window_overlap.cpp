// Whether two rules' windows can share a day, and which days they share, for the overlap
// warning (W2002, overlap.cpp).
//
// A window's ends are days: a written date is a known day; a name (an event that does not
// repeat, a date fact, a date definition) has one date per request, the same in every rule,
// so two ends written with the same name compare exactly by their offsets from it
// (`before switch` ends the day before `from switch` starts). A definition is seen through
// where it names a day exactly: a date written out (`let cutover = 2025-10-01` is that date),
// another name (`let restart = switch` is `switch`), or either moved by whole days or weeks
// (`let review = start_date + 6 weeks` is 42 days after `start_date`). Ends that still have
// different names (two events, two date facts, a definition moved by months), or a date and
// a name, cannot be compared: the windows may overlap.
#include <cstdint>
#include <optional>
#include <string>

#include "context.hpp"
#include "jointly/engine/date.hpp"

namespace jointly::engine::semantic {
namespace {

// A day: `offset` days after the date named `base`, or the day number `offset` when `base`
// is empty (a date written out).
struct End {
    std::string base;
    std::int64_t offset = 0;
};

struct Days {
    std::optional<End> from;  // inclusive; nullopt: no first day
    std::optional<End> to;    // inclusive; nullopt: no last day
};

std::int64_t day_number(const CivilDate& d) { return Date::from_civil(d.year, d.month, d.day).days(); }

// Days that definitions may move a named day by, in all, and still be seen through: some
// 10,000 years, so that no chain of definitions can overflow an offset or a day number.
constexpr std::int64_t kMaxShift = 3'660'000;

// The day `name` stands for, `shift` days on, seen through the definitions that name a day
// exactly (see the top of the file). Anything else is the name itself.
End named_day(const Checker& c, const std::string& name, std::int64_t shift) {
    End out{name, shift};
    // Each step goes through one definition: more steps than definitions is a cycle (E2014).
    for (std::size_t steps = 0; steps <= c.module.lets.size(); ++steps) {
        const Symbol* s = c.value(out.base);
        if (s == nullptr || s->kind != SymbolKind::Let) return out;
        const Expr* value = &c.module.lets[s->index].value;
        std::int64_t moved = 0;
        if (const Binary* b = value->as<Binary>(); b != nullptr && (b->op == BinaryOp::Add || b->op == BinaryOp::Sub)) {
            const Duration* d = b->right->as<Duration>();
            if (d == nullptr || d->amount.scale != 0 || d->amount.units > kMaxShift || d->amount.units < -kMaxShift ||
                (d->unit != DurationUnit::Days && d->unit != DurationUnit::Weeks)) {
                return out;
            }
            moved = d->amount.units * (d->unit == DurationUnit::Weeks ? 7 : 1) * (b->op == BinaryOp::Sub ? -1 : 1);
            if (out.offset + moved > kMaxShift || out.offset + moved < -kMaxShift) return out;
            value = &*b->left;
        }
        if (const DateLit* date = value->as<DateLit>()) return End{{}, day_number(date->value) + moved + out.offset};
        const std::string* next = value->name();
        if (next == nullptr) return out;
        out = End{*next, out.offset + moved};
    }
    return End{name, shift};
}

// The days a window covers, or nullopt when they are not one stretch (a repeating event, or
// a name that is not a declared event: reported elsewhere).
std::optional<Days> days_of(const Checker& c, const Window& w) {
    if (w.kind != WindowKind::Between) {
        const Symbol* event = c.value(w.event.name);
        if (event == nullptr || event->kind != SymbolKind::Event || c.module.events[event->index].repeats) {
            return std::nullopt;
        }
        const std::int64_t n = w.amount * (w.unit == TimeUnit::Weeks ? 7 : 1);
        if (w.kind == WindowKind::After) return Days{End{w.event.name, 0}, End{w.event.name, n - 1}};
        return Days{End{w.event.name, -n}, End{w.event.name, -1}};
    }
    auto end = [&](const WindowBound& b, std::int64_t shift) -> std::optional<End> {
        if (b.date) return End{{}, day_number(*b.date) + shift};
        if (b.event) return named_day(c, b.event->name, shift);
        return std::nullopt;
    };
    Days out;
    if (w.from && !(out.from = end(*w.from, 0))) return std::nullopt;
    if (w.to && !(out.to = end(*w.to, w.to_exclusive ? -1 : 0))) return std::nullopt;
    return out;
}

// -1, 0 or 1 as `a` is before, on or after `b`; nullopt when they cannot be compared.
std::optional<int> order(const End& a, const End& b) {
    if (a.base != b.base) return std::nullopt;
    return a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0;
}

bool before(const std::optional<End>& last, const std::optional<End>& first) {
    if (!last || !first) return false;
    const std::optional<int> o = order(*last, *first);
    return o && *o < 0;
}

// The later of two first days (`later`) or the earlier of two last days; nullopt (with
// `known` cleared) when they cannot be compared.
std::optional<End> pick_end(const std::optional<End>& a, const std::optional<End>& b, bool later, bool& known) {
    if (!a) return b;
    if (!b) return a;
    const std::optional<int> o = order(*a, *b);
    if (!o) {
        known = false;
        return std::nullopt;
    }
    return (*o < 0) == later ? b : a;
}

std::string end_text(const End& e) {
    if (e.base.empty()) return Date::from_days(static_cast<std::int32_t>(e.offset)).to_string();
    const std::string name = "`" + e.base + "`";
    if (e.offset == 0) return name;
    if (e.offset == 1) return "the day after " + name;
    if (e.offset == -1) return "the day before " + name;
    const std::int64_t n = e.offset < 0 ? -e.offset : e.offset;
    return std::to_string(n) + " days " + (e.offset < 0 ? "before " : "after ") + name;
}

}  // namespace

WindowOverlap window_overlap(const Checker& c, const std::optional<Window>& a, const std::optional<Window>& b) {
    WindowOverlap out;
    if (!a || !b) return out;
    const std::optional<Days> x = days_of(c, *a);
    const std::optional<Days> y = days_of(c, *b);
    if (!x || !y) return out;
    if (before(x->to, y->from) || before(y->to, x->from)) {
        out.may = false;
        return out;
    }
    bool known = true;
    const std::optional<End> from = pick_end(x->from, y->from, true, known);
    const std::optional<End> to = pick_end(x->to, y->to, false, known);
    if (!known || (!from && !to)) return out;
    if (from && to && order(*from, *to) == 0) {
        out.one_day = true;
        out.days = "on " + end_text(*from);
    } else if (from && to) {
        out.days = "from " + end_text(*from) + " to " + end_text(*to);
    } else if (from) {
        out.days = "from " + end_text(*from) + " on";
    } else {
        out.days = "up to and including " + end_text(*to);
    }
    return out;
}

}  // namespace jointly::engine::semantic
