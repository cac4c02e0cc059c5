// The request against the program's declarations: every problem at once, each with a JSON
// pointer; then facts and events bound to the program's indices.
#include <algorithm>
#include <string>
#include <string_view>

#include "eval_state.hpp"
#include "jointly/dsl/diagnostic.hpp"
#include "jointly/engine/codes.hpp"

namespace jointly::engine::detail {
namespace {

void problem(std::vector<EvalError>& errors, dsl::Code code, std::string path, std::string message) {
    errors.push_back(EvalError{code, std::move(path), std::move(message), std::nullopt, {}});
}

// An event's dates, ascending, into `out`: one at most for an event that does not repeat, at
// most kMaxEventDates for one that does, none given twice.
void bind_event_dates(const Schema& schema, const std::string& name, const std::vector<Date>& dates,
                      std::vector<Date>& out, std::vector<EvalError>& errors) {
    const std::string path = "/events/" + name;
    if (dates.size() > 1 && !schema.repeats(name)) {
        problem(errors, codes::kEventDates, path,
                "event `" + name + "` does not repeat, so it takes one date, not " + std::to_string(dates.size()) +
                    " (a policy declares `event " + name + " repeats` for an event that may happen more than once)");
        return;
    }
    if (dates.size() > kMaxEventDates) {
        problem(errors, codes::kEventDates, path,
                "event `" + name + "` has " + std::to_string(dates.size()) + " dates; the limit is " +
                    std::to_string(kMaxEventDates));
        return;
    }
    out.assign(dates.begin(), dates.end());
    std::sort(out.begin(), out.end());
    const auto twice = std::adjacent_find(out.begin(), out.end());
    if (twice != out.end()) {
        const auto at = std::find(dates.begin(), dates.end(), *twice);
        const auto again = std::find(at + 1, dates.end(), *twice);
        problem(errors, codes::kEventDates, path + "/" + std::to_string(again - dates.begin()),
                "event `" + name + "` has the date " + twice->to_string() + " twice");
        out.clear();
    }
}

std::string expected(const CFact& f, const ProgramImpl& p) {
    const std::string scale = f.scale >= 0 ? p.scales[static_cast<std::size_t>(f.scale)].name : "?";
    switch (f.type) {
        case dsl::TypeKind::Bool: return "true or false";
        case dsl::TypeKind::Whole: return "a whole number";
        case dsl::TypeKind::Decimal: return "a number";
        case dsl::TypeKind::Money: return "an amount of money";
        case dsl::TypeKind::Date: return "a date";
        case dsl::TypeKind::Text: return "text";
        case dsl::TypeKind::Level: return "a level of `" + scale + "`";
        case dsl::TypeKind::LevelMap: return "a map of levels of `" + scale + "`";
        case dsl::TypeKind::TextList: return "a list of text";
        case dsl::TypeKind::Agency: return "the id of an agency, as text";
    }
    return "a value";
}

// The fact's value as a runtime value, or nullopt when it is of the wrong kind.
std::optional<Val> checked(const CFact& f, const Value& v) {
    switch (f.type) {
        case dsl::TypeKind::Bool:
            if (std::holds_alternative<bool>(v)) return to_val(v);
            break;
        case dsl::TypeKind::Whole:
            if (std::holds_alternative<std::int64_t>(v)) return to_val(v);
            if (const auto* r = std::get_if<Ratio>(&v); r != nullptr && r->den() == 1) return to_val(v);
            break;
        case dsl::TypeKind::Decimal:
            if (std::holds_alternative<Ratio>(v) || std::holds_alternative<std::int64_t>(v)) return to_val(v);
            break;
        case dsl::TypeKind::Money:
            if (std::holds_alternative<Money>(v)) return to_val(v);
            break;
        case dsl::TypeKind::Date:
            if (std::holds_alternative<Date>(v)) return to_val(v);
            break;
        case dsl::TypeKind::Text:
            if (std::holds_alternative<std::string>(v)) return to_val(v);
            break;
        case dsl::TypeKind::Level:
            if (std::holds_alternative<Level>(v)) return to_val(v);
            break;
        case dsl::TypeKind::LevelMap:
            if (std::holds_alternative<LevelMap>(v)) return to_val(v);
            break;
        case dsl::TypeKind::TextList:
            if (std::holds_alternative<TextList>(v)) return to_val(v);
            break;
        case dsl::TypeKind::Agency:
            if (std::holds_alternative<std::string>(v)) return to_val(v);  // bind_agency says which
            break;
    }
    return std::nullopt;
}

// A fact that picks an agency: its value is one of the agencies the fact lists (E4218
// otherwise, never a default agency); bound as the agency's index, shown by its display name.
void bind_agency(const ProgramImpl& p, std::size_t fact, const std::string& given, Val& out,
                 std::vector<EvalError>& errors) {
    const FactInfo& info = p.schema.facts[fact];
    const auto allowed = std::find(info.agencies.begin(), info.agencies.end(), given);
    if (allowed == info.agencies.end()) {
        std::string listed;
        for (std::size_t i = 0; i < info.agencies.size(); ++i) {
            listed += (i == 0 ? "`" : i + 1 == info.agencies.size() ? " or `" : ", `") + info.agencies[i] + "`";
        }
        const std::string best = dsl::did_you_mean(given, info.agencies);
        problem(errors, codes::kAgencyNotAllowed, "/facts/" + info.name,
                "fact `" + info.name + "` names the agency that pays: it must be " + listed + ", not `" + given +
                    "`" + (best.empty() ? std::string() : " (did you mean `" + best + "`?)"));
        return;
    }
    const auto agency = static_cast<std::size_t>(p.agency_index(given));
    out = Val{};
    out.type = VType::Text;
    out.i = static_cast<std::int32_t>(agency);
    out.s = &p.schema.agencies[agency].display_name;
}

void check_levels(const ProgramImpl& p, const CFact& f, const Val& v, std::vector<EvalError>& errors) {
    if (f.scale < 0) return;
    const auto& levels = p.scales[static_cast<std::size_t>(f.scale)].levels;
    const auto bad = [&](int index) { return index < 0 || static_cast<std::size_t>(index) >= levels.size(); };
    if (v.type == VType::Level && bad(v.i)) {
        problem(errors, codes::kLevelRange, "/facts/" + f.name,
                "fact `" + f.name + "` is not a level of `" + p.scales[static_cast<std::size_t>(f.scale)].name + "`");
    }
    if (v.type == VType::LevelMap) {
        for (const auto& [key, level] : *v.map) {
            if (bad(level.index)) {
                problem(errors, codes::kLevelRange, "/facts/" + f.name + "/" + key,
                        "`" + key + "` is not a level of `" + p.scales[static_cast<std::size_t>(f.scale)].name + "`");
            }
        }
    }
}

void check_lines(const Request& r, std::vector<EvalError>& errors) {
    struct Ids {
        const std::vector<Line>& lines;
        std::size_t size() const { return lines.size(); }
        std::string_view operator[](std::size_t i) const { return lines[i].id; }
    } ids{r.lines};
    for (std::size_t i = 0; i < r.lines.size(); ++i) {
        const Line& line = r.lines[i];
        // Built only for a problem: the usual request has none.
        const auto at = [i] { return "/lines/" + std::to_string(i); };
        if (line.id.empty()) problem(errors, codes::kLineId, at() + "/id", "a line needs an `id`");
        if (line.service.empty()) problem(errors, codes::kLineService, at() + "/service", "a line needs a `service`");
        switch (line.kind) {
            case LineKind::OneOff:
                if (line.amount < Money()) problem(errors, codes::kLineAmount, at() + "/amount", "`amount` cannot be negative");
                break;
            case LineKind::Weekly:
            case LineKind::Hourly:
                if (line.kind == LineKind::Weekly && line.weekly < Money()) {
                    problem(errors, codes::kLineAmount, at() + "/weekly", "`weekly` cannot be negative");
                }
                if (line.kind == LineKind::Hourly && line.hourly < Money()) {
                    problem(errors, codes::kLineAmount, at() + "/hourly", "`hourly` cannot be negative");
                }
                if (line.kind == LineKind::Hourly && line.hours_per_week < Ratio()) {
                    problem(errors, codes::kLineAmount, at() + "/hours_per_week", "`hours_per_week` cannot be negative");
                }
                if (line.end < line.start) {
                    problem(errors, codes::kLineDates, at() + "/end",
                            "`end` " + line.end.to_string() + " is before `start` " + line.start.to_string());
                }
                break;
        }
    }
    // Repeated ids: pairwise for a small package (no allocation), sorted for a large one.
    std::vector<std::size_t> repeated;
    if (ids.size() <= 32) {
        for (std::size_t i = 1; i < ids.size(); ++i) {
            for (std::size_t j = 0; j < i; ++j) {
                if (!ids[i].empty() && ids[i] == ids[j]) {
                    repeated.push_back(i);
                    break;
                }
            }
        }
    } else {
        std::vector<std::size_t> order(ids.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ids[a] < ids[b]; });
        for (std::size_t k = 1; k < order.size(); ++k) {
            if (!ids[order[k]].empty() && ids[order[k]] == ids[order[k - 1]]) repeated.push_back(order[k]);
        }
        std::sort(repeated.begin(), repeated.end());
    }
    for (const std::size_t i : repeated) {
        problem(errors, codes::kLineId, "/lines/" + std::to_string(i) + "/id",
                "line id `" + std::string(ids[i]) + "` is used twice");
    }
}

const char* kind_field(LineKind kind) {
    switch (kind) {
        case LineKind::OneOff: return "amount";
        case LineKind::Weekly: return "weekly";
        case LineKind::Hourly: return "hourly";
    }
    return "amount";
}

const char* kind_words(dsl::LineKindDecl kind) {
    switch (kind) {
        case dsl::LineKindDecl::OneOff: return "as a one-off payment, so its line gives `amount`";
        case dsl::LineKindDecl::Weekly: return "weekly, so its line gives `weekly`";
        case dsl::LineKindDecl::Hourly: return "by the hour, so its line gives `hourly` and `hours_per_week`";
        case dsl::LineKindDecl::Any: break;
    }
    return "";
}

bool kind_fits(dsl::LineKindDecl declared, LineKind kind) {
    switch (declared) {
        case dsl::LineKindDecl::Any: return true;
        case dsl::LineKindDecl::OneOff: return kind == LineKind::OneOff;
        case dsl::LineKindDecl::Weekly: return kind == LineKind::Weekly;
        case dsl::LineKindDecl::Hourly: return kind == LineKind::Hourly;
    }
    return true;
}

// When the policy declares services: E4216 for a line whose service it does not declare,
// E4217 for a line of another kind than its service is declared as.
void check_services(const ProgramImpl& p, const Request& r, std::vector<EvalError>& errors) {
    if (p.declared_services == 0) return;
    for (std::size_t i = 0; i < r.lines.size(); ++i) {
        const Line& line = r.lines[i];
        if (line.service.empty()) continue;  // E4205 already
        const std::int32_t s = p.service_index(line.service);
        const std::string at = "/lines/" + std::to_string(i);
        if (s < 0 || static_cast<std::size_t>(s) >= p.declared_services) {
            const auto declared_end = p.services.begin() + static_cast<std::ptrdiff_t>(p.declared_services);
            const std::string best = dsl::did_you_mean(line.service, std::vector<std::string>(p.services.begin(), declared_end));
            problem(errors, codes::kUndeclaredService, at + "/service",
                    "unknown service `" + line.service + "`: " +
                        (best.empty() ? "the policy declares the services it covers"
                                      : "did you mean `" + best + "`?"));
            continue;
        }
        const dsl::LineKindDecl declared = p.service_kinds[static_cast<std::size_t>(s)];
        if (!kind_fits(declared, line.kind)) {
            problem(errors, codes::kServiceLineKind, at + "/" + kind_field(line.kind),
                    "service `" + line.service + "` is bought " + kind_words(declared) + ", not `" +
                        kind_field(line.kind) + "`");
        }
    }
}

}  // namespace

// A date of birth the request gives after a line starts, or after `as_of`, is a slip (a year
// typed wrong): `age` would count a child not yet born as 0 or less, and a rule on `age < 18`
// would fund the line. The first line it follows is named.
void check_born(const ProgramImpl& p, const Request& r, const Work& w, std::vector<EvalError>& errors) {
    if (p.date_of_birth < 0) return;
    const std::string& name = p.facts_c[static_cast<std::size_t>(p.date_of_birth)].name;
    const Val& given = w.facts[static_cast<std::size_t>(p.date_of_birth)];
    if (!r.facts.contains(name) || given.type != VType::Date) return;
    const Date born = Date::from_days(given.i);
    const std::string path = "/facts/" + name;
    for (const Line& line : r.lines) {
        const Date starts = line.kind == LineKind::OneOff ? line.date : line.start;
        if (starts < born) {
            problem(errors, codes::kBornAfterCare, path,
                    "the date of birth " + born.to_string() + " is after line `" + line.id + "` " +
                        (line.kind == LineKind::OneOff ? "is paid" : "starts") + " (" + starts.to_string() +
                        "): care cannot be funded before birth; check the year of the date of birth");
            return;
        }
    }
    if (r.as_of && *r.as_of < born) {
        problem(errors, codes::kBornAfterCare, path,
                "the date of birth " + born.to_string() + " is after the decision's date, `as_of` " +
                    r.as_of->to_string() + "; check the year of the date of birth");
    }
}

bool bind_request(const ProgramImpl& p, const Request& r, Work& w, std::vector<EvalError>& errors) {
    const std::size_t errors_before = errors.size();
    w.facts.assign(p.facts_c.size(), Val{});
    // Both sides are sorted by name: one merge finds the missing, the unknown and the given.
    auto given = r.facts.begin();
    auto declared = p.facts_by_name.begin();
    while (given != r.facts.end() || declared != p.facts_by_name.end()) {
        const int order = given == r.facts.end() ? 1
                          : declared == p.facts_by_name.end()
                              ? -1
                              : given->first.compare(p.facts_c[*declared].name);
        if (order < 0) {
            problem(errors, codes::kUnknownFact, "/facts/" + given->first, "unknown fact `" + given->first + "`");
            ++given;
            continue;
        }
        const CFact& f = p.facts_c[*declared];
        if (order > 0) {
            if (f.default_value) w.facts[*declared] = to_val(*f.default_value);
            else problem(errors, codes::kMissingFact, "/facts/" + f.name, "fact `" + f.name + "` is required");
            ++declared;
            continue;
        }
        if (const auto v = checked(f, given->second)) {
            w.facts[*declared] = *v;
            check_levels(p, f, *v, errors);
            if (f.type == dsl::TypeKind::Agency) {
                bind_agency(p, *declared, std::get<std::string>(given->second), w.facts[*declared], errors);
            }
        } else {
            problem(errors, codes::kFactType, "/facts/" + f.name, "fact `" + f.name + "` must be " + expected(f, p));
        }
        ++given;
        ++declared;
    }
    w.events.assign(p.schema.events.size(), std::nullopt);
    w.event_dates.resize(p.schema.events.size());
    for (auto& dates : w.event_dates) dates.clear();
    for (const auto& [name, dates] : r.events) {
        const auto it = std::find(p.schema.events.begin(), p.schema.events.end(), name);
        if (it == p.schema.events.end()) {
            problem(errors, codes::kUnknownEvent, "/events/" + name, "unknown event `" + name + "`");
            continue;
        }
        const auto index = static_cast<std::size_t>(it - p.schema.events.begin());
        bind_event_dates(p.schema, name, dates, w.event_dates[index], errors);
        if (!w.event_dates[index].empty()) w.events[index] = w.event_dates[index].front();
    }
    if (p.needs_as_of && !r.as_of) {
        problem(errors, dsl::Code::missing_field, "/as_of",
                "this policy uses the decision's date (`as_of`, or `age` outside a rule): the request must give `as_of`");
    }
    check_lines(r, errors);
    check_services(p, r, errors);
    check_born(p, r, w, errors);
    return errors.size() == errors_before;
}

EvalContext make_context(const ProgramImpl& p, Work& w) {
    w.let_cache.assign(p.lets.size(), Val{});
    w.let_ready.assign(p.lets.size(), 0);
    w.threshold_cache.assign(p.thresholds.size(), Val{});
    w.threshold_ready.assign(p.thresholds.size(), 0);
    EvalContext cx;
    cx.program = &p;
    cx.facts = w.facts.data();
    cx.events = w.events.data();
    cx.event_dates = w.event_dates.data();
    cx.let_cache = &w.let_cache;
    cx.let_ready = &w.let_ready;
    cx.threshold_cache = &w.threshold_cache;
    cx.threshold_ready = &w.threshold_ready;
    return cx;
}

}  // namespace jointly::engine::detail
