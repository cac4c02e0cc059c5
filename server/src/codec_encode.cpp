// Decisions, errors, diagnostics and reconciliations as JSON; the depth-limited body parser
// that refuses a repeated key.
#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <simdjson.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "jointly/engine/codes.hpp"
#include "jointly/server/codec.hpp"

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;

ojson amounts(const engine::AgencyAmounts& list) {
    ojson out = ojson::object();
    for (const auto& [agency, money] : list) out[agency] = money.to_string();
    return out;
}

ojson text_or_null(const std::string& text) { return text.empty() ? ojson(nullptr) : ojson(text); }

ojson date_or_null(const std::optional<engine::Date>& d) {
    return d ? ojson(d->to_string()) : ojson(nullptr);
}

const char* severity_name(dsl::Severity s) {
    switch (s) {
        case dsl::Severity::Error: return "error";
        case dsl::Severity::Warning: return "warning";
        case dsl::Severity::Note: return "note";
    }
    return "error";
}

// Builds the document from nlohmann's SAX events, as its own DOM builder does, but refuses an
// object that names a key twice (nlohmann keeps the last silently, so `"breathing":
// "priority", "breathing": "low"` would read as `low`). The stack holds each open container;
// an array's open element is its last, an object's is the key read last (kept as a pointer
// to the key in the object's own map node), so the JSON pointer of the repeated key is
// written out only when there is one.
class StrictBuilder {
public:
    using json = nlohmann::json;

    json root;
    std::optional<engine::EvalError> duplicate;
    std::string error_text;  // nlohmann's message when the text is not JSON

    bool null() { return value(nullptr); }
    bool boolean(bool v) { return value(v); }
    bool number_integer(json::number_integer_t v) { return value(v); }
    bool number_unsigned(json::number_unsigned_t v) { return value(v); }
    bool number_float(json::number_float_t v, const json::string_t&) { return value(v); }
    bool string(json::string_t& v) { return value(std::move(v)); }
    bool binary(json::binary_t& v) { return value(std::move(v)); }
    bool start_object(std::size_t) { return open(json::value_t::object); }
    bool start_array(std::size_t) { return open(json::value_t::array); }
    bool end_object() { return close(); }
    bool end_array() { return close(); }

    bool key(json::string_t& name) {
        Open& top = stack_.back();
        auto& object = top.container->get_ref<json::object_t&>();
        const auto [it, inserted] = object.emplace(std::move(name), nullptr);
        if (!inserted) {
            std::string path = pointer_to_top();
            path += '/';
            path += pointer_escape(it->first);
            duplicate = engine::EvalError{codes::kDuplicateKey, std::move(path),
                                          "the key `" + it->first + "` appears twice in one object", std::nullopt, {}};
            return false;  // stops the parse
        }
        top.key = &it->first;
        element_ = &it->second;
        return true;
    }

    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
        error_text = e.what();
        return false;
    }

private:
    struct Open {
        json* container;
        const std::string* key = nullptr;  // object: the key whose value is being read
    };

    template <class V>
    json* place(V&& v) {
        if (stack_.empty()) {
            root = json(std::forward<V>(v));
            return &root;
        }
        json& top = *stack_.back().container;
        if (top.is_array()) {
            auto& array = top.get_ref<json::array_t&>();
            array.emplace_back(std::forward<V>(v));
            return &array.back();
        }
        *element_ = json(std::forward<V>(v));
        return element_;
    }
    template <class V>
    bool value(V&& v) {
        place(std::forward<V>(v));
        return true;
    }
    bool open(json::value_t kind) {
        stack_.push_back(Open{place(kind)});
        return true;
    }
    bool close() {
        stack_.pop_back();
        return true;
    }

    // The pointer of the innermost open container.
    std::string pointer_to_top() const {
        std::string out;
        for (std::size_t i = 0; i + 1 < stack_.size(); ++i) {
            const Open& o = stack_[i];
            out += '/';
            if (o.container->is_array()) out += std::to_string(o.container->size() - 1);
            else out += pointer_escape(*o.key);
        }
        return out;
    }

    std::vector<Open> stack_;
    json* element_ = nullptr;  // in an object: the value of the key read last
};

// Whether a block of bytes has a byte to escape (below 0x20, '"' or '\\') and whether it has
// a byte past 0x7f (then the string's UTF-8 is checked).
struct BlockFlags {
    bool escape = false;
    bool high = false;
};

// Eight bytes in a word: each test is exact for "some byte", which is all that is asked.
constexpr std::size_t kWord = 8;
BlockFlags word_flags(const char* p) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
    const auto below = [](std::uint64_t x, std::uint64_t n) { return (x - kOnes * n) & ~x & kHigh; };
    std::uint64_t x = 0;
    std::memcpy(&x, p, kWord);
    const std::uint64_t escape = below(x, 0x20) | below(x ^ (kOnes * 0x22U), 1) | below(x ^ (kOnes * 0x5cU), 1);
    return {escape != 0, (x & kHigh) != 0};
}

#if defined(__SSE2__)
constexpr std::size_t kBlock = 16;
BlockFlags block_flags(const char* p) {
    __m128i v;  // NOLINT: filled by the copy
    std::memcpy(&v, p, kBlock);
    const __m128i low = _mm_set1_epi8(0x1f);
    const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, low), low);  // v <= 0x1f
    const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    const __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    return {_mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))) != 0, _mm_movemask_epi8(v) != 0};
}
#else
constexpr std::size_t kBlock = kWord;
BlockFlags block_flags(const char* p) { return word_flags(p); }
#endif

// JSON text written in place, escaped exactly as nlohmann's dump(-1, ' ', false, replace):
// `"`, `\\` and the short escapes, other bytes below 0x20 as \u00xx, valid UTF-8 as it is.
// The writer keeps `out` longer than the text written so far and writes each piece through a
// pointer into it (a copy of known size, not an append that checks and grows each time); `out`
// is cut to the text when the writer goes.
class JsonWriter {
public:
    // `expected`: about how many bytes will be written (room is made for them at once).
    JsonWriter(std::string& out, std::size_t expected) : out_(out), start_(out.size()), at_(out.size()) {
        out_.resize(at_ + expected);
    }
    ~JsonWriter() { out_.resize(at_); }
    JsonWriter(const JsonWriter&) = delete;
    JsonWriter& operator=(const JsonWriter&) = delete;

    // A literal: a copy of a size known when compiling.
    template <std::size_t N>
    void raw(const char (&text)[N]) {
        std::memcpy(room(N - 1), text, N - 1);
        at_ += N - 1;
    }
    void raw(std::string_view text) {
        if (text.empty()) return;  // an empty view may have no data: memcpy from null is undefined
        std::memcpy(room(text.size()), text.data(), text.size());
        at_ += text.size();
    }
    // Copied a block at a time while each block is checked (the last block ends at the string's
    // end, overlapping the one before), every byte of it; a string with a byte to escape is
    // written again from its start by escaped_string, and one that is not UTF-8 by replaced.
    void string(std::string_view s) {
        const std::size_t n = s.size();
        char* const to = room(n + 2) + 1;
        to[-1] = '"';
        const char* const from = s.data();
        BlockFlags all;
        const auto copy = [&](std::size_t at, std::size_t size, BlockFlags f) {
            all.escape |= f.escape;
            all.high |= f.high;
            std::memcpy(to + at, from + at, size);
        };
        if (n >= kBlock) {
            for (std::size_t i = 0; i + kBlock < n; i += kBlock) copy(i, kBlock, block_flags(from + i));
            copy(n - kBlock, kBlock, block_flags(from + n - kBlock));
        } else if (n >= kWord) {
            copy(0, kWord, word_flags(from));
            copy(n - kWord, kWord, word_flags(from + n - kWord));
        } else {
            for (std::size_t i = 0; i < n; ++i) {
                const auto c = static_cast<unsigned char>(from[i]);
                all.escape |= needs_escape(from[i]);
                all.high |= c >= 0x80;
                to[i] = from[i];
            }
        }
        if (all.escape) return escaped_string(s, all.high);
        if (all.high && !simdjson::validate_utf8(from, n)) return replaced(s);
        to[n] = '"';
        at_ += n + 2;
    }
    void text_or_null(std::string_view s) {
        if (s.empty()) raw("null");
        else string(s);
    }
    void key(std::string_view k) {
        string(k);
        raw(":");
    }
    // `,"key":` (the comma unless first).
    void field(std::string_view k, bool& first) {
        if (!first) raw(",");
        first = false;
        key(k);
    }
    void money(engine::Money m) { quoted_text(m); }
    void date(engine::Date d) { quoted_text(d); }
    void integer(std::int64_t v) {
        constexpr std::size_t kDigits = 24;
        char* const p = room(kDigits);
        at_ += static_cast<std::size_t>(std::to_chars(p, p + kDigits, v).ptr - p);
    }
    void boolean(bool v) {
        if (v) raw("true");
        else raw("false");
    }
    // An agency named twice (two of a split's agencies chosen by facts may be the same one)
    // is written once, in its first place with its last amount, as ordered_json keeps it.
    void amounts(const engine::AgencyAmounts& list) {
        raw("{");
        bool first = true;
        for (std::size_t i = 0; i < list.size(); ++i) {
            bool later = false;
            for (std::size_t k = 0; k < i && !later; ++k) later = list[k].first == list[i].first;
            if (later) continue;
            const engine::Money* last = &list[i].second;
            for (std::size_t k = i + 1; k < list.size(); ++k)
                if (list[k].first == list[i].first) last = &list[k].second;
            field(list[i].first, first);
            money(*last);
        }
        raw("}");
    }
    template <class Range>
    void strings(const Range& list) {
        raw("[");
        bool first = true;
        for (const auto& s : list) {
            if (!first) raw(",");
            first = false;
            string(s);
        }
        raw("]");
    }

private:
    // A pointer to at least `n` bytes after the text; more room, when needed, is as much as this
    // writer has written so far and 1 KiB besides (so a writer appending to a long text, a
    // batch's, does not make room in proportion to all of it).
    char* room(std::size_t n) {
        if (out_.size() - at_ < n) [[unlikely]]
            grow(n);
        return out_.data() + at_;
    }
    [[gnu::noinline]] void grow(std::size_t n) { out_.resize(at_ + std::max(n, at_ - start_ + 1024)); }
    // A value's text (Money, Date: write() into room for kTextChars) in quotes. Money and dates
    // are digits, '-' and '.': nothing to escape or validate.
    template <class Value>
    void quoted_text(Value v) {
        char* const p = room(Value::kTextChars + 2);
        *p = '"';
        const std::size_t n = v.write(p + 1);
        p[n + 1] = '"';
        at_ += n + 2;
    }
    static bool needs_escape(char c) { return static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\'; }

    // Invalid UTF-8: nlohmann's own replacement, so the bytes stay the same.
    void replaced(std::string_view s) {
        raw(ojson(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    // A string with a byte to escape (`high`: with a byte past 0x7f): the runs between such
    // bytes are copied whole.
    void escaped_string(std::string_view s, bool high) {
        if (high && !simdjson::validate_utf8(s.data(), s.size())) return replaced(s);
        raw("\"");
        std::size_t run = 0;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (!needs_escape(s[i])) continue;
            raw(s.substr(run, i - run));
            escaped(s[i]);
            run = i + 1;
        }
        raw(s.substr(run));
        raw("\"");
    }
    void escaped(char c) {
        switch (c) {
            case '"': return raw("\\\"");
            case '\\': return raw("\\\\");
            case '\b': return raw("\\b");
            case '\f': return raw("\\f");
            case '\n': return raw("\\n");
            case '\r': return raw("\\r");
            case '\t': return raw("\\t");
            default: break;
        }
        static constexpr char kHex[] = "0123456789abcdef";
        const auto u = static_cast<unsigned char>(c);
        const std::array<char, 6> code{'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 0xFU]};
        raw(std::string_view(code.data(), code.size()));
    }

    std::string& out_;
    const std::size_t start_;  // where this writer's text begins in out_
    std::size_t at_;           // INVARIANT: out_[0, at_) is the text so far; at_ <= out_.size()
};

// About the size of a decision's answer, so that its writer makes room once.
std::size_t expected_size(const engine::Decision& d) {
    std::size_t n = 1024 + 48 * (d.by_agency.size() + d.by_financial_year.size() + d.by_line.size()) * 4;
    n += d.explanation.joined().size() + 4 * d.explanation.size();
    for (const auto& r : d.reasons) n += r.text.size() + 80;
    for (const auto& e : d.eligibility) n += e.reason.size() + e.name.size() + 32;
    for (const auto& a : d.allocations) n += a.reason.size() + a.line.size() + a.rule.size() + 200 + 40 * a.shares.size();
    for (const auto& is : d.issues) n += is.message.size() + is.reason.size() + 300;
    return n;
}

}  // namespace

std::string decision_text(const engine::Decision& d, std::string_view prefix) {
    std::string text;
    append_decision_text(text, d, prefix);
    return text;
}

void append_decision_text(std::string& text, const engine::Decision& d, std::string_view prefix) {
    JsonWriter w(text, expected_size(d) + prefix.size());
    w.raw("{");
    w.raw(prefix);
    w.raw("\"policy\":{\"id\":");
    w.string(d.policy_id);
    w.raw(",\"version\":");
    w.string(d.policy_version);
    w.raw(",\"sha256\":");
    w.string(d.policy_sha256);
    w.raw("},\"engine\":");
    w.string(d.engine);
    w.raw(",\"as_of\":");
    if (d.as_of) w.date(*d.as_of);
    else w.raw("null");
    w.raw(",\"case_ref\":");
    w.string(d.case_ref);
    w.raw(",\"outcome\":");
    w.string(engine::to_string(d.outcome));
    if (d.outcome == engine::Outcome::Refer) {
        w.raw(",\"referred_to\":");
        w.string(d.referred_to);
    }
    w.raw(",\"outcome_reasons\":");
    w.strings(d.outcome_reasons);
    w.raw(",\"reasons\":[");
    for (std::size_t i = 0; i < d.reasons.size(); ++i) {
        const auto& r = d.reasons[i];
        w.raw(i == 0 ? "{\"kind\":" : ",{\"kind\":");
        w.string(engine::to_string(r.kind));
        w.raw(",\"rule\":");
        w.text_or_null(r.rule);
        w.raw(",\"ref\":");
        w.text_or_null(r.ref);
        w.raw(",\"text\":");
        w.string(r.text);
        w.raw("}");
    }
    // An object keeps a name once (its first place, its last value), as ordered_json does.
    w.raw("],\"eligibility\":{");
    bool first = true;
    for (std::size_t i = 0; i < d.eligibility.size(); ++i) {
        const auto& e = d.eligibility[i];
        bool later = false;
        for (std::size_t k = 0; k < i && !later; ++k) later = d.eligibility[k].name == e.name;
        if (later) continue;
        const engine::Eligibility* last = &e;
        for (std::size_t k = i + 1; k < d.eligibility.size(); ++k)
            if (d.eligibility[k].name == e.name) last = &d.eligibility[k];
        w.field(e.name, first);
        w.raw("{\"met\":");
        w.boolean(last->met);
        w.raw(",\"reason\":");
        w.string(last->reason);
        w.raw("}");
    }
    w.raw("},\"total\":");
    w.money(d.total);
    w.raw(",\"by_agency\":");
    w.amounts(d.by_agency);
    if (!d.by_agency_group.empty()) {
        w.raw(",\"by_agency_group\":");
        w.amounts(d.by_agency_group);
    }
    w.raw(",\"by_financial_year\":{");
    first = true;
    for (const auto& [year, list] : d.by_financial_year) {
        w.field(year, first);
        w.amounts(list);
    }
    w.raw("},\"by_line\":{");
    first = true;
    for (const auto& [line, list] : d.by_line) {
        w.field(line, first);
        w.amounts(list);
    }
    w.raw("},\"allocations\":[");
    for (std::size_t i = 0; i < d.allocations.size(); ++i) {
        const auto& a = d.allocations[i];
        w.raw(i == 0 ? "{\"line\":" : ",{\"line\":");
        w.string(a.line);
        w.raw(",\"from\":");
        w.date(a.from);
        w.raw(",\"to\":");
        w.date(a.to);
        w.raw(",\"days\":");
        w.integer(a.days);
        w.raw(",\"cost\":");
        w.money(a.cost);
        w.raw(",\"rule\":");
        w.string(a.rule);
        w.raw(",\"ref\":");
        w.string(a.ref);
        w.raw(",\"shares\":");
        w.amounts(a.shares);
        w.raw(",\"reason\":");
        w.string(a.reason);
        w.raw("}");
    }
    w.raw("],\"issues\":[");
    for (std::size_t i = 0; i < d.issues.size(); ++i) {
        const auto& is = d.issues[i];
        w.raw(i == 0 ? "{\"kind\":" : ",{\"kind\":");
        w.string(engine::to_string(is.kind));
        w.raw(",\"line\":");
        w.string(is.line);
        w.raw(",\"from\":");
        w.date(is.from);
        w.raw(",\"to\":");
        w.date(is.to);
        w.raw(",\"cost\":");
        w.money(is.cost);
        w.raw(",\"rules\":");
        w.strings(is.rules);
        w.raw(",\"message\":");
        w.string(is.message);
        w.raw(",\"rule\":");
        w.text_or_null(is.rule);
        w.raw(",\"ref\":");
        w.text_or_null(is.ref);
        if (is.kind == engine::IssueKind::Refused || is.kind == engine::IssueKind::Referred) {
            w.raw(",\"reason\":");
            w.string(is.reason);
        }
        if (is.kind == engine::IssueKind::Referred) {
            w.raw(",\"referred_to\":");
            w.string(is.referred_to);
        }
        w.raw("}");
    }
    w.raw("],\"explanation\":");
    w.strings(d.explanation);
    if (!d.trace.empty()) {
        w.raw(",\"trace\":[");
        for (std::size_t i = 0; i < d.trace.size(); ++i) {
            const auto& t = d.trace[i];
            w.raw(i == 0 ? "{\"subject\":" : ",{\"subject\":");
            w.string(t.subject);
            w.raw(",\"rule\":");
            w.string(t.rule);
            w.raw(",\"applied\":");
            w.boolean(t.applied);
            w.raw(",\"detail\":");
            w.strings(t.detail);
            w.raw("}");
        }
        w.raw("]");
    }
    w.raw("}");
}

ojson encode_decision_ordered(const engine::Decision& d) {
    ojson out = ojson::object();
    out["policy"] = {{"id", d.policy_id}, {"version", d.policy_version}, {"sha256", d.policy_sha256.str()}};
    out["engine"] = d.engine;
    out["as_of"] = date_or_null(d.as_of);
    out["case_ref"] = d.case_ref;
    out["outcome"] = engine::to_string(d.outcome);
    if (d.outcome == engine::Outcome::Refer) out["referred_to"] = d.referred_to;
    out["outcome_reasons"] = d.outcome_reasons;
    ojson reasons = ojson::array();
    for (const auto& r : d.reasons) {
        reasons.push_back({{"kind", engine::to_string(r.kind)},
                           {"rule", text_or_null(r.rule)},
                           {"ref", text_or_null(r.ref)},
                           {"text", r.text}});
    }
    out["reasons"] = std::move(reasons);
    ojson eligibility = ojson::object();
    for (const auto& e : d.eligibility) eligibility[e.name] = {{"met", e.met}, {"reason", e.reason.str()}};
    out["eligibility"] = std::move(eligibility);
    out["total"] = d.total.to_string();
    out["by_agency"] = amounts(d.by_agency);
    if (!d.by_agency_group.empty()) out["by_agency_group"] = amounts(d.by_agency_group);
    ojson years = ojson::object();
    for (const auto& [year, list] : d.by_financial_year) years[year] = amounts(list);
    out["by_financial_year"] = std::move(years);
    ojson lines = ojson::object();
    for (const auto& [line, list] : d.by_line) lines[line] = amounts(list);
    out["by_line"] = std::move(lines);
    ojson allocations = ojson::array();
    for (const auto& a : d.allocations) {
        allocations.push_back({{"line", a.line},
                               {"from", a.from.to_string()},
                               {"to", a.to.to_string()},
                               {"days", a.days},
                               {"cost", a.cost.to_string()},
                               {"rule", a.rule},
                               {"ref", a.ref},
                               {"shares", amounts(a.shares)},
                               {"reason", a.reason.str()}});
    }
    out["allocations"] = std::move(allocations);
    ojson issues = ojson::array();
    for (const auto& i : d.issues) {
        issues.push_back({{"kind", engine::to_string(i.kind)},
                          {"line", i.line},
                          {"from", i.from.to_string()},
                          {"to", i.to.to_string()},
                          {"cost", i.cost.to_string()},
                          {"rules", i.rules},
                          {"message", i.message},
                          {"rule", text_or_null(i.rule)},
                          {"ref", text_or_null(i.ref)}});
        if (i.kind == engine::IssueKind::Refused || i.kind == engine::IssueKind::Referred) {
            issues.back()["reason"] = i.reason;
        }
        if (i.kind == engine::IssueKind::Referred) issues.back()["referred_to"] = i.referred_to;
    }
    out["issues"] = std::move(issues);
    ojson explanation = ojson::array();
    for (const std::string_view sentence : d.explanation) explanation.push_back(std::string(sentence));
    out["explanation"] = std::move(explanation);
    if (!d.trace.empty()) {
        ojson trace = ojson::array();
        for (const auto& t : d.trace)
            trace.push_back({{"subject", t.subject}, {"rule", t.rule}, {"applied", t.applied}, {"detail", t.detail}});
        out["trace"] = std::move(trace);
    }
    return out;
}

nlohmann::json encode_decision(const engine::Decision& decision) {
    return nlohmann::json(encode_decision_ordered(decision));
}

ErrorStatus error_status(const std::vector<engine::EvalError>& errors) {
    bool caller = false;
    for (const engine::EvalError& e : errors) {
        // The text the answer would hold passed the limit: the answer's size is the problem,
        // as when the written answer passes --max-response.
        if (e.code == engine::codes::kAnswerTooLong) return {422, "response_too_large"};
        switch (dsl::category_of(e.code)) {
            case dsl::Category::Internal: return {500, "internal_error"};
            case dsl::Category::CallerInput: caller = true; break;
            case dsl::Category::Syntax:
            case dsl::Category::Semantic:
            case dsl::Category::Evaluation: break;
        }
    }
    return caller ? ErrorStatus{400, "invalid_request"} : ErrorStatus{422, "evaluation_error"};
}

nlohmann::json encode_errors(const std::string& code, const std::string& message,
                             const std::vector<engine::EvalError>& details) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& d : details) {
        nlohmann::json item{{"path", d.path}, {"message", d.message}, {"code", dsl::code_text(d.code)}};
        if (d.policy_span)
            item["policy_span"] = {{"line", d.policy_span->line}, {"column", d.policy_span->column}};
        if (!d.inputs.empty()) item["inputs"] = d.inputs;
        list.push_back(std::move(item));
    }
    return {{"error", {{"code", code}, {"message", message}, {"details", std::move(list)}}}};
}

nlohmann::json encode_diagnostics(const dsl::Diagnostics& diagnostics) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : diagnostics) {
        out.push_back({{"severity", severity_name(d.severity)},
                       {"code", dsl::code_text(d.code)},
                       {"message", d.message},
                       {"file", d.file},
                       {"line", d.span.line},
                       {"column", d.span.column},
                       {"end_line", d.span.end_line},
                       {"end_column", d.span.end_column},
                       {"help", d.help},
                       {"not_listed", d.not_listed}});
    }
    return out;
}

ojson encode_reconciliation_ordered(const engine::PoolReconciliation& r) {
    ojson out = ojson::object();
    out["pool"] = r.pool;
    out["budget"] = r.budget.to_string();
    out["spend"] = r.spend.to_string();
    out["overspend"] = r.overspend.to_string();
    out["underspend"] = r.underspend.to_string();
    out["contributions"] = amounts(r.contributions);
    out["overspend_shares"] = amounts(r.overspend_shares);
    out["underspend_returned"] = amounts(r.underspend_returned);
    out["carried_forward"] = r.carried_forward.to_string();
    out["provisional"] = r.provisional;
    out["tolerance_exceeded"] = r.tolerance_exceeded;
    out["tolerance"] = r.tolerance ? ojson(r.tolerance->to_string()) : ojson(nullptr);
    out["notes"] = r.notes;
    return out;
}

nlohmann::json encode_reconciliation(const engine::PoolReconciliation& reconciliation) {
    return nlohmann::json(encode_reconciliation_ordered(reconciliation));
}

ParsedJson parse_json(std::string_view text, std::size_t max_depth) {
    ParsedJson result;
    // Depth check on the raw text: brackets outside strings.
    std::size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\0') {
            // nlohmann's lexer takes a NUL byte for the end of the input and would read the
            // JSON before it alone; JSON never holds one raw (a string escapes it as \u0000).
            result.error = {codes::kBadJson, "",
                            "the body is not valid JSON: a NUL byte at offset " + std::to_string(i) +
                                " (a string writes it as \\u0000)",
                            std::nullopt, {}};
            return result;
        }
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) {
                result.error = {codes::kTooDeep, "",
                                "the JSON is nested deeper than " + std::to_string(max_depth) + " levels",
                                std::nullopt, {}};
                return result;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    try {
        StrictBuilder builder;
        if (nlohmann::json::sax_parse(text.begin(), text.end(), &builder)) {
            result.value = std::move(builder.root);
        } else if (builder.duplicate) {
            result.error = std::move(*builder.duplicate);
        } else {
            std::string what = builder.error_text;
            // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." -> after "] "
            const auto bracket = what.find("] ");
            if (bracket != std::string::npos) what = what.substr(bracket + 2);
            result.error = {codes::kBadJson, "", "the body is not valid JSON: " + what, std::nullopt, {}};
        }
    } catch (const std::exception& e) {
        result.error = {codes::kBadJson, "", std::string("the body is not valid JSON: ") + e.what(), std::nullopt, {}};
    }
    return result;
}

}  // namespace jointly::server
