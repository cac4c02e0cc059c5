// Routes: policies (list, detail with schema, upload, check), simulate, pool reconciliation.
#include <algorithm>
#include <string>

#include "http_internal.hpp"
#include "jointly/engine/pool.hpp"

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;

ojson date_or_null(const std::optional<engine::Date>& d) { return d ? ojson(d->to_string()) : ojson(nullptr); }

ojson version_summary(const LoadedPolicy& p) {
    const auto& program = *p.program;
    ojson out = ojson::object();
    out["version"] = program.version();
    out["title"] = program.title();
    out["effective_from"] = date_or_null(program.effective_from());
    out["effective_to"] = date_or_null(program.effective_to());
    out["sha256"] = program.sha256();
    return out;
}

void list_policies(Context& context, const httplib::Request&, httplib::Response& response) {
    const auto snapshot = context.registry.snapshot();
    ojson list = ojson::array();
    for (const auto& id : snapshot->ids()) {
        const auto versions = snapshot->versions(id);
        ojson item = ojson::object();
        item["id"] = id;
        item["title"] = versions.back()->program->title();
        ojson vs = ojson::array();
        for (const auto* v : versions) vs.push_back(version_summary(*v));
        item["versions"] = std::move(vs);
        list.push_back(std::move(item));
    }
    ojson out = ojson::object();
    out["generation"] = snapshot->generation();
    out["policies"] = std::move(list);
    send_json(response, 200, out);
}

void get_policy(Context& context, const httplib::Request& request, httplib::Response& response) {
    const std::string id = request.matches[1];
    const auto snapshot = context.registry.snapshot();
    const auto versions = snapshot->versions(id);
    if (versions.empty()) throw_error(404, "not_found", snapshot->select(id, std::nullopt, std::nullopt).message);
    ojson vs = ojson::array();
    for (const auto* v : versions) {
        const auto& program = *v->program;
        auto item = version_summary(*v);
        ojson agencies = ojson::array();
        for (const auto& a : program.agencies()) agencies.push_back({{"id", a.id}, {"name", a.display_name}});
        item["agencies"] = std::move(agencies);
        item["events"] = program.events();
        item["repeating_events"] = program.schema().repeating_events;
        item["pools"] = program.pools();
        item["schema"] = request_schema(program, context.options.max_lines);
        item["source"] = program.source();
        vs.push_back(std::move(item));
    }
    ojson out = ojson::object();
    out["id"] = id;
    out["title"] = versions.back()->program->title();
    out["versions"] = std::move(vs);
    send_json(response, 200, out);
}

struct Source {
    std::string text;
    std::string file;
};

// The policy text: a raw body (text/plain) or {"source": "...", "file": "name.jf"}.
Source policy_source(const Context& context, const httplib::Request& request) {
    if (request.body.size() > context.options.max_policy_bytes)
        throw_error(413, "payload_too_large",
                    "a policy may be at most " + std::to_string(context.options.max_policy_bytes) + " bytes");
    Source out{request.body, "upload.jf"};
    if (content_media_type(request) == "application/json") {
        const auto body = json_body(context, request);
        if (!body.is_object() || !body.contains("source") || !body["source"].is_string())
            throw_error(400, "invalid_request", "a JSON upload needs `source`, the policy text",
                        {{codes::kMissingField, "/source", "`source` must be the policy text", std::nullopt}});
        for (const auto& [key, value] : body.items())
            if (key != "source" && key != "file")
                throw_error(400, "invalid_request", "unknown field `" + key + "` (a JSON upload has source, file)",
                            {{codes::kUnknownField, "/" + pointer_escape(key),
                              "unknown field `" + key + "` (a JSON upload has source, file)", std::nullopt}});
        out.text = body["source"].get<std::string>();
        if (auto it = body.find("file"); it != body.end()) {
            if (!it->is_string() || it->get<std::string>().empty())
                throw_error(400, "invalid_request", "`file` must be a file name",
                            {{codes::kFieldType, "/file", "`file` must be a non-empty string", std::nullopt}});
            out.file = it->get<std::string>();
        }
    }
    if (out.text.empty())
        throw_error(400, "invalid_request", "the policy text is empty",
                    {{codes::kMissingField, "/source", "the policy text is empty", std::nullopt}});
    return out;
}

ojson policy_summary(const engine::Program& program, const FileReport& report) {
    ojson out = ojson::object();
    out["id"] = program.id();
    out["version"] = program.version();
    out["title"] = program.title();
    out["effective_from"] = date_or_null(program.effective_from());
    out["effective_to"] = date_or_null(program.effective_to());
    out["sha256"] = program.sha256();
    out["diagnostics"] = encode_diagnostics(report.diagnostics);
    return out;
}

// Checking ran out of memory: the server's state, not the caller's policy (503, retry later).
void refuse_if_out_of_memory(engine::CheckResult::Stopped stopped) {
    if (stopped == engine::CheckResult::Stopped::OutOfMemory)
        throw_error(503, "insufficient_memory", "the server ran out of memory while checking the policy; try again later");
}

void send_invalid(httplib::Response& response, const UploadResult& r) {
    std::vector<engine::EvalError> details;
    for (const auto& d : r.report.diagnostics) {
        if (d.severity != dsl::Severity::Error) continue;
        details.push_back({d.code, "/source",
                           std::to_string(d.span.line) + ":" + std::to_string(d.span.column) + ": " + d.message,
                           d.span});
    }
    auto body = encode_errors("policy_invalid", r.message, details);
    body["error"]["diagnostics"] = encode_diagnostics(r.report.diagnostics);
    body["error"]["rendered"] = dsl::render_all(r.report.diagnostics, r.report.source);
    send_json(response, 422, body);
}

void post_policy(Context& context, const httplib::Request& request, httplib::Response& response) {
    const auto source = policy_source(context, request);
    const auto r = context.registry.submit(source.text, source.file, true);
    refuse_if_out_of_memory(r.stopped);
    switch (r.status) {
        case UploadResult::Status::Added:
        case UploadResult::Status::Checked: {
            response.set_header("Location", "/v1/policies/" + r.program->id());
            send_json(response, 201, policy_summary(*r.program, r.report));
            return;
        }
        case UploadResult::Status::Invalid: send_invalid(response, r); return;
        case UploadResult::Status::Duplicate: throw_error(409, "conflict", r.message);
        case UploadResult::Status::StorageFailed: throw_error(503, "store_unavailable", r.message);
    }
}

void check_policy(Context& context, const httplib::Request& request, httplib::Response& response) {
    const auto source = policy_source(context, request);
    const auto r = context.registry.submit(source.text, source.file, false);
    refuse_if_out_of_memory(r.stopped);
    if (r.status == UploadResult::Status::Invalid) {
        send_invalid(response, r);
        return;
    }
    auto out = policy_summary(*r.program, r.report);
    out["ok"] = true;
    out["already_loaded"] = r.status == UploadResult::Status::Duplicate;
    send_json(response, 200, out);
}

std::optional<std::string> optional_string(const nlohmann::json& body, const char* field) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_string())
        throw_error(400, "invalid_request", std::string("`") + field + "` must be a string",
                    {{codes::kFieldType, std::string("/") + field, "must be a string", std::nullopt}});
    return it->get<std::string>();
}

// Refuses (400, E4204 each) any top-level field not in `known`: a misspelt option must not
// silently fall back to its default.
void refuse_unknown_fields(const nlohmann::json& body, std::initializer_list<const char*> known) {
    std::vector<engine::EvalError> errors;
    std::string names;
    for (const char* k : known) names += std::string(names.empty() ? "" : ", ") + k;
    for (const auto& [key, value] : body.items()) {
        bool found = false;
        for (const char* k : known) found = found || key == k;
        if (!found)
            errors.push_back({codes::kUnknownField, "/" + pointer_escape(key),
                              "unknown field `" + key + "` (known: " + names + ")", std::nullopt});
    }
    if (!errors.empty()) throw_error(400, "invalid_request", errors.front().message, errors);
}

// A pool amount: money, at most £10,000,000,000.00 either side of zero (E4213), far above
// any pooled budget, so no reconciliation can overflow.
std::optional<engine::Money> pool_amount(const nlohmann::json& value, const std::string& path,
                                         std::vector<engine::EvalError>& errors) {
    std::string message;
    auto money = json_money(value, &message);
    if (!money) {
        errors.push_back({codes::kMoney, path, message, std::nullopt});
        return std::nullopt;
    }
    constexpr std::int64_t kMax = 1'000'000'000'000;  // pence
    if (money->in_pence() > kMax || money->in_pence() < -kMax) {
        errors.push_back({codes::kAmountTooLarge, path,
                          "a pool amount may be at most £10,000,000,000.00, not " + money->to_string(), std::nullopt});
        return std::nullopt;
    }
    return money;
}

void post_simulate(Context& context, const httplib::Request& request, httplib::Response& response) {
    const auto body = json_body(context, request);
    if (!body.is_object()) throw_error(400, "invalid_request", "the body must be a JSON object");
    refuse_unknown_fields(body, {"policy", "version", "vs_source", "vs_version", "cases"});
    auto cases = body.find("cases");
    if (cases == body.end() || !cases->is_array())
        throw_error(400, "invalid_request", "a simulation needs `cases`, an array of decision requests",
                    {{codes::kMissingField, "/cases", "`cases` must be an array of decision requests", std::nullopt}});
    if (cases->size() > context.options.max_batch * 100)
        throw_error(413, "payload_too_large", "too many cases in one simulation");
    SimulationInput input;
    input.a = context.registry.snapshot();
    input.policy = optional_string(body, "policy");
    input.version_a = optional_string(body, "version");
    input.limits = context.limits();
    if (input.policy && input.a->versions(*input.policy).empty())
        throw_error(404, "not_found", input.a->select(*input.policy, std::nullopt, std::nullopt).message);
    if (auto vs_source = optional_string(body, "vs_source")) {
        auto compiled = engine::compile(*vs_source, "vs_source.jf", dsl::Limits::for_upload());
        refuse_if_out_of_memory(compiled.stopped);
        if (!compiled.program || dsl::has_errors(compiled.diagnostics)) {
            UploadResult r;
            r.report = FileReport{"vs_source.jf", *vs_source, compiled.diagnostics};
            r.message = "`vs_source` does not compile";
            send_invalid(response, r);
            return;
        }
        input.b = std::make_shared<const Snapshot>(std::vector<LoadedPolicy>{{compiled.program, "vs_source.jf"}}, 0);
        input.version_b = compiled.program->version();
    } else if (auto vs_version = optional_string(body, "vs_version")) {
        input.b = input.a;
        input.version_b = vs_version;
    }
    Simulation simulation(input);
    const Deadline deadline(context);
    for (std::size_t i = 0; i < cases->size(); ++i) {
        deadline.check("the simulation", i, cases->size());
        simulation.add((*cases)[i], i);
    }
    response.status = 200;
    response.set_content(bounded_text(context, simulation.result()), "application/json");
}

void post_reconcile(Context& context, const httplib::Request& request, httplib::Response& response) {
    const std::string pool = request.matches[1];
    const auto body = json_body(context, request);
    if (!body.is_object()) throw_error(400, "invalid_request", "the body must be a JSON object");
    refuse_unknown_fields(body, {"policy", "version", "as_of", "spend", "carry_forward", "contributions"});
    std::vector<engine::EvalError> errors;
    engine::PoolRequest pr;
    if (!body.contains("spend")) errors.push_back({codes::kMoney, "/spend", "`spend` is required", std::nullopt});
    else if (auto m = pool_amount(body["spend"], "/spend", errors)) pr.spend = *m;
    if (auto it = body.find("carry_forward"); it != body.end() && !it->is_null()) {
        if (it->is_boolean()) pr.carry_forward = it->get<bool>();
        else errors.push_back({codes::kFieldType, "/carry_forward", "`carry_forward` must be true or false", std::nullopt});
    }
    if (auto it = body.find("contributions"); it != body.end() && !it->is_null()) {
        if (!it->is_object()) {
            errors.push_back({codes::kFieldType, "/contributions", "`contributions` must map agencies to money", std::nullopt});
        } else {
            for (const auto& [agency, amount] : it->items())
                if (auto m = pool_amount(amount, "/contributions/" + pointer_escape(agency), errors))
                    pr.actual_contributions.emplace_back(agency, *m);
        }
    }
    std::optional<engine::Date> as_of;
    if (auto it = body.find("as_of"); it != body.end() && !it->is_null()) {
        as_of = it->is_string() ? engine::parse_date(it->get<std::string>()) : std::nullopt;
        if (!as_of) errors.push_back({codes::kDate, "/as_of", "`as_of` must be a date `YYYY-MM-DD`", std::nullopt});
    }
    const auto policy = optional_string(body, "policy");
    const auto version = optional_string(body, "version");
    if (!errors.empty()) throw_error(400, "invalid_request", errors.front().path + ": " + errors.front().message, errors);
    const auto snapshot = context.registry.snapshot();
    std::shared_ptr<const engine::Program> program;
    if (policy) {
        auto selection = snapshot->select(*policy, version, as_of, true);
        if (!selection.program) throw_error(selection.status == Selection::Status::NeedAsOf ? 400 : 404,
                                            selection.status == Selection::Status::NeedAsOf ? "invalid_request" : "not_found",
                                            selection.message);
        program = selection.program;
        const auto& pools = program->pools();
        if (std::find(pools.begin(), pools.end(), pool) == pools.end())
            throw_error(404, "not_found", "policy `" + *policy + "` " + program->version() + " has no pool `" + pool + "`");
    } else {
        for (const auto& p : snapshot->policies()) {
            const auto& pools = p.program->pools();
            if (std::find(pools.begin(), pools.end(), pool) == pools.end()) continue;
            if (as_of && !p.program->in_effect(*as_of)) continue;
            if (program) throw_error(400, "invalid_request", "several policies define pool `" + pool + "`: name `policy`");
            program = p.program;
        }
    }
    engine::PoolResult result;
    if (program) result = engine::reconcile(*program, pool, pr);
    else if (!pr.actual_contributions.empty()) result = engine::reconcile_proportional(pr.actual_contributions, pr);
    else throw_error(404, "not_found", "no policy in service defines pool `" + pool + "` (or give `contributions`)");
    if (!result.reconciliation) {
        const ErrorStatus answer = error_status(result.errors);
        throw_error(answer.status, answer.code,
                    result.errors.empty() ? "the pool cannot be reconciled" : result.errors.front().message, result.errors);
    }
    auto out = encode_reconciliation_ordered(*result.reconciliation);
    if (program) out["policy"] = {{"id", program->id()}, {"version", program->version()}, {"sha256", program->sha256()}};
    send_json(response, 200, out);
}

}  // namespace

void register_policy_routes(httplib::Server& server, Context& context) {
    add_route(server, context, "GET", "/v1/policies", "/v1/policies", Access::Open, list_policies);
    add_route(server, context, "POST", "/v1/policies", "/v1/policies", Access::Author, post_policy);
    add_route(server, context, "POST", "/v1/policies/check", "/v1/policies/check", Access::Compile, check_policy);
    add_route(server, context, "GET", R"(/v1/policies/([^/]+))", "/v1/policies/{id}", Access::Open, get_policy);
    add_route(server, context, "POST", "/v1/simulate", "/v1/simulate", Access::Compile, post_simulate);
    add_route(server, context, "POST", R"(/v1/pools/([^/]+)/reconcile)", "/v1/pools/{id}/reconcile", Access::Evaluate,
              post_reconcile);
}

}  // namespace jointly::server
