// A policy text edited under a version that stored decisions name is never served, on each
// backend: a server started on it refuses to start, a reload (SIGHUP) that reads it is refused
// whole (also when the version was out of service in between, which the check against the
// set in service cannot see), an upload of it is refused and another replica's stored upload
// of it is left out, and POST /v1/policies/check says so. The unchanged text, or the edit
// under a new version, is served.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "http_fixture.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/server/http.hpp"
#include "jointly/server/registry.hpp"
#include "jointly/server/store.hpp"
#include "store_backends.hpp"

namespace jointly::testing {
namespace {

std::string reference_source() { return read_file(fs::path(JOINTLY_SOURCE_DIR) / "policies/reference/reference.jf"); }

// The reference policy as version `version` in effect `effective`, under id `id`.
std::string reference_as(const std::string& version, const std::string& effective, const std::string& id = "reference") {
    auto text = reference_source();
    text.replace(text.find("version \"2025.1\""), 16, "version \"" + version + "\"");
    text.replace(text.find("effective from 2025-04-01"), 25, effective);
    text.replace(text.find("policy reference"), 16, "policy " + id);
    return text;
}

std::string sha_of(const std::string& text) { return engine::compile(text, "x.jf").program->sha256(); }

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    return out;
}

class DecidedUnderServe : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        if (std::string(GetParam()) == "postgresql") {
            JOINTLY_REQUIRE_PG_CLUSTER();
            db_ = std::make_unique<server::testing::PgDatabase>(*server::testing::pg_cluster_url());
        } else {
            db_ = std::make_unique<server::testing::SqliteDatabase>();
        }
        dir_ = make_temp_dir("jointly-decided-under-");
        write_file(dir_ / "p/reference.jf", original_);
        write_file(dir_ / "p/copy.jf", reference_as("2025.1", "effective from 2025-04-01", "reference_copy"));
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
        db_.reset();
    }
    server::ServeOptions options() const {
        server::ServeOptions o;
        o.policies = dir_ / "p";
        o.db = db_->location();
        o.port = 0;
        o.insecure_dev = true;
        return o;
    }
    // Stores a decision under policy `reference` version `version` with text `sha`, as a
    // server serving that text would have.
    void decide_under(const std::string& version, const std::string& sha) {
        auto store = server::Store::connect(db_->location());
        auto r = server::testing::sample_decision("C-1", "approve");
        r.policy_version = version;
        r.policy_sha256 = sha;
        store->add_decision(r);
    }
    // Why ApiServer::create refused to start ("" when it started).
    std::string start_refusal() {
        try {
            server::ApiServer::create(options());
        } catch (const server::StartError& e) {
            return std::string(e.what()) + "\n" + joined(e.load.io_errors);
        }
        return "";
    }

    const std::string original_ = reference_as("2025.1", "effective from 2025-04-01");
    const std::string edited_ = original_ + "\n# edited in place\n";
    std::unique_ptr<server::testing::TestDatabase> db_;
    fs::path dir_;
};

INSTANTIATE_TEST_SUITE_P(Backend, DecidedUnderServe, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test) { return std::string(test.param); });

TEST_P(DecidedUnderServe, AServerStartedOnAnEditedVersionRefusesToStart) {
    decide_under("2025.1", sha_of(original_));
    EXPECT_EQ(start_refusal(), "");  // the text it decided under
    write_file(dir_ / "p/reference.jf", edited_);
    auto message = start_refusal();
    EXPECT_NE(message.find("change versions that stored decisions name"), std::string::npos) << message;
    EXPECT_NE(message.find("reference.jf`: policy `reference` version `2025.1`"), std::string::npos) << message;
    EXPECT_NE(message.find(sha_of(original_)), std::string::npos) << message;
    EXPECT_NE(message.find(sha_of(edited_)), std::string::npos) << message;
    EXPECT_NE(message.find("put the text back, or give the edited policy a new version"), std::string::npos)
        << message;
    EXPECT_EQ(message.find("reference_copy"), std::string::npos) << message;  // unchanged: not named

    // With an upload in the store the start loads the folder and the uploads together: the
    // same refusal.
    {
        auto store = server::Store::connect(db_->location());
        server::StoredPolicy upload;
        upload.policy_id = "uploaded_one";
        upload.version = "2025.1";
        upload.source = reference_as("2025.1", "effective from 2025-04-01", "uploaded_one");
        upload.sha256 = sha_of(upload.source);
        upload.file = "upload.jf";
        upload.uploaded_by = "author";
        upload.request_id = "req-1";
        ASSERT_TRUE(store->add_policy(upload).added);
    }
    message = start_refusal();
    EXPECT_NE(message.find("do not load together"), std::string::npos) << message;
    EXPECT_NE(message.find("put the text back, or give the edited policy a new version"), std::string::npos)
        << message;

    // The text put back starts; so does the edit under a new version.
    write_file(dir_ / "p/reference.jf", original_);
    EXPECT_EQ(start_refusal(), "");
    write_file(dir_ / "p/reference.jf", reference_as("2025.2", "effective from 2025-04-01") + "\n# edited\n");
    EXPECT_EQ(start_refusal(), "");
}

TEST_P(DecidedUnderServe, AReloadOfAnEditedVersionIsRefusedWhole) {
    decide_under("2025.1", sha_of(original_));
    auto server = server::ApiServer::create(options());
    // Edited while in service: refused (the check against the set in service says so too).
    write_file(dir_ / "p/reference.jf", edited_);
    auto result = server->reload();
    EXPECT_FALSE(result.ok);
    EXPECT_NE(joined(result.io_errors).find("put the text back"), std::string::npos) << joined(result.io_errors);
    // Taken out of service, then put back edited: only the store remembers.
    fs::remove(dir_ / "p/reference.jf");
    ASSERT_TRUE(server->reload().ok) << joined(server->reload().io_errors);
    write_file(dir_ / "p/reference.jf", edited_);
    write_file(dir_ / "p/more.jf", reference_as("2025.1", "effective from 2025-04-01", "reference_more"));
    result = server->reload();
    EXPECT_FALSE(result.ok);
    ASSERT_EQ(result.io_errors.size(), 1u) << joined(result.io_errors);
    const auto& message = result.io_errors.front();
    EXPECT_NE(message.find("reference.jf`: policy `reference` version `2025.1`"), std::string::npos) << message;
    EXPECT_NE(message.find(sha_of(original_)), std::string::npos) << message;
    EXPECT_NE(message.find(sha_of(edited_)), std::string::npos) << message;
    EXPECT_NE(message.find("put the text back, or give the edited policy a new version"), std::string::npos)
        << message;
    // Put back, the reload goes through (with the other new file).
    write_file(dir_ / "p/reference.jf", original_);
    result = server->reload();
    EXPECT_TRUE(result.ok) << joined(result.io_errors);
    EXPECT_EQ(result.policies.size(), 3u);
}

TEST_P(DecidedUnderServe, AnUploadOrAnotherReplicasStoredUploadOfAnEditedVersionIsRefused) {
    const auto older = reference_as("2024.1", "effective 2024-04-01 to 2025-03-31");
    decide_under("2025.1", sha_of(original_));
    decide_under("2024.1", sha_of(older));
    fs::remove(dir_ / "p/reference.jf");  // served by a replica once, since taken out
    auto store = server::Store::connect(db_->location());
    server::Registry registry(dir_ / "p");
    registry.set_store(store.get());
    ASSERT_TRUE(registry.reload().ok);

    const auto refused = registry.upload(edited_, "edited.jf", {"author", "req-1"});
    EXPECT_EQ(refused.status, server::UploadResult::Status::Duplicate);  // answered 409
    EXPECT_NE(refused.message.find("policy `reference` version `2025.1`"), std::string::npos) << refused.message;
    EXPECT_NE(refused.message.find(sha_of(original_)), std::string::npos) << refused.message;
    EXPECT_TRUE(store->policies_after(0).empty());  // nothing stored

    // Stored by a replica that did not check (an older jointly): left out by the refresher.
    server::StoredPolicy stored;
    stored.policy_id = "reference";
    stored.version = "2024.1";
    stored.source = older + "\n# edited in place\n";
    stored.sha256 = sha_of(stored.source);
    stored.file = "older.jf";
    stored.uploaded_by = "author";
    stored.request_id = "req-2";
    ASSERT_TRUE(store->add_policy(stored).added);
    const auto failures = registry.reload_stats().failures;
    EXPECT_EQ(registry.refresh(), 0u);
    EXPECT_EQ(registry.reload_stats().failures, failures + 1);
    EXPECT_TRUE(registry.snapshot()->versions("reference").empty());

    // The text decided under is uploaded.
    EXPECT_EQ(registry.upload(original_, "reference.jf", {"author", "req-3"}).status,
              server::UploadResult::Status::Added);
}

// POST /v1/policies/check says what an upload would be refused for: a text whose id and
// version have stored decisions, none under it, is the error E4231 at its version (422),
// naming the id, the version, both hashes and the fix. The text decided under, and the edit
// under a new version, check clean.
TEST_P(DecidedUnderServe, ACheckOfAnEditedVersionSaysItsUploadWouldBeRefused) {
    decide_under("2025.1", sha_of(original_));
    fs::remove(dir_ / "p/reference.jf");  // served once, since taken out: only the store remembers
    TestServer s([&](server::ServeOptions& o) {
        o.policies = dir_ / "p";
        o.db = db_->location();
    });
    auto c = s.client();
    const auto check = [&c](const std::string& text) {
        return c.Post("/v1/policies/check", bearer(kClientToken), text, "text/plain");
    };
    const auto r = check(edited_);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 422) << r->body;
    const auto error = body_of(r)["error"];
    EXPECT_EQ(error["code"], "policy_invalid");
    nlohmann::json found;
    for (const auto& d : error["diagnostics"])
        if (d["code"] == "E4231") found = d;
    ASSERT_FALSE(found.is_null()) << r->body;
    EXPECT_EQ(found["severity"], "error");
    EXPECT_EQ(found["file"], "upload.jf");
    // At `"2025.1"` in `  version "2025.1"`.
    const auto at = edited_.find("\"2025.1\"");
    const auto line_start = edited_.rfind('\n', at) + 1;
    EXPECT_EQ(found["line"], std::count(edited_.begin(), edited_.begin() + static_cast<std::ptrdiff_t>(at), '\n') + 1);
    EXPECT_EQ(found["column"], at - line_start + 1);
    const auto message = found["message"].get<std::string>();
    EXPECT_NE(message.find("policy `reference` version `2025.1` has stored decisions under sha256 " +
                           sha_of(original_) + " (the first on "),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("this text has sha256 " + sha_of(edited_)), std::string::npos) << message;
    EXPECT_NE(found["help"].get<std::string>().find("give this text a new version"), std::string::npos) << found;
    ASSERT_EQ(error["details"].size(), 1u) << r->body;
    EXPECT_EQ(error["details"][0]["code"], "E4231");
    EXPECT_EQ(error["details"][0]["path"], "/source");
    // The upload is refused as the check said.
    EXPECT_EQ(c.Post("/v1/policies", bearer(kAuthorToken), edited_, "text/plain")->status, 409);

    const auto same = check(original_);
    EXPECT_EQ(same->status, 200) << same->body;
    const auto renamed = check(reference_as("2025.2", "effective from 2025-04-01") + "\n# edited\n");
    EXPECT_EQ(renamed->status, 200) << renamed->body;
}

// docs/diagnostics.md's example of E4231 is what the check says: its policy, checked after a
// decision was stored under its id and version with another text, renders as the section shows
// (the time of the first decision aside).
TEST(DecidedUnderDoc, TheExampleOfE4231IsWhatTheCheckSays) {
    const auto doc = read_file(fs::path(JOINTLY_SOURCE_DIR) / "docs/diagnostics.md");
    const auto section = doc.find("\n## E4231 ");
    ASSERT_NE(section, std::string::npos) << "docs/diagnostics.md has no E4231 section";
    const auto block = [&doc](const std::string& fence, std::size_t from) {
        const auto begin = doc.find("\n```" + fence + "\n", from);
        if (begin == std::string::npos) return std::string();
        const auto body = begin + fence.size() + 5;
        return doc.substr(body, doc.find("\n```\n", body) + 1 - body);
    };
    const auto policy = block("jointly", section);
    const auto shown = block("text", section);
    ASSERT_FALSE(policy.empty());
    ASSERT_FALSE(shown.empty());
    constexpr const char* kShownTime = "2025-06-01T09:12:44.120Z";
    ASSERT_NE(shown.find(kShownTime), std::string::npos) << shown;

    TestServer s;
    std::string first;
    {
        auto store = server::Store::connect(s.options.db.string());
        auto r = server::testing::sample_decision("C-1", "approve");
        r.policy_id = "demo";
        r.policy_version = "1";
        r.policy_sha256 = sha_of(policy + "# the text decided under\n");
        first = store->add_decision(r);
    }
    const auto r = s.client().Post("/v1/policies/check", bearer(kClientToken), policy, "text/plain");
    ASSERT_EQ(r->status, 422) << r->body;
    auto rendered = body_of(r)["error"]["rendered"].get<std::string>();
    rendered.replace(rendered.find(first), first.size(), kShownTime);
    EXPECT_EQ(rendered, shown);
}

}  // namespace
}  // namespace jointly::testing
