// Checker tests. Policy text, parsed then checked: each case names the code it must
// produce (and, where it matters, the exact message and help). Hand-built modules cover
// what the parser stops first. Goldens: tests/golden/check (one TEST_P over the folder).
#include "jointly/dsl/check.hpp"
#include "jointly/engine/program.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "jointly/dsl/parse.hpp"

namespace jointly::dsl {
namespace {

// What the semantic pass finds in a module (the program it builds is not needed here).
Diagnostics check(const Module& module, const Limits& limits = {}) {
    return engine::check(module, {}, limits).diagnostics;
}

namespace fs = std::filesystem;

// Header and declarations shared by the text cases; a case adds rules after them.
const std::string kHead = R"(policy demo "Demo"
  version "1"
  effective 2025-04-01 to 2026-03-31
  agreed by health, social_care
agency health "NHS"
agency social_care "Social care"
agency education "SEND"
scale need: none < low < moderate < high < severe < priority
scale band: minor < major
fact dst: map of need
fact has_ehcp: bool default false
fact budget: money
fact school: text
fact points: whole
event surgery
eligible continuing_care when count(dst, priority) >= 1 because "one priority need"
table bands
  from 0 to 69 gives £0
  from 70 gives £500
)";

std::string dump(const Diagnostics& ds) {
    std::string out;
    for (const Diagnostic& d : ds) out += std::string(code_text(d.code)) + " " + d.message + " | " + d.help + "\n";
    return out;
}

// Parse errors are returned too, so a case that does not parse fails visibly.
Diagnostics check_text(const std::string& text) {
    ParseResult parsed = parse(text, "case.jf");
    if (!parsed.module) return parsed.diagnostics;
    return check(*parsed.module);
}

struct TextCase {
    const char* name;
    std::string body;  // appended to kHead
    const char* code;
    const char* message = "";
    const char* help = "";
};

void PrintTo(const TextCase& c, std::ostream* os) { *os << c.name; }

class CheckText : public ::testing::TestWithParam<TextCase> {};

TEST_P(CheckText, ReportsTheCode) {
    const TextCase& c = GetParam();
    const Diagnostics ds = check_text(kHead + c.body);
    const bool found = std::any_of(ds.begin(), ds.end(), [&](const Diagnostic& d) {
        return code_text(d.code) == c.code && (*c.message == '\0' || d.message == c.message) &&
               (*c.help == '\0' || d.help == c.help);
    });
    EXPECT_TRUE(found) << "want " << c.code << " " << c.message << "\n" << dump(ds);
    for (const Diagnostic& d : ds) EXPECT_NE(code_text(d.code).substr(0, 2), "E1") << dump(ds);
}

const char* const kSplit = "  split social_care 100%\n";

INSTANTIATE_TEST_SUITE_P(
    Check, CheckText,
    ::testing::Values(
        TextCase{"unknown_agency", "rule r\n  when service is x\n  split heath 50%, social_care 50%\n",
                 "E2003", "unknown agency `heath`", "did you mean `health`?"},
        TextCase{"unknown_agency_no_suggestion", "rule r\n  split police 100%\n", "E2003",
                 "unknown agency `police`", "declare it, e.g. `agency police \"Display name\"`"},
        TextCase{"duplicate_agency", "agency health \"again\"\nrule r\n" + std::string(kSplit), "E2001",
                 "agency `health` is declared twice", "the first declaration is on line 5; remove one or rename it"},
        TextCase{"duplicate_event", "event surgery\nrule r\n" + std::string(kSplit), "E2001",
                 "event `surgery` is declared twice"},
        TextCase{"duplicate_let", "let a = 1\nlet a = 2\nrule r\n  when a > 0\n" + std::string(kSplit), "E2001",
                 "definition (`let`) `a` is declared twice"},
        TextCase{"duplicate_threshold", "eligible continuing_care when has_ehcp because \"x\"\nrule r\n" +
                                            std::string(kSplit), "E2001",
                 "eligibility threshold `continuing_care` is declared twice"},
        TextCase{"duplicate_table", "table bands\n  from 0 gives 1\nrule r\n" + std::string(kSplit), "E2001",
                 "table `bands` is declared twice"},
        TextCase{"duplicate_pool", "pool p \"P\"\n  contribution health £1\npool p \"Q\"\n  contribution health £1\n"
                                       "rule r\n" + std::string(kSplit), "E2001", "pool `p` is declared twice"},
        TextCase{"name_two_kinds", "event has_ehcp\nrule r\n" + std::string(kSplit), "E2002",
                 "`has_ehcp` is declared as a fact and as an event"},
        TextCase{"duplicate_level", "scale grade: a < b < a\nrule r\n" + std::string(kSplit), "E2004"},
        TextCase{"unknown_name", "rule r\n  when service is x and has_ehc\n" + std::string(kSplit), "E2005",
                 "unknown name `has_ehc`", "did you mean `has_ehcp`?"},
        TextCase{"unknown_name_service_hint", "rule r\n  when respite\n" + std::string(kSplit), "E2005",
                 "unknown name `respite`", "if `respite` is a service, compare it: `service is respite`"},
        TextCase{"unknown_event", "rule r\n  within 6 weeks after surgry\n" + std::string(kSplit), "E2006",
                 "unknown event `surgry`", "did you mean `surgery`?"},
        TextCase{"within_a_date_fact", "fact date_of_birth: date\nrule r\n  within 6 weeks after date_of_birth\n" +
                                           std::string(kSplit), "E2006",
                 "`date_of_birth` is a date fact, not an event: `within` counts from an event",
                 "a window over a date is written with `from` and `until`, which take a date, a date fact or a "
                 "`let`: `let window_end = date_of_birth + 6 weeks` and `from date_of_birth until window_end`"},
        TextCase{"within_before_a_let", "let start = 2025-06-01\nrule r\n  within 1 day before start\n" +
                                            std::string(kSplit), "E2006",
                 "`start` is a definition (`let`), not an event: `within` counts from an event",
                 "a window over a date is written with `from` and `until`, which take a date, a date fact or a "
                 "`let`: `let window_start = start - 1 day` and `from window_start until start`"},
        TextCase{"within_a_threshold", "rule r\n  within 6 weeks after continuing_care\n" + std::string(kSplit),
                 "E2006", "`continuing_care` is an eligibility threshold, not an event: `within` counts from an event"},
        TextCase{"bound_a_table", "rule r\n  from bands\n" + std::string(kSplit), "E2233",
                 "`bands` is a table, not a date: a window starts and ends on a day"},
        TextCase{"unknown_table", "rule r\n  when lookup(band_s, points) > £0\n" + std::string(kSplit),
                 "E2007", "unknown table `band_s`", "did you mean `bands`?"},
        TextCase{"unknown_scale", "fact risk_level: bnd\nrule r\n" + std::string(kSplit), "E2008",
                 "unknown scale `bnd`", "did you mean `band`?"},
        TextCase{"unknown_level", "rule r\n  when count(dst, sever) > 1\n" + std::string(kSplit), "E2009",
                 "`sever` is not a level of `need`", "did you mean `severe`?"},
        TextCase{"unknown_rule", "rule r\n  exception to q\n" + std::string(kSplit), "E2010", "unknown rule `q`"},
        TextCase{"unknown_function", "rule r\n  when coutn(dst, high) > 1\n" + std::string(kSplit), "E2011",
                 "unknown function `coutn`", "did you mean `count`?"},
        TextCase{"count_arity", "rule r\n  when count(dst) > 1\n" + std::string(kSplit), "E2012"},
        TextCase{"total_of_a_number", "refer to \"D\" when total(3) > £1\nrule r\n" + std::string(kSplit), "E2012"},
        TextCase{"birthday_fraction", "fact born: date\nlet adult = birthday(born, 17.5)\nrule r\n  from adult\n" +
                                          std::string(kSplit), "E2012",
                 "`birthday` takes a whole number of years written out, like `18`, as its second argument"},
        TextCase{"birthday_of_a_number", "let adult = birthday(3, 18)\nrule r\n  from adult\n" + std::string(kSplit),
                 "E2012", "`birthday` takes a date first, but this is `whole`"},
        TextCase{"birthday_arity", "fact born: date\nlet adult = birthday(born)\nrule r\n  from adult\n" +
                                       std::string(kSplit), "E2012"},
        TextCase{"reserved_total", "fact total: money\nrule r\n" + std::string(kSplit), "E2013",
                 "`total` is a builtin name and cannot be declared"},
        TextCase{"let_cycle", "let a = b\nlet b = a\nrule r\n  when a\n" + std::string(kSplit), "E2014",
                 "`a` is defined in terms of itself"},
        TextCase{"threshold_cycle", "eligible a when b because \"x\"\neligible b when a because \"y\"\nrule r\n" +
                                        std::string(kSplit), "E2014"},
        TextCase{"agency_as_value", "rule r\n  when health\n" + std::string(kSplit), "E2015",
                 "`health` is an agency, not a value"},
        TextCase{"name_in_default", "fact nights: whole default points\nrule r\n" + std::string(kSplit), "E2015"},
        TextCase{"money_vs_date", "rule r\n  when budget < 2025-01-01\n" + std::string(kSplit), "E2101",
                 "cannot compare `money` with `date`"},
        TextCase{"money_vs_number", "refer to \"D\" when total > 250000\nrule r\n" + std::string(kSplit), "E2101",
                 "cannot compare `money` with `whole`", "write an amount of money with `£`, e.g. `£250,000`"},
        TextCase{"map_compared", "rule r\n  when dst = 1\n" + std::string(kSplit), "E2101",
                 "cannot compare `map of need` with `whole`", "count the map's levels: `count(dst, severe) >= 1`"},
        TextCase{"wrong_scale_count", "rule r\n  when count(dst, major) > 1\n" + std::string(kSplit), "E2102",
                 "`major` is a level of `band`, not of `need`"},
        TextCase{"wrong_scale_facts", "fact a: need\nfact b: band\nrule r\n  when a = b\n" + std::string(kSplit),
                 "E2102", "cannot compare a level of `need` with a level of `band`"},
        TextCase{"and_on_money", "rule r\n  when has_ehcp and budget\n" + std::string(kSplit), "E2103",
                 "`and` needs true/false on both sides, but the right side is `money`"},
        TextCase{"not_on_text", "rule r\n  when not school\n" + std::string(kSplit), "E2103"},
        TextCase{"arithmetic_on_text", "rule r\n  when school + 1 > 2\n" + std::string(kSplit), "E2104",
                 "cannot apply `+` to `text` and `whole`"},
        TextCase{"date_plus_a_plain_number", "fact date_of_birth: date\nrule r\n  when as_of >= date_of_birth + 18\n" +
                                                 std::string(kSplit), "E2119",
                 "`18` is a plain number: a date moves only by a length of time",
                 "write the unit: `date_of_birth + 18 years` (or `days`, `weeks`, `months`)"},
        TextCase{"plain_number_minus_from_a_date", "rule r\n  when as_of - points > 2025-04-01\n" + std::string(kSplit),
                 "E2119", "`points` is a plain number: a date moves only by a length of time",
                 "e.g. `date_of_birth + 25 years`, `as_of - 6 weeks`"},
        TextCase{"plain_number_plus_a_date", "rule r\n  when 2 + as_of > 2025-04-01\n" + std::string(kSplit),
                 "E2119", "`2` is a plain number: a date moves only by a length of time",
                 "write the unit: `as_of + 2 years` (or `days`, `weeks`, `months`)"},
        TextCase{"money_times_money", "rule r\n  when budget * budget > £1\n" + std::string(kSplit), "E2104"},
        TextCase{"count_not_map", "rule r\n  when count(has_ehcp, high) > 1\n" + std::string(kSplit), "E2105"},
        TextCase{"lookup_not_table", "rule r\n  when lookup(points, 1) > £0\n" + std::string(kSplit), "E2106",
                 "`lookup` needs a table, but `points` is a fact"},
        TextCase{"condition_money", "rule r\n  when budget\n" + std::string(kSplit), "E2107",
                 "the condition of rule `r` is `money`, not true/false"},
        TextCase{"threshold_not_bool", "eligible e when points because \"x\"\nrule r\n" + std::string(kSplit), "E2107"},
        TextCase{"bad_default", "fact flag: bool default 0\nrule r\n  when flag\n" + std::string(kSplit), "E2108",
                 "the default of `flag` is `whole`, but the fact is `bool`"},
        TextCase{"level_default_wrong_scale", "fact lvl: need default major\nrule r\n  when lvl > low\n" +
                                                  std::string(kSplit), "E2102"},
        TextCase{"service_in_threshold", "eligible e when service is x because \"x\"\nrule r\n" + std::string(kSplit),
                 "E2109", "`service` is only known inside a rule"},
        TextCase{"service_via_let_in_decline", "let pc = service is x\ndecline when pc because \"x\"\nrule r\n" +
                                                   std::string(kSplit), "E2109",
                 "`pc` uses `service`, which is only known inside a rule"},
        TextCase{"total_in_rule", "rule r\n  when total > £5\n" + std::string(kSplit), "E2110"},
        TextCase{"funders_in_threshold", "eligible e when funders() > 1 because \"x\"\nrule r\n" + std::string(kSplit),
                 "E2110"},
        TextCase{"total_via_let_in_rule", "let big = total > £5\nrule r\n  when big\n" + std::string(kSplit), "E2110"},
        TextCase{"yearly_total_in_rule", "rule r\n  when yearly total > £5\n" + std::string(kSplit), "E2110",
                 "`yearly total` is only known in `decline` and `refer` rules"},
        TextCase{"yearly_total_in_threshold", "eligible big when yearly total(health) > £5 because \"x\"\nrule r\n" +
                                                  std::string(kSplit), "E2110"},
        TextCase{"yearly_total_of_two", "refer to \"D\" when yearly total(health, education) > £1\nrule r\n" +
                                            std::string(kSplit), "E2012",
                 "`yearly total` takes at most one agency, e.g. `yearly total(health)`"},
        TextCase{"yearly_total_of_a_number", "refer to \"D\" when yearly total(3) > £1\nrule r\n" + std::string(kSplit),
                 "E2012"},
        TextCase{"yearly_total_unknown_agency", "refer to \"D\" when yearly total(heath) > £1\nrule r\n" +
                                                    std::string(kSplit), "E2003", "unknown agency `heath`",
                 "did you mean `health`?"},
        TextCase{"yearly_total_is_money", "refer to \"D\" when yearly total > 5\nrule r\n" + std::string(kSplit),
                 "E2101", "cannot compare `money` with `whole`"},
        TextCase{"age_without_dob", "rule r\n  when age < 18\n" + std::string(kSplit), "E2111",
                 "`age` needs a `date_of_birth: date` fact", "declare `fact date_of_birth: date`"},
        TextCase{"age_with_text_dob", "fact date_of_birth: text\nrule r\n  when age < 18\n" + std::string(kSplit),
                 "E2111", "", "`date_of_birth` must be a fact of type `date`"},
        TextCase{"order_text", "rule r\n  when school < \"m\"\n" + std::string(kSplit), "E2112"},
        TextCase{"order_service", "rule r\n  when service > x\n" + std::string(kSplit), "E2112"},
        TextCase{"membership_type", "rule r\n  when school in [1, 2]\n" + std::string(kSplit), "E2113"},
        TextCase{"membership_not_list", "rule r\n  when school in points\n" + std::string(kSplit), "E2113"},
        TextCase{"lookup_key_decimal", "fact ratio: decimal\nrule r\n  when lookup(bands, ratio) > £0\n" +
                                           std::string(kSplit), "E2114"},
        TextCase{"division_by_zero", "rule r\n  when budget / 0 > £1\n" + std::string(kSplit), "E2115"},
        TextCase{"thirds_as_percent", "rule r\n  split health 33.33%, social_care 33.33%, education 33.33%\n",
                 "E2201", "the shares of rule `r` total 99.99%, not 100%",
                 "the shares are 0.01% short of 100%; write thirds as fractions (`1/3` is exact, `33.33%` is not)"},
        TextCase{"split_over", "rule r\n  split health 60%, social_care 50%\n", "E2201",
                 "the shares of rule `r` total 110%, not 100%", "the shares are 10% over 100%"},
        TextCase{"fractions_short", "rule r\n  split health 1/2, social_care 1/3\n", "E2201",
                 "the shares of rule `r` total about 83.33%, not 100%", "the shares are about 16.67% short of 100%"},
        TextCase{"quarter_short", "rule r\n  split health 1/3, social_care 1/3, education 1/4\n", "E2201",
                 "the shares of rule `r` total about 91.67%, not 100%", "the shares are about 8.33% short of 100%"},
        TextCase{"thirds_mixed_over", "rule r\n  split health 1/3, social_care 1/3, education 33.34%\n", "E2201",
                 "the shares of rule `r` total about 100.0067%, not 100%",
                 "the shares are about 0.0067% over 100%; write thirds as fractions (`1/3` is exact, `33.33%` is not)"},
        TextCase{"eighths_exact", "rule r\n  split health 1/8, social_care 80%\n", "E2201",
                 "the shares of rule `r` total 92.5%, not 100%", "the shares are 7.5% short of 100%"},
        TextCase{"split_duplicate", "rule r\n  split health 50%, health 50%\n", "E2203"},
        TextCase{"share_zero", "rule r\n  split health 0%, social_care 100%\n", "E2204"},
        TextCase{"cap_not_in_split", "rule r\n" + std::string(kSplit) + "  cap health at £5 per week, excess to social_care\n",
                 "E2206", "`health` is capped but has no share in the split"},
        TextCase{"excess_to_self", "rule r\n  split health 50%, social_care 50%\n  cap health at £5 per week, excess to health\n",
                 "E2207"},
        TextCase{"odd_penny", "rule r\n  split health 50%, social_care 50%\n  odd penny to education\n", "E2208"},
        TextCase{"regardless_with_cap", "rule r\n  split health 50%, social_care 50%\n"
                                        "  cap health at £5 per week, excess to panel\n  regardless of cost\n",
                 "E2209"},
        TextCase{"pay_short_split", "rule r\n  pay health £254.06 per week\n  split social_care 60%\n", "E2210",
                 "the split beside `pay health` totals 60%, not 100%"},
        TextCase{"cap_twice", "rule r\n  split health 50%, social_care 50%\n  cap health at £5 per week, excess to panel\n"
                              "  cap health at £6 per line, excess to panel\n", "E2211"},
        TextCase{"pay_zero", "rule r\n  pay health £0 per week\n" + std::string(kSplit), "E2212"},
        TextCase{"excess_cycle", "rule r\n  split health 50%, social_care 50%\n"
                                 "  cap health at £5 per week, excess to social_care\n"
                                 "  cap social_care at £5 per week, excess to health\n", "E2213",
                 "the caps pass their excess round in a circle: `health` -> `social_care` -> `health`"},
        TextCase{"exception_to_self", "rule r\n  exception to r\n" + std::string(kSplit), "E2220"},
        TextCase{"exception_to_self_in_a_list", "rule q\n" + std::string(kSplit) + "rule r\n  exception to q, r\n" +
                                                    std::string(kSplit), "E2220",
                 "rule `r` is an exception to itself"},
        TextCase{"exception_to_unknown_in_a_list", "rule q\n" + std::string(kSplit) + "rule r\n  exception to q, qq\n" +
                                                       std::string(kSplit), "E2010", "unknown rule `qq`"},
        TextCase{"exception_to_twice", "rule q\n" + std::string(kSplit) + "rule r\n  exception to q, q\n" +
                                           std::string(kSplit), "E2222",
                 "rule `r` names `q` twice in `exception to`", "name each rule it overrides once"},
        TextCase{"exception_cycle_through_a_second_parent",
                 "rule a\n  exception to c\n" + std::string(kSplit) + "rule b\n  exception to x, a\n" +
                     std::string(kSplit) + "rule c\n  exception to b\n" + std::string(kSplit) + "rule x\n" +
                     std::string(kSplit),
                 "E2221", "exceptions form a cycle: `a` -> `c` -> `b` -> `a`"},
        TextCase{"cap_amount_a_number", "rule r\n  split health 100%\n  cap health at 1500 per week, excess to panel\n",
                 "E2214", "the cap on `health` is `whole`, not money",
                 "write an amount of money with `£`, e.g. `£1,500`"},
        TextCase{"pay_amount_a_bool", "rule r\n  pay health has_ehcp per week\n" + std::string(kSplit), "E2214",
                 "the fixed amount paid by `health` is `bool`, not money"},
        TextCase{"cap_amount_unknown_name", "rule r\n  split health 100%\n  cap health at budgte per line, excess to panel\n",
                 "E2005", "unknown name `budgte`", "did you mean `budget`?"},
        TextCase{"cap_amount_by_total", "rule s\n  split health 100%\n  cap health at total per week, excess to panel\n",
                 "E2215", "the cap on `health` depends on a package total"},
        TextCase{"pay_amount_by_age", "fact date_of_birth: date\nlet rate = £10 * age\nrule r\n  pay health rate per week\n" +
                                          std::string(kSplit), "E2215",
                 "the fixed amount paid by `health` depends on `age`"},
        TextCase{"pay_amount_by_service", "let rate = £10\nrule r\n  pay health rate * (service is x) per week\n" +
                                              std::string(kSplit), "E2104"},
        TextCase{"pool_contributor_outside_the_agreement",
                 "pool p \"P\"\n  host social_care\n  contribution social_care £100\n  contribution education £50\n"
                 "  overspend shared in proportion to contributions\n"
                 "  underspend returned in proportion to contributions\n",
                 "W2007",
                 "`education` contributes to pool `p` but is not a party to the agreement (`agreed by`), and its "
                 "contribution does not say whether it shares an overspend",
                 "write `sharing overspend` or `not sharing overspend` after its amount"},
        TextCase{"pool_nobody_gets_underspend",
                 "pool p \"P\"\n  host social_care\n  contribution social_care £100 not sharing underspend\n"
                 "  contribution health £50 not sharing underspend\n"
                 "  overspend shared in proportion to contributions\n"
                 "  underspend returned in proportion to contributions\n",
                 "E2276", "no partner of pool `p` gets a share of an underspend"},
        TextCase{"window_until_same_day", "rule r\n  from 2025-06-01 until 2025-06-01\n" + std::string(kSplit), "E2230",
                 "a window from 2025-06-01 until 2025-06-01 covers no days"},
        TextCase{"window_until_reversed", "rule r\n  from 2025-06-02 until 2025-06-01\n" + std::string(kSplit), "E2231"},
        TextCase{"exception_cycle", "rule a\n  exception to b\n" + std::string(kSplit) + "rule b\n  exception to c\n" +
                                        kSplit + "rule c\n  exception to a\n" + kSplit, "E2221",
                 "exceptions form a cycle: `a` -> `b` -> `c` -> `a`"},
        TextCase{"window_zero", "rule r\n  within 0 days after surgery\n" + std::string(kSplit), "E2230"},
        TextCase{"window_reversed", "rule r\n  from 2025-09-01 to 2025-06-01\n" + std::string(kSplit), "E2231",
                 "the window starts on 2025-09-01, after it ends on 2025-06-01"},
        TextCase{"window_event_unknown", "rule r\n  from surgry to 2025-06-01\n" + std::string(kSplit), "E2006"},
        TextCase{"table_reversed", "table t\n  from 9 to 5 gives 1\nrule r\n  when lookup(t, points) > 0\n" +
                                       std::string(kSplit), "E2240"},
        TextCase{"table_overlap", "table t\n  from 0 to 70 gives 1\n  from 70 gives 2\nrule r\n  when lookup(t, points) > 0\n" +
                                      std::string(kSplit), "E2241", "rows `from 0 to 70` and `from 70` of `t` overlap: both cover 70"},
        TextCase{"table_gap", "table t\n  from 0 to 69 gives 1\n  from 71 gives 2\nrule r\n  when lookup(t, points) > 0\n" +
                                  std::string(kSplit), "E2242", "no row of `t` covers 70"},
        TextCase{"table_mixed", "table t\n  from 0 to 69 gives £1\n  from 70 gives 2\nrule r\n  when lookup(t, points) > £0\n" +
                                    std::string(kSplit), "E2243"},
        TextCase{"decline_without_reason", "rule r\n" + std::string(kSplit) + "decline when has_ehcp because \"  \"\n", "E2250"},
        TextCase{"refer_without_authority", "rule r\n" + std::string(kSplit) + "refer to \"\" when has_ehcp\n", "E2251"},
        TextCase{"unknown_placeholder", "rule r\n" + std::string(kSplit) + "  because \"after {surgry}\"\n", "E2280",
                 "unknown placeholder `{surgry}` in the reason of rule `r`", "did you mean `surgery`?"},
        TextCase{"level_placeholder", "rule r\n" + std::string(kSplit) + "  because \"{high}\"\n", "E2280"},
        TextCase{"unclosed_placeholder", "rule r\n" + std::string(kSplit) + "  because \"after {surgery\"\n", "E2281"},
        TextCase{"never_service", "rule r\n  when service is a and service is b\n" + std::string(kSplit), "W2001",
                 "rule `r` can never apply: its condition is always false",
                 "`service` cannot be both `a` and `b`; a line has one service: for either, write `service in [a, b]`"},
        TextCase{"never_false", "rule r\n  when false\n" + std::string(kSplit), "W2001"},
        TextCase{"never_constant", "rule r\n  when 1 > 2\n" + std::string(kSplit), "W2001"},
        TextCase{"never_bounds", "rule r\n  when points < 5 and points > 10\n" + std::string(kSplit), "W2001",
                 "", "no value of `points` meets all of its bounds"},
        // No whole number is above 5 and below 6; a decimal can be.
        TextCase{"never_between_whole_numbers", "rule r\n  when points > 5 and points < 6\n" + std::string(kSplit),
                 "W2001", "", "no value of `points` meets all of its bounds"},
        TextCase{"overlap_between_decimals", "fact ratio: decimal\nrule a\n  when service is x and ratio > 5\n" +
                                                 std::string(kSplit) + "rule b\n  when service is x and ratio < 6\n" +
                                                 kSplit, "W2002"},
        TextCase{"never_levels", "fact lvl: need\nrule r\n  when lvl < high and lvl >= severe\n" + std::string(kSplit),
                 "W2001"},
        TextCase{"never_in_and_is", "rule r\n  when service in [a, b] and service is c\n" + std::string(kSplit), "W2001"},
        TextCase{"never_every_branch", "rule r\n  when (has_ehcp or continuing_care) and not has_ehcp and not continuing_care\n" +
                                           std::string(kSplit), "W2001"},
        TextCase{"overlap_same_service", "rule a\n  when service is x\n" + std::string(kSplit) +
                                             "rule b\n  when service is x and has_ehcp\n" + kSplit, "W2002",
                 "rules `a` and `b` can both apply to a `x` line, and neither is an exception to the other"},
        TextCase{"overlap_catch_all", "rule a\n  when service is x\n" + std::string(kSplit) + "rule b\n" + kSplit,
                 "W2002", "rules `a` and `b` can both apply to the same line, and neither is an exception to the other"},
        TextCase{"overlap_siblings", "rule base\n  when service is x\n" + std::string(kSplit) +
                                         "rule a\n  exception to base\n  when service is x and has_ehcp\n" + kSplit +
                                         "rule b\n  exception to base\n  when service is x and continuing_care\n" + kSplit,
                 "W2002", "rules `a` and `b` can both apply to a `x` line, and neither is an exception to the other"},
        TextCase{"overlap_windows_after_after", "rule a\n  when service is x\n  within 2 weeks after surgery\n" +
                                                    std::string(kSplit) + "rule b\n  when service is x\n"
                                                    "  within 10 days after surgery\n" + kSplit, "W2002"},
        // After one review and before the next: the windows of a repeating event can meet.
        TextCase{"overlap_windows_repeating_event", "event review repeats\nrule a\n  when service is x\n"
                                                        "  within 6 weeks after review\n" + std::string(kSplit) +
                                                        "rule b\n  when service is x\n  within 1 week before review\n" +
                                                        kSplit, "W2002",
                 "rules `a` and `b` can both apply to a `x` line, and neither is an exception to the other"},
        TextCase{"agency_unused", "agency police \"Police\"\nrule r\n  split health 50%, social_care 25%, education 25%\n",
                 "W2003", "agency `police` pays for nothing: no rule or pool names it"},
        TextCase{"overlap_names_the_shared_day",
                 "rule a\n  when service is additional_support\n  from 2025-04-01 to 2026-04-01\n  split health 100%\n"
                 "rule b\n  when service is additional_support\n  from 2026-04-01\n  split social_care 100%\n",
                 "W2002",
                 "rules `a` and `b` can both apply to an `additional_support` line on 2026-04-01, and neither is an "
                 "exception to the other",
                 "a line they both match is referred to the panel as a conflict; make one an `exception to` the "
                 "other, or make their conditions exclusive; `to` and `through` include their own day, `until` and "
                 "`before` leave it out"},
        TextCase{"overlap_names_the_shared_named_days",
                 "fact start_date: date\nlet switch = start_date + 6 months\n"
                 "rule a\n  when service is y\n  on or before switch\n  split health 100%\n"
                 "rule b\n  when service is y\n  from start_date\n  split social_care 100%\n",
                 "W2002",
                 "rules `a` and `b` can both apply to a `y` line from `start_date` to `switch`, and neither is an "
                 "exception to the other"},
        TextCase{"overlap_within_and_from_the_event",
                 "rule a\n  when service is y\n  within 6 weeks after surgery\n  split health 100%\n"
                 "rule b\n  when service is y\n  from surgery\n  split social_care 100%\n",
                 "W2002",
                 "rules `a` and `b` can both apply to a `y` line from `surgery` to 41 days after `surgery`, and "
                 "neither is an exception to the other"},
        // A comparison of two names is one subject, the pair: `points < limit` and `points >=
        // limit` leave no value, and the help names both sides.
        TextCase{"never_named_bound", "fact limit: whole\nrule r\n  when points < limit and limit <= points\n" +
                                          std::string(kSplit), "W2001",
                 "rule `r` can never apply: its condition is always false",
                 "the comparisons of `limit` with `points` cannot all hold"},
        TextCase{"never_named_equal", "fact other: text\nrule r\n  when school is other and not (other = school)\n" +
                                          std::string(kSplit), "W2001", "",
                 "the comparisons of `other` with `school` cannot all hold"},
        // A definition written as a constant is that constant.
        TextCase{"never_named_constant", "let limit = 18\nrule r\n  when points >= limit and points < 18\n" +
                                             std::string(kSplit), "W2001", "", "no value of `points` meets all of its bounds"},
        // Different named bounds prove nothing unless they are constants: each pair may overlap.
        TextCase{"overlap_different_named_bounds",
                 "fact lower: whole\nfact upper: whole\n"
                 "rule a\n  when service is y and points < lower\n  split health 100%\n"
                 "rule b\n  when service is y and points >= upper\n  split social_care 100%\n",
                 "W2002", "rules `a` and `b` can both apply to a `y` line, and neither is an exception to the other"},
        TextCase{"overlap_named_bound_of_another_fact",
                 "fact limit: whole\nfact score: whole\n"
                 "rule a\n  when service is y and points < limit\n  split health 100%\n"
                 "rule b\n  when service is y and score >= limit\n  split social_care 100%\n",
                 "W2002", "rules `a` and `b` can both apply to a `y` line, and neither is an exception to the other"},
        TextCase{"overlap_different_named_constants",
                 "let lower = 18\nlet upper = 16\n"
                 "rule a\n  when service is y and points < lower\n  split health 100%\n"
                 "rule b\n  when service is y and points >= upper\n  split social_care 100%\n",
                 "W2002", "rules `a` and `b` can both apply to a `y` line, and neither is an exception to the other"},
        TextCase{"overlap_windows_on_different_events",
                 "event review\n"
                 "rule a\n  when service is y\n  before surgery\n  split health 100%\n"
                 "rule b\n  when service is y\n  from review\n  split social_care 100%\n",
                 "W2002",
                 "rules `a` and `b` can both apply to a `y` line from `review` to the day before `surgery`, and "
                 "neither is an exception to the other"},
        TextCase{"overlap_windows_on_a_day_moved_by_months",
                 "fact start_date: date\nlet switch = start_date + 6 months\nlet day_before = start_date + 182 days\n"
                 "rule a\n  when service is y\n  on or before day_before\n  split health 100%\n"
                 "rule b\n  when service is y\n  from switch\n  split social_care 100%\n",
                 "W2002",
                 "rules `a` and `b` can both apply to a `y` line from `switch` to 182 days after `start_date`, and "
                 "neither is an exception to the other"},
        TextCase{"overlap_names_a_defined_date",
                 "let cutover = 2025-10-01\n"
                 "rule a\n  when service is y\n  on or before cutover\n  split health 100%\n"
                 "rule b\n  when service is y\n  from 2025-10-01\n  split social_care 100%\n",
                 "W2002",
                 "rules `a` and `b` can both apply to a `y` line on 2025-10-01, and neither is an exception to the other"},
        TextCase{"fact_unused", "fact nights: whole\nrule r\n" + std::string(kSplit), "W2004",
                 "fact `nights` is never used"}),
    [](const ::testing::TestParamInfo<TextCase>& p) { return std::string(p.param.name); });

// Suspicious-looking but fine: nothing may be reported beyond the notes and warnings that
// kHead itself earns (unused agencies and facts), which `base` lists.
struct CleanCase {
    const char* name;
    std::string body;
};

void PrintTo(const CleanCase& c, std::ostream* os) { *os << c.name; }

class CheckClean : public ::testing::TestWithParam<CleanCase> {};

TEST_P(CheckClean, AddsNothingToTheBase) {
    const std::string uses = "rule uses\n  when service is base_line and has_ehcp and budget > £0 and school is \"s\""
                             " and points > 1 and lookup(bands, points) > £0 and continuing_care\n"
                             "  within 6 weeks after surgery\n  split health 1/3, social_care 1/3, education 1/3\n";
    const Diagnostics ds = check_text(kHead + uses + GetParam().body);
    EXPECT_TRUE(ds.empty()) << dump(ds);
}

INSTANTIATE_TEST_SUITE_P(
    Check, CheckClean,
    ::testing::Values(
        CleanCase{"nothing_more", ""},
        CleanCase{"fractions_and_percent", "rule r\n  when service is y\n  split health 50%, social_care 1/4, education 1/4\n"},
        CleanCase{"decimal_percent", "rule r\n  when service is y\n  split health 33.5%, social_care 66.5%\n"},
        CleanCase{"exclusive_bools", "rule a\n  when service is y and has_ehcp\n  split health 100%\n"
                                     "rule b\n  when service is y and not has_ehcp\n  split social_care 100%\n"},
        CleanCase{"exclusive_bounds", "rule a\n  when service is y and points < 18\n  split health 100%\n"
                                      "rule b\n  when service is y and points >= 18\n  split social_care 100%\n"},
        CleanCase{"exclusive_whole_bounds", "rule a\n  when service is y and points > 5\n  split health 100%\n"
                                            "rule b\n  when service is y and points < 6\n  split social_care 100%\n"
                                            "rule c\n  when service is z and points + 1 > 2\n  split health 100%\n"
                                            "rule d\n  when service is z and points + 1 < 3\n  split social_care 100%\n"},
        CleanCase{"exclusive_days", "fact start: date\nrule a\n  when service is y and start > 2025-04-01\n"
                                    "  split health 100%\nrule b\n  when service is y and start < 2025-04-02\n"
                                    "  split social_care 100%\n"},
        CleanCase{"exclusive_levels", "fact lvl: need\nrule a\n  when service is y and lvl < high\n  split health 100%\n"
                                      "rule b\n  when service is y and lvl >= high\n  split social_care 100%\n"},
        CleanCase{"exclusive_count", "rule a\n  when service is y and count(dst, severe) = 0\n  split health 100%\n"
                                     "rule b\n  when service is y and count(dst, severe) >= 1\n  split social_care 100%\n"},
        CleanCase{"different_services", "rule a\n  when service in [y, z]\n  split health 100%\n"
                                        "rule b\n  when service is w\n  split social_care 100%\n"},
        CleanCase{"exception_chain", "rule a\n  when service is y\n  split health 100%\n"
                                     "rule b\n  exception to a\n  when service is y and has_ehcp\n  split social_care 100%\n"
                                     "rule c\n  exception to b\n  when service is y and has_ehcp\n  split education 100%\n"},
        CleanCase{"before_and_after_surgery", "rule a\n  when service is y\n  within 2 weeks before surgery\n  split health 100%\n"
                                              "rule b\n  when service is y\n  within 6 weeks after surgery\n  split social_care 100%\n"},
        CleanCase{"disjoint_dates", "rule a\n  when service is y\n  from 2025-04-01 to 2025-09-30\n  split health 100%\n"
                                    "rule b\n  when service is y\n  from 2025-10-01\n  split social_care 100%\n"},
        CleanCase{"amounts_from_definitions_and_tables",
                  "let weekly_budget = lookup(bands, points) / 52\n"
                  "rule a\n  when service is y\n  pay health weekly_budget per week\n  split social_care 100%\n"
                  "  cap social_care at lookup(bands, points) per line, excess to panel\n"
                  "rule b\n  when service is z\n  split social_care 100%\n  cap social_care at budget per week, excess to health\n"},
        CleanCase{"until_and_from_same_day", "rule a\n  when service is y\n  from 2025-04-01 until 2025-10-01\n  split health 100%\n"
                                             "rule b\n  when service is y\n  from 2025-10-01\n  split social_care 100%\n"},
        CleanCase{"exception_to_two_rules", "rule a\n  when service is y\n  from 2025-04-01 to 2026-03-31\n  split health 100%\n"
                                            "rule b\n  when service is y\n  from 2026-04-01\n  split health 100%\n"
                                            "rule c\n  exception to a, b\n  when service is y and has_ehcp\n"
                                            "  split social_care 100%\n"
                                            "rule d\n  exception to c\n  when service is y and has_ehcp and points > 3\n"
                                            "  split education 100%\n"},
        CleanCase{"before_and_from_same_day", "rule a\n  when service is y\n  before 2025-10-01\n  split health 100%\n"
                                              "rule b\n  when service is y\n  from 2025-10-01\n  split social_care 100%\n"},
        CleanCase{"before_and_from_a_named_day",
                  "fact start_date: date\nlet switch = start_date + 6 months\n"
                  "rule a\n  when service is y\n  before switch\n  split health 100%\n"
                  "rule b\n  when service is y\n  from switch\n  split social_care 100%\n"
                  "rule c\n  when service is z\n  from start_date until switch\n  split health 100%\n"
                  "rule d\n  when service is z\n  before start_date\n  split social_care 100%\n"},
        CleanCase{"exclusive_named_bound", "fact limit: whole\n"
                                           "rule a\n  when service is y and points < limit\n  split health 100%\n"
                                           "rule b\n  when service is y and points >= limit\n  split social_care 100%\n"
                                           "rule c\n  when service is z and limit > points\n  split health 100%\n"
                                           "rule d\n  when service is z and not (points < limit)\n  split social_care 100%\n"},
        CleanCase{"exclusive_named_texts_and_dates",
                  "fact other: text\nfact start_date: date\nfact end_date: date\n"
                  "rule a\n  when service is y and school is other\n  split health 100%\n"
                  "rule b\n  when service is y and school is not other\n  split social_care 100%\n"
                  "rule c\n  when service is z and start_date <= end_date\n  split health 100%\n"
                  "rule d\n  when service is z and end_date < start_date\n  split social_care 100%\n"},
        CleanCase{"exclusive_named_constants",
                  "let lower = 18\nlet upper = 18\nlet adult = upper\nlet limit = £500\n"
                  "rule a\n  when service is y and points < lower\n  split health 100%\n"
                  "rule b\n  when service is y and points >= adult\n  split social_care 100%\n"
                  "rule c\n  when service is z and points < 18 and budget < limit\n  split health 100%\n"
                  "rule d\n  when service is z and (points >= upper or budget >= £500.00)\n  split social_care 100%\n"},
        CleanCase{"disjoint_named_days",
                  "fact start_date: date\nlet cutover = 2025-10-01\nlet restart = start_date\n"
                  "let review = start_date + 6 weeks\nlet follow_up = restart + 43 days\n"
                  "rule a\n  when service is y\n  before cutover\n  split health 100%\n"
                  "rule b\n  when service is y\n  from 2025-10-01\n  split social_care 100%\n"
                  "rule c\n  when service is z\n  before restart\n  split health 100%\n"
                  "rule d\n  when service is z\n  from start_date to review\n  split social_care 100%\n"
                  "rule e\n  when service is z\n  from follow_up\n  split education 100%\n"},
        CleanCase{"within_and_before_the_same_event",
                  "rule a\n  when service is y\n  within 6 weeks after surgery\n  split health 100%\n"
                  "rule b\n  when service is y\n  before surgery\n  split social_care 100%\n"},
        CleanCase{"services_from_list_facts", "fact f: list of text\nfact g: list of text\n"
                                              "rule a\n  when service in f\n  split health 100%\n"
                                              "rule b\n  when service in g\n  split social_care 100%\n"},
        CleanCase{"age_with_dob", "fact date_of_birth: date\nrule a\n  when service is y and age < 18\n  split health 100%\n"},
        CleanCase{"outcomes_with_totals", "let yearly = total / 2\nrefer to \"D\" when yearly > £5 and total(health) > £1"
                                          " and funders(y) > 1\n  because \"{total} over {yearly}\"\n"
                                          "let busiest = yearly total\n"
                                          "refer to \"E\" when yearly total > £5 or yearly total(education) > £1\n"
                                          "  because \"{busiest} in one year\"\n"
                                          "decline when not has_ehcp because \"no plan for {school}\"\n"},
        CleanCase{"pool_contributors_outside_the_agreement_who_decided",
                  "pool p \"P\"\n  host social_care\n  contribution social_care £100 not sharing underspend\n"
                  "  contribution health £70\n"
                  "  contribution education £50 sharing overspend\n"
                  "  overspend shared in proportion to contributions\n"
                  "  underspend returned in proportion to contributions\n  tolerance 100%\n"},
        CleanCase{"pool_with_a_non_sharing_partner",
                  "pool p \"P\"\n  host social_care\n  contribution social_care £100\n"
                  "  contribution education £50 not sharing overspend\n"
                  "  overspend shared in proportion to contributions\n"
                  "  underspend returned in proportion to contributions\n  tolerance 100%\n"}),
    [](const ::testing::TestParamInfo<CleanCase>& p) { return std::string(p.param.name); });

TEST(Check, AMisspeltShareDoesNotCascade) {
    const Diagnostics ds = check_text(kHead + "rule r\n  split heath 50%, social_care 50%\n  odd penny to health\n"
                                              "  cap health at £5 per week, excess to panel\n");
    std::vector<std::string> errors;
    for (const Diagnostic& d : ds) {
        if (d.severity == Severity::Error) errors.push_back(std::string(code_text(d.code)));
    }
    EXPECT_EQ(errors, std::vector<std::string>{"E2003"}) << dump(ds);  // no E2206, no E2208
}

TEST(Check, WithoutAgreedByEveryContributorMustDecide) {
    const Diagnostics ds = check_text(
        "policy p \"P\"\n  version \"1\"\n  effective from 2025-04-01\n"
        "agency a \"A\"\nagency b \"B\"\nrule r\n  split a 50%, b 50%\n"
        "pool q \"Q\"\n  contribution a £1 sharing overspend\n  contribution b £1\n"
        "  overspend shared in proportion to contributions\n  underspend returned in proportion to contributions\n");
    ASSERT_EQ(ds.size(), 1U) << dump(ds);
    EXPECT_EQ(code_text(ds[0].code), "W2007");
    EXPECT_EQ(ds[0].span.line, 10U);
    EXPECT_EQ(ds[0].message,
              "`b` contributes to pool `q` but is not a party to the agreement (the header names no parties: "
              "`agreed by`), and its contribution does not say whether it shares an overspend");
}

TEST(Check, DiagnosticsAreInTextOrder) {
    const Diagnostics ds = check_text(kHead + "rule b\n  split heath 100%\nrule a\n  split helth 100%\n");
    ASSERT_GE(ds.size(), 2U) << dump(ds);
    for (std::size_t i = 1; i < ds.size(); ++i) {
        EXPECT_LE(ds[i - 1].span.line, ds[i].span.line) << dump(ds);
    }
}

TEST(Check, ManyRulesOnDistinctServicesAreQuick) {
    std::string text = kHead;
    for (int i = 0; i < 1000; ++i) {
        text += "rule r" + std::to_string(i) + "\n  when service is s" + std::to_string(i) +
                " and has_ehcp\n  split health 50%, social_care 1/4, education 1/4\n";
    }
    ParseResult parsed = parse(text, "big.jf");
    ASSERT_TRUE(parsed.module);
    EXPECT_FALSE(has_errors(check(*parsed.module)));  // a smoke test, not a timing test
}

// ---------------------------------------------------------------------------------------
// What the parser stops first, checked on hand-built modules (and spans left empty).

Module minimal() {
    Module m;
    m.header.id = Ident{"demo", {}};
    m.header.version = "1";
    m.header.effective_from = CivilDate{2025, 4, 1};
    m.agencies = {Agency{Ident{"health", {}}, "NHS", {}}};
    Rule r;
    r.id = Ident{"r", {}};
    Share s;
    s.agency = Ident{"health", {}};
    s.percent = Decimal{100, 0};
    r.split = {s};
    m.rules = {r};
    return m;
}

struct BuiltCase {
    const char* name;
    std::function<void(Module&)> mutate;
    const char* code;
};

void PrintTo(const BuiltCase& c, std::ostream* os) { *os << c.name; }

class CheckBuilt : public ::testing::TestWithParam<BuiltCase> {};

TEST_P(CheckBuilt, ReportsTheCode) {
    Module m = minimal();
    EXPECT_TRUE(check(m).empty()) << dump(check(m));
    GetParam().mutate(m);
    const Diagnostics ds = check(m);
    const std::string code = GetParam().code;
    EXPECT_TRUE(std::any_of(ds.begin(), ds.end(), [&](const Diagnostic& d) { return code_text(d.code) == code; }))
        << dump(ds);
}

INSTANTIATE_TEST_SUITE_P(
    Check, CheckBuilt,
    ::testing::Values(
        BuiltCase{"no_split", [](Module& m) { m.rules[0].split.clear(); }, "E2202"},
        BuiltCase{"zero_denominator", [](Module& m) {
                      m.rules[0].split[0].kind = ShareKind::Fraction;
                      m.rules[0].split[0].numerator = 1;
                      m.rules[0].split[0].denominator = 0;
                  }, "E2205"},
        BuiltCase{"negative_share", [](Module& m) { m.rules[0].split[0].percent = Decimal{-100, 0}; }, "E2204"},
        BuiltCase{"table_bound_not_whole", [](Module& m) {
                      TableRow row;
                      row.low = Decimal{5, 1};
                      row.high = Decimal{9, 0};
                      row.value.node = NumberLit{};
                      m.tables.push_back(Table{Ident{"t", {}}, {row}, {}});
                  }, "E2244"},
        BuiltCase{"table_empty", [](Module& m) { m.tables.push_back(Table{Ident{"t", {}}, {}, {}}); }, "E2245"},
        BuiltCase{"negative_window", [](Module& m) {
                      m.events.push_back(Event{Ident{"e", {}}, false, {}});
                      Window w;
                      w.amount = -3;
                      w.event = Ident{"e", {}};
                      m.rules[0].window = w;
                  }, "E2230"}),
    [](const ::testing::TestParamInfo<BuiltCase>& p) { return std::string(p.param.name); });

// ---------------------------------------------------------------------------------------
// Several versions loaded together.

std::string version_text(const std::string& version, const std::string& effective) {
    return "policy demo \"Demo\"\n  version \"" + version + "\"\n  effective " + effective +
           "\nagency health \"NHS\"\nrule r\n  split health 100%\n";
}

struct VersionsCase {
    const char* name;
    std::vector<std::pair<std::string, std::string>> versions;  // version, effective clause
    std::vector<std::string> codes;
};

void PrintTo(const VersionsCase& c, std::ostream* os) { *os << c.name; }

class CheckVersions : public ::testing::TestWithParam<VersionsCase> {};

TEST_P(CheckVersions, ReportsOverlapsAndRepeats) {
    std::vector<Module> modules;
    for (std::size_t i = 0; i < GetParam().versions.size(); ++i) {
        const auto& [version, effective] = GetParam().versions[i];
        ParseResult parsed = parse(version_text(version, effective), "v" + std::to_string(i) + ".jf");
        ASSERT_TRUE(parsed.module) << dump(parsed.diagnostics);
        modules.push_back(std::move(*parsed.module));
    }
    std::vector<const Module*> pointers;
    for (const Module& m : modules) pointers.push_back(&m);
    const Diagnostics ds = check_versions(pointers);
    std::vector<std::string> codes;
    for (const Diagnostic& d : ds) codes.push_back(std::string(code_text(d.code)));
    EXPECT_EQ(codes, GetParam().codes) << dump(ds);
}

INSTANTIATE_TEST_SUITE_P(
    Check, CheckVersions,
    ::testing::Values(
        VersionsCase{"consecutive", {{"1", "2025-04-01 to 2026-03-31"}, {"2", "from 2026-04-01"}}, {}},
        VersionsCase{"one_day_overlap", {{"1", "2025-04-01 to 2026-04-01"}, {"2", "from 2026-04-01"}}, {"E2301"}},
        VersionsCase{"open_ended_first", {{"1", "from 2025-04-01"}, {"2", "from 2026-04-01"}}, {"E2301"}},
        VersionsCase{"later_written_first", {{"2", "from 2026-04-01"}, {"1", "2025-04-01 to 2026-03-31"}}, {}},
        VersionsCase{"one_day_gap", {{"1", "2025-04-01 to 2026-03-30"}, {"2", "from 2026-04-01"}}, {"W2011"}},
        VersionsCase{"gaps_between_three", {{"3", "from 2027-04-01"}, {"1", "2025-04-01 to 2026-03-31"},
                                            {"2", "2026-04-02 to 2027-03-01"}}, {"W2011", "W2011"}},
        VersionsCase{"no_gap_looked_for_past_an_overlap",
                     {{"1", "2025-04-01 to 2026-04-01"}, {"2", "2026-04-01 to 2026-05-01"}, {"3", "from 2027-01-01"}},
                     {"E2301"}},
        VersionsCase{"same_version", {{"1", "2025-04-01 to 2025-05-01"}, {"1", "from 2026-04-01"}}, {"E2302"}},
        VersionsCase{"three_with_two_overlaps",
                     {{"1", "from 2024-04-01"}, {"2", "from 2025-04-01"}, {"3", "2023-01-01 to 2023-12-31"}},
                     {"E2301"}}),
    [](const ::testing::TestParamInfo<VersionsCase>& p) { return std::string(p.param.name); });

TEST(CheckVersions, AGapNamesTheMissingDaysAtTheLaterEffectiveClause) {
    ParseResult a = parse(version_text("2025.1", "2025-04-01 to 2026-03-30"), "v1.jf");
    ParseResult b = parse(version_text("2026.1", "from 2026-04-01"), "v2.jf");
    ParseResult c = parse(version_text("2027.1", "from 2027-04-04"), "v3.jf");
    ParseResult d = parse(version_text("2026.2", "2026-04-01 to 2027-03-31"), "v2.jf");
    ASSERT_TRUE(a.module && b.module && c.module && d.module);
    Diagnostics ds = check_versions({&*b.module, &*a.module});
    ASSERT_EQ(ds.size(), 1U) << dump(ds);
    EXPECT_EQ(ds[0].message, "no version of policy `demo` is in effect on 2026-03-31: `2025.1` (v1.jf) ends on "
                             "2026-03-30 and `2026.1` starts on 2026-04-01");
    EXPECT_EQ(ds[0].help, "both ends of `effective` are days in effect, so a request dated that day finds no "
                          "version; end `2025.1` `to 2026-03-31`, the day before `2026.1` starts, or start "
                          "`2026.1` on 2026-03-31");
    EXPECT_EQ(ds[0].severity, Severity::Warning);
    EXPECT_EQ(ds[0].file, "v2.jf");
    EXPECT_EQ(ds[0].span.line, 3U);
    EXPECT_EQ(ds[0].span.column, 13U);  // `from 2026-04-01`
    ds = check_versions({&*c.module, &*d.module});
    ASSERT_EQ(ds.size(), 1U) << dump(ds);
    EXPECT_EQ(ds[0].message, "no version of policy `demo` is in effect from 2027-04-01 to 2027-04-03 (3 days): "
                             "`2026.2` (v2.jf) ends on 2027-03-31 and `2027.1` starts on 2027-04-04");
    EXPECT_EQ(ds[0].file, "v3.jf");
}

TEST(CheckVersions, MessageNamesBothFiles) {
    ParseResult a = parse(version_text("2025.1", "from 2025-04-01"), "v1.jf");
    ParseResult b = parse(version_text("2026.1", "from 2026-04-01"), "v2.jf");
    ASSERT_TRUE(a.module && b.module);
    const Diagnostics ds = check_versions({&*a.module, &*b.module});
    ASSERT_EQ(ds.size(), 1U);
    EXPECT_EQ(ds[0].message,
              "versions `2025.1` (v1.jf) and `2026.1` (v2.jf) of policy `demo` are both in effect on some days");
    EXPECT_EQ(ds[0].file, "v2.jf");
}

// ---------------------------------------------------------------------------------------
// Goldens: tests/golden/check/y_*.jf check clean (no diagnostic at all); n_*.jf produce the
// rendered diagnostics in the .diag beside them. UPDATE_GOLDEN=1 rewrites the .diag files.
// Every policy under policies/ must check without errors.

const fs::path kSource = fs::path(JOINTLY_SOURCE_DIR);
const fs::path kGoldenDir = kSource / "tests" / "golden" / "check";

std::vector<std::string> files_under(const fs::path& dir, bool recursive) {
    std::vector<std::string> names;
    auto add = [&](const fs::directory_entry& entry) {
        if (entry.path().extension() == ".jf") names.push_back(fs::relative(entry.path(), dir).string());
    };
    if (recursive) {
        for (const auto& entry : fs::recursive_directory_iterator(dir)) add(entry);
    } else {
        for (const auto& entry : fs::directory_iterator(dir)) add(entry);
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

Diagnostics parse_and_check(const std::string& source, const std::string& label) {
    ParseResult parsed = parse(source, label);
    Diagnostics all = parsed.diagnostics;
    if (parsed.module) {
        const Diagnostics checked = check(*parsed.module);
        all.insert(all.end(), checked.begin(), checked.end());
    }
    return all;
}

std::string test_name(std::string path) {
    path = path.substr(0, path.size() - 3);
    for (char& ch : path) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return path;
}

class CheckGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckGolden, MatchesItsDiagnostics) {
    const std::string name = GetParam();
    const std::string source = slurp(kGoldenDir / name);
    const Diagnostics all = parse_and_check(source, "tests/golden/check/" + name);
    const std::string rendered = render_all(all, source);
    if (name.starts_with("y_")) {
        EXPECT_TRUE(all.empty()) << rendered;
        return;
    }
    ASSERT_TRUE(name.starts_with("n_")) << "golden files are y_*.jf or n_*.jf";
    EXPECT_FALSE(all.empty()) << name << " must produce at least one diagnostic";
    fs::path expected_path = kGoldenDir / name;
    expected_path.replace_extension(".diag");
    const char* update = std::getenv("UPDATE_GOLDEN");
    if (update != nullptr && std::string(update) == "1") {
        std::ofstream(expected_path, std::ios::binary) << rendered;
        return;
    }
    ASSERT_TRUE(fs::exists(expected_path)) << expected_path << " is missing; run with UPDATE_GOLDEN=1";
    EXPECT_EQ(rendered, slurp(expected_path));
}

INSTANTIATE_TEST_SUITE_P(Golden, CheckGolden, ::testing::ValuesIn(files_under(kGoldenDir, false)),
                         [](const ::testing::TestParamInfo<std::string>& p) { return test_name(p.param); });

class CheckPolicies : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckPolicies, HaveNoErrors) {
    const std::string source = slurp(kSource / "policies" / GetParam());
    const Diagnostics all = parse_and_check(source, "policies/" + GetParam());
    EXPECT_FALSE(has_errors(all)) << render_all(all, source);
}

INSTANTIATE_TEST_SUITE_P(Policies, CheckPolicies, ::testing::ValuesIn(files_under(kSource / "policies", true)),
                         [](const ::testing::TestParamInfo<std::string>& p) { return test_name(p.param); });

}  // namespace
}  // namespace jointly::dsl
