// Routes: policies (list, detail with schema, upload, check), simulate, pool reconciliation.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>

#include "decided_under_check.hpp"
#include "http_internal.hpp"
#include "jointly/engine/pool.hpp"
#include "jointly/engine/services.hpp"

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;

ojson date_or_null(const std::optional<engine::Date>& d) { return d ? ojson(d->to_string()) : ojson(nullptr); }

// Whether UTF-8 text (valid: the JSON decoder has checked it) holds a character that is not
// seen but changes how the text around it reads: a C1 control (U+0080-U+009F), the Arabic
// letter mark (U+061C), a zero-width or direction mark (U+200B-U+200F), a line or paragraph
// separator or direction embedding or override (U+2028-U+202E), an invisible operator or
// direction isolate (U+2060-U+2064, U+2066-U+206F), the byte order mark (U+FEFF) or an
// interlinear annotation mark (U+FFF9-U+FFFB). Matched by their encodings' bytes.
bool has_invisible_character(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        const unsigned char a = byte(i);
        const unsigned char b = byte(i + 1);
        if (a == 0xC2 && b >= 0x80 && b <= 0x9F) return true;
        if (a == 0xD8 && b == 0x9C) return true;
        if (i + 2 >= text.size()) continue;
        const unsigned char c = byte(i + 2);
        if (a == 0xE2 && b == 0x80 && ((c >= 0x8B && c <= 0x8F) || (c >= 0xA8 && c <= 0xAE))) return true;
        if (a == 0xE2 && b == 0x81 && ((c >= 0xA0 && c <= 0xA4) || (c >= 0xA6 && c <= 0xAF))) return true;
        if (a == 0xEF && b == 0xBB && c == 0xBF) return true;
        if (a == 0xEF && b == 0xBF && c >= 0xB9 && c <= 0xBB) return true;
    }
    return false;
}

// Where a version in service came from: a file of the policy folder (named relative to it) or
// an upload kept in the decision store.
ojson origin(const LoadedPolicy& p, const std::filesystem::path& folder) {
    ojson out = ojson::object();
    if (p.upload) {
        out["kind"] = "upload";
        out["uploaded_by"] = p.upload->uploaded_by;
        out["uploaded_at"] = p.upload->uploaded_at;
        out["file"] = p.upload->file;
        out["upload_seq"] = p.upload->seq;
    } else {
        out["kind"] = "file";
        const auto relative = std::filesystem::path(p.file).lexically_relative(folder);
        out["file"] = relative.empty() ? p.file : relative.generic_string();
    }
    return out;
}

ojson version_summary(const LoadedPolicy& p, const std::filesystem::path& folder) {
    const auto& program = *p.program;
    ojson out = ojson::object();
    out["version"] = program.version();
    out["title"] = program.title();
    out["effective_from"] = date_or_null(program.effective_from());
    out["effective_to"] = date_or_null(program.effective_to());
    out["sha256"] = program.sha256();
    out["origin"] = origin(p, folder);
    return out;
}

// `total OP £X` (or `£X OP total`) among the `and`-joined parts of an outcome rule's condition:
// the amount the package's total is compared with, so a client can say how far a package is
// from the outcome. Conditions of other shapes give none.
void total_thresholds(const dsl::Expr& e, ojson& out) {
    const auto* b = e.as<dsl::Binary>();
    if (b == nullptr) return;
    if (b->op == dsl::BinaryOp::And) {
        total_thresholds(*b->left, out);
        total_thresholds(*b->right, out);
        return;
    }
    const char* op = nullptr;
    bool flipped = false;
    const dsl::MoneyLit* money = nullptr;
    const auto is_total = [](const dsl::Expr& x) {
        const auto* n = x.as<dsl::NameRef>();
        return n != nullptr && n->name == "total";
    };
    if (is_total(*b->left)) money = b->right->as<dsl::MoneyLit>();
    else if (is_total(*b->right)) {
        money = b->left->as<dsl::MoneyLit>();
        flipped = true;
    }
    if (money == nullptr) return;
    switch (b->op) {
        case dsl::BinaryOp::Gt: op = flipped ? "<" : ">"; break;
        case dsl::BinaryOp::Ge: op = flipped ? "<=" : ">="; break;
        case dsl::BinaryOp::Lt: op = flipped ? ">" : "<"; break;
        case dsl::BinaryOp::Le: op = flipped ? ">=" : "<="; break;
        default: return;
    }
    auto units = money->pounds.units;
    auto scale = money->pounds.scale;
    for (; scale < 2; ++scale) {
        if (units > INT64_MAX / 10 || units < INT64_MIN / 10) return;
        units *= 10;
    }
    if (scale > 2) return;  // more than pence: not a money amount a total can meet exactly
    out.push_back({{"op", op}, {"amount", engine::Money::pence(units).to_string()}});
}

// The outcome rules as written: kind, authority, clause, reason, source line and the total
// thresholds of their conditions.
ojson outcome_rules(const engine::Program& program) {
    ojson out = ojson::array();
    for (const auto& o : program.module().outcomes) {
        ojson item = ojson::object();
        item["kind"] = o.kind == dsl::OutcomeKind::Decline ? "decline" : "refer";
        item["referred_to"] = o.kind == dsl::OutcomeKind::Refer ? ojson(o.authority) : ojson(nullptr);
        item["ref"] = o.ref.empty() ? ojson(nullptr) : ojson(o.ref);
        item["reason"] = o.reason.empty() ? ojson(nullptr) : ojson(o.reason);
        item["line"] = o.span.line;
        ojson thresholds = ojson::array();
        total_thresholds(o.condition, thresholds);
        item["total_thresholds"] = std::move(thresholds);
        out.push_back(std::move(item));
    }
    return out;
}

Reply list_policies(Context& context, const httplib::Request&, httplib::Response& response) {
    const auto snapshot = context.registry.snapshot();
    ojson list = ojson::array();
    for (const auto& id : snapshot->ids()) {
        const auto versions = snapshot->versions(id);
        ojson item = ojson::object();
        item["id"] = id;
        item["title"] = versions.back()->program->title();
        ojson vs = ojson::array();
        for (const auto* v : versions) vs.push_back(version_summary(*v, context.options.policies));
        item["versions"] = std::move(vs);
        list.push_back(std::move(item));
    }
    ojson out = ojson::object();
    out["generation"] = snapshot->generation();
    out["policies"] = std::move(list);
    send_json(response, 200, out);
    return {};
}

Reply get_policy(Context& context, const httplib::Request& request, httplib::Response& response) {
    const std::string id = request.matches[1];
    const auto snapshot = context.registry.snapshot();
    const auto versions = snapshot->versions(id);
    if (versions.empty()) return fail(404, "not_found", snapshot->select(id, std::nullopt, std::nullopt).message);
    ojson vs = ojson::array();
    for (const auto* v : versions) {
        const auto& program = *v->program;
        auto item = version_summary(*v, context.options.policies);
        ojson agencies = ojson::array();
        for (const auto& a : program.agencies()) agencies.push_back({{"id", a.id}, {"name", a.display_name}});
        item["agencies"] = std::move(agencies);
        ojson groups = ojson::array();
        for (const auto& g : program.schema().agency_groups) groups.push_back({{"id", g.id}, {"members", g.members}});
        item["agency_groups"] = std::move(groups);
        ojson services = ojson::array();
        for (const auto& service : engine::services_of(program)) {
            ojson entry = {{"id", service.id},
                           {"name", service.display_name ? ojson(*service.display_name) : ojson(nullptr)},
                           {"kind", nullptr}};
            if (service.line_kind) {
                switch (*service.line_kind) {
                    case dsl::LineKindDecl::Weekly: entry["kind"] = "weekly"; break;
                    case dsl::LineKindDecl::Hourly: entry["kind"] = "hourly"; break;
                    case dsl::LineKindDecl::OneOff: entry["kind"] = "one_off"; break;
                    case dsl::LineKindDecl::Any: break;
                }
            }
            services.push_back(std::move(entry));
        }
        item["services"] = std::move(services);
        item["outcome_rules"] = outcome_rules(program);
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
    return {};
}

struct Source {
    std::string text;
    std::string file;
};

// The policy text: a raw body (text/plain) or {"source": "...", "file": "name.jf"}.
Checked<Source> policy_source(const Context& context, const httplib::Request& request) {
    if (request.body.size() > context.options.max_policy_bytes)
        return fail(413, "payload_too_large",
                    "a policy may be at most " + std::to_string(context.options.max_policy_bytes) + " bytes");
    Source out{request.body, "upload.jf"};
    if (content_media_type(request) == "application/json") {
        const auto parsed = json_body(context, request);
        if (!parsed.ok()) return parsed.error();
        const auto& body = parsed.value();
        if (!body.is_object() || !body.contains("source") || !body["source"].is_string())
            return fail(400, "invalid_request", "a JSON upload needs `source`, the policy text",
                        {{codes::kMissingField, "/source", "`source` must be the policy text", std::nullopt, {}}});
        for (const auto& [key, value] : body.items())
            if (key != "source" && key != "file")
                return fail(400, "invalid_request", "unknown field `" + key + "` (a JSON upload has source, file)",
                            {{codes::kUnknownField, "/" + pointer_escape(key),
                              "unknown field `" + key + "` (a JSON upload has source, file)", std::nullopt, {}}});
        out.text = body["source"].get<std::string>();
        if (auto it = body.find("file"); it != body.end()) {
            // A name for messages and the policy's origin, never a path: nothing is written
            // under it, and a name that looks like a path would read as one in a report.
            const std::string name = it->is_string() ? it->get<std::string>() : std::string();
            const bool plain = !name.empty() && name.size() <= 255 && name != "." && name != ".." &&
                               std::none_of(name.begin(), name.end(), [](char c) {
                                   return c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                               }) &&
                               !has_invisible_character(name);
            if (!plain)
                return fail(400, "invalid_request", "`file` must be a file name",
                            {{codes::kFieldType, "/file",
                              "`file` must be a file name of 1 to 255 characters, without `/`, `\\`, control "
                              "characters or invisible formatting characters (direction overrides, zero-width "
                              "characters, line separators): it names the upload in messages, where such a "
                              "character would make a name read as another; nothing is written under it",
                              std::nullopt, {}}});
            out.file = name;
        }
    }
    if (out.text.empty())
        return fail(400, "invalid_request", "the policy text is empty",
                    {{codes::kMissingField, "/source", "the policy text is empty", std::nullopt, {}}});
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
Checked<void> refuse_if_out_of_memory(engine::CheckResult::Stopped stopped) {
    if (stopped == engine::CheckResult::Stopped::OutOfMemory)
        return fail(503, "insufficient_memory", "the server ran out of memory while checking the policy; try again later");
    return {};
}

void send_invalid(httplib::Response& response, const UploadResult& r) {
    std::vector<engine::EvalError> details;
    for (const auto& d : r.report.diagnostics) {
        if (d.severity != dsl::Severity::Error) continue;
        details.push_back({d.code, "/source",
                           std::to_string(d.span.line) + ":" + std::to_string(d.span.column) + ": " + d.message,
                           d.span, {}});
    }
    auto body = encode_errors("policy_invalid", r.message, details);
    body["error"]["diagnostics"] = encode_diagnostics(r.report.diagnostics);
    body["error"]["rendered"] = dsl::render_all(r.report.diagnostics, r.report.source);
    send_json(response, 422, body);
}

Reply post_policy(Context& context, const httplib::Request& request, httplib::Response& response) {
    const auto source = policy_source(context, request);
    if (!source.ok()) return source.error();
    const auto& note = request_note();
    const auto r = context.registry.upload(source.value().text, source.value().file,
                                           Uploader{note.principal, note.request_id});
    if (auto checked = refuse_if_out_of_memory(r.stopped); !checked.ok()) return checked;
    switch (r.status) {
        case UploadResult::Status::Added:
        case UploadResult::Status::Checked: {
            response.set_header("Location", "/v1/policies/" + r.program->id());
            send_json(response, 201, policy_summary(*r.program, r.report));
            return {};
        }
        case UploadResult::Status::Invalid: send_invalid(response, r); return {};
        case UploadResult::Status::Duplicate: return fail(409, "conflict", r.message);
        case UploadResult::Status::StorageFailed: return fail(503, "store_unavailable", r.message);
    }
    return {};
}

Reply check_policy(Context& context, const httplib::Request& request, httplib::Response& response) {
    const auto source = policy_source(context, request);
    if (!source.ok()) return source.error();
    const auto r = context.registry.check(source.value().text, source.value().file);
    if (auto checked = refuse_if_out_of_memory(r.stopped); !checked.ok()) return checked;
    if (r.status == UploadResult::Status::Invalid) {
        send_invalid(response, r);
        return {};
    }
    // What an upload of it would be refused for next (409): a version that stored decisions
    // name under another text (decided_under_check.hpp, as the upload checks it).
    if (r.status == UploadResult::Status::Checked && context.store) {
        std::vector<DecidedUnder> recorded;
        try {
            recorded = context.store->decided_under();
        } catch (const StoreError& e) {
            return fail(503, "store_unavailable", std::string("the policy texts decided under could not be read: ") + e.what());
        }
        if (auto edited = edited_after_deciding(*r.program, r.report.file, recorded)) {
            UploadResult refused = r;
            refused.report.diagnostics.push_back(std::move(*edited));
            refused.message = "stored decisions name this policy version under another text";
            send_invalid(response, refused);
            return {};
        }
    }
    auto out = policy_summary(*r.program, r.report);
    out["ok"] = true;
    out["already_loaded"] = r.status == UploadResult::Status::Duplicate;
    send_json(response, 200, out);
    return {};
}

Checked<std::optional<std::string>> optional_string(const nlohmann::json& body, const char* field) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return std::optional<std::string>();
    if (!it->is_string())
        return fail(400, "invalid_request", std::string("`") + field + "` must be a string",
                    {{codes::kFieldType, std::string("/") + field, "must be a string", std::nullopt, {}}});
    return std::optional<std::string>(it->get<std::string>());
}

// Refuses (400, E4204 each) any top-level field not in `known`: a misspelt option must not
// silently fall back to its default.
Checked<void> refuse_unknown_fields(const nlohmann::json& body, std::initializer_list<const char*> known) {
    std::vector<engine::EvalError> errors;
    std::string names;
    for (const char* k : known) names += std::string(names.empty() ? "" : ", ") + k;
    for (const auto& [key, value] : body.items()) {
        bool found = false;
        for (const char* k : known) found = found || key == k;
        if (!found)
            errors.push_back({codes::kUnknownField, "/" + pointer_escape(key),
                              "unknown field `" + key + "` (known: " + names + ")", std::nullopt, {}});
    }
    if (!errors.empty()) return fail(400, "invalid_request", errors.front().message, errors);
    return {};
}

// A pool amount: money, at most £10,000,000,000.00 either side of zero (E4213), far above
// any pooled budget, so no reconciliation can overflow.
std::optional<engine::Money> pool_amount(const nlohmann::json& value, const std::string& path,
                                         std::vector<engine::EvalError>& errors) {
    std::string message;
    bool too_large = false;
    auto money = json_money(value, &message, &too_large);
    if (too_large) {
        errors.push_back({codes::kAmountTooLarge, path, "more than £10,000,000,000.00, the most a pool amount may be",
                          std::nullopt, {}});
        return std::nullopt;
    }
    if (!money) {
        errors.push_back({codes::kMoney, path, message, std::nullopt, {}});
        return std::nullopt;
    }
    constexpr std::int64_t kMax = 1'000'000'000'000;  // pence
    if (money->in_pence() > kMax || money->in_pence() < -kMax) {
        errors.push_back({codes::kAmountTooLarge, path,
                          "a pool amount may be at most £10,000,000,000.00, not " + money->to_string(), std::nullopt, {}});
        return std::nullopt;
    }
    return money;
}

Reply post_simulate(Context& context, const httplib::Request& request, httplib::Response& response) {
    const auto parsed = json_body(context, request);
    if (!parsed.ok()) return parsed.error();
    std::vector<engine::EvalError> query_errors;
    known_params(request, {"format"}, "POST /v1/simulate", query_errors);
    const bool csv = wants_csv(request, query_errors);
    if (!query_errors.empty()) return fail(400, "invalid_request", query_errors.front().message, query_errors);
    const auto& body = parsed.value();
    if (!body.is_object()) return fail(400, "invalid_request", "the body must be a JSON object");
    const auto known = refuse_unknown_fields(body, {"policy", "version", "vs_source", "vs_version", "cases"});
    if (!known.ok()) return known;
    auto cases = body.find("cases");
    if (cases == body.end() || !cases->is_array())
        return fail(400, "invalid_request", "a simulation needs `cases`, an array of decision requests",
                    {{codes::kMissingField, "/cases", "`cases` must be an array of decision requests", std::nullopt, {}}});
    if (cases->size() > context.options.max_batch * 100)
        return fail(413, "payload_too_large", "too many cases in one simulation");
    SimulationInput input;
    input.a = context.registry.snapshot();
    const auto policy = optional_string(body, "policy");
    if (!policy.ok()) return policy.error();
    input.policy = policy.value();
    const auto version = optional_string(body, "version");
    if (!version.ok()) return version.error();
    input.version_a = version.value();
    input.limits = context.limits();
    if (input.policy && input.a->versions(*input.policy).empty())
        return fail(404, "not_found", input.a->select(*input.policy, std::nullopt, std::nullopt).message);
    const auto vs_source = optional_string(body, "vs_source");
    if (!vs_source.ok()) return vs_source.error();
    if (const auto& source = vs_source.value()) {
        auto compiled = engine::compile(*source, "vs_source.jf", dsl::Limits::for_upload());
        if (auto checked = refuse_if_out_of_memory(compiled.stopped); !checked.ok()) return checked;
        if (!compiled.program || dsl::has_errors(compiled.diagnostics)) {
            UploadResult r;
            r.report = FileReport{"vs_source.jf", *source, compiled.diagnostics};
            r.message = "`vs_source` does not compile";
            send_invalid(response, r);
            return {};
        }
        input.b = std::make_shared<const Snapshot>(std::vector<LoadedPolicy>{{compiled.program, "vs_source.jf", std::nullopt}}, 0);
        input.version_b = compiled.program->version();
    } else {
        const auto vs_version = optional_string(body, "vs_version");
        if (!vs_version.ok()) return vs_version.error();
        if (vs_version.value()) {
            input.b = input.a;
            input.version_b = vs_version.value();
        }
    }
    Simulation simulation(input);
    // CSV: one row per case, in order, as each is counted; refused once over --max-response.
    const SimulationCsv csv_writer(input);
    std::string csv_body = csv ? csv_writer.header() : std::string();
    if (csv) simulation.on_case([&](const Simulation::Evaluated& e) {
        if (csv_body.size() <= context.options.max_response) csv_body += csv_writer.row(e);
    });
    const Deadline deadline(context);
    for (std::size_t i = 0; i < cases->size(); ++i) {
        if (auto in_time = deadline.check("the simulation", i, cases->size()); !in_time.ok()) return in_time;
        simulation.add((*cases)[i], i);
    }
    if (csv) {
        if (csv_body.size() > context.options.max_response)
            return fail(422, "response_too_large",
                        "the CSV would be over " + std::to_string(context.options.max_response) +
                            " bytes (--max-response): send fewer cases, or split the work");
        response.status = 200;
        response.set_content(csv_body, "text/csv; charset=utf-8");
        return {};
    }
    auto result = simulation.result();
    // A case's errors point into the body (`/cases/3/lines/0/weekly`), as every error of the
    // API does; `jointly simulate` keeps them relative to the caseload's line.
    for (auto& e : result["errors"])
        for (auto& d : e["details"])
            d["path"] = "/cases/" + std::to_string(e["case"].get<std::size_t>()) + d["path"].get<std::string>();
    const auto text = bounded_text(context, result);
    if (!text.ok()) return text.error();
    response.status = 200;
    response.set_content(text.value(), "application/json");
    return {};
}

Reply post_reconcile(Context& context, const httplib::Request& request, httplib::Response& response) {
    const std::string pool = request.matches[1];
    const auto parsed = json_body(context, request);
    if (!parsed.ok()) return parsed.error();
    const auto& body = parsed.value();
    if (!body.is_object()) return fail(400, "invalid_request", "the body must be a JSON object");
    const auto known =
        refuse_unknown_fields(body, {"policy", "version", "as_of", "spend", "carry_forward", "contributions"});
    if (!known.ok()) return known;
    std::vector<engine::EvalError> errors;
    engine::PoolRequest pr;
    if (!body.contains("spend")) errors.push_back({codes::kMoney, "/spend", "`spend` is required", std::nullopt, {}});
    else if (auto m = pool_amount(body["spend"], "/spend", errors)) pr.spend = *m;
    if (auto it = body.find("carry_forward"); it != body.end() && !it->is_null()) {
        if (it->is_boolean()) pr.carry_forward = it->get<bool>();
        else errors.push_back({codes::kFieldType, "/carry_forward", "`carry_forward` must be true or false", std::nullopt, {}});
    }
    if (auto it = body.find("contributions"); it != body.end() && !it->is_null()) {
        if (!it->is_object()) {
            errors.push_back({codes::kFieldType, "/contributions", "`contributions` must map agencies to money", std::nullopt, {}});
        } else {
            for (const auto& [agency, amount] : it->items())
                if (auto m = pool_amount(amount, "/contributions/" + pointer_escape(agency), errors))
                    pr.actual_contributions.emplace_back(agency, *m);
        }
    }
    std::optional<engine::Date> as_of;
    if (auto it = body.find("as_of"); it != body.end() && !it->is_null()) {
        as_of = it->is_string() ? engine::parse_date(it->get<std::string>()) : std::nullopt;
        if (!as_of) errors.push_back({codes::kDate, "/as_of", "`as_of` must be a date `YYYY-MM-DD`", std::nullopt, {}});
    }
    const auto checked_policy = optional_string(body, "policy");
    if (!checked_policy.ok()) return checked_policy.error();
    const auto& policy = checked_policy.value();
    const auto checked_version = optional_string(body, "version");
    if (!checked_version.ok()) return checked_version.error();
    const auto& version = checked_version.value();
    if (!errors.empty()) return fail(400, "invalid_request", errors.front().path + ": " + errors.front().message, errors);
    const auto snapshot = context.registry.snapshot();
    std::shared_ptr<const engine::Program> program;
    if (policy) {
        auto selection = snapshot->select(*policy, version, as_of, true);
        if (!selection.program)
            return fail(selection.status == Selection::Status::NeedAsOf ? 400 : 404,
                        selection.status == Selection::Status::NeedAsOf ? "invalid_request" : "not_found",
                        selection.message);
        program = selection.program;
        const auto& pools = program->pools();
        if (std::find(pools.begin(), pools.end(), pool) == pools.end())
            return fail(404, "not_found", "policy `" + *policy + "` " + program->version() + " has no pool `" + pool + "`");
    } else {
        for (const auto& p : snapshot->policies()) {
            const auto& pools = p.program->pools();
            if (std::find(pools.begin(), pools.end(), pool) == pools.end()) continue;
            if (as_of && !p.program->in_effect(*as_of)) continue;
            if (program) return fail(400, "invalid_request", "several policies define pool `" + pool + "`: name `policy`");
            program = p.program;
        }
    }
    engine::PoolResult result;
    if (program) result = engine::reconcile(*program, pool, pr);
    else if (!pr.actual_contributions.empty()) result = engine::reconcile_proportional(pr.actual_contributions, pr, pool);
    else return fail(404, "not_found", "no policy in service defines pool `" + pool + "` (or give `contributions`)");
    if (!result.reconciliation) {
        const ErrorStatus answer = error_status(result.errors);
        return fail(answer.status, answer.code,
                    result.errors.empty() ? "the pool cannot be reconciled" : result.errors.front().message, result.errors);
    }
    auto out = encode_reconciliation_ordered(*result.reconciliation);
    if (program) out["policy"] = {{"id", program->id()}, {"version", program->version()}, {"sha256", program->sha256()}};
    send_json(response, 200, out);
    return {};
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
