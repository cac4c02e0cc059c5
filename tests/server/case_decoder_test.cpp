// One corpus, two decoders: every line below goes through the reference decoder (parse_json +
// decode_request, what HTTP uses) and through the caseload's fast path (CaseDecoder). The
// fast path must accept exactly the lines the reference accepts, with the same Request,
// except the few it leaves to the reference on purpose; a line it refuses is decoded by the
// reference, so a caseload reports the same code and JSON pointer as the API.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "fake_schema.hpp"
#include "jointly/engine/codes.hpp"
#include "jointly/server/case_decoder.hpp"
#include "jointly/server/codec.hpp"

namespace jointly::server {
namespace {

namespace ec = engine::codes;

const std::string kGood =
    R"({"policy":"reference","as_of":"2025-06-01","case_ref":"C-1",)"
    R"("facts":{"has_ehcp":true,"dst":{"breathing":"high","skin":"severe"}},"events":{"surgery":"2025-06-10"},)"
    R"("lines":[{"id":"pc","service":"personal_care","weekly":"450.00","start":"2025-06-01","end":"2025-08-31"},)"
    R"({"id":"eq","service":"equipment","amount":1250,"date":"2025-06-15"},)"
    R"({"id":"hr","service":"transport","hourly":"18.50","hours_per_week":"37.5","start":"2025-06-01","end":"2025-06-01"}]})";

// The good line with its first occurrence of `from` replaced by `to`.
std::string with(const std::string& from, const std::string& to) {
    std::string text = kGood;
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::logic_error("not in the good line: " + from);
    return text.replace(at, from.size(), to);
}

enum class Verdict {
    Accept,          // both decode it, to the same Request
    Refuse,          // both refuse it; the reference says `code` at `path`
    ReferenceOnly,   // the reference accepts it; the fast path leaves it to the reference
};

struct Line {
    const char* name;
    std::string text;
    Verdict verdict;
    dsl::Code code = dsl::Code::bad_json;  // Refuse: the reference's first error
    const char* path = "";
};

void PrintTo(const Line& l, std::ostream* os) { *os << l.name; }

engine::Schema schema() {
    engine::Schema s = testing::fake_schema();
    s.events.push_back("review");
    s.repeating_events = {"review"};
    return s;
}

DecodeLimits limits() {
    DecodeLimits l;
    l.max_lines = 3;
    return l;
}

const std::string kDeep = std::string(70, '[') + std::string(70, ']');

const std::vector<Line> kCorpus = {
    {"good", kGood, Verdict::Accept},
    {"every_fact_type",
     with(R"("facts":{"has_ehcp":true,"dst":{"breathing":"high","skin":"severe"}})",
          R"("facts":{"has_ehcp":false,"dst":{},"band":"low","points":-0,"ratio":"-2.5","budget":"-12.34",)"
          R"("date_of_birth":"2019-02-28","la":"North \"shire\" \u00e9\n","tags":["a","b"],"icb":"health"})"),
     Verdict::Accept},
    {"integer_facts", with(R"("has_ehcp":true)", R"("has_ehcp":true,"points":9223372036854775807,"ratio":7,"budget":-3)"),
     Verdict::Accept},
    {"optional_fact_null", with(R"("has_ehcp":true)", R"("has_ehcp":null,"band":null)"), Verdict::Accept},
    {"escaped_keys", with(R"("policy")", R"("\u0070olicy")"), Verdict::Accept},
    {"null_fields", with(R"("policy":"reference","as_of":"2025-06-01","case_ref":"C-1")",
                         R"("policy":null,"version":null,"as_of":null,"case_ref":null,"explain":null)"),
     Verdict::Accept},
    {"explain_full", with(R"("case_ref":"C-1")", R"("case_ref":"C-1","explain":"full","version":"2025.1")"),
     Verdict::Accept},
    {"explain_bool", with(R"("case_ref":"C-1")", R"("case_ref":"C-1","explain":true)"), Verdict::Accept},
    {"events_null", with(R"("events":{"surgery":"2025-06-10"})", R"("events":null)"), Verdict::Accept},
    {"event_null", with(R"("surgery":"2025-06-10")", R"("surgery":null)"), Verdict::Accept},
    {"repeating_event", with(R"("surgery":"2025-06-10")", R"("surgery":"2025-06-10","review":["2025-07-01","2025-06-01"])"),
     Verdict::Accept},
    {"repeating_event_one_date", with(R"("surgery":"2025-06-10")", R"("review":"2025-07-01")"), Verdict::Accept},
    {"hours_integer", with(R"("hours_per_week":"37.5")", R"("hours_per_week":40)"), Verdict::Accept},
    // 17 and 18 places: 168 x 10^17 does not fit in 64 bits, so the bound is compared exactly.
    {"hours_seventeen_places", with(R"("37.5")", R"("2.33333333333333333")"), Verdict::Accept},
    {"hours_eighteen_places", with(R"("37.5")", R"("0.333333333333333333")"), Verdict::Accept},
    {"hours_at_most", with(R"("37.5")", R"("168")"), Verdict::Accept},
    {"description", with(R"("id":"pc",)", R"("id":"pc","description":"night \"sits\"",)"), Verdict::Accept},
    {"description_null", with(R"("id":"pc",)", R"("id":"pc","description":null,)"), Verdict::Accept},
    {"no_lines", with(kGood.substr(kGood.find("[{")), "[]}"), Verdict::Accept},
    {"whitespace_and_cr", " \t" + with(R"(,"lines")", " ,\n\"lines\" ") + " \r", Verdict::Accept},

    {"description_object", with(R"("id":"pc",)", R"("id":"pc","description":{"a":[1,2.5]},)"), Verdict::ReferenceOnly},
    {"description_number", with(R"("id":"pc",)", R"("id":"pc","description":12,)"), Verdict::ReferenceOnly},

    {"not_json", R"({"policy":)", Verdict::Refuse, codes::kBadJson, ""},
    {"trailing_text", kGood + " x", Verdict::Refuse, codes::kBadJson, ""},
    {"trailing_nul", kGood + std::string(1, '\0'), Verdict::Refuse, codes::kBadJson, ""},
    {"nul_inside", kGood.substr(0, kGood.size() - 1) + std::string(1, '\0') + "}", Verdict::Refuse, codes::kBadJson,
     ""},
    {"two_documents", kGood + kGood, Verdict::Refuse, codes::kBadJson, ""},
    {"bad_literal", with("true", "tru"), Verdict::Refuse, codes::kBadJson, ""},
    {"bad_utf8", with("C-1", "C-\xff"), Verdict::Refuse, codes::kBadJson, ""},
    {"lone_surrogate", with("C-1", R"(C-\ud800)"), Verdict::Refuse, codes::kBadJson, ""},
    {"control_character", with("C-1", "C-\t1"), Verdict::Refuse, codes::kBadJson, ""},
    {"control_character_in_key", with(R"("case_ref")", "\"case\x01_ref\""), Verdict::Refuse, codes::kBadJson, ""},
    {"byte_order_mark", "\xef\xbb\xbf" + kGood, Verdict::ReferenceOnly},
    {"leading_zero", with("1250", "01250"), Verdict::Refuse, codes::kBadJson, ""},
    {"too_deep", with(R"("id":"pc",)", R"("id":"pc","description":)" + kDeep + ","), Verdict::Refuse, codes::kTooDeep, ""},
    {"not_object", "[1]", Verdict::Refuse, codes::kFieldType, ""},
    {"duplicate_top", with(R"("case_ref":"C-1")", R"("case_ref":"C-1","case_ref":"C-2")"), Verdict::Refuse,
     codes::kDuplicateKey, "/case_ref"},
    {"duplicate_escaped", with(R"("case_ref":"C-1")", R"("case_ref":"C-1","case\u005fref":"C-2")"), Verdict::Refuse,
     codes::kDuplicateKey, "/case_ref"},
    {"duplicate_fact", with(R"("has_ehcp":true)", R"("has_ehcp":true,"has_ehcp":false)"), Verdict::Refuse,
     codes::kDuplicateKey, "/facts/has_ehcp"},
    {"duplicate_level", with(R"("skin":"severe")", R"("skin":"severe","skin":"low")"), Verdict::Refuse,
     codes::kDuplicateKey, "/facts/dst/skin"},
    // A level map's keys are checked for a repeat once all are read and sorted (ADR 0024): a
    // repeat apart from the first, or the same key escaped, is still one.
    {"duplicate_level_apart", with(R"("skin":"severe")", R"("skin":"severe","cognition":"low","skin":"low")"),
     Verdict::Refuse, codes::kDuplicateKey, "/facts/dst/skin"},
    {"duplicate_level_escaped", with(R"("skin":"severe")", R"("skin":"low","sk\u0069n":"severe")"),
     Verdict::Refuse, codes::kDuplicateKey, "/facts/dst/skin"},
    {"duplicate_line_field", with(R"("weekly":"450.00")", R"("weekly":"450.00","weekly":"450.00")"), Verdict::Refuse,
     codes::kDuplicateKey, "/lines/0/weekly"},
    {"duplicate_null_event", with(R"("surgery":"2025-06-10")", R"("surgery":null,"surgery":null)"), Verdict::Refuse,
     codes::kDuplicateKey, "/events/surgery"},
    {"duplicate_in_description", with(R"("id":"pc",)", R"("id":"pc","description":{"a":1,"a":2},)"), Verdict::Refuse,
     codes::kDuplicateKey, "/lines/0/description/a"},
    {"float_money", with(R"("450.00")", "450.5"), Verdict::Refuse, codes::kMoney, "/lines/0/weekly"},
    {"float_whole_money", with("1250", "1250.0"), Verdict::Refuse, codes::kMoney, "/lines/1/amount"},
    {"exponent_money", with("1250", "1.25e3"), Verdict::Refuse, codes::kMoney, "/lines/1/amount"},
    {"huge_pounds", with("1250", "18446744073709551615"), Verdict::Refuse, codes::kAmountTooLarge, "/lines/1/amount"},
    {"pounds_past_pence", with("1250", "92233720368547759"), Verdict::Refuse, codes::kAmountTooLarge,
     "/lines/1/amount"},
    {"money_text_bad", with(R"("450.00")", R"("450.001")"), Verdict::Refuse, codes::kMoney, "/lines/0/weekly"},
    {"money_null", with("1250", "null"), Verdict::Refuse, codes::kMoney, "/lines/1/amount"},
    {"money_over_limit", with("1250", "100000001"), Verdict::Refuse, codes::kAmountTooLarge, "/lines/1/amount"},
    {"negative_amount", with("1250", R"("-1.00")"), Verdict::Refuse, ec::kLineAmount, "/lines/1/amount"},
    {"whole_fraction", with(R"("has_ehcp":true)", R"("has_ehcp":true,"points":1.0)"), Verdict::Refuse, ec::kFactType,
     "/facts/points"},
    {"whole_too_large", with(R"("has_ehcp":true)", R"("has_ehcp":true,"points":9223372036854775808)"), Verdict::Refuse,
     ec::kFactType, "/facts/points"},
    {"decimal_float", with(R"("has_ehcp":true)", R"("has_ehcp":true,"ratio":0.5)"), Verdict::Refuse, ec::kFactType,
     "/facts/ratio"},
    {"money_fact_float", with(R"("has_ehcp":true)", R"("has_ehcp":true,"budget":1e2)"), Verdict::Refuse, ec::kFactType,
     "/facts/budget"},
    {"bool_fact_text", with(R"("has_ehcp":true)", R"("has_ehcp":"true")"), Verdict::Refuse, ec::kFactType,
     "/facts/has_ehcp"},
    {"unknown_top", with(R"("case_ref":"C-1")", R"("case_ref":"C-1","colour":"red")"), Verdict::Refuse,
     codes::kUnknownField, "/colour"},
    {"unknown_line_field", with(R"("id":"pc",)", R"("id":"pc","colour":"red",)"), Verdict::Refuse, codes::kUnknownField,
     "/lines/0/colour"},
    {"unknown_fact", with(R"("has_ehcp":true)", R"("has_echp":true)"), Verdict::Refuse, ec::kUnknownFact,
     "/facts/has_echp"},
    {"required_fact_missing", with(R"(,"dst":{"breathing":"high","skin":"severe"})", ""), Verdict::Refuse,
     ec::kMissingFact, "/facts/dst"},
    {"required_fact_null", with(R"({"breathing":"high","skin":"severe"})", "null"), Verdict::Refuse, ec::kMissingFact,
     "/facts/dst"},
    {"facts_absent", with(R"("facts":{"has_ehcp":true,"dst":{"breathing":"high","skin":"severe"}},)", ""),
     Verdict::Refuse, ec::kMissingFact, "/facts/dst"},
    {"facts_null", with(R"({"has_ehcp":true,"dst":{"breathing":"high","skin":"severe"}})", "null"), Verdict::Refuse,
     ec::kMissingFact, "/facts/dst"},
    {"bad_level", with(R"("severe")", R"("extreme")"), Verdict::Refuse, ec::kLevelRange, "/facts/dst/skin"},
    {"level_number", with(R"("severe")", "4"), Verdict::Refuse, ec::kLevelRange, "/facts/dst/skin"},
    {"list_item_number", with(R"("has_ehcp":true)", R"("has_ehcp":true,"tags":["a",2])"), Verdict::Refuse,
     ec::kFactType, "/facts/tags/1"},
    {"bad_as_of", with(R"("as_of":"2025-06-01")", R"("as_of":"2025-02-30")"), Verdict::Refuse, codes::kDate, "/as_of"},
    {"case_ref_number", with(R"("C-1")", "12"), Verdict::Refuse, codes::kFieldType, "/case_ref"},
    {"policy_number", with(R"("reference")", "12"), Verdict::Refuse, codes::kFieldType, "/policy"},
    {"explain_bad", with(R"("case_ref":"C-1")", R"("case_ref":"C-1","explain":"lots")"), Verdict::Refuse,
     codes::kFieldType, "/explain"},
    {"unknown_event", with(R"("surgery")", R"("surgrey")"), Verdict::Refuse, ec::kUnknownEvent, "/events/surgrey"},
    {"event_list_not_repeating", with(R"("2025-06-10")", R"(["2025-06-10"])"), Verdict::Refuse, codes::kDate,
     "/events/surgery"},
    {"event_bad_date_in_list", with(R"("surgery":"2025-06-10")", R"("review":["2025-07-01","1 July"])"),
     Verdict::Refuse, codes::kDate, "/events/review/1"},
    {"lines_missing", with(kGood.substr(kGood.find(R"(,"lines")")), "}"), Verdict::Refuse, codes::kMissingField,
     "/lines"},
    {"lines_object", with(R"("lines":[)", R"("lines":{"a":[)") + "}", Verdict::Refuse, codes::kFieldType, "/lines"},
    {"too_many_lines", with("]}", R"(,{"id":"x","service":"s","amount":"1","date":"2025-06-01"}]})"), Verdict::Refuse,
     codes::kTooManyLines, "/lines"},
    {"line_not_object", with(R"({"id":"eq","service":"equipment","amount":1250,"date":"2025-06-15"})", "3"),
     Verdict::Refuse, codes::kFieldType, "/lines/1"},
    {"duplicate_line_id", with(R"("id":"eq")", R"("id":"pc")"), Verdict::Refuse, ec::kLineId, "/lines/1/id"},
    {"empty_id", with(R"("id":"eq")", R"("id":"")"), Verdict::Refuse, ec::kLineId, "/lines/1/id"},
    {"id_null", with(R"("id":"eq")", R"("id":null)"), Verdict::Refuse, codes::kMissingField, "/lines/1/id"},
    {"no_kind", with(R"("amount":1250,)", ""), Verdict::Refuse, codes::kLineKind, "/lines/1"},
    {"two_kinds", with(R"("weekly":"450.00")", R"("weekly":"450.00","amount":"1")"), Verdict::Refuse,
     codes::kLineKind, "/lines/0"},
    {"oneoff_with_start", with(R"("date":"2025-06-15")", R"("date":"2025-06-15","start":null)"), Verdict::Refuse,
     codes::kUnknownField, "/lines/1/start"},
    {"oneoff_no_date", with(R"(,"date":"2025-06-15")", ""), Verdict::Refuse, codes::kMissingField, "/lines/1/date"},
    {"start_null", with(R"("start":"2025-06-01")", R"("start":null)"), Verdict::Refuse, codes::kDate, "/lines/0/start"},
    {"weekly_with_hours", with(R"("weekly":"450.00")", R"("weekly":"450.00","hours_per_week":"1")"), Verdict::Refuse,
     codes::kUnknownField, "/lines/0/hours_per_week"},
    {"periodic_with_date", with(R"("weekly":"450.00")", R"("weekly":"450.00","date":"2025-06-01")"), Verdict::Refuse,
     codes::kUnknownField, "/lines/0/date"},
    {"hourly_no_hours", with(R"(,"hours_per_week":"37.5")", ""), Verdict::Refuse, codes::kMissingField,
     "/lines/2/hours_per_week"},
    {"hours_too_many", with(R"("37.5")", R"("168.5")"), Verdict::Refuse, codes::kNumber, "/lines/2/hours_per_week"},
    {"hours_just_over", with(R"("37.5")", R"("168.00000000000000001")"), Verdict::Refuse, codes::kNumber,
     "/lines/2/hours_per_week"},
    {"hours_negative", with(R"("37.5")", R"("-1")"), Verdict::Refuse, codes::kNumber, "/lines/2/hours_per_week"},
    {"hours_float", with(R"("37.5")", "37.5"), Verdict::Refuse, codes::kNumber, "/lines/2/hours_per_week"},
    {"end_before_start", with(R"("end":"2025-08-31")", R"("end":"2025-05-31")"), Verdict::Refuse, ec::kLineDates,
     "/lines/0/end"},
    {"line_too_long", with(R"("end":"2025-08-31")", R"("end":"2075-08-31")"), Verdict::Refuse, codes::kLineTooLong,
     "/lines/0/end"},
};

// What the reference gives: a Request, or its errors.
DecodeResult reference(const std::string& text) {
    auto parsed = parse_json(text);
    if (!parsed.value) return DecodeResult{std::nullopt, {parsed.error}};
    return decode_request(*parsed.value, schema(), limits());
}

std::optional<engine::Request> fast(const std::string& text, CaseDecoder& decoder) {
    // The line as a caseload buffer holds it: followed by other bytes, then padding.
    std::string buffer = text + "\n{\"next\":1}" + std::string(CaseDecoder::kPadding, ' ');
    if (!decoder.start(std::string_view(buffer).substr(0, text.size()))) return std::nullopt;
    return decoder.decode(schema(), limits());
}

class CaseDecoderCorpus : public ::testing::TestWithParam<Line> {};

TEST_P(CaseDecoderCorpus, AgreesWithTheReference) {
    const Line& line = GetParam();
    const auto expected = reference(line.text);
    CaseDecoder decoder;
    const auto got = fast(line.text, decoder);
    switch (line.verdict) {
        case Verdict::Accept:
            ASSERT_TRUE(expected.request) << expected.errors.front().path << ": " << expected.errors.front().message;
            ASSERT_TRUE(got) << "the fast path refused a line the reference accepts";
            EXPECT_TRUE(same_request(*got, *expected.request)) << "the two decoders give different requests";
            break;
        case Verdict::ReferenceOnly:
            EXPECT_TRUE(expected.request);
            EXPECT_FALSE(got);
            break;
        case Verdict::Refuse:
            EXPECT_FALSE(got) << "the fast path accepted a line the reference refuses";
            ASSERT_FALSE(expected.errors.empty());
            EXPECT_EQ(dsl::code_text(expected.errors.front().code), dsl::code_text(line.code))
                << expected.errors.front().message;
            EXPECT_EQ(expected.errors.front().path, line.path) << expected.errors.front().message;
            break;
    }
}

INSTANTIATE_TEST_SUITE_P(Lines, CaseDecoderCorpus, ::testing::ValuesIn(kCorpus),
                         [](const ::testing::TestParamInfo<Line>& param_info) { return std::string(param_info.param.name); });

// One decoder reads line after line: nothing of one line leaks into the next, and a line
// refused in the middle does not stop the next from decoding.
TEST(CaseDecoder, ReadsLineAfterLine) {
    CaseDecoder decoder;
    for (const Line& line : kCorpus) {
        const auto got = fast(line.text, decoder);
        EXPECT_EQ(got.has_value(), line.verdict == Verdict::Accept) << line.name;
    }
}

// The request's maps are flat (ADR 0024): whatever order the caller gives the keys in, both
// decoders hold them in key order, so a look-up by name and an iteration see them as a
// std::map did.
TEST(CaseDecoder, MapsHoldTheirKeysInKeyOrderWhateverTheOrderGiven) {
    const std::string text = with(R"("dst":{"breathing":"high","skin":"severe"})",
                                  R"("dst":{"skin":"severe","cognition":"low","breathing":"high"})");
    const auto expected = reference(text);
    ASSERT_TRUE(expected.request);
    CaseDecoder decoder;
    const auto got = fast(text, decoder);
    ASSERT_TRUE(got);
    for (const engine::Request* r : {&*got, &*expected.request}) {
        std::vector<std::string> facts;
        for (const auto& [name, value] : r->facts) facts.push_back(name);
        EXPECT_EQ(facts, (std::vector<std::string>{"dst", "has_ehcp"}));
        const auto& dst = std::get<engine::LevelMap>(r->facts.at("dst"));
        std::vector<std::string> domains;
        for (const auto& [domain, level] : dst) domains.push_back(domain);
        EXPECT_EQ(domains, (std::vector<std::string>{"breathing", "cognition", "skin"}));
        EXPECT_EQ(dst.at("skin").index, 4);  // severe
        EXPECT_EQ(dst.at("cognition").index, 1);  // low
        EXPECT_EQ(dst.count("seizures"), 0U);
    }
    EXPECT_TRUE(same_request(*got, *expected.request));
}

TEST(CaseDecoder, HeaderNamesThePolicyAndTheDate) {
    CaseDecoder decoder;
    const std::string buffer = kGood + std::string(CaseDecoder::kPadding, ' ');
    ASSERT_TRUE(decoder.start(std::string_view(buffer).substr(0, kGood.size())));
    const auto header = decoder.header();
    ASSERT_TRUE(header);
    EXPECT_EQ(header->policy, "reference");
    EXPECT_EQ(header->as_of, "2025-06-01");
    EXPECT_EQ(header->case_ref, "C-1");
    ASSERT_TRUE(decoder.decode(schema(), limits()));  // after the header, the same line decodes
    EXPECT_EQ(decoder.decoded_header(), *header);
    // The header stops at the first facts, events or lines; decode reads every member, so a
    // caller sees a member named after them.
    const std::string late = with(R"("lines":[)", R"("version":"2","lines":[)") + std::string(CaseDecoder::kPadding, ' ');
    ASSERT_TRUE(decoder.start(std::string_view(late).substr(0, late.size() - CaseDecoder::kPadding)));
    const auto early = decoder.header();
    ASSERT_TRUE(early);
    EXPECT_FALSE(early->version);
    ASSERT_TRUE(decoder.decode(schema(), limits()));
    EXPECT_EQ(decoder.decoded_header().version, "2");
    EXPECT_NE(decoder.decoded_header(), *early);
    const std::string numbered = with(R"("reference")", "7") + std::string(CaseDecoder::kPadding, ' ');
    ASSERT_TRUE(decoder.start(std::string_view(numbered).substr(0, numbered.size() - CaseDecoder::kPadding)));
    EXPECT_FALSE(decoder.header());
}

TEST(CaseDecoder, SameDeclarations) {
    const engine::Schema a = schema();
    engine::Schema b = schema();
    b.agencies.clear();  // agencies do not change how a request decodes
    EXPECT_TRUE(same_declarations(a, b));
    b.facts[1].levels.pop_back();
    EXPECT_FALSE(same_declarations(a, b));
    b = schema();
    b.repeating_events.clear();
    EXPECT_FALSE(same_declarations(a, b));
}

}  // namespace
}  // namespace jointly::server
