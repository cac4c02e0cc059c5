// Routes for the `admin` role: erasure and rectification of a child's personal data in a
// stored decision (UK GDPR arts. 16 and 17). See docs/operations.md, "Erasure and
// rectification".
#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "erasure.hpp"
#include "http_audit.hpp"
#include "http_internal.hpp"
#include "http_records.hpp"

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;

constexpr std::size_t kMaxReason = 2000;

// What an erased decision keeps: the figures a finance audit needs, nothing about the child.
ojson redacted_response(const DecisionRecord& record) {
    const auto in = ojson::parse(record.response_json);
    ojson out = ojson::object();
    for (const char* key : {"decision_id", "supersedes", "policy", "engine", "as_of", "case_ref", "outcome",
                            "referred_to", "total", "by_agency", "by_financial_year"}) {
        if (!in.contains(key)) continue;
        out[key] = std::string(key) == "case_ref" ? ojson(nullptr) : in[key];
    }
    return out;
}

// What an erased decision's panel record keeps: outcome, date, members (staff, not the
// child) and an override's shares; the notes and the override's reason are blanked.
ojson redacted_panel(const std::string& text) {
    const auto in = ojson::parse(text);
    ojson out = ojson::object();
    for (const auto& [key, value] : in.items()) {
        if (key == "notes") {
            out[key] = "";
        } else if (key == "override" && value.is_object()) {
            ojson o = value;
            if (o.contains("reason")) o["reason"] = "";
            out[key] = std::move(o);
        } else {
            out[key] = value;
        }
    }
    return out;
}


}  // namespace

Redaction erasure_redaction() {
    return Redaction{[](const DecisionRecord& r) { return redacted_response(r).dump(); },
                     [](const std::string& text) { return redacted_panel(text).dump(); }};
}

namespace {

// The body's `reason` (required, 1 to kMaxReason bytes); 400 naming every problem with the
// body's fields, `allowed` listing the ones it may have.
Checked<std::string> reason_of(const nlohmann::json& body, const std::set<std::string>& allowed, const char* what) {
    std::vector<engine::EvalError> errors;
    if (!body.is_object()) return fail(400, "invalid_request", std::string("the body of ") + what + " must be a JSON object");
    std::string list;
    for (const auto& name : allowed) list += (list.empty() ? "" : ", ") + name;
    for (const auto& [key, value] : body.items())
        if (!allowed.count(key))
            errors.push_back({codes::kUnknownField, "/" + pointer_escape(key),
                              "unknown field `" + key + "` (" + what + " has " + list + ")", std::nullopt, {}});
    const auto reason = body.value("reason", nlohmann::json());
    const bool rectifying = allowed.count("request") > 0;
    if (!reason.is_string() || reason.get<std::string>().empty() || reason.get<std::string>().size() > kMaxReason)
        errors.push_back({codes::kMissingField, "/reason",
                          std::string(what) + " needs a `reason` (text, 1 to " + std::to_string(kMaxReason) +
                              " bytes): " +
                              (rectifying ? "why the data was wrong, e.g. a rectification request's reference"
                                          : "the legal ground, e.g. an erasure request's reference"),
                          std::nullopt, {}});
    if (!errors.empty()) return fail(400, "invalid_request", errors.front().path + ": " + errors.front().message, errors);
    return reason.get<std::string>();
}

// `text` with each of `pointers` (JSON pointers into a corrected request) that it names, as a
// word of its own (at the start, or after a space, `(` or a backtick, and before `:`, a space,
// `)`, a backtick, `,` or the end), moved under /request.
std::string under_request(const std::string& text, std::vector<std::string> pointers) {
    // Longest first, so that /lines/0/weekly is not taken for /lines/0.
    std::sort(pointers.begin(), pointers.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    const auto starts = [](char c) { return c == ' ' || c == '(' || c == '`'; };
    const auto ends = [](char c) { return c == ':' || c == ' ' || c == ')' || c == '`' || c == ','; };
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        bool moved = false;
        if (text[i] == '/' && (i == 0 || starts(text[i - 1]))) {
            for (const auto& p : pointers) {
                const std::size_t end = i + p.size();
                if (text.compare(i, p.size(), p) == 0 && (end == text.size() || ends(text[end]))) {
                    out += "/request" + p;
                    i = end;
                    moved = true;
                    break;
                }
            }
        }
        if (!moved) out += text[i++];
    }
    return out;
}

Erasure tombstone(const std::string& id, std::string reason) {
    const auto& note = request_note();
    Erasure e;
    e.decision_id = id;
    e.principal = note.principal.empty() ? "anonymous" : note.principal;
    e.reason = std::move(reason);
    e.request_id = note.request_id;
    return e;
}

// POST /v1/decisions/{id}/erasure {"reason": "..."}: blanks the decision's personal data.
// Erasing an erased decision changes nothing and answers the first tombstone.
Reply post_erasure(Context& context, const httplib::Request& request, httplib::Response& response, AuditEntry& audit) {
    const std::string id = request.matches[1];
    audit.decision_id = id;
    const auto body = json_body(context, request);
    if (!body.ok()) return body.error();
    auto reason = reason_of(body.value(), {"reason"}, "an erasure");
    if (!reason.ok()) return reason.error();
    auto erasure = tombstone(id, std::move(reason.value()));
    audit.status = 200;
    audit.detail = "erasure";
    fill_audit_origin(audit);
    const auto result = context.store->erase_decision(std::move(erasure), erasure_redaction(), audit);
    if (!result.found) return fail(404, "not_found", "no decision `" + id + "`");
    if (result.already) audit.detail = "erasure (already erased)";
    else audit.committed_with_write = true;
    request_note().decision_id = id;
    ojson out = ojson::object();
    out["decision_id"] = id;
    out["already_erased"] = result.already;
    out["erasure"] = erasure_json(result.erasure);
    send_json(response, 200, out);
    return {};
}

// POST /v1/decisions/{id}/rectification {"reason": "...", "request": {...}}: evaluates the
// corrected request, stores it as a new decision that supersedes this one, and erases this
// one's personal data, in one transaction.
Reply post_rectification(Context& context, const httplib::Request& request, httplib::Response& response,
                         AuditEntry& audit) {
    const std::string id = request.matches[1];
    audit.decision_id = id;
    const auto parsed = json_body(context, request);
    if (!parsed.ok()) return parsed.error();
    const auto& body = parsed.value();
    auto reason = reason_of(body, {"reason", "request"}, "a rectification");
    if (!reason.ok()) return reason.error();
    if (!body.contains("request") || !body["request"].is_object())
        return fail(400, "invalid_request", "/request: a rectification needs `request`, the corrected decision request",
                    {{codes::kMissingField, "/request", "a rectification needs `request`, the corrected decision request",
                      std::nullopt, {}}});
    if (const auto live = live_decision(context, id, "erased or rectified before", "rectify"); !live.ok())
        return live.error();
    // The corrected request sits at /request of the body: its errors say so in every pointer,
    // the messages' included.
    const auto at_request = [](ServiceError error) {
        std::vector<std::string> pointers;
        for (const auto& detail : error.details) {
            if (!detail.path.empty() && detail.path.front() == '/') pointers.push_back(detail.path);
            for (const auto& input : detail.inputs)
                if (!input.empty() && input.front() == '/') pointers.push_back(input);
        }
        error.message = under_request(error.message, pointers);
        for (auto& detail : error.details) {
            if (detail.path.empty() || detail.path.front() == '/') detail.path = "/request" + detail.path;
            for (auto& input : detail.inputs)
                if (!input.empty() && input.front() == '/') input = "/request" + input;
            detail.message = under_request(detail.message, pointers);
        }
        return error;
    };
    const auto options = evaluate_options(context, request);
    if (!options.ok()) return at_request(options.error());
    auto evaluated = evaluate_decision(context, body["request"], options.value());
    if (!evaluated.ok()) return at_request(evaluated.error());
    auto checked_record = decision_record(context, evaluated.value(), body["request"].dump(), id);
    if (!checked_record.ok()) return checked_record.error();
    auto& record = checked_record.value();
    const auto new_id = record.id;
    audit.status = 201;
    audit.detail = "superseded by " + new_id;
    fill_audit_origin(audit);
    auto erasure = tombstone(id, std::move(reason.value()));
    const auto result =
        context.store->rectify_decision(std::move(record), std::move(erasure), erasure_redaction(), audit);
    if (!result.found) return fail(404, "not_found", "no decision `" + id + "`");
    if (result.already) return fail(409, "erased", "the decision `" + id + "` was erased or rectified before");
    audit.committed_with_write = true;
    request_note().decision_id = new_id;
    const auto created = context.store->get_decision(new_id);
    if (!created) throw StoreError("the rectified decision `" + new_id + "` is missing after its commit");
    response.set_header("Location", "/v1/decisions/" + new_id);
    response.status = 201;
    response.set_content(created->response_json, "application/json");
    return {};
}

}  // namespace

void register_erasure_routes(httplib::Server& server, Context& context) {
    add_audited_route(server, context, "POST", R"(/v1/decisions/([^/]+)/erasure)", "/v1/decisions/{id}/erasure",
                      Access::Admin, "erase", post_erasure);
    add_audited_route(server, context, "POST", R"(/v1/decisions/([^/]+)/rectification)",
                      "/v1/decisions/{id}/rectification", Access::Admin, "rectify", post_rectification);
}

}  // namespace jointly::server
