// decide(): totals, the outcome, and the decision's words.
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "eval_state.hpp"
#include "fast_text.hpp"
#include "text.hpp"

namespace jointly::engine::detail {
namespace {

// The non-zero amounts, in declaration order, into `out` (its memory reused).
void non_zero(AgencyAmounts& out, const ProgramImpl& p, const Money* amounts) {
    out.clear();
    // Sized once: a new result's vector would otherwise grow (and reallocate) per agency.
    std::size_t count = 0;
    for (std::size_t a = 0; a < p.schema.agencies.size(); ++a) count += amounts[a] != Money() ? 1U : 0U;
    out.reserve(count);
    for (std::size_t a = 0; a < p.schema.agencies.size(); ++a) {
        if (amounts[a] != Money()) out.emplace_back(p.schema.agencies[a].id, amounts[a]);
    }
}

// Fills `map` with `n` entries, in key order: entry i has the key key_of(i) and the non-zero
// amounts amounts_of(i). The memory of the entries it held is reused (a decision evaluated
// into again allocates nothing here). Keys are unique (line ids are checked, financial years
// are distinct); a repeated key would keep its first entry, as std::map's insertion did.
template <class KeyOf, class AmountsOf>
void fill_by_key(AmountsByKey& map, std::size_t n, const ProgramImpl& p, std::vector<std::uint32_t>& order,
                 KeyOf key_of, AmountsOf amounts_of) {
    order.resize(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
    const auto before = [&](std::uint32_t a, std::uint32_t b) { return key_of(a) < key_of(b); };
    // Financial years come in order as a rule, and a package's lines often do: check before sorting.
    if (!std::is_sorted(order.begin(), order.end(), before)) std::sort(order.begin(), order.end(), before);
    const auto same = [&](std::uint32_t a, std::uint32_t b) { return key_of(a) == key_of(b); };
    order.erase(std::unique(order.begin(), order.end(), same), order.end());
    if (map.size() > order.size()) map.erase(map.nth(order.size()), map.end());
    // The entries kept are written over in key order, so the map is in order again once all of
    // them are written; the rest are added after them, each key greater than all before it.
    const std::size_t kept = map.size();
    auto entry = map.begin();
    for (std::size_t k = 0; k < kept; ++k, ++entry) {
        entry->first.assign(key_of(order[k]));
        non_zero(entry->second, p, amounts_of(order[k]));
    }
    for (std::size_t k = kept; k < order.size(); ++k) {
        non_zero(map.try_emplace(map.end(), std::string(key_of(order[k])))->second, p, amounts_of(order[k]));
    }
}

// How many lines have a segment that more than one agency pays a part of. The records are
// in line order (lines are evaluated one after another), so a line is counted at its first
// jointly paid segment without a per-line table.
std::int64_t jointly_funded_lines(const ProgramImpl& p, const Work& w) {
    std::int64_t count = 0;
    std::int64_t counted = -1;  // the last line counted
    for (const AllocRec& a : w.allocs) {
        if (static_cast<std::int64_t>(a.line) == counted) continue;
        const std::size_t slots = p.rules[static_cast<std::size_t>(a.rule)].agencies.size();
        std::size_t payers = 0;
        for (std::size_t s = 0; s < slots; ++s) {
            if (w.parts[a.parts_begin + s] != Money()) ++payers;
        }
        if (payers > 1) {
            ++count;
            counted = a.line;
        }
    }
    return count;
}

// The thread's text buffers back to nothing when a decision made them large (a hostile
// request's words can run to megabytes): a thread keeps no more than this between evaluations.
void release_large_text(Work& w) {
    constexpr std::size_t kKeep = 64 * 1024;
    if (w.explanation.heap_bytes() > kKeep) w.explanation = Sentences();
    if (w.text.capacity() > kKeep) std::string().swap(w.text);
}

// Puts `cx` on the segment `a` of `line` (for `service`, `age` and line placeholders) and
// gives the hole values of a reason there; leave_line() undoes it.
HoleValues enter_segment(EvalContext& cx, const HoleValues& base, const Line& line, const AllocRec& a,
                         const CRule& rule) {
    cx.in_line = true;
    cx.service = a.service;
    cx.service_name = &line.service;
    cx.segment_from = a.from;
    HoleValues h = base;
    h.line = &line;
    h.alloc = &a;
    h.rule = &rule;
    return h;
}

void leave_line(EvalContext& cx) {
    cx.in_line = false;
    cx.service = -1;
    cx.service_name = nullptr;
    cx.segment_from.reset();
}

void allocations(const ProgramImpl& p, const Request& r, Work& w, EvalContext& cx, Decision& d,
                 const HoleValues& base, Sentences& explanation) {
    d.allocations.reserve(w.allocs.size());
    Refill<Allocation> allocations(d.allocations);
    for (const AllocRec& a : w.allocs) {
        const CRule& rule = p.rules[static_cast<std::size_t>(a.rule)];
        const Line& line = r.lines[a.line];
        const Money* parts = w.parts.data() + a.parts_begin;
        Allocation& out = allocations.next();
        out.line = line.id;
        out.from = a.from;
        out.to = a.to;
        out.days = a.days;
        out.cost = a.cost;
        out.rule = rule.name;
        out.ref = rule.ref;
        out.shares.clear();
        out.shares.reserve(rule.agencies.size());
        for (std::size_t s = 0; s < rule.agencies.size(); ++s) {
            out.shares.emplace_back(p.schema.agencies[concrete_agency(p, w.facts.data(), rule.agencies[s])].id, parts[s]);
        }
        HoleValues h = enter_segment(cx, base, line, a, rule);
        h.parts = parts;
        if (rule.reason_fixed) {
            out.reason.assign(rule.reason_text);
        } else {
            w.text.clear();
            fill(w.text, rule.reason, cx, h);
            out.reason.assign(w.text);
        }
        allocation_sentence(explanation, p, w.facts.data(), line, a, rule, parts, out.reason);
        spend_text(cx, out.reason.size() + explanation.back().size());
    }
    allocations.finish();
    leave_line(cx);
}

// The outcome rule's reason into `out` (replacing what it held), or the pieces of `fallback`
// when it has none, then its clause: "... (clause CNP 5.2)".
void filled_or(std::string& out, const COutcome& o, EvalContext& cx, HoleValues& h,
               std::initializer_list<std::string_view> fallback) {
    out.clear();
    h.outcome = &o;
    fill(out, o.reason, cx, h);
    h.outcome = nullptr;
    if (out.empty()) {
        for (const std::string_view piece : fallback) out += piece;
    }
    if (!o.ref.empty()) {
        out += " (clause ";
        out += o.ref;
        out += ')';
    }
}

// A refusing or referring rule's reason for one of its segments into `out` (replacing what it
// held), placeholders filled as in an allocation's reason ("" when the rule gives none).
void line_reason(std::string& out, const ProgramImpl& p, const Line& line, const IssueRec& rec,
                 std::int32_t rule_index, EvalContext& cx, const HoleValues& base) {
    const CRule& rule = p.rules[static_cast<std::size_t>(rule_index)];
    out.clear();
    if (rule.reason_fixed) {
        out += rule.reason_text;
        return;
    }
    AllocRec a;
    a.line = rec.line;
    a.service = p.service_index(line.service);
    a.rule = rule_index;
    a.from = rec.from;
    a.to = rec.to;
    a.days = rec.days;
    a.cost = rec.cost;
    fill(out, rule.reason, cx, enter_segment(cx, base, line, a, rule));
    leave_line(cx);
}

// A referral to someone other than the policy's panel: a refer rule that holds, or a rule's
// `refer to` that won a segment. Ordered as written.
struct Referral {
    std::uint32_t order = 0;
    std::string authority;
    Reason reason;
};

}  // namespace

bool trace_conjuncts(EvalContext& cx, const std::vector<Conjunct>& conjuncts, std::vector<std::string>& detail) {
    bool all = true;
    for (const Conjunct& c : conjuncts) {
        if (!all) {
            detail.push_back(c.label + ": not evaluated");
            continue;
        }
        const bool holds = eval(cx, c.node).b;
        std::string line = c.label + (holds ? ": true" : ": false");
        if (!c.value_label.empty()) {
            const Node& n = cx.program->nodes[static_cast<std::size_t>(c.node)];
            const Val v = eval(cx, n.a);
            line += " (" + c.value_label + " is " +
                    display(*cx.program, v, cx.program->nodes[static_cast<std::size_t>(n.a)].scale) + ")";
        }
        detail.push_back(std::move(line));
        all = holds;
    }
    return all;
}

void decide(const ProgramImpl& p, const Request& r, Work& w, EvalContext& cx, Decision& d) {
    const std::size_t agencies = p.schema.agencies.size();
    Money total;
    d.by_agency.resize(agencies);
    for (std::size_t a = 0; a < agencies; ++a) {
        total += w.by_agency[a];
        d.by_agency[a].first = p.schema.agencies[a].id;
        d.by_agency[a].second = w.by_agency[a];
    }
    d.total = total;
    d.by_agency_group.resize(p.agency_groups.size());
    for (std::size_t g = 0; g < p.agency_groups.size(); ++g) {
        Money sum;
        for (const std::size_t a : p.agency_groups[g].members) sum += w.by_agency[a];
        d.by_agency_group[g].first = p.agency_groups[g].name;
        d.by_agency_group[g].second = sum;
    }
    d.referred_to.clear();
    // "2025-26": short enough not to allocate.
    w.fy_names.resize(w.fy.size());
    for (std::size_t i = 0; i < w.fy.size(); ++i) {
        const int year = w.fy[i].first;
        std::string& name = w.fy_names[i];
        name.clear();
        append_int(name, year);
        name += '-';
        const int next = (year + 1) % 100;
        name += static_cast<char>('0' + next / 10);
        name += static_cast<char>('0' + next % 10);
    }
    const auto year_name = [&](std::uint32_t i) { return std::string_view(w.fy_names[i]); };
    fill_by_key(d.by_financial_year, w.fy.size(), p, w.key_order, year_name,
                [&](std::uint32_t i) { return w.fy_amounts.data() + w.fy[i].second; });
    fill_by_key(d.by_line, r.figures_only ? 0 : r.lines.size(), p, w.key_order,
                [&](std::uint32_t i) { return std::string_view(r.lines[i].id); },
                [&](std::uint32_t i) { return w.by_line.data() + std::size_t{i} * agencies; });

    OutcomeData od;
    od.total = total;
    od.by_agency = &w.by_agency;
    od.by_service_agency = p.uses_funders_by_service ? &w.by_service_agency : nullptr;
    od.by_year_agency = &w.fy_amounts;
    od.jointly_funded_lines = jointly_funded_lines(p, w);
    cx.outcome = &od;
    cx.in_line = false;
    cx.segment_from.reset();

    HoleValues base;
    base.total = total;
    base.by_agency = &w.by_agency;

    // Outcome rules, each tested in written order (every one, for the reasons and the trace).
    // Held inline: a policy has a handful of outcome rules.
    boost::container::small_vector<std::size_t, 8> declines;
    boost::container::small_vector<std::size_t, 8> refers;
    for (std::size_t i = 0; i < p.outcomes.size(); ++i) {
        const COutcome& o = p.outcomes[i];
        bool holds = false;
        if (r.explain_full) {
            TraceStep step;
            step.subject = "outcome";
            step.rule = o.kind == dsl::OutcomeKind::Decline ? "decline" : "refer to " + o.authority;
            holds = trace_conjuncts(cx, o.conjuncts, step.detail);
            step.detail.push_back("total: " + total.to_string());
            step.applied = holds;
            spend_text(cx, step);
            d.trace.push_back(std::move(step));
        } else {
            holds = eval_bool(cx, o.cond);
        }
        if (cx.coverage != nullptr) cx.coverage->outcomes[i] |= holds ? kMet : kNotMet;
        if (holds) (o.kind == dsl::OutcomeKind::Decline ? declines : refers).push_back(i);
    }

    // A new decision's sentences are written into the thread's own list, then copied into the
    // decision at once: one allocation of the right size, where adding to the decision's list
    // would grow it several times. A reused decision's list, which has its memory, is written
    // in place.
    release_large_text(w);  // after a decision that stopped part way, too
    const bool in_place = d.explanation.heap_bytes() != 0;
    Sentences& explanation = in_place ? d.explanation : w.explanation;
    explanation.clear();
    if (r.figures_only) d.allocations.clear();  // nothing per allocation: see Request::figures_only
    else allocations(p, r, w, cx, d, base, explanation);

    d.issues.reserve(w.issues.size());
    Refill<Issue> issues(d.issues);
    bool to_panel = false;  // an uncovered, conflicting or over-cap segment
    bool refused = false;
    boost::container::small_vector<Referral, 2> referrals;  // inline: most decisions have none
    for (const IssueRec& rec : w.issues) {
        const Line& line = r.lines[rec.line];
        Issue& issue = issues.next();
        issue.kind = rec.kind;
        issue.line = line.id;
        issue.from = rec.from;
        issue.to = rec.to;
        issue.cost = rec.cost;
        issue.rules.clear();
        for (std::uint32_t k = 0; k < rec.rules_count; ++k) {
            issue.rules.push_back(p.rules[static_cast<std::size_t>(w.issue_rules[rec.rules_begin + k])].name);
        }
        issue.rule.clear();
        issue.ref.clear();
        issue.reason.clear();
        issue.referred_to.clear();
        const bool one_rule = rec.kind != IssueKind::Uncovered && rec.kind != IssueKind::Conflict;
        const std::int32_t rule_index = one_rule ? w.issue_rules[rec.rules_begin] : -1;
        if (one_rule) {
            const CRule& rule = p.rules[static_cast<std::size_t>(rule_index)];
            issue.rule = rule.name;
            issue.ref = rule.ref;
        }
        if (r.figures_only) {
            issue.message.clear();
        } else {
            if (rec.kind == IssueKind::Refused || rec.kind == IssueKind::Referred) {
                line_reason(issue.reason, p, line, rec, rule_index, cx, base);
            }
            issue_message(issue.message, p, line, rec, w.issue_rules, issue.reason);
            issue_sentence(w.text, p, line, rec, w.issue_rules, issue.reason);
            explanation.push_back(w.text);
            spend_text(cx, issue.message.size() + issue.reason.size() + w.text.size());
        }
        refused = refused || rec.kind == IssueKind::Refused;
        if (rec.kind != IssueKind::Referred) {
            to_panel = to_panel || rec.kind != IssueKind::Refused;
            continue;
        }
        // A referring rule is one referral, however many segments it won: the first one's reason.
        const CRule& rule = p.rules[static_cast<std::size_t>(rule_index)];
        issue.referred_to = rule.authority;
        bool listed = false;
        for (const Referral& known : referrals) listed = listed || known.reason.rule == rule.name;
        if (listed) continue;
        Referral& referral = referrals.emplace_back(
            Referral{rule.order, rule.authority, Reason{ReasonKind::LineRefer, rule.name, rule.ref, {}}});
        std::string& text = referral.reason.text;
        text = issue.reason.empty() ? issue.message : issue.reason;
        if (!rule.ref.empty() && !r.figures_only) {
            text += " (clause ";
            text += rule.ref;
            text += ')';
        }
    }
    issues.finish();
    // The words of an outcome rule's reason into `out`, or none when only the figures are wanted.
    auto words = [&](std::string& out, const COutcome& o, std::initializer_list<std::string_view> fallback) {
        if (r.figures_only) out.clear();
        else filled_or(out, o, cx, base, fallback);
    };
    for (const std::size_t i : refers) {
        const COutcome& o = p.outcomes[i];
        Referral& referral =
            referrals.emplace_back(Referral{o.order, o.authority, Reason{ReasonKind::Refer, {}, o.ref, {}}});
        words(referral.reason.text, o, {"the condition for referral to ", o.authority, " holds"});
    }
    // In written order, ties kept. A few are sorted in place: std::stable_sort takes a buffer
    // from the heap however few there are.
    if (referrals.size() <= 16) {
        for (std::size_t i = 1; i < referrals.size(); ++i) {
            for (std::size_t j = i; j > 0 && referrals[j].order < referrals[j - 1].order; --j) {
                std::swap(referrals[j], referrals[j - 1]);
            }
        }
    } else {
        std::stable_sort(referrals.begin(), referrals.end(),
                         [](const Referral& a, const Referral& b) { return a.order < b.order; });
    }

    Refill<std::string> reasons(d.outcome_reasons);
    Refill<Reason> detail(d.reasons);
    // Each reason is written into the elements in place, their memory reused.
    auto give = [&](ReasonKind kind, const std::string& rule, const std::string& ref) -> Reason& {
        Reason& reason = detail.next();
        reason.kind = kind;
        reason.rule = rule;
        reason.ref = ref;
        return reason;
    };
    // "<opening><authority> because <text>."
    auto sentence = [&](std::string_view opening, const std::string& authority, const std::string& text) {
        std::string& out = w.text;
        out.assign(opening);
        append_with_article(out, authority);
        out += " because ";
        out += text;
        out += '.';
        explanation.push_back(out);
    };
    if (!declines.empty()) {
        d.outcome = Outcome::Decline;
        for (const std::size_t i : declines) {
            const COutcome& o = p.outcomes[i];
            Reason& reason = give(ReasonKind::Decline, {}, o.ref);
            words(reason.text, o, {"a condition for declining holds"});
            if (!r.figures_only) {
                std::string& out = w.text;
                out.assign("The package is declined because ");
                out += reason.text;
                out += '.';
                explanation.push_back(out);
            }
            reasons.next() = reason.text;
        }
    } else if (to_panel) {
        d.outcome = Outcome::Refer;
        d.referred_to = p.panel.empty() ? std::string("panel") : p.panel;
        for (const Issue& issue : d.issues) {
            if (issue.kind == IssueKind::Refused || issue.kind == IssueKind::Referred) continue;
            give(ReasonKind::Issue, issue.rule, issue.ref).text = issue.message;
            reasons.next() = issue.message;
        }
        if (!r.figures_only) {
            std::string& out = w.text;
            out.assign("The package is referred to ");
            append_with_article(out, p.panel);
            out += " because part of it is not settled by the agreed rules.";
            explanation.push_back(out);
        }
        for (Referral& referral : referrals) {
            if (!r.figures_only) sentence("It would also go to ", referral.authority, referral.reason.text);
            reasons.next() = referral.reason.text;
            detail.next() = std::move(referral.reason);
        }
    } else if (!referrals.empty()) {
        d.outcome = Outcome::Refer;
        d.referred_to = referrals.front().authority;
        for (std::size_t k = 0; k < referrals.size(); ++k) {
            if (!r.figures_only) {
                sentence(k == 0 ? "The package is referred to " : "It would also go to ", referrals[k].authority,
                         referrals[k].reason.text);
            }
            reasons.next() = referrals[k].reason.text;
            detail.next() = std::move(referrals[k].reason);
        }
    } else {
        d.outcome = Outcome::Approve;
        if (!r.figures_only) {
            explanation.push_back(refused ? "The rest of the package is approved; what is refused above is paid "
                                            "by no agency."
                                          : "The package is approved.");
        }
    }
    if (!in_place) d.explanation = explanation;
    release_large_text(w);
    cx.outcome = nullptr;
}

}  // namespace jointly::engine::detail
