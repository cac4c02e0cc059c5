// The pieces GET /v1/openapi.json is built from (openapi.cpp: the operations;
// openapi_schemas.cpp: the shared schemas, responses and headers). Not thread-safe to share a
// builder while it is changed; the document itself is built per request.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth.hpp"

namespace jointly::server::openapi {

using ojson = nlohmann::ordered_json;

// {"$ref": "#/components/schemas/NAME"}.
ojson ref(const std::string& name);
// The schema, or null (OpenAPI 3.1: `type: [T, "null"]`, or `anyOf` with a `$ref`).
ojson nullable(ojson schema);
ojson string(const std::string& description = {});
ojson integer(const std::string& description = {}, std::optional<std::int64_t> minimum = 0);
ojson boolean(const std::string& description = {});
ojson array_of(ojson items, const std::string& description = {});
// An object whose keys are free (agency ids, years, ...) and whose values are `values`.
ojson map_of(ojson values, const std::string& description = {});
// A closed object (`additionalProperties: false`): every property listed is required except
// those named in `optional`. A response schema is closed so that the contract test
// (tests/openapi) fails on a field the document does not list.
ojson object(ojson properties, std::initializer_list<const char*> optional = {}, const std::string& description = {});
// `base` (a $ref to an open schema) with more properties, closed as a whole with
// `unevaluatedProperties: false`.
ojson extend(const std::string& base, ojson properties, std::initializer_list<const char*> optional = {},
             const std::string& description = {});

// One operation of the document:
//   Operation("getDecision", "a stored decision", Access::Records).tag("decisions")
//       .path_id("decision id").ok(200, "the decision", ref("DecisionRecord"))
//       .error(404, "no decision with that id");
// build() adds what every route of `jointly serve` may answer (components/responses): 400,
// 401, 405, 411, 413, 414, 415, 431, 500, 503, and 403 for a POST (cross-origin) or a role.
class Operation {
public:
    // `access` is the route's, as registered (auth.hpp): it sets `security`, `x-roles` (the
    // roles permits() admits) and whether 403 is listed.
    Operation(std::string operation_id, std::string summary, Access access);

    Operation& tag(std::string name);
    Operation& describe(std::string text);
    // The `{id}` path parameter.
    Operation& path_id(std::string description);
    Operation& query(std::string name, ojson schema, std::string description);
    // A required request body: media type -> schema.
    Operation& body(std::map<std::string, ojson> media);
    // A request header parameter.
    Operation& request_header(std::string name, ojson schema, std::string description);
    // Another media type for a success status already given with ok().
    Operation& also(int status, std::string media_type, ojson schema);
    Operation& json_body(ojson schema);
    // A success answer with a JSON body (`content` the schema), or another media type.
    Operation& ok(int status, std::string description, ojson schema);
    Operation& ok_media(int status, std::string description, std::string media_type, ojson schema,
                        std::vector<std::string> headers = {});
    // Adds a header (a name in components/headers) to the answer for `status` set by ok().
    Operation& header(int status, std::string name);
    // An error this operation answers besides the common ones, or a more specific description
    // of a common one: a $ref to components/responses for the status.
    Operation& error(int status, std::string description);
    // An error with its own schema (e.g. the 422 of an uncompilable policy).
    Operation& error_response(int status, std::string response_name, std::string description);

    // The Operation Object for `method` ("get", "post").
    ojson build(const std::string& method) const;

private:
    std::string operation_id_;
    std::string summary_;
    Access access_;
    std::vector<std::string> tags_;
    std::string description_;
    ojson parameters_ = ojson::array();
    ojson request_body_;
    std::map<int, ojson> responses_;
};

// The document's `paths`, filled by add() in the order operations are added.
class Paths {
public:
    void add(const std::string& method, const std::string& path, const Operation& operation);
    const ojson& json() const { return paths_; }

private:
    ojson paths_ = ojson::object();
};

// components: schemas, responses (one per error status), headers, securitySchemes.
ojson components();

// The component response name for an error status ("400" -> "BadRequest").
std::string response_name(int status);

}  // namespace jointly::server::openapi
