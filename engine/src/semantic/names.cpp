// Checker: the symbol tables, duplicate and clashing declarations, reserved names, and
// what is declared but never used.
#include <algorithm>
#include <initializer_list>
#include <string>
#include <tuple>
#include <vector>

#include "context.hpp"

namespace jointly::engine::semantic {
namespace {

// Names the language defines itself: in expressions (`service`, `total`, `age`) and in
// reason placeholders (`cost`, `days`, `line`). Declaring one would hide it.
struct Declaration {
    SymbolKind kind;
    const Ident* id;
    std::size_t index;
};

std::string where(const Span& span) {
    return span.line > 0 ? " on line " + std::to_string(span.line) : std::string();
}

// "agency", "fact", ...: kind_word without its article.
std::string kind_noun(SymbolKind kind) {
    const std::string_view word = kind_word(kind);
    return std::string(word.substr(word.find(' ') + 1));
}

bool before(const Span& a, const Span& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
}

// E2001 for a second declaration of the same name in a namespace of one kind.
template <typename Items>
void unique_in(Checker& c, const Items& items, const char* kind,
               std::unordered_map<std::string, std::size_t>& index) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        const Ident& id = items[i].id;
        auto [it, inserted] = index.emplace(id.name, i);
        if (!inserted) {
            c.emit(Code::duplicate_declaration, id.span,
                   std::string(kind) + " `" + id.name + "` is declared twice",
                   "the first declaration is" + where(items[it->second].id.span) +
                       "; remove one or rename it");
        }
    }
}

}  // namespace

std::string_view kind_word(SymbolKind kind) {
    switch (kind) {
        case SymbolKind::Agency: return "an agency";
        case SymbolKind::AgencyGroup: return "an agency group";
        case SymbolKind::Fact: return "a fact";
        case SymbolKind::Event: return "an event";
        case SymbolKind::Let: return "a definition (`let`)";
        case SymbolKind::Threshold: return "an eligibility threshold";
        case SymbolKind::Table: return "a table";
        case SymbolKind::Level: return "a scale level";
    }
    return "a name";
}

Checker::Checker(ProgramImpl& program_in, const Limits& limits_in)
    : program(program_in),
      module(program_in.module_),
      limits(limits_in),
      lets(module.lets.size()),
      thresholds(module.thresholds.size()),
      table_types(module.tables.size()),
      agency_used(module.agencies.size(), false),
      fact_used(module.facts.size(), false),
      rule_conditions(module.rules.size(), -1),
      outcome_conditions(module.outcomes.size(), -1),
      rule_reasons(module.rules.size()),
      outcome_reasons(module.outcomes.size()),
      threshold_reasons(module.thresholds.size()) {
    if (limits.time_limit.count() > 0) {
        deadline_ = limits.since.value_or(std::chrono::steady_clock::now()) + limits.time_limit;
    }
}

void Checker::emit(Code code, const Span& span, std::string message, std::string help) {
    if (keep(code, span)) add(code, span, std::move(message), std::move(help));
}

bool Checker::keep(Code code, const Span& span) {
    const auto at = static_cast<std::size_t>(code);
    if (code_info(code).severity == Severity::Error) {
        ++errors_;
        if (span.line > 0) error_starts_.emplace(span.line, span.column);
    }
    const bool code_full = limits.per_code != 0 && kept_[at] >= limits.per_code;
    const bool list_full = limits.total != 0 && kept_total_ >= limits.total;
    if (!code_full && !list_full) {
        ++kept_[at];
        ++kept_total_;
        return true;
    }
    Omitted& o = omitted_[at];
    if (o.count++ == 0) o.first = span;
    return false;
}

bool Checker::error_within(const Span& span) const {
    if (span.line == 0) return false;
    const auto it = error_starts_.lower_bound({span.line, span.column});
    return it != error_starts_.end() &&
           *it < std::pair<std::uint32_t, std::uint32_t>{span.end_line, span.end_column};
}

void Checker::add(Code code, const Span& span, std::string message, std::string help) {
    const CodeInfo& info = code_info(code);
    if (info.severity == Severity::Error) {
        for (const std::string* text : {&message, &help}) {
            for (std::size_t open = text->find('`'); open != std::string::npos;) {
                const std::size_t close = text->find('`', open + 1);
                if (close == std::string::npos) break;
                error_names_.insert(text->substr(open + 1, close - open - 1));
                open = text->find('`', close + 1);
            }
        }
    }
    out.push_back(Diagnostic{info.severity, info.id, std::move(message),
                             module.file, span, std::move(help)});
}

Diagnostics Checker::finish() {
    std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.span.line, a.span.column) < std::tie(b.span.line, b.span.column);
    });
    for (const CodeInfo& info : kCodes) {
        const Omitted& o = omitted_[static_cast<std::size_t>(info.id)];
        if (o.count == 0) continue;
        const std::string kind = info.severity == Severity::Error
                                     ? "error"
                                     : (info.severity == Severity::Warning ? "warning" : "note");
        const bool code_full = limits.per_code != 0 && kept_[static_cast<std::size_t>(info.id)] >= limits.per_code;
        add(info.id, o.first,
            "and " + std::to_string(o.count) + " more `" + std::string(info.code) + "` " + kind +
                (o.count == 1 ? "" : "s") + " (" + std::string(info.title) + ") not listed",
            code_full ? "at most " + std::to_string(limits.per_code) +
                            " of one code are listed; this points at the first one left out"
                      : "at most " + std::to_string(limits.total) +
                            " diagnostics are listed in all; this points at the first one left out");
        out.back().not_listed = o.count;
    }
    return std::move(out);
}

void Checker::tick() {
    if (!deadline_ || (++ticks_ & 1023U) != 0) return;
    check_time();
}

void Checker::check_time() {
    if (deadline_ && std::chrono::steady_clock::now() > *deadline_) throw OutOfTime{};
}

const Symbol* Checker::value(std::string_view name) const {
    const auto it = values.find(std::string(name));
    return it == values.end() ? nullptr : &it->second;
}

InSet in_set(const Checker& c, const In& test) {
    InSet out;
    const std::string* set_name = test.set->name();
    if (const List* list = test.set->as<List>()) {
        for (const Expr& m : list->items) out.members.push_back(&m);
    } else if (set_name != nullptr && c.value(*set_name) != nullptr &&
               c.value(*set_name)->kind != SymbolKind::Level) {
        out.list_fact = true;
    } else {
        out.members.push_back(&*test.set);
    }
    return out;
}

const Expr& definition_of(const Checker& c, const Expr& e) {
    const Expr* at = &e;
    // Each step goes through one definition: more steps than definitions is a cycle (E2014).
    for (std::size_t steps = 0; steps <= c.module.lets.size(); ++steps) {
        const std::string* name = at->name();
        const Symbol* s = name != nullptr ? c.value(*name) : nullptr;
        if (s == nullptr || s->kind != SymbolKind::Let) return *at;
        const Expr& value = c.module.lets[s->index].value;
        if (!(value.is<NameRef>() || value.is<NumberLit>() || value.is<MoneyLit>() || value.is<PercentLit>() ||
              value.is<DateLit>() || value.is<TextLit>())) {
            return *at;
        }
        at = &value;
    }
    return e;
}

std::optional<std::size_t> Checker::level_ordinal(std::string_view scale,
                                                  std::string_view level) const {
    const auto it = scale_index.find(std::string(scale));
    if (it == scale_index.end()) return std::nullopt;
    const std::vector<Ident>& levels = module.scales[it->second].levels;
    for (std::size_t i = 0; i < levels.size(); ++i) {
        if (levels[i].name == level) return i;
    }
    return std::nullopt;
}

std::string Checker::suggestion(std::string_view word,
                                const std::vector<std::string>& candidates) {
    if (!suggesting()) return {};
    ++suggestions_;
    const std::string best = did_you_mean(word, candidates);
    return best.empty() ? std::string() : "did you mean `" + best + "`?";
}

bool Checker::require_agency(const Ident& id, bool counts_as_use) {
    const Symbol* symbol = value(id.name);
    if (symbol != nullptr && symbol->kind == SymbolKind::Agency) {
        if (counts_as_use) agency_used[symbol->index] = true;
        return true;
    }
    if (symbol != nullptr && symbol->kind == SymbolKind::AgencyGroup) {
        emit(Code::not_one_agency, id.span, "`" + id.name + "` is an agency group; one declared agency is needed here",
             "name one of its agencies");
        return false;
    }
    if (symbol != nullptr && symbol->kind == SymbolKind::Fact &&
        module.facts[symbol->index].type.kind == TypeKind::Agency) {
        emit(Code::not_one_agency, id.span,
             "`" + id.name + "` picks an agency for each request; one declared agency is needed here",
             "a fact that picks an agency is named only in a rule (split, `pay`, a cap, `excess to`, "
             "`odd penny to`) and in `total(...)`");
        return false;
    }
    std::string help = suggestion(id.name, names_of(SymbolKind::Agency));
    if (help.empty()) help = "declare it, e.g. `agency " + id.name + " \"Display name\"`";
    emit(Code::unknown_agency, id.span, "unknown agency `" + id.name + "`", help);
    return false;
}

bool Checker::require_event(const Ident& id) {
    const Symbol* symbol = value(id.name);
    if (symbol != nullptr && symbol->kind == SymbolKind::Event) return true;
    std::string help = suggestion(id.name, names_of(SymbolKind::Event));
    if (help.empty()) help = "declare it, e.g. `event " + id.name + "`";
    emit(Code::unknown_event, id.span, "unknown event `" + id.name + "`", help);
    return false;
}

std::vector<std::string> Checker::names_of(SymbolKind kind) const {
    std::vector<std::string> names;
    if (!suggesting()) return names;
    auto add = [&](const auto& items) {
        for (const auto& item : items) names.push_back(item.id.name);
    };
    switch (kind) {
        case SymbolKind::Agency: add(module.agencies); break;
        case SymbolKind::AgencyGroup: add(module.agency_groups); break;
        case SymbolKind::Fact: add(module.facts); break;
        case SymbolKind::Event: add(module.events); break;
        case SymbolKind::Let: add(module.lets); break;
        case SymbolKind::Threshold: add(module.thresholds); break;
        case SymbolKind::Table: add(module.tables); break;
        case SymbolKind::Level:
            for (const Scale& scale : module.scales) {
                for (const Ident& level : scale.levels) names.push_back(level.name);
            }
            break;
    }
    return names;
}

std::vector<std::string> Checker::value_names() const {
    std::vector<std::string> names;
    if (!suggesting()) return names;
    for (const SymbolKind kind : {SymbolKind::Fact, SymbolKind::Let, SymbolKind::Threshold,
                                  SymbolKind::Event, SymbolKind::Level}) {
        const std::vector<std::string> more = names_of(kind);
        names.insert(names.end(), more.begin(), more.end());
    }
    for (const Builtin& b : kBuiltins) {
        if (b.form == BuiltinForm::Name) names.emplace_back(b.name);
    }
    return names;
}

void collect_symbols(Checker& c) {
    const Module& m = c.module;
    std::vector<Declaration> declarations;
    auto add = [&](SymbolKind kind, const auto& items) {
        for (std::size_t i = 0; i < items.size(); ++i) {
            declarations.push_back({kind, &items[i].id, i});
        }
    };
    add(SymbolKind::Agency, m.agencies);
    add(SymbolKind::AgencyGroup, m.agency_groups);
    add(SymbolKind::Fact, m.facts);
    add(SymbolKind::Event, m.events);
    add(SymbolKind::Let, m.lets);
    add(SymbolKind::Threshold, m.thresholds);
    add(SymbolKind::Table, m.tables);
    for (std::size_t s = 0; s < m.scales.size(); ++s) {
        const std::vector<Ident>& levels = m.scales[s].levels;
        for (std::size_t i = 0; i < levels.size(); ++i) {
            const bool repeated = std::any_of(levels.begin(), levels.begin() + static_cast<std::ptrdiff_t>(i),
                                              [&](const Ident& l) { return l.name == levels[i].name; });
            if (repeated) {
                c.emit(Code::duplicate_level, levels[i].span,
                       "level `" + levels[i].name + "` appears twice in scale `" +
                           m.scales[s].id.name + "`",
                       "each level of a scale has its own place in the order; remove one");
                continue;
            }
            c.level_scales[levels[i].name].push_back(s);
            declarations.push_back({SymbolKind::Level, &levels[i], s});
        }
    }
    // INVARIANT: "first" means first in the text, so a duplicate is reported where the
    // reader meets it the second time.
    std::stable_sort(declarations.begin(), declarations.end(),
                     [](const Declaration& a, const Declaration& b) {
                         return before(a.id->span, b.id->span);
                     });
    for (const Declaration& d : declarations) {
        const std::string& name = d.id->name;
        if (d.kind != SymbolKind::Level && is_reserved_name(name)) {
            std::string help = "choose another name";
            if (name == "age") {
                help = "`age` is worked out from a `date_of_birth: date` fact; declare that instead";
            }
            c.emit(Code::reserved_name, d.id->span,
                   "`" + name + "` is a builtin name and cannot be declared", help);
        }
        const auto it = c.values.find(name);
        if (it == c.values.end()) {
            c.values.emplace(name, Symbol{d.kind, d.index, d.id->span});
            continue;
        }
        const Symbol& first = it->second;
        if (first.kind == SymbolKind::Level && d.kind == SymbolKind::Level) continue;
        if (first.kind == d.kind) {
            c.emit(Code::duplicate_declaration, d.id->span,
                   kind_noun(d.kind) + " `" + name + "` is declared twice",
                   "the first declaration is" + where(first.span) + "; remove one or rename it");
        } else {
            c.emit(Code::name_kind_clash, d.id->span,
                   "`" + name + "` is declared as " + std::string(kind_word(first.kind)) +
                       " and as " + std::string(kind_word(d.kind)),
                   "agencies, agency groups, facts, events, definitions, thresholds, tables and levels share "
                   "one set of names; rename one (the first is" + where(first.span) + ")");
        }
    }
    unique_in(c, m.scales, "scale", c.scale_index);
    unique_in(c, m.rules, "rule", c.rule_index);
    std::unordered_map<std::string, std::size_t> pools;
    unique_in(c, m.pools, "pool", pools);
}

void check_usage(Checker& c) {
    const Module& m = c.module;
    // Nothing is said of a name an error is about: one whose declaration has an error
    // (`fact age: whole`, E2013), or that an error names (`` `urgent` is a fact, not an
    // agency ``), or suggests for a misspelling (``unknown agency `heath` `` / "did you mean
    // `health`?": `health` looks unused only because its one use is misspelt).
    const auto involved = [&c](const Ident& id, const Span& declaration) {
        return c.named_in_error(id.name) || c.error_within(declaration);
    };
    for (std::size_t i = 0; i < m.agencies.size(); ++i) {
        if (c.agency_used[i] || involved(m.agencies[i].id, m.agencies[i].span)) continue;
        const Symbol* symbol = c.value(m.agencies[i].id.name);
        if (symbol == nullptr || symbol->index != i || symbol->kind != SymbolKind::Agency) continue;
        c.emit(Code::agency_unused, m.agencies[i].id.span,
               "agency `" + m.agencies[i].id.name + "` pays for nothing: no rule or pool names it",
               "give it a share in a rule, or remove it");
    }
    for (std::size_t i = 0; i < m.facts.size(); ++i) {
        if (c.fact_used[i] || involved(m.facts[i].id, m.facts[i].span)) continue;
        const Symbol* symbol = c.value(m.facts[i].id.name);
        if (symbol == nullptr || symbol->index != i || symbol->kind != SymbolKind::Fact) continue;
        c.emit(Code::fact_unused, m.facts[i].id.span,
               "fact `" + m.facts[i].id.name + "` is never used",
               "use it in a condition or a reason, or remove it so callers need not supply it");
    }
}

bool date_less(const CivilDate& a, const CivilDate& b) {
    return std::tie(a.year, a.month, a.day) < std::tie(b.year, b.month, b.day);
}

}  // namespace jointly::engine::semantic
