// A stored decision's contribution to the summary, read from its stored JSON (the answer with
// simdjson where that reads it as ordered_json does, else with ordered_json; the request with
// ordered_json), and the compact text kept beside it in the store.
#include "summary_contribution.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>

#include <boost/container/small_vector.hpp>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "jointly/engine/date.hpp"
#include "jointly/server/codec.hpp"

namespace jointly::server::summary {
namespace {

using ojson = nlohmann::ordered_json;

// Money from a stored answer's value or a panel override's share; throws when it is not.
engine::Money money_of(const nlohmann::json& value) {
    std::string message;
    const auto money = json_money(value, &message);
    if (!money) throw std::runtime_error("not money: " + message);
    return *money;
}

engine::Money money_at(const ojson& value) { return money_of(nlohmann::json(value)); }

// An agency -> money object as (agency, money) pairs, in the object's order.
AgencyAmounts amounts_of(const ojson& object) {
    AgencyAmounts out;
    if (!object.is_object()) return out;
    for (const auto& [agency, value] : object.items()) out.emplace_back(agency, money_at(value));
    return out;
}

// The stored answer is read with simdjson's DOM where it can be: building ordered_json's tree of
// the whole answer to read a few members was most of a stored decision's own CPU (ADR 0019's
// addendum). detail::read_answer_fast keeps ordered_json's reading of the members read: objects
// in their order, what a missing or mistyped member gives, and what makes the record unreadable
// (a throw). Where the two could differ it declines and read_answer reads the text: when
// simdjson refuses it (a byte-order mark, a NUL after the document, an integer past 64 bits,
// nesting past 1,024 levels: all of which ordered_json reads) and when an object it reads
// names a key twice (ordered_json keeps the last value, simdjson finds the first).
namespace dom = simdjson::dom;

// Thrown inside read_answer_fast: read_answer must read this text. INVARIANT: thrown only
// under read_answer_fast's try (it is no std::exception, which the callers catch).
struct Declined {};

// Declines an object that names a key twice (after unescaping).
void refuse_repeated_keys(dom::object o) {
    boost::container::small_vector<std::string_view, 16> keys;
    for (const auto [key, value] : o) keys.push_back(key);
    std::sort(keys.begin(), keys.end());
    if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) throw Declined{};
}

// An object's members, once its keys are known to be distinct.
dom::object checked(dom::object o) {
    refuse_repeated_keys(o);
    return o;
}

// A scalar as nlohmann::json, so that json_money judges it as before (an object or array:
// null, which json_money refuses as it refused them).
nlohmann::json scalar(dom::element v) {
    switch (v.type()) {
        case dom::element_type::STRING: return std::string(v.get_string().value_unsafe());
        case dom::element_type::INT64: return v.get_int64().value_unsafe();
        case dom::element_type::UINT64: return v.get_uint64().value_unsafe();
        case dom::element_type::DOUBLE: return v.get_double().value_unsafe();
        case dom::element_type::BOOL: return v.get_bool().value_unsafe();
        default: return nullptr;
    }
}

AgencyAmounts amounts_of(dom::element object) {
    AgencyAmounts out;
    dom::object o;
    if (object.get(o)) return out;
    for (const auto [agency, value] : checked(o)) out.emplace_back(std::string(agency), money_of(scalar(value)));
    return out;
}

// A member of an object whose keys are distinct: nullopt when it is missing.
std::optional<dom::element> member(dom::object o, std::string_view key) {
    dom::element v;
    if (o[key].get(v)) return std::nullopt;
    return v;
}

dom::element required(dom::object o, std::string_view key) {
    auto v = member(o, key);
    if (!v) throw std::runtime_error("no `" + std::string(key) + "`");
    return *v;
}

// What iterating an ordered_json gives: an array's elements, an object's values, nothing for
// null, the value itself for any other.
template <class F>
void each_value(dom::element v, F&& f) {
    dom::array a;
    dom::object o;
    if (!v.get(a)) {
        for (const auto item : a) f(item);
    } else if (!v.get(o)) {
        for (const auto [key, item] : checked(o)) f(item);
    } else if (!v.is_null()) {
        f(v);
    }
}

// What ordered_json's items() gives: an object's (key, value), an array's (index, element),
// nothing for null, ("", the value) for any other.
template <class F>
void each_item(dom::element v, F&& f) {
    dom::object o;
    dom::array a;
    if (!v.get(o)) {
        for (const auto [key, item] : checked(o)) f(std::string(key), item);
    } else if (!v.get(a)) {
        std::size_t i = 0;
        for (const auto item : a) f(std::to_string(i++), item);
    } else if (!v.is_null()) {
        f(std::string(), v);
    }
}

std::string age_band(int age) {
    if (age < 0) return "unknown";
    if (age <= 4) return "0-4";
    if (age <= 10) return "5-10";
    if (age <= 15) return "11-15";
    if (age <= 17) return "16-17";
    if (age <= 25) return "18-25";
    return "26+";
}

// Whole years from `born` to `on` (a birthday on 29 February falls on 1 March in other years).
int age_on(engine::Date born, engine::Date on) {
    int age = on.year() - born.year();
    if (on.month() < born.month() || (on.month() == born.month() && on.day() < born.day())) --age;
    return age;
}

// Whether `text` could be a fact's or a level's name in a policy (those are [a-z_][a-z0-9_]*;
// capitals are let through too). Only such texts are kept as level candidates, so a
// candidate never needs escaping.
bool name_like(std::string_view text) {
    if (text.empty()) return false;
    return std::all_of(text.begin(), text.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
    });
}

// The child's age band, and each fact's texts that could name a level.
void read_child(const DecisionRecord& decision, const ojson& request, Contribution& c) {
    const auto facts = request.value("facts", ojson::object());
    if (!facts.is_object()) return;
    if (auto it = facts.find("date_of_birth"); it != facts.end() && it->is_string()) {
        const auto born = engine::parse_date(it->get<std::string>());
        const auto on = engine::parse_date(decision.as_of.empty() ? decision.created_at.substr(0, 10) : decision.as_of);
        if (born && on) c.age_band = age_band(age_on(*born, *on));
    }
    for (const auto& [name, value] : facts.items()) {
        if (!name_like(name)) continue;
        std::set<std::string> texts;
        const auto consider = [&](const ojson& v) {
            if (v.is_string() && name_like(v.get_ref<const std::string&>())) texts.insert(v.get<std::string>());
        };
        if (value.is_object()) {
            for (const auto& [domain, v] : value.items()) consider(v);
        } else {
            consider(value);
        }
        if (!texts.empty()) c.level_candidates.emplace_back(name, std::vector<std::string>(texts.begin(), texts.end()));
    }
}

constexpr const char* kErasedService = "(erased)";

// A decision's spend per service: each line's allocation under the service the stored request
// gives it.
void read_services(const ojson& request, const detail::Answer& answer, Contribution& c,
                   std::set<std::string>& services) {
    std::map<std::string, std::string> service_of;
    for (const auto& line : request.value("lines", ojson::array())) {
        if (!line.is_object()) continue;
        const auto id = line.value("id", std::string());
        const auto service = line.value("service", std::string());
        service_of[id] = service;
        services.insert(service);
    }
    for (const auto& [line, list] : answer.by_line) {
        auto it = service_of.find(line);
        const std::string service = it == service_of.end() ? std::string("(unknown)") : it->second;
        services.insert(service);
        for (const auto& [agency, money] : list) c.by_service.emplace_back(service, agency, money);
    }
}

// --- the compact text -------------------------------------------------------------------
// One record a line, fields separated by tabs; free texts escape `\`, tab and newline.
//   o OUTCOME TOTAL_PENCE AGE_BAND      first
//   r REFERRED_TO                        a referral's authority
//   k KIND RULE REF                      a distinct reason
//   a AGENCY PENCE                       by_agency, in order
//   y YEAR AGENCY PENCE                  by financial year, in order
//   s SERVICE                            a distinct service
//   l SERVICE AGENCY PENCE               a line's allocation
//   n FACT TEXT...                       level candidates
// A panel record: `o OUTCOME`, then `v` when it overrides the split, then `w AGENCY PENCE` per
// share. `!` alone: the record could not be read.

void put_text(std::string& out, std::string_view text) {
    for (const char ch : text) {
        if (ch == '\\') out += "\\\\";
        else if (ch == '\t') out += "\\t";
        else if (ch == '\n') out += "\\n";
        else out += ch;
    }
}

void put_field(std::string& out, std::string_view text) {
    out += '\t';
    put_text(out, text);
}

void put_pence(std::string& out, engine::Money m) {
    out += '\t';
    out += std::to_string(m.in_pence());
}

// The lines of a text, each split into tab-separated fields (views; a field holding an escape
// is unescaped into `unescaped`), in one pass over its bytes.
class Fields {
public:
    // Splits the line that starts at `pos` and moves `pos` past it; false when malformed.
    bool next(std::string_view text, std::size_t& pos, std::deque<std::string>& unescaped) {
        count_ = 0;
        const char* const end = text.data() + text.size();
        const char* start = text.data() + pos;
        bool escaped = false;
        for (const char* p = start;; ++p) {
            p = special(p, end);
            const char ch = p == end ? '\n' : *p;
            if (ch == '\\') {
                escaped = true;
                continue;
            }
            std::string_view field(start, static_cast<std::size_t>(p - start));
            if (escaped) {
                unescaped.emplace_back();
                if (!unescape(field, unescaped.back())) return false;
                field = unescaped.back();
                escaped = false;
            }
            if (count_ == kMax) return false;
            fields_[count_++] = field;
            start = p + 1;
            if (ch == '\n') {
                pos = p == end ? text.size() : static_cast<std::size_t>(start - text.data());
                return true;
            }
        }
    }
    std::size_t size() const { return count_; }
    std::string_view operator[](std::size_t i) const { return fields_[i]; }
    bool pence(std::size_t i, engine::Money& out) const {
        const auto text = fields_[i];
        std::int64_t p = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), p);
        if (error != std::errc() || end != text.data() + text.size()) return false;
        out = engine::Money::pence(p);
        return true;
    }

private:
    // The first tab, newline or backslash in [p, end), or end: eight bytes at a time (a byte
    // equal to c leaves a zero in w ^ c; the lowest zero byte's high bit is exact).
    static const char* special(const char* p, const char* end) {
        constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
        constexpr std::uint64_t kTabs = kOnes * 0x09, kNewlines = kOnes * 0x0a, kBackslashes = kOnes * 0x5c;
        const auto zero_bytes = [](std::uint64_t x) { return (x - kOnes) & ~x & kHigh; };
        if constexpr (std::endian::native == std::endian::little) {  // the first byte is the lowest
            for (; end - p >= 8; p += 8) {
                std::uint64_t w;
                std::memcpy(&w, p, 8);
                const auto found = zero_bytes(w ^ kTabs) | zero_bytes(w ^ kNewlines) | zero_bytes(w ^ kBackslashes);
                if (found) return p + std::countr_zero(found) / 8;
            }
        }
        while (p != end && *p != '\t' && *p != '\n' && *p != '\\') ++p;
        return p;
    }

    static bool unescape(std::string_view in, std::string& out) {
        for (std::size_t i = 0; i < in.size(); ++i) {
            if (in[i] != '\\') {
                out += in[i];
                continue;
            }
            if (++i == in.size()) return false;
            if (in[i] == '\\') out += '\\';
            else if (in[i] == 't') out += '\t';
            else if (in[i] == 'n') out += '\n';
            else return false;
        }
        return true;
    }

    // More than any line holds but a level candidates' (`n FACT TEXT...`): a fact given more
    // distinct texts than this is refused as malformed (encode_decision never writes one).
    static constexpr std::size_t kMax = 256;
    std::string_view fields_[kMax];
    std::size_t count_ = 0;
};

// Calls `line(fields)` for each line of `text`; false as soon as a line is malformed, has a
// first field that is not one letter, or `line` returns false. One Fields per thread: its
// 256 views are not cleared for every row.
template <class Line>
bool each_line(std::string_view text, std::deque<std::string>& unescaped, Line&& line) {
    thread_local Fields f;
    for (std::size_t pos = 0; pos < text.size();)
        if (!f.next(text, pos, unescaped) || f[0].size() != 1 || !line(f)) return false;
    return true;
}

bool known_outcome(std::string_view outcome) {
    return outcome == "approve" || outcome == "refer" || outcome == "decline";
}

bool known_panel_outcome(std::string_view outcome) {
    return outcome == "approved" || outcome == "deferred" || outcome == "declined" || outcome == "escalated";
}

}  // namespace

namespace detail {

Answer read_answer(std::string_view outcome, const std::string& text, bool with_lines) {
    Answer a;
    const auto response = ojson::parse(text);
    a.total = money_at(response.at("total"));
    if (outcome == "refer") a.referred_to = response.value("referred_to", std::string());
    a.by_agency = amounts_of(response.at("by_agency"));
    std::set<std::tuple<std::string, std::string, std::string>> reasons;
    const ojson listed = response.value("reasons", ojson::array());
    for (const auto& reason : listed) {
        auto text_of = [&](const char* key) {
            const auto it = reason.find(key);
            return it != reason.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        reasons.emplace(text_of("kind"), text_of("rule"), text_of("ref"));
    }
    a.reasons.assign(reasons.begin(), reasons.end());
    const ojson& years = response.at("by_financial_year");
    for (const auto& [year, list] : years.items())
        for (auto& [agency, money] : amounts_of(list)) a.by_year.emplace_back(year, std::move(agency), money);
    if (!with_lines) return a;
    const ojson lines = response.value("by_line", ojson::object());
    for (const auto& [line, list] : lines.items()) a.by_line.emplace_back(line, amounts_of(list));
    return a;
}

std::optional<Answer> read_answer_fast(std::string_view outcome, const std::string& text, bool with_lines) {
    // One parser per thread, its memory kept unless the answer was large (the move assignment
    // of an empty parser allocates nothing and cannot throw).
    thread_local dom::parser parser;
    struct Release {
        std::size_t size;
        ~Release() {
            if (size > kKeepParserForAnswersUpTo) parser = dom::parser();
        }
    } release{text.size()};
    // simdjson reads up to 64 bytes past the text when the string has that much room beyond it
    // (allocated, not written); otherwise it reads a padded copy.
    dom::element root;
    dom::object response;
    if (parser.parse(text).get(root)) return std::nullopt;
    try {
        if (root.get(response)) throw std::runtime_error("not an object");
        checked(response);
        Answer a;
        a.total = money_of(scalar(required(response, "total")));
        if (outcome == "refer") {
            if (const auto to = member(response, "referred_to")) {
                std::string_view referred;
                if (to->get(referred)) throw std::runtime_error("`referred_to` is not text");
                a.referred_to = referred;
            }
        }
        a.by_agency = amounts_of(required(response, "by_agency"));
        std::set<std::tuple<std::string, std::string, std::string>> reasons;
        if (const auto listed = member(response, "reasons")) {
            each_value(*listed, [&](dom::element reason) {
                dom::object o;
                const bool object = !reason.get(o);
                if (object) checked(o);
                auto text_of = [&](std::string_view key) {
                    std::string_view value;
                    if (!object || o[key].get(value)) return std::string();
                    return std::string(value);
                };
                reasons.emplace(text_of("kind"), text_of("rule"), text_of("ref"));
            });
        }
        a.reasons.assign(reasons.begin(), reasons.end());
        each_item(required(response, "by_financial_year"), [&](const std::string& year, dom::element list) {
            for (auto& [agency, money] : amounts_of(list)) a.by_year.emplace_back(year, std::move(agency), money);
        });
        if (const auto lines = with_lines ? member(response, "by_line") : std::nullopt) {
            each_item(*lines, [&](const std::string& line, dom::element list) {
                a.by_line.emplace_back(line, amounts_of(list));
            });
        }
        return a;
    } catch (const Declined&) {
        return std::nullopt;
    }
}

}  // namespace detail

Contribution read_decision(const DecisionRecord& decision) {
    Contribution c;
    c.outcome = decision.outcome;
    if (!known_outcome(c.outcome)) throw std::runtime_error("unknown outcome");
    // An erased decision's lines went with the child's data: its by_line is not read.
    const bool with_lines = !decision.erased;
    auto answer = detail::read_answer_fast(c.outcome, decision.response_json, with_lines);
    if (!answer) answer = detail::read_answer(c.outcome, decision.response_json, with_lines);
    c.total = answer->total;
    c.referred_to = std::move(answer->referred_to);
    c.by_agency = std::move(answer->by_agency);
    c.reasons = std::move(answer->reasons);
    c.by_year = std::move(answer->by_year);
    std::set<std::string> services;
    if (decision.erased) {
        // Its lines went with the child's data: its money is counted under one service,
        // `(erased)`, so the services still sum to the total.
        services.insert(kErasedService);
        for (const auto& [agency, money] : c.by_agency) c.by_service.emplace_back(kErasedService, agency, money);
    } else {
        // The stored request, read once for the services and for the child's age and needs.
        const auto request = ojson::parse(decision.request_json);
        read_services(request, *answer, c, services);
        read_child(decision, request, c);
    }
    c.services.assign(services.begin(), services.end());
    return c;
}

PanelContribution read_panel(const std::string& record_json) {
    PanelContribution p;
    const auto record = ojson::parse(record_json);
    p.outcome = record.value("outcome", std::string());
    if (!known_panel_outcome(p.outcome)) throw std::runtime_error("unknown panel outcome");
    if (auto o = record.find("override"); o != record.end() && o->is_object())
        p.override_shares = amounts_of(o->value("shares", ojson::object()));
    return p;
}

void view_of(const Contribution& c, ContributionView& out) {
    out.outcome = c.outcome;
    out.referred_to = c.referred_to;
    out.age_band = c.age_band;
    out.total = c.total;
    out.by_agency.assign(c.by_agency.begin(), c.by_agency.end());
    out.by_year.assign(c.by_year.begin(), c.by_year.end());
    out.by_service.assign(c.by_service.begin(), c.by_service.end());
    out.services.assign(c.services.begin(), c.services.end());
    out.reasons.assign(c.reasons.begin(), c.reasons.end());
    out.level_candidates.clear();
    for (const auto& [fact, texts] : c.level_candidates)
        for (const auto& text : texts) out.level_candidates.emplace_back(fact, text);
    out.unescaped.clear();
}

void view_of(const PanelContribution& p, PanelView& out) {
    out.outcome = p.outcome;
    out.overrides = p.override_shares.has_value();
    out.shares.clear();
    if (p.override_shares) out.shares.assign(p.override_shares->begin(), p.override_shares->end());
}

void need_levels(const ContributionView& c, const engine::Schema* schema, NeedLevels& out) {
    out.clear();
    if (schema == nullptr || c.level_candidates.empty()) return;
    for (const auto& fact : schema->facts) {
        if (fact.type != dsl::TypeKind::LevelMap && fact.type != dsl::TypeKind::Level) continue;
        std::optional<std::size_t> highest;
        for (const auto& [name, text] : c.level_candidates) {
            if (name != fact.name) continue;
            const auto level = std::find(fact.levels.begin(), fact.levels.end(), text);
            if (level == fact.levels.end()) continue;
            const auto index = static_cast<std::size_t>(level - fact.levels.begin());
            if (!highest || index > *highest) highest = index;
        }
        if (highest) out.emplace_back(fact.name, *highest, fact.levels[*highest]);
    }
}

std::string encode_decision(const DecisionRecord& decision) {
    Contribution c;
    try {
        c = read_decision(decision);
    } catch (const std::exception&) {
        return "!";
    }
    std::string out = "o";
    put_field(out, c.outcome);
    put_pence(out, c.total);
    put_field(out, c.age_band);
    if (c.outcome == "refer") {
        out += "\nr";
        put_field(out, c.referred_to);
    }
    for (const auto& [kind, rule, ref] : c.reasons) {
        out += "\nk";
        put_field(out, kind);
        put_field(out, rule);
        put_field(out, ref);
    }
    for (const auto& [agency, money] : c.by_agency) {
        out += "\na";
        put_field(out, agency);
        put_pence(out, money);
    }
    for (const auto& [year, agency, money] : c.by_year) {
        out += "\ny";
        put_field(out, year);
        put_field(out, agency);
        put_pence(out, money);
    }
    for (const auto& service : c.services) {
        out += "\ns";
        put_field(out, service);
    }
    for (const auto& [service, agency, money] : c.by_service) {
        out += "\nl";
        put_field(out, service);
        put_field(out, agency);
        put_pence(out, money);
    }
    for (const auto& [fact, texts] : c.level_candidates) {
        out += "\nn";
        put_field(out, fact);
        for (const auto& text : texts) put_field(out, text);
    }
    return out;
}

std::string encode_panel(const std::string& record_json) {
    PanelContribution p;
    try {
        p = read_panel(record_json);
    } catch (const std::exception&) {
        return "!";
    }
    std::string out = "o";
    put_field(out, p.outcome);
    if (p.override_shares) {
        out += "\nv";
        for (const auto& [agency, money] : *p.override_shares) {
            out += "\nw";
            put_field(out, agency);
            put_pence(out, money);
        }
    }
    return out;
}

bool decode_decision(std::string_view text, ContributionView& c) {
    c.outcome = c.referred_to = {};
    c.age_band = "unknown";
    c.total = engine::Money{};
    c.by_agency.clear();
    c.by_year.clear();
    c.by_service.clear();
    c.services.clear();
    c.reasons.clear();
    c.level_candidates.clear();
    c.unescaped.clear();
    bool first = true;
    return each_line(text, c.unescaped, [&](const Fields& f) {
        engine::Money money;
        switch (f[0][0]) {
            case 'o':
                if (!first || f.size() != 4 || !known_outcome(f[1]) || !f.pence(2, money)) return false;
                c.outcome = f[1];
                c.total = money;
                c.age_band = f[3];
                first = false;
                return true;
            case 'r':
                if (f.size() != 2) return false;
                c.referred_to = f[1];
                break;
            case 'k':
                if (f.size() != 4) return false;
                c.reasons.emplace_back(f[1], f[2], f[3]);
                break;
            case 'a':
                if (f.size() != 3 || !f.pence(2, money)) return false;
                c.by_agency.emplace_back(f[1], money);
                break;
            case 'y':
                if (f.size() != 4 || !f.pence(3, money)) return false;
                c.by_year.emplace_back(f[1], f[2], money);
                break;
            case 's':
                if (f.size() != 2) return false;
                c.services.push_back(f[1]);
                break;
            case 'l':
                if (f.size() != 4 || !f.pence(3, money)) return false;
                c.by_service.emplace_back(f[1], f[2], money);
                break;
            case 'n':
                if (f.size() < 3) return false;
                for (std::size_t i = 2; i < f.size(); ++i) c.level_candidates.emplace_back(f[1], f[i]);
                break;
            default:
                return false;
        }
        return !first;
    }) && !first;
}

bool decode_panel(std::string_view text, PanelView& p) {
    p.outcome = "none";
    p.overrides = false;
    p.shares.clear();
    p.unescaped.clear();
    bool first = true;
    return each_line(text, p.unescaped, [&](const Fields& f) {
        engine::Money money;
        switch (f[0][0]) {
            case 'o':
                if (!first || f.size() != 2 || !known_panel_outcome(f[1])) return false;
                p.outcome = f[1];
                first = false;
                return true;
            case 'v':
                if (f.size() != 1) return false;
                p.overrides = true;
                break;
            case 'w':
                if (f.size() != 3 || !p.overrides || !f.pence(2, money)) return false;
                p.shares.emplace_back(f[1], money);
                break;
            default:
                return false;
        }
        return !first;
    }) && !first;
}

}  // namespace jointly::server::summary
