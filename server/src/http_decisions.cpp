// Routes: evaluate, evaluate/batch, decisions (store, read, list), panel records, and the
// summary report over the stored decisions. Every route that stores or reads a child's record
// is audited (http_audit.hpp).
#include <algorithm>
#include <string>

#include <openssl/evp.h>

#include "http_audit.hpp"
#include "http_internal.hpp"
#include "http_records.hpp"
#include "jointly/engine/codes.hpp"
#include "csv.hpp"
#include "report.hpp"

namespace jointly::server {

using ojson = nlohmann::ordered_json;

Checked<EvaluateOptions> evaluate_options(const Context& context, const httplib::Request& request) {
    EvaluateOptions options;
    options.limits = context.limits();
    // An answer is longer than the text it holds: text past --max-response could never be
    // sent, so the evaluation stops there (E3008) rather than build it.
    options.eval_limits.max_text_bytes = context.options.max_response;
    if (request.has_param("explain")) {
        const auto explain = request.get_param_value("explain");
        if (explain != "full" && explain != "none")
            return fail(400, "invalid_request", "`explain` must be `full` or `none`",
                        {{codes::kFieldType, "?explain", "query parameter `explain` must be `full` or `none`", std::nullopt, {}}});
        options.explain_full = explain == "full";
    }
    return options;
}

namespace {

// A body the fast decoder may read: within --max-body, and --max-depth at least `depth` (the
// decoder reads nothing nested deeper than 3 levels of a request). Every other body goes
// through parse_json, which gives the error.
bool fast_body(const Context& context, const httplib::Request& request, std::size_t depth) {
    return !request.body.empty() && request.body.size() <= context.options.max_body &&
           context.options.max_depth >= depth;
}

Checked<Evaluated> counted(Context& context, EvaluateResult& result) {
    if (result.error) return std::move(*result.error);
    context.metrics.decision(result.evaluated->decision.outcome);
    return std::move(*result.evaluated);
}

}  // namespace

Checked<Evaluated> evaluate_decision(Context& context, const nlohmann::json& body, const EvaluateOptions& options) {
    const auto snapshot = context.registry.snapshot();
    auto result = evaluate_body(*snapshot, body, options);
    return counted(context, result);
}

namespace {

// The reference path: the body parsed by parse_json (which reports a malformed one) and
// evaluated by evaluate_body.
Checked<Evaluated> evaluate_parsed_body(Context& context, const httplib::Request& request,
                                        const Checked<EvaluateOptions>& options) {
    const auto body = json_body(context, request);
    if (!body.ok()) return body.error();
    if (!options.ok()) return options.error();
    return evaluate_decision(context, body.value(), options.value());
}

}  // namespace

Checked<Evaluated> evaluate_request_body(Context& context, const httplib::Request& request) {
    const auto options = evaluate_options(context, request);
    // Every body the fast decoder refuses goes through parse_json and evaluate_body, which give
    // the error.
    if (options.ok() && fast_body(context, request, 3)) {
        const auto snapshot = context.registry.snapshot();
        if (auto result = evaluate_text(*snapshot, request.body, options.value())) return counted(context, *result);
    }
    return evaluate_parsed_body(context, request, options);
}

Checked<DecisionRecord> decision_record(const Context& context, Evaluated& evaluated, std::string request_text,
                                        const std::string& supersedes) {
    const auto& d = evaluated.decision;
    DecisionRecord record;
    record.id = Store::new_decision_id();
    // The answer's text written straight from the decision (decision_text), after its id.
    std::string prefix = "\"decision_id\":" + ojson(record.id).dump() + ",";
    if (!supersedes.empty()) prefix += "\"supersedes\":" + ojson(supersedes).dump() + ",";
    record.case_ref = d.case_ref;
    record.policy_id = d.policy_id;
    record.policy_version = d.policy_version;
    record.policy_sha256 = d.policy_sha256;
    record.as_of = d.as_of ? d.as_of->to_string() : std::string();
    record.outcome = engine::to_string(d.outcome);
    record.total = d.total.to_string();
    record.request_json = std::move(request_text);
    auto response_text = bounded_text(context, decision_text(d, prefix));
    if (!response_text.ok()) return response_text.error();
    record.response_json = std::move(response_text.value());
    return record;
}

std::string body_sha256(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1)
        throw StoreError("cannot hash the request body (libcrypto failed)");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0xFU];
    }
    return out;
}

nlohmann::ordered_json erasure_json(const Erasure& e) {
    ojson out = ojson::object();
    out["at"] = e.at;
    out["principal"] = e.principal;
    out["reason"] = e.reason;
    out["superseded_by"] = e.superseded_by ? ojson(*e.superseded_by) : ojson(nullptr);
    return out;
}

Checked<DecisionRecord> live_decision(Context& context, const std::string& id, const std::string& erased_what,
                                      const std::string& next_step) {
    auto stored = context.store->get_decision(id);
    if (!stored) return fail(404, "not_found", "no decision `" + id + "`");
    if (stored->erased)
        return fail(409, "erased",
                    "the decision `" + id + "` was " + erased_what +
                        (stored->erased->superseded_by ? "; " + next_step + " `" + *stored->erased->superseded_by + "`"
                                                       : std::string()));
    return std::move(*stored);
}

namespace {

// 200 with `text` as the JSON answer, or 422 `response_too_large` past --max-response (bounded_text).
Reply answer_text(Context& context, httplib::Response& response, std::string text) {
    auto bounded = bounded_text(context, std::move(text));
    if (!bounded.ok()) return bounded.error();
    response.status = 200;
    set_body(response, std::move(bounded.value()), "application/json");
    return {};
}

// The fast path writes the answer's text from a decision evaluated in place
// (evaluate_text_in_place): nothing is kept, so nothing is moved or freed.
Reply post_evaluate(Context& context, const httplib::Request& request, httplib::Response& response) {
    const auto options = evaluate_options(context, request);
    if (options.ok() && fast_body(context, request, 3)) {
        const auto snapshot = context.registry.snapshot();
        std::string text;
        auto in_place = evaluate_text_in_place(
            *snapshot, request.body, options.value(),
            [&](const std::shared_ptr<const engine::Program>&, const engine::Decision& decision) {
                context.metrics.decision(decision.outcome);
                text = decision_text(decision);
            });
        if (in_place.read) {
            if (in_place.error) return std::move(*in_place.error);
            return answer_text(context, response, std::move(text));
        }
    }
    const auto evaluated = evaluate_parsed_body(context, request, options);
    if (!evaluated.ok()) return evaluated.error();
    return answer_text(context, response, decision_text(evaluated.value().decision));
}

// A batch whose answer passed --max-response while it was being written: stopped there.
ServiceError batch_too_large(const Context& context) {
    return fail(422, "response_too_large",
                "the batch's answer would be over " + std::to_string(context.options.max_response) +
                    " bytes (--max-response); it was stopped there: send fewer or shorter requests, or split the batch");
}

// The batch read by the fast decoder (evaluate_batch_in_place); nullopt when it leaves the body
// to the reference path below, which gives the same answer and every error. The answer's text
// is written from each decision as it is made (decision_text), not built as a tree and dumped.
std::optional<Reply> post_batch_fast(Context& context, const httplib::Request& request, httplib::Response& response) {
    const auto options = evaluate_options(context, request);
    // The requests are two levels below the body, and the fast decoder reads three levels of them.
    if (!options.ok() || !fast_body(context, request, 5)) return std::nullopt;
    const auto snapshot = context.registry.snapshot();
    const Deadline deadline(context);
    std::optional<ServiceError> late;
    std::vector<engine::Outcome> outcomes;
    std::string text = "{\"count\":";
    std::size_t count = 0;
    // Each evaluation may write only the text the answer still has room for (an item that
    // needs more fails, and the reference path below answers the batch's 422).
    EvaluateOptions each = options.value();
    const std::size_t max = context.options.max_response;
    const auto batch = evaluate_batch_in_place(
        *snapshot, request.body, each, context.options.max_batch,
        [&](std::size_t done, std::size_t requests) {
            if (done == 0) {
                count = requests;
                text += std::to_string(count) + ",\"failed\":0,\"results\":[";
            }
            if (text.size() > max) {
                late = batch_too_large(context);
                return false;
            }
            each.eval_limits.max_text_bytes = max - text.size();
            auto in_time = deadline.check("the batch", done, requests);
            if (!in_time.ok()) late = in_time.error();
            return in_time.ok();
        },
        [&](const std::shared_ptr<const engine::Program>&, const engine::Decision& decision) {
            outcomes.push_back(decision.outcome);
            if (outcomes.size() > 1) text += ',';
            const std::size_t before = text.size();
            append_decision_text(text, decision);
            // Room for the rest at the first answer's size (within --max-response), so that a
            // long answer is not copied at each doubling.
            if (outcomes.size() == 1)
                text.reserve(
                    std::min(context.options.max_response + 2, before + (text.size() - before + 1) * count * 9 / 8 + 2));
        });
    if (!batch) return std::nullopt;
    for (const auto outcome : outcomes) context.metrics.decision(outcome);
    if (late) return Reply(std::move(*late));
    if (*batch == 0) text += "0,\"failed\":0,\"results\":[";
    text += "]}";
    return answer_text(context, response, std::move(text));
}

Reply post_batch(Context& context, const httplib::Request& request, httplib::Response& response) {
    if (auto fast = post_batch_fast(context, request, response)) return std::move(*fast);
    const auto parsed = json_body(context, request);
    if (!parsed.ok()) return parsed.error();
    const auto& body = parsed.value();
    const nlohmann::json* list = &body;
    if (body.is_object()) {
        for (const auto& [key, value] : body.items())
            if (key != "requests")
                return fail(400, "invalid_request", "unknown field `" + key + "` (a batch has requests)",
                            {{codes::kUnknownField, "/" + pointer_escape(key),
                              "unknown field `" + key + "` (a batch has requests)", std::nullopt, {}}});
        auto it = body.find("requests");
        if (it == body.end())
            return fail(400, "invalid_request", "a batch needs `requests`, an array of decision requests",
                        {{codes::kMissingField, "/requests", "a batch needs `requests`", std::nullopt, {}}});
        list = &*it;
    }
    if (!list->is_array())
        return fail(400, "invalid_request", "`requests` must be an array",
                    {{codes::kFieldType, "/requests", "`requests` must be an array of decision requests", std::nullopt, {}}});
    if (list->size() > context.options.max_batch)
        return fail(413, "payload_too_large",
                    "a batch may hold at most " + std::to_string(context.options.max_batch) + " requests, not " +
                        std::to_string(list->size()));
    const auto options = evaluate_options(context, request);
    if (!options.ok()) return options.error();
    const auto snapshot = context.registry.snapshot();
    const Deadline deadline(context);
    // Each result is written as it comes (the same text as the whole tree dumped at once), its
    // evaluation given only the room the answer has left: the batch stops at the limit.
    EvaluateOptions each = options.value();
    const std::size_t max = context.options.max_response;
    const auto dump = [](const ojson& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); };
    std::vector<std::string> results;
    std::size_t written = 0;
    std::size_t failed = 0;
    for (const auto& item : *list) {
        if (auto in_time = deadline.check("the batch", results.size(), list->size()); !in_time.ok())
            return in_time.error();
        each.eval_limits.max_text_bytes = max - std::min(written, max);
        auto r = evaluate_body(*snapshot, item, each);
        std::string piece;
        if (r.evaluated) {
            context.metrics.decision(r.evaluated->decision.outcome);
            piece = dump(encode_decision_ordered(r.evaluated->decision));
        } else {
            if (r.error->code == "response_too_large") return batch_too_large(context);
            ++failed;
            auto error = ojson(caller_view(context, *r.error));
            error["status"] = r.error->status;
            piece = dump(error);
        }
        written += piece.size() + 1;
        if (written > max) return batch_too_large(context);
        results.push_back(std::move(piece));
    }
    std::string text = "{\"count\":" + std::to_string(list->size()) + ",\"failed\":" + std::to_string(failed) +
                       ",\"results\":[";
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (i != 0) text += ',';
        text += results[i];
    }
    text += "]}";
    return answer_text(context, response, std::move(text));
}

// The `Idempotency-Key` of a write, scoped to the caller and `scope_route`; nullopt when none
// is sent. 400 when it is malformed.
Checked<std::optional<IdempotencyKey>> idempotency_key(const httplib::Request& request,
                                                       const std::string& scope_route) {
    const std::size_t sent = header_count(request, "Idempotency-Key");
    if (sent == 0) return std::optional<IdempotencyKey>();
    if (sent > 1)
        return fail(400, "invalid_request", "the `Idempotency-Key` header is given more than once");
    const auto key = header_or_empty(request, "Idempotency-Key");
    bool ok = !key.empty() && key.size() <= 255;
    for (const char c : key) ok = ok && c > 0x20 && c < 0x7f;
    if (!ok)
        return fail(400, "invalid_request",
                    "`Idempotency-Key` must be 1 to 255 visible ASCII characters (a UUID is a good choice)");
    const auto& note = request_note();
    const auto scope = (note.principal.empty() ? "anonymous" : note.principal) + "\x1f" + scope_route;
    return std::optional<IdempotencyKey>(IdempotencyKey{scope, key, body_sha256(request.body)});
}

// Passes a replay, or refuses it (409) when the key was first used with another body.
Checked<void> check_replay(const IdempotencyKey& key, const IdempotentUse& earlier) {
    if (earlier.body_sha256 != key.body_sha256)
        return fail(409, "idempotency_conflict",
                    "the `Idempotency-Key` `" + key.key + "` was used before with a different body (it created `" +
                        earlier.target + "`); use a new key for a new request");
    return {};
}

void replay_decision(Context& context, const std::string& id, httplib::Response& response, AuditEntry& audit) {
    auto record = context.store->get_decision(id);
    if (!record) throw StoreError("the decision `" + id + "` an idempotency key names is missing");
    request_note().decision_id = id;
    audit.decision_id = id;
    audit.detail = "idempotent replay";
    response.set_header("Location", "/v1/decisions/" + id);
    response.set_header("Idempotent-Replayed", "true");
    response.status = 201;
    response.set_content(record->response_json, "application/json");
}

Reply post_decision(Context& context, const httplib::Request& request, httplib::Response& response, AuditEntry& audit) {
    const auto checked_key = idempotency_key(request, "/v1/decisions");
    if (!checked_key.ok()) return checked_key.error();
    const auto& key = checked_key.value();
    // The answer for a key used before: the first answer again, or 409 for another body.
    const auto replay = [&](const IdempotentUse& earlier) -> Reply {
        if (auto same = check_replay(*key, earlier); !same.ok()) return same;
        replay_decision(context, earlier.target, response, audit);
        return {};
    };
    if (key) {
        if (auto earlier = context.store->find_idempotent(key->scope, key->key)) return replay(*earlier);
    }
    auto evaluated = evaluate_request_body(context, request);
    if (!evaluated.ok()) return evaluated.error();
    auto checked_record = decision_record(context, evaluated.value(), request.body);
    if (!checked_record.ok()) return checked_record.error();
    const auto& record = checked_record.value();
    audit.decision_id = record.id;
    audit.status = 201;
    fill_audit_origin(audit);
    const auto written = context.store->write_decision(record, WriteExtras{audit, key});
    if (written.earlier) {  // the same key raced this request and committed first
        return replay(*written.earlier);
    }
    // Committed, with its audit entry: only now acknowledge.
    audit.committed_with_write = true;
    request_note().decision_id = record.id;
    response.set_header("Location", "/v1/decisions/" + record.id);
    response.status = 201;
    response.set_content(record.response_json, "application/json");
    return {};
}

ojson panel_json(const PanelRecord& p) {
    ojson out = ojson::object();
    out["panel_record_id"] = p.id;
    out["decision_id"] = p.decision_id;
    out["created_at"] = p.created_at;
    out["supersedes"] = p.supersedes.empty() ? ojson(nullptr) : ojson(p.supersedes);
    out["record"] = ojson::parse(p.record_json);
    return out;
}

Reply get_decision(Context& context, const httplib::Request& request, httplib::Response& response, AuditEntry& audit) {
    const std::string id = request.matches[1];
    audit.decision_id = id;
    auto record = context.store->get_decision(id);
    if (!record) return fail(404, "not_found", "no decision `" + id + "`");
    auto out = ojson::parse(record->response_json);
    out["created_at"] = record->created_at;
    out["request"] = record->erased ? ojson(nullptr) : ojson::parse(record->request_json);
    ojson panels = ojson::array();
    for (const auto& p : context.store->panel_records(id)) panels.push_back(panel_json(p));
    out["panel"] = panels.empty() ? ojson(nullptr) : panels.back();
    out["panel_records"] = std::move(panels);
    out["erasure"] = record->erased ? erasure_json(*record->erased) : ojson(nullptr);
    send_json(response, 200, out);
    return {};
}

// A cursor (`after`): the decimal seq of the last item seen.
std::optional<std::int64_t> cursor_param(const httplib::Request& request, std::vector<engine::EvalError>& errors) {
    return query_number(request, "after", 0, 999999999999999999, errors, "a cursor from a previous answer's `next`");
}

Reply list_decisions(Context& context, const httplib::Request& request, httplib::Response& response,
                     AuditEntry& audit) {
    audit.detail = query_detail(request);
    DecisionQuery q;
    std::vector<engine::EvalError> errors;
    known_params(request, {"case_ref", "from", "to", "outcome", "policy", "limit", "offset", "after", "format"},
                 "GET /v1/decisions", errors);
    if (request.has_param("case_ref")) q.case_ref = request.get_param_value("case_ref");
    day_filters(request, q.from, q.to, errors);
    if (request.has_param("outcome")) {
        const auto outcome = request.get_param_value("outcome");
        if (outcome != "approve" && outcome != "refer" && outcome != "decline")
            errors.push_back({codes::kFieldType, "?outcome", "`outcome` must be approve, refer or decline", std::nullopt, {}});
        q.outcome = outcome;
    }
    if (request.has_param("policy")) q.policy = request.get_param_value("policy");
    const bool csv = wants_csv(request, errors);
    q.limit = static_cast<std::size_t>(query_number(request, "limit", 0, csv ? 10000 : 500, errors).value_or(50));
    q.offset = static_cast<std::size_t>(query_number(request, "offset", 0, 100000000, errors).value_or(0));
    q.before = cursor_param(request, errors);
    if (q.before && request.has_param("offset"))
        errors.push_back({codes::kFieldType, "?offset", "`offset` and `after` cannot be used together (use `after`)",
                          std::nullopt, {}});
    if (!errors.empty()) return fail(400, "invalid_request", errors.front().message, errors);
    const std::size_t limit = q.limit;
    ++q.limit;  // one more says whether there is a next page
    auto found = context.store->find_decisions(q);
    const bool more = found.size() > limit;
    if (more) found.resize(limit);
    std::optional<std::string> next;
    if (more && !found.empty()) {
        std::string link = "/v1/decisions?";
        for (const auto& [name, value] : request.params)
            if (name != "after" && name != "offset")
                link += name + "=" + httplib::detail::encode_query_param(value) + "&";
        next = link + "after=" + std::to_string(found.back().seq);
    }
    if (csv) {
        response.status = 200;
        if (next) response.set_header("Link", "<" + *next + ">; rel=\"next\"");
        response.set_content(decisions_csv(found), "text/csv; charset=utf-8");
        return {};
    }
    ojson list = ojson::array();
    for (const auto& r : found) {
        ojson item = ojson::object();
        item["decision_id"] = r.id;
        item["case_ref"] = r.erased ? ojson(nullptr) : ojson(r.case_ref);
        item["policy"] = {{"id", r.policy_id}, {"version", r.policy_version}, {"sha256", r.policy_sha256}};
        item["as_of"] = r.as_of.empty() ? ojson(nullptr) : ojson(r.as_of);
        item["created_at"] = r.created_at;
        item["outcome"] = r.outcome;
        item["total"] = r.total;
        item["erased"] = r.erased.has_value();
        list.push_back(std::move(item));
    }
    q.limit = limit;
    ojson out = ojson::object();
    out["total"] = context.store->count_decisions(q);
    out["limit"] = limit;
    out["offset"] = q.offset;
    out["decisions"] = std::move(list);
    out["next"] = next ? ojson(*next) : ojson(nullptr);
    send_json(response, 200, out);
    return {};
}

// GET /v1/changes: the change feed, oldest first from `after`; with `wait`, a long poll that
// answers as soon as there is something (or after `wait` seconds with nothing).
Reply get_changes(Context& context, const httplib::Request& request, httplib::Response& response, AuditEntry& audit) {
    audit.detail = query_detail(request);
    std::vector<engine::EvalError> errors;
    known_params(request, {"after", "limit", "wait"}, "GET /v1/changes", errors);
    const auto after = cursor_param(request, errors).value_or(0);
    const auto limit = static_cast<std::size_t>(query_number(request, "limit", 1, 1000, errors).value_or(100));
    const auto wait = static_cast<std::size_t>(
        query_number(request, "wait", 0, static_cast<std::int64_t>(kMaxChangeWaitSeconds), errors).value_or(0));
    if (!errors.empty()) return fail(400, "invalid_request", errors.front().message, errors);
    auto changes = context.store->changes_after(after, limit);
    if (changes.empty() && after > 0) {
        // A cursor this store never gave: it was restored from a backup or replaced, and its
        // numbering restarted. Answering "nothing new" would have the follower skip every
        // change until the numbering caught up with its cursor.
        const auto last = context.store->last_change_seq();
        if (after > last)
            return fail(409, "cursor_ahead",
                        "the cursor " + std::to_string(after) + " is past the store's last change (" +
                            std::to_string(last) +
                            "): the store was restored from a backup or replaced; read the feed again from the "
                            "start (no `after`) and reconcile with what you hold",
                        {{codes::kFieldType, "?after",
                          "`after` is " + std::to_string(after) + " but the last change stored is " +
                              std::to_string(last),
                          std::nullopt, {}}});
    }
    if (changes.empty() && wait > 0) {
        // A bounded number of waiters: beyond it the poll answers at once (empty), so long
        // polls never take all the worker threads.
        const auto waiting = ++context.long_polls;
        if (waiting <= context.options.threads / 4) {
            const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(wait);
            while (!context.stopping && std::chrono::steady_clock::now() < until) {
                if (context.store->wait_for_change(after, std::chrono::milliseconds(250))) break;
            }
            changes = context.store->changes_after(after, limit);
        }
        --context.long_polls;
    }
    ojson list = ojson::array();
    for (const auto& c : changes) {
        ojson item = ojson::object();
        item["seq"] = std::to_string(c.seq);
        item["at"] = c.at;
        item["kind"] = c.kind;
        item["decision_id"] = c.decision_id;
        item["panel_record_id"] = c.panel_record_id ? ojson(*c.panel_record_id) : ojson(nullptr);
        list.push_back(std::move(item));
    }
    ojson out = ojson::object();
    out["changes"] = std::move(list);
    out["next"] = std::to_string(changes.empty() ? after : changes.back().seq);
    send_json(response, 200, out);
    return {};
}

// GET /v1/reports/summary: the stored decisions (filtered by `from`, `to`, `policy`) summed.
Reply report_summary(Context& context, const httplib::Request& request, httplib::Response& response,
                     AuditEntry& audit) {
    audit.detail = query_detail(request);
    DecisionQuery q;
    std::vector<engine::EvalError> errors;
    known_params(request, {"from", "to", "policy", "format"}, "GET /v1/reports/summary", errors);
    day_filters(request, q.from, q.to, errors);
    const bool csv = wants_csv(request, errors);
    if (request.has_param("policy")) {
        q.policy = request.get_param_value("policy");
        if (q.policy->empty())
            errors.push_back({codes::kFieldType, "?policy", "`policy` must name a policy id", std::nullopt, {}});
    }
    if (!errors.empty()) return fail(400, "invalid_request", errors.front().message, errors);
    const auto snapshot = context.registry.snapshot();
    SummaryReport report([&snapshot](const std::string& id, const std::string& version) -> const engine::Schema* {
        const auto selection = snapshot->select(id, version, std::nullopt, false);
        return selection.program ? &selection.program->schema() : nullptr;
    });
    // The compact contributions kept beside the decisions, not their JSON (ADR 0019).
    context.store->scan_summaries(q, [&report](const SummaryRow& row) { report.add(row); });
    ojson out = ojson::object();
    out["from"] = q.from ? ojson(*q.from) : ojson(nullptr);
    out["to"] = q.to ? ojson(*q.to) : ojson(nullptr);
    out["policy"] = q.policy ? ojson(*q.policy) : ojson(nullptr);
    auto summary = report.result();
    for (auto& [key, value] : summary.items()) out[key] = std::move(value);
    if (csv) {
        response.status = 200;
        response.set_content(summary_csv(out), "text/csv; charset=utf-8");
        return {};
    }
    send_json(response, 200, out);
    return {};
}

Reply post_panel(Context& context, const httplib::Request& request, httplib::Response& response, AuditEntry& audit) {
    const std::string id = request.matches[1];
    audit.decision_id = id;
    const auto checked_key = idempotency_key(request, "/v1/decisions/" + id + "/panel");
    if (!checked_key.ok()) return checked_key.error();
    const auto& key = checked_key.value();
    const auto replay = [&](const IdempotentUse& earlier) -> Reply {
        if (auto same = check_replay(*key, earlier); !same.ok()) return same;
        for (const auto& p : context.store->panel_records(id)) {
            if (p.id != earlier.target) continue;
            request_note().decision_id = id;
            audit.panel_record_id = p.id;
            audit.detail = "idempotent replay";
            response.set_header("Location", "/v1/decisions/" + id);
            response.set_header("Idempotent-Replayed", "true");
            send_json(response, 201, panel_json(p));
            return {};
        }
        throw StoreError("the panel record `" + earlier.target + "` an idempotency key names is missing");
    };
    if (key) {
        if (auto earlier = context.store->find_idempotent(key->scope, key->key)) return replay(*earlier);
    }
    const auto body = json_body(context, request);
    if (!body.ok()) return body.error();
    const auto stored = live_decision(context, id, "erased", "record the panel's decision on");
    if (!stored.ok()) return stored.error();
    auto decoded = decode_panel_record(body.value(), ojson::parse(stored.value().response_json));
    if (!decoded.record) {
        auto& errors = decoded.errors;
        auto message = errors.size() == 1 ? errors.front().path + ": " + errors.front().message
                                          : "the panel record has " + std::to_string(errors.size()) + " problems";
        return fail(400, "invalid_request", std::move(message), std::move(errors));
    }
    const auto& record = *decoded.record;
    audit.status = 201;
    fill_audit_origin(audit);
    const auto written = context.store->write_panel_record(id, record.dump(), WriteExtras{audit, key});
    if (!written.decision_found) return fail(404, "not_found", "no decision `" + id + "`");
    if (written.earlier) return replay(*written.earlier);
    audit.committed_with_write = true;
    request_note().decision_id = id;
    audit.panel_record_id = written.record->id;
    response.set_header("Location", "/v1/decisions/" + id);
    send_json(response, 201, panel_json(*written.record));
    return {};
}

}  // namespace

void register_decision_routes(httplib::Server& server, Context& context) {
    add_route(server, context, "POST", "/v1/evaluate", "/v1/evaluate", Access::Evaluate, post_evaluate);
    add_route(server, context, "POST", "/v1/evaluate/batch", "/v1/evaluate/batch", Access::Evaluate, post_batch);
    // A stored request, a child's identifiers, or the feed of which records were stored when:
    // the roles that work on a child's case (docs/adr/0032-least-privilege-roles.md).
    add_audited_route(server, context, "POST", "/v1/decisions", "/v1/decisions", Access::Records, "write",
                      post_decision);
    add_audited_route(server, context, "GET", "/v1/decisions", "/v1/decisions", Access::Records, "list",
                      list_decisions);
    add_audited_route(server, context, "GET", R"(/v1/decisions/([^/]+))", "/v1/decisions/{id}", Access::Records,
                      "read", get_decision);
    add_audited_route(server, context, "POST", R"(/v1/decisions/([^/]+)/panel)", "/v1/decisions/{id}/panel",
                      Access::Panel, "write", post_panel);
    register_erasure_routes(server, context);
    add_audited_route(server, context, "GET", "/v1/changes", "/v1/changes", Access::Records, "list", get_changes);
    // Counts and sums only, nothing about one child: every role (planning evidence).
    add_audited_route(server, context, "GET", "/v1/reports/summary", "/v1/reports/summary", Access::AnyToken,
                      "report", report_summary);
}

}  // namespace jointly::server
