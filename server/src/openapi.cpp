// GET /v1/openapi.json: a hand-written OpenAPI 3.0 description of every route. A test calls
// each route listed here and fails if any is missing from the server.
#include <string>

#include "http_internal.hpp"

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;

ojson ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

ojson json_content(const ojson& schema) { return {{"application/json", {{"schema", schema}}}}; }

ojson error_response(const char* description) {
    return {{"description", description}, {"content", json_content(ref("Error"))}};
}

ojson path_id(const char* description) {
    return ojson::array({{{"name", "id"}, {"in", "path"}, {"required", true}, {"description", description},
                          {"schema", {{"type", "string"}}}}});
}

ojson operation(const std::string& summary, const std::string& security, ojson responses,
                std::optional<ojson> body = std::nullopt, ojson parameters = ojson::array()) {
    ojson op = ojson::object();
    op["summary"] = summary;
    if (!parameters.empty()) op["parameters"] = std::move(parameters);
    if (body) op["requestBody"] = {{"required", true}, {"content", *body}};
    op["responses"] = std::move(responses);
    if (security == "open") op["security"] = ojson::array();
    else op["security"] = ojson::array({{{"bearer", ojson::array()}}});
    if (security != "open") op["x-role"] = security;
    return op;
}

ojson schemas() {
    ojson money = {{"type", "string"}, {"pattern", "^-?[0-9]+(\\.[0-9]{1,2})?$"}, {"example", "1234.56"}};
    ojson date = {{"type", "string"}, {"format", "date"}};
    ojson amounts = {{"type", "object"}, {"additionalProperties", ref("Money")}};
    ojson s = ojson::object();
    s["Money"] = money;
    s["Error"] = {
        {"type", "object"},
        {"required", {"error"}},
        {"properties",
         {{"error",
           {{"type", "object"},
            {"required", {"code", "message", "details"}},
            {"properties",
             {{"code", {{"type", "string"}}},
              {"message", {{"type", "string"}}},
              {"details",
               {{"type", "array"},
                {"items",
                 {{"type", "object"},
                  {"properties",
                   {{"path", {{"type", "string"}, {"description", "JSON pointer into the request"}}},
                    {"message", {{"type", "string"}}},
                    {"code", {{"type", "string"}}}}}}}}}}}}}}}};
    s["Line"] = {{"type", "object"},
                 {"required", {"id", "service"}},
                 {"properties",
                  {{"id", {{"type", "string"}}},
                   {"service", {{"type", "string"}}},
                   {"amount", ref("Money")},
                   {"date", date},
                   {"weekly", ref("Money")},
                   {"hourly", ref("Money")},
                   {"hours_per_week", {{"type", "string"}}},
                   {"start", date},
                   {"end", date}}}};
    s["DecisionRequest"] = {
        {"type", "object"},
        {"required", {"lines"}},
        {"properties",
         {{"policy", {{"type", "string"}}},
          {"version", {{"type", "string"}}},
          {"as_of", date},
          {"case_ref", {{"type", "string"}}},
          {"facts", {{"type", "object"}, {"description", "see GET /v1/policies/{id} for each policy's schema"}}},
          {"events", {{"type", "object"}, {"additionalProperties", date}}},
          {"lines", {{"type", "array"}, {"items", ref("Line")}}}}}};
    s["Decision"] = {{"type", "object"},
                     {"properties",
                      {{"decision_id", {{"type", "string"}}},
                       {"policy", {{"type", "object"}}},
                       {"engine", {{"type", "string"}}},
                       {"as_of", date},
                       {"case_ref", {{"type", "string"}}},
                       {"outcome", {{"type", "string"}, {"enum", {"approve", "refer", "decline"}}}},
                       {"referred_to", {{"type", "string"}}},
                       {"outcome_reasons", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                       {"eligibility", {{"type", "object"}}},
                       {"total", ref("Money")},
                       {"by_agency", amounts},
                       {"by_financial_year", {{"type", "object"}, {"additionalProperties", amounts}}},
                       {"allocations", {{"type", "array"}, {"items", {{"type", "object"}}}}},
                       {"issues", {{"type", "array"}, {"items", {{"type", "object"}}}}},
                       {"explanation", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}};
    s["PanelRecord"] = {
        {"type", "object"},
        {"required", {"outcome", "date", "members"}},
        {"properties",
         {{"outcome", {{"type", "string"}, {"enum", {"approved", "deferred", "declined", "escalated"}}}},
          {"date", date},
          {"members", {{"type", "array"}, {"items", {{"type", "string"}}}}},
          {"notes", {{"type", "string"}}},
          {"override",
           {{"type", "object"},
            {"required", {"shares", "reason"}},
            {"properties", {{"shares", amounts}, {"reason", {{"type", "string"}}}}}}}}}};
    s["Simulation"] = {{"type", "object"},
                       {"required", {"cases"}},
                       {"properties",
                        {{"policy", {{"type", "string"}}},
                         {"version", {{"type", "string"}}},
                         {"vs_version", {{"type", "string"}}},
                         {"vs_source", {{"type", "string"}, {"description", "a draft policy text to compare with"}}},
                         {"cases", {{"type", "array"}, {"items", ref("DecisionRequest")}}}}}};
    const ojson counts = {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}}};
    const ojson spend = {
        {"type", "object"},
        {"properties",
         {{"decisions", {{"type", "integer"}}},
          {"total", ref("Money")},
          {"by_agency", amounts},
          {"by_financial_year", {{"type", "object"}, {"additionalProperties", amounts}}},
          {"by_service",
           {{"type", "object"},
            {"additionalProperties",
             {{"type", "object"},
              {"properties", {{"decisions", {{"type", "integer"}}}, {"total", ref("Money")}, {"by_agency", amounts}}}}}}}}}};
    s["Summary"] = {{"type", "object"},
                    {"properties",
                     {{"from", date},
                      {"to", date},
                      {"policy", {{"type", "string"}}},
                      {"decisions", {{"type", "integer"}}},
                      {"outcomes", counts},
                      {"panel_outcomes", counts},
                      {"referred_to", counts},
                      {"funded", spend},
                      {"declined", spend},
                      {"overrides",
                       {{"type", "object"},
                        {"properties", {{"decisions", {{"type", "integer"}}}, {"by_agency", amounts}}}}},
                      {"unreadable", {{"type", "integer"}}}}}};
    s["Reconcile"] = {{"type", "object"},
                      {"required", {"spend"}},
                      {"properties",
                       {{"policy", {{"type", "string"}}},
                        {"as_of", date},
                        {"spend", ref("Money")},
                        {"carry_forward", {{"type", "boolean"}}},
                        {"contributions", amounts}}}};
    ojson nullable_text = {{"type", "string"}, {"nullable", true}};
    s["Audit"] = {
        {"type", "object"},
        {"required", {"entries", "next"}},
        {"properties",
         {{"entries",
           {{"type", "array"},
            {"items",
             {{"type", "object"},
              {"properties",
               {{"id", {{"type", "integer"}}},
                {"at", {{"type", "string"}, {"format", "date-time"}}},
                {"principal", {{"type", "string"}, {"description", "the token's name, or anonymous"}}},
                {"client", {{"type", "string"}}},
                {"request_id", {{"type", "string"}}},
                {"action", {{"enum", {"read", "write", "list", "report"}}}},
                {"route", {{"type", "string"}}},
                {"decision_id", nullable_text},
                {"panel_record_id", nullable_text},
                {"detail", nullable_text},
                {"status", {{"type", "integer"}}}}}}}}},
          {"next", nullable_text}}}};
    return s;
}

}  // namespace

nlohmann::ordered_json openapi_document() {
    const ojson decision = {{"description", "the decision"}, {"content", json_content(ref("Decision"))}};
    const ojson plain_json = {{"description", "JSON"}, {"content", json_content({{"type", "object"}})}};
    const ojson bad = error_response("a field is malformed (each detail names it by JSON pointer)");
    const ojson missing = error_response("no such policy, version in effect, or decision");
    const ojson unauthorized = error_response("no or unknown bearer token");
    const ojson forbidden = error_response("the token lacks the role");
    const ojson policy_text = {{"text/plain", {{"schema", {{"type", "string"}}}}},
                               {"application/json",
                                {{"schema",
                                  {{"type", "object"},
                                   {"properties", {{"source", {{"type", "string"}}}, {"file", {{"type", "string"}}}}}}}}}};
    ojson paths = ojson::object();
    paths["/v1/evaluate"]["post"] = operation(
        "evaluate a package without storing it", "client",
        {{"200", decision}, {"400", bad}, {"404", missing}, {"413", error_response("body too large")},
         {"422", error_response("the policy cannot answer (E3xxx)")}},
        json_content(ref("DecisionRequest")),
        ojson::array({{{"name", "explain"}, {"in", "query"}, {"schema", {{"enum", {"full", "none"}}}}}}));
    paths["/v1/evaluate/batch"]["post"] =
        operation("evaluate many packages; each result is a decision or an error", "client",
                  {{"200", plain_json}, {"400", bad}, {"413", error_response("too many requests")}},
                  json_content({{"type", "object"},
                                {"properties", {{"requests", {{"type", "array"}, {"items", ref("DecisionRequest")}}}}}}));
    paths["/v1/decisions"]["post"] = operation(
        "evaluate and store a decision (acknowledged after commit)", "client",
        {{"201", decision}, {"400", bad}, {"404", missing}, {"503", error_response("the store failed")}},
        json_content(ref("DecisionRequest")));
    paths["/v1/decisions"]["get"] = operation(
        "list stored decisions, newest first", "client", {{"200", plain_json}, {"400", bad}, {"401", unauthorized}},
        std::nullopt,
        ojson::array({{{"name", "case_ref"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
                      {{"name", "from"}, {"in", "query"}, {"schema", {{"type", "string"}, {"format", "date"}}}},
                      {{"name", "to"}, {"in", "query"}, {"schema", {{"type", "string"}, {"format", "date"}}}},
                      {{"name", "outcome"}, {"in", "query"}, {"schema", {{"enum", {"approve", "refer", "decline"}}}}},
                      {{"name", "limit"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"maximum", 500}}}},
                      {{"name", "offset"}, {"in", "query"}, {"schema", {{"type", "integer"}}}}}));
    paths["/v1/decisions/{id}"]["get"] =
        operation("a stored decision with its request and panel records", "client",
                  {{"200", decision}, {"404", missing}, {"401", unauthorized}}, std::nullopt, path_id("decision id"));
    paths["/v1/decisions/{id}/panel"]["post"] = operation(
        "record the panel's decision beside the rules' result", "panel",
        {{"201", plain_json}, {"400", bad}, {"401", unauthorized}, {"403", forbidden}, {"404", missing}},
        json_content(ref("PanelRecord")), path_id("decision id"));
    paths["/v1/reports/summary"]["get"] = operation(
        "the stored decisions summed: outcomes, referrals, and funded and declined amounts per agency, financial "
        "year and service (each decision as its latest record says)",
        "client", {{"200", {{"description", "the summary"}, {"content", json_content(ref("Summary"))}}}, {"400", bad},
                   {"401", unauthorized}},
        std::nullopt,
        ojson::array({{{"name", "from"}, {"in", "query"}, {"description", "first UTC day stored, inclusive"},
                       {"schema", {{"type", "string"}, {"format", "date"}}}},
                      {{"name", "to"}, {"in", "query"}, {"description", "last UTC day stored, inclusive"},
                       {"schema", {{"type", "string"}, {"format", "date"}}}},
                      {{"name", "policy"}, {"in", "query"}, {"description", "a policy id"},
                       {"schema", {{"type", "string"}}}}}));
    paths["/v1/audit"]["get"] = operation(
        "the audit trail: who read or wrote which decision, when, and the answer's status; oldest first (this read "
        "is audited too)",
        "auditor",
        {{"200", {{"description", "entries, and `next` (pass as `after`) or null"}, {"content", json_content(ref("Audit"))}}},
         {"400", bad}, {"401", unauthorized}, {"403", forbidden}, {"503", error_response("the store failed")}},
        std::nullopt,
        ojson::array({{{"name", "decision"}, {"in", "query"}, {"description", "a decision id"},
                       {"schema", {{"type", "string"}}}},
                      {{"name", "principal"}, {"in", "query"}, {"description", "a token's name"},
                       {"schema", {{"type", "string"}}}},
                      {{"name", "from"}, {"in", "query"}, {"description", "first UTC day, inclusive"},
                       {"schema", {{"type", "string"}, {"format", "date"}}}},
                      {{"name", "to"}, {"in", "query"}, {"description", "last UTC day, inclusive"},
                       {"schema", {{"type", "string"}, {"format", "date"}}}},
                      {{"name", "limit"}, {"in", "query"},
                       {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 100}}}},
                      {{"name", "after"}, {"in", "query"}, {"description", "the `next` of the previous page"},
                       {"schema", {{"type", "string"}}}}}));
    paths["/v1/policies"]["get"] = operation("policies in service with their versions", "open", {{"200", plain_json}});
    paths["/v1/policies"]["post"] = operation(
        "upload a policy version (compiled, checked, stored, served)", "author",
        {{"201", plain_json}, {"401", unauthorized}, {"403", forbidden},
         {"409", error_response("that id and version are already loaded")},
         {"413", error_response("policy too large")}, {"422", error_response("the policy does not compile")}},
        policy_text);
    paths["/v1/policies/check"]["post"] =
        operation("check a policy without storing it", "client",
                  {{"200", plain_json}, {"422", error_response("the policy does not compile")}}, policy_text);
    paths["/v1/policies/{id}"]["get"] =
        operation("a policy's versions, ranges, hashes, source and request schema", "open",
                  {{"200", plain_json}, {"404", missing}}, std::nullopt, path_id("policy id"));
    paths["/v1/simulate"]["post"] =
        operation("a caseload under two versions: totals, differences, changed cases", "client",
                  {{"200", plain_json}, {"400", bad}, {"404", missing}, {"422", error_response("vs_source does not compile")}},
                  json_content(ref("Simulation")));
    paths["/v1/pools/{id}/reconcile"]["post"] =
        operation("reconcile a pooled budget at year end", "client",
                  {{"200", plain_json}, {"400", bad}, {"404", missing}, {"422", error_response("the pool cannot be reconciled")}},
                  json_content(ref("Reconcile")), path_id("pool id"));
    paths["/v1/openapi.json"]["get"] = operation("this document", "open", {{"200", plain_json}});
    paths["/healthz"]["get"] = operation("liveness", "open", {{"200", plain_json}});
    paths["/metrics"]["get"] = operation(
        "Prometheus metrics", "open", {{"200", {{"description", "text format"}, {"content", {{"text/plain", ojson::object()}}}}}});
    paths["/"]["get"] = operation("the panel chair's page", "open",
                                  {{"200", {{"description", "HTML"}, {"content", {{"text/html", ojson::object()}}}}}});
    ojson doc = ojson::object();
    doc["openapi"] = "3.0.3";
    doc["info"] = {{"title", "jointly decision API"},
                   {"version", JOINTLY_VERSION},
                   {"description", "Multi-agency funding decisions: who pays what, why, and the outcome."}};
    doc["servers"] = ojson::array({{{"url", "/"}}});
    doc["paths"] = std::move(paths);
    doc["components"] = {{"schemas", schemas()},
                         {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}};
    return doc;
}

}  // namespace jointly::server
