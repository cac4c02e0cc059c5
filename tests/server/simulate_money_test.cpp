// A simulation shows all the money (docs/adr/0011-honest-simulation.md): what the rules
// allocate, split by outcome, and what they do not allocate, by issue kind and by reason; the
// outcome changes by from -> to; the cases outside a version's effective dates; the per-case
// CSV; the progress callback. Figures worked by hand below.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "http_fixture.hpp"
#include "jointly/server/registry.hpp"
#include "jointly/server/service.hpp"

namespace jointly::testing {
namespace {

using nlohmann::json;

const std::string kData = std::string(JOINTLY_SOURCE_DIR) + "/tests/server/simulation";

// tests/server/simulation/caseload.jsonl under money_2025.jf (A) and money_2026.jf (B).
//   C-1 (as_of 2025-06-01) personal care 700.00 a week, 2-29 June (28 days, 100.00 a day),
//       surgery 9 June: 9-22 June (14 days) 1,400.00 shared 700.00 / 700.00, the other 14
//       days 1,400.00 to social care; a personal health budget of 300.00, refused (s.6).
//       Approved: 2,800.00 (health 700.00, social care 2,100.00); refused 300.00.
//   C-2 residential 2,100.00 a week, 2-29 June = 8,400.00, 4,200.00 each, health's cap
//       700 x 28 / 7 = 2,800.00: 1,400.00 over the cap to the panel; respite 250.00 that no
//       rule covers; therapy 120.00 that two rules claim (conflict). Referred to the panel:
//       7,000.00 (health 2,800.00, social care 4,200.00); not allocated 1,770.00.
//   C-3 an out-of-area placement 5,000.00, referred to the Director (s.7); personal care
//       100.00 to social care. Referred: 100.00; referred lines 5,000.00.
//   C-4 excluded (s.9): declined; personal care 400.00 (social care), phb 50.00 refused.
//   C-5 as_of 2026-05-01, outside A's dates (to 2026-03-31), evaluated all the same:
//       personal care 200.00 on 15 April 2026 (2026-27) to social care. Approved.
// A: funded (C-1, C-2, C-3, C-5) 10,100.00 = health 700 + 2,800 = 3,500.00, social care
//    2,100 + 4,200 + 100 + 200 = 6,600.00. Approved 3,000.00, referred 7,100.00.
//    Not allocated: uncovered 250.00, conflict 120.00, cap_excess 1,400.00, refused 300.00,
//    referred 5,000.00 = 7,070.00; cost 10,100 + 7,070 = 17,170.00.
//    Declined: 400.00, refused 50.00, cost 450.00.
// B: no exclusion, health pays for the placement, in effect from 2026-04-01 (so C-1 to C-4
//    are outside its dates). C-3 approved 5,100.00 (health 5,000.00), C-4 approved 400.00:
//    funded 15,500.00 = health 8,500.00, social care 7,000.00; not allocated 250 + 120 +
//    1,400 + 300 + 50 = 2,120.00. Changes: refer -> approve (C-3), decline -> approve (C-4);
//    only C-3's split changes. Difference 5,400.00 (health 5,000.00, social care 400.00);
//    not allocated 2,120 - 7,070 = -4,950.00.
const std::vector<std::pair<const char*, json>> kMoney = {
    {"/cases", 5},
    {"/evaluated", 5},
    {"/a/total", "10100.00"},
    {"/a/by_agency", {{"health", "3500.00"}, {"social_care", "6600.00"}}},
    {"/a/by_financial_year", {{"2025-26", {{"health", "3500.00"}, {"social_care", "6400.00"}}},
                              {"2026-27", {{"health", "0.00"}, {"social_care", "200.00"}}}}},
    {"/a/outcomes", {{"approve", 2}, {"refer", 2}, {"decline", 1}}},
    {"/a/approved", {{"cases", 2}, {"total", "3000.00"}, {"by_agency", {{"health", "700.00"}, {"social_care", "2300.00"}}},
                     {"not_allocated", {{"total", "300.00"}, {"uncovered", "0.00"}, {"conflict", "0.00"},
                                        {"cap_excess", "0.00"}, {"refused", "300.00"}, {"referred", "0.00"}}},
                     {"cost", "3300.00"}}},
    {"/a/referred/cases", 2},
    {"/a/referred/total", "7100.00"},
    {"/a/referred/by_agency", {{"health", "2800.00"}, {"social_care", "4300.00"}}},
    {"/a/referred/not_allocated/total", "6770.00"},
    {"/a/referred/cost", "13870.00"},
    {"/a/not_allocated", {{"total", "7070.00"}, {"uncovered", "250.00"}, {"conflict", "120.00"},
                          {"cap_excess", "1400.00"}, {"refused", "300.00"}, {"referred", "5000.00"}}},
    {"/a/cost", "17170.00"},
    {"/a/declined/cases", 1},
    {"/a/declined/total", "400.00"},
    {"/a/declined/not_allocated/refused", "50.00"},
    {"/a/declined/not_allocated/total", "50.00"},
    {"/a/declined/cost", "450.00"},
    {"/a/by_reason",
     {{{"kind", "decline"}, {"rule", nullptr}, {"ref", "s.9"}, {"cases", 1}, {"total", "400.00"}, {"not_allocated", "50.00"}},
      {{"kind", "issue"}, {"rule", nullptr}, {"ref", nullptr}, {"cases", 1}, {"total", "7000.00"}, {"not_allocated", "1770.00"}},
      {{"kind", "issue"}, {"rule", "residential"}, {"ref", "s.5"}, {"cases", 1}, {"total", "7000.00"},
       {"not_allocated", "1770.00"}},
      {{"kind", "line_refer"}, {"rule", "placement"}, {"ref", "s.7"}, {"cases", 1}, {"total", "100.00"},
       {"not_allocated", "5000.00"}}}},
    {"/a/outside_effective_dates", {{"cases", 1}, {"case_refs", {"C-5"}}}},
    {"/b/total", "15500.00"},
    {"/b/by_agency", {{"health", "8500.00"}, {"social_care", "7000.00"}}},
    {"/b/outcomes", {{"approve", 4}, {"refer", 1}, {"decline", 0}}},
    {"/b/not_allocated/total", "2120.00"},
    {"/b/not_allocated/referred", "0.00"},
    {"/b/outside_effective_dates", {{"cases", 4}, {"case_refs", {"C-1", "C-2", "C-3", "C-4"}}}},
    {"/difference/total", "5400.00"},
    {"/difference/by_agency", {{"health", "5000.00"}, {"social_care", "400.00"}}},
    {"/difference/not_allocated", "-4950.00"},
    {"/outcomes_changed", 2},
    {"/outcome_changes", {{{"from", "refer"}, {"to", "approve"}, {"cases", 1}},
                          {{"from", "decline"}, {"to", "approve"}, {"cases", 1}}}},
    {"/splits_changed", 1},
    {"/changed/0/case_ref", "C-3"},
    {"/changed/0/not_allocated_a", "5000.00"},
    {"/changed/0/not_allocated_b", "0.00"},
    {"/changed/1/case_ref", "C-4"},
    {"/changed_omitted", 0},
};

void expect_fields(const json& result, const std::vector<std::pair<const char*, json>>& fields) {
    for (const auto& [pointer, value] : fields) {
        const json::json_pointer at(pointer);
        if (!result.contains(at)) {
            ADD_FAILURE() << pointer << ": missing";
            continue;
        }
        EXPECT_EQ(result[at], value) << pointer;
    }
}

std::vector<json> caseload() {
    std::vector<json> cases;
    std::istringstream lines(read_file(kData + "/caseload.jsonl"));
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) cases.push_back(json::parse(line));
    return cases;
}

// Two registries, one version each, from temporary copies of the policies.
struct Sides {
    std::filesystem::path dir = make_temp_dir("jointly-simulate-money-");
    std::unique_ptr<server::Registry> a;
    std::unique_ptr<server::Registry> b;
    Sides() {
        std::filesystem::create_directories(dir / "a");
        std::filesystem::create_directories(dir / "b");
        std::filesystem::copy_file(kData + "/money_2025.jf", dir / "a/money.jf");
        std::filesystem::copy_file(kData + "/money_2026.jf", dir / "b/money.jf");
        a = std::make_unique<server::Registry>(dir / "a");
        b = std::make_unique<server::Registry>(dir / "b");
        EXPECT_TRUE(a->reload().ok);
        EXPECT_TRUE(b->reload().ok);
    }
    ~Sides() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    Sides(const Sides&) = delete;
    Sides& operator=(const Sides&) = delete;
    server::SimulationInput input(bool compare) const {
        server::SimulationInput in;
        in.a = a->snapshot();
        if (compare) in.b = b->snapshot();
        return in;
    }
};

TEST(SimulateMoney, EveryPennyIsCountedOnce) {
    Sides sides;
    server::Simulation simulation(sides.input(true));
    std::size_t number = 0;
    for (const auto& c : caseload()) simulation.add(c, ++number);
    const auto result = json::parse(simulation.result().dump());
    EXPECT_EQ(result["errors"], json::array()) << result.dump(2);
    expect_fields(result, kMoney);
}

TEST(SimulateMoney, ListsOnlyTheFirstChangedCasesAndOutsideRefs) {
    Sides sides;
    auto input = sides.input(true);
    input.max_changed_listed = 1;
    input.max_outside_listed = 2;
    server::Simulation simulation(input);
    std::size_t number = 0;
    for (const auto& c : caseload()) simulation.add(c, ++number);
    const auto result = json::parse(simulation.result().dump());
    EXPECT_EQ(result["changed"].size(), 1U);
    EXPECT_EQ(result["changed_omitted"], 1);
    EXPECT_EQ(result["b"]["outside_effective_dates"], json({{"cases", 4}, {"case_refs", {"C-1", "C-2"}}}));
}

// The per-case CSV, byte for byte: the figures above, a case that cannot be read (its case_ref
// guarded against formulas), columns in the policies' declaration order.
TEST(SimulateMoney, CsvPerCase) {
    Sides sides;
    const auto input = sides.input(true);
    server::Simulation simulation(input);
    const server::SimulationCsv csv(input);
    std::string text = csv.header();
    simulation.on_case([&](const server::Simulation::Evaluated& e) { text += csv.row(e); });
    std::size_t number = 0;
    for (const auto& c : caseload()) simulation.add(c, ++number);
    simulation.add(json{{"case_ref", "=HYPERLINK(\"x\")"}, {"lines", "none"}}, ++number);
    simulation.add_error(++number, "not JSON");
    EXPECT_EQ(text,
              "case,case_ref,outcome_a,outcome_b,total_a,total_b,not_allocated_a,not_allocated_b,rounding,"
              "health_a,health_b,social_care_a,social_care_b\r\n"
              "1,C-1,approve,approve,2800.00,2800.00,300.00,300.00,0.00,700.00,700.00,2100.00,2100.00\r\n"
              "2,C-2,refer,refer,7000.00,7000.00,1770.00,1770.00,0.00,2800.00,2800.00,4200.00,4200.00\r\n"
              "3,C-3,refer,approve,100.00,5100.00,5000.00,0.00,0.00,0.00,5000.00,100.00,100.00\r\n"
              "4,C-4,decline,approve,400.00,400.00,50.00,50.00,0.00,0.00,0.00,400.00,400.00\r\n"
              "5,C-5,approve,approve,200.00,200.00,0.00,0.00,0.00,0.00,0.00,200.00,200.00\r\n"
              "6,\"'=HYPERLINK(\"\"x\"\")\",error,error,,,,,,,,,\r\n"
              "7,,error,error,,,,,,,,,\r\n");
}

TEST(SimulateMoney, CsvOneSide) {
    Sides sides;
    const auto input = sides.input(false);
    server::Simulation simulation(input);
    const server::SimulationCsv csv(input);
    std::string text = csv.header();
    simulation.on_case([&](const server::Simulation::Evaluated& e) { text += csv.row(e); });
    simulation.add(caseload().at(2), 3);
    EXPECT_EQ(text,
              "case,case_ref,outcome_a,total_a,not_allocated_a,health_a,social_care_a\r\n"
              "3,C-3,refer,100.00,5000.00,0.00,100.00\r\n");
}

// Every 2 cases counted, in order, with the counts so far; 5 cases call it twice.
TEST(SimulateMoney, ProgressEveryNCases) {
    Sides sides;
    server::Simulation simulation(sides.input(false));
    std::vector<std::string> lines;
    simulation.on_progress(2, [&](const server::SimulationProgress& p) { lines.push_back(server::progress_line(p)); });
    std::size_t number = 0;
    for (const auto& c : caseload()) {
        if (number == 1) simulation.add_error(++number, "not JSON");
        else simulation.add(c, ++number);
    }
    EXPECT_EQ(lines, (std::vector<std::string>{"simulated 2 cases: 1 evaluated, 1 skipped",
                                               "simulated 4 cases: 3 evaluated, 1 skipped"}));
}

// The streamed caseload calls the progress callback the same way, from the counting thread.
TEST(SimulateMoney, ProgressWhileStreaming) {
    Sides sides;
    server::Simulation simulation(sides.input(false));
    std::vector<std::size_t> seen;
    simulation.on_progress(3, [&](const server::SimulationProgress& p) { seen.push_back(p.cases); });
    std::string text;
    for (int i = 0; i < 4; ++i) text += read_file(kData + "/caseload.jsonl");
    std::istringstream in(text);
    server::simulate_stream(in, simulation);
    EXPECT_EQ(seen, (std::vector<std::size_t>{3, 6, 9, 12, 15, 18}));
}

// POST /v1/simulate: the same figures as JSON, and the CSV with ?format=csv or Accept.
class SimulateMoneyHttp : public ::testing::Test {
protected:
    TestServer server{[](server::ServeOptions& o) {
        std::filesystem::create_directories(o.policies / "simmoney");
        std::filesystem::copy_file(kData + "/money_2025.jf", o.policies / "simmoney/money_2025.jf");
    }};
    json body() const {
        return {{"policy", "simmoney"}, {"vs_source", read_file(kData + "/money_2026.jf")}, {"cases", caseload()}};
    }
};

TEST_F(SimulateMoneyHttp, Json) {
    auto c = server.client();
    auto r = c.Post("/v1/simulate", bearer(kClientToken), body().dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    expect_fields(body_of(r), kMoney);
}

TEST_F(SimulateMoneyHttp, Csv) {
    auto c = server.client();
    const std::string expected =
        "case,case_ref,outcome_a,outcome_b,total_a,total_b,not_allocated_a,not_allocated_b,rounding,"
        "health_a,health_b,social_care_a,social_care_b\r\n"
        "0,C-1,approve,approve,2800.00,2800.00,300.00,300.00,0.00,700.00,700.00,2100.00,2100.00\r\n";
    auto r = c.Post("/v1/simulate?format=csv", bearer(kClientToken), body().dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/csv; charset=utf-8");
    EXPECT_EQ(r->body.substr(0, expected.size()), expected);
    // The columns are docs/csv.md's.
    const auto header = r->body.substr(0, r->body.find("\r\n"));
    EXPECT_NE(read_file(std::string(JOINTLY_SOURCE_DIR) + "/docs/csv.md").find("\n" + header + "\n"), std::string::npos);
    EXPECT_EQ(std::count(r->body.begin(), r->body.end(), '\n'), 6);
    auto headers = bearer(kClientToken);
    headers.emplace("Accept", "text/csv");
    auto by_accept = c.Post("/v1/simulate", headers, body().dump(), "application/json");
    ASSERT_TRUE(by_accept);
    EXPECT_EQ(by_accept->body, r->body);
}

TEST_F(SimulateMoneyHttp, UnknownFormatOrParameter) {
    auto c = server.client();
    auto r = c.Post("/v1/simulate?format=xml", bearer(kClientToken), body().dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(body_of(r)["error"]["details"][0]["path"], "?format");
    r = c.Post("/v1/simulate?formt=csv", bearer(kClientToken), body().dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(body_of(r)["error"]["details"][0]["path"], "?formt");
}

}  // namespace
}  // namespace jointly::testing
