// decode_request: a request body checked against a policy's declarations (engine::Schema),
// every problem reported at once with a JSON pointer.
#include <algorithm>
#include <cstdio>
#include <limits>
#include <set>
#include <string>
#include <utility>

#include "jointly/dsl/diagnostic.hpp"
#include "jointly/engine/codes.hpp"
#include "jointly/server/codec.hpp"

namespace jointly::server {
namespace {

using nlohmann::json;
namespace ec = engine::codes;

// A JSON number written with a fraction or an exponent, or past 64 bits, is read as binary
// floating point (nlohmann's number_float), which cannot hold every amount exactly.
constexpr const char* kMoneyHelp =
    "money must be a decimal string such as \"12.50\": a JSON number with a fraction or an "
    "exponent (`1e3`), or too large for a 64-bit integer, is read as binary floating point, which "
    "has already lost exactness";
constexpr const char* kDecimalHelp =
    "a decimal must be a string such as \"37.5\": a JSON number with a fraction or an exponent "
    "(`1e3`), or too large for a 64-bit integer, is read as binary floating point, which has "
    "already lost exactness";

const char* kind_name(const json& v) {
    switch (v.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned: return "a whole number";
        case json::value_t::number_float: return "a number with a fraction";
        case json::value_t::string: return "a string";
        case json::value_t::array: return "an array";
        case json::value_t::object: return "an object";
        default: return "an unsupported value";
    }
}

// An amount the caller sent, at most `limits.max_amount` either side of zero; else E4213 at
// `path` naming the maximum.
bool within_max(engine::Money m, const DecodeLimits& limits, const std::string& what, const std::string& path,
                std::vector<engine::EvalError>& errors) {
    const std::int64_t p = m.in_pence();
    const std::int64_t max = limits.max_amount.in_pence();
    if (p <= max && p >= -max) return true;
    errors.push_back(engine::EvalError{codes::kAmountTooLarge, path,
                                       what + " is " + m.to_display() + "; an amount may be at most " +
                                           limits.max_amount.to_display(),
                                       std::nullopt, {}});
    return false;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += ", ";
        out += item;
    }
    return out;
}

// Collects problems; each one has a code, a JSON pointer and a message.
class Problems {
public:
    void add(dsl::Code code, std::string path, std::string message) {
        errors_.push_back(engine::EvalError{code, std::move(path), std::move(message), std::nullopt, {}});
    }
    bool empty() const { return errors_.empty(); }
    std::vector<engine::EvalError>& list() { return errors_; }
    std::vector<engine::EvalError> take() { return std::move(errors_); }

private:
    std::vector<engine::EvalError> errors_;
};

// A JSON pointer, written out only when a problem needs it: the usual request has none, and
// building "/lines/2/weekly" for every field would cost more than decoding it.
class Path {
public:
    Path() = default;  // the whole request: ""
    Path(const Path& parent, std::string_view key) : parent_(&parent), key_(key) {}
    Path(const Path& parent, std::size_t index) : parent_(&parent), index_(index), is_index_(true) {}

    std::string str() const {
        if (parent_ == nullptr) return {};
        std::string out = parent_->str();
        out += '/';
        out += is_index_ ? std::to_string(index_) : pointer_escape(key_);
        return out;
    }

private:
    const Path* parent_ = nullptr;
    std::string_view key_;
    std::size_t index_ = 0;
    bool is_index_ = false;
};

}  // namespace

std::string date_problem(std::string_view text) {
    const std::string quoted = "`" + std::string(text) + "`";
    const auto digit = [&text](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
    const bool shaped = text.size() == 10 && text[4] == '-' && text[7] == '-' && digit(0) && digit(1) && digit(2) &&
                        digit(3) && digit(5) && digit(6) && digit(8) && digit(9);
    if (shaped && text.substr(0, 4) < "1900") {
        // A calendar day of a year before 1900: its month and day read in 2000 (a leap year),
        // and 29 February only in a leap year of its own.
        const int year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
        const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        if (engine::parse_date("2000" + std::string(text.substr(4))) && (leap || text.substr(5) != "02-29"))
            return quoted + " is before 1900: jointly reads dates from 1900-01-01 to 9999-12-31";
    }
    return quoted + " is not a date `YYYY-MM-DD` naming a real day";
}

namespace {

std::optional<engine::Date> read_date(const json& v, const Path& path, Problems& p) {
    if (!v.is_string()) {
        p.add(codes::kDate, path.str(), std::string("a date must be a string `YYYY-MM-DD`, not ") + kind_name(v));
        return std::nullopt;
    }
    const auto& text = v.get_ref<const std::string&>();
    auto date = engine::parse_date(text);
    if (!date) p.add(codes::kDate, path.str(), date_problem(text));
    return date;
}

// A decimal string or a JSON integer; `allow_negative` admits a leading '-'.
std::optional<engine::Ratio> read_decimal(const json& v, bool allow_negative, std::string* message) {
    if (v.is_number_float()) {
        *message = kDecimalHelp;
        return std::nullopt;
    }
    if (v.is_number_integer()) {
        if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t{INT64_MAX}) {
            *message = "the number is too large";
            return std::nullopt;
        }
        const auto n = v.get<std::int64_t>();
        if (n < 0 && !allow_negative) {
            *message = "must not be negative";
            return std::nullopt;
        }
        return engine::Ratio::whole(n);
    }
    if (!v.is_string()) {
        *message = std::string("a decimal must be a string such as \"37.5\", not ") + kind_name(v);
        return std::nullopt;
    }
    std::string_view text = v.get_ref<const std::string&>();
    bool negative = false;
    if (!text.empty() && text.front() == '-') {
        if (!allow_negative) {
            *message = "must not be negative";
            return std::nullopt;
        }
        negative = true;
        text.remove_prefix(1);
    }
    std::string why;
    auto r = engine::parse_decimal(text, &why);
    if (!r) {
        *message = "`" + v.get<std::string>() + "` is not a decimal number such as \"37.5\"";
        if (!why.empty()) *message += ": " + why;
        return std::nullopt;
    }
    if (negative) {
        try {
            return engine::Ratio(-r->num(), r->den());
        } catch (const engine::OverflowError&) {
            *message = "the number is too large";
            return std::nullopt;
        }
    }
    return r;
}

std::optional<engine::Value> read_fact(const engine::FactInfo& fact, const json& v, const Path& path,
                                       const DecodeLimits& limits, Problems& p) {
    using dsl::TypeKind;
    auto wrong = [&](const std::string& expected) {
        p.add(ec::kFactType, path.str(),
              "fact `" + fact.name + "` must be " + expected + ", not " + kind_name(v));
        return std::nullopt;
    };
    auto level_of = [&](const json& item, const Path& item_path) -> std::optional<engine::Level> {
        if (!item.is_string()) {
            p.add(ec::kLevelRange, item_path.str(),
                  "a level of `" + fact.scale + "` must be a string (" + join(fact.levels) + "), not " +
                      kind_name(item));
            return std::nullopt;
        }
        const auto& name = item.get_ref<const std::string&>();
        const auto it = std::find(fact.levels.begin(), fact.levels.end(), name);
        if (it == fact.levels.end()) {
            const auto guess = dsl::did_you_mean(name, fact.levels);
            p.add(ec::kLevelRange, item_path.str(),
                  "`" + name + "` is not a level of `" + fact.scale + "` (" + join(fact.levels) + ")" +
                      (guess.empty() ? std::string() : "; did you mean `" + guess + "`?"));
            return std::nullopt;
        }
        return engine::Level{static_cast<int>(it - fact.levels.begin())};
    };
    switch (fact.type) {
        case TypeKind::Bool:
            if (!v.is_boolean()) return wrong("true or false");
            return engine::Value{v.get<bool>()};
        case TypeKind::Whole:
            if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t{INT64_MAX}) {
                p.add(ec::kFactType, path.str(), "fact `" + fact.name + "` is too large");
                return std::nullopt;
            }
            if (!v.is_number_integer()) return wrong("a whole number");
            return engine::Value{v.get<std::int64_t>()};
        case TypeKind::Decimal: {
            std::string message;
            auto r = read_decimal(v, true, &message);
            if (!r) {
                p.add(ec::kFactType, path.str(), "fact `" + fact.name + "`: " + message);
                return std::nullopt;
            }
            return engine::Value{*r};
        }
        case TypeKind::Money: {
            std::string message;
            bool too_large = false;
            auto m = json_money(v, &message, &too_large);
            if (too_large) {
                p.add(codes::kAmountTooLarge, path.str(),
                      "fact `" + fact.name + "` is more than " + limits.max_amount.to_display() +
                          ", the most an amount may be");
                return std::nullopt;
            }
            if (!m) {
                p.add(ec::kFactType, path.str(), "fact `" + fact.name + "`: " + message);
                return std::nullopt;
            }
            if (!within_max(*m, limits, "fact `" + fact.name + "`", path.str(), p.list())) return std::nullopt;
            return engine::Value{*m};
        }
        case TypeKind::Date: {
            if (!v.is_string()) return wrong("a date string `YYYY-MM-DD`");
            auto d = engine::parse_date(v.get_ref<const std::string&>());
            if (!d) {
                p.add(ec::kFactType, path.str(),
                      "fact `" + fact.name + "`: " + date_problem(v.get_ref<const std::string&>()));
                return std::nullopt;
            }
            return engine::Value{*d};
        }
        case TypeKind::Text:
            if (!v.is_string()) return wrong("a string");
            return engine::Value{v.get<std::string>()};
        case TypeKind::Agency:  // which agency: checked when the request is bound (E4218)
            if (!v.is_string()) return wrong("the id of an agency, as a string");
            return engine::Value{v.get<std::string>()};
        case TypeKind::Level: {
            auto level = level_of(v, path);
            if (!level) return std::nullopt;
            return engine::Value{*level};
        }
        case TypeKind::LevelMap: {
            if (!v.is_object()) return wrong("an object of levels of `" + fact.scale + "`");
            // nlohmann::json holds an object's keys sorted, so each is added at the map's end.
            engine::LevelMap map;
            map.reserve(v.size());
            bool ok = true;
            for (const auto& [key, item] : v.items()) {
                if (key.empty()) {
                    // A level for no domain: `count` would count it, and no rule can name it.
                    p.add(ec::kFactType, Path(path, key).str(),
                          "a key of `" + fact.name + "` must name a domain (e.g. `breathing`), not be empty");
                    ok = false;
                    continue;
                }
                auto level = level_of(item, Path(path, key));
                if (level) map.emplace(key, *level);
                else ok = false;
            }
            if (!ok) return std::nullopt;
            return engine::Value{std::move(map)};
        }
        case TypeKind::TextList: {
            if (!v.is_array()) return wrong("an array of strings");
            engine::TextList list;
            bool ok = true;
            for (std::size_t i = 0; i < v.size(); ++i) {
                if (!v[i].is_string()) {
                    p.add(ec::kFactType, Path(path, i).str(),
                          std::string("an item of `") + fact.name + "` must be a string, not " +
                              kind_name(v[i]));
                    ok = false;
                } else {
                    list.push_back(v[i].get<std::string>());
                }
            }
            if (!ok) return std::nullopt;
            return engine::Value{std::move(list)};
        }
    }
    return std::nullopt;
}

void decode_facts(const json& body, const engine::Schema& schema, const DecodeLimits& limits,
                  engine::Request& out, Problems& p) {
    const json* facts = nullptr;
    if (auto it = body.find("facts"); it != body.end() && !it->is_null()) {
        if (!it->is_object()) {
            p.add(codes::kFieldType, "/facts", std::string("`facts` must be an object, not ") + kind_name(*it));
            return;
        }
        facts = &*it;
    }
    const Path root;
    const Path facts_path(root, "facts");
    if (facts) {
        for (const auto& [key, value] : facts->items()) {
            const Path path(facts_path, key);
            const std::string& name = key;  // a structured binding cannot be captured (C++20, clang)
            const auto info = std::find_if(schema.facts.begin(), schema.facts.end(),
                                           [&name](const engine::FactInfo& f) { return f.name == name; });
            if (info == schema.facts.end()) {
                std::vector<std::string> declared;
                for (const auto& f : schema.facts) declared.push_back(f.name);
                std::string message = "unknown fact `" + key + "`";
                const auto guess = dsl::did_you_mean(key, declared);
                if (!guess.empty()) message += " (did you mean `" + guess + "`?)";
                message += declared.empty() ? "; the policy declares no facts"
                                            : "; the policy declares " + join(declared);
                p.add(ec::kUnknownFact, path.str(), message);
                continue;
            }
            if (value.is_null()) {
                if (info->required) p.add(ec::kMissingFact, path.str(), "fact `" + key + "` is required and may not be null");
                continue;
            }
            if (auto decoded = read_fact(*info, value, path, limits, p)) out.facts.emplace(key, std::move(*decoded));
        }
    }
    for (const auto& f : schema.facts) {
        if (!f.required) continue;
        if (facts && facts->contains(f.name)) continue;
        p.add(ec::kMissingFact, "/facts/" + pointer_escape(f.name), "missing required fact `" + f.name + "`");
    }
}

void decode_events(const json& body, const engine::Schema& schema, engine::Request& out, Problems& p) {
    auto it = body.find("events");
    if (it == body.end() || it->is_null()) return;
    if (!it->is_object()) {
        p.add(codes::kFieldType, "/events", std::string("`events` must be an object of dates, not ") + kind_name(*it));
        return;
    }
    const auto& events = schema.events;
    const Path root;
    const Path events_path(root, "events");
    for (const auto& [key, value] : it->items()) {
        const Path path(events_path, key);
        if (std::find(events.begin(), events.end(), key) == events.end()) {
            const auto guess = dsl::did_you_mean(key, events);
            p.add(ec::kUnknownEvent, path.str(),
                  "unknown event `" + key + "`" + (guess.empty() ? std::string() : " (did you mean `" + guess + "`?)") +
                      (events.empty() ? "; the policy declares no events" : "; the policy declares " + join(events)));
            continue;
        }
        if (value.is_null()) continue;  // did not happen
        if (!value.is_array() || !schema.repeats(key)) {
            if (value.is_array()) {
                p.add(codes::kDate, path.str(),
                      "event `" + key + "` does not repeat: give one date `YYYY-MM-DD`, not a list (a policy declares `event " +
                          key + " repeats` for an event that may happen more than once)");
            } else if (auto d = read_date(value, path, p)) {
                out.events[key] = {*d};
            }
            continue;
        }
        // A repeating event: a list of dates. How many, and each once, is checked when the
        // request is bound (E4215), as for a request built without JSON.
        std::vector<engine::Date> dates;
        for (std::size_t k = 0; k < value.size(); ++k) {
            if (auto d = read_date(value[k], Path(path, k), p)) dates.push_back(*d);
        }
        out.events[key] = std::move(dates);
    }
}

std::optional<engine::Money> line_money(const json& line, const char* field, const Path& base,
                                        const DecodeLimits& limits, Problems& p) {
    std::string message;
    bool too_large = false;
    auto m = json_money(line.at(field), &message, &too_large);
    if (too_large) {
        p.add(codes::kAmountTooLarge, Path(base, field).str(),
              "`" + std::string(field) + "` is more than " + limits.max_amount.to_display() + ", the most an amount may be");
        return std::nullopt;
    }
    if (!m) {
        p.add(codes::kMoney, Path(base, field).str(), "`" + std::string(field) + "`: " + message);
        return std::nullopt;
    }
    if (m->in_pence() < 0) {
        p.add(ec::kLineAmount, Path(base, field).str(), "`" + std::string(field) + "` must not be negative");
        return std::nullopt;
    }
    if (!within_max(*m, limits, "`" + std::string(field) + "`", Path(base, field).str(), p.list())) return std::nullopt;
    return m;
}

// The line ids seen so far (views into the request, alive while decoding): a linear search
// for a usual package, a set once it has many lines.
class SeenIds {
public:
    // False when `id` was seen before.
    bool insert(std::string_view id) {
        if (many_.empty()) {
            if (std::find(few_.begin(), few_.end(), id) != few_.end()) return false;
            few_.push_back(id);
            if (few_.size() > 32) many_.insert(few_.begin(), few_.end());
            return true;
        }
        return many_.insert(id).second;
    }

private:
    std::vector<std::string_view> few_;
    std::set<std::string_view> many_;
};

void decode_line(const json& line, const Path& base, const DecodeLimits& limits, SeenIds& ids,
                 engine::Request& out, Problems& p) {
    if (!line.is_object()) {
        p.add(codes::kFieldType, base.str(), std::string("a line must be an object, not ") + kind_name(line));
        return;
    }
    static const std::set<std::string> kKnown{"id", "service", "amount", "date", "weekly", "hourly",
                                              "hours_per_week", "start", "end", "description"};
    bool ok = true;
    auto fail = [&](dsl::Code code, const std::string& path, std::string message) {
        p.add(code, path, std::move(message));
        ok = false;
    };
    for (const auto& [key, value] : line.items()) {
        (void)value;
        if (!kKnown.count(key))
            fail(codes::kUnknownField, Path(base, key).str(),
                 "unknown field `" + key + "` in a line (id, service, amount, date, weekly, hourly, "
                 "hours_per_week, start, end, description)");
    }
    engine::Line out_line;
    auto text_field = [&](const char* field, dsl::Code empty_code) -> std::string {
        auto it = line.find(field);
        if (it == line.end() || it->is_null()) {
            fail(codes::kMissingField, Path(base, field).str(), std::string("a line needs `") + field + "`");
            return {};
        }
        if (!it->is_string()) {
            fail(codes::kFieldType, Path(base, field).str(),
                 std::string("`") + field + "` must be a string, not " + kind_name(*it));
            return {};
        }
        auto s = it->get<std::string>();
        if (s.empty()) fail(empty_code, Path(base, field).str(), std::string("`") + field + "` must not be empty");
        return s;
    };
    out_line.id = text_field("id", ec::kLineId);
    if (!out_line.id.empty()) {
        // The id as the request holds it (alive while decoding), for the later lines to compare.
        const std::string_view id = line.find("id")->get_ref<const std::string&>();
        if (!ids.insert(id))
            fail(ec::kLineId, Path(base, "id").str(), "line id `" + out_line.id + "` is used by an earlier line");
    }
    out_line.service = text_field("service", ec::kLineService);

    const bool has_amount = line.contains("amount");
    const bool has_weekly = line.contains("weekly");
    const bool has_hourly = line.contains("hourly");
    const int kinds = int{has_amount} + int{has_weekly} + int{has_hourly};
    if (kinds != 1) {
        fail(codes::kLineKind, base.str(),
             kinds == 0 ? "a line needs one of `amount` (with `date`), `weekly` or `hourly` (with "
                          "`hours_per_week`), each with `start` and `end`"
                        : "a line takes only one of `amount`, `weekly` and `hourly`");
        return;
    }
    auto forbid = [&](const char* field, const char* why) {
        if (line.contains(field)) fail(codes::kUnknownField, Path(base, field).str(), why);
    };
    auto need_date = [&](const char* field) -> std::optional<engine::Date> {
        auto it = line.find(field);
        if (it == line.end()) {
            fail(codes::kMissingField, Path(base, field).str(), std::string("a line needs `") + field + "`");
            return std::nullopt;
        }
        auto d = read_date(*it, Path(base, field), p);
        if (!d) ok = false;
        return d;
    };
    if (has_amount) {
        out_line.kind = engine::LineKind::OneOff;
        forbid("start", "a one-off line (`amount`) takes `date`, not `start`");
        forbid("end", "a one-off line (`amount`) takes `date`, not `end`");
        forbid("hours_per_week", "`hours_per_week` belongs to an `hourly` line");
        if (auto m = line_money(line, "amount", base, limits, p)) out_line.amount = *m;
        else ok = false;
        if (auto d = need_date("date")) out_line.date = *d;
        if (!ok) return;
        out.lines.push_back(std::move(out_line));
        return;
    }
    forbid("date", "a periodic line takes `start` and `end`, not `date`");
    if (has_weekly) {
        out_line.kind = engine::LineKind::Weekly;
        forbid("hours_per_week", "`hours_per_week` belongs to an `hourly` line");
        if (auto m = line_money(line, "weekly", base, limits, p)) out_line.weekly = *m;
        else ok = false;
    } else {
        out_line.kind = engine::LineKind::Hourly;
        if (auto m = line_money(line, "hourly", base, limits, p)) out_line.hourly = *m;
        else ok = false;
        auto it = line.find("hours_per_week");
        if (it == line.end()) {
            fail(codes::kMissingField, Path(base, "hours_per_week").str(), "an `hourly` line needs `hours_per_week`");
        } else {
            std::string message;
            auto r = read_decimal(*it, false, &message);
            if (!r) fail(codes::kNumber, Path(base, "hours_per_week").str(), "`hours_per_week`: " + message);
            else if (*r > engine::Ratio::whole(168))
                fail(codes::kNumber, Path(base, "hours_per_week").str(), "`hours_per_week` cannot exceed 168");
            else out_line.hours_per_week = *r;
        }
    }
    auto start = need_date("start");
    auto end = need_date("end");
    if (start && end && *end < *start)
        fail(ec::kLineDates, Path(base, "end").str(),
             "the line ends (" + end->to_string() + ") before it starts (" + start->to_string() + ")");
    else if (start && end && start->days_until(*end) >= limits.max_line_days)
        fail(codes::kLineTooLong, Path(base, "end").str(),
             "the line runs " + std::to_string(start->days_until(*end) + 1) + " days (" + start->to_string() +
                 " to " + end->to_string() + "); a line may run at most " + std::to_string(limits.max_line_days) +
                 " days: split it into shorter lines");
    if (!ok) return;
    out_line.start = *start;
    out_line.end = *end;
    out.lines.push_back(std::move(out_line));
}

void decode_lines(const json& body, const DecodeLimits& limits, engine::Request& out, Problems& p) {
    auto it = body.find("lines");
    if (it == body.end()) {
        p.add(codes::kMissingField, "/lines", "a request needs `lines`, the package's cost lines");
        return;
    }
    if (!it->is_array()) {
        p.add(codes::kFieldType, "/lines", std::string("`lines` must be an array, not ") + kind_name(*it));
        return;
    }
    if (it->size() > limits.max_lines) {
        p.add(codes::kTooManyLines, "/lines",
              "a request may have at most " + std::to_string(limits.max_lines) + " lines, not " +
                  std::to_string(it->size()));
        return;
    }
    SeenIds ids;
    const Path root;
    const Path lines_path(root, "lines");
    for (std::size_t i = 0; i < it->size(); ++i) decode_line((*it)[i], Path(lines_path, i), limits, ids, out, p);
}

}  // namespace

std::string pointer_escape(std::string_view key) {
    std::string out;
    out.reserve(key.size());
    for (char c : key) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

std::optional<engine::Money> json_money(const json& value, std::string* message, bool* too_large) {
    if (value.is_number_float()) {
        *message = kMoneyHelp;
        return std::nullopt;
    }
    if (value.is_number_integer()) {
        constexpr std::int64_t kMaxPounds = std::numeric_limits<std::int64_t>::max() / 100;
        const bool beyond = (value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t{kMaxPounds}) ||
                            (!value.is_number_unsigned() &&
                             (value.get<std::int64_t>() > kMaxPounds || value.get<std::int64_t>() < -kMaxPounds));
        if (beyond) {
            *message = "the amount is too large";
            if (too_large != nullptr) *too_large = true;
            return std::nullopt;
        }
        const auto pounds = value.get<std::int64_t>();
        return engine::Money::pence(pounds * 100);
    }
    if (!value.is_string()) {
        *message = std::string("money must be a decimal string such as \"12.50\", not ") + kind_name(value);
        return std::nullopt;
    }
    const auto& text = value.get_ref<const std::string&>();
    std::string why;
    auto m = engine::parse_money(text, &why);
    if (!m) {
        *message = "`" + text + "` is not money: " +
                   std::string("money must be a decimal string such as \"12.50\"") +
                   (why.empty() ? std::string() : " (" + why + ")");
    }
    return m;
}

std::optional<std::string> case_ref_problem(std::string_view case_ref) {
    if (case_ref.empty())
        return "`case_ref` is empty: give the case's reference in the case management system, or leave "
               "`case_ref` out";
    std::size_t characters = 0;
    for (std::size_t i = 0; i < case_ref.size(); ++i) {
        const auto c = static_cast<unsigned char>(case_ref[i]);
        if ((c & 0xC0U) != 0x80U) ++characters;
        // U+0080 to U+009F are 0xC2 0x80 to 0xC2 0x9F in UTF-8.
        const bool c1 = c == 0xC2 && i + 1 < case_ref.size() && static_cast<unsigned char>(case_ref[i + 1]) <= 0x9F;
        if (c < 0x20 || c == 0x7F || c1) {
            char code[8];
            const unsigned value = c1 ? static_cast<unsigned char>(case_ref[i + 1]) : c;
            std::snprintf(code, sizeof code, "U+%04X", value);
            return std::string("`case_ref` holds the control character ") + code + " at character " +
                   std::to_string(characters) + ": a case reference is one line of printable text";
        }
    }
    if (characters > kMaxCaseRef)
        return "`case_ref` has " + std::to_string(characters) + " characters; a case reference has at most " +
               std::to_string(kMaxCaseRef);
    return std::nullopt;
}

DecodeResult decode_request(const json& body, const engine::Schema& schema) {
    return decode_request(body, schema, DecodeLimits{});
}

DecodeResult decode_request(const json& body, const engine::Schema& schema, const DecodeLimits& limits) {
    DecodeResult result;
    Problems p;
    try {
        if (!body.is_object()) {
            p.add(codes::kFieldType, "", std::string("the request must be a JSON object, not ") + kind_name(body));
            result.errors = p.take();
            return result;
        }
        static const std::set<std::string> kKnown{"policy", "version", "as_of", "case_ref",
                                                  "facts",  "events",  "lines", "explain"};
        for (const auto& [key, value] : body.items()) {
            (void)value;
            if (!kKnown.count(key))
                p.add(codes::kUnknownField, "/" + pointer_escape(key),
                      "unknown field `" + key +
                          "` (a request has policy, version, as_of, case_ref, facts, events, lines, explain)");
        }
        engine::Request request;
        for (const char* field : {"policy", "version", "case_ref"}) {
            auto it = body.find(field);
            if (it != body.end() && !it->is_null() && !it->is_string())
                p.add(codes::kFieldType, std::string("/") + field,
                      std::string("`") + field + "` must be a string, not " + kind_name(*it));
        }
        if (auto it = body.find("case_ref"); it != body.end() && it->is_string()) {
            request.case_ref = it->get<std::string>();
            if (auto problem = case_ref_problem(request.case_ref)) p.add(codes::kCaseRef, "/case_ref", std::move(*problem));
        }
        if (auto it = body.find("as_of"); it != body.end() && !it->is_null()) request.as_of = read_date(*it, Path(Path(), "as_of"), p);
        if (auto it = body.find("explain"); it != body.end() && !it->is_null()) {
            if (it->is_string() && (*it == "full" || *it == "none")) request.explain_full = *it == "full";
            else if (it->is_boolean()) request.explain_full = it->get<bool>();
            else p.add(codes::kFieldType, "/explain", "`explain` must be \"full\" or \"none\"");
        }
        decode_facts(body, schema, limits, request, p);
        decode_events(body, schema, request, p);
        decode_lines(body, limits, request, p);
        if (p.empty()) result.request = std::move(request);
    } catch (const std::exception& e) {
        p.add(codes::kFieldType, "", std::string("the request could not be read: ") + e.what());
    }
    result.errors = p.take();
    if (!result.errors.empty()) result.request.reset();
    return result;
}

}  // namespace jointly::server
