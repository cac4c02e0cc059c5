// The words of a decision: reasons with their {placeholders} filled, the plain-English
// explanation a family reads, issue messages and trace values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "eval_state.hpp"

namespace jointly::engine::detail {

// A value as a sentence shows it: "10 June 2025", "£1,350.00", "yes", "severe".
std::string display(const ProgramImpl& p, const Val& v, std::int32_t scale);

// What a reason's placeholders may read. Line holes need `line` and `alloc`; agency holes
// read `parts` (per rule slot of `rule`) inside an allocation, else `by_agency`.
struct HoleValues {
    const Line* line = nullptr;
    const AllocRec* alloc = nullptr;
    const CRule* rule = nullptr;
    const COutcome* outcome = nullptr;  // `{ref}` in an outcome rule's reason
    const Money* parts = nullptr;
    Money total;
    const std::vector<Money>* by_agency = nullptr;
};

// Appends the template to `out`. Lets are evaluated in `cx` (may throw EvalFailure).
void fill(std::string& out, const Template& t, EvalContext& cx, const HoleValues& h);

// "personal_care" -> "personal care".
std::string service_words(std::string_view service);
// A service as sentences name it: its declared display name ("speech and language therapy"),
// else its words ("personal care").
std::string service_display(const ProgramImpl& p, std::string_view service);

// "From 10 June 2025 to 21 July 2025, personal care costs £2,700.00: NHS ... pays £1,350.00
// and ... pays £1,350.00, because <reason> (clause 2)." Added to the end of `out`.
// `facts`: the request's bound facts, for a rule that names a fact that picks an agency.
void allocation_sentence(Sentences& out, const ProgramImpl& p, const Val* facts, const Line& line,
                         const AllocRec& a, const CRule& rule, const Money* parts, std::string_view reason);

// The issue's message for the API (lower case, backticks) and its sentence for a family,
// each replacing what `out` held (its memory reused). `reason` is a refusing or referring
// rule's reason, filled (else unused).
void issue_message(std::string& out, const ProgramImpl& p, const Line& line, const IssueRec& issue,
                   const std::vector<std::int32_t>& issue_rules, const std::string& reason);
void issue_sentence(std::string& out, const ProgramImpl& p, const Line& line, const IssueRec& issue,
                    const std::vector<std::int32_t>& issue_rules, const std::string& reason);

// "the Joint Funding Panel" (or "the panel" when the policy names none).
std::string panel_name(const ProgramImpl& p);
// "the Director of Children's Services"; a name that starts with "the" is kept as it is.
std::string with_article(const std::string& authority);
void append_with_article(std::string& out, const std::string& authority);

}  // namespace jointly::engine::detail
