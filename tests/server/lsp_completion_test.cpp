// Completion (lsp_completion.hpp): the items each place in a policy gets, the range they
// replace, and answers on any text; the tolerant scan it works from (lsp_scan.hpp) against the
// parser's reserved words and the index of a parsed policy.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jointly/dsl/parse.hpp"
#include "lsp_completion.hpp"
#include "lsp_index.hpp"
#include "lsp_scan.hpp"

namespace jointly::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using server::lsp::Position;
using Labels = std::vector<std::string>;

// Every case is written after this policy; `|` in a case is the cursor.
const std::string kBase =
    "policy demo \"Demo\"\n"
    "  version \"1\"\n"
    "  effective from 2025-04-01\n"
    "\n"
    "agency health      \"NHS Integrated Care Board\"\n"
    "agency social_care \"Children's Social Care\"\n"
    "agency group everyone: health, social_care\n"
    "service respite \"respite care\" weekly\n"
    "service slt \"speech and language therapy\" hourly\n"
    "service group therapies: slt\n"
    "scale need: none < low < high\n"
    "fact mobility: need\n"
    "fact dst: map of need\n"
    "fact has_ehcp \"Has an EHC plan\": bool default false\n"
    "fact responsible_icb: agency in health, social_care\n"
    "fact date_of_birth: date\n"
    "event surgery\n"
    "event review repeats\n"
    "let big = mobility is high\n"
    "table band\n"
    "  from 0 to 5 gives \xC2\xA3" "1\n"
    "eligible cc\n"
    "  when has_ehcp\n"
    "  because \"has a plan\"\n"
    "\n"
    "rule base_rule ref \"1\"\n"
    "  split health 100%\n"
    "\n";

const Labels kPaying = {"health", "social_care", "responsible_icb"};
const Labels kDeclarations = {"agency", "agency group", "service", "service group", "scale", "fact", "event",
                              "let", "eligible", "table", "rule", "decline", "refer to", "pool"};

// The text without its `|`, and the cursor's position in UTF-16 units.
std::pair<std::string, Position> cursor(const std::string& marked) {
    const auto at = marked.find('|');
    EXPECT_NE(at, std::string::npos) << marked;
    std::string text = marked;
    text.erase(at, 1);
    Position p;
    for (std::size_t i = 0; i < at; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            ++p.line;
            p.character = 0;
        } else if ((c & 0xC0U) != 0x80U) {
            p.character += c >= 0xF0U ? 2U : 1U;
        }
    }
    return {text, p};
}

Labels labels(const json& items) {
    Labels out;
    for (const auto& i : items) out.push_back(i["label"]);
    return out;
}

struct CompletionCase {
    const char* name;
    bool whole = false;      // `text` is the whole document
    std::string text;        // after kBase, unless `whole`
    Labels exactly = {};     // the labels in this order, when not empty
    Labels has = {};         // labels among them
    Labels lacks = {};       // labels not among them
    bool none = false;       // no item at all
};

void PrintTo(const CompletionCase& c, std::ostream* os) { *os << c.name; }

class LspCompletion : public ::testing::TestWithParam<CompletionCase> {};

TEST_P(LspCompletion, OffersWhatFitsThere) {
    const auto& c = GetParam();
    const auto [text, at] = cursor(c.whole ? c.text : kBase + c.text);
    const json items = server::lsp::completion(text, at);
    ASSERT_TRUE(items.is_array());
    const Labels got = labels(items);
    const std::string shown = ::testing::PrintToString(got);
    if (c.none) {
        EXPECT_TRUE(got.empty()) << shown;
    }
    if (!c.exactly.empty()) {
        EXPECT_EQ(got, c.exactly);
    }
    for (const auto& l : c.has) EXPECT_NE(std::find(got.begin(), got.end(), l), got.end()) << l << " in " << shown;
    for (const auto& l : c.lacks) EXPECT_EQ(std::find(got.begin(), got.end(), l), got.end()) << l << " in " << shown;
    for (const auto& i : items) {
        EXPECT_TRUE(i.contains("kind") && i.contains("detail") && i.contains("sortText")) << i.dump();
        const json& range = i["textEdit"]["range"];
        EXPECT_EQ(range["start"]["line"], at.line);
        EXPECT_EQ(range["end"]["line"], at.line);
        EXPECT_LE(range["start"]["character"].get<std::uint32_t>(), at.character);
        EXPECT_GE(range["end"]["character"].get<std::uint32_t>(), at.character);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Places, LspCompletion,
    ::testing::Values(
        // who pays: one agency (or a fact that picks one), never a group, a service or a fact
        CompletionCase{.name = "split", .text = "rule r\n  split |", .exactly = kPaying},
        // an agency a split already names is not named again (E2203)
        CompletionCase{.name = "split_next_share", .text = "rule r\n  split health 50%, |",
                       .exactly = {"social_care", "responsible_icb"}},
        CompletionCase{.name = "split_share_on_next_line", .text = "rule r\n  split health 50%,\n    |",
                       .exactly = {"social_care", "responsible_icb"}},
        CompletionCase{.name = "split_third_share", .text = "rule r\n  split health 1/3, responsible_icb 1/3, |",
                       .exactly = {"social_care"}},
        CompletionCase{.name = "split_partial_word", .text = "rule r\n  split soc|", .exactly = kPaying},
        CompletionCase{.name = "pay", .text = "rule r\n  pay |", .exactly = kPaying},
        CompletionCase{.name = "cap", .text = "rule r\n  split health 100%\n  cap |", .exactly = kPaying},
        CompletionCase{.name = "excess_to",
                       .text = "rule r\n  split health 100%\n  cap health at \xC2\xA3" "5 per week, excess to |",
                       .exactly = {"social_care", "responsible_icb", "panel"}},  // not the capped one (E2207)
        CompletionCase{.name = "odd_penny_to", .text = "rule r\n  split health 50%, social_care 50%\n  odd penny to |",
                       .exactly = kPaying},
        // whose total: groups too
        CompletionCase{.name = "total", .text = "refer to \"x\" when total(|",
                       .exactly = {"health", "social_care", "everyone", "responsible_icb"}},
        CompletionCase{.name = "yearly_total", .text = "refer to \"x\" when yearly total(|",
                       .exactly = {"health", "social_care", "everyone", "responsible_icb"}},
        CompletionCase{.name = "agreed_by_only_agencies", .whole = true,
                       .text = "policy p \"P\"\n  version \"1\"\n  effective from 2025-04-01\n  agreed by |\n"
                               "agency a \"A\"\nagency group g: a\nfact f: agency in a\n",
                       .exactly = {"a"}},
        CompletionCase{.name = "group_members", .text = "agency group more: health, |", .exactly = {"health", "social_care"}},
        // services
        CompletionCase{.name = "service_is", .text = "rule r\n  when service is |", .exactly = {"respite", "slt", "therapies"}},
        CompletionCase{.name = "service_is_not", .text = "rule r\n  when service is not |",
                       .exactly = {"respite", "slt", "therapies"}},
        CompletionCase{.name = "service_in_list", .text = "rule r\n  when service in [respite, |",
                       .exactly = {"respite", "slt", "therapies"}},
        CompletionCase{.name = "services_named_where_none_are_declared", .whole = true,
                       .text = "policy p \"P\"\n  version \"1\"\n  effective from 2025-04-01\n"
                               "agency health \"NHS\"\n"
                               "rule a\n  when service is respite\n  split health 100%\n"
                               "rule b\n  when service in [slt, escort] or service is not respite\n  split health 100%\n"
                               "refer to \"x\" when funders(nursing) > 1\n"
                               "rule c\n  when service is res|\n",
                       .exactly = {"respite", "slt", "escort", "nursing"}},
        CompletionCase{.name = "funders", .text = "refer to \"x\" when funders(|", .exactly = {"respite", "slt", "therapies"}},
        // values of a fact's type
        CompletionCase{.name = "level_after_is", .text = "rule r\n  when mobility is |", .exactly = {"none", "low", "high"}},
        CompletionCase{.name = "level_after_compare", .text = "rule r\n  when mobility >= l|", .exactly = {"none", "low", "high"}},
        CompletionCase{.name = "bool_after_is_not", .text = "rule r\n  when has_ehcp is not |", .exactly = {"true", "false"}},
        CompletionCase{.name = "count_levels", .text = "let n = count(dst, |", .exactly = {"none", "low", "high", "at least"}},
        CompletionCase{.name = "count_map_facts", .text = "let n = count(|", .exactly = {"dst"}},
        // events, tables, rules
        CompletionCase{.name = "within_after", .text = "rule r\n  within 6 weeks after |", .exactly = {"surgery", "review"}},
        CompletionCase{.name = "within_before", .text = "rule r\n  within 2 days before |", .exactly = {"surgery", "review"}},
        CompletionCase{.name = "window_from", .text = "rule r\n  from |", .exactly = {"date_of_birth", "surgery", "review", "big"}},
        CompletionCase{.name = "happened", .text = "rule r\n  when happened(|", .exactly = {"surgery", "review"}},
        CompletionCase{.name = "lookup", .text = "let points = lookup(|", .exactly = {"band"}},
        CompletionCase{.name = "exception_to", .text = "rule r\n  exception to |", .exactly = {"base_rule"}},
        // expressions
        CompletionCase{.name = "rule_condition", .text = "rule r\n  when |",
                       .has = {"mobility", "has_ehcp", "date_of_birth", "big", "cc", "surgery", "service", "age", "as_of",
                               "count(\xE2\x80\xA6)", "lookup(\xE2\x80\xA6)", "happened(\xE2\x80\xA6)", "not", "true"},
                       .lacks = {"health", "everyone", "respite", "band", "none", "responsible_icb", "total",
                                 "total(\xE2\x80\xA6)", "yearly total", "funders(\xE2\x80\xA6)", "split"}},
        CompletionCase{.name = "outcome_condition", .text = "decline when has_ehcp and |",
                       .has = {"total", "total(\xE2\x80\xA6)", "yearly total", "funders(\xE2\x80\xA6)", "jointly_funded()",
                               "has_ehcp", "cc"},
                       .lacks = {"service", "health", "respite"}},
        // `and`, `or`, `not` take what can be true or false or start a comparison: not an
        // event, a date alone (E2103)
        CompletionCase{.name = "after_and", .text = "rule r\n  when service is slt and |",
                       .has = {"has_ehcp", "mobility", "date_of_birth", "big", "cc", "service", "age",
                               "happened(\xE2\x80\xA6)", "not"},
                       .lacks = {"surgery", "review", "health", "band"}},
        CompletionCase{.name = "after_or", .text = "decline when has_ehcp or |", .has = {"has_ehcp", "total"},
                       .lacks = {"surgery", "review"}},
        CompletionCase{.name = "after_not", .text = "let b = not |", .has = {"has_ehcp", "big"},
                       .lacks = {"surgery", "review"}},
        CompletionCase{.name = "after_an_operand", .text = "rule r\n  when has_ehcp |", .exactly = {"and", "or", "is", "is not", "in"}},
        CompletionCase{.name = "cap_amount_per", .text = "rule r\n  split health 100%\n  cap health at \xC2\xA3" "5 |",
                       .exactly = {"per week", "per line", "per financial year", "per hour"}},
        // no `per hour` in a rule for a service declared `weekly` (E2021)
        CompletionCase{.name = "pay_per_for_a_weekly_service",
                       .text = "rule r\n  when service is respite\n  pay health \xC2\xA3" "5 |",
                       .exactly = {"per week", "per line", "per financial year"}},
        CompletionCase{.name = "cap_per_for_a_weekly_service",
                       .text = "rule r\n  when service is respite\n  split health 100%\n  cap health at \xC2\xA3" "5 per |",
                       .exactly = {"week", "line", "financial year"}},
        CompletionCase{.name = "pay_per_for_an_hourly_service",
                       .text = "rule r\n  when service is slt\n  pay health \xC2\xA3" "5 |",
                       .exactly = {"per week", "per line", "per financial year", "per hour"}},
        CompletionCase{.name = "fact_type", .text = "fact f: |",
                       .has = {"bool", "whole", "money", "date", "list of text", "map of", "agency in", "need"},
                       .lacks = {"health", "mobility"}},
        CompletionCase{.name = "fact_default_level", .text = "fact f: need default |", .exactly = {"none", "low", "high"}},
        // the start of a line
        CompletionCase{.name = "first_column", .text = "|", .exactly = kDeclarations},
        CompletionCase{.name = "first_column_partial", .text = "ru|", .exactly = kDeclarations},
        CompletionCase{.name = "empty_document", .whole = true, .text = "|", .exactly = {"policy"}},
        CompletionCase{.name = "header_in_order", .whole = true, .text = "policy p \"P\"\n  version \"1\"\n  |",
                       .exactly = {"effective"}},
        CompletionCase{.name = "header_after_effective", .whole = true,
                       .text = "policy p \"P\"\n  version \"1\"\n  effective from 2025-04-01\n  |",
                       .exactly = {"agreed by", "ref", "panel", "rounding"}},
        CompletionCase{.name = "rule_first_clause", .text = "rule r ref \"2\"\n  |",
                       .exactly = {"exception to", "when", "within", "from", "before", "on or before", "refuse",
                                   "refer to", "pay", "split"}},
        CompletionCase{.name = "rule_after_split", .text = "rule r\n  when has_ehcp\n  split health 100%\n  |",
                       .exactly = {"odd penny to", "cap", "regardless of cost", "because"}},
        CompletionCase{.name = "rule_after_cap", .text = "rule r\n  split health 100%\n  cap health at \xC2\xA3" "5 per week, "
                                                         "excess to panel\n  |",
                       .exactly = {"cap", "because"}},
        CompletionCase{.name = "rule_after_refuse", .text = "rule r\n  refuse\n  |", .exactly = {"because"}},
        CompletionCase{.name = "pool_clauses", .text = "pool p \"P\"\n  host health\n  contribution health \xC2\xA3" "5\n  |",
                       .exactly = {"contribution", "overspend shared in proportion to",
                                   "underspend returned in proportion to", "risk capped at contribution", "tolerance"}},
        CompletionCase{.name = "after_a_rule_name", .text = "rule r |", .exactly = {"ref"}},
        CompletionCase{.name = "after_a_threshold_name", .text = "eligible e |", .exactly = {"when"}},
        CompletionCase{.name = "after_decline", .text = "decline |", .exactly = {"ref", "when"}},
        CompletionCase{.name = "after_decline_ref", .text = "decline ref \"3\" |", .exactly = {"when"}},
        CompletionCase{.name = "after_an_outcome_authority", .text = "refer to \"Director\" |", .exactly = {"ref", "when"}},
        CompletionCase{.name = "after_a_rule_authority", .text = "rule r\n  refer to \"Director\" |", .none = true},
        CompletionCase{.name = "indented_under_a_one_line_declaration", .text = "event later\n  |", .none = true},
        // reasons
        CompletionCase{.name = "rule_placeholder", .text = "rule r\n  split health 100%\n  because \"for {|",
                       .has = {"cost", "days", "from", "to", "line", "service", "rule", "ref", "health", "mobility",
                               "big", "cc", "surgery"},
                       .lacks = {"total", "respite", "band", "need", "everyone"}},
        CompletionCase{.name = "outcome_placeholder", .text = "decline when has_ehcp because \"over {t|}\"",
                       .has = {"total", "ref", "has_ehcp", "big"},
                       .lacks = {"cost", "days", "service", "rule"}},
        CompletionCase{.name = "threshold_placeholder", .text = "eligible e when has_ehcp because \"{|",
                       .has = {"has_ehcp", "health"}, .lacks = {"cost", "total", "ref"}},
        // nowhere to complete
        CompletionCase{.name = "in_a_comment", .text = "# split |", .none = true},
        CompletionCase{.name = "in_a_text", .text = "rule r\n  split health 100%\n  because \"split |\"", .none = true},
        CompletionCase{.name = "a_brace_in_a_display_name", .text = "agency x \"{|", .none = true},
        CompletionCase{.name = "in_a_number", .text = "let n = 12|", .none = true},
        CompletionCase{.name = "after_an_amount", .text = "let n = \xC2\xA3" "1,500|", .none = true},
        CompletionCase{.name = "a_name_to_declare", .text = "rule |", .none = true},
        CompletionCase{.name = "a_date_being_written", .text = "rule r\n  from 2025-|", .none = true},
        CompletionCase{.name = "a_share_being_written", .text = "rule r\n  split health 1/|", .none = true},
        CompletionCase{.name = "a_subtraction", .text = "let d = date_of_birth - |", .has = {"date_of_birth", "as_of"}},
        // a document that does not parse
        CompletionCase{.name = "after_syntax_errors",
                       .text = "rule broken\n  split health 50% social_care\n  when ((\n\xFF\xFE garbage }{\n\n"
                               "rule r\n  when service is |",
                       .exactly = {"respite", "slt", "therapies"}},
        CompletionCase{.name = "declaration_cut_short", .text = "agency education\nrule r\n  split |",
                       .exactly = {"health", "social_care", "responsible_icb", "education"}}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(LspCompletion, ReplacesTheWordUnderTheCursorInUtf16Units) {
    // `é` is one unit, the emoji two: `has_ehcp` starts at character 29 and ends at 37.
    const std::string line = "  when note is \"caf\xC3\xA9 \xF0\x9F\x98\x80\" and has_e|hcp";
    const auto [text, at] = cursor(kBase + "fact note: text\nrule r\n" + line + "\n  split health 100%\n");
    EXPECT_EQ(at.character, 34U);
    const json items = server::lsp::completion(text, at);
    const auto found = std::find_if(items.begin(), items.end(), [](const json& i) { return i["label"] == "has_ehcp"; });
    ASSERT_NE(found, items.end()) << items.dump();
    EXPECT_EQ((*found)["textEdit"]["range"],
              (json{{"start", {{"line", at.line}, {"character", 29}}}, {"end", {{"line", at.line}, {"character", 37}}}}));
    EXPECT_EQ((*found)["textEdit"]["newText"], "has_ehcp");
    EXPECT_EQ((*found)["kind"], 5);  // Field
    EXPECT_EQ((*found)["detail"], "fact \xE2\x80\x94 bool");
}

TEST(LspCompletion, ItemsSayWhatTheyAre) {
    const auto [text, at] = cursor(kBase + "rule r\n  split |");
    const json items = server::lsp::completion(text, at);
    ASSERT_EQ(items.size(), 3U) << items.dump();
    EXPECT_EQ(items[0]["detail"], "agency \xE2\x80\x94 NHS Integrated Care Board");
    EXPECT_EQ(items[0]["kind"], 7);  // Class
    EXPECT_EQ(items[2]["detail"], "fact \xE2\x80\x94 agency in health, social_care");
    EXPECT_LT(items[0]["sortText"].get<std::string>(), items[1]["sortText"].get<std::string>());
    // a placeholder's name is closed with `}` unless one follows
    const auto [reason, in_reason] = cursor(kBase + "rule r\n  split health 100%\n  because \"{co|");
    const json placeholders = server::lsp::completion(reason, in_reason);
    ASSERT_FALSE(placeholders.empty());
    EXPECT_EQ(placeholders[0]["label"], "cost");
    EXPECT_EQ(placeholders[0]["textEdit"]["newText"], "cost}");
    // a call opens its parentheses
    const auto [call, in_call] = cursor(kBase + "let x = |");
    std::string lookup_inserts;
    for (const auto& i : server::lsp::completion(call, in_call))
        if (i["label"] == "lookup(\xE2\x80\xA6)") lookup_inserts = i["textEdit"]["newText"];
    EXPECT_EQ(lookup_inserts, "lookup(");
}

TEST(LspCompletion, PositionsOutsideTheTextAnswerAnEmptyList) {
    const std::string text = kBase + "rule r\n  split health 100%\n";
    const auto end = std::count(text.begin(), text.end(), '\n');
    for (const Position at : {Position{static_cast<std::uint32_t>(end) + 1, 0}, Position{1000000, 3},
                              Position{0, 200}, Position{4, 4000000}})
        EXPECT_EQ(server::lsp::completion(text, at), json::array()) << at.line << ":" << at.character;
}

TEST(LspCompletion, ThousandsOfNamesAreCutToThoseTheWordBegins) {
    std::string text = kBase;
    for (int i = 0; i < 1500; ++i) text += "fact f" + std::to_string(i) + ": bool\n";
    const auto [all, at_all] = cursor(text + "let x = |");
    const json every = server::lsp::completion(all, at_all);
    ASSERT_TRUE(every.is_object()) << every.dump().substr(0, 200);
    EXPECT_EQ(every["isIncomplete"], true);
    EXPECT_EQ(every["items"].size(), 1000U);
    const auto [some, at_some] = cursor(text + "let x = f14|");
    const json begun = server::lsp::completion(some, at_some);
    ASSERT_TRUE(begun.is_object());
    EXPECT_EQ(begun["isIncomplete"], true);
    EXPECT_EQ(begun["items"].size(), 111U);  // f14, f140..f149, f1400..f1499
    for (const auto& i : begun["items"]) EXPECT_EQ(i["label"].get<std::string>().rfind("f14", 0), 0U) << i.dump();
}

TEST(LspCompletion, TheCutIsBlindToCase) {
    // over 1,000 items, the letters typed pick them whatever their case: `F14` as `f14`
    std::string text = kBase;
    for (int i = 0; i < 1500; ++i) text += "fact f" + std::to_string(i) + ": bool\n";
    const auto [some, at_some] = cursor(text + "let x = F14|");
    const json begun = server::lsp::completion(some, at_some);
    ASSERT_TRUE(begun.is_object());
    EXPECT_EQ(begun["items"].size(), 111U);
}

TEST(LspCompletion, ADetailIsCutBetweenCharacters) {
    // 40 `é`s after the quote: byte 60 is the second byte of one; the cut is before it
    std::string accents;
    for (int i = 0; i < 40; ++i) accents += "\xC3\xA9";
    const auto [text, at] = cursor(kBase + "let long_text = \"" + accents + "\"\nlet x = |");
    std::string detail;
    for (const auto& i : server::lsp::completion(text, at))
        if (i["label"] == "long_text") detail = i["detail"];
    EXPECT_EQ(detail, "definition \xE2\x80\x94 \"" + accents.substr(0, 58) + "...");
}

TEST(LspCompletion, ALineOfManyDeclarationsIsReadOnce) {
    // 100,000 declarations and texts on one line (about 2.5 MB): read token by token, not once
    // per declaration to the line's end, this answers at once; read so, it would not finish.
    std::string line;
    for (int i = 0; i < 100000; ++i) line += "fact f" + std::to_string(i) + ": bool \"t\" ";
    const auto [text, at] = cursor(kBase + line + "\nrule r\n  split |");
    EXPECT_EQ(labels(server::lsp::completion(text, at)), kPaying);
}

TEST(LspCompletion, A4MiBDocumentOfSymbolsIsReadInBoundedMemory) {
    // Each token held costs about 48 bytes: scanned whole, 4 MiB of symbols would hold 4
    // million of them (some 200 MB) on every request. Completion holds the tokens of the
    // cursor's declaration up to 64 KiB before it, and reads the rest a line or part at a time.
    const std::string symbols(std::size_t{4} << 20, '(');
    std::string lines;
    while (lines.size() < (std::size_t{4} << 20)) lines += ",\n";
    const std::pair<std::string, Labels> cases[] = {
        {kBase + "rule r\n  when " + symbols + "\n  split |", {"health", "social_care", "responsible_icb"}},
        {kBase + "rule r\n  when " + symbols + "|", {}},
        {kBase + "rule r\n  split health 50%" + lines + "|", {}},
        {kBase + "rule r\n  when |" + symbols, {}},
        {kBase + symbols + lines + "rule r\n  split |", {"health", "social_care", "responsible_icb"}},
    };
    for (const auto& [marked, expected] : cases) {
        const auto [text, at] = cursor(marked);
        server::lsp::reset_most_tokens_held();
        const json items = server::lsp::completion(text, at);
        EXPECT_LT(server::lsp::most_tokens_held(), 70000U);
        if (!expected.empty()) {
            EXPECT_EQ(labels(items), expected);
        }
    }
    // a declaration longer than that still has its keyword: a rule's clauses after its split
    std::string conditions;
    while (conditions.size() < 100000) conditions += "    and has_ehcp\n";
    const auto [text, at] = cursor(kBase + "rule r\n  when has_ehcp\n" + conditions + "  split health 100%\n  |");
    EXPECT_EQ(labels(server::lsp::completion(text, at)), (Labels{"odd penny to", "cap", "regardless of cost", "because"}));
}

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<fs::path> policy_files() {
    std::vector<fs::path> out;
    for (const auto* dir : {"/tests/golden/parse", "/policies"})
        for (const auto& e : fs::recursive_directory_iterator(std::string(JOINTLY_SOURCE_DIR) + dir))
            if (e.path().extension() == ".jf") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

TEST(LspCompletion, AnswersEverywhereInEveryGoldenPolicy) {
    // Valid and broken policies alike: an array at every position, each edit on the cursor's
    // line and around it.
    std::size_t asked = 0;
    for (const auto& path : policy_files()) {
        const std::string text = slurp(path);
        Position at;
        for (std::size_t i = 0; i <= text.size(); i += 3) {
            for (std::size_t j = i >= 3 ? i - 3 : 0; j < i; ++j) {
                const auto c = static_cast<unsigned char>(text[j]);
                if (c == '\n') at = {at.line + 1, 0};
                else if ((c & 0xC0U) != 0x80U) at.character += c >= 0xF0U ? 2U : 1U;
            }
            const json items = server::lsp::completion(text, at);
            ++asked;
            ASSERT_TRUE(items.is_array()) << path;
            for (const auto& item : items) {
                const json& range = item["textEdit"]["range"];
                ASSERT_EQ(range["start"]["line"], at.line) << path << " " << item.dump();
                ASSERT_EQ(range["end"]["line"], at.line) << path << " " << item.dump();
                ASSERT_LE(range["start"]["character"].get<std::uint32_t>(), at.character) << path;
                ASSERT_GE(range["end"]["character"].get<std::uint32_t>(), at.character) << path;
            }
        }
    }
    EXPECT_GT(asked, 10000U);
}

TEST(LspScan, FindsTheDeclarationsTheParserFinds) {
    // On every policy that parses, the tolerant scan finds the same names of the same kinds as
    // the index built from the parsed module.
    using server::lsp::DeclKind;
    std::size_t policies = 0;
    for (const auto& path : policy_files()) {
        const std::string text = slurp(path);
        const auto parsed = dsl::parse(text, path.string());
        if (!parsed.module) continue;
        ++policies;
        std::set<std::pair<std::string, std::string>> indexed;
        std::set<std::string> names;
        for (const auto& d : server::lsp::build_index(*parsed.module).declarations)
            if (d.kind != DeclKind::Policy && d.kind != DeclKind::Outcome && names.insert(d.name).second)
                indexed.emplace(server::lsp::kind_name(d.kind), d.name);
        std::set<std::pair<std::string, std::string>> scanned;
        for (const auto& d : server::lsp::scan_declarations(text))
            scanned.emplace(server::lsp::kind_name(d.kind), d.name);
        EXPECT_EQ(scanned, indexed) << path;
    }
    EXPECT_GT(policies, 50U);
}

}  // namespace
}  // namespace jointly::testing
