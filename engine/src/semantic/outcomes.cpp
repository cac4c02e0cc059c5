// The semantic pass on the header, outcome rules (decline / refer) and `{placeholders}` in
// reasons (each reason split at its placeholders once, here).
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "context.hpp"

namespace jointly::engine::semantic {
namespace {

// Placeholders the evaluator fills from the allocation or the outcome itself.
constexpr std::array<std::string_view, 9> kBuiltinPlaceholders = {
    "cost", "days", "from", "to", "line", "service", "total", "rule", "ref"};

bool blank(std::string_view text) {
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

bool identifier(std::string_view name) {
    if (name.empty() || !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) return false;
    for (const char ch : name) {
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
    }
    return true;
}

std::uint32_t code_points(std::string_view text) {
    std::uint32_t n = 0;
    for (const char ch : text) {
        if ((static_cast<unsigned char>(ch) & 0xC0U) != 0x80U) ++n;
    }
    return n;
}

// How many bytes `text` took in the policy: each `"` was written `\"` and each `\` was
// written `\\`, the only escapes in a text (E1008), so each adds one byte and one column.
std::size_t escapes(std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char ch) { return ch == '"' || ch == '\\'; }));
}

// The span of reason[from, to) inside the quoted text at `quoted`. A text is written on one
// line and its escapes are known from the reason itself, so a position in the reason maps back
// to the source by counting the escapes before it. A text that does not measure up (a
// hand-built module) gets the whole text.
Span inner(const Span& quoted, std::string_view reason, std::size_t from, std::size_t to) {
    if (quoted.line == 0 || quoted.end_line != quoted.line ||
        quoted.length != reason.size() + escapes(reason) + 2) {
        return quoted;
    }
    const std::string_view before = reason.substr(0, from);
    const std::string_view part = reason.substr(from, to - from);
    Span s = quoted;
    s.column = quoted.column + 1 + code_points(before) + static_cast<std::uint32_t>(escapes(before));
    s.end_column = s.column + code_points(part) + static_cast<std::uint32_t>(escapes(part));
    s.offset = quoted.offset + 1 + static_cast<std::uint32_t>(before.size() + escapes(before));
    s.length = static_cast<std::uint32_t>(part.size() + escapes(part));
    return s;
}

// A definition named by a placeholder is worked out where the reason is given: `service`
// and `age` are known only in a rule's reason, the package totals only in an outcome's.
void check_placeholder_needs(Checker& c, const Needs& needs, Context context, const Span& span,
                             const std::string& name, const std::string& owner) {
    const std::string what = "`{" + name + "}` in the reason of " + owner;
    if (needs.service && context != Context::Rule) {
        c.emit(Code::service_outside_rule, span,
               what + " uses `service`, which is only known inside a rule",
               "show `service` only in a rule's reason");
    }
    // Outside a rule's reason, `age` is the age on the request's `as_of`.
    if (needs.age && context != Context::Rule) c.program.needs_as_of = true;
    if (needs.total && context != Context::Outcome) {
        c.emit(Code::total_outside_outcome, span,
               what + " uses a package total, which is only known in `decline` and `refer` rules",
               "show totals only in the reason of a `decline` or `refer`");
    }
}

// The hole a builtin placeholder fills in a reason given in `context`, if it fills one there:
// the line's own words only in a rule's reason.
std::optional<detail::Hole> builtin_hole(std::string_view name, Context context) {
    using detail::Hole;
    static constexpr std::pair<std::string_view, Hole> kLineHoles[] = {
        {"cost", Hole::Cost}, {"days", Hole::Days}, {"from", Hole::From},
        {"to", Hole::To},     {"line", Hole::Line}, {"service", Hole::Service}};
    if (context == Context::Rule) {
        for (const auto& [word, hole] : kLineHoles) {
            if (name == word) return hole;
        }
        if (name == "rule") return Hole::Rule;
    }
    if (name == "ref") return Hole::Ref;
    if (name == "total") return Hole::Total;
    return std::nullopt;
}

std::optional<detail::Hole> symbol_hole(SymbolKind kind) {
    switch (kind) {
        case SymbolKind::Fact: return detail::Hole::Fact;
        case SymbolKind::Let: return detail::Hole::Let;
        case SymbolKind::Threshold: return detail::Hole::Threshold;
        case SymbolKind::Event: return detail::Hole::Event;
        case SymbolKind::Agency: return detail::Hole::Agency;
        case SymbolKind::AgencyGroup:
        case SymbolKind::Table:
        case SymbolKind::Level: break;
    }
    return std::nullopt;
}

// Checks a reason's placeholders and returns the reason split at them, each resolved once
// (a builtin the context does not fill stays as written).
Template check_reason(Checker& c, std::string_view reason, const Span& quoted, const std::string& owner,
                      Context context) {
    Template out;
    auto literal = [&](std::string_view text) {
        if (text.empty()) return;
        if (!out.empty() && out.back().hole == detail::Hole::Literal) out.back().text += text;
        else out.push_back(detail::TemplatePart{detail::Hole::Literal, -1, std::string(text)});
    };
    std::size_t at = 0;
    std::size_t done = 0;  // reason[0, done) is in `out`
    while ((at = reason.find('{', at)) != std::string_view::npos) {
        const std::size_t close = reason.find('}', at + 1);
        const std::size_t next_open = reason.find('{', at + 1);
        if (close == std::string_view::npos || (next_open != std::string_view::npos && next_open < close)) {
            c.emit(Code::malformed_placeholder, inner(quoted, reason, at, at + 1),
                   "the reason of " + owner + " has a `{` with no closing `}`",
                   "write a placeholder as `{name}`");
            at += 1;
            continue;
        }
        const std::string name(reason.substr(at + 1, close - at - 1));
        const Span span = inner(quoted, reason, at, close + 1);
        const std::size_t open = at;
        at = close + 1;
        if (!identifier(name)) {
            c.emit(Code::malformed_placeholder, span,
                   "`{" + name + "}` in the reason of " + owner + " is not a placeholder name",
                   "write a placeholder as `{name}`, e.g. `{cost}`");
            continue;
        }
        literal(reason.substr(done, open - done));
        done = at;
        const std::string written(reason.substr(open, at - open));
        if (const auto hole = builtin_hole(name, context)) {
            out.push_back(detail::TemplatePart{*hole, -1, written});
            continue;
        }
        const Symbol* symbol = c.value(name);
        const std::optional<detail::Hole> hole = symbol != nullptr ? symbol_hole(symbol->kind) : std::nullopt;
        if (hole) {
            if (symbol->kind == SymbolKind::Fact) c.fact_used[symbol->index] = true;
            if (symbol->kind == SymbolKind::Let) {
                check_let(c, symbol->index);
                check_placeholder_needs(c, c.lets[symbol->index].needs, context, span, name, owner);
            }
            out.push_back(detail::TemplatePart{*hole, static_cast<std::int32_t>(symbol->index), written});
            continue;
        }
        literal(written);
        if (std::find(kBuiltinPlaceholders.begin(), kBuiltinPlaceholders.end(), name) !=
            kBuiltinPlaceholders.end()) {
            // A line's word outside a rule has no value: it would be shown as written, `{cost}`
            // in a family's letter.
            c.emit(name == "service" ? Code::service_outside_rule : Code::unknown_placeholder, span,
                   "`{" + name + "}` in the reason of " + owner + " has no value there: it is known only "
                   "in a rule's reason, where a line is split",
                   context == Context::Threshold
                       ? "a threshold is decided once per request: show a fact or definition instead"
                       : "a `decline` or `refer` judges the whole package: show `{total}` or a fact instead");
            continue;
        }
        std::vector<std::string> allowed;
        for (const SymbolKind kind : {SymbolKind::Fact, SymbolKind::Let, SymbolKind::Threshold,
                                      SymbolKind::Event, SymbolKind::Agency}) {
            const std::vector<std::string> more = c.names_of(kind);
            allowed.insert(allowed.end(), more.begin(), more.end());
        }
        for (const std::string_view builtin : kBuiltinPlaceholders) allowed.emplace_back(builtin);
        std::string help = c.suggestion(name, allowed);
        if (help.empty()) {
            help = "a placeholder names a fact, definition, threshold, event or agency, or one of "
                   "`cost`, `days`, `from`, `to`, `line`, `service`, `total`, `rule`, `ref`";
        }
        c.emit(Code::unknown_placeholder, span,
               "unknown placeholder `{" + name + "}` in the reason of " + owner, help);
    }
    literal(reason.substr(std::min(done, reason.size())));
    return out;
}

}  // namespace

void check_header(Checker& c) {
    const Header& h = c.module.header;
    const Span& where = pick(h.id.span, h.span);
    if (blank(h.version)) {
        c.emit(Code::empty_version, pick(h.version_span, where), "policy `" + h.id.name + "` has an empty version",
               "e.g. `version \"2025.1\"`");
    }
    if (h.effective_from && h.effective_to && date_less(*h.effective_to, *h.effective_from)) {
        c.emit(Code::effective_reversed, pick(h.effective_span, where),
               "policy `" + h.id.name + "` takes effect on " + date_text(*h.effective_from) +
                   ", after it ends on " + date_text(*h.effective_to),
               "swap the dates, or write `effective from " + date_text(*h.effective_from) + "`");
    }
    std::set<std::string> seen;
    for (const Ident& agency : h.agreed_by) {
        c.require_agency(agency, false);
        if (!seen.insert(agency.name).second) {
            c.emit(Code::agreed_by_duplicate, agency.span,
                   "`" + agency.name + "` is listed twice in `agreed by`");
        }
    }
}

void check_outcomes(Checker& c) {
    for (const OutcomeRule& outcome : c.module.outcomes) {
        const bool decline = outcome.kind == OutcomeKind::Decline;
        const Span& where = pick(outcome.span, outcome.condition.span);
        if (decline && blank(outcome.reason)) {
            c.emit(Code::decline_without_reason, pick(outcome.reason_span, where),
                   "`decline` needs a reason",
                   "the family is told why: add `because \"...\"`");
        }
        if (!decline && blank(outcome.authority)) {
            c.emit(Code::refer_without_authority, pick(outcome.authority_span, where), "`refer to` names no one",
                   "name who decides, e.g. `refer to \"Director of Children's Services\"`");
        }
        Needs needs;
        const Typed t = type_of(c, outcome.condition, Context::Outcome, needs);
        if (t.type.tag != TypeTag::Bool && t.type.tag != TypeTag::Error) {
            c.emit(Code::condition_not_bool, outcome.condition.span,
                   std::string("the condition of this `") + (decline ? "decline" : "refer") +
                       "` is `" + type_name(t.type) + "`, not true/false");
        }
        c.outcome_conditions[static_cast<std::size_t>(&outcome - c.module.outcomes.data())] = t.node;
    }
}

void check_placeholders(Checker& c) {
    const Module& m = c.module;
    for (std::size_t i = 0; i < m.thresholds.size(); ++i) {
        const Threshold& t = m.thresholds[i];
        c.threshold_reasons[i] = check_reason(c, t.reason, pick(t.reason_span, t.id.span),
                                              "`" + t.id.name + "`", Context::Threshold);
    }
    for (std::size_t i = 0; i < m.rules.size(); ++i) {
        const Rule& r = m.rules[i];
        c.rule_reasons[i] = check_reason(c, r.reason, pick(r.reason_span, r.id.span),
                                         "rule `" + r.id.name + "`", Context::Rule);
    }
    for (std::size_t i = 0; i < m.outcomes.size(); ++i) {
        const OutcomeRule& o = m.outcomes[i];
        c.outcome_reasons[i] = check_reason(c, o.reason, pick(o.reason_span, pick(o.span, o.condition.span)),
                                            o.kind == OutcomeKind::Decline ? "this `decline`" : "this `refer`",
                                            Context::Outcome);
    }
}

}  // namespace jointly::engine::semantic
