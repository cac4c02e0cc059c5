// Simulation totals count what the policies would fund (approved and referred cases); declined
// cases are counted apart with what they would have cost. Figures worked by hand below, run
// through `jointly simulate` and POST /v1/simulate.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http_fixture.hpp"
#include "jointly/server/cli.hpp"
#include "jointly/server/registry.hpp"
#include "jointly/server/service.hpp"

namespace jointly::testing {
namespace {

using nlohmann::json;

const std::string kSource = JOINTLY_SOURCE_DIR;

// examples/caseloads/threshold-lowered.jsonl under policies/reference (A) and
// examples/drafts/reference-one-severe.jf (B, the continuing care threshold lowered to one
// need at severe). Every case as_of 2025-06-01, every cost in financial year 2025-26.
//   T-1 one severe, no EHC plan: personal care 350.00 a week, 2-29 June (28 days) = 1,400.00
//       to social care; equipment 900.00 at 60/40 = health 540.00, social care 360.00.
//       A: declined (would have cost 2,300.00); B: eligible, approved, funded 2,300.00.
//   T-2 two severe: personal care 700.00 a week, 1-14 July (14 days) = 1,400.00, within six
//       weeks of surgery on 1 July: 700.00 / 700.00. Approved under both.
//   T-3 one high, no EHC plan: equipment 500.00 = 300.00 / 200.00. Declined under both.
//   T-4 EHC plan: residential 2,100.00 a week, 2-29 June = 8,400.00 in thirds, 2,800.00 each
//       (health's cap 1,500 x 28 / 7 = 6,000.00 not reached). Approved under both.
//   T-5 one priority: personal care 5,000.00 a week, 7 April 2025 - 29 March 2026 (357 days)
//       = 255,000.00 to social care, over £250,000: referred under both, still funded.
// A funds T-2, T-4, T-5: health 700 + 2,800 = 3,500.00; social care 700 + 2,800 + 255,000 =
// 258,500.00; education 2,800.00; 264,800.00 in all. Declined: T-1 + T-3 = 2,800.00.
// B adds T-1: 267,100.00 (health 4,040.00, social care 260,260.00); declined T-3, 500.00.
// The difference is T-1's 2,300.00: health +540.00, social care +1,760.00. T-1's split is the
// same under both, so a total that counted declined cases would show 0.00.
const std::vector<std::pair<const char*, json>> kLoweredThreshold = {
    {"/a/total", "264800.00"},
    {"/a/by_agency/health", "3500.00"},
    {"/a/by_agency/social_care", "258500.00"},
    {"/a/by_agency/education", "2800.00"},
    {"/a/by_financial_year/2025-26/social_care", "258500.00"},
    {"/a/funded_cases", 3},
    {"/a/outcomes", {{"approve", 2}, {"refer", 1}, {"decline", 2}}},
    {"/a/declined/cases", 2},
    {"/a/declined/total", "2800.00"},
    {"/a/declined/by_agency/health", "840.00"},
    {"/a/declined/by_agency/social_care", "1960.00"},
    {"/b/total", "267100.00"},
    {"/b/by_agency/health", "4040.00"},
    {"/b/by_agency/social_care", "260260.00"},
    {"/b/outcomes", {{"approve", 3}, {"refer", 1}, {"decline", 1}}},
    {"/b/declined/cases", 1},
    {"/b/declined/total", "500.00"},
    {"/difference/total", "2300.00"},
    {"/difference/by_agency", {{"health", "540.00"}, {"social_care", "1760.00"}, {"education", "0.00"}}},
    {"/difference/by_financial_year/2025-26/social_care", "1760.00"},
    {"/outcomes_changed", 1},
    {"/splits_changed", 0},
    {"/changed/0/case_ref", "T-1"},
    {"/changed/0/outcome_a", "decline"},
    {"/changed/0/outcome_b", "approve"},
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

struct CliSimulation {
    const char* name;
    std::vector<std::string> args;  // after `jointly simulate --format json`
    std::vector<std::pair<const char*, json>> fields;
};

void PrintTo(const CliSimulation& s, std::ostream* os) { *os << s.name; }

class SimulateCli : public ::testing::TestWithParam<CliSimulation> {};

TEST_P(SimulateCli, TotalsCountWhatThePoliciesWouldFund) {
    std::vector<std::string> args{"simulate", "--format", "json"};
    args.insert(args.end(), GetParam().args.begin(), GetParam().args.end());
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(server::run_cli(args, out, err), 0) << err.str();
    const auto result = json::parse(out.str());
    EXPECT_EQ(result["skipped"], 0) << out.str();
    expect_fields(result, GetParam().fields);
}

INSTANTIATE_TEST_SUITE_P(
    Caseloads, SimulateCli,
    ::testing::Values(
        CliSimulation{"lowered_threshold",
                      {"--policy", kSource + "/policies/reference", "--vs",
                       kSource + "/examples/drafts/reference-one-severe.jf",
                       kSource + "/examples/caseloads/threshold-lowered.jsonl"},
                      kLoweredThreshold},
        // policies/threshold-change/README.md works these by hand: C-2003 and C-2004 move from
        // declined to approved, +20,132.88 (social care +15,099.66, health +5,033.22). Their
        // lines are uncovered while declined, so the rules would have allocated 0.00 of the
        // declined cases' cost, all of it uncovered: 11,007.88 + 9,125.00 + C-2005 140.00 x
        // 365 / 7 = 7,300.00 + C-2006 90.00 x 365 / 7 = 4,692.86 = 32,125.74.
        CliSimulation{"threshold_change_versions",
                      {"--policy", kSource + "/policies/threshold-change/threshold_change_2024.jf", "--vs",
                       kSource + "/policies/threshold-change/threshold_change_2025.jf",
                       kSource + "/policies/threshold-change/caseload.jsonl"},
                      {{"/a/total", "34414.29"},
                       {"/a/outcomes", {{"approve", 2}, {"refer", 0}, {"decline", 4}}},
                       {"/a/outcomes_by_policy", {{"threshold_change 2024.1", {{"approve", 2}, {"refer", 0}, {"decline", 4}}}}},
                       {"/a/declined", {{"cases", 4}, {"total", "0.00"},
                                        {"by_agency", {{"social_care", "0.00"}, {"health", "0.00"}}},
                                        {"not_allocated", {{"total", "32125.74"}, {"uncovered", "32125.74"},
                                                           {"conflict", "0.00"}, {"cap_excess", "0.00"},
                                                           {"refused", "0.00"}, {"referred", "0.00"}}},
                                        {"cost", "32125.74"},
                                        {"by_financial_year", json::object()}}},
                       {"/b/total", "54547.17"},
                       {"/b/outcomes", {{"approve", 4}, {"refer", 0}, {"decline", 2}}},
                       {"/b/declined/cases", 2},
                       {"/difference/total", "20132.88"},
                       {"/difference/by_agency", {{"social_care", "15099.66"}, {"health", "5033.22"}}},
                       {"/outcomes_changed", 2}}},
        // One side holding both versions: each case is decided by the version in effect on its
        // as_of, and the outcomes are counted per version.
        CliSimulation{"outcomes_per_version",
                      {"--policy", kSource + "/policies/threshold-change",
                       kSource + "/examples/caseloads/threshold-change-as-of.jsonl"},
                      {{"/a/policies", {"threshold_change 2024.1", "threshold_change 2025.1"}},
                       {"/a/outcomes", {{"approve", 1}, {"refer", 0}, {"decline", 1}}},
                       {"/a/outcomes_by_policy",
                        {{"threshold_change 2024.1", {{"approve", 0}, {"refer", 0}, {"decline", 1}}},
                         {"threshold_change 2025.1", {{"approve", 1}, {"refer", 0}, {"decline", 0}}}}},
                       {"/a/funded_cases", 1}}}),
    [](const ::testing::TestParamInfo<CliSimulation>& param_info) { return std::string(param_info.param.name); });

TEST(SimulateText, ShowsFundedAndDeclinedApart) {
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(server::run_cli({"simulate", "--policy", kSource + "/policies/reference", "--vs",
                               kSource + "/examples/drafts/reference-one-severe.jf",
                               kSource + "/examples/caseloads/threshold-lowered.jsonl"},
                              out, err),
              0)
        << err.str();
    const auto text = out.str();
    // Declined under A: T-1 (2,300.00) + T-3 (500.00) = 2,800.00, every penny allocated by the
    // rules; under B only T-3. Funded under A: 264,800.00, nothing left unallocated, so the
    // lines cost 264,800.00; under B T-1's 2,300.00 more. T-1 goes from decline to approve.
    for (const char* wanted : {"funded: approved and referred cases", "+2300.00", "declined: not funded",
                               "allocated by rules             2800.00          500.00",
                               "cost of the lines            264800.00       267100.00",
                               "A: decline: 2 cases, allocated 2800.00, not allocated 0.00",
                               "outcomes changed: 1 (decline -> approve 1)",
                               "outcomes A: approve 2, refer 1, decline 2"})
        EXPECT_NE(text.find(wanted), std::string::npos) << wanted << "\n" << text;
}

TEST(SimulateText, CsvGivesOneRowPerCase) {
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(server::run_cli({"simulate", "-f", "csv", "--policy", kSource + "/policies/reference", "--vs",
                               kSource + "/examples/drafts/reference-one-severe.jf",
                               kSource + "/examples/caseloads/threshold-lowered.jsonl"},
                              out, err),
              0)
        << err.str();
    std::istringstream rows(out.str());
    std::vector<std::string> lines;
    for (std::string line; std::getline(rows, line);) lines.push_back(line);
    ASSERT_EQ(lines.size(), 6U) << out.str();  // the header and the five cases (T-1 .. T-5 above)
    EXPECT_EQ(lines[0],
              "case,case_ref,outcome_a,outcome_b,total_a,total_b,not_allocated_a,not_allocated_b,rounding,health_a,health_b,"
              "social_care_a,social_care_b,education_a,education_b\r");
    // T-1: declined under A, approved under B; the same 2,300.00 either way: health 540.00,
    // social care 1,400.00 + 360.00 = 1,760.00.
    EXPECT_EQ(lines[1], "1,T-1,decline,approve,2300.00,2300.00,0.00,0.00,0.00,540.00,540.00,1760.00,1760.00,0.00,0.00\r");
    // T-5: referred under both, 255,000.00 to social care.
    EXPECT_EQ(lines[5], "5,T-5,refer,refer,255000.00,255000.00,0.00,0.00,0.00,0.00,0.00,255000.00,255000.00,0.00,0.00\r");
    EXPECT_EQ(out.str().find("funded:"), std::string::npos);  // rows only, no table
}

TEST(SimulateHttp, VsSourceGivesTheSameFigures) {
    TestServer s;
    auto c = s.client();
    json cases = json::array();
    std::istringstream lines(read_file(kSource + "/examples/caseloads/threshold-lowered.jsonl"));
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) cases.push_back(json::parse(line));
    const json body = {{"policy", "reference"},
                       {"vs_source", read_file(kSource + "/examples/drafts/reference-one-severe.jf")},
                       {"cases", cases}};
    auto r = c.Post("/v1/simulate", bearer(kClientToken), body.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    expect_fields(body_of(r), kLoweredThreshold);
}

}  // namespace
}  // namespace jointly::testing

namespace jointly::testing {
namespace {

// A caseload of three batches (8,192 lines each), with bad lines inside, gives exactly the
// result of adding the cases one by one: parallel evaluation never changes the output.
TEST(SimulateStream, SameAsOneByOne) {
    server::Registry a(kSource + "/policies/reference");
    ASSERT_TRUE(a.reload().ok);
    const auto drafts = std::filesystem::temp_directory_path() / "jointly-simulate-stream";
    std::filesystem::remove_all(drafts);
    std::filesystem::create_directories(drafts);
    std::filesystem::copy_file(kSource + "/examples/drafts/reference-one-severe.jf", drafts / "draft.jf");
    server::Registry b(drafts);
    ASSERT_TRUE(b.reload().ok);
    std::ifstream file(kSource + "/examples/caseloads/reference-200.jsonl");
    std::vector<std::string> cases;
    for (std::string line; std::getline(file, line);)
        if (!line.empty()) cases.push_back(line);
    ASSERT_GE(cases.size(), 100U);
    std::string caseload;
    std::size_t lines = 0;
    while (lines < 18000) {
        for (const auto& c : cases) caseload += c + "\n";
        caseload += "{not json\n\n{\"policy\": \"nope\"}\n";
        lines += cases.size() + 3;
    }
    server::SimulationInput input;
    input.a = a.snapshot();
    input.b = b.snapshot();
    input.policy = "reference";
    server::Simulation serial(input);
    std::istringstream serial_in(caseload);
    std::size_t number = 0;
    for (std::string line; std::getline(serial_in, line);) {
        ++number;
        if (line.empty()) continue;
        auto parsed = server::parse_json(line);
        if (parsed.value) serial.add(*parsed.value, number);
        else serial.add_error(number, parsed.error.message);
    }
    server::Simulation streamed(input);
    std::istringstream stream_in(caseload);
    server::simulate_stream(stream_in, streamed);
    const auto expected = serial.result();
    EXPECT_GT(expected["errors"].size(), 2U);
    EXPECT_GT(expected["evaluated"].get<std::size_t>(), 8192U);
    EXPECT_EQ(streamed.result().dump(), expected.dump());
}

// Writes a simulation's CSV rows to `rows` as it counts the cases.
void write_rows(server::Simulation& simulation, const server::SimulationInput& input, std::string& rows) {
    simulation.on_case([csv = server::SimulationCsv(input), &rows](const server::Simulation::Evaluated& e) {
        rows += csv.row(e);
    });
}

// The reference path: each line parsed by parse_json and decoded per version (evaluate_case).
using Output = std::pair<std::string, std::string>;  // the result's JSON, the CSV rows

Output one_by_one(const server::SimulationInput& input, const std::string& caseload) {
    server::Simulation serial(input);
    std::string rows;
    write_rows(serial, input, rows);
    std::istringstream in(caseload);
    std::size_t number = 0;
    for (std::string line; std::getline(in, line);) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        auto parsed = server::parse_json(line);
        if (parsed.value) serial.add(*parsed.value, number);
        else serial.add_error(number, parsed.error.message);
    }
    return {serial.result().dump(), rows};
}

// The caseload as `jointly simulate` reads it: simulate_stream, the fast decoder first.
Output streamed(const server::SimulationInput& input, const std::string& caseload,
                     const server::StreamOptions& options = {}) {
    server::Simulation simulation(input);
    std::string rows;
    write_rows(simulation, input, rows);
    std::istringstream in(caseload);
    server::simulate_stream(in, simulation, options);
    return {simulation.result().dump(), rows};
}

std::shared_ptr<const engine::Program> only_program(const server::Registry& registry) {
    const auto snapshot = registry.snapshot();
    return snapshot->versions(snapshot->ids().front()).front()->program;
}

// The fast decoder reads every line of the generated caseload (none falls back to the
// reference), to the Request the reference decodes.
TEST(SimulateStream, FastDecoderReadsTheGeneratedCaseload) {
    server::Registry a(kSource + "/policies/reference");
    ASSERT_TRUE(a.reload().ok);
    const auto& schema = only_program(a)->schema();
    std::istringstream lines(read_file(kSource + "/examples/caseloads/reference-200.jsonl"));
    server::CaseDecoder decoder;
    std::size_t read = 0;
    for (std::string line; std::getline(lines, line);) {
        const std::string padded = line + std::string(server::CaseDecoder::kPadding, ' ');
        ASSERT_TRUE(decoder.start(std::string_view(padded).substr(0, line.size()))) << line;
        ASSERT_TRUE(decoder.header()) << line;
        const auto fast = decoder.decode(schema, {});
        ASSERT_TRUE(fast) << line;
        const auto reference = server::decode_request(nlohmann::json::parse(line), schema);
        ASSERT_TRUE(reference.request) << line;
        EXPECT_TRUE(server::same_request(*fast, *reference.request)) << line;
        ++read;
    }
    EXPECT_EQ(read, 200U);
}

// Two versions that declare the same facts and events: each case is decoded once, for both,
// and the figures are those of decoding it per version. Versions whose declarations differ
// (B declares one more fact) decode it per version.
TEST(SimulateStream, DecodedOnceForTwoVersionsAsPerVersion) {
    const auto drafts = std::filesystem::temp_directory_path() / "jointly-simulate-decode-once";
    std::filesystem::remove_all(drafts);
    std::filesystem::create_directories(drafts / "same");
    std::filesystem::create_directories(drafts / "more");
    std::filesystem::copy_file(kSource + "/examples/drafts/reference-one-severe.jf", drafts / "same" / "draft.jf");
    std::string more = read_file(kSource + "/examples/drafts/reference-one-severe.jf");
    const auto at = more.find("fact dst ");
    ASSERT_NE(at, std::string::npos);
    more.insert(at, "fact looked_after: bool default false\n");
    std::ofstream(drafts / "more" / "draft.jf") << more;
    server::Registry a(kSource + "/policies/reference");
    server::Registry same(drafts / "same");
    server::Registry different(drafts / "more");
    ASSERT_TRUE(a.reload().ok);
    ASSERT_TRUE(same.reload().ok);
    ASSERT_TRUE(different.reload().ok);
    ASSERT_TRUE(server::same_declarations(only_program(a)->schema(), only_program(same)->schema()));
    ASSERT_FALSE(server::same_declarations(only_program(a)->schema(), only_program(different)->schema()));

    // And a case giving the fact only the second draft declares: A refuses it, so it is
    // skipped, with the same error either way.
    std::string caseload = read_file(kSource + "/examples/caseloads/reference-200.jsonl");
    std::string looked_after = caseload.substr(0, caseload.find('\n'));
    looked_after.insert(looked_after.find("\"facts\":{") + 9, "\"looked_after\":true,");
    caseload += looked_after + "\n";
    for (const auto* b : {&same, &different}) {
        server::SimulationInput input;
        input.a = a.snapshot();
        input.b = b->snapshot();
        input.policy = "reference";
        const auto expected = one_by_one(input, caseload);
        EXPECT_EQ(json::parse(expected.first)["evaluated"].get<std::size_t>(), 200U);
        EXPECT_EQ(streamed(input, caseload), expected);
    }
}

// Chunks of whole lines, read and evaluated on several threads, give the output of reading
// the lines one by one (JSON and CSV rows, byte for byte), whatever the chunk size and the
// number of threads: chunks of one line, lines straddling chunks and reads, CRLF and blank
// lines, a last line without its line end. A skipped line is named by its line number.
TEST(SimulateStream, SameForEveryChunkSizeAndThreadCount) {
    server::Registry a(kSource + "/policies/reference");
    ASSERT_TRUE(a.reload().ok);
    server::SimulationInput input;
    input.a = a.snapshot();
    const std::string cases = read_file(kSource + "/examples/caseloads/reference-200.jsonl");
    std::string caseload = cases.substr(0, 20000);  // cut inside a line: ends without a line end
    caseload.insert(caseload.find('\n', 5000) + 1, "\n  \r\n{not json\n");
    const auto crlf = caseload.find('\n', 9000);
    caseload.replace(crlf, 1, "\r\n");
    caseload = cases + caseload;
    const auto expected = one_by_one(input, caseload);
    // The lines before `{not json`: the 200 of the file, those up to past byte 5000, one blank
    // and one of spaces.
    const std::size_t bad_line = 200 + static_cast<std::size_t>(std::count(
        cases.begin(), cases.begin() + static_cast<std::ptrdiff_t>(cases.find('\n', 5000) + 1), '\n')) + 3;
    const auto result = json::parse(expected.first);
    ASSERT_EQ(result["errors"].size(), 2U) << result["errors"];  // {not json, and the cut last line
    EXPECT_EQ(result["errors"][0]["case"], bad_line);
    EXPECT_EQ(result["errors"][1]["case"], std::count(caseload.begin(), caseload.end(), '\n') + 1);
    for (const server::StreamOptions options : {server::StreamOptions{1, 1}, server::StreamOptions{1, 3},
                                                server::StreamOptions{7, 2}, server::StreamOptions{333, 2},
                                                server::StreamOptions{4096, 1}, server::StreamOptions{65536, 4},
                                                server::StreamOptions{}})
        EXPECT_EQ(streamed(input, caseload, options), expected)
            << "chunks of " << options.chunk_bytes << " bytes, " << options.threads << " threads";
}

// A caseload file is mapped and read in place: the same output as reading the lines one by
// one, for every chunk size and thread count, whether the file ends with a line end or not,
// and whatever is left after the last chunk for padding (a chunk near the end is copied).
TEST(SimulateFile, MappedGivesTheFiguresOfOneByOne) {
    server::Registry a(kSource + "/policies/reference");
    ASSERT_TRUE(a.reload().ok);
    server::SimulationInput input;
    input.a = a.snapshot();
    const std::string cases = read_file(kSource + "/examples/caseloads/reference-200.jsonl");
    const auto path = std::filesystem::temp_directory_path() /
                      ("jointly-simulate-file-" + std::to_string(::getpid()) + ".jsonl");
    const std::string short_line = "{not json}";  // fewer bytes than the padding after the line before
    // A file of exactly two pages' multiple whose last line is short: the chunk before it must
    // be copied, for nothing of the mapping is readable past the file's last page.
    std::string paged = cases + R"({"pad":")";
    const std::size_t tail = std::string(R"("})").size() + 1 + short_line.size();
    paged += std::string((4096 - (paged.size() + tail) % 4096) % 4096, 'x') + R"("})" + "\n" + short_line;
    ASSERT_EQ(paged.size() % 4096, 0U);
    for (const std::string& caseload : {cases, cases + "\r\n" + cases.substr(0, 7000), cases + short_line,
                                        cases + short_line + "\n", paged, std::string()}) {
        std::ofstream(path, std::ios::binary) << caseload;
        const auto expected = one_by_one(input, caseload);
        for (const server::StreamOptions options : {server::StreamOptions{1, 2}, server::StreamOptions{333, 3},
                                                    server::StreamOptions{40000, 1}, server::StreamOptions{}}) {
            server::Simulation simulation(input);
            std::string rows;
            write_rows(simulation, input, rows);
            ASSERT_TRUE(server::simulate_file(path.string(), simulation, options));
            EXPECT_EQ(Output(simulation.result().dump(), rows), expected)
                << caseload.size() << " bytes in chunks of " << options.chunk_bytes;
        }
    }
    std::filesystem::remove(path);
    server::Simulation simulation(input);
    EXPECT_FALSE(server::simulate_file(path.string(), simulation));
}

// What cannot be mapped is read from the one descriptor opened: a named pipe (opened once, so
// its writer is not lost) and a file that says its size is 0 (as /proc's do).
TEST(SimulateFile, PipesAndSizelessFilesAreReadAsStreams) {
    server::Registry a(kSource + "/policies/reference");
    ASSERT_TRUE(a.reload().ok);
    server::SimulationInput input;
    input.a = a.snapshot();
    const std::string caseload = read_file(kSource + "/examples/caseloads/reference-200.jsonl");
    const auto fifo = std::filesystem::temp_directory_path() /
                      ("jointly-simulate-fifo-" + std::to_string(::getpid()));
    std::filesystem::remove(fifo);
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << caseload; });
    server::Simulation piped(input);
    std::string rows;
    write_rows(piped, input, rows);
    const bool read = server::simulate_file(fifo.string(), piped, server::StreamOptions{4096, 2});
    writer.join();
    std::filesystem::remove(fifo);
    ASSERT_TRUE(read);
    EXPECT_EQ(Output(piped.result().dump(), rows), one_by_one(input, caseload));
    EXPECT_EQ(piped.result()["evaluated"], 200);

    server::Simulation sizeless(input);
    ASSERT_TRUE(server::simulate_file("/proc/self/status", sizeless));
    const auto result = sizeless.result();
    EXPECT_GT(result["cases"].get<std::size_t>(), 5U);  // its lines, each refused as not JSON
    EXPECT_EQ(result["errors"].size(), result["cases"].get<std::size_t>());
}

// Chunks counted apart on the workers and added in input order give the serial figures,
// including the capped lists: the first `max_changed_listed` changed cases (the rest counted
// in `changed_omitted`), the first `max_outside_listed` case_refs, and every error in order.
// Without a case sink the workers keep no cases; with a progress callback it is called at
// the same counts as in a serial run.
TEST(SimulateStream, PartsAddUpToTheSerialFigures) {
    server::Registry a(kSource + "/policies/reference");
    ASSERT_TRUE(a.reload().ok);
    const auto drafts = std::filesystem::temp_directory_path() / "jointly-simulate-parts";
    std::filesystem::remove_all(drafts);
    std::filesystem::create_directories(drafts);
    std::filesystem::copy_file(kSource + "/examples/drafts/reference-8-weeks.jf", drafts / "draft.jf");
    server::Registry b(drafts);
    ASSERT_TRUE(b.reload().ok);
    server::SimulationInput input;
    input.a = a.snapshot();
    input.b = b.snapshot();
    input.policy = "reference";
    input.version_b = "2026.1-draft";
    input.max_changed_listed = 7;
    input.max_outside_listed = 3;
    // Every tenth case dated before the versions take effect: counted, and flagged.
    std::string caseload;
    std::istringstream lines(read_file(kSource + "/examples/caseloads/reference-200.jsonl"));
    std::size_t k = 0;
    for (std::string line; std::getline(lines, line); ++k) {
        if (k % 10 == 0) line.replace(line.find("\"as_of\":\"") + 9, 10, "2025-03-31");
        caseload += line + "\n";
    }
    caseload += "{not json\n" + caseload;
    std::vector<server::SimulationProgress> serial_progress;
    server::Simulation serial(input);
    serial.on_progress(37, [&](const server::SimulationProgress& p) { serial_progress.push_back(p); });
    std::istringstream serial_in(caseload);
    std::size_t number = 0;
    for (std::string line; std::getline(serial_in, line);) {
        ++number;
        auto parsed = server::parse_json(line);
        if (parsed.value) serial.add(*parsed.value, number);
        else serial.add_error(number, parsed.error.message);
    }
    const auto expected = serial.result();
    ASSERT_GT(expected["changed_omitted"].get<std::size_t>(), 7U) << expected["changed"];
    ASSERT_EQ(expected["changed"].size(), 7U);
    ASSERT_EQ(expected["errors"].size(), 1U);
    ASSERT_EQ(expected["b"]["outside_effective_dates"]["cases"].get<std::size_t>(), 40U);
    ASSERT_EQ(expected["b"]["outside_effective_dates"]["case_refs"].size(), 3U);
    ASSERT_GE(serial_progress.size(), 10U);
    for (const server::StreamOptions options : {server::StreamOptions{1, 2}, server::StreamOptions{2000, 3},
                                                server::StreamOptions{30000, 2}, server::StreamOptions{}}) {
        server::Simulation quiet(input);
        std::istringstream in(caseload);
        server::simulate_stream(in, quiet, options);
        EXPECT_EQ(quiet.result().dump(), expected.dump()) << "chunks of " << options.chunk_bytes << " bytes";
        std::vector<server::SimulationProgress> progress;
        server::Simulation watched(input);
        watched.on_progress(37, [&](const server::SimulationProgress& p) { progress.push_back(p); });
        std::istringstream again(caseload);
        server::simulate_stream(again, watched, options);
        EXPECT_EQ(watched.result().dump(), expected.dump());
        ASSERT_EQ(progress.size(), serial_progress.size());
        for (std::size_t i = 0; i < progress.size(); ++i) {
            EXPECT_EQ(progress[i].cases, serial_progress[i].cases);
            EXPECT_EQ(progress[i].evaluated, serial_progress[i].evaluated);
            EXPECT_EQ(progress[i].skipped, serial_progress[i].skipped);
        }
    }
}

// A case sink that throws stops the stream: the exception comes out of simulate_stream after
// the workers are stopped (no hang, no case counted past it), whatever the chunk size.
TEST(SimulateStream, ASinkThatThrowsStopsTheWorkers) {
    server::Registry a(kSource + "/policies/reference");
    ASSERT_TRUE(a.reload().ok);
    server::SimulationInput input;
    input.a = a.snapshot();
    std::string caseload;
    const std::string cases = read_file(kSource + "/examples/caseloads/reference-200.jsonl");
    for (int i = 0; i < 20; ++i) caseload += cases;
    for (const server::StreamOptions options : {server::StreamOptions{1, 2}, server::StreamOptions{4096, 2},
                                                server::StreamOptions{}}) {
        server::Simulation simulation(input);
        std::size_t seen = 0;
        simulation.on_case([&seen](const server::Simulation::Evaluated&) {
            if (++seen == 1500) throw std::runtime_error("the sink is full");
        });
        std::istringstream in(caseload);
        try {
            server::simulate_stream(in, simulation, options);
            ADD_FAILURE() << "no exception";
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "the sink is full");
        }
        EXPECT_EQ(seen, 1500U);
    }
}

}  // namespace
}  // namespace jointly::testing
