// CaseDecoder: a caseload line read with simdjson On-Demand into engine::Request. Every
// reader below accepts exactly what codec_decode.cpp accepts, or less: whatever it does not
// accept sends the line to the reference decoder. simdjson On-Demand checks only what it is
// asked to read, so every value of an accepted line is read (none skipped), each object's
// keys are checked for duplicates here, and the document must end after its object.
#include <simdjson.h>

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jointly/server/case_decoder.hpp"

namespace jointly::server {

static_assert(CaseDecoder::kPadding >= simdjson::SIMDJSON_PADDING);

namespace {

namespace od = simdjson::ondemand;

// An object's member: its key, unescaped, and its value; false when it is not well formed.
// A key without escapes or control bytes (almost every key) is read in place; any other is
// unescaped by simdjson, as before.
bool member_of(simdjson::simdjson_result<od::field>&& member, od::field& field, std::string_view& key) {
    if (std::move(member).get(field)) return false;
    const char* const start = field.key().raw();
    // simdjson has already refused a document with an unclosed string (its structural index
    // pairs every quote), so the key's closing quote is there to stop the scan.
    const char* end = start;
    while (*end != '"' && *end != '\\' && static_cast<unsigned char>(*end) >= 0x20) ++end;
    if (*end == '"') {
        key = std::string_view(start, static_cast<std::size_t>(end - start));
        return true;
    }
    return !field.unescaped_key().get(key);
}

// Nothing follows the document's value (simdjson's iterator is past the last token).
bool at_end(od::document& document) {
    return document.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

// The value's kind from its first character (not yet checked).
std::optional<od::json_type> type_of(od::value& v) {
    od::json_type type{};
    if (v.type().get(type)) return std::nullopt;
    return type;
}

bool is_null(od::value& v) {
    bool null = false;
    return type_of(v) == od::json_type::null && !v.is_null().get(null) && null;
}

std::optional<std::string_view> string_of(od::value& v) {
    std::string_view s;
    if (v.get_string().get(s)) return std::nullopt;
    return s;
}

std::optional<engine::Date> date_of(od::value& v) {
    auto s = string_of(v);
    if (!s) return std::nullopt;
    return engine::parse_date(*s);
}

// A JSON integer within int64 (simdjson parses it without a double; a fraction or an
// exponent is an error, as are unsigned values past INT64_MAX, which the reference refuses
// for money and whole numbers anyway).
std::optional<std::int64_t> integer_of(od::value& v) {
    if (type_of(v) != od::json_type::number) return std::nullopt;
    std::int64_t n = 0;
    if (v.get_int64().get(n)) return std::nullopt;
    return n;
}

// json_money: a decimal string, or a JSON integer of pounds.
std::optional<engine::Money> money_of(od::value& v) {
    if (type_of(v) == od::json_type::string) {
        auto s = string_of(v);
        if (!s) return std::nullopt;
        return engine::parse_money(*s);
    }
    auto pounds = integer_of(v);
    constexpr std::int64_t kMaxPounds = std::numeric_limits<std::int64_t>::max() / 100;
    if (!pounds || *pounds > kMaxPounds || *pounds < -kMaxPounds) return std::nullopt;
    return engine::Money::pence(*pounds * 100);
}

bool within_max(engine::Money m, const DecodeLimits& limits) {
    const std::int64_t p = m.in_pence();
    const std::int64_t max = limits.max_amount.in_pence();
    return p <= max && p >= -max;
}

// read_decimal: a decimal string (a leading '-' when allowed) or a JSON integer.
std::optional<engine::Ratio> decimal_of(od::value& v, bool allow_negative) {
    if (type_of(v) == od::json_type::number) {
        auto n = integer_of(v);
        if (!n || (*n < 0 && !allow_negative)) return std::nullopt;
        return engine::Ratio::whole(*n);
    }
    auto s = string_of(v);
    if (!s) return std::nullopt;
    std::string_view text = *s;
    const bool negative = !text.empty() && text.front() == '-';
    if (negative) {
        if (!allow_negative) return std::nullopt;
        text.remove_prefix(1);
    }
    auto r = engine::parse_decimal(text);
    if (!r || !negative) return r;
    try {
        return engine::Ratio(-r->num(), r->den());
    } catch (const engine::OverflowError&) {
        return std::nullopt;
    }
}

std::optional<engine::Level> level_of(const engine::FactInfo& fact, od::value& v) {
    auto s = string_of(v);
    if (!s) return std::nullopt;
    const auto it = std::find(fact.levels.begin(), fact.levels.end(), *s);
    if (it == fact.levels.end()) return std::nullopt;
    return engine::Level{static_cast<int>(it - fact.levels.begin())};
}

// Adds the fact's value to `facts`; false when it is not what the fact's type takes.
bool read_fact(const engine::FactInfo& fact, od::value& v, const DecodeLimits& limits,
               engine::Facts& facts) {
    using dsl::TypeKind;
    switch (fact.type) {
        case TypeKind::Bool: {
            bool b = false;
            if (type_of(v) != od::json_type::boolean || v.get_bool().get(b)) return false;
            return facts.emplace(fact.name, b).second;
        }
        case TypeKind::Whole: {
            auto n = integer_of(v);
            return n && facts.emplace(fact.name, *n).second;
        }
        case TypeKind::Decimal: {
            auto r = decimal_of(v, true);
            return r && facts.emplace(fact.name, *r).second;
        }
        case TypeKind::Money: {
            auto m = money_of(v);
            return m && within_max(*m, limits) && facts.emplace(fact.name, *m).second;
        }
        case TypeKind::Date: {
            auto d = date_of(v);
            return d && facts.emplace(fact.name, *d).second;
        }
        case TypeKind::Text:
        case TypeKind::Agency: {  // which agency: checked when the request is bound
            auto s = string_of(v);
            return s && facts.emplace(fact.name, std::string(*s)).second;
        }
        case TypeKind::Level: {
            auto level = level_of(fact, v);
            return level && facts.emplace(fact.name, *level).second;
        }
        case TypeKind::LevelMap: {
            od::object object;
            if (v.get_object().get(object)) return false;
            // The keys are gathered, then sorted once and checked for a repeat: inserting each
            // into the flat map in the caller's order would move the keys after it each time,
            // quadratic in a map of many keys given in descending order.
            engine::LevelMap::sequence_type entries;
            for (auto member : object) {
                od::field field;
                std::string_view key;
                if (!member_of(std::move(member), field, key) || key.empty()) return false;
                auto level = level_of(fact, field.value());
                if (!level) return false;
                if (entries.empty()) entries.reserve(16);  // one allocation for a usual assessment's domains
                entries.emplace_back(std::string(key), *level);
            }
            const auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
            const auto same_key = [](const auto& a, const auto& b) { return a.first == b.first; };
            std::sort(entries.begin(), entries.end(), by_key);
            if (std::adjacent_find(entries.begin(), entries.end(), same_key) != entries.end()) return false;
            engine::LevelMap map;
            map.adopt_sequence(boost::container::ordered_unique_range, std::move(entries));
            return facts.emplace(fact.name, std::move(map)).second;
        }
        case TypeKind::TextList: {
            od::array array;
            if (v.get_array().get(array)) return false;
            engine::TextList list;
            for (auto element : array) {
                od::value item;
                if (std::move(element).get(item)) return false;
                auto s = string_of(item);
                if (!s) return false;
                list.emplace_back(*s);
            }
            return facts.emplace(fact.name, std::move(list)).second;
        }
    }
    return false;
}

// Which declarations a request has named: inline for the usual few, on the heap past that.
using Seen = boost::container::small_vector<bool, 32>;

bool read_facts(od::value& v, const engine::Schema& schema, const DecodeLimits& limits, engine::Request& out) {
    Seen seen(schema.facts.size(), false);
    if (!is_null(v)) {
        od::object object;
        if (v.get_object().get(object)) return false;
        out.facts.reserve(schema.facts.size());
        for (auto member : object) {
            od::field field;
            std::string_view key;
            if (!member_of(std::move(member), field, key)) return false;
            const auto info = std::find_if(schema.facts.begin(), schema.facts.end(),
                                           [key](const engine::FactInfo& f) { return f.name == key; });
            if (info == schema.facts.end()) return false;
            const auto index = static_cast<std::size_t>(info - schema.facts.begin());
            if (seen[index]) return false;
            seen[index] = true;
            od::value value = field.value();
            if (is_null(value)) {
                if (info->required) return false;
                continue;
            }
            if (!read_fact(*info, value, limits, out.facts)) return false;
        }
    }
    for (std::size_t i = 0; i < schema.facts.size(); ++i)
        if (schema.facts[i].required && !seen[i]) return false;
    return true;
}

bool read_events(od::value& v, const engine::Schema& schema, engine::Request& out) {
    if (is_null(v)) return true;
    od::object object;
    if (v.get_object().get(object)) return false;
    Seen seen(schema.events.size(), false);
    out.events.reserve(schema.events.size());
    for (auto member : object) {
        od::field field;
        std::string_view key;
        if (!member_of(std::move(member), field, key)) return false;
        const auto declared = std::find(schema.events.begin(), schema.events.end(), key);
        if (declared == schema.events.end()) return false;
        const auto index = static_cast<std::size_t>(declared - schema.events.begin());
        if (seen[index]) return false;
        seen[index] = true;
        od::value value = field.value();
        if (is_null(value)) continue;  // did not happen
        auto& dates = out.events[*declared];
        if (type_of(value) != od::json_type::array) {
            auto d = date_of(value);
            if (!d) return false;
            dates.push_back(*d);
            continue;
        }
        if (!schema.repeats(*declared)) return false;
        od::array array;
        if (value.get_array().get(array)) return false;
        for (auto element : array) {
            od::value item;
            if (std::move(element).get(item)) return false;
            auto d = date_of(item);
            if (!d) return false;
            dates.push_back(*d);
        }
    }
    return true;
}

// The fields of a line, each at most once.
enum LineField : unsigned {
    kId, kService, kAmount, kDate, kWeekly, kHourly, kHoursPerWeek, kStart, kEnd, kDescription, kLineFields
};
constexpr std::array<std::string_view, kLineFields> kLineFieldNames{
    "id", "service", "amount", "date", "weekly", "hourly", "hours_per_week", "start", "end", "description"};

// A line's money: not negative, within the limit.
std::optional<engine::Money> line_money_of(od::value& v, const DecodeLimits& limits) {
    auto m = money_of(v);
    if (!m || m->in_pence() < 0 || !within_max(*m, limits)) return std::nullopt;
    return m;
}

std::optional<engine::Line> read_line(od::value& v, const DecodeLimits& limits) {
    od::object object;
    if (v.get_object().get(object)) return std::nullopt;
    engine::Line line;
    unsigned present = 0;
    std::optional<engine::Money> money;
    std::optional<engine::Date> date;
    std::optional<engine::Date> start;
    std::optional<engine::Date> end;
    std::optional<engine::Ratio> hours;
    for (auto member : object) {
        od::field field;
        std::string_view key;
        if (!member_of(std::move(member), field, key)) return std::nullopt;
        const auto known = std::find(kLineFieldNames.begin(), kLineFieldNames.end(), key);
        if (known == kLineFieldNames.end()) return std::nullopt;
        const auto which = static_cast<unsigned>(known - kLineFieldNames.begin());
        if (present & (1U << which)) return std::nullopt;
        present |= 1U << which;
        od::value value = field.value();
        switch (which) {
            case kId:
            case kService: {
                auto s = string_of(value);
                if (!s || s->empty()) return std::nullopt;
                (which == kId ? line.id : line.service) = *s;
                break;
            }
            case kAmount:
            case kWeekly:
            case kHourly:
                money = line_money_of(value, limits);
                if (!money) return std::nullopt;
                break;
            case kDate: date = date_of(value); if (!date) return std::nullopt; break;
            case kStart: start = date_of(value); if (!start) return std::nullopt; break;
            case kEnd: end = date_of(value); if (!end) return std::nullopt; break;
            case kHoursPerWeek:
                hours = decimal_of(value, false);
                if (!hours || *hours > engine::Ratio::whole(168)) return std::nullopt;
                break;
            default:  // kDescription: the reference takes any value; here only text or null
                if (!is_null(value) && !string_of(value)) return std::nullopt;
                break;
        }
    }
    auto has = [present](LineField f) { return (present & (1U << f)) != 0; };
    if (!has(kId) || !has(kService)) return std::nullopt;
    if (int{has(kAmount)} + int{has(kWeekly)} + int{has(kHourly)} != 1) return std::nullopt;
    if (has(kAmount)) {
        if (has(kStart) || has(kEnd) || has(kHoursPerWeek) || !date) return std::nullopt;
        line.kind = engine::LineKind::OneOff;
        line.amount = *money;
        line.date = *date;
        return line;
    }
    if (has(kDate) || !start || !end) return std::nullopt;
    if (has(kWeekly)) {
        if (has(kHoursPerWeek)) return std::nullopt;
        line.kind = engine::LineKind::Weekly;
        line.weekly = *money;
    } else {
        if (!hours) return std::nullopt;
        line.kind = engine::LineKind::Hourly;
        line.hourly = *money;
        line.hours_per_week = *hours;
    }
    if (*end < *start || start->days_until(*end) >= limits.max_line_days) return std::nullopt;
    line.start = *start;
    line.end = *end;
    return line;
}

bool read_lines(od::value& v, const DecodeLimits& limits, engine::Request& out) {
    od::array array;
    if (v.get_array().get(array)) return false;
    out.lines.reserve(4);  // a usual package: one allocation, not one per doubling
    for (auto element : array) {
        od::value item;
        if (element.get(item) || out.lines.size() == limits.max_lines) return false;
        auto line = read_line(item, limits);
        if (!line) return false;
        // Line ids are unique; a usual package has a handful of lines.
        const bool used = std::any_of(out.lines.begin(), out.lines.end(),
                                      [&line](const engine::Line& l) { return l.id == line->id; });
        if (used) return false;
        out.lines.push_back(std::move(*line));
    }
    return true;
}

// The top-level fields, each at most once.
enum RequestField : unsigned { kPolicy, kVersion, kAsOf, kCaseRef, kFacts, kEvents, kLines, kExplain, kRequestFields };
constexpr std::array<std::string_view, kRequestFields> kRequestFieldNames{
    "policy", "version", "as_of", "case_ref", "facts", "events", "lines", "explain"};

}  // namespace

struct CaseDecoder::Impl {
    od::parser parser;
    od::document document;
    bool started = false;
    Header decoded;  // what the last decode read of the header's members
};

CaseDecoder::CaseDecoder() : impl_(std::make_unique<Impl>()) {}
CaseDecoder::~CaseDecoder() = default;

bool CaseDecoder::start(std::string_view text) {
    // A raw NUL byte is never JSON (inside a string it must be escaped), but simdjson's index
    // passes over one after the document: such text goes to the reference decoder, which
    // refuses it (E4201).
    if (text.find('\0') != std::string_view::npos) {
        impl_->started = false;
        return false;
    }
    impl_->started = !impl_->parser.iterate(text.data(), text.size(), text.size() + kPadding).get(impl_->document);
    return impl_->started;
}

std::optional<CaseDecoder::Header> CaseDecoder::header() {
    if (!impl_->started) return std::nullopt;
    impl_->document.rewind();
    od::object object;
    if (impl_->document.get_object().get(object)) return std::nullopt;
    Header header;
    for (auto member : object) {
        od::field field;
        std::string_view key;
        if (!member_of(std::move(member), field, key)) return std::nullopt;
        // Once policy, as_of and case_ref are known, the large members are left to decode.
        const bool known = header.policy && header.as_of && !header.case_ref.empty();
        if (known && (key == "facts" || key == "events" || key == "lines")) break;
        const bool wanted = key == "policy" || key == "version" || key == "as_of" || key == "case_ref";
        if (!wanted) continue;
        od::value value = field.value();
        if (is_null(value)) continue;
        auto s = string_of(value);
        if (!s) return std::nullopt;
        if (key == "policy") header.policy.emplace(*s);
        else if (key == "version") header.version.emplace(*s);
        else if (key == "as_of") header.as_of.emplace(*s);
        else header.case_ref = *s;
    }
    return header;
}

std::optional<engine::Request> CaseDecoder::decode(const engine::Schema& schema, const DecodeLimits& limits) {
    if (!impl_->started) return std::nullopt;
    impl_->document.rewind();
    od::object object;
    if (impl_->document.get_object().get(object)) return std::nullopt;
    engine::Request request;
    Header& seen = impl_->decoded;
    seen = Header{};
    unsigned present = 0;
    for (auto member : object) {
        od::field field;
        std::string_view key;
        if (!member_of(std::move(member), field, key)) return std::nullopt;
        const auto known = std::find(kRequestFieldNames.begin(), kRequestFieldNames.end(), key);
        if (known == kRequestFieldNames.end()) return std::nullopt;
        const auto which = static_cast<unsigned>(known - kRequestFieldNames.begin());
        if (present & (1U << which)) return std::nullopt;
        present |= 1U << which;
        od::value value = field.value();
        bool ok = true;
        switch (which) {
            case kPolicy:
            case kVersion:
                if (!is_null(value)) {
                    auto s = string_of(value);
                    ok = s.has_value();
                    if (s) (which == kPolicy ? seen.policy : seen.version).emplace(*s);
                }
                break;
            case kCaseRef:
                if (!is_null(value)) {
                    auto s = string_of(value);
                    // One the reference decoder refuses goes to it, for its message (E4219).
                    ok = s.has_value() && !case_ref_problem(*s);
                    if (ok) request.case_ref = seen.case_ref = *s;
                }
                break;
            case kAsOf:
                if (!is_null(value)) {
                    auto s = string_of(value);
                    ok = s.has_value();
                    if (s) {
                        seen.as_of.emplace(*s);
                        request.as_of = engine::parse_date(*s);
                        ok = request.as_of.has_value();
                    }
                }
                break;
            case kFacts: ok = read_facts(value, schema, limits, request); break;
            case kEvents: ok = read_events(value, schema, request); break;
            case kLines: ok = read_lines(value, limits, request); break;
            default: {  // kExplain: "full", "none", a boolean or null
                if (is_null(value)) break;
                bool b = false;
                if (type_of(value) == od::json_type::boolean) {
                    ok = !value.get_bool().get(b);
                    request.explain_full = b;
                    break;
                }
                auto s = string_of(value);
                ok = s && (*s == "full" || *s == "none");
                request.explain_full = ok && *s == "full";
                break;
            }
        }
        if (!ok) return std::nullopt;
    }
    // Required facts are required even when `facts` is absent.
    if (!(present & (1U << kFacts)) && std::any_of(schema.facts.begin(), schema.facts.end(),
                                                    [](const engine::FactInfo& f) { return f.required; }))
        return std::nullopt;
    // Nothing may follow the object.
    if (!(present & (1U << kLines)) || !at_end(impl_->document)) return std::nullopt;
    return request;
}

const CaseDecoder::Header& CaseDecoder::decoded_header() const { return impl_->decoded; }

bool same_declarations(const engine::Schema& a, const engine::Schema& b) {
    auto same_fact = [](const engine::FactInfo& x, const engine::FactInfo& y) {
        return x.name == y.name && x.type == y.type && x.scale == y.scale && x.levels == y.levels &&
               x.required == y.required && x.agencies == y.agencies;
    };
    return std::equal(a.facts.begin(), a.facts.end(), b.facts.begin(), b.facts.end(), same_fact) &&
           a.events == b.events && a.repeating_events == b.repeating_events;
}

std::optional<std::vector<std::string_view>> batch_requests(std::string_view text, std::size_t max_requests) {
    // A parser of its own: each request is then read by a CaseDecoder while this document's
    // spans are still in use. One allocation per batch, against one evaluation per request.
    od::parser parser;
    od::document document;
    if (text.find('\0') != std::string_view::npos ||
        parser.iterate(text.data(), text.size(), text.size() + CaseDecoder::kPadding).get(document))
        return std::nullopt;
    std::vector<std::string_view> out;
    const auto read = [&](od::array list) {
        for (auto element : list) {
            // A request that is not an object is the reference path's to refuse.
            od::object request;
            std::string_view raw;
            if (std::move(element).get_object().get(request) || request.raw_json().get(raw) ||
                out.size() == max_requests)
                return false;
            out.push_back(raw);
        }
        return true;
    };
    od::json_type type{};
    if (document.type().get(type)) return std::nullopt;
    if (type == od::json_type::object) {
        od::object envelope;
        if (document.get_object().get(envelope)) return std::nullopt;
        bool found = false;
        for (auto member : envelope) {
            od::field field;
            std::string_view key;
            od::array list;
            // A second `requests` is a repeated key, which the reference path refuses.
            if (!member_of(std::move(member), field, key) || key != "requests" || found) return std::nullopt;
            found = true;
            if (field.value().get_array().get(list) || !read(list)) return std::nullopt;
        }
        if (!found) return std::nullopt;
    } else {
        od::array list;
        if (type != od::json_type::array || document.get_array().get(list) || !read(list)) return std::nullopt;
    }
    if (!at_end(document)) return std::nullopt;
    return out;
}

bool same_request(const engine::Request& a, const engine::Request& b) {
    auto same_line = [](const engine::Line& x, const engine::Line& y) {
        return x.id == y.id && x.service == y.service && x.kind == y.kind && x.amount == y.amount &&
               x.date == y.date && x.weekly == y.weekly && x.hourly == y.hourly &&
               x.hours_per_week == y.hours_per_week && x.start == y.start && x.end == y.end;
    };
    return a.as_of == b.as_of && a.case_ref == b.case_ref && a.facts == b.facts && a.events == b.events &&
           std::equal(a.lines.begin(), a.lines.end(), b.lines.begin(), b.lines.end(), same_line) &&
           a.explain_full == b.explain_full && a.figures_only == b.figures_only;
}

}  // namespace jointly::server
