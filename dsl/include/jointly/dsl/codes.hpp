// Every code the product can emit, in one table: the parser's (E1xxx), the semantic pass's
// (E2xxx, W2xxx), evaluation's (E3xxx) and the request decoder's (E4xxx). Each has a
// severity, a category (what kind of problem it is, and so how the HTTP API answers it:
// server/src/service.cpp, docs/api.md) and its one-line title, the heading of its section in
// docs/diagnostics.md (tests/dsl/diagnostics_doc_test.cpp checks both ways).
//
// A code travels as the enum `Code` through every stage; it is spelt `E2003` only at the
// edges (rendering, JSON, case files) by `code_text`, and read back by `code_from_text`.
//
// A code is stable once released: never renumber, never reuse a retired number (E1015 is
// retired). Within the semantic pass: E20xx names, E21xx types, E22xx
// rules/tables/outcomes/header/pools/placeholders (E229x: the limits on checking itself),
// E23xx loading several versions, W20xx warnings and notes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>


namespace jointly::dsl {

enum class Severity : std::uint8_t { Error, Warning, Note };

// What kind of problem a code reports.
enum class Category : std::uint8_t {
    Syntax,       // the policy text cannot be read
    Semantic,     // the policy text reads but means nothing coherent
    CallerInput,  // a request the policy's declarations or the API contract refuse
    Evaluation,   // a well-formed request the policy cannot answer
    Internal,     // a bug or the machine (memory): never the caller's fault
};

// X(identifier, "code", severity, category, "title used in docs/diagnostics.md")
#define JOINTLY_CODES(X) \
    X(parser_failed, "E1000", Error, Internal, "the parser failed") \
    X(unexpected_text, "E1001", Error, Syntax, "unexpected text") \
    X(unterminated_text, "E1002", Error, Syntax, "unterminated text") \
    X(not_a_date, "E1003", Error, Syntax, "not a date") \
    X(not_an_amount, "E1004", Error, Syntax, "not a valid amount of money") \
    X(literal_too_large, "E1005", Error, Syntax, "a number too large or too precise") \
    X(reserved_word, "E1006", Error, Syntax, "a reserved word used as a name") \
    X(no_header, "E1007", Error, Syntax, "the file does not start with the policy header") \
    X(unknown_escape, "E1008", Error, Syntax, "an unknown escape in a text") \
    X(missing_clause, "E1009", Error, Syntax, "a required clause is missing") \
    X(clause_order, "E1010", Error, Syntax, "clauses out of order") \
    X(clause_twice, "E1011", Error, Syntax, "a clause written twice") \
    X(not_a_name, "E1012", Error, Syntax, "not a valid name") \
    X(not_whole, "E1013", Error, Syntax, "a whole number was expected") \
    X(literal_zero_denominator, "E1014", Error, Syntax, "a fraction with a zero denominator") \
    X(too_deep, "E1016", Error, Syntax, "an expression nested too deeply or too long") \
    X(not_utf8, "E1017", Error, Syntax, "the policy text is not valid UTF-8") \
    X(duplicate_declaration, "E2001", Error, Semantic, "a name is declared twice") \
    X(name_kind_clash, "E2002", Error, Semantic, "a name is declared as two different kinds") \
    X(unknown_agency, "E2003", Error, Semantic, "unknown agency") \
    X(duplicate_level, "E2004", Error, Semantic, "a level appears twice in one scale") \
    X(unknown_name, "E2005", Error, Semantic, "unknown name in an expression") \
    X(unknown_event, "E2006", Error, Semantic, "unknown event") \
    X(unknown_table, "E2007", Error, Semantic, "unknown table") \
    X(unknown_scale, "E2008", Error, Semantic, "unknown scale") \
    X(unknown_level, "E2009", Error, Semantic, "unknown level") \
    X(unknown_rule, "E2010", Error, Semantic, "unknown rule") \
    X(unknown_function, "E2011", Error, Semantic, "unknown function") \
    X(wrong_arguments, "E2012", Error, Semantic, "wrong number or kind of arguments") \
    X(reserved_name, "E2013", Error, Semantic, "a builtin name is declared") \
    X(definition_cycle, "E2014", Error, Semantic, "a definition refers to itself") \
    X(not_a_value, "E2015", Error, Semantic, "a name that is not a value is used as one") \
    X(unknown_service, "E2016", Error, Semantic, "unknown service") \
    X(duplicate_service, "E2017", Error, Semantic, "a service or service group declared twice") \
    X(agency_named_twice, "E2018", Error, Semantic, "a rule names a fact that picks an agency and an agency it may pick") \
    X(not_one_agency, "E2019", Error, Semantic, "an agency group or agency fact where one declared agency is needed") \
    X(blank_label, "E2020", Error, Semantic, "a fact's label is empty") \
    X(hourly_amount_not_hourly, "E2021", Error, Semantic, "a `per hour` cap or payment in a rule for a service not bought by the hour") \
    X(compare_mismatch, "E2101", Error, Semantic, "comparing values of different types") \
    X(wrong_scale, "E2102", Error, Semantic, "a level from the wrong scale") \
    X(not_bool_operand, "E2103", Error, Semantic, "`and`, `or` or `not` on a value that is not true/false") \
    X(bad_arithmetic, "E2104", Error, Semantic, "arithmetic on values that cannot be combined") \
    X(count_not_map, "E2105", Error, Semantic, "`count` of something that is not a map") \
    X(lookup_not_table, "E2106", Error, Semantic, "`lookup` in something that is not a table") \
    X(condition_not_bool, "E2107", Error, Semantic, "a condition that is not true/false") \
    X(bad_default, "E2108", Error, Semantic, "a fact default of the wrong type") \
    X(service_outside_rule, "E2109", Error, Semantic, "`service` used outside a rule") \
    X(total_outside_outcome, "E2110", Error, Semantic, "a package total used outside outcome rules") \
    X(age_without_dob, "E2111", Error, Semantic, "`age` without a `date_of_birth: date` fact") \
    X(not_orderable, "E2112", Error, Semantic, "`<`, `>` on values that have no order") \
    X(bad_membership, "E2113", Error, Semantic, "`in` with members of the wrong type") \
    X(lookup_key_not_whole, "E2114", Error, Semantic, "a table looked up by something not a whole number") \
    X(division_by_zero, "E2115", Error, Semantic, "division by zero") \
    X(age_outside_rule, "E2116", Error, Semantic, "`age` where there is no day to take it on") \
    X(list_outside_in, "E2117", Error, Semantic, "a list `[...]` that does not follow `in`") \
    X(number_too_large, "E2118", Error, Semantic, "a number too large or too precise to hold exactly") \
    X(misplaced_duration, "E2119", Error, Semantic, "a length of time not added to or taken from a date") \
    X(split_total, "E2201", Error, Semantic, "split shares do not total exactly 100%") \
    X(no_split, "E2202", Error, Semantic, "a rule with no split") \
    X(split_duplicate_agency, "E2203", Error, Semantic, "an agency listed twice in a split") \
    X(share_not_positive, "E2204", Error, Semantic, "a share of zero or less") \
    X(zero_denominator, "E2205", Error, Semantic, "a fraction with a zero denominator") \
    X(cap_not_in_split, "E2206", Error, Semantic, "a cap on an agency that has no share") \
    X(excess_to_self, "E2207", Error, Semantic, "a cap's excess goes to the capped agency") \
    X(odd_penny_not_in_split, "E2208", Error, Semantic, "the odd penny goes to an agency with no share") \
    X(regardless_with_cap, "E2209", Error, Semantic, "`regardless of cost` together with a cap") \
    X(fixed_split_total, "E2210", Error, Semantic, "the split beside `pay` does not total 100%") \
    X(duplicate_cap, "E2211", Error, Semantic, "an agency capped twice in one rule") \
    X(amount_not_positive, "E2212", Error, Semantic, "a cap or fixed amount of £0 or less") \
    X(excess_cycle, "E2213", Error, Semantic, "caps pass their excess round in a circle") \
    X(amount_not_money, "E2214", Error, Semantic, "a cap or `pay` amount that is not money") \
    X(amount_varies, "E2215", Error, Semantic, "a cap or `pay` amount that is not the same for the whole request") \
    X(exception_to_self, "E2220", Error, Semantic, "a rule that is an exception to itself") \
    X(exception_cycle, "E2221", Error, Semantic, "exceptions that form a cycle") \
    X(exception_duplicate, "E2222", Error, Semantic, "a rule named twice in one `exception to`") \
    X(window_not_positive, "E2230", Error, Semantic, "a window of zero or negative length") \
    X(window_reversed, "E2231", Error, Semantic, "a window that starts after it ends") \
    X(repeating_event_as_date, "E2232", Error, Semantic, "a repeating event used where one date is needed") \
    X(window_bound_not_date, "E2233", Error, Semantic, "a window's bound that is not a date") \
    X(window_bound_varies, "E2234", Error, Semantic, "a window's bound that depends on the line or the package") \
    X(table_row_reversed, "E2240", Error, Semantic, "a table row whose low end is above its high end") \
    X(table_overlap, "E2241", Error, Semantic, "table rows whose ranges overlap") \
    X(table_gap, "E2242", Error, Semantic, "a gap between table rows") \
    X(table_mixed_types, "E2243", Error, Semantic, "table rows that give different types") \
    X(table_bound_not_whole, "E2244", Error, Semantic, "a table range that is not whole numbers") \
    X(table_empty, "E2245", Error, Semantic, "a table with no rows") \
    X(decline_without_reason, "E2250", Error, Semantic, "`decline` without a reason") \
    X(refer_without_authority, "E2251", Error, Semantic, "`refer to` an empty authority") \
    X(line_action_with_split, "E2252", Error, Semantic, "a rule that refuses or refers a line and also shares its cost") \
    X(refusal_without_reason, "E2253", Error, Semantic, "`refuse` without a reason") \
    X(effective_reversed, "E2260", Error, Semantic, "effective from a date after effective to") \
    X(agreed_by_duplicate, "E2261", Error, Semantic, "an agency listed twice in `agreed by`") \
    X(empty_version, "E2262", Error, Semantic, "an empty version") \
    X(pool_duplicate_partner, "E2270", Error, Semantic, "a partner contributing twice to one pool") \
    X(pool_host_not_partner, "E2271", Error, Semantic, "a pool host that is not a partner") \
    X(pool_tolerance_range, "E2272", Error, Semantic, "a pool tolerance outside (0, 100]%") \
    X(pool_nobody_shares_overspend, "E2273", Error, Semantic, "a pool where no partner shares the overspend") \
    X(pool_contribution_not_positive, "E2274", Error, Semantic, "a pool contribution of £0 or less") \
    X(pool_no_contributions, "E2275", Error, Semantic, "a pool with no contributions") \
    X(pool_nobody_gets_underspend, "E2276", Error, Semantic, "a pool where no partner gets an underspend back") \
    X(unknown_placeholder, "E2280", Error, Semantic, "an unknown `{placeholder}` in a reason") \
    X(malformed_placeholder, "E2281", Error, Semantic, "a `{` without a name and `}` in a reason") \
    X(time_limit, "E2290", Error, Semantic, "the policy took too long to check") \
    X(out_of_memory, "E2291", Error, Internal, "memory ran out while checking the policy") \
    X(versions_overlap, "E2301", Error, Semantic, "two versions of a policy in effect at once") \
    X(version_twice, "E2302", Error, Semantic, "the same policy version loaded twice") \
    X(rule_never_applies, "W2001", Warning, Semantic, "a rule that can never apply") \
    X(rules_overlap, "W2002", Warning, Semantic, "two rules that can apply to the same line") \
    X(agency_unused, "W2003", Note, Semantic, "an agency that pays for nothing") \
    X(fact_unused, "W2004", Warning, Semantic, "a fact that is never used") \
    X(pool_no_overspend_rule, "W2005", Warning, Semantic, "a pool that does not say who bears an overspend") \
    X(pool_no_underspend_rule, "W2006", Warning, Semantic, "a pool that does not say who gets an underspend") \
    X(pool_contributor_undecided, "W2007", Warning, Semantic, "a contributor outside the agreement that does not say whether it shares an overspend") \
    X(overlap_cut_short, "W2008", Warning, Semantic, "the overlap analysis was cut short") \
    X(weekly_amount_on_one_off, "W2009", Warning, Semantic, "a weekly cap or payment in a rule that can apply to one-off lines") \
    X(label_repeated, "W2010", Warning, Semantic, "two facts with the same label") \
    X(version_gap, "W2011", Warning, Semantic, "days between two versions of a policy when neither is in effect") \
    X(hourly_amount_any_line, "W2012", Warning, Semantic, "a `per hour` cap or payment in a rule that can apply to lines not bought by the hour") \
    X(eval_overflow, "E3001", Error, Evaluation, "an amount too large to compute exactly") \
    X(eval_division_by_zero, "E3002", Error, Evaluation, "division by zero") \
    X(eval_lookup_outside, "E3003", Error, Evaluation, "`lookup` outside every row of a table") \
    X(eval_event_not_given, "E3004", Error, Evaluation, "an expression reads an event the request does not give") \
    X(eval_not_available, "E3005", Error, Internal, "a value asked for where it has none") \
    X(eval_negative_amount, "E3006", Error, Evaluation, "a cap or `pay` amount below £0") \
    X(eval_too_many_segments, "E3007", Error, Evaluation, "more segments than the limit") \
    X(eval_answer_too_long, "E3008", Error, Evaluation, "an answer with more text than the limit") \
    X(eval_not_hourly, "E3009", Error, Evaluation, "a `per hour` cap or payment on a line not bought by the hour") \
    X(internal_error, "E3099", Error, Internal, "an internal error") \
    X(pool_overspend_unstated, "E3101", Error, Evaluation, "the pool does not say how an overspend is shared") \
    X(pool_underspend_unstated, "E3102", Error, Evaluation, "the pool does not say how an underspend is returned") \
    X(pool_no_basis, "E3103", Error, Evaluation, "no partner to share with") \
    X(missing_fact, "E4001", Error, CallerInput, "a required fact is missing") \
    X(request_unknown_fact, "E4002", Error, CallerInput, "an unknown fact") \
    X(fact_type, "E4003", Error, CallerInput, "a fact of the wrong kind") \
    X(level_range, "E4004", Error, CallerInput, "not a level of the scale") \
    X(request_unknown_event, "E4005", Error, CallerInput, "an unknown event") \
    X(line_id, "E4006", Error, CallerInput, "a line id that is empty or used twice") \
    X(line_dates, "E4007", Error, CallerInput, "a line that ends before it starts") \
    X(line_amount, "E4008", Error, CallerInput, "a negative amount") \
    X(line_service, "E4009", Error, CallerInput, "a line with an empty service") \
    X(born_after_care, "E4010", Error, CallerInput, "a date of birth after the care or the decision's date") \
    X(unknown_pool, "E4101", Error, CallerInput, "an unknown pool") \
    X(carry_forward_not_allowed, "E4102", Error, CallerInput, "carrying an underspend forward that the pool does not allow") \
    X(pool_contributions, "E4103", Error, CallerInput, "the year's contributions do not match the partners") \
    X(pool_spend, "E4104", Error, CallerInput, "a negative spend") \
    X(bad_json, "E4201", Error, CallerInput, "the body is not JSON") \
    X(json_too_deep, "E4202", Error, CallerInput, "JSON nested too deeply") \
    X(field_type, "E4203", Error, CallerInput, "a field of the wrong kind") \
    X(unknown_field, "E4204", Error, CallerInput, "a field the contract does not know") \
    X(missing_field, "E4205", Error, CallerInput, "a required field is missing") \
    X(not_money, "E4206", Error, CallerInput, "not money") \
    X(not_a_request_date, "E4207", Error, CallerInput, "not a date") \
    X(not_a_number, "E4208", Error, CallerInput, "not a decimal number") \
    X(too_many_lines, "E4209", Error, CallerInput, "more lines than the limit") \
    X(line_kind, "E4210", Error, CallerInput, "a line with none, or several, of `amount`, `weekly` and `hourly`") \
    X(body_too_large, "E4211", Error, CallerInput, "the body is larger than the limit") \
    X(duplicate_key, "E4212", Error, CallerInput, "a key written twice in one object") \
    X(amount_too_large, "E4213", Error, CallerInput, "an amount over the maximum") \
    X(line_too_long, "E4214", Error, CallerInput, "a line longer than the limit") \
    X(event_dates, "E4215", Error, CallerInput, "an event's dates: several for an event that does not repeat, one twice, or too many") \
    X(undeclared_service, "E4216", Error, CallerInput, "a line's service that the policy does not declare") \
    X(service_line_kind, "E4217", Error, CallerInput, "a line of another kind than its service is declared as") \
    X(agency_not_allowed, "E4218", Error, CallerInput, "an agency fact naming an agency it does not allow") \
    X(case_ref_invalid, "E4219", Error, CallerInput, "a case reference that is empty, too long or holds a control character") \
    X(override_sum, "E4230", Error, CallerInput, "a panel override whose shares do not sum to the decision's money") \
    X(decided_under_other_text, "E4231", Error, CallerInput, "a policy version whose stored decisions were made under another text")

enum class Code : std::uint16_t {
#define JOINTLY_CODE_ENUM(id, code, severity, category, title) id,
    JOINTLY_CODES(JOINTLY_CODE_ENUM)
#undef JOINTLY_CODE_ENUM
};

struct CodeInfo {
    Code id;
    std::string_view code;
    Severity severity;
    Category category;
    std::string_view title;
};

inline constexpr std::array kCodes = {
#define JOINTLY_CODE_INFO(id, code, severity, category, title) \
    CodeInfo{Code::id, code, Severity::severity, Category::category, title},
    JOINTLY_CODES(JOINTLY_CODE_INFO)
#undef JOINTLY_CODE_INFO
};

// INVARIANT: kCodes[i].id == Code(i) (the X-macro lists both in one order).
inline constexpr const CodeInfo& code_info(Code code) {
    return kCodes[static_cast<std::size_t>(code)];
}

// `E2003`: how a code is written wherever a person or another program reads it.
inline constexpr std::string_view code_text(Code code) { return code_info(code).code; }

// The code written `text`, or nothing when no code is written so.
inline constexpr std::optional<Code> code_from_text(std::string_view text) {
    for (const CodeInfo& info : kCodes) {
        if (info.code == text) return info.id;
    }
    return std::nullopt;
}

inline constexpr Category category_of(Code code) { return code_info(code).category; }

// Writes `E2003` (so test failures and logs read as people do).
std::ostream& operator<<(std::ostream& out, Code code);

// A code in JSON is its text, `"E2003"`, never the enum's number: nlohmann::json finds this
// by argument-dependent lookup (a template, so that dsl/ need not include nlohmann).
template <typename Json>
void to_json(Json& json, Code code) {
    json = std::string(code_text(code));
}

}  // namespace jointly::dsl
