// `format`: the canonical layout of a policy (`jointly fmt`), carrying comments across.
//
// Layout: the header first, then the declarations in their written order; clauses in the
// order of the syntax contract, one per line, indented by two spaces; a blank line around
// every declaration that takes more than one line, and between one-line declarations where
// the source had one. Comments: a full-line comment stays before the declaration (or the
// clause) it preceded, or, written between the lines of one clause, just before that clause;
// a trailing comment stays at the end of its line, or, when the line already has one, moves
// to its own line just after it (before it, for a declaration's last line). (`dump` is in
// dump.cpp.)
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "jointly/dsl/format.hpp"
#include "jointly/dsl/print.hpp"
#include "source_text.hpp"

namespace jointly::dsl {

namespace {

using detail::Comment;

// One output line and the source lines it stands for (0: none).
struct Line {
    std::string text;
    std::uint32_t first = 0;
    std::uint32_t last = 0;
    std::vector<std::string> before;  // comment lines placed just above it
    std::string trailing;             // comment at its end
};

// One declaration (or the header) as output lines.
struct Unit {
    int kind = 0;              // for grouping one-line declarations without a source
    std::uint32_t offset = 0;  // written order
    std::uint32_t start_line = 0;
    std::uint32_t end_line = 0;
    std::vector<Line> lines;
    std::vector<Comment> leading;  // full-line comments above the declaration
    std::string agency_id;         // agencies: display names line up in a run
    std::string agency_name;
};

Line make_line(std::string text, Span const& a) {
    return Line{std::move(text), a.line, a.end_line, {}, {}};
}
Line make_line(std::string text, std::uint32_t first, std::uint32_t last) {
    return Line{std::move(text), first, last, {}, {}};
}
void add(Unit& u, std::string text, Span const& s) {
    u.lines.push_back(make_line("  " + std::move(text), s));
}

// Width on screen: code points, not bytes (`£` is two bytes).
std::size_t columns(std::string const& s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    }));
}

std::string amount_text(Decimal const& d, std::optional<Expr> const& e) {
    return e ? expr_text(*e) : money_text(d);
}

// `service respite "respite care" weekly`, `service group placements: a, b`
std::string service_text(Service const& s) {
    if (s.group) {
        std::string t = "service group " + s.id.name + ":";
        for (std::size_t i = 0; i < s.members.size(); ++i) t += (i > 0 ? ", " : " ") + s.members[i].name;
        return t;
    }
    std::string t = "service " + s.id.name + " " + quote(s.display_name);
    switch (s.kind) {
    case LineKindDecl::Any: break;
    case LineKindDecl::OneOff: t += " one_off"; break;
    case LineKindDecl::Weekly: t += " weekly"; break;
    case LineKindDecl::Hourly: t += " hourly"; break;
    }
    return t;
}

Unit unit_of(int kind, Span const& span) {
    Unit u;
    u.kind = kind;
    u.offset = span.offset;
    u.start_line = span.line;
    u.end_line = span.end_line;
    return u;
}

Unit header_unit(Header const& h) {
    Unit u = unit_of(0, h.span);
    u.lines.push_back(
        make_line("policy " + h.id.name + " " + quote(h.title), h.span.line, h.id.span.end_line));
    add(u, "version " + quote(h.version), h.version_span);
    if (h.effective_from && h.effective_to) {
        add(u, "effective " + date_text(*h.effective_from) + " to " + date_text(*h.effective_to),
            h.effective_span);
    } else if (h.effective_from) {
        add(u, "effective from " + date_text(*h.effective_from), h.effective_span);
    }
    if (!h.agreed_by.empty()) {
        std::string t = "agreed by ";
        for (std::size_t i = 0; i < h.agreed_by.size(); ++i) {
            if (i > 0) t += ", ";
            t += h.agreed_by[i].name;
        }
        if (h.agreed_on) t += " on " + date_text(*h.agreed_on);
        add(u, t, h.agreed_span);
    }
    if (!h.ref.empty()) add(u, "ref " + quote(h.ref), h.ref_span);
    if (!h.panel.empty()) add(u, "panel " + quote(h.panel), h.panel_span);
    if (h.rounding) {
        add(u,
            std::string("rounding ") + (*h.rounding == Rounding::HalfUp ? "half_up" : "half_even"),
            h.rounding_span);
    }
    return u;
}

Unit rule_unit(Rule const& r) {
    Unit u = unit_of(8, r.span);
    std::string first = "rule " + r.id.name;
    std::uint32_t first_last = r.id.span.end_line;
    if (!r.ref.empty()) {
        first += " ref " + quote(r.ref);
        first_last = std::max(first_last, r.ref_span.end_line);
    }
    u.lines.push_back(make_line(first, r.span.line, first_last));
    if (!r.exception_to.empty()) {
        std::string t = "exception to ";
        for (std::size_t i = 0; i < r.exception_to.size(); ++i) t += (i > 0 ? ", " : "") + r.exception_to[i].name;
        Span s = r.exception_to.front().span;
        s.end_line = r.exception_to.back().span.end_line;
        add(u, t, s);
    }
    if (r.condition) add(u, "when " + expr_text(*r.condition), r.condition->span);
    if (r.window) add(u, window_text(*r.window), r.window->span);
    if (r.fixed) {
        add(u,
            "pay " + r.fixed->agency.name + " " + amount_text(r.fixed->amount, r.fixed->amount_expr) + " " +
                per_text(r.fixed->per),
            r.fixed->span);
    }
    if (r.action) {
        add(u, r.action->kind == RuleAction::Refuse ? std::string("refuse") : "refer to " + quote(r.action->authority),
            r.action->span);
    }
    if (!r.action || !r.split.empty()) {
        std::string split = "split ";
        for (std::size_t i = 0; i < r.split.size(); ++i) {
            if (i > 0) split += ", ";
            split += share_text(r.split[i]);
        }
        add(u, split, r.split_span);
    }
    if (r.odd_penny) add(u, "odd penny to " + r.odd_penny->name, r.odd_penny->span);
    for (Cap const& c : r.caps) {
        add(u,
            "cap " + c.agency.name + " at " + amount_text(c.amount, c.amount_expr) + " " + per_text(c.per) +
                ", excess to " + (c.excess_to ? c.excess_to->name : std::string("panel")),
            c.span);
    }
    if (r.regardless_of_cost) add(u, "regardless of cost", r.regardless_span);
    if (!r.reason.empty()) add(u, "because " + quote(r.reason), r.reason_span);
    return u;
}

Unit pool_unit(Pool const& p) {
    Unit u = unit_of(10, p.span);
    u.lines.push_back(
        make_line("pool " + p.id.name + " " + quote(p.title), p.span.line, p.id.span.end_line));
    if (p.host) add(u, "host " + p.host->name, p.host->span);
    for (Contribution const& c : p.contributions) {
        std::string t = "contribution " + c.agency.name + " " + money_text(c.amount);
        const bool overspend = !c.shares_overspend || c.overspend_stated;
        if (overspend) t += c.shares_overspend ? " sharing overspend" : " not sharing overspend";
        if (!c.shares_underspend || c.underspend_stated) {
            t += overspend ? ", " : " ";
            t += c.shares_underspend ? "sharing underspend" : "not sharing underspend";
        }
        add(u, t, c.span);
    }
    auto basis = [](ShareBasis b) {
        return std::string(b == ShareBasis::Actual ? "actual contributions" : "contributions");
    };
    if (p.overspend != ShareBasis::Unstated) {
        add(u, "overspend shared in proportion to " + basis(p.overspend), p.overspend_span);
    }
    if (p.underspend != ShareBasis::Unstated) {
        add(u,
            "underspend returned in proportion to " + basis(p.underspend) +
                (p.carry_forward_allowed ? " unless carried forward" : "") +
                (p.provisional ? " in consultation with partners" : ""),
            p.underspend_span);
    }
    if (p.risk_capped) add(u, "risk capped at contribution", p.risk_span);
    if (p.tolerance) add(u, "tolerance " + decimal_text(*p.tolerance) + "%", p.tolerance_span);
    return u;
}

std::vector<Unit> units_of(Module const& m) {
    std::vector<Unit> units;
    units.push_back(header_unit(m.header));
    for (Agency const& a : m.agencies) {
        Unit u = unit_of(1, a.span);
        u.agency_id = a.id.name;
        u.agency_name = quote(a.display_name);
        u.lines.push_back(make_line("agency " + a.id.name + " " + u.agency_name, a.span));
        units.push_back(std::move(u));
    }
    for (AgencyGroup const& g : m.agency_groups) {
        Unit u = unit_of(13, g.span);
        std::string t = "agency group " + g.id.name + ":";
        for (std::size_t i = 0; i < g.members.size(); ++i) t += (i > 0 ? ", " : " ") + g.members[i].name;
        u.lines.push_back(make_line(t, g.span));
        units.push_back(std::move(u));
    }
    for (Service const& s : m.services) {
        Unit u = unit_of(12, s.span);
        u.lines.push_back(make_line(service_text(s), s.span));
        units.push_back(std::move(u));
    }
    for (Scale const& s : m.scales) {
        Unit u = unit_of(2, s.span);
        std::string t = "scale " + s.id.name + ":";
        for (std::size_t i = 0; i < s.levels.size(); ++i)
            t += (i > 0 ? " < " : " ") + s.levels[i].name;
        u.lines.push_back(make_line(t, s.span));
        units.push_back(std::move(u));
    }
    for (Fact const& f : m.facts) {
        Unit u = unit_of(3, f.span);
        std::string t = "fact " + f.id.name + (f.label ? " " + quote(*f.label) : std::string()) + ": " + type_text(f.type);
        if (f.default_value) t += " default " + expr_text(*f.default_value);
        u.lines.push_back(make_line(t, f.span));
        units.push_back(std::move(u));
    }
    for (Event const& e : m.events) {
        Unit u = unit_of(4, e.span);
        u.lines.push_back(make_line("event " + e.id.name + (e.repeats ? " repeats" : ""), e.span));
        units.push_back(std::move(u));
    }
    for (Let const& l : m.lets) {
        Unit u = unit_of(5, l.span);
        u.lines.push_back(make_line("let " + l.id.name + " = " + expr_text(l.value), l.span));
        units.push_back(std::move(u));
    }
    for (Threshold const& t : m.thresholds) {
        Unit u = unit_of(6, t.span);
        u.lines.push_back(make_line("eligible " + t.id.name, t.span.line, t.id.span.end_line));
        add(u, "when " + expr_text(t.condition), t.condition.span);
        add(u, "because " + quote(t.reason), t.reason_span);
        units.push_back(std::move(u));
    }
    for (Table const& t : m.tables) {
        Unit u = unit_of(7, t.span);
        u.lines.push_back(make_line("table " + t.id.name, t.span.line, t.id.span.end_line));
        for (TableRow const& r : t.rows) {
            std::string row = "from " + decimal_text(r.low);
            if (!r.open_ended) row += " to " + decimal_text(r.high);
            add(u, row + " gives " + expr_text(r.value), r.span);
        }
        units.push_back(std::move(u));
    }
    for (Rule const& r : m.rules) units.push_back(rule_unit(r));
    for (OutcomeRule const& o : m.outcomes) {
        Unit u = unit_of(9, o.span);
        std::string first = o.kind == OutcomeKind::Decline ? "decline " : "refer to " + quote(o.authority) + " ";
        if (!o.ref.empty()) first += "ref " + quote(o.ref) + " ";
        first += "when ";
        u.lines.push_back(
            make_line(first + expr_text(o.condition), o.span.line, o.condition.span.end_line));
        if (o.kind == OutcomeKind::Decline || !o.reason.empty()) {
            add(u, "because " + quote(o.reason), o.reason_span);
        }
        units.push_back(std::move(u));
    }
    for (Pool const& p : m.pools) units.push_back(pool_unit(p));
    std::stable_sort(units.begin() + 1, units.end(),
                     [](Unit const& a, Unit const& b) { return a.offset < b.offset; });
    return units;
}

// Hangs each comment on the declaration or line it belongs to; returns those after the end.
std::vector<Comment> place_comments(std::vector<Unit>& units, std::vector<Comment> comments) {
    std::vector<Comment> tail;
    for (Comment& c : comments) {
        Unit* inside = nullptr;
        for (Unit& u : units) {
            if (u.start_line != 0 && u.start_line <= c.line && c.line <= u.end_line) inside = &u;
        }
        if (inside == nullptr) {
            auto next = std::find_if(units.begin(), units.end(),
                                     [&](Unit const& u) { return u.start_line > c.line; });
            if (next == units.end()) {
                tail.push_back(std::move(c));
            } else {
                next->leading.push_back(std::move(c));
            }
            continue;
        }
        std::vector<Line>& lines = inside->lines;
        // The output line whose source lines hold the comment, and the one after it.
        auto owner = lines.end();
        for (auto l = lines.begin(); l != lines.end(); ++l) {
            if (l->first != 0 && l->first <= c.line && c.line <= l->last) owner = l;
        }
        const auto next = owner == lines.end() ? lines.end() : std::next(owner);
        if (c.full_line) {
            // Between the source lines of one clause (`split a 50%,` / `# why` / `b 50%`): just
            // above that clause. Else above the clause that follows it.
            auto at = owner != lines.end() ? owner
                                           : std::find_if(lines.begin() + 1, lines.end(),
                                                          [&](Line const& l) { return l.first > c.line; });
            if (at != lines.end()) {
                at->before.push_back(std::move(c.text));
            } else {
                c.blank_after = false;
                inside->leading.push_back(std::move(c));
            }
            continue;
        }
        if (owner != lines.end() && owner->trailing.empty()) {
            owner->trailing = std::move(c.text);
        } else if (next != lines.end()) {
            // A second trailing comment of a clause written over several lines follows the
            // clause, on its own line, where it followed the clause's text.
            next->before.push_back(std::move(c.text));
        } else if (owner != lines.end()) {
            owner->before.push_back(std::move(c.text));
        } else {
            c.blank_after = false;
            inside->leading.push_back(std::move(c));
        }
    }
    return tail;
}

// True when the source has a blank line after `prev` and before `next` (or its comments).
bool blank_between(Unit const& prev, Unit const& next, std::string_view source) {
    if (prev.end_line == 0 || next.start_line == 0 || source.empty()) return prev.kind != next.kind;
    std::uint32_t stop = next.start_line;
    if (!next.leading.empty()) stop = std::min(stop, next.leading.front().line);
    std::size_t pos = 0;
    std::uint32_t line = 1;
    while (pos < source.size() && line <= prev.end_line) {
        if (detail::ends_line(source, pos)) ++line;
        ++pos;
    }
    std::size_t line_start = pos;
    for (; line < stop && line_start < source.size(); ++line) {
        const std::size_t end = detail::line_end(source, line_start);
        const std::string_view content = source.substr(line_start, end - line_start);
        if (std::all_of(content.begin(), content.end(), detail::is_blank)) return true;
        line_start = end + 1;
    }
    return false;
}

}  // namespace

std::string format(const Module& module, std::string_view original_source) {
    std::vector<Unit> units = units_of(module);
    std::vector<Comment> tail = place_comments(units, detail::scan_comments(original_source));

    std::vector<bool> blank_before(units.size(), false);
    for (std::size_t i = 1; i < units.size(); ++i) {
        Unit const& prev = units[i - 1];
        Unit const& u = units[i];
        blank_before[i] =
            prev.lines.size() > 1 || u.lines.size() > 1 || blank_between(prev, u, original_source);
    }
    // a run of agencies with no blank line between them lines up their display names
    for (std::size_t i = 0; i < units.size();) {
        std::size_t j = i;
        std::size_t width = 0;
        while (j < units.size() && units[j].kind == 1 && (j == i || !blank_before[j])) {
            width = std::max(width, units[j].agency_id.size());
            ++j;
        }
        for (std::size_t k = i; k < j; ++k) {
            Unit& a = units[k];
            a.lines[0].text = "agency " + a.agency_id +
                              std::string(width - a.agency_id.size() + 1, ' ') + a.agency_name;
        }
        i = std::max(j, i + 1);
    }

    // Rows of output; consecutive rows with trailing comments line the comments up.
    struct Row {
        std::string text;
        std::string trailing;
    };
    std::vector<Row> rows;
    for (std::size_t i = 0; i < units.size(); ++i) {
        Unit const& u = units[i];
        if (blank_before[i]) rows.push_back({});
        for (Comment const& c : u.leading) {
            rows.push_back({c.text, {}});
            if (c.blank_after) rows.push_back({});
        }
        for (std::size_t k = 0; k < u.lines.size(); ++k) {
            Line const& l = u.lines[k];
            for (std::string const& b : l.before) rows.push_back({(k > 0 ? "  " : "") + b, {}});
            rows.push_back({l.text, l.trailing});
        }
    }
    if (!tail.empty()) rows.push_back({});
    for (std::size_t i = 0; i < tail.size(); ++i) {
        rows.push_back({tail[i].text, {}});
        if (tail[i].blank_after && i + 1 < tail.size()) rows.push_back({});
    }

    std::string out;
    for (std::size_t i = 0; i < rows.size();) {
        std::size_t j = i;
        std::size_t width = 0;
        while (j < rows.size() && !rows[j].trailing.empty()) {
            width = std::max(width, columns(rows[j++].text));
        }
        if (j == i) {
            out += rows[i].text + "\n";
            ++i;
            continue;
        }
        for (std::size_t k = i; k < j; ++k) {
            out += rows[k].text + std::string(width - columns(rows[k].text) + 2, ' ') +
                   rows[k].trailing + "\n";
        }
        i = j;
    }
    return out;
}

}  // namespace jointly::dsl
