// evaluate_text (POST /v1/evaluate and /v1/decisions read by the fast decoder) must give,
// whenever it answers, exactly evaluate_body's answer on the parsed body: the same version,
// the same decision field for field, or the same error. It answers for every worked case of
// every policy and leaves every malformed body to evaluate_body, which reports it. The same
// for a batch (evaluate_batch_text): each decision is evaluate_body's on its request, and any
// envelope or request it cannot read is left to the reference path.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "jointly/server/codec.hpp"
#include "jointly/server/registry.hpp"
#include "jointly/server/service.hpp"
#include "worked_bodies.hpp"

namespace jointly::server {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kPolicies = fs::path(JOINTLY_SOURCE_DIR) / "policies";

const std::string kGood =
    R"({"policy":"reference","as_of":"2025-07-08","case_ref":"C-1","facts":{"has_ehcp":true,)"
    R"("dst":{"continence":"priority","skin":"none","behaviour":"severe","sleep":"high"}},)"
    R"("lines":[{"id":"l1","service":"personal_care","weekly":"660.04","start":"2025-08-07","end":"2026-05-10"},)"
    R"({"id":"l2","service":"equipment","amount":1250,"date":"2025-09-15"}]})";

// The good body with its first `from` replaced by `to`.
std::string with(const std::string& from, const std::string& to) {
    std::string text = kGood;
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::logic_error("not in the good body: " + from);
    return text.replace(at, from.size(), to);
}

// evaluate_text_in_place gives what evaluate_text gives: it reads the same bodies, and shows
// `use` the same version and decision once, or gives the same error. The decision is made in a
// result this thread keeps, so each call also checks that nothing of the previous evaluation
// (another case, often another policy) is left in it.
void in_place_agrees(const Snapshot& snapshot, const std::string& body, const EvaluateOptions& options,
                     const std::optional<EvaluateResult>& fast) {
    std::size_t uses = 0;
    const auto in_place = evaluate_text_in_place(
        snapshot, body, options, [&](const std::shared_ptr<const engine::Program>& program, const engine::Decision& d) {
            ++uses;
            ASSERT_TRUE(fast && fast->evaluated) << "a decision where evaluate_text gives none: " << body;
            EXPECT_EQ(program, fast->evaluated->program) << body;
            EXPECT_TRUE(d == fast->evaluated->decision) << body;
        });
    EXPECT_EQ(in_place.read, fast.has_value()) << body;
    if (!fast) return;
    EXPECT_EQ(uses, fast->evaluated ? 1U : 0U) << body;
    EXPECT_EQ(in_place.error.has_value(), fast->error.has_value()) << body;
    if (in_place.error && fast->error) {
        EXPECT_EQ(in_place.error->status, fast->error->status) << body;
        EXPECT_EQ(in_place.error->body(), fast->error->body()) << body;
    }
}

// The body's answer both ways; true when the fast path answered (and then the answers agree).
bool agrees(const Snapshot& snapshot, const std::string& body, const EvaluateOptions& options) {
    const auto fast = evaluate_text(snapshot, body, options);
    in_place_agrees(snapshot, body, options, fast);
    if (!fast) return false;
    const auto parsed = parse_json(body);
    EXPECT_TRUE(parsed.value) << "the fast path answered a body that is not JSON: " << body;
    if (!parsed.value) return true;
    const auto slow = evaluate_body(snapshot, *parsed.value, options);
    EXPECT_EQ(fast->evaluated.has_value(), slow.evaluated.has_value()) << body;
    if (fast->evaluated && slow.evaluated) {
        EXPECT_EQ(fast->evaluated->program, slow.evaluated->program) << body;
        EXPECT_TRUE(fast->evaluated->decision == slow.evaluated->decision) << body;
    }
    if (fast->error && slow.error) {
        EXPECT_EQ(fast->error->status, slow.error->status) << body;
        EXPECT_EQ(fast->error->body(), slow.error->body()) << body;
    }
    return true;
}

TEST(EvaluateText, AnswersEveryWorkedCaseAsEvaluateBody) {
    const auto load = load_policies({kPolicies});
    ASSERT_TRUE(load.ok);
    const Snapshot snapshot(load.policies, 1);
    std::vector<std::string> bodies;
    for (const auto& [file, body] : testing::worked_bodies(kPolicies, load)) bodies.push_back(body.dump());
    ASSERT_GT(bodies.size(), 70U);
    std::size_t answered = 0;
    for (const auto& body : bodies) {
        for (const bool full : {false, true}) {
            EvaluateOptions options;
            options.explain_full = full;
            if (agrees(snapshot, body, options)) ++answered;
        }
        EvaluateOptions dated;  // the CLI's --as-of, over the body's
        dated.as_of = engine::parse_date("2025-10-01");
        agrees(snapshot, body, dated);
    }
    // Every case but those whose request the API refuses (they expect an error) is answered.
    EXPECT_GT(answered, 2 * bodies.size() * 3 / 4);
}

TEST(EvaluateText, LeavesWhatItCannotReadToEvaluateBody) {
    const auto load = load_policies({kPolicies});
    ASSERT_TRUE(load.ok);
    const Snapshot snapshot(load.policies, 1);
    const EvaluateOptions options;
    EXPECT_TRUE(agrees(snapshot, kGood, options));
    EXPECT_TRUE(agrees(snapshot, with(R"("as_of":"2025-07-08",)", R"("as_of":"2025-07-08","version":"2025.1",)"),
                       options));
    EXPECT_TRUE(agrees(snapshot, with(R"("case_ref":"C-1")", R"("case_ref":null)"), options));
    // A member the header does not reach (after the lines) is read by decode: still the same.
    agrees(snapshot, with(R"(}]})", R"(}],"version":"2025.1"})"), options);
    EXPECT_TRUE(agrees(snapshot, with(R"("case_ref":"C-1",)", R"("case_ref":"C-1","explain":"full",)"), options));
    // Each of these is refused by the fast path and left to evaluate_body (or answered the same).
    const std::vector<std::string> refused = {
        "",
        "[]",
        "{not json",
        kGood + "x",
        kGood + " {}",
        with(R"("policy":"reference")", R"("policy":"reference","policy":"reference")"),  // a key twice
        with(R"("policy":"reference")", R"("policy":"nope")"),                           // no such policy
        with(R"("policy":"reference")", R"("policy":7)"),
        with(R"("as_of":"2025-07-08",)", R"("as_of":"2025-07-08","version":"9.9",)"),  // no such version
        with(R"("as_of":"2025-07-08")", R"("as_of":"2025-02-30")"),                    // no such day
        with(R"("as_of":"2025-07-08")", R"("as_of":"2024-07-08")"),                    // before it took effect
        with(R"("weekly":"660.04")", R"("weekly":660.04)"),                            // money as a float
        with(R"("weekly":"660.04")", R"("weekly":"-1.00")"),
        with(R"("has_ehcp":true)", R"("has_ehcp":"yes")"),
        with(R"("has_ehcp":true)", R"("has_ehcp":true,"no_such_fact":1)"),
        with(R"("skin":"none")", R"("skin":"dreadful")"),
        with(R"("service":"equipment")", R"("service":"equipment","colour":"red")"),
        with(R"("end":"2026-05-10")", R"("end":"2025-01-01")"),
        with(R"("id":"l2")", R"("id":"l1")"),                                          // a line id twice
        with(R"("case_ref":"C-1",)", R"("case_ref":"C-1","explain":"most",)"),
        with(R"("case_ref":"C-1",)", R"("case_ref":"C-1","unknown":1,)"),
        with(R"("C-1")", "\"C-\xff\""),                                                // not UTF-8
        with(R"(}]})", R"(}],"version":"9.9"})"),    // a version named after the lines
        with(R"(}]})", R"(}],"policy":"nope"})"),    // a policy named after the lines
    };
    for (const auto& body : refused) {
        const auto fast = evaluate_text(snapshot, body, options);
        EXPECT_TRUE(!fast || agrees(snapshot, body, options)) << body;
        if (fast && fast->evaluated) ADD_FAILURE() << "a decision for a body the API refuses: " << body;
    }
}

// A decision of more than 256 parts is not kept in the thread's result after it is used (so
// that a server thread does not hold the memory of the largest decision it made); the next
// decision, smaller, is still the one evaluate_text gives, and so is the large one again.
TEST(EvaluateTextInPlace, AnswersTheSameAfterADecisionTooLargeToKeep) {
    const auto load = load_policies({kPolicies});
    ASSERT_TRUE(load.ok);
    const Snapshot snapshot(load.policies, 1);
    std::string lines;
    for (int i = 0; i < 300; ++i) {
        lines += (i > 0 ? "," : "") + std::string(R"({"id":"e)") + std::to_string(i) +
                 R"(","service":"equipment","amount":"10.00","date":"2025-09-15"})";
    }
    const std::string large = with(R"("lines":[)", R"("lines":[)" + lines + ",");
    const EvaluateOptions options;
    for (const auto& body : {kGood, large, kGood, large, large, kGood}) {
        const auto fast = evaluate_text(snapshot, body, options);
        ASSERT_TRUE(fast && fast->evaluated) << body.substr(0, 200);
        in_place_agrees(snapshot, body, options, fast);
    }
    std::size_t parts = 0;
    evaluate_text_in_place(snapshot, large, options,
                           [&](const std::shared_ptr<const engine::Program>&, const engine::Decision& d) {
                               parts = d.allocations.size() + d.issues.size() + d.explanation.size();
                           });
    EXPECT_GT(parts, 256U);
}

// An exception thrown while the decision is used (the route writing its answer) reaches the
// caller, as one from evaluating did before the route evaluated in place: it is not taken
// for a body the fast path cannot read, which would evaluate the request a second time.
TEST(EvaluateTextInPlace, AnExceptionFromUseReachesTheCaller) {
    const auto load = load_policies({kPolicies});
    ASSERT_TRUE(load.ok);
    const Snapshot snapshot(load.policies, 1);
    const EvaluateOptions options;
    const auto throwing = [](const std::shared_ptr<const engine::Program>&, const engine::Decision&) {
        throw std::runtime_error("out of room");
    };
    EXPECT_THROW(evaluate_text_in_place(snapshot, kGood, options, throwing), std::runtime_error);
    const std::string batch = "[" + kGood + "," + kGood + "]";
    EXPECT_THROW(evaluate_batch_in_place(
                     snapshot, batch, options, 10, [](std::size_t, std::size_t) { return true; }, throwing),
                 std::runtime_error);
    // The thread's result is still sound afterwards.
    const auto fast = evaluate_text(snapshot, kGood, options);
    ASSERT_TRUE(fast && fast->evaluated);
    in_place_agrees(snapshot, kGood, options, fast);
}

const std::function<bool(std::size_t, std::size_t)> kAlways = [](std::size_t, std::size_t) { return true; };

// `requests` (texts of JSON objects) as a batch body.
std::string batch_of(const std::vector<std::string>& requests, bool envelope = true) {
    std::string text = envelope ? R"({"requests":[)" : "[";
    for (std::size_t i = 0; i < requests.size(); ++i) text += (i > 0 ? "," : "") + requests[i];
    return text + (envelope ? "]}" : "]");
}

TEST(EvaluateBatchText, DecidesEachRequestAsEvaluateBody) {
    const auto load = load_policies({kPolicies});
    ASSERT_TRUE(load.ok);
    const Snapshot snapshot(load.policies, 1);
    const EvaluateOptions options;
    // Every worked case the fast path answers with a decision, in one batch.
    std::vector<std::string> bodies;
    for (const auto& [file, body] : testing::worked_bodies(kPolicies, load)) {
        const auto one = evaluate_text(snapshot, body.dump(), options);
        if (one && one->evaluated) bodies.push_back(body.dump(2));  // spaces and lines inside
    }
    ASSERT_GT(bodies.size(), 50U);
    for (const bool envelope : {true, false}) {
        const auto batch = evaluate_batch_text(snapshot, batch_of(bodies, envelope), options, 1000, kAlways);
        ASSERT_TRUE(batch) << "envelope " << envelope;
        EXPECT_EQ(batch->count, bodies.size());
        ASSERT_EQ(batch->decisions.size(), bodies.size());
        for (std::size_t i = 0; i < bodies.size(); ++i) {
            const auto slow = evaluate_body(snapshot, *parse_json(bodies[i]).value, options);
            ASSERT_TRUE(slow.evaluated) << bodies[i];
            EXPECT_EQ(batch->decisions[i].program, slow.evaluated->program) << bodies[i];
            EXPECT_TRUE(batch->decisions[i].decision == slow.evaluated->decision) << bodies[i];
        }
    }
    // One more than the limit is the reference path's (413); at the limit it is read.
    EXPECT_FALSE(evaluate_batch_text(snapshot, batch_of(bodies), options, bodies.size() - 1, kAlways));
    EXPECT_TRUE(evaluate_batch_text(snapshot, batch_of(bodies), options, bodies.size(), kAlways));
    // Stopped before the third request (a deadline): two decisions of the count.
    const auto stopped = evaluate_batch_text(snapshot, batch_of(bodies), options, 1000,
                                             [](std::size_t done, std::size_t) { return done < 2; });
    ASSERT_TRUE(stopped);
    EXPECT_EQ(stopped->count, bodies.size());
    EXPECT_EQ(stopped->decisions.size(), 2U);
}

TEST(EvaluateBatchText, LeavesEveryOtherBatchToTheReferencePath) {
    const auto load = load_policies({kPolicies});
    ASSERT_TRUE(load.ok);
    const Snapshot snapshot(load.policies, 1);
    const EvaluateOptions options;
    const auto read = [&](const std::string& body) {
        return evaluate_batch_text(snapshot, body, options, 100, kAlways).has_value();
    };
    EXPECT_TRUE(read(batch_of({kGood, kGood})));
    EXPECT_TRUE(read(R"( { "requests" : [ )" + kGood + " ] } \n"));
    EXPECT_TRUE(read(R"({"requ\u0065sts":[)" + kGood + "]}"));  // the same key, escaped
    EXPECT_TRUE(read(batch_of({})));
    const std::vector<std::string> refused = {
        "",
        "{}",
        "3",
        R"({"requests":3})",
        R"({"requests":{}})",
        R"({"requests":[3]})",
        batch_of({kGood, "[]"}),
        batch_of({kGood, "null"}),
        R"({"requests":[)" + kGood + "],\"other\":1}",
        R"({"other":1,"requests":[)" + kGood + "]}",
        R"({"requests":[)" + kGood + "],\"requests\":[]}",  // a key twice
        R"({"requests":[)" + kGood + ",]}",
        R"({"requests":[)" + kGood + "]",                   // not closed
        batch_of({kGood}) + " x",
        batch_of({kGood}) + " {}",
        batch_of({kGood}, false) + " []",
        batch_of({kGood, with(R"("policy":"reference")", R"("policy":"reference","policy":"reference")")}),
        batch_of({kGood, with(R"("weekly":"660.04")", R"("weekly":660.04)")}),
        batch_of({with(R"("as_of":"2025-07-08")", R"("as_of":"2024-07-08")"), kGood}),  // no version applies
        batch_of({kGood, with(R"("C-1")", "\"C-\xff\"")}),                           // not UTF-8
    };
    for (const auto& body : refused) EXPECT_FALSE(read(body)) << body;
}

}  // namespace
}  // namespace jointly::server
