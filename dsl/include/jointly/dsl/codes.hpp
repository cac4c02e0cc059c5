// The checker's diagnostic codes: the one list used by the checker (to emit) and by the
// documentation test (to prove docs/diagnostics.md documents every code).
//
// A code is stable once released: never renumber, never reuse a retired number.
// E20xx names, E21xx types, E22xx rules/tables/outcomes/header/pools/placeholders
// (E229x: the limits on checking itself),
// E23xx loading several versions, W20xx warnings and notes. The parser's E1xxx codes
// live with the parser (dsl/src/parse*).
#pragma once

#include <array>
#include <string_view>

#include "jointly/dsl/diagnostic.hpp"

namespace jointly::dsl {

// X(identifier, "code", severity, "one-line summary used in docs/diagnostics.md")
#define JOINTLY_CHECK_CODES(X)                                                              \
    X(duplicate_declaration, "E2001", Error, "a name is declared twice")                   \
    X(name_kind_clash, "E2002", Error, "a name is declared as two different kinds")        \
    X(unknown_agency, "E2003", Error, "unknown agency")                                    \
    X(duplicate_level, "E2004", Error, "a level appears twice in one scale")               \
    X(unknown_name, "E2005", Error, "unknown name in an expression")                       \
    X(unknown_event, "E2006", Error, "unknown event")                                      \
    X(unknown_table, "E2007", Error, "unknown table")                                      \
    X(unknown_scale, "E2008", Error, "unknown scale")                                      \
    X(unknown_level, "E2009", Error, "unknown level")                                      \
    X(unknown_rule, "E2010", Error, "unknown rule")                                        \
    X(unknown_function, "E2011", Error, "unknown function")                                \
    X(wrong_arguments, "E2012", Error, "wrong number or kind of arguments")                \
    X(reserved_name, "E2013", Error, "a builtin name is declared")                         \
    X(definition_cycle, "E2014", Error, "a definition refers to itself")                   \
    X(not_a_value, "E2015", Error, "a name that is not a value is used as one")            \
    X(compare_mismatch, "E2101", Error, "comparing values of different types")             \
    X(wrong_scale, "E2102", Error, "a level from the wrong scale")                         \
    X(not_bool_operand, "E2103", Error, "`and`, `or` or `not` on a value that is not true/false") \
    X(bad_arithmetic, "E2104", Error, "arithmetic on values that cannot be combined")     \
    X(count_not_map, "E2105", Error, "`count` of something that is not a map")             \
    X(lookup_not_table, "E2106", Error, "`lookup` in something that is not a table")       \
    X(condition_not_bool, "E2107", Error, "a condition that is not true/false")            \
    X(bad_default, "E2108", Error, "a fact default of the wrong type")                     \
    X(service_outside_rule, "E2109", Error, "`service` used outside a rule")               \
    X(total_outside_outcome, "E2110", Error, "a package total used outside outcome rules") \
    X(age_without_dob, "E2111", Error, "`age` without a `date_of_birth: date` fact")       \
    X(not_orderable, "E2112", Error, "`<`, `>` on values that have no order")               \
    X(bad_membership, "E2113", Error, "`in` with members of the wrong type")               \
    X(lookup_key_not_whole, "E2114", Error, "a table looked up by something not a whole number") \
    X(division_by_zero, "E2115", Error, "division by zero")                                \
    X(age_outside_rule, "E2116", Error, "`age` used outside a rule")                       \
    X(list_outside_in, "E2117", Error, "a list `[...]` that does not follow `in`")         \
    X(number_too_large, "E2118", Error, "a number too large or too precise to hold exactly") \
    X(split_total, "E2201", Error, "split shares do not total exactly 100%")               \
    X(no_split, "E2202", Error, "a rule with no split")                                    \
    X(split_duplicate_agency, "E2203", Error, "an agency listed twice in a split")         \
    X(share_not_positive, "E2204", Error, "a share of zero or less")                       \
    X(zero_denominator, "E2205", Error, "a fraction with a zero denominator")              \
    X(cap_not_in_split, "E2206", Error, "a cap on an agency that has no share")            \
    X(excess_to_self, "E2207", Error, "a cap's excess goes to the capped agency")          \
    X(odd_penny_not_in_split, "E2208", Error, "the odd penny goes to an agency with no share") \
    X(regardless_with_cap, "E2209", Error, "`regardless of cost` together with a cap")     \
    X(fixed_split_total, "E2210", Error, "the split beside `pay` does not total 100%")     \
    X(duplicate_cap, "E2211", Error, "an agency capped twice in one rule")                 \
    X(amount_not_positive, "E2212", Error, "a cap or fixed amount of £0 or less")          \
    X(excess_cycle, "E2213", Error, "caps pass their excess round in a circle")            \
    X(amount_not_money, "E2214", Error, "a cap or `pay` amount that is not money")         \
    X(amount_varies, "E2215", Error, "a cap or `pay` amount that is not the same for the whole request") \
    X(exception_to_self, "E2220", Error, "a rule that is an exception to itself")          \
    X(exception_cycle, "E2221", Error, "exceptions that form a cycle")                     \
    X(exception_duplicate, "E2222", Error, "a rule named twice in one `exception to`")      \
    X(window_not_positive, "E2230", Error, "a window of zero or negative length")          \
    X(window_reversed, "E2231", Error, "a window that starts after it ends")               \
    X(table_row_reversed, "E2240", Error, "a table row whose low end is above its high end") \
    X(table_overlap, "E2241", Error, "table rows whose ranges overlap")                     \
    X(table_gap, "E2242", Error, "a gap between table rows")                               \
    X(table_mixed_types, "E2243", Error, "table rows that give different types")           \
    X(table_bound_not_whole, "E2244", Error, "a table range that is not whole numbers")    \
    X(table_empty, "E2245", Error, "a table with no rows")                                 \
    X(decline_without_reason, "E2250", Error, "`decline` without a reason")                \
    X(refer_without_authority, "E2251", Error, "`refer to` an empty authority")            \
    X(effective_reversed, "E2260", Error, "effective from a date after effective to")      \
    X(agreed_by_duplicate, "E2261", Error, "an agency listed twice in `agreed by`")        \
    X(empty_version, "E2262", Error, "an empty version")                                   \
    X(pool_duplicate_partner, "E2270", Error, "a partner contributing twice to one pool")  \
    X(pool_host_not_partner, "E2271", Error, "a pool host that is not a partner")          \
    X(pool_tolerance_range, "E2272", Error, "a pool tolerance outside (0, 100]%")          \
    X(pool_nobody_shares_overspend, "E2273", Error, "a pool where no partner shares the overspend") \
    X(pool_contribution_not_positive, "E2274", Error, "a pool contribution of £0 or less") \
    X(pool_no_contributions, "E2275", Error, "a pool with no contributions")               \
    X(pool_nobody_gets_underspend, "E2276", Error, "a pool where no partner gets an underspend back") \
    X(unknown_placeholder, "E2280", Error, "an unknown `{placeholder}` in a reason")        \
    X(malformed_placeholder, "E2281", Error, "a `{` without a name and `}` in a reason")    \
    X(time_limit, "E2290", Error, "the policy took too long to check")                  \
    X(out_of_memory, "E2291", Error, "memory ran out while checking the policy")           \
    X(versions_overlap, "E2301", Error, "two versions of a policy in effect at once")      \
    X(version_twice, "E2302", Error, "the same policy version loaded twice")               \
    X(rule_never_applies, "W2001", Warning, "a rule that can never apply")                 \
    X(rules_overlap, "W2002", Warning, "two rules that can apply to the same line")        \
    X(agency_unused, "W2003", Note, "an agency that pays for nothing")                     \
    X(fact_unused, "W2004", Warning, "a fact that is never used")                          \
    X(pool_no_overspend_rule, "W2005", Warning, "a pool that does not say who bears an overspend") \
    X(pool_no_underspend_rule, "W2006", Warning, "a pool that does not say who gets an underspend") \
    X(pool_contributor_undecided, "W2007", Warning, "a contributor outside the agreement that does not say whether it shares an overspend") \
    X(overlap_cut_short, "W2008", Warning, "the overlap analysis was cut short")

enum class Code {
#define JOINTLY_CODE_ENUM(id, code, severity, summary) id,
    JOINTLY_CHECK_CODES(JOINTLY_CODE_ENUM)
#undef JOINTLY_CODE_ENUM
};

struct CodeInfo {
    Code id;
    std::string_view code;
    Severity severity;
    std::string_view summary;
};

inline constexpr std::array kCheckCodes = {
#define JOINTLY_CODE_INFO(id, code, severity, summary) \
    CodeInfo{Code::id, code, Severity::severity, summary},
    JOINTLY_CHECK_CODES(JOINTLY_CODE_INFO)
#undef JOINTLY_CODE_INFO
};

// INVARIANT: kCheckCodes[i].id == Code(i) (the X-macro lists both in one order).
inline constexpr const CodeInfo& code_info(Code code) {
    return kCheckCodes[static_cast<std::size_t>(code)];
}

}  // namespace jointly::dsl
