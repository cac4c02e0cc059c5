// GET /v1/openapi.json: an OpenAPI 3.1 description of every route, every status each can
// answer, and the exact shape of every body (openapi_schemas.cpp). To document a route, add
// an Operation to operations() below; tests/openapi calls every operation of the document
// against a real server and fails on any answer the document does not describe.
#include <string>
#include <utility>

#include "http_internal.hpp"
#include "openapi.hpp"

namespace jointly::server {
namespace openapi {
namespace {

// What every route of `jointly serve` may answer whatever it does: the request screen
// (http_screen.cpp) refuses framing, lengths, encodings and headers before routing; a token
// that is sent is checked on every route; the other methods of a path are refused; and a
// fault or exhausted memory is answered, not dropped.
constexpr int kCommonErrors[] = {400, 401, 405, 411, 413, 414, 415, 421, 431, 500, 503};

ojson response_ref(const std::string& name, const std::string& description) {
    ojson out = {{"$ref", "#/components/responses/" + name}};
    if (!description.empty()) out["description"] = description;
    return out;
}

ojson header_ref(const std::string& name) { return {{"$ref", "#/components/headers/" + name}}; }

std::string who_may_call(Access access) {
    if (access == Access::Open) return "Open: no token needed (a token that is sent is checked).";
    if (access == Access::Evaluate)
        return "Needs a token of any role, unless the server runs with `--open-evaluation`.";
    const auto roles = roles_for(access);
    if (roles.size() == 1) return "Needs a token with the " + role_list(access) + " role.";
    if (roles != roles_for(Access::AnyToken)) return "Needs a token with one of the roles " + role_list(access) + ".";
    return "Needs a token of any role.";
}

ojson roles(Access access) {
    ojson out = ojson::array();
    for (const Role role : roles_for(access)) out.push_back(to_string(role));
    return out;
}

}  // namespace

Operation::Operation(std::string operation_id, std::string summary, Access access)
    : operation_id_(std::move(operation_id)), summary_(std::move(summary)), access_(access) {}

Operation& Operation::tag(std::string name) {
    tags_.push_back(std::move(name));
    return *this;
}

Operation& Operation::describe(std::string text) {
    description_ = std::move(text);
    return *this;
}

Operation& Operation::path_id(std::string description) {
    parameters_.push_back({{"name", "id"},
                           {"in", "path"},
                           {"required", true},
                           {"description", std::move(description)},
                           {"schema", {{"type", "string"}}}});
    return *this;
}

Operation& Operation::query(std::string name, ojson schema, std::string description) {
    parameters_.push_back(
        {{"name", std::move(name)}, {"in", "query"}, {"description", std::move(description)}, {"schema", std::move(schema)}});
    return *this;
}

Operation& Operation::request_header(std::string name, ojson schema, std::string description) {
    parameters_.push_back({{"name", std::move(name)},
                           {"in", "header"},
                           {"description", std::move(description)},
                           {"schema", std::move(schema)}});
    return *this;
}

Operation& Operation::also(int status, std::string media_type, ojson schema) {
    responses_.at(status)["content"][std::move(media_type)] = {{"schema", std::move(schema)}};
    return *this;
}

Operation& Operation::body(std::map<std::string, ojson> media) {
    ojson content = ojson::object();
    for (auto& [type, schema] : media) content[type] = {{"schema", std::move(schema)}};
    request_body_ = {{"required", true}, {"content", std::move(content)}};
    return *this;
}

Operation& Operation::json_body(ojson schema) { return body({{"application/json", std::move(schema)}}); }

Operation& Operation::ok(int status, std::string description, ojson schema) {
    return ok_media(status, std::move(description), "application/json", std::move(schema));
}

Operation& Operation::ok_media(int status, std::string description, std::string media_type, ojson schema,
                               std::vector<std::string> headers) {
    ojson response = {{"description", std::move(description)},
                      {"headers", {{"X-Request-Id", header_ref("X-Request-Id")},
                                   {"X-Jointly-Request-Id", header_ref("X-Jointly-Request-Id")},
                                   {"Cache-Control", header_ref("Cache-Control")}}},
                      {"content", {{std::move(media_type), {{"schema", std::move(schema)}}}}}};
    for (const auto& name : headers) response["headers"][name] = header_ref(name);
    responses_[status] = std::move(response);
    return *this;
}

Operation& Operation::header(int status, std::string name) {
    responses_.at(status)["headers"][name] = header_ref(name);
    return *this;
}

Operation& Operation::error(int status, std::string description) {
    responses_[status] = response_ref(response_name(status), description);
    return *this;
}

Operation& Operation::error_response(int status, std::string response_name, std::string description) {
    responses_[status] = response_ref(response_name, description);
    return *this;
}

ojson Operation::build(const std::string& method) const {
    auto responses = responses_;
    for (int status : kCommonErrors)
        if (!responses.count(status)) responses[status] = response_ref(response_name(status), "");
    const bool role_limited = roles_for(access_).size() < roles_for(Access::AnyToken).size();
    if ((method == "post" || role_limited) && !responses.count(403))
        responses[403] = response_ref(response_name(403), role_limited && method == "post"
                                                               ? "the token's role may not use the route, or a POST "
                                                                 "from another origin (cross_origin)"
                                                           : role_limited ? "the token's role may not use the route"
                                                                          : "a POST from another origin (cross_origin)");
    ojson op = ojson::object();
    op["operationId"] = operation_id_;
    op["summary"] = summary_;
    op["description"] = (description_.empty() ? "" : description_ + "\n\n") + who_may_call(access_);
    op["tags"] = tags_;
    if (!parameters_.empty()) op["parameters"] = parameters_;
    if (!request_body_.is_null()) op["requestBody"] = request_body_;
    ojson answers = ojson::object();
    for (const auto& [status, response] : responses) answers[std::to_string(status)] = response;
    op["responses"] = std::move(answers);
    if (access_ == Access::Open) {
        op["security"] = ojson::array({ojson::object(), {{"bearer", ojson::array()}}});
    } else {
        op["security"] = ojson::array({{{"bearer", ojson::array()}}});
        op["x-roles"] = roles(access_);
    }
    return op;
}

void Paths::add(const std::string& method, const std::string& path, const Operation& operation) {
    paths_[path][method] = operation.build(method);
}

namespace {

ojson date_param() { return {{"type", "string"}, {"format", "date"}}; }

ojson explain_param() { return {{"type", "string"}, {"enum", ojson::array({"full", "none"})}, {"default", "none"}}; }

std::map<std::string, ojson> policy_text_body() {
    return {{"text/plain", {{"type", "string"}, {"minLength", 1}, {"description", "the policy text"}}},
            {"application/json", ref("PolicySource")}};
}

ojson idempotency_key() { return {{"type", "string"}, {"pattern", "^[!-~]{1,255}$"}}; }

constexpr const char* idempotency_text =
    "makes a retry safe: the same key and byte-identical body from the same caller answer the first 201 again "
    "(with `Idempotent-Replayed: true`) and store nothing; another body is 409";

void decision_operations(Paths& paths) {
    const char* request_problems = "the body is not JSON or a field is wrong: every problem in `details`, each at its "
                                   "JSON pointer";
    const char* no_policy = "no such policy or version, or no version in effect on `as_of`";
    paths.add("post", "/v1/evaluate",
              Operation("evaluate", "evaluate a package without storing it", Access::Evaluate)
                  .tag("decisions")
                  .describe("The same policy version and request always give byte-identical output.")
                  .query("explain", explain_param(), "`full` adds `trace`")
                  .json_body(ref("DecisionRequest"))
                  .ok(200, "the decision", ref("Decision"))
                  .error(400, request_problems)
                  .error(404, no_policy)
                  .error(422, "the policy cannot answer this request (evaluation_error, E3xxx), or the answer would "
                              "be over --max-response (response_too_large)"));
    paths.add("post", "/v1/evaluate/batch",
              Operation("evaluateBatch", "evaluate many packages; each result is a decision or an error",
                        Access::Evaluate)
                  .tag("decisions")
                  .describe("A request that fails is an error object with its `status` in `results`; the call "
                            "itself answers 200.")
                  .query("explain", explain_param(), "`full` adds `trace` to every decision")
                  .json_body(ref("BatchRequest"))
                  .ok(200, "a result per request", ref("BatchResult"))
                  .error(400, "the body is not JSON, or `requests` is missing or not an array")
                  .error(413, "more requests than --max-batch, or the body over --max-body")
                  .error(422, "the batch took longer than --request-deadline-ms (deadline_exceeded), or the answer "
                              "would be over --max-response (response_too_large)"));
    paths.add("post", "/v1/decisions",
              Operation("createDecision", "evaluate and store a decision", Access::Records)
                  .tag("decisions")
                  .describe("Answered only after the row is committed: an acknowledged decision survives a crash. "
                            "Audited.")
                  .query("explain", explain_param(), "`full` adds `trace`")
                  .request_header("Idempotency-Key", idempotency_key(), idempotency_text)
                  .json_body(ref("DecisionRequest"))
                  .ok(201, "the decision as stored (or, for a replayed Idempotency-Key, as first stored); `Location` "
                           "is its URL",
                      ref("StoredDecision"))
                  .header(201, "Location")
                  .header(201, "Idempotent-Replayed")
                  .error(409, "the Idempotency-Key was used before by this caller with another body "
                              "(idempotency_conflict)")
                  .error(400, request_problems)
                  .error(404, no_policy)
                  .error(422, "the policy cannot answer this request (evaluation_error), or the answer would be over "
                              "--max-response (response_too_large): nothing is stored")
                  .error(503, "the store (or the audit trail) failed: nothing was acknowledged"));
    paths.add("get", "/v1/decisions",
              Operation("listDecisions", "list stored decisions, newest first", Access::Records)
                  .tag("decisions")
                  .describe("Audited.")
                  .query("case_ref", {{"type", "string"}}, "only this case")
                  .query("from", date_param(), "first UTC day stored, inclusive")
                  .query("to", date_param(), "last UTC day stored, inclusive")
                  .query("outcome", {{"type", "string"}, {"enum", ojson::array({"approve", "refer", "decline"})}},
                         "only this outcome")
                  .query("policy", {{"type", "string"}}, "only this policy id")
                  .query("limit", {{"type", "integer"}, {"minimum", 0}, {"maximum", 10000}, {"default", 50}},
                         "page size: at most 500 for JSON, 10,000 for CSV")
                  .query("after", {{"type", "string"}, {"pattern", "^[0-9]{1,18}$"}},
                         "the cursor from the previous page's `next` (not with `offset`)")
                  .query("offset", {{"type", "integer"}, {"minimum", 0}, {"maximum", 100000000}, {"default", 0}},
                         "decisions to skip (shifts when decisions are stored between pages: prefer `after`)")
                  .query("format", {{"type", "string"}, {"enum", ojson::array({"json", "csv"})}},
                         "`csv` for CSV (docs/csv.md); `Accept: text/csv` does the same")
                  .ok(200, "a page of decisions, the count of every match and `next`", ref("DecisionList"))
                  .also(200, "text/csv", {{"type", "string"}, {"description", "docs/csv.md; the next page in `Link`"}})
                  .header(200, "Link")
                  .error(400, "a query parameter is wrong, unknown or repeated (`details` name it as `?name`)"));
    paths.add("get", "/v1/decisions/{id}",
              Operation("getDecision", "a stored decision with its request and panel records", Access::Records)
                  .tag("decisions")
                  .describe("The stored response byte for byte, plus `created_at`, the `request` as sent, "
                            "`panel_records` (oldest first) and `panel` (the latest, or null). Audited.")
                  .path_id("decision id")
                  .ok(200, "the stored decision, or an erased one's figures and tombstone",
                      {{"oneOf", ojson::array({ref("DecisionRecord"), ref("ErasedDecisionRecord")})}})
                  .error(404, "no decision with that id"));
    paths.add("post", "/v1/decisions/{id}/panel",
              Operation("recordPanelDecision", "record the panel's decision beside the rules' result", Access::Panel)
                  .tag("decisions")
                  .describe("A later record for the same decision supersedes the earlier one, which stays. "
                            "`Location` is the decision's URL (the record is part of it). Audited.")
                  .path_id("decision id")
                  .request_header("Idempotency-Key", idempotency_key(), idempotency_text)
                  .json_body(ref("PanelRecordRequest"))
                  .ok(201, "the record as stored (or, for a replayed Idempotency-Key, as first stored)",
                      ref("PanelRecordEntry"))
                  .header(201, "Location")
                  .header(201, "Idempotent-Replayed")
                  .error(409, "the Idempotency-Key was used before with another body (idempotency_conflict), or the "
                              "decision was erased (erased)")
                  .error(400, "a field of the record is wrong, or the override's shares do not sum to the total")
                  .error(404, "no decision with that id")
                  .error(503, "the store (or the audit trail) failed: nothing was acknowledged"));
    paths.add("get", "/v1/reports/summary",
              Operation("getSummaryReport", "the stored decisions summed", Access::AnyToken)
                  .tag("decisions")
                  .describe("Outcomes, referrals, panel outcomes, and funded and declined amounts per agency, "
                            "financial year and service; each decision as its latest record says. Audited.")
                  .query("from", date_param(), "first UTC day stored, inclusive")
                  .query("to", date_param(), "last UTC day stored, inclusive")
                  .query("policy", {{"type", "string"}, {"minLength", 1}}, "a policy id")
                  .query("format", {{"type", "string"}, {"enum", ojson::array({"json", "csv"})}},
                         "`csv` for CSV (docs/csv.md); `Accept: text/csv` does the same")
                  .ok(200, "the summary; `from`, `to` and `policy` echo the filters (null when not given)",
                      ref("Summary"))
                  .also(200, "text/csv", {{"type", "string"}, {"description", "docs/csv.md"}})
                  .error(400, "a query parameter is wrong (`details` name it as `?name`)"));
    paths.add("get", "/v1/changes",
              Operation("listChanges", "the change feed: decisions, panel records and erasures in commit order",
                        Access::Records)
                  .tag("decisions")
                  .describe("Ids only, never a child's facts. With `wait`, a long poll: when nothing follows the "
                            "cursor the answer waits until something is stored or `wait` seconds pass. Audited.")
                  .query("after", {{"type", "string"}, {"pattern", "^[0-9]{1,18}$"}}, "the previous answer's `next`")
                  .query("limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 100}}, "page size")
                  .query("wait", {{"type", "integer"}, {"minimum", 0}, {"maximum", 25}, {"default", 0}},
                         "seconds to wait when there is nothing new")
                  .ok(200, "the changes after the cursor, and `next` (pass it as `after`)", ref("ChangeFeed"))
                  .error(400, "a query parameter is wrong, unknown or repeated (`details` name it as `?name`)")
                  .error(409, "`after` is past the store's last change (cursor_ahead): the store was restored from "
                              "a backup or replaced; read the feed again from the start"));
    paths.add("post", "/v1/decisions/{id}/erasure",
              Operation("eraseDecision", "erase a child's personal data from a stored decision", Access::Admin)
                  .tag("decisions")
                  .describe("The figures stay (policy, outcome, total, by agency, by financial year); the request, "
                            "case reference, reasons, lines and explanation go, and panel notes are blanked. A "
                            "tombstone records when, who and why. Erasing an erased decision changes nothing. "
                            "Audited.")
                  .path_id("decision id")
                  .json_body(ref("ErasureRequest"))
                  .ok(200, "the tombstone", ref("ErasureResult"))
                  .error(400, "`reason` is missing or too long, or an unknown field")
                  .error(404, "no decision with that id"));
    paths.add("post", "/v1/decisions/{id}/rectification",
              Operation("rectifyDecision", "replace a stored decision whose facts were wrong", Access::Admin)
                  .tag("decisions")
                  .describe("The corrected request is evaluated and stored as a new decision that `supersedes` this "
                            "one, which is erased (its tombstone names the new one), in one transaction. Audited.")
                  .path_id("decision id")
                  .query("explain", explain_param(), "`full` adds `trace`")
                  .json_body(ref("RectificationRequest"))
                  .ok(201, "the new decision; `Location` is its URL", ref("StoredDecision"))
                  .header(201, "Location")
                  .error(400, "`reason` or `request` is missing, or the corrected request is wrong (pointers under "
                              "`/request`)")
                  .error(404, "no decision with that id, or no policy for the corrected request")
                  .error(409, "the decision was erased or rectified before (erased)")
                  .error(422, "the policy cannot answer the corrected request"));
    paths.add("get", "/v1/audit",
              Operation("listAuditEntries", "the audit trail, oldest first", Access::Audit)
                  .tag("audit")
                  .describe("Who stored, read, listed or summed children's records, when, from where, and the "
                            "answer's status. This read is audited too. A request refused 401 (no token, or an unknown "
                            "one) leaves no entry (it is logged and counted in /metrics); ids and queries the caller "
                            "typed are kept to 64 and 256 bytes.")
                  .query("decision", {{"type", "string"}}, "a decision id")
                  .query("principal", {{"type", "string"}}, "a token's name")
                  .query("from", date_param(), "first UTC day, inclusive")
                  .query("to", date_param(), "last UTC day, inclusive")
                  .query("limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 100}}, "page size")
                  .query("after", {{"type", "string"}, {"pattern", "^[0-9]{1,18}$"}}, "the `next` of the previous page")
                  .ok(200, "a page of entries, and `next` (pass it as `after`) or null", ref("AuditPage"))
                  .error(400, "a query parameter is wrong, unknown or repeated (`details` name it as `?name`)")
                  .error(422, "the page would be over --max-response (response_too_large)")
                  .error(503, "the audit trail could not be read or this read could not be recorded"));
}

void policy_operations(Paths& paths) {
    paths.add("get", "/v1/policies",
              Operation("listPolicies", "policies in service with their versions", Access::Open)
                  .tag("policies")
                  .ok(200, "every policy in service", ref("PolicyList")));
    paths.add("post", "/v1/policies",
              Operation("uploadPolicy", "upload a policy version", Access::Author)
                  .tag("policies")
                  .describe("Compiled, checked (also against the versions in service), written under the policies "
                            "folder and served from the next request on. A refused upload changes nothing.")
                  .body(policy_text_body())
                  .ok(201, "the version as loaded; `Location` is the policy's URL", ref("PolicyUploaded"))
                  .header(201, "Location")
                  .error(400, "the policy text is empty, or the JSON body has no `source`")
                  .error(409, "that policy id and version are already loaded")
                  .error(413, "the policy is over --max-policy-bytes, or the body over --max-body")
                  .error_response(422, "PolicyInvalid", "")
                  .error(503, "the policy could not be written (store_unavailable), or checking ran out of memory"));
    paths.add("post", "/v1/policies/check",
              Operation("checkPolicy", "check a policy without storing it", Access::Compile)
                  .tag("policies")
                  .describe("Also against the versions in service, so an overlapping version is reported, and "
                            "against the policy texts the store has decided under, so a text whose id and version "
                            "stored decisions name under another text (its upload would be refused with 409) is "
                            "reported as E4231.")
                  .body(policy_text_body())
                  .ok(200, "it compiles: the version and its warnings", ref("PolicyChecked"))
                  .error(400, "the policy text is empty, or the JSON body has no `source`")
                  .error(413, "the policy is over --max-policy-bytes, or the body over --max-body")
                  .error_response(422, "PolicyInvalid", "")
                  .error(503, "checking ran out of memory, or the store's record of the texts decided under "
                              "could not be read"));
    paths.add("get", "/v1/policies/{id}",
              Operation("getPolicy", "a policy's versions with their source and request schema", Access::Open)
                  .tag("policies")
                  .path_id("policy id")
                  .ok(200, "every version of the policy", ref("PolicyDetail"))
                  .error(404, "no policy with that id"));
    paths.add("post", "/v1/simulate",
              Operation("simulate", "a caseload under one version, or two compared", Access::Compile)
                  .tag("policies")
                  .describe("Totals per side (allocated by outcome, and what is not allocated by issue kind and "
                            "reason), their difference and the changed cases; a case that cannot be evaluated is "
                            "listed in `errors` and skipped. docs/adr/0011-honest-simulation.md.")
                  .query("format", {{"type", "string"}, {"enum", ojson::array({"json", "csv"})}},
                         "`csv` for one row per case (docs/csv.md); `Accept: text/csv` does the same")
                  .json_body(ref("SimulationRequest"))
                  .ok(200, "the simulation", ref("SimulationResult"))
                  .also(200, "text/csv", {{"type", "string"}, {"description", "docs/csv.md, one row per case"}})
                  .error(400, "the body is not JSON, a field is wrong or unknown, `cases` is missing, or a "
                              "query parameter is unknown or `format` is neither json nor csv")
                  .error(404, "no such policy")
                  .error(413, "too many cases (over 100 x --max-batch), or the body over --max-body")
                  .error(422, "`vs_source` does not compile (policy_invalid, with `diagnostics`), the simulation took "
                              "longer than --request-deadline-ms (deadline_exceeded), or the answer would be over "
                              "--max-response (response_too_large)"));
    paths.add("post", "/v1/pools/{id}/reconcile",
              Operation("reconcilePool", "reconcile a pooled budget at year end", Access::Evaluate)
                  .tag("pools")
                  .describe("As the loaded policy defining the pool says; without one, `contributions` alone "
                            "reconcile in proportion.")
                  .path_id("pool id")
                  .json_body(ref("ReconcileRequest"))
                  .ok(200, "the reconciliation", ref("Reconciliation"))
                  .error(400, "a field is wrong or unknown, or several policies define the pool")
                  .error(404, "no policy in service defines the pool (and no `contributions`), or the named policy "
                              "does not")
                  .error(422, "the policy cannot reconcile it (evaluation_error, e.g. E3101: a rule the policy does "
                              "not state)"));
}

void operation_operations(Paths& paths) {
    paths.add("get", "/v1/openapi.json",
              Operation("getOpenApi", "this document", Access::Open)
                  .tag("operations")
                  .ok(200, "OpenAPI 3.1", object({{"openapi", {{"const", "3.1.0"}}},
                                                  {"info", map_of(true)},
                                                  {"servers", array_of(map_of(true))},
                                                  {"tags", array_of(map_of(true))},
                                                  {"paths", map_of(true)},
                                                  {"components", map_of(true)}})));
    paths.add("get", "/v1/whoami",
              Operation("getWhoAmI", "who the bearer token belongs to", Access::AnyToken)
                  .tag("operations")
                  .describe("The token's name and role, never the token: a client shows who is signed in. "
                            "Not audited: it reads no child's record.")
                  .ok(200, "the caller", ref("WhoAmI")));
    paths.add("get", "/healthz",
              Operation("getHealth", "liveness", Access::Open)
                  .tag("operations")
                  .ok(200, "serving", ref("Health"))
                  .error(503, "the decision store cannot be reached (`store_unavailable`): a load balancer takes "
                              "this replica out until it answers 200 again"));
    paths.add("get", "/metrics",
              Operation("getMetrics", "Prometheus metrics", Access::Open)
                  .tag("operations")
                  .ok_media(200, "the Prometheus text format (version 0.0.4)", "text/plain", {{"type", "string"}}));
    paths.add("get", "/",
              Operation("getPanelPage", "the panel chair's page", Access::Open)
                  .tag("operations")
                  .ok_media(200, "HTML", "text/html", {{"type", "string"}}, {"Content-Security-Policy"}));
}

}  // namespace
}  // namespace openapi

nlohmann::ordered_json openapi_document() {
    using openapi::ojson;
    openapi::Paths paths;
    openapi::decision_operations(paths);
    openapi::policy_operations(paths);
    openapi::operation_operations(paths);
    ojson doc = ojson::object();
    doc["openapi"] = "3.1.0";
    doc["info"] = {
        {"title", "jointly decision API"},
        {"version", JOINTLY_VERSION},
        {"summary", "Multi-agency funding decisions: who pays what, why, and the outcome."},
        {"description",
         "Every body is JSON except policy text (also `text/plain`), the metrics and the page. Money is a decimal "
         "string (`\"1234.56\"`); dates are `YYYY-MM-DD`. Every error has one shape (`Error`) and a status that says "
         "whose problem it is. Response schemas are closed (`additionalProperties: false`): they list every field "
         "this version sends; a client should still ignore fields it does not know. `OPTIONS` on any path answers 204 "
         "with `Allow`. See docs/api.md."}};
    doc["servers"] = ojson::array({{{"url", "http://127.0.0.1:8080"}, {"description", "jointly serve's default"}}});
    doc["tags"] = ojson::array({{{"name", "decisions"}, {"description", "evaluate, store, read and sum decisions"}},
                                {{"name", "policies"}, {"description", "the policies in service, uploads and simulation"}},
                                {{"name", "pools"}, {"description", "pooled budgets"}},
                                {{"name", "audit"}, {"description", "who read or wrote a child's record"}},
                                {{"name", "operations"}, {"description", "health, metrics, this document, the page"}}});
    doc["paths"] = paths.json();
    doc["components"] = openapi::components();
    return doc;
}

}  // namespace jointly::server
