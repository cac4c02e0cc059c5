#include "text.hpp"

#include <string>

#include "fast_text.hpp"

namespace jointly::engine::detail {
namespace {

std::string money_display(const Ratio& pence) {
    return round_pence(pence, Rounding::HalfUp).to_display();
}

// "`a`", "`a` and `b`", "`a`, `b` and `c`"
std::string join_names(const ProgramImpl& p, const std::vector<std::int32_t>& rules,
                       std::uint32_t begin, std::uint32_t count, bool words) {
    std::string out;
    for (std::uint32_t k = 0; k < count; ++k) {
        if (k != 0) out += k + 1 == count ? " and " : ", ";
        const CRule& r = p.rules[static_cast<std::size_t>(rules[begin + k])];
        if (words) {
            out += "\"" + service_words(r.name) + "\"";
            if (!r.ref.empty()) out += " (clause " + r.ref + ")";
        } else {
            out += "`" + r.name + "`";
        }
    }
    return out;
}

// A repeating event's dates: in a rule's reason whose window is over the event, those that
// opened the stretch the allocation lies in; elsewhere all of them. "10 June 2025 and 1 July 2025".
void event_dates(std::string& out, const std::vector<Date>& dates, std::int32_t event, const HoleValues& h) {
    std::size_t first = 0;
    std::size_t count = dates.size();
    const CWindow* window = h.rule != nullptr && h.rule->window ? &*h.rule->window : nullptr;
    if (window != nullptr && window->repeats && window->from->event == event && h.alloc != nullptr) {
        std::vector<Stretch> stretches;
        merge_stretches(dates, window->from->offset, window->to->offset, stretches);
        for (const Stretch& s : stretches) {
            if (s.from <= h.alloc->from && h.alloc->from < s.to) {
                first = s.first;
                count = s.count;
            }
        }
    }
    for (std::size_t k = 0; k < count; ++k) {
        if (k != 0) out += k + 1 == count ? " and " : ", ";
        append_date_display(out, dates[first + k]);
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
    std::string out(service);
    for (char& c : out) {
        if (c == '_') c = ' ';
    }
    return out;
}

std::string service_display(const ProgramImpl& p, std::string_view service) {
    if (p.declared_services == 0) return service_words(service);
    const std::int32_t index = p.service_index(service);
    if (index >= 0 && static_cast<std::size_t>(index) < p.declared_services) {
        return p.service_display[static_cast<std::size_t>(index)];
    }
    return service_words(service);
}

std::string with_article(const std::string& authority) {
    if (authority.empty()) return "the panel";
    const bool has = authority.size() > 4 && (authority.compare(0, 4, "the ") == 0 || authority.compare(0, 4, "The ") == 0);
    return has ? authority : "the " + authority;
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
            case Hole::Service: out += h.line ? service_display(p, h.line->service) : part.text; break;
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

void allocation_sentence(std::string& sentence, const ProgramImpl& p, const Val* facts, const Line& line,
                         const AllocRec& a, const CRule& rule, const Money* parts, const std::string& reason) {
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
        out.assign_to(sentence);
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
    out.assign_to(sentence);
}

std::string issue_message(const ProgramImpl& p, const Line& line, const IssueRec& issue,
                          const std::vector<std::int32_t>& issue_rules, const std::string& reason) {
    const std::string when = "from " + issue.from.to_string() + " to " + issue.to.to_string();
    switch (issue.kind) {
        case IssueKind::Uncovered:
            return "no rule covers line `" + line.id + "` (`" + line.service + "`) " + when;
        case IssueKind::Conflict:
            return "rules " + join_names(p, issue_rules, issue.rules_begin, issue.rules_count, false) +
                   (issue.rules_count == 2 ? " both apply to line `" : " all apply to line `") + line.id +
                   "` " + when +
                   (issue.rules_count == 2 ? " and neither is an exception to the other"
                                           : " and none is an exception to the others");
        case IssueKind::CapExcess:
            return "`" + p.schema.agencies[static_cast<std::size_t>(issue.agency)].id + "`'s part of line `" +
                   line.id + "` " + when + " is " + issue.cost.to_string() + " over its cap of " +
                   issue.limit.to_string() + " under rule " +
                   join_names(p, issue_rules, issue.rules_begin, issue.rules_count, false) +
                   "; the excess goes to the panel";
        case IssueKind::Refused:
            return "rule " + join_names(p, issue_rules, issue.rules_begin, 1, false) + " refuses line `" + line.id +
                   "` (`" + line.service + "`) " + when + ": " + reason;
        case IssueKind::Referred: {
            const CRule& rule = p.rules[static_cast<std::size_t>(issue_rules[issue.rules_begin])];
            return "rule " + join_names(p, issue_rules, issue.rules_begin, 1, false) + " refers line `" + line.id +
                   "` (`" + line.service + "`) " + when + " to " + rule.authority + (reason.empty() ? "" : ": " + reason);
        }
    }
    return {};
}

std::string issue_sentence(const ProgramImpl& p, const Line& line, const IssueRec& issue,
                           const std::vector<std::int32_t>& issue_rules, const std::string& reason) {
    std::string out;
    period(out, issue.from, issue.to);
    out += ", ";
    switch (issue.kind) {
        case IssueKind::Uncovered:
            out += service_display(p, line.service) + " costs " + issue.cost.to_display() +
                   ", but no rule of the policy covers it, so " + panel_name(p) + " will decide who pays.";
            break;
        case IssueKind::Conflict:
            out += service_display(p, line.service) + " costs " + issue.cost.to_display() + ", but the rules " +
                   join_names(p, issue_rules, issue.rules_begin, issue.rules_count, true) +
                   (issue.rules_count == 2 ? " both apply and neither is an exception to the other, so "
                                           : " all apply and none is an exception to the others, so ") +
                   panel_name(p) +
                   " will decide who pays.";
            break;
        case IssueKind::CapExcess:
            out += p.schema.agencies[static_cast<std::size_t>(issue.agency)].display_name + "'s part of " +
                   service_display(p, line.service) + " is capped at " + issue.limit.to_display() +
                   ", and the remaining " + issue.cost.to_display() + " goes to " + panel_name(p) +
                   " to decide.";
            break;
        case IssueKind::Refused:
            out += service_words(line.service) + " costs " + issue.cost.to_display() + ", which is refused under " +
                   join_names(p, issue_rules, issue.rules_begin, 1, true) + ", because " + reason +
                   ": no agency pays it.";
            break;
        case IssueKind::Referred: {
            const CRule& rule = p.rules[static_cast<std::size_t>(issue_rules[issue.rules_begin])];
            out += service_words(line.service) + " costs " + issue.cost.to_display() + ", which goes to " +
                   with_article(rule.authority) + " to decide under " +
                   join_names(p, issue_rules, issue.rules_begin, 1, true) +
                   (reason.empty() ? std::string() : ", because " + reason) + ".";
            break;
        }
    }
    return out;
}

}  // namespace jointly::engine::detail
