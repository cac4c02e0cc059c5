// components of GET /v1/openapi.json: the schemas of every body the server reads or writes (as
// codec_encode.cpp, report.cpp, simulate.cpp and the route handlers write them), one response
// per error status, and the headers. A response schema is closed, so that a field the server
// sends and the document does not list fails the contract test (tests/openapi).
#include <string>
#include <utility>

#include "openapi.hpp"

namespace jointly::server::openapi {

ojson ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

ojson nullable(ojson schema) {
    std::string description;
    if (auto it = schema.find("description"); it != schema.end()) {
        description = it->get<std::string>();
        schema.erase(it);
    }
    ojson out;
    if (auto type = schema.find("type"); type != schema.end() && !schema.contains("$ref")) {
        if (type->is_string()) *type = ojson::array({*type, "null"});
        else type->push_back("null");
        if (auto values = schema.find("enum"); values != schema.end()) values->push_back(nullptr);
        out = std::move(schema);
    } else {
        out = {{"anyOf", ojson::array({std::move(schema), {{"type", "null"}}})}};
    }
    if (!description.empty()) out["description"] = description;
    return out;
}

ojson string(const std::string& description) {
    ojson out = {{"type", "string"}};
    if (!description.empty()) out["description"] = description;
    return out;
}

ojson integer(const std::string& description, std::optional<std::int64_t> minimum) {
    ojson out = {{"type", "integer"}};
    if (minimum) out["minimum"] = *minimum;
    if (!description.empty()) out["description"] = description;
    return out;
}

ojson boolean(const std::string& description) {
    ojson out = {{"type", "boolean"}};
    if (!description.empty()) out["description"] = description;
    return out;
}

ojson array_of(ojson items, const std::string& description) {
    ojson out = {{"type", "array"}, {"items", std::move(items)}};
    if (!description.empty()) out["description"] = description;
    return out;
}

ojson map_of(ojson values, const std::string& description) {
    ojson out = {{"type", "object"}, {"additionalProperties", std::move(values)}};
    if (!description.empty()) out["description"] = description;
    return out;
}

namespace {

// {"type": "object", "required": [...], "properties": {...}}: required are the properties not
// named in `optional`.
ojson open_object(ojson properties, std::initializer_list<const char*> optional) {
    ojson required = ojson::array();
    for (const auto& [name, schema] : properties.items()) {
        bool listed = false;
        for (const char* o : optional) listed = listed || name == o;
        if (!listed) required.push_back(name);
    }
    ojson out = {{"type", "object"}};
    if (!required.empty()) out["required"] = std::move(required);
    out["properties"] = std::move(properties);
    return out;
}

}  // namespace

ojson object(ojson properties, std::initializer_list<const char*> optional, const std::string& description) {
    ojson out = open_object(std::move(properties), optional);
    if (!description.empty()) out["description"] = description;
    out["additionalProperties"] = false;
    return out;
}

ojson extend(const std::string& base, ojson properties, std::initializer_list<const char*> optional,
             const std::string& description) {
    ojson parts = ojson::array({ref(base)});
    if (!properties.empty()) parts.push_back(open_object(std::move(properties), optional));
    ojson out = {{"type", "object"}};
    if (!description.empty()) out["description"] = description;
    out["allOf"] = std::move(parts);
    out["unevaluatedProperties"] = false;
    return out;
}

namespace {

ojson with_description(ojson schema, const std::string& description) {
    if (!description.empty()) schema["description"] = description;
    return schema;
}

ojson enum_of(std::initializer_list<const char*> values, const std::string& description = {}) {
    ojson list = ojson::array();
    for (const char* v : values) list.push_back(v);
    return with_description({{"type", "string"}, {"enum", std::move(list)}}, description);
}

ojson pattern(const char* regex, const std::string& description) {
    return with_description({{"type", "string"}, {"pattern", regex}}, description);
}

ojson date(const std::string& description = {}) {
    return with_description({{"type", "string"}, {"format", "date"}}, description);
}

ojson date_time(const std::string& description) {
    return with_description({{"type", "string"}, {"format", "date-time"}}, description);
}

void schemas_common(ojson& s) {
    s["Money"] = {{"type", "string"},
                  {"pattern", "^-?[0-9]+\\.[0-9]{2}$"},
                  {"description", "an amount in pounds, a decimal string with exactly two places"},
                  {"examples", ojson::array({"1234.56"})}};
    s["MoneyIn"] = {{"type", ojson::array({"string", "integer"})},
                    {"pattern", "^-?[0-9]+(\\.[0-9]{1,2})?$"},
                    {"description",
                     "an amount sent: a decimal string with at most two places, or a JSON integer of whole pounds (a "
                     "number with a fraction is refused, E4206)"}};
    s["Amounts"] = map_of(ref("Money"), "agency id -> amount");
    s["YearAmounts"] = with_description(map_of(ref("Amounts")), "financial year (`2025-26`) -> agency id -> amount");
    s["YearAmounts"]["propertyNames"] = {{"type", "string"}, {"pattern", "^[0-9]{4}-[0-9]{2}$"}};
    s["Outcome"] = enum_of({"approve", "refer", "decline"});
    s["OutcomeCounts"] = object({{"approve", integer()}, {"refer", integer()}, {"decline", integer()}});
    s["PolicyRef"] = object({{"id", string()}, {"version", string()}, {"sha256", pattern("^[0-9a-f]{64}$", "")}},
                            {}, "the policy version used and the SHA-256 of its source");
}

void schemas_errors(ojson& s) {
    s["ErrorDetail"] = object({{"path", string("JSON pointer into the request (`?name` for a query parameter)")},
                               {"message", string()},
                               {"code", string("E4xxx for a request, E2xxx/E3xxx from the policy (docs/diagnostics.md)")},
                               {"policy_span", object({{"line", integer()}, {"column", integer()}}, {},
                                                      "where in the policy text the problem is")},
                               {"inputs", array_of(string(), "an evaluation error's: JSON pointers to the "
                                                             "request's values the failing part of the policy "
                                                             "reads (`/facts/weeks`), in the order written")}},
                              {"policy_span", "inputs"});
    s["Diagnostic"] = object({{"severity", enum_of({"error", "warning", "note"})},
                              {"code", string()},
                              {"message", string()},
                              {"file", string()},
                              {"line", integer()},
                              {"column", integer()},
                              {"end_line", integer()},
                              {"end_column", integer()},
                              {"help", string("a suggestion, or empty")},
                              {"not_listed", integer("for an `and N more` summary (the checker's limits): the "
                                                     "findings of its code it stands for, none of them listed; "
                                                     "0 for every other diagnostic")}});
    s["ErrorBody"] = object(
        {{"code", string("stable: invalid_request, ambiguous_framing, unauthorized, forbidden, cross_origin, not_found, "
                         "method_not_allowed, conflict, cursor_ahead, length_required, payload_too_large, unsupported_media_type, "
                         "policy_invalid, evaluation_error, response_too_large, deadline_exceeded, "
                         "request_header_fields_too_large, store_unavailable, insufficient_memory, internal_error")},
         {"message", string("for a person; not stable")},
         {"details", array_of(ref("ErrorDetail"), "every problem found, each at its JSON pointer")},
         {"diagnostics", array_of(ref("Diagnostic"), "policy_invalid: every finding of the checker")},
         {"rendered", string("policy_invalid: the diagnostics GCC-style, as `jointly check` prints them")}},
        {"diagnostics", "rendered"});
    s["Error"] = object({{"error", ref("ErrorBody")}}, {}, "every error answer");
    s["PolicyInvalid"] = object(
        {{"error", {{"allOf", ojson::array({ref("ErrorBody"),
                                            {{"type", "object"},
                                             {"required", ojson::array({"code", "diagnostics", "rendered"})},
                                             {"properties",
                                              {{"code", {{"const", "policy_invalid"}}},
                                               {"diagnostics", array_of(ref("Diagnostic"))},
                                               {"rendered", string()}}}}})}}}},
        {}, "a policy that does not compile: the error with its diagnostics");
}

void schemas_requests(ojson& s) {
    const ojson text = nullable(string());
    s["LineFields"] = {{"type", "object"},
                       {"required", ojson::array({"id", "service"})},
                       {"properties",
                        {{"id", with_description({{"type", "string"}, {"minLength", 1}}, "unique within the request")},
                         {"service", {{"type", "string"}, {"minLength", 1}}},
                         {"description", {{"description", "allowed and ignored"}}}}}};
    s["OneOffLine"] = extend("LineFields", {{"amount", ref("MoneyIn")}, {"date", date()}});
    s["WeeklyLine"] = extend("LineFields", {{"weekly", ref("MoneyIn")}, {"start", date()}, {"end", date("inclusive")}});
    s["HourlyLine"] = extend("LineFields", {{"hourly", ref("MoneyIn")},
                                            {"hours_per_week", {{"type", ojson::array({"string", "integer"})},
                                                                {"pattern", "^[0-9]+(\\.[0-9]+)?$"},
                                                                {"description", "a decimal, at most 168"}}},
                                            {"start", date()},
                                            {"end", date("inclusive")}});
    s["Line"] = {{"oneOf", ojson::array({ref("OneOffLine"), ref("WeeklyLine"), ref("HourlyLine")})}};
    s["DecisionRequest"] = object(
        {{"policy", with_description(text, "optional when exactly one policy is loaded")},
         {"version", with_description(text, "a version to use instead of the one in effect on `as_of`")},
         {"as_of", with_description(nullable(date()), "the date of the decision; picks the version in effect")},
         {"case_ref", with_description(nullable({{"type", "string"},
                                                 {"minLength", 1},
                                                 {"maxLength", 200},
                                                 {"pattern", "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"}}),
                                       "stored and echoed: 1 to 200 characters, no control character (E4219)")},
         {"facts", with_description(nullable(map_of(ojson::object())),
                                    "the facts the policy declares (GET /v1/policies/{id} publishes each version's "
                                    "schema)")},
         {"events", with_description(nullable(map_of(nullable({{"oneOf", ojson::array({date(), array_of(date())})}}))),
                                     "event name -> the day it happened, or null; an event the policy declares `repeats` "
                                     "takes a list of the days it happened, each once")},
         {"lines", array_of(ref("Line"), "the package's cost lines (at most --max-lines)")},
         {"explain", {{"description", "`full` adds `trace` (as does `?explain=full`)"},
                      {"enum", ojson::array({"full", "none", true, false, nullptr})}}}},
        {"policy", "version", "as_of", "case_ref", "facts", "events", "explain"},
        "a package to decide; a field given as null is read as if left out");
    s["BatchRequest"] = {
        {"oneOf",
         ojson::array({{{"type", "object"},
                        {"required", ojson::array({"requests"})},
                        {"properties", {{"requests", array_of(ref("DecisionRequest"), "at most --max-batch")}}}},
                       array_of(ref("DecisionRequest"), "the requests alone")})}};
    s["PanelRecordRequest"] = object(
        {{"outcome", enum_of({"approved", "deferred", "declined", "escalated"})},
         {"date", date("the panel's date")},
         {"members", {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "string"}, {"minLength", 1}}}}},
         {"notes", string()},
         {"override", nullable(object({{"shares", map_of(ref("MoneyIn"), "agency -> amount; they sum to the total")},
                                       {"reason", {{"type", "string"}, {"minLength", 1}}}}))}},
        {"notes", "override"});
    s["PolicySource"] = {{"type", "object"},
                         {"required", ojson::array({"source"})},
                         {"properties",
                          {{"source", {{"type", "string"}, {"minLength", 1}, {"description", "the policy text"}}},
                           {"file", {{"type", "string"}, {"minLength", 1}, {"description", "a name for diagnostics"}}}}}};
    s["SimulationRequest"] = object(
        {{"policy", text},
         {"version", text},
         {"vs_version", with_description(text, "another loaded version to compare with")},
         {"vs_source", with_description(text, "a draft policy text to compare with")},
         {"cases", array_of(ref("DecisionRequest"), "a case that is not a valid request is reported in `errors`")}},
        {"policy", "version", "vs_version", "vs_source"});
    s["ReconcileRequest"] = object({{"policy", text},
                                    {"version", text},
                                    {"as_of", nullable(date())},
                                    {"spend", ref("MoneyIn")},
                                    {"carry_forward", nullable(boolean("the board's decision"))},
                                    {"contributions", nullable(map_of(ref("MoneyIn"), "the year's actual contributions"))}},
                                   {"policy", "version", "as_of", "carry_forward", "contributions"});
}

void schemas_decisions(ojson& s) {
    const ojson strings = array_of(string());
    s["Allocation"] = object({{"line", string()},
                              {"from", date()},
                              {"to", date("inclusive")},
                              {"days", integer()},
                              {"cost", ref("Money")},
                              {"rule", string()},
                              {"ref", string("the rule's clause, or empty")},
                              {"shares", ref("Amounts")},
                              {"reason", string()}},
                             {}, "one segment of a line and who pays it");
    s["Issue"] = object({{"kind", enum_of({"uncovered", "conflict", "cap_excess", "refused", "referred"})},
                         {"line", string()},
                         {"from", date()},
                         {"to", date("inclusive")},
                         {"cost", ref("Money")},
                         {"rules", strings},
                         {"message", string()},
                         {"rule", nullable(string("cap_excess, refused, referred: the rule behind it"))},
                         {"ref", nullable(string("that rule's clause"))},
                         {"reason", string("refused, referred: the rule's reason")},
                         {"referred_to", string("referred: who decides")}},
                        {"reason", "referred_to"},
                        "a segment nobody pays by the rules: the panel decides it (uncovered, conflict, "
                        "cap_excess), a rule refuses it, or a rule refers it to someone; counted in no total");
    s["Reason"] = object({{"kind", enum_of({"decline", "refer", "issue", "line_refer"})},
                          {"rule", nullable(string("the rule's name (outcome rules have none)"))},
                          {"ref", nullable(string("the clause of the agreement"))},
                          {"text", string("the same sentence as in outcome_reasons")}},
                         {}, "where an outcome reason comes from");
    s["TraceStep"] = object({{"subject", string()}, {"rule", string()}, {"applied", boolean()}, {"detail", strings}});
    s["DecisionFields"] = {
        {"type", "object"},
        {"description", "the fields of every decision (open: the answers below close it)"},
        {"required", ojson::array({"policy", "engine", "as_of", "case_ref", "outcome", "outcome_reasons", "eligibility",
                                   "total", "by_agency", "by_financial_year", "by_line", "allocations", "issues",
                                   "explanation"})},
        {"properties",
         {{"policy", ref("PolicyRef")},
          {"engine", string("`jointly VERSION`")},
          {"as_of", nullable(date())},
          {"case_ref", string("as sent, or empty")},
          {"outcome", ref("Outcome")},
          {"referred_to", string("only when the outcome is `refer`")},
          {"outcome_reasons", strings},
          {"reasons", array_of(ref("Reason"), "parallel to outcome_reasons: the kind, rule and clause of each "
                                              "(absent from decisions stored before it was added)")},
          {"eligibility", map_of(object({{"met", boolean()}, {"reason", string()}}), "every threshold the policy declares")},
          {"total", ref("Money")},
          {"by_agency", with_description(ref("Amounts"), "every agency, zeros included")},
          {"by_agency_group", with_description(ref("Amounts"), "each agency group's total (its members' amounts added), "
                                                               "zeros included; only when the policy declares agency groups")},
          {"by_financial_year", ref("YearAmounts")},
          {"by_line", map_of(ref("Amounts"), "line id -> agency -> amount")},
          {"allocations", array_of(ref("Allocation"))},
          {"issues", array_of(ref("Issue"))},
          {"explanation", strings},
          {"trace", array_of(ref("TraceStep"), "only with explain=full")}}}};
    s["Decision"] = extend("DecisionFields", ojson::object(), {}, "a decision (POST /v1/evaluate)");
    s["StoredDecision"] = extend("DecisionFields",
                                 {{"decision_id", string()},
                                  {"supersedes", string("a rectification: the decision this one replaces")}},
                                 {"supersedes"}, "a decision as stored (POST /v1/decisions)");
    s["BatchError"] = object({{"error", ref("ErrorBody")}, {"status", integer("the status it would have alone")}});
    s["BatchResult"] = object({{"count", integer()},
                               {"failed", integer()},
                               {"results", array_of({{"oneOf", ojson::array({ref("Decision"), ref("BatchError")})}},
                                                    "one per request, in order")}});
    s["PanelRecord"] = object({{"outcome", enum_of({"approved", "deferred", "declined", "escalated"})},
                               {"date", date()},
                               {"members", strings},
                               {"notes", string()},
                               {"override", object({{"shares", ref("Amounts")}, {"reason", string()}})}},
                              {"override"}, "the panel's record as stored");
    s["PanelRecordEntry"] = object({{"panel_record_id", string()},
                                    {"decision_id", string()},
                                    {"created_at", date_time("UTC")},
                                    {"supersedes", nullable(string("the panel record this one replaces"))},
                                    {"record", ref("PanelRecord")}});
    s["DecisionRecord"] = extend("DecisionFields",
                                 {{"decision_id", string()},
                                  {"created_at", date_time("UTC, when it was stored")},
                                  {"request", map_of(true, "the request as sent")},
                                  {"panel", nullable(ref("PanelRecordEntry"))},
                                  {"panel_records", array_of(ref("PanelRecordEntry"), "oldest first")},
                                  {"supersedes", string("a rectification: the decision this one replaces")},
                                  {"erasure", {{"type", "null"}, {"description", "null: not erased"}}}},
                                 {"supersedes"}, "a stored decision with its request and panel records");
    s["Erasure"] = object({{"at", date_time("UTC")},
                           {"principal", string("the admin token's name")},
                           {"reason", string()},
                           {"superseded_by", nullable(string("a rectification: the decision that replaces it"))}},
                          {}, "the tombstone of an erasure or rectification");
    s["ErasedDecisionRecord"] = object({{"decision_id", string()},
                                        {"supersedes", string()},
                                        {"policy", ref("PolicyRef")},
                                        {"engine", string()},
                                        {"as_of", nullable(date())},
                                        {"case_ref", {{"type", "null"}}},
                                        {"outcome", ref("Outcome")},
                                        {"referred_to", string()},
                                        {"total", ref("Money")},
                                        {"by_agency", ref("Amounts")},
                                        {"by_financial_year", ref("YearAmounts")},
                                        {"created_at", date_time("UTC, when it was stored")},
                                        {"request", {{"type", "null"}}},
                                        {"panel", nullable(ref("PanelRecordEntry"))},
                                        {"panel_records", array_of(ref("PanelRecordEntry"), "oldest first")},
                                        {"erasure", ref("Erasure")}},
                                       {"supersedes", "referred_to"},
                                       "an erased decision: its figures and the tombstone, nothing of the child");
    s["ErasureRequest"] = object({{"reason", {{"type", "string"}, {"minLength", 1}, {"maxLength", 2000}}}});
    s["RectificationRequest"] = object({{"reason", {{"type", "string"}, {"minLength", 1}, {"maxLength", 2000}}},
                                        {"request", ref("DecisionRequest")}});
    s["ErasureResult"] = object({{"decision_id", string()},
                                 {"already_erased", boolean("true: it was erased before and nothing changed")},
                                 {"erasure", ref("Erasure")}});
    s["Change"] = object({{"seq", pattern("^[0-9]+$", "increasing; a cursor")},
                          {"at", date_time("UTC")},
                          {"kind", enum_of({"decision", "panel_record", "erasure"})},
                          {"decision_id", string()},
                          {"panel_record_id", nullable(string())}});
    s["ChangeFeed"] = object({{"changes", array_of(ref("Change"), "oldest first")},
                              {"next", pattern("^[0-9]+$", "pass as `after` for what follows")}});
    s["DecisionSummary"] = object({{"decision_id", string()},
                                   {"case_ref", nullable(string("null when erased"))},
                                   {"erased", boolean()},
                                   {"policy", ref("PolicyRef")},
                                   {"as_of", nullable(date())},
                                   {"created_at", date_time("UTC")},
                                   {"outcome", ref("Outcome")},
                                   {"total", ref("Money")}});
    s["DecisionList"] = object({{"total", integer("every match")},
                                {"limit", integer()},
                                {"offset", integer()},
                                {"decisions", array_of(ref("DecisionSummary"), "newest first")},
                                {"next", nullable(string("the next page's URL (with `after`); null on the last"))}});
}

void schemas_reports(ojson& s) {
    s["ServiceSpend"] = object({{"decisions", integer()}, {"total", ref("Money")}, {"by_agency", ref("Amounts")}});
    s["Spend"] = object({{"decisions", integer()},
                         {"total", ref("Money")},
                         {"by_agency", ref("Amounts")},
                         {"by_financial_year", ref("YearAmounts")},
                         {"by_service", map_of(ref("ServiceSpend"))}});
    s["PanelOutcomeCounts"] = object({{"approved", integer()},
                                      {"deferred", integer()},
                                      {"declined", integer()},
                                      {"escalated", integer()},
                                      {"none", integer()}});
    s["DecisionGroup"] = object({{"decisions", integer()},
                                 {"outcomes", ref("OutcomeCounts")},
                                 {"panel_outcomes", ref("PanelOutcomeCounts")},
                                 {"overrides", integer("funded decisions whose latest panel record overrides the split")},
                                 {"funded", ref("Money")}});
    s["Summary"] = object(
        {{"from", nullable(date("the filter, or null"))},
         {"to", nullable(date("the filter, or null"))},
         {"policy", nullable(string("the filter, or null"))},
         {"decisions", integer()},
         {"outcomes", ref("OutcomeCounts")},
         {"panel_outcomes", ref("PanelOutcomeCounts")},
         {"referred_to", map_of(integer(), "authority -> referrals")},
         {"by_reason", array_of(object({{"kind", enum_of({"decline", "refer", "issue", "line_refer"})},
                                         {"rule", nullable(string("the rule's name (outcome rules have none)"))},
                                         {"ref", nullable(string("the clause of the agreement"))},
                                         {"decisions", integer("decisions that gave this reason")}}),
                                 "decisions by the structured reasons the rules gave, each decision once per distinct "
                                 "reason (not the panel's); erased decisions and ones stored before reasons were "
                                 "recorded give none")},
         {"funded", ref("Spend")},
         {"declined", ref("Spend")},
         {"overrides", object({{"decisions", integer()}, {"by_agency", ref("Amounts")}})},
         {"by_month", map_of(ref("DecisionGroup"), "the UTC month stored (YYYY-MM) -> decisions, oldest first")},
         {"by_age_band", map_of(ref("DecisionGroup"),
                                "0-4, 5-10, 11-15, 16-17, 18-25, 26+ or unknown: the age on the decision's as_of (or "
                                "the day stored) from the request's date_of_birth fact")},
         {"by_need_level", map_of(map_of(ref("DecisionGroup"), "level -> decisions, lowest level first"),
                                  "scale fact -> the highest level the request gives in any domain")},
         {"unreadable", integer()}});
    s["AuditEntry"] = object({{"id", integer("increasing")},
                              {"at", date_time("UTC, milliseconds")},
                              {"principal", string("the token's name, or anonymous")},
                              {"client", string("the peer's address")},
                              {"request_id", string("the server's own id for the request (32 hex digits, "
                                                    "unique per request; X-Jointly-Request-Id)")},
                              {"client_request_id", nullable(string("the caller's X-Request-Id (or traceparent's "
                                                                    "trace id) as sent; callers choose it, so two "
                                                                    "entries may share one"))},
                              {"action", enum_of({"read", "write", "list", "report", "erase", "rectify"})},
                              {"route", string("the route template")},
                              {"decision_id", nullable(string("at most 64 bytes of the id asked for, then "
                                                              "`…(truncated)`"))},
                              {"panel_record_id", nullable(string("at most 64 bytes, as decision_id"))},
                              {"detail", nullable(string("the query of a list, summary or audit read (at most "
                                                         "256 bytes, then `…(truncated)`)"))},
                              {"status", integer()},
                              {"hash", nullable(pattern("^[0-9a-f]{64}$",
                                                        "SHA-256 over the previous entry's hash and this entry's "
                                                        "fields (the hash chain: operations.md); record the newest "
                                                        "to check later that nothing was cut from the end"))}});
    s["AuditPage"] = object({{"entries", array_of(ref("AuditEntry"), "oldest first")},
                             {"next", nullable(pattern("^[0-9]+$", "pass as `after` for the next page; null at the end"))}});
    const ojson side_amounts = {{"total", ref("Money")},
                                {"by_agency", ref("Amounts")},
                                {"by_financial_year", ref("YearAmounts")}};
    s["NotAllocated"] = object({{"total", ref("Money")},
                                {"uncovered", ref("Money")},
                                {"conflict", ref("Money")},
                                {"cap_excess", with_description(ref("Money"), "over a cap whose excess goes to the panel")},
                                {"refused", ref("Money")},
                                {"referred", with_description(ref("Money"), "segments a rule refers to an authority")}},
                               {}, "the cost of the segments no agency is allocated, by issue kind");
    const ojson group = {{"cases", integer()},
                         {"total", with_description(ref("Money"), "allocated to agencies")},
                         {"by_agency", ref("Amounts")},
                         {"not_allocated", ref("NotAllocated")},
                         {"cost", with_description(ref("Money"), "total + not_allocated.total")}};
    ojson declined = group;
    declined["by_financial_year"] = ref("YearAmounts");
    ojson side = side_amounts;
    side["policies"] = array_of(string(), "`id version` of each version used");
    side["funded_cases"] = integer();
    side["outcomes"] = ref("OutcomeCounts");
    side["outcomes_by_policy"] = map_of(ref("OutcomeCounts"));
    side["approved"] = object(group, {}, "the approved cases");
    side["referred"] = object(group, {}, "the referred cases: their allocation is pending the panel");
    side["not_allocated"] = ref("NotAllocated");
    side["cost"] = with_description(ref("Money"), "total + not_allocated.total: every penny of the approved and referred cases");
    side["declined"] = object(declined, {}, "the declined cases: what the rules would have allocated");
    side["by_reason"] = array_of(object({{"kind", enum_of({"decline", "refer", "issue", "line_refer"})},
                                         {"rule", nullable(string())},
                                         {"ref", nullable(string())},
                                         {"cases", integer("cases that give this reason")},
                                         {"total", with_description(ref("Money"), "allocated in those cases")},
                                         {"not_allocated", with_description(ref("Money"), "not allocated in those cases")}}),
                                 "per structured outcome reason; a case counts under each reason it gives");
    side["outside_effective_dates"] =
        object({{"cases", integer()}, {"case_refs", array_of(string(), "the first 100")}}, {},
               "cases evaluated by a pinned or only version whose effective dates do not include their as_of");
    s["SimulationSide"] = object(side);
    s["SimulationResult"] = object(
        {{"cases", integer()},
         {"evaluated", integer()},
         {"skipped", integer()},
         {"a", ref("SimulationSide")},
         {"b", ref("SimulationSide")},
         {"difference", object({{"total", ref("Money")},
                                {"by_agency", ref("Amounts")},
                                {"by_financial_year", ref("YearAmounts")},
                                {"not_allocated", ref("Money")},
                                {"rounding", ref("Money")}},
                               {}, "B - A of the funded totals and of what they leave unallocated; `rounding`: B - A of "
                                   "the cost of every counted case's lines, not zero only because each segment is "
                                   "rounded once and B cuts the lines into other segments")},
         {"outcomes_changed", integer()},
         {"outcome_changes", array_of(object({{"from", ref("Outcome")}, {"to", ref("Outcome")}, {"cases", integer()}}),
                                      "cases by outcome under A and under B, only the pairs that occur")},
         {"splits_changed", integer()},
         {"changed", array_of(object({{"case", integer("index in `cases`")},
                                      {"case_ref", string()},
                                      {"outcome_a", ref("Outcome")},
                                      {"outcome_b", ref("Outcome")},
                                      {"total_a", ref("Money")},
                                      {"total_b", ref("Money")},
                                      {"not_allocated_a", ref("Money")},
                                      {"not_allocated_b", ref("Money")},
                                      {"by_agency_a", ref("Amounts")},
                                      {"by_agency_b", ref("Amounts")}}),
                              "the first 1,000 changed cases")},
         {"changed_omitted", integer("changed cases not listed")},
         {"errors", array_of(object({{"case", integer()},
                                     {"side", enum_of({"a", "b", ""})},
                                     {"message", string()},
                                     {"details", array_of(ref("ErrorDetail"))}}),
                             "cases that could not be evaluated, skipped")}},
        {"b", "difference", "outcomes_changed", "outcome_changes", "splits_changed", "changed", "changed_omitted"},
        "`b`, `difference` and the changes only when comparing");
    s["Reconciliation"] = object({{"pool", string()},
                                  {"budget", ref("Money")},
                                  {"spend", ref("Money")},
                                  {"overspend", ref("Money")},
                                  {"underspend", ref("Money")},
                                  {"contributions", ref("Amounts")},
                                  {"overspend_shares", ref("Amounts")},
                                  {"underspend_returned", ref("Amounts")},
                                  {"carried_forward", ref("Money")},
                                  {"provisional", boolean()},
                                  {"tolerance_exceeded", boolean()},
                                  {"tolerance", nullable(pattern("^[0-9]+(\\.[0-9]+)?$", "a fraction of the budget"))},
                                  {"notes", array_of(string())},
                                  {"policy", ref("PolicyRef")}},
                                 {"policy"}, "`policy` when a policy defines the pool");
}

void schemas_policies(ojson& s) {
    const ojson nullable_date = nullable(date());
    s["PolicyOrigin"] = object(
        {{"kind", enum_of({"file", "upload"}, "file: the policy folder; upload: POST /v1/policies, kept in the store")},
         {"file", string("file: the path under the policy folder; upload: the name the uploader gave")},
         {"uploaded_by", string("the uploader's token name")},
         {"uploaded_at", string("UTC, ISO 8601")},
         {"upload_seq", integer("the store's order of uploading")}},
        {"uploaded_by", "uploaded_at", "upload_seq"}, "where this version came from; the upload fields only for uploads");
    s["PolicyVersionFields"] = {{"type", "object"},
                                {"required",
                                 ojson::array({"version", "title", "effective_from", "effective_to", "sha256", "origin"})},
                                {"properties",
                                 {{"version", string()},
                                  {"title", string()},
                                  {"effective_from", nullable_date},
                                  {"effective_to", with_description(nullable_date, "inclusive; null: open-ended")},
                                  {"sha256", pattern("^[0-9a-f]{64}$", "of the source")},
                                  {"origin", ref("PolicyOrigin")}}}};
    s["PolicyVersion"] = extend("PolicyVersionFields", ojson::object());
    s["PolicyList"] = object(
        {{"generation", integer("increases at each reload")},
         {"policies", array_of(object({{"id", string()}, {"title", string()}, {"versions", array_of(ref("PolicyVersion"))}}))}});
    s["PolicyVersionDetail"] = extend(
        "PolicyVersionFields",
        {{"agencies", array_of(object({{"id", string()}, {"name", string()}}))},
         {"agency_groups", array_of(object({{"id", string()}, {"members", array_of(string(), "agency ids")}}),
                                    "`agency group` declarations, in written order")},
         {"services",
          array_of(object({{"id", string()},
                           {"name", nullable(string("the display name of a declared service"))},
                           {"kind", nullable(enum_of({"weekly", "hourly", "one_off"},
                                                     "the kind of line it is bought as, when declared"))}}),
                   "the policy's declared services in written order, or, when it declares none, the services its "
                   "rules name (name and kind null); service groups are not listed")},
         {"outcome_rules",
          array_of(object({{"kind", enum_of({"decline", "refer"})},
                           {"referred_to", nullable(string("refer only: the authority"))},
                           {"ref", nullable(string("the clause, when written"))},
                           {"reason", nullable(string("`because`, when written"))},
                           {"line", integer("where the rule starts in `source`")},
                           {"total_thresholds",
                            array_of(object({{"op", enum_of({">", ">=", "<", "<="})}, {"amount", ref("Money")}}),
                                     "each `total OP £X` among the condition's and-joined parts, read as total OP "
                                     "amount; empty when the condition has none")}}),
                   "the outcome rules (`decline when`, `refer to ... when`) in written order")},
         {"events", array_of(string())},
         {"repeating_events", array_of(string(), "the events declared `repeats`: a request gives each a list of dates")},
         {"pools", array_of(string())},
         {"schema", map_of(true, "JSON Schema 2020-12 of a request for this version")},
         {"source", string("the policy text")}});
    s["PolicyDetail"] =
        object({{"id", string()}, {"title", string()}, {"versions", array_of(ref("PolicyVersionDetail"))}});
    s["PolicySummaryFields"] = {
        {"type", "object"},
        {"required", ojson::array({"id", "version", "title", "effective_from", "effective_to", "sha256", "diagnostics"})},
        {"properties",
         {{"id", string()},
          {"version", string()},
          {"title", string()},
          {"effective_from", nullable_date},
          {"effective_to", nullable_date},
          {"sha256", pattern("^[0-9a-f]{64}$", "of the source")},
          {"diagnostics", array_of(ref("Diagnostic"), "warnings and notes")}}}};
    s["PolicyUploaded"] = extend("PolicySummaryFields", ojson::object());
    s["PolicyChecked"] = extend("PolicySummaryFields",
                                {{"ok", {{"const", true}}},
                                 {"already_loaded", boolean("that id and version are in service")}});
    s["WhoAmI"] = object({{"name", nullable(string("the token's name from the tokens file (never the token)"))},
                          {"role", nullable(enum_of({"client", "panel", "author", "auditor", "admin"}))},
                          {"authenticated", boolean("false only on a development instance without tokens")}});
    s["Health"] = object({{"status", {{"const", "ok"}}},
                          {"engine", string()},
                          {"policy_versions", integer("loaded")},
                          {"generation", integer()}});
}

ojson schemas() {
    ojson s = ojson::object();
    schemas_common(s);
    schemas_errors(s);
    schemas_requests(s);
    schemas_decisions(s);
    schemas_reports(s);
    schemas_policies(s);
    return s;
}

ojson header_ref(const std::string& name) { return {{"$ref", "#/components/headers/" + name}}; }

ojson headers() {
    auto header = [](const std::string& description, bool required = true) {
        return ojson{{"description", description}, {"required", required}, {"schema", {{"type", "string"}}}};
    };
    ojson h = ojson::object();
    h["X-Request-Id"] = header("the caller's X-Request-Id (1-128 of [A-Za-z0-9._:-]) echoed, else traceparent's "
                               "trace id, else X-Jointly-Request-Id; the access log's and audit trail's "
                               "`client_request_id` when the caller sent one");
    h["X-Request-Id-If-Read"] = header("X-Request-Id, absent when cpp-httplib could not read the request", false);
    h["X-Jointly-Request-Id"] = header("the server's own id for the request (32 hex digits, unique per request, "
                                       "never the caller's): the `request_id` of the access log and the audit trail");
    h["X-Jointly-Request-Id-If-Read"] =
        header("X-Jointly-Request-Id, absent when cpp-httplib could not read the request", false);
    h["Cache-Control"] = header("`no-store`: every answer may hold a child's data or depend on who asked");
    h["Location"] = header("the created resource");
    h["Idempotent-Replayed"] = header("`true` when the answer replays an earlier request with the same "
                                      "Idempotency-Key (nothing new was stored)",
                                      false);
    h["Link"] = header("`<URL>; rel=\"next\"`: the next page of a CSV list", false);
    h["WWW-Authenticate"] = header("`Bearer realm=\"jointly\"`");
    h["Allow"] = header("the methods the path takes");
    h["Content-Security-Policy"] = header("the page may run only its own inline script and style");
    return h;
}

struct ErrorStatus {
    int status;
    const char* name;
    const char* description;
    // False where cpp-httplib answers a request it cannot read, before the server sees it
    // (no X-Request-Id then).
    bool request_id = true;
};

// The error answers every operation may give (some added only where they apply).
constexpr ErrorStatus kErrors[] = {
    {400, "BadRequest",
     "the request cannot be read: ambiguous framing (`Content-Length` with `Transfer-Encoding`, or two lengths), a "
     "`Content-Length` that is not a number, a request or header line cpp-httplib cannot parse (e.g. a header line "
     "over 8 KiB: then without `X-Request-Id`), or (where the route reads one) a body or query that is wrong",
     false},
    {401, "Unauthorized", "no bearer token where one is needed, or a token that is not recognised (on any route)"},
    {403, "Forbidden", "a POST from another origin (cross_origin), or a token whose role may not use the route"},
    {404, "NotFound", "not found"},
    {405, "MethodNotAllowed", "the path does not take this method; `Allow` lists those it takes"},
    {409, "Conflict", "conflict"},
    {411, "LengthRequired", "a body sent chunked (`Transfer-Encoding`), or a POST without `Content-Length`"},
    {413, "PayloadTooLarge", "the declared `Content-Length` is over --max-body (refused before reading)"},
    {414, "UriTooLong", "the request target (path and query) is over 8 KiB; refused by cpp-httplib before routing",
     false},
    {415, "UnsupportedMediaType", "a compressed body (`Content-Encoding`), or a POST body of another media type"},
    {421, "MisdirectedRequest", "the `Host` header names a host this server does not answer to (not an IP address, "
                                "`localhost` or a name given with --allow-host): refused before any route runs"},
    {422, "Unprocessable", "the request is well formed but cannot be answered"},
    {431, "HeaderFieldsTooLarge", "more header fields than --max-headers, or more bytes than --max-header-bytes"},
    {500, "InternalError", "a fault of the server (internal_error)"},
    {503, "Unavailable", "the decision store failed (store_unavailable) or memory ran out (insufficient_memory); "
                         "nothing was acknowledged: try again"},
};

ojson responses() {
    ojson r = ojson::object();
    for (const auto& e : kErrors) {
        ojson response = {{"description", e.description},
                          {"headers", {{"X-Request-Id", header_ref(e.request_id ? "X-Request-Id" : "X-Request-Id-If-Read")},
                                       {"X-Jointly-Request-Id", header_ref(e.request_id ? "X-Jointly-Request-Id"
                                                                                       : "X-Jointly-Request-Id-If-Read")},
                                       {"Cache-Control", header_ref("Cache-Control")}}},
                          {"content", {{"application/json", {{"schema", ref("Error")}}}}}};
        if (e.status == 401) response["headers"]["WWW-Authenticate"] = header_ref("WWW-Authenticate");
        if (e.status == 405) response["headers"]["Allow"] = header_ref("Allow");
        r[e.name] = std::move(response);
    }
    r["PolicyInvalid"] = {{"description", "the policy does not compile: every diagnostic, with line and column"},
                          {"headers", {{"X-Request-Id", header_ref("X-Request-Id")},
                                       {"X-Jointly-Request-Id", header_ref("X-Jointly-Request-Id")},
                                       {"Cache-Control", header_ref("Cache-Control")}}},
                          {"content", {{"application/json", {{"schema", ref("PolicyInvalid")}}}}}};
    return r;
}

}  // namespace

std::string response_name(int status) {
    for (const auto& e : kErrors)
        if (e.status == status) return e.name;
    return {};
}

ojson components() {
    return {{"schemas", schemas()},
            {"responses", responses()},
            {"headers", headers()},
            {"securitySchemes",
             {{"bearer",
               {{"type", "http"},
                {"scheme", "bearer"},
                {"description", "a token from the --tokens file (lines `TOKEN ROLE [NAME]`); roles client, panel, "
                                "author, auditor, admin: each operation's `x-roles` lists those that may call it"}}}}}};
}

}  // namespace jointly::server::openapi
