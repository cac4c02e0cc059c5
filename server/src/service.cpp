// evaluate_body: from a request body to a decision, with the API's errors.
#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "jointly/server/service.hpp"

namespace jointly::server {
namespace {

ServiceError make_error(int status, std::string code, std::string message,
                        std::vector<engine::EvalError> details = {}) {
    return ServiceError{status, std::move(code), std::move(message), std::move(details)};
}

engine::EvalError detail(dsl::Code code, std::string path, std::string message) {
    return engine::EvalError{code, std::move(path), std::move(message), std::nullopt, {}};
}

std::string problems_message(const std::vector<engine::EvalError>& errors) {
    if (errors.size() == 1) {
        const auto& e = errors.front();
        return e.path.empty() ? e.message : e.path + ": " + e.message;
    }
    return "the request has " + std::to_string(errors.size()) + " problems (see details)";
}

EvaluateResult fail(ServiceError e) {
    EvaluateResult r;
    r.error = std::move(e);
    return r;
}

EvaluateResult evaluate_decoded(const std::shared_ptr<const engine::Program>& program, engine::Request& request,
                                const EvaluateOptions& options);

EvaluateResult evaluate_unchecked(const Snapshot& snapshot, const nlohmann::json& body,
                                  const EvaluateOptions& options) {
    if (!body.is_object())
        return fail(make_error(400, "invalid_request", "the request must be a JSON object",
                               {detail(codes::kFieldType, "", "the request must be a JSON object")}));
    std::string policy;
    if (auto it = body.find("policy"); it != body.end() && !it->is_null()) {
        if (!it->is_string())
            return fail(make_error(400, "invalid_request", "`policy` must be a string",
                                   {detail(codes::kFieldType, "/policy", "`policy` must be a string naming a policy id")}));
        policy = it->get<std::string>();
    } else {
        const auto ids = snapshot.ids();
        if (ids.empty()) return fail(make_error(404, "not_found", "no policies are loaded"));
        if (ids.size() > 1) {
            std::string known;
            for (const auto& id : ids) known += (known.empty() ? "" : ", ") + id;
            const std::string message = "`policy` is required: the loaded policies are " + known;
            return fail(make_error(400, "invalid_request", message, {detail(codes::kMissingField, "/policy", message)}));
        }
        policy = ids.front();
    }
    std::optional<std::string> version;
    if (auto it = body.find("version"); it != body.end() && !it->is_null()) {
        if (!it->is_string())
            return fail(make_error(400, "invalid_request", "`version` must be a string",
                                   {detail(codes::kFieldType, "/version", "`version` must be a string such as \"2025.1\"")}));
        version = it->get<std::string>();
    }
    std::optional<engine::Date> as_of = options.as_of;
    if (!as_of) {
        if (auto it = body.find("as_of"); it != body.end() && !it->is_null()) {
            std::optional<engine::Date> parsed;
            if (it->is_string()) parsed = engine::parse_date(it->get_ref<const std::string&>());
            if (!parsed) {
                // With a single version (or a named one) decode anyway, to report every problem.
                const auto only = snapshot.select(policy, version, std::nullopt, false);
                if (!only.program) {
                    const std::string message =
                        it->is_string() ? "`as_of`: " + date_problem(it->get_ref<const std::string&>())
                                        : std::string("`as_of` must be a date `YYYY-MM-DD` naming a real day");
                    return fail(make_error(400, "invalid_request", message, {detail(codes::kDate, "/as_of", message)}));
                }
                auto decoded = decode_request(body, only.program->schema(), options.limits);
                auto message = problems_message(decoded.errors);
                return fail(make_error(400, "invalid_request", std::move(message), std::move(decoded.errors)));
            }
            as_of = parsed;
        }
    }
    const auto selection = snapshot.select(policy, version, as_of, true);
    switch (selection.status) {
        case Selection::Status::Ok: break;
        case Selection::Status::NeedAsOf:
            return fail(make_error(400, "invalid_request", selection.message,
                                   {detail(codes::kMissingField, "/as_of", selection.message)}));
        case Selection::Status::UnknownPolicy:
        case Selection::Status::UnknownVersion:
        case Selection::Status::NotInEffect:
            return fail(make_error(404, "not_found", selection.message));
    }
    const auto& program = selection.program;
    auto decoded = decode_request(body, program->schema(), options.limits);
    if (!decoded.request) {
        auto message = problems_message(decoded.errors);
        return fail(make_error(400, "invalid_request", std::move(message), std::move(decoded.errors)));
    }
    return evaluate_decoded(program, *decoded.request, options);
}

// The evaluation's answer when it gave no decision: evaluate_body's error.
ServiceError evaluation_error(std::vector<engine::EvalError> errors) {
    auto message = problems_message(errors);
    const ErrorStatus answer = error_status(errors);
    if (std::string_view(answer.code) == "response_too_large") message = "the answer would be too large to send: " + message;
    else if (answer.status == 422) message = "the policy cannot give an answer for this request: " + message;
    return make_error(answer.status, answer.code, std::move(message), std::move(errors));
}

// The options applied to the request (explain=full, the CLI's --as-of), then evaluated into
// `result`, with coverage recorded when asked.
void evaluate_with_options(const engine::Program& program, engine::Request& request, const EvaluateOptions& options,
                           engine::EvalResult& result) {
    if (options.explain_full) request.explain_full = true;
    if (options.as_of) request.as_of = options.as_of;
    engine::evaluate_into(program, request, result, options.eval_limits,
                          options.coverage ? options.coverage(program) : nullptr);
}

// The request decoded against `program`'s declarations: the options applied, then evaluated
// into `out` (empty). The decision is moved once, into its place in `out`: a Decision holds
// its per-year and per-line amounts inline (ADR 0022), so each move copies them.
void evaluate_decoded(const std::shared_ptr<const engine::Program>& program, engine::Request& request,
                      const EvaluateOptions& options, EvaluateResult& out) {
    engine::EvalResult result;
    evaluate_with_options(*program, request, options, result);
    if (!result.decision) {
        out.error = evaluation_error(std::move(result.errors));
        return;
    }
    out.evaluated.emplace();
    out.evaluated->program = program;
    out.evaluated->decision = std::move(*result.decision);
}

EvaluateResult evaluate_decoded(const std::shared_ptr<const engine::Program>& program, engine::Request& request,
                                const EvaluateOptions& options) {
    EvaluateResult out;
    evaluate_decoded(program, request, options, out);
    return out;
}

// Whether a decision holds more than a server thread should keep between requests: more than
// 256 parts (allocations, issues, sentences, trace entries, per-line amounts), or more than
// 64 KiB in the strings whose length the request decides (its case_ref and line ids, and the
// words that quote them).
bool too_large_to_keep(const engine::Decision& d) {
    constexpr std::size_t kParts = 256;
    constexpr std::size_t kBytes = 64 * 1024;
    if (d.allocations.size() + d.issues.size() + d.explanation.size() + d.trace.size() + d.by_line.size() > kParts)
        return true;
    std::size_t bytes = d.case_ref.capacity();
    for (const auto& a : d.allocations) bytes += a.line.capacity() + a.reason.heap_bytes();
    for (const auto& i : d.issues) bytes += i.line.capacity() + i.message.capacity();
    bytes += d.explanation.heap_bytes();
    for (const auto& t : d.trace) {
        bytes += t.subject.capacity();
        for (const auto& line : t.detail) bytes += line.capacity();
    }
    for (const auto& [line, amounts] : d.by_line) bytes += line.capacity();
    return bytes > kBytes;
}

// The same evaluation into a result this thread keeps (engine::evaluate_into reuses its
// memory, so a warm result allocates almost nothing), shown to `use` in place; the error when
// there is no decision. After a decision too large to keep the result is dropped, so that a
// server thread does not keep the memory of the largest decision it ever made.
std::optional<ServiceError> evaluate_decoded_in_place(const std::shared_ptr<const engine::Program>& program,
                                                      engine::Request& request, const EvaluateOptions& options,
                                                      const DecisionUse& use) {
    thread_local engine::EvalResult result;
    evaluate_with_options(*program, request, options, result);
    if (!result.decision) return evaluation_error(std::move(result.errors));
    const auto& d = *result.decision;
    const bool large = too_large_to_keep(d);
    try {
        use(program, d);
    } catch (...) {
        if (large) result = engine::EvalResult();
        throw;
    }
    if (large) result = engine::EvalResult();
    return std::nullopt;
}

// A body the fast decoder accepts, with the version that applies: evaluate_fast's first half.
struct FastRequest {
    std::shared_ptr<const engine::Program> program;
    engine::Request request;
};

std::optional<FastRequest> decode_fast(const Snapshot& snapshot, std::string_view padded,
                                       const EvaluateOptions& options, CaseDecoder& decoder) {
    if (!decoder.start(padded)) return std::nullopt;
    const auto header = decoder.header();
    if (!header) return std::nullopt;
    std::string policy;
    if (header->policy) {
        policy = *header->policy;
    } else {
        const auto ids = snapshot.ids();
        if (ids.size() != 1) return std::nullopt;
        policy = ids.front();
    }
    std::optional<engine::Date> as_of = options.as_of;
    if (!as_of && header->as_of) {
        as_of = engine::parse_date(*header->as_of);
        if (!as_of) return std::nullopt;
    }
    const auto selection = snapshot.select(policy, header->version, as_of, true);
    if (selection.status != Selection::Status::Ok) return std::nullopt;
    auto request = decoder.decode(selection.program->schema(), options.limits);
    if (!request || decoder.decoded_header() != *header) return std::nullopt;
    return FastRequest{selection.program, std::move(*request)};
}

// The fast path of evaluate_text: nullopt unless the decoder accepts the body and a version
// applies; what it gives is then evaluate_body's answer.
std::optional<EvaluateResult> evaluate_fast(const Snapshot& snapshot, std::string_view padded,
                                            const EvaluateOptions& options, CaseDecoder& decoder) {
    auto decoded = decode_fast(snapshot, padded, options, decoder);
    if (!decoded) return std::nullopt;
    std::optional<EvaluateResult> answer(std::in_place);
    evaluate_decoded(decoded->program, decoded->request, options, *answer);
    return answer;
}

// `read(padded, decoder)` on the body followed by CaseDecoder::kPadding bytes (simdjson reads
// past the end), with a decoder; nullopt when it throws (the reference path meets the same
// problem and reports it). The buffer and the decoder are kept per thread, but not after a
// large body, so that each server thread does not hold memory the size of the largest body
// it ever read.
template <class Read>
auto with_padded(std::string_view body, Read read) -> decltype(read(body, std::declval<CaseDecoder&>())) {
    constexpr std::size_t kKeep = 256 * 1024;
    thread_local std::string padded;
    thread_local auto decoder = std::make_unique<CaseDecoder>();
    padded.assign(body);
    padded.append(CaseDecoder::kPadding, ' ');
    const auto release = [&] {
        if (body.size() <= kKeep) return;
        std::string().swap(padded);
        decoder = std::make_unique<CaseDecoder>();
    };
    try {
        auto answer = read(std::string_view(padded.data(), body.size()), *decoder);  // returned without a move
        release();
        return answer;
    } catch (const std::exception&) {
        release();
        return decltype(read(body, *decoder))();
    }
}

}  // namespace

nlohmann::json ServiceError::body() const { return encode_errors(code, message, details); }

std::optional<EvaluateResult> evaluate_text(const Snapshot& snapshot, std::string_view body,
                                            const EvaluateOptions& options) {
    return with_padded(body, [&](std::string_view padded, CaseDecoder& decoder) {
        return evaluate_fast(snapshot, padded, options, decoder);
    });
}

// Only the reading is inside with_padded, whose catch sends a body the decoder throws on to the
// reference path: an exception while evaluating or in `use` goes to the caller, as it did
// before the route evaluated in place.
InPlaceEvaluation evaluate_text_in_place(const Snapshot& snapshot, std::string_view body,
                                         const EvaluateOptions& options, const DecisionUse& use) {
    auto decoded = with_padded(body, [&](std::string_view padded, CaseDecoder& decoder) {
        return decode_fast(snapshot, padded, options, decoder);
    });
    InPlaceEvaluation out;
    if (!decoded) return out;
    out.read = true;
    out.error = evaluate_decoded_in_place(decoded->program, decoded->request, options, use);
    return out;
}

std::optional<std::size_t> evaluate_batch_in_place(const Snapshot& snapshot, std::string_view body,
                                                   const EvaluateOptions& options, std::size_t max_requests,
                                                   const std::function<bool(std::size_t, std::size_t)>& go_on,
                                                   const DecisionUse& use) {
    // The requests are read in the padded copy while they are evaluated, so `use` runs inside
    // with_padded; an exception from it is carried out and thrown again, not taken for a body
    // the fast path cannot read.
    std::exception_ptr failed;
    const DecisionUse carried = [&](const std::shared_ptr<const engine::Program>& program, const engine::Decision& d) {
        try {
            use(program, d);
        } catch (...) {
            failed = std::current_exception();
            throw;
        }
    };
    auto count = with_padded(body, [&](std::string_view padded, CaseDecoder& decoder) -> std::optional<std::size_t> {
        const auto requests = batch_requests(padded, max_requests);
        if (!requests) return std::nullopt;
        for (std::size_t done = 0; done < requests->size(); ++done) {
            if (!go_on(done, requests->size())) return requests->size();
            auto decoded = decode_fast(snapshot, (*requests)[done], options, decoder);
            if (!decoded || evaluate_decoded_in_place(decoded->program, decoded->request, options, carried))
                return std::nullopt;
        }
        return requests->size();
    });
    if (failed) std::rethrow_exception(failed);
    return count;
}

std::optional<BatchDecisions> evaluate_batch_text(const Snapshot& snapshot, std::string_view body,
                                                  const EvaluateOptions& options, std::size_t max_requests,
                                                  const std::function<bool(std::size_t, std::size_t)>& go_on) {
    std::vector<Evaluated> decisions;
    const auto count = evaluate_batch_in_place(
        snapshot, body, options, max_requests, go_on,
        [&](const std::shared_ptr<const engine::Program>& program, const engine::Decision& decision) {
            decisions.push_back(Evaluated{program, decision});
        });
    if (!count) return std::nullopt;
    return BatchDecisions{*count, std::move(decisions)};
}

EvaluateResult evaluate_body(const Snapshot& snapshot, const nlohmann::json& body, const EvaluateOptions& options) {
    try {
        return evaluate_unchecked(snapshot, body, options);
    } catch (const std::exception& e) {
        return fail(make_error(500, "internal_error", std::string("evaluation failed: ") + e.what()));
    }
}

}  // namespace jointly::server
