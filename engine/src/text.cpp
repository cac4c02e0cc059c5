#include "text.hpp"

#include <algorithm>
#include <string>

#include "fast_text.hpp"

namespace jointly::engine::detail {
namespace {

std::string money_display(const Ratio& pence) {
    return round_pence(pence, Rounding::HalfUp).to_display();
}

// "personal_care" -> "personal care", appended.
void append_words(std::string& out, std::string_view service) {
    const std::size_t start = out.size();
    out += service;
    for (std::size_t i = start; i < out.size(); ++i) {
        if (out[i] == '_') out[i] = ' ';
    }
}

void append_service_display(std::string& out, const ProgramImpl& p, std::string_view service) {
    if (p.declared_services != 0) {
        const std::int32_t index = p.service_index(service);
        if (index >= 0 && static_cast<std::size_t>(index) < p.declared_services) {
            out += p.service_display[static_cast<std::size_t>(index)];
            return;
        }
    }
    append_words(out, service);
}

// "`a`", "`a` and `b`", "`a`, `b` and `c`", appended.
void join_names(std::string& out, const ProgramImpl& p, const std::vector<std::int32_t>& rules,
                std::uint32_t begin, std::uint32_t count, bool words) {
    for (std::uint32_t k = 0; k < count; ++k) {
        if (k != 0) out += k + 1 == count ? " and " : ", ";
        const CRule& r = p.rules[static_cast<std::size_t>(rules[begin + k])];
        if (words) {
            out += '"';
            append_words(out, r.name);
            out += '"';
            if (!r.ref.empty()) {
                out += " (clause ";
                out += r.ref;
                out += ')';
            }
        } else {
            out += '`';
            out += r.name;
            out += '`';
        }
    }
}

// "from 2025-06-10 to 2025-07-21"
void append_when(std::string& out, const IssueRec& issue) {
    out += "from ";
    append_date(out, issue.from);
    out += " to ";
    append_date(out, issue.to);
}

// "rule `r` refuses line `pc` (`personal_care`) from 2025-06-10 to 2025-07-21": the subject of
// a refusing or referring rule's issue message, `verb` being " refuses" or " refers".
void rule_on_line(std::string& out, const ProgramImpl& p, const std::vector<std::int32_t>& issue_rules,
                  const IssueRec& issue, const Line& line, const char* verb) {
    out += "rule ";
    join_names(out, p, issue_rules, issue.rules_begin, 1, false);
    out += verb;
    out += " line `";
    out += line.id;
    out += "` (`";
    out += line.service;
    out += "`) ";
    append_when(out, issue);
}

// A repeating event's dates: in a rule's reason whose window is over the event, those whose
// own window meets the allocation (the dates that put it in the window); elsewhere all of
// them. Up to kListed are written out ("10 June 2025 and 1 July 2025"); more are counted
// ("21 dates from 1 June 2025 to 3 March 2026"), so that a reason repeated in every segment
// stays short however many dates a request gives.
void event_dates(std::string& out, const std::vector<Date>& dates, std::int32_t event, const HoleValues& h) {
    constexpr std::size_t kListed = 5;
    auto first = dates.begin();
    auto last = dates.end();
    const CWindow* window = h.rule != nullptr && h.rule->window ? &*h.rule->window : nullptr;
    if (window != nullptr && window->repeats && window->from->event == event && h.alloc != nullptr) {
        // Date d's window is [d + from offset, d + to offset): it meets [alloc.from, alloc.to]
        // when d > alloc.from - to offset and d <= alloc.to - from offset.
        const auto meets_from = std::upper_bound(dates.begin(), dates.end(), h.alloc->from.plus_days(-window->to->offset));
        const auto meets_to = std::upper_bound(meets_from, dates.end(), h.alloc->to.plus_days(-window->from->offset));
        if (meets_from != meets_to) {
            first = meets_from;
            last = meets_to;
        }
    }
    const auto count = static_cast<std::size_t>(last - first);
    if (count > kListed) {
        append_int(out, static_cast<std::int64_t>(count));
        out += " dates from ";
        append_date_display(out, *first);
        out += " to ";
        append_date_display(out, *(last - 1));
        return;
    }
    for (auto it = first; it != last; ++it) {
        if (it != first) out += it + 1 == last ? " and " : ", ";
        append_date_display(out, *it);
    }
}

void period(std::string& out, Date from, Date to) {
    if (from == to) {
        out += "On ";
        append_date_display(out, from);
    } else {
        out += "From ";
        append_date_display(out, from);
        out += " to ";
        append_date_display(out, to);
    }
}

}  // namespace

std::string service_words(std::string_view service) {
    std::string out;
    append_words(out, service);
    return out;
}

std::string service_display(const ProgramImpl& p, std::string_view service) {
    std::string out;
    append_service_display(out, p, service);
    return out;
}

void append_with_article(std::string& out, const std::string& authority) {
    if (authority.empty()) {
        out += "the panel";
        return;
    }
    const bool has = authority.size() > 4 && (authority.compare(0, 4, "the ") == 0 || authority.compare(0, 4, "The ") == 0);
    if (!has) out += "the ";
    out += authority;
}

std::string with_article(const std::string& authority) {
    std::string out;
    append_with_article(out, authority);
    return out;
}

std::string panel_name(const ProgramImpl& p) { return with_article(p.panel); }

std::string display(const ProgramImpl& p, const Val& v, std::int32_t scale) {
    switch (v.type) {
        case VType::Bool: return v.b ? "yes" : "no";
        case VType::Number: return v.r.to_string(4);
        case VType::Money: return money_display(v.r);
        case VType::Date: return Date::from_days(v.i).to_display();
        case VType::Text: return v.s != nullptr ? *v.s : std::string();
        case VType::Level:
            if (scale >= 0) {
                const auto& levels = p.scales[static_cast<std::size_t>(scale)].levels;
                if (v.i >= 0 && static_cast<std::size_t>(v.i) < levels.size()) return levels[static_cast<std::size_t>(v.i)];
            }
            return std::to_string(v.i);
        case VType::LevelMap: {
            std::string out;
            if (v.map == nullptr) return out;
            for (const auto& [key, level] : *v.map) {
                if (!out.empty()) out += ", ";
                Val lv;
                lv.type = VType::Level;
                lv.i = level.index;
                out += key + " " + display(p, lv, scale);
            }
            return out;
        }
        case VType::TextList: {
            std::string out;
            if (v.list == nullptr) return out;
            for (const std::string& s : *v.list) {
                if (!out.empty()) out += ", ";
                out += s;
            }
            return out;
        }
        case VType::Service:
            return v.i >= 0 ? p.services[static_cast<std::size_t>(v.i)] : std::string("(a service the policy does not name)");
    }
    return {};
}

void fill(std::string& out, const Template& t, EvalContext& cx, const HoleValues& h) {
    const ProgramImpl& p = *cx.program;
    std::size_t hint = out.size();
    for (const TemplatePart& part : t) hint += part.hole == Hole::Literal ? part.text.size() : 24;
    out.reserve(hint);  // one allocation for the usual reason
    for (const TemplatePart& part : t) {
        switch (part.hole) {
            case Hole::Literal: out += part.text; break;
            case Hole::Fact: {
                const CFact& f = p.facts_c[static_cast<std::size_t>(part.index)];
                out += display(p, cx.facts[part.index], f.scale);
                break;
            }
            case Hole::Let: {
                const CLet& let = p.lets[static_cast<std::size_t>(part.index)];
                const Val v = eval(cx, let.root);
                out += display(p, v, p.nodes[static_cast<std::size_t>(let.root)].scale);
                break;
            }
            case Hole::Threshold: {
                Val v;
                const CThreshold& th = p.thresholds[static_cast<std::size_t>(part.index)];
                v = eval(cx, th.root);
                out += v.b ? "met" : "not met";
                break;
            }
            case Hole::Event: {
                const auto& e = cx.events[part.index];
                if (!e) out += "(not given)";
                else if (cx.event_dates[part.index].size() > 1) event_dates(out, cx.event_dates[part.index], part.index, h);
                else append_date_display(out, *e);
                break;
            }
            case Hole::Agency: {
                const auto agency = static_cast<std::size_t>(part.index);
                Money m;
                if (h.rule != nullptr && h.parts != nullptr) {
                    for (std::size_t s = 0; s < h.rule->agencies.size(); ++s) {
                        if (concrete_agency(p, cx.facts, h.rule->agencies[s]) == agency) m = h.parts[s];
                    }
                } else if (h.by_agency != nullptr) {
                    m = (*h.by_agency)[agency];
                }
                append_money_display(out, m);
                break;
            }
            case Hole::Cost:
                if (h.alloc) append_money_display(out, h.alloc->cost);
                else out += part.text;
                break;
            case Hole::Days:
                if (h.alloc) append_int(out, h.alloc->days);
                else out += part.text;
                break;
            case Hole::From:
                if (h.alloc) append_date_display(out, h.alloc->from);
                else out += part.text;
                break;
            case Hole::To:
                if (h.alloc) append_date_display(out, h.alloc->to);
                else out += part.text;
                break;
            case Hole::Line: out += h.line ? h.line->id : part.text; break;
            case Hole::Service:
                if (h.line) append_service_display(out, p, h.line->service);
                else out += part.text;
                break;
            case Hole::Total: append_money_display(out, h.total); break;
            case Hole::Rule: out += h.rule != nullptr ? h.rule->name : part.text; break;
            case Hole::Ref:
                if (h.rule != nullptr) out += h.rule->ref;
                else if (h.outcome != nullptr) out += h.outcome->ref;
                else out += part.text;
                break;
        }
    }
}

void allocation_sentence(Sentences& sentences, const ProgramImpl& p, const Val* facts, const Line& line,
                         const AllocRec& a, const CRule& rule, const Money* parts, std::string_view reason) {
    TextBuilder out;
    if (a.from == a.to) {
        out.put("On ");
        out.date(a.from);
    } else {
        out.put("From ");
        out.date(a.from);
        out.put(" to ");
        out.date(a.to);
    }
    out.put(", ");
    if (a.service >= 0 && static_cast<std::size_t>(a.service) < p.declared_services) {
        out.put(p.service_display[static_cast<std::size_t>(a.service)]);
    } else {
        out.words(line.service);
    }
    out.put(" costs ");
    out.money(a.cost);
    out.put(": ");
    std::size_t payers = 0;
    for (std::size_t s = 0; s < rule.agencies.size(); ++s) {
        if (parts[s] != Money()) ++payers;
    }
    if (payers == 0) {
        out.put("nobody pays anything");
    } else {
        std::size_t written = 0;
        for (std::size_t s = 0; s < rule.agencies.size(); ++s) {
            if (parts[s] == Money()) continue;
            if (written != 0) out.put(written + 1 == payers ? " and " : ", ");
            out.put(p.agency_pays[concrete_agency(p, facts, rule.agencies[s])]);
            out.money(parts[s]);
            ++written;
        }
    }
    if (rule.reason_fixed) {
        out.put(rule.sentence_tail);
        out.add_to(sentences);
        return;
    }
    if (!reason.empty()) {
        out.put(", because ");
        out.put(reason);
    }
    if (!rule.ref.empty()) {
        out.put(" (clause ");
        out.put(rule.ref);
        out.put(')');
    }
    out.put('.');
    out.add_to(sentences);
}

void issue_message(std::string& out, const ProgramImpl& p, const Line& line, const IssueRec& issue,
                   const std::vector<std::int32_t>& issue_rules, const std::string& reason) {
    out.clear();
    switch (issue.kind) {
        case IssueKind::Uncovered:
            out += "no rule covers line `";
            out += line.id;
            out += "` (`";
            out += line.service;
            out += "`) ";
            append_when(out, issue);
            return;
        case IssueKind::Conflict:
            out += "rules ";
            join_names(out, p, issue_rules, issue.rules_begin, issue.rules_count, false);
            out += issue.rules_count == 2 ? " both apply to line `" : " all apply to line `";
            out += line.id;
            out += "` ";
            append_when(out, issue);
            out += issue.rules_count == 2 ? " and neither is an exception to the other"
                                          : " and none is an exception to the others";
            return;
        case IssueKind::CapExcess:
            out += '`';
            out += p.schema.agencies[static_cast<std::size_t>(issue.agency)].id;
            out += "`'s part of line `";
            out += line.id;
            out += "` ";
            append_when(out, issue);
            out += " is ";
            append_money(out, issue.cost);
            out += " over its cap of ";
            append_money(out, issue.limit);
            out += " under rule ";
            join_names(out, p, issue_rules, issue.rules_begin, issue.rules_count, false);
            out += "; the excess goes to the panel";
            return;
        case IssueKind::Refused:
            rule_on_line(out, p, issue_rules, issue, line, " refuses");
            out += ": ";
            out += reason;
            return;
        case IssueKind::Referred: {
            const CRule& rule = p.rules[static_cast<std::size_t>(issue_rules[issue.rules_begin])];
            rule_on_line(out, p, issue_rules, issue, line, " refers");
            out += " to ";
            out += rule.authority;
            if (!reason.empty()) {
                out += ": ";
                out += reason;
            }
            return;
        }
    }
}

void issue_sentence(std::string& out, const ProgramImpl& p, const Line& line, const IssueRec& issue,
                    const std::vector<std::int32_t>& issue_rules, const std::string& reason) {
    out.clear();
    period(out, issue.from, issue.to);
    out += ", ";
    switch (issue.kind) {
        case IssueKind::Uncovered:
            append_service_display(out, p, line.service);
            out += " costs ";
            append_money_display(out, issue.cost);
            out += ", but no rule of the policy covers it, so ";
            append_with_article(out, p.panel);
            out += " will decide who pays.";
            return;
        case IssueKind::Conflict:
            append_service_display(out, p, line.service);
            out += " costs ";
            append_money_display(out, issue.cost);
            out += ", but the rules ";
            join_names(out, p, issue_rules, issue.rules_begin, issue.rules_count, true);
            out += issue.rules_count == 2 ? " both apply and neither is an exception to the other, so "
                                          : " all apply and none is an exception to the others, so ";
            append_with_article(out, p.panel);
            out += " will decide who pays.";
            return;
        case IssueKind::CapExcess:
            out += p.schema.agencies[static_cast<std::size_t>(issue.agency)].display_name;
            out += "'s part of ";
            append_service_display(out, p, line.service);
            out += " is capped at ";
            append_money_display(out, issue.limit);
            out += ", and the remaining ";
            append_money_display(out, issue.cost);
            out += " goes to ";
            append_with_article(out, p.panel);
            out += " to decide.";
            return;
        case IssueKind::Refused:
            append_words(out, line.service);
            out += " costs ";
            append_money_display(out, issue.cost);
            out += ", which is refused under ";
            join_names(out, p, issue_rules, issue.rules_begin, 1, true);
            out += ", because ";
            out += reason;
            out += ": no agency pays it.";
            return;
        case IssueKind::Referred: {
            const CRule& rule = p.rules[static_cast<std::size_t>(issue_rules[issue.rules_begin])];
            append_words(out, line.service);
            out += " costs ";
            append_money_display(out, issue.cost);
            out += ", which goes to ";
            append_with_article(out, rule.authority);
            out += " to decide under ";
            join_names(out, p, issue_rules, issue.rules_begin, 1, true);
            if (!reason.empty()) {
                out += ", because ";
                out += reason;
            }
            out += '.';
            return;
        }
    }
}

}  // namespace jointly::engine::detail
