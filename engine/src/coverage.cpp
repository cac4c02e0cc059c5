// Coverage: the marks' sizes, and the items a report lists (docs/adr/0014-coverage.md).
#include "jointly/engine/coverage.hpp"

#include "eval_state.hpp"
#include "jointly/engine/program.hpp"

namespace jointly::engine {
namespace detail {

void size_coverage(const ProgramImpl& p, Coverage& c) {
    c.rules.resize(p.rules.size());
    c.windows.resize(p.rules.size());
    c.caps.resize(p.rules.size());
    for (std::size_t r = 0; r < p.rules.size(); ++r) c.caps[r].resize(p.rules[r].caps.size());
    c.table_rows.resize(p.tables.size());
    for (std::size_t t = 0; t < p.tables.size(); ++t) c.table_rows[t].resize(p.tables[t].rows.size());
    c.thresholds.resize(p.thresholds.size());
    c.outcomes.resize(p.outcomes.size());
}

}  // namespace detail

const char* to_string(CoverageCategory category) {
    switch (category) {
        case CoverageCategory::Rule: return "rules";
        case CoverageCategory::Exception: return "exceptions";
        case CoverageCategory::WindowEdge: return "window edges";
        case CoverageCategory::Cap: return "caps";
        case CoverageCategory::TableRow: return "table rows";
        case CoverageCategory::Eligibility: return "eligibility";
        case CoverageCategory::Outcome: return "outcome rules";
    }
    return "?";
}

const char* json_name(CoverageCategory category) {
    switch (category) {
        case CoverageCategory::Rule: return "rules";
        case CoverageCategory::Exception: return "exceptions";
        case CoverageCategory::WindowEdge: return "window_edges";
        case CoverageCategory::Cap: return "caps";
        case CoverageCategory::TableRow: return "table_rows";
        case CoverageCategory::Eligibility: return "eligibility";
        case CoverageCategory::Outcome: return "outcome_rules";
    }
    return "?";
}

std::vector<CoverageItem> coverage_items(const Program& program, const Coverage& coverage) {
    const detail::ProgramImpl& p = program.impl();
    const dsl::Module& m = p.module_;
    Coverage c = coverage;
    detail::size_coverage(p, c);
    std::vector<CoverageItem> out;
    auto add = [&](CoverageCategory category, std::string subject, std::string what, const dsl::Span& span,
                   bool covered) {
        out.push_back(CoverageItem{category, std::move(subject), std::move(what), span, covered});
    };
    auto quoted = [](const std::string& name) { return "`" + name + "`"; };
    for (std::size_t r = 0; r < p.rules.size(); ++r) {
        if (!m.rules[r].exception_to.empty()) continue;
        add(CoverageCategory::Rule, "rule " + quoted(p.rules[r].name), "applied (won a segment)", m.rules[r].span,
            (c.rules[r] & kRuleWon) != 0);
    }
    for (std::size_t r = 0; r < p.rules.size(); ++r) {
        const auto& parents = m.rules[r].exception_to;
        if (parents.empty()) continue;
        std::string names;
        for (const auto& parent : parents) names += (names.empty() ? "" : ", ") + quoted(parent.name);
        add(CoverageCategory::Exception, "exception " + quoted(p.rules[r].name) + " to " + names,
            "overrode (won a segment on which a rule it is an exception to applied)", m.rules[r].span,
            (c.rules[r] & kRuleOverrode) != 0);
    }
    for (std::size_t r = 0; r < p.rules.size(); ++r) {
        if (!p.rules[r].window || !m.rules[r].window) continue;
        const detail::CWindow& w = *p.rules[r].window;
        const dsl::Span& span = m.rules[r].window->span;
        const std::string subject = "window " + quoted(w.label) + " of " + quoted(p.rules[r].name);
        const std::uint8_t marks = c.windows[r];
        add(CoverageCategory::WindowEdge, subject, "inside", span, (marks & kWindowInside) != 0);
        add(CoverageCategory::WindowEdge, subject, "outside", span, (marks & kWindowOutside) != 0);
        if (w.from) {
            add(CoverageCategory::WindowEdge, subject, "on the start edge (a segment beginning on its first day)",
                span, (marks & kWindowStart) != 0);
        }
        if (w.to) {
            add(CoverageCategory::WindowEdge, subject, "on the end edge (a segment ending on its last day)", span,
                (marks & kWindowEnd) != 0);
        }
    }
    for (std::size_t r = 0; r < p.rules.size(); ++r) {
        for (std::size_t k = 0; k < p.rules[r].caps.size() && k < m.rules[r].caps.size(); ++k) {
            const std::string subject =
                "cap on " + quoted(m.rules[r].caps[k].agency.name) + " in " + quoted(p.rules[r].name);
            add(CoverageCategory::Cap, subject, "bound", m.rules[r].caps[k].span, (c.caps[r][k] & kCapBound) != 0);
            add(CoverageCategory::Cap, subject, "not bound", m.rules[r].caps[k].span,
                (c.caps[r][k] & kCapNotBound) != 0);
        }
    }
    for (std::size_t t = 0; t < p.tables.size(); ++t) {
        for (std::size_t k = 0; k < p.tables[t].rows.size() && k < m.tables[t].rows.size(); ++k) {
            add(CoverageCategory::TableRow, "row " + std::to_string(k + 1) + " of table " + quoted(p.tables[t].name),
                "looked up", m.tables[t].rows[k].span, c.table_rows[t][k] != 0);
        }
    }
    for (std::size_t t = 0; t < p.thresholds.size(); ++t) {
        const std::string subject = "eligible " + quoted(p.thresholds[t].name);
        add(CoverageCategory::Eligibility, subject, "met", m.thresholds[t].span, (c.thresholds[t] & kMet) != 0);
        add(CoverageCategory::Eligibility, subject, "not met", m.thresholds[t].span, (c.thresholds[t] & kNotMet) != 0);
    }
    for (std::size_t o = 0; o < p.outcomes.size(); ++o) {
        const detail::COutcome& rule = p.outcomes[o];
        std::string subject = rule.kind == dsl::OutcomeKind::Decline ? "`decline`" : "`refer to \"" + rule.authority + "\"`";
        if (!rule.ref.empty()) subject += " (clause " + rule.ref + ")";
        add(CoverageCategory::Outcome, subject, "held", m.outcomes[o].span, (c.outcomes[o] & kMet) != 0);
        add(CoverageCategory::Outcome, subject, "not held", m.outcomes[o].span, (c.outcomes[o] & kNotMet) != 0);
    }
    return out;
}

}  // namespace jointly::engine
