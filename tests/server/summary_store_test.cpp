// The summary report from the compact contributions the store keeps (Store::scan_summaries,
// what GET /v1/reports/summary reads) equals the reference fold over the stored JSON
// (Store::scan_decisions and SummaryReport::add of each record), byte for byte, on both
// backends: over approvals, referrals and declines, panel records superseding one another,
// overrides, erasures, rectifications, unreadable records, texts that need escaping, and the
// filters; and again after a store of the previous schema version is opened and backfilled.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake_schema.hpp"
#include "jointly/server/store.hpp"
#include "report.hpp"  // server/src: private to the server library
#include "store_backends.hpp"
#include "summary_contribution.hpp"

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;

class SummaryStore : public testing::OnEachBackend {
protected:
    void SetUp() override {
        OnEachBackend::SetUp();
        schema_ = jointly::testing::fake_schema();
    }

    SummaryReport::SchemaOf schema_of() const {
        // Version 2025.1 of `reference` is loaded; 2024.1 no longer is.
        return [this](const std::string& id, const std::string& version) -> const engine::Schema* {
            return id == "reference" && version == "2025.1" ? &schema_ : nullptr;
        };
    }

    // The reference: every stored decision's JSON read again.
    std::string reference(const DecisionQuery& q) {
        SummaryReport report(schema_of());
        store_->scan_decisions(q, [&](const DecisionRecord& d, const std::optional<PanelRecord>& p) { report.add(d, p); });
        return report.result().dump();
    }
    // What the route reads.
    std::string compact(const DecisionQuery& q) {
        SummaryReport report(schema_of());
        store_->scan_summaries(q, [&](const SummaryRow& row) { report.add(row); });
        return report.result().dump();
    }

    // A decision as the API would store it.
    std::string add(const std::string& policy, const std::string& version, const std::string& outcome,
                    const ojson& request, const ojson& response, const std::string& as_of = "2025-06-01") {
        DecisionRecord r;
        r.id = Store::new_decision_id();
        r.case_ref = request.value("case_ref", std::string("C-0"));
        r.policy_id = policy;
        r.policy_version = version;
        r.policy_sha256 = "abc";
        r.as_of = as_of;
        r.outcome = outcome;
        r.total = response.value("total", std::string("0.00"));
        r.request_json = request.dump();
        ojson out = ojson::object();
        out["decision_id"] = r.id;
        for (const auto& [key, value] : response.items()) out[key] = value;
        r.response_json = out.dump();
        store_->add_decision(r);
        return r.id;
    }
    std::string add_text(const std::string& outcome, const std::string& request, const std::string& response) {
        DecisionRecord r = testing::sample_decision("C-X", outcome);
        r.request_json = request;
        r.response_json = response;
        store_->add_decision(r);
        return r.id;
    }
    void panel(const std::string& id, const std::string& outcome, const std::optional<ojson>& shares = std::nullopt) {
        ojson record = {{"outcome", outcome}, {"date", "2025-07-01"}, {"members", {"Chair"}}, {"notes", "seen"}};
        if (shares) record["override"] = {{"shares", *shares}, {"reason", "agreed"}};
        ASSERT_TRUE(store_->add_panel_record(id, record.dump()));
    }
    // As the API's erasure keeps a decision (http_erasure.cpp).
    static Redaction redaction() {
        return Redaction{[](const DecisionRecord& r) {
                             const auto in = ojson::parse(r.response_json);
                             ojson out = ojson::object();
                             for (const char* key : {"decision_id", "supersedes", "policy", "engine", "as_of", "case_ref",
                                                     "outcome", "referred_to", "total", "by_agency", "by_financial_year"})
                                 if (in.contains(key)) out[key] = std::string(key) == "case_ref" ? ojson(nullptr) : in[key];
                             return out.dump();
                         },
                         [](const std::string& text) {
                             auto in = ojson::parse(text);
                             if (in.contains("notes")) in["notes"] = "";
                             if (in.contains("override") && in["override"].is_object()) in["override"]["reason"] = "";
                             return in.dump();
                         }};
    }
    static Erasure erasure(const std::string& id) { return Erasure{id, "", "admin", "asked", "req-1", std::nullopt}; }

    static ojson response(const char* outcome, const char* total, const ojson& by_agency, const ojson& by_year,
                          const ojson& by_line, const ojson& reasons = ojson::array()) {
        return {{"policy", {{"id", "reference"}, {"version", "2025.1"}}}, {"outcome", outcome}, {"total", total},
                {"by_agency", by_agency}, {"by_financial_year", by_year}, {"by_line", by_line}, {"reasons", reasons}};
    }

    // A varied store: every path through SummaryReport::add.
    void fill() {
        const auto lines = [](std::initializer_list<std::pair<const char*, const char*>> list) {
            ojson out = ojson::array();
            for (const auto& [id, service] : list) out.push_back({{"id", id}, {"service", service}});
            return out;
        };
        // Approved: two lines of two services, a date of birth, a map of needs and a level.
        const auto d1 = add("reference", "2025.1", "approve",
                            {{"case_ref", "C-1"},
                             {"facts",
                              {{"date_of_birth", "2015-03-01"},
                               {"dst", {{"breathing", "priority"}, {"skin", "high"}, {"mood", "unheard-of level"}}},
                               {"band", "moderate"},
                               {"la", "North shire"}}},
                             {"lines", lines({{"eq", "equipment"}, {"pc", "personal_care"}})}},
                            response("approve", "1700.00", {{"health", "900.00"}, {"social_care", "800.00"}},
                                     {{"2025-26", {{"health", "600.00"}, {"social_care", "800.00"}}},
                                      {"2026-27", {{"health", "300.00"}}}},
                                     {{"eq", {{"health", "900.00"}}}, {"pc", {{"social_care", "800.00"}}}},
                                     ojson::array({{{"kind", "split"}, {"rule", "equipment"}, {"ref", "s.4"}},
                                                   {{"kind", "split"}, {"rule", "equipment"}, {"ref", "s.4"}},
                                                   {{"kind", "cap"}, {"rule", "personal_care"}}})));
        panel(d1, "deferred");
        panel(d1, "approved", ojson{{"health", "1000.00"}, {"social_care", "600.00"}, {"education", "100.00"}});
        // Referred, to an authority whose name needs escaping; no date of birth; a line the
        // request does not name; the panel escalates it.
        const auto d2 = add("reference", "2025.1", "refer",
                            {{"case_ref", "C-2"}, {"facts", {{"dst", {{"skin", "severe"}}}}},
                             {"lines", lines({{"res", "residential\tplacement"}})}},
                            [] {
                                auto r = response("refer", "300000.00", {{"education", "100000.00"}, {"social_care", "200000.00"}},
                                                  {{"2025-26", {{"education", "100000.00"}, {"social_care", "200000.00"}}}},
                                                  {{"res", {{"education", "100000.00"}, {"social_care", "150000.00"}}},
                                                   {"ghost", {{"social_care", "50000.00"}}}},
                                                  ojson::array({{{"kind", "refer"}, {"rule", nullptr}}}));
                                r["referred_to"] = "Director of\nChildren's Services \\ Panel";
                                return r;
                            }(),
                            "");
        panel(d2, "escalated");
        // Declined by the rules; the panel approves it (so it is funded).
        const auto d3 = add("reference", "2025.1", "decline",
                            {{"case_ref", "C-3"}, {"facts", {{"date_of_birth", "2008-06-01"}, {"dst", {{"skin", "low"}}}}},
                             {"lines", lines({{"t", "transport"}})}},
                            response("decline", "50.00", {{"health", "50.00"}}, {{"2025-26", {{"health", "50.00"}}}},
                                     {{"t", {{"health", "50.00"}}}}, ojson::array({{{"kind", "decline"}}})));
        panel(d3, "approved");
        // Declined by the rules, no panel; under a version no longer loaded (no need levels).
        add("reference", "2024.1", "decline",
            {{"case_ref", "C-4"}, {"facts", {{"date_of_birth", "1990-01-01"}, {"dst", {{"skin", "priority"}}}}},
             {"lines", lines({{"t", "transport"}})}},
            response("decline", "20.00", {{"health", "20.00"}}, {{"2025-26", {{"health", "20.00"}}}},
                     {{"t", {{"health", "20.00"}}}}));
        // Approved, the panel approves then declines: the latest record decides.
        const auto d5 = add("reference", "2025.1", "approve",
                            {{"case_ref", "C-5"}, {"facts", {{"dst", {{"skin", "priority"}}}}},
                             {"lines", lines({{"eq", "equipment"}})}},
                            response("approve", "2000.00", {{"health", "1200.00"}, {"social_care", "800.00"}},
                                     {{"2025-26", {{"health", "1200.00"}, {"social_care", "800.00"}}}},
                                     {{"eq", {{"health", "1200.00"}, {"social_care", "800.00"}}}}));
        panel(d5, "approved", ojson{{"health", "2000.00"}});
        panel(d5, "declined");
        // Erased after a panel override: its lines go, its money stays under `(erased)`.
        const auto d6 = add("reference", "2025.1", "approve",
                            {{"case_ref", "C-6"}, {"facts", {{"date_of_birth", "2020-01-01"}, {"dst", {{"skin", "high"}}}}},
                             {"lines", lines({{"eq", "equipment"}})}},
                            response("approve", "400.00", {{"health", "400.00"}}, {{"2025-26", {{"health", "400.00"}}}},
                                     {{"eq", {{"health", "400.00"}}}}, ojson::array({{{"kind", "split"}, {"rule", "x"}}})));
        panel(d6, "approved", ojson{{"health", "100.00"}, {"social_care", "300.00"}});
        ASSERT_TRUE(store_->erase_decision(erasure(d6), redaction(), std::nullopt).found);
        // Rectified: the original erased and superseded by a replacement.
        const auto d7 = add("reference", "2025.1", "approve",
                            {{"case_ref", "C-7"}, {"facts", {{"dst", {{"skin", "moderate"}}}}},
                             {"lines", lines({{"pc", "personal_care"}})}},
                            response("approve", "70.00", {{"social_care", "70.00"}}, {{"2025-26", {{"social_care", "70.00"}}}},
                                     {{"pc", {{"social_care", "70.00"}}}}));
        panel(d7, "deferred");
        {
            DecisionRecord replacement;
            replacement.id = Store::new_decision_id();
            replacement.case_ref = "C-7";
            replacement.policy_id = "reference";
            replacement.policy_version = "2025.1";
            replacement.as_of = "2025-06-01";
            replacement.outcome = "approve";
            replacement.total = "75.00";
            replacement.request_json = ojson{{"facts", {{"dst", {{"skin", "severe"}}}}}, {"lines", lines({{"pc", "personal_care"}})}}.dump();
            replacement.response_json =
                response("approve", "75.00", {{"social_care", "75.00"}}, {{"2025-26", {{"social_care", "75.00"}}}},
                         {{"pc", {{"social_care", "75.00"}}}})
                    .dump();
            ASSERT_TRUE(store_->rectify_decision(replacement, erasure(d7), redaction(), std::nullopt).found);
        }
        // Another policy; facts that are not an object; a line that is not an object.
        add("other", "1", "approve", {{"case_ref", "C-8"}, {"facts", "none"}, {"lines", ojson::array({"junk"})}},
            response("approve", "5.00", {{"education", "5.00"}}, {{"2025-26", {{"education", "5.00"}}}}, ojson::object()));
        // Unreadable: not JSON, an unknown outcome, money that is not money, a line id that is
        // not a string, and a panel record of an unknown outcome (then superseded by one that
        // can be read, on another decision left unreadable).
        add_text("approve", "{}", "{not json");
        add_text("perhaps", "{}", R"({"total": "1.00", "by_agency": {}, "by_financial_year": {}})");
        add_text("approve", "{}", R"({"total": 12.5, "by_agency": {}, "by_financial_year": {}})");
        add_text("approve", R"({"lines": [{"id": 7}]})", R"({"total": "1.00", "by_agency": {}, "by_financial_year": {}})");
        const auto d13 = add_text("approve", R"({"lines": []})",
                                  R"({"total": "3.00", "by_agency": {"health": "3.00"}, "by_financial_year": {}})");
        ASSERT_TRUE(store_->add_panel_record(d13, R"({"outcome": "mislaid"})"));
        const auto d14 = add_text("decline", R"({"lines": []})",
                                  R"({"total": "4.00", "by_agency": {"health": "4.00"}, "by_financial_year": {}})");
        ASSERT_TRUE(store_->add_panel_record(d14, R"({"outcome": "mislaid"})"));
        ASSERT_TRUE(store_->add_panel_record(d14, R"({"outcome": "declined", "override": {"shares": {}}})"));
    }

    // The reference and the compact fold under each filter; the figures are non-trivial.
    void expect_equal_under_filters() {
        const std::string today = store_->find_decisions(DecisionQuery{}).front().created_at.substr(0, 10);
        std::vector<DecisionQuery> queries(6);
        queries[1].from = today;
        queries[1].to = today;
        queries[2].from = "2999-01-01";
        queries[3].to = "2000-01-01";
        queries[4].policy = "reference";
        queries[5].policy = "other";
        queries[5].from = "2000-01-01";
        for (std::size_t i = 0; i < queries.size(); ++i) EXPECT_EQ(compact(queries[i]), reference(queries[i])) << "query " << i;
        const auto all = ojson::parse(compact({}));
        EXPECT_EQ(all["decisions"], 10) << all.dump();
        EXPECT_EQ(all["unreadable"], 5);
        EXPECT_EQ(all["panel_outcomes"]["escalated"], 1);
        // D6 (400.00) and the rectified D7 (70.00, deferred: still funded).
        EXPECT_EQ(all["funded"]["by_service"]["(erased)"]["total"], "470.00");
        EXPECT_EQ(all["referred_to"].begin().key(), "Director of\nChildren's Services \\ Panel");
        EXPECT_EQ(all["by_need_level"]["dst"].size(), 3u) << all["by_need_level"].dump();
        EXPECT_EQ(all["by_need_level"]["band"]["moderate"]["decisions"], 1);
        EXPECT_EQ(ojson::parse(compact(queries[5]))["decisions"], 1);
    }

    engine::Schema schema_;
};

INSTANTIATE_TEST_SUITE_P(Backend, SummaryStore, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test) { return std::string(test.param); });

TEST_P(SummaryStore, TheCompactFoldEqualsTheReferenceFold) {
    fill();
    expect_equal_under_filters();
}

// A store of the previous schema version (no contributions kept) is backfilled when opened.
TEST_P(SummaryStore, AnOlderStoreIsBackfilledWhenOpened) {
    fill();
    const auto before = reference({});
    store_.reset();
    if (postgresql()) {
        ASSERT_EQ(db_->exec_raw("DROP TABLE decision_summaries; DELETE FROM jointly_schema; "
                                "INSERT INTO jointly_schema (version, jointly, migrated_at) VALUES (1, 'x', 'y')"),
                  "");
    } else {
        ASSERT_EQ(db_->exec_raw("DROP TABLE decision_summaries; PRAGMA user_version = 2"), "");
    }
    store_ = Store::connect(db_->location());
    EXPECT_EQ(reference({}), before);
    expect_equal_under_filters();
}

// What the compact text keeps of a record that cannot be read, and its escaping.
TEST(SummaryContribution, UnreadableRecordsAndEscapedTextsRoundTrip) {
    DecisionRecord broken;
    broken.outcome = "approve";
    broken.response_json = "{not json";
    EXPECT_EQ(summary::encode_decision(broken), "!");
    summary::ContributionView c;
    EXPECT_FALSE(summary::decode_decision("!", c));
    EXPECT_FALSE(summary::decode_decision("", c));
    EXPECT_FALSE(summary::decode_decision("o\tapprove\tnot-pence\tunknown", c));
    EXPECT_EQ(summary::encode_panel(R"({"outcome": "mislaid"})"), "!");
    DecisionRecord d;
    d.outcome = "refer";
    d.created_at = "2025-06-01T10:00:00.000Z";
    d.request_json = R"({"lines": [{"id": "a", "service": "x\\y\tz"}]})";
    d.response_json = R"({"total": "-1.05", "referred_to": "a\nb", "by_agency": {"h": "-1.05"},
                          "by_financial_year": {}, "by_line": {"a": {"h": "-1.05"}}})";
    const auto text = summary::encode_decision(d);
    ASSERT_TRUE(summary::decode_decision(text, c));
    EXPECT_EQ(c.referred_to, "a\nb");
    ASSERT_EQ(c.services.size(), 1u);
    EXPECT_EQ(c.services[0], "x\\y\tz");
    EXPECT_EQ(c.total.in_pence(), -105);
}

// An escaped agency in a panel override is read back intact: its unescaped text lives in the
// view, not in the decoder's frame (ASan would report the read of a freed one).
TEST(SummaryContribution, AnOverridesEscapedAgencyOutlivesTheDecode) {
    const auto text = summary::encode_panel(
        R"({"outcome": "approved", "override": {"shares": {"a\\b\tc": "1.50", "plain": "0.25"}}})");
    summary::PanelView p;
    ASSERT_TRUE(summary::decode_panel(text, p));
    EXPECT_EQ(p.outcome, "approved");
    EXPECT_TRUE(p.overrides);
    ASSERT_EQ(p.shares.size(), 2u);
    std::vector<std::pair<std::string, std::int64_t>> shares;
    for (const auto& [agency, money] : p.shares) shares.emplace_back(std::string(agency), money.in_pence());
    std::sort(shares.begin(), shares.end());
    EXPECT_EQ(shares, (std::vector<std::pair<std::string, std::int64_t>>{{"a\\b\tc", 150}, {"plain", 25}}));
}

// Each line is split on its own: an empty line, a first field of more than one letter, a bad
// escape or a line before the outcome's is malformed; a text without a final newline is not.
TEST(SummaryContribution, MalformedLinesAreRefused) {
    summary::ContributionView c;
    ASSERT_TRUE(summary::decode_decision("o\tapprove\t100\t0-4", c));
    EXPECT_EQ(c.total.in_pence(), 100);
    EXPECT_EQ(c.age_band, "0-4");
    ASSERT_TRUE(summary::decode_decision("o\tapprove\t100\t0-4\na\th\t100\n", c));
    ASSERT_EQ(c.by_agency.size(), 1u);
    EXPECT_EQ(c.by_agency[0].first, "h");
    EXPECT_FALSE(summary::decode_decision("o\tapprove\t100\t0-4\n\na\th\t100", c));
    EXPECT_FALSE(summary::decode_decision("o\tapprove\t100\t0-4\nab\th\t100", c));
    EXPECT_FALSE(summary::decode_decision("o\tapprove\t100\t0-4\na\th\\x\t100", c));
    EXPECT_FALSE(summary::decode_decision("o\tapprove\t100\t0-4\na\th\\", c));
    EXPECT_FALSE(summary::decode_decision("a\th\t100\no\tapprove\t100\t0-4", c));
    EXPECT_FALSE(summary::decode_decision("o\tapprove\t100\t0-4\no\tapprove\t100\t0-4", c));
    summary::PanelView p;
    EXPECT_FALSE(summary::decode_panel("w\th\t100\no\tapproved", p));
    EXPECT_FALSE(summary::decode_panel("o\tapproved\nw\th\t100", p));  // a share without `v`
    ASSERT_TRUE(summary::decode_panel("o\tapproved\nv\nw\th\\tx\t100", p));
    ASSERT_EQ(p.shares.size(), 1u);
    EXPECT_EQ(p.shares[0].first, "h\tx");
}

}  // namespace
}  // namespace jointly::server
