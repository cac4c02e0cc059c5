// The conformance corpus over HTTP: every worked case under policies/*/cases/*.json against one
// in-process server loaded with the whole policies/ directory. Decision cases go through
// POST /v1/evaluate, pool cases through POST /v1/pools/{id}/reconcile, and both are compared
// by the same code `jointly test` uses (compare_expected, compare_expected_error), so the
// engine test, the CLI and the API all answer every case alike. A case that expects an error
// is held to more here: its status, its error code and every detail's path and code.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "http_fixture.hpp"
#include "jointly/server/registry.hpp"
#include "jointly/server/service.hpp"

namespace jointly::testing {
namespace {

using nlohmann::json;

fs::path policies_dir() { return fs::path(JOINTLY_SOURCE_DIR) / "policies"; }

// One case file, relative to policies/ (`reference/cases/equipment-just-at-cap.json`).
struct CaseFile {
    std::string path;  // empty: there are no cases at all (the test then fails, not passes)
};

void PrintTo(const CaseFile& c, std::ostream* os) { *os << (c.path.empty() ? "none" : c.path); }

std::vector<CaseFile> case_files() {
    std::vector<CaseFile> out;
    std::error_code ec;
    for (const auto& folder : fs::directory_iterator(policies_dir(), ec)) {
        for (const auto& entry : fs::directory_iterator(folder.path() / "cases", ec))
            if (entry.is_regular_file() && entry.path().extension() == ".json")
                out.push_back({fs::relative(entry.path(), policies_dir()).generic_string()});
    }
    std::sort(out.begin(), out.end(), [](const CaseFile& a, const CaseFile& b) { return a.path < b.path; });
    if (out.empty()) out.push_back({});
    return out;
}

// `reference/cases/equipment-just-at-cap.json` -> `reference_equipment_just_at_cap`.
std::string case_name(const ::testing::TestParamInfo<CaseFile>& param_info) {
    if (param_info.param.path.empty()) return "no_cases";
    const fs::path p(param_info.param.path);
    std::string name = p.begin()->string() + "_" + p.stem().string();
    for (char& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return name;
}

// The policy ids declared by the .jf files of one folder (a case may leave `policy` out when
// its folder declares exactly one).
std::set<std::string> folder_ids(const fs::path& folder) {
    static std::map<std::string, std::set<std::string>> cache;
    auto [it, added] = cache.try_emplace(folder.string());
    if (added) {
        const auto load = server::load_policies({folder});
        EXPECT_TRUE(load.ok) << folder << " does not load";
        for (const auto& p : load.policies) it->second.insert(p.program->id());
    }
    return it->second;
}

// The server every case shares: policies/ as it is in the source tree (read, never written).
TestServer& corpus_server() {
    static TestServer server([](server::ServeOptions& o) { o.policies = policies_dir(); });
    return server;
}

// What the corpus requires of a case that expects a failure, beyond what `jointly test` checks:
// `expected.error` states the status, the error's own code and every detail's `path` and
// `code`, in order (`{"status": 422, "code": "evaluation_error", "details": [{"path": "",
// "code": "E3101"}]}`); details' messages are prose and not compared. Returns one line per
// difference.
std::vector<std::string> stated_error_differences(const json& expected, int status, const json& actual) {
    if (!expected.is_object() || !expected.contains("status") || !expected.contains("code") ||
        !expected.contains("details") || !expected.at("details").is_array())
        return {"expected.error: must state `status`, `code` and `details` ([{\"path\", \"code\"}]), got " +
                expected.dump()};
    std::vector<std::string> diffs;
    if (expected.at("status") != status)
        diffs.push_back("error.status: expected " + expected.at("status").dump() + ", got " + std::to_string(status));
    const json& e = actual.is_object() && actual.contains("error") ? actual.at("error") : json::object();
    if (e.value("code", json()) != expected.at("code"))
        diffs.push_back("error.code: expected " + expected.at("code").dump() + ", got " + e.value("code", json()).dump());
    json got = json::array();
    for (const auto& d : e.value("details", json::array()))
        got.push_back({{"path", d.value("path", json())}, {"code", d.value("code", json())}});
    json wanted = json::array();
    for (const auto& d : expected.at("details"))
        wanted.push_back({{"path", d.value("path", json())}, {"code", d.value("code", json())}});
    if (got != wanted) diffs.push_back("error.details: expected " + wanted.dump() + ", got " + got.dump());
    return diffs;
}

class HttpPolicyCases : public ::testing::TestWithParam<CaseFile> {};

TEST_P(HttpPolicyCases, ServerReproducesTheCase) {
    ASSERT_FALSE(GetParam().path.empty()) << "no worked cases under " << policies_dir() << "/*/cases";
    const fs::path file = policies_dir() / GetParam().path;
    const auto kase = json::parse(read_file(file), nullptr, false);
    ASSERT_TRUE(kase.is_object() && kase.contains("expected") && (kase.contains("request") || kase.contains("pool")))
        << file << ": a case needs `request` (or `pool`) and `expected`";
    const auto ids = folder_ids(file.parent_path().parent_path());
    const json& expected = kase["expected"];
    auto c = corpus_server().client();

    std::string path = "/v1/evaluate";
    json body;
    if (kase.contains("pool")) {
        body = json::object();
        for (const char* field : {"contributions", "spend", "carry_forward", "as_of"})
            if (kase.contains(field)) body[field] = kase[field];
        if (ids.size() == 1) body["policy"] = *ids.begin();
        path = "/v1/pools/" + kase["pool"].get<std::string>() + "/reconcile";
    } else {
        body = kase["request"];
        if (body.is_object() && !body.contains("policy") && ids.size() == 1) body["policy"] = *ids.begin();
    }
    auto r = c.Post(path.c_str(), body.dump(), "application/json");
    ASSERT_TRUE(r) << "no answer from the server";
    ASSERT_LT(r->status, 500) << r->body;
    const auto actual = json::parse(r->body, nullptr, false);
    ASSERT_FALSE(actual.is_discarded()) << r->body;

    std::vector<std::string> diffs;
    if (expected.is_object() && expected.contains("error")) {
        ASSERT_NE(r->status, 200) << "expected an error, got " << r->body.substr(0, 500);
        diffs = server::compare_expected_error(expected["error"], r->status, actual);
        for (auto& d : stated_error_differences(expected["error"], r->status, actual)) diffs.push_back(std::move(d));
    } else {
        ASSERT_EQ(r->status, 200) << r->body;
        diffs = server::compare_expected(expected, actual);
    }
    for (const auto& d : diffs) ADD_FAILURE() << GetParam().path << ": " << d;
}

INSTANTIATE_TEST_SUITE_P(Policies, HttpPolicyCases, ::testing::ValuesIn(case_files()), case_name);

// The expected-error comparison both `jointly test` and this corpus use.
struct ErrorRow {
    const char* name;
    const char* expected;  // the case's `expected.error`, as JSON
    std::size_t diffs;     // how many differences it reports
};

void PrintTo(const ErrorRow& row, std::ostream* os) { *os << row.name; }

class ExpectedError : public ::testing::TestWithParam<ErrorRow> {};

TEST_P(ExpectedError, MatchesCodeStatusAndPath) {
    const json error = json::parse(R"({"error": {"code": "invalid_request", "message": "m", "details": [
        {"path": "/carry_forward", "code": "E4102", "message": "not allowed"}]}})");
    const auto diffs = server::compare_expected_error(json::parse(GetParam().expected), 400, error);
    std::string all;
    for (const auto& d : diffs) all += d + "\n";
    EXPECT_EQ(diffs.size(), GetParam().diffs) << all;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, ExpectedError,
    ::testing::Values(ErrorRow{"detail_code", R"("E4102")", 0}, ErrorRow{"error_code", R"("invalid_request")", 0},
                      ErrorRow{"wrong_code", R"("E3101")", 1},
                      ErrorRow{"object_all_match", R"({"status": 400, "code": "E4102", "path": "/carry_forward"})", 0},
                      ErrorRow{"wrong_status", R"({"status": 422})", 1},
                      ErrorRow{"wrong_path_and_code", R"({"code": "evaluation_error", "path": "/spend"})", 2},
                      ErrorRow{"not_a_code", "3", 1},
                      ErrorRow{"details_match", R"({"details": [{"path": "/carry_forward", "code": "E4102"}]})", 0},
                      ErrorRow{"details_wrong_path", R"({"details": [{"path": "/spend", "code": "E4102"}]})", 1},
                      ErrorRow{"details_one_too_many", R"({"details": [{"path": "/carry_forward", "code": "E4102"},
                                                                       {"path": "/spend", "code": "E4101"}]})", 1},
                      ErrorRow{"details_not_a_list", R"({"details": "E4102"})", 1}),
    [](const ::testing::TestParamInfo<ErrorRow>& param_info) { return std::string(param_info.param.name); });

// The corpus's own, stricter comparison: every stated field must match, and a stated detail
// list must be the answer's, no more and no fewer.
struct StatedErrorRow {
    const char* name;
    const char* expected;  // the case's `expected.error`, as JSON
    std::size_t diffs;
};

void PrintTo(const StatedErrorRow& row, std::ostream* os) { *os << row.name; }

class StatedError : public ::testing::TestWithParam<StatedErrorRow> {};

TEST_P(StatedError, ComparesStatusCodeAndEveryDetail) {
    const json error = json::parse(R"({"error": {"code": "invalid_request", "message": "m", "details": [
        {"path": "/carry_forward", "code": "E4102", "message": "not allowed"}]}})");
    const auto diffs = stated_error_differences(json::parse(GetParam().expected), 400, error);
    std::string all;
    for (const auto& d : diffs) all += d + "\n";
    EXPECT_EQ(diffs.size(), GetParam().diffs) << all;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, StatedError,
    ::testing::Values(
        StatedErrorRow{"all_match",
                       R"({"status": 400, "code": "invalid_request", "details": [{"path": "/carry_forward", "code": "E4102"}]})", 0},
        StatedErrorRow{"code_only", R"("E4102")", 1},
        StatedErrorRow{"no_details", R"({"status": 400, "code": "invalid_request"})", 1},
        StatedErrorRow{"detail_code_as_error_code",
                       R"({"status": 400, "code": "E4102", "details": [{"path": "/carry_forward", "code": "E4102"}]})", 1},
        StatedErrorRow{"wrong_status",
                       R"({"status": 422, "code": "invalid_request", "details": [{"path": "/carry_forward", "code": "E4102"}]})", 1},
        StatedErrorRow{"wrong_path",
                       R"({"status": 400, "code": "invalid_request", "details": [{"path": "/spend", "code": "E4102"}]})", 1},
        StatedErrorRow{"wrong_detail_code",
                       R"({"status": 400, "code": "invalid_request", "details": [{"path": "/carry_forward", "code": "E4101"}]})", 1},
        StatedErrorRow{"a_detail_too_many",
                       R"({"status": 400, "code": "invalid_request", "details": [{"path": "/carry_forward", "code": "E4102"},
                          {"path": "/spend", "code": "E4101"}]})", 1},
        StatedErrorRow{"no_detail_stated", R"({"status": 400, "code": "invalid_request", "details": []})", 1}),
    [](const ::testing::TestParamInfo<StatedErrorRow>& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace jointly::testing
