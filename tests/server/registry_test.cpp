// The registry: picking the version in effect, cross-file version checks, uploads that are
// refused without touching the snapshot, and bearer tokens.
#include <gtest/gtest.h>

#include <filesystem>
#include <ostream>
#include <string>

#include "auth.hpp"  // server/src: private to the server library
#include "http_fixture.hpp"
#include "jointly/server/registry.hpp"
#include "jointly/server/store.hpp"

namespace jointly::testing {
namespace {

std::string reference_source() { return read_file(fs::path(JOINTLY_SOURCE_DIR) / "policies/reference/reference.jf"); }

std::string with_version(const std::string& version, const std::string& effective) {
    auto text = reference_source();
    text.replace(text.find("version \"2025.1\""), 16, "version \"" + version + "\"");
    text.replace(text.find("effective from 2025-04-01"), 25, effective);
    return text;
}

class RegistryTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = make_temp_dir("jointly-registry-");
        write_file(dir_ / "a/v2025.jf", with_version("2025.1", "effective 2025-04-01 to 2026-03-31"));
        write_file(dir_ / "b/v2026.jf", with_version("2026.1", "effective from 2026-04-01"));
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

struct Pick {
    const char* name;
    const char* version;  // "" = none
    const char* as_of;    // "" = none
    server::Selection::Status status;
    const char* chosen;   // expected version when Ok
    const char* message;  // substring of the message otherwise
};

// Test names and ctest names show the case's name, not its bytes.
void PrintTo(const Pick& p, std::ostream* os) { *os << p.name; }

class SelectTest : public RegistryTest, public ::testing::WithParamInterface<Pick> {};

TEST_P(SelectTest, PicksTheVersionInEffect) {
    const auto& p = GetParam();
    auto load = server::load_policies({dir_});
    ASSERT_TRUE(load.ok);
    server::Snapshot snapshot(load.policies, 1);
    std::optional<std::string> version;
    if (*p.version) version = p.version;
    std::optional<engine::Date> as_of;
    if (*p.as_of) as_of = engine::parse_date(p.as_of);
    auto s = snapshot.select("reference", version, as_of);
    EXPECT_EQ(s.status, p.status) << s.message;
    if (p.status == server::Selection::Status::Ok) {
        ASSERT_TRUE(s.program);
        EXPECT_EQ(s.program->version(), p.chosen);
    } else {
        EXPECT_FALSE(s.program);
        EXPECT_NE(s.message.find(p.message), std::string::npos) << s.message;
    }
}

using St = server::Selection::Status;
INSTANTIATE_TEST_SUITE_P(
    Versions, SelectTest,
    ::testing::Values(Pick{"first_day", "", "2025-04-01", St::Ok, "2025.1", ""},
                      Pick{"last_day", "", "2026-03-31", St::Ok, "2025.1", ""},
                      Pick{"next_version", "", "2026-04-01", St::Ok, "2026.1", ""},
                      Pick{"far_future", "", "2040-01-01", St::Ok, "2026.1", ""},
                      Pick{"before_any", "", "2025-03-31", St::NotInEffect, "",
                           "no version of policy `reference` is in effect on 2025-03-31"},
                      Pick{"named", "2026.1", "", St::Ok, "2026.1", ""},
                      Pick{"named_in_range", "2025.1", "2025-06-01", St::Ok, "2025.1", ""},
                      Pick{"named_out_of_range", "2025.1", "2026-06-01", St::NotInEffect, "", "is not in effect on 2026-06-01"},
                      Pick{"unknown_version", "1999", "", St::UnknownVersion, "", "no version `1999`"},
                      Pick{"need_as_of", "", "", St::NeedAsOf, "", "give `as_of`"}),
    [](const ::testing::TestParamInfo<Pick>& param_info) { return std::string(param_info.param.name); });

TEST_F(RegistryTest, UnknownPolicyNamesTheLoadedOnes) {
    auto load = server::load_policies({dir_});
    server::Snapshot snapshot(load.policies, 1);
    auto s = snapshot.select("northshire", std::nullopt, std::nullopt);
    EXPECT_EQ(s.status, St::UnknownPolicy);
    EXPECT_NE(s.message.find("(loaded: reference)"), std::string::npos) << s.message;
}

TEST_F(RegistryTest, OverlappingVersionsAcrossFilesAreALoadError) {
    write_file(dir_ / "c/overlap.jf", with_version("2025.2", "effective from 2026-01-01"));
    auto load = server::load_policies({dir_});
    EXPECT_FALSE(load.ok);
    bool found = false;
    for (const auto& f : load.files)
        for (const auto& d : f.diagnostics) found = found || d.code == dsl::Code::versions_overlap;
    EXPECT_TRUE(found);
    server::Registry registry(dir_);
    EXPECT_FALSE(registry.reload().ok);
    EXPECT_EQ(registry.snapshot()->policies().size(), 0u);
    EXPECT_EQ(registry.reload_failures(), 1u);
}

TEST_F(RegistryTest, UploadsAreCheckedAgainstTheVersionsInService) {
    const auto store = server::Store::open(dir_ / "store.db");
    server::Registry registry(dir_);
    registry.set_store(store.get());
    ASSERT_TRUE(registry.reload().ok);
    const auto before = registry.snapshot();
    const server::Uploader who{"author-x", "req-1"};
    auto overlap = registry.upload(with_version("2026.2", "effective from 2027-01-01"), "x.jf", who);
    EXPECT_EQ(overlap.status, server::UploadResult::Status::Invalid);
    auto duplicate = registry.upload(with_version("2026.1", "effective from 2026-04-01"), "y.jf", who);
    EXPECT_EQ(duplicate.status, server::UploadResult::Status::Duplicate);
    auto broken = registry.upload("policy", "z.jf", who);
    EXPECT_EQ(broken.status, server::UploadResult::Status::Invalid);
    EXPECT_FALSE(broken.report.diagnostics.empty());
    EXPECT_EQ(registry.snapshot(), before);  // the same snapshot object: nothing was swapped
    auto checked = registry.check(with_version("2024.1", "effective 2024-04-01 to 2025-03-31"), "w.jf");
    EXPECT_EQ(checked.status, server::UploadResult::Status::Checked);
    EXPECT_EQ(registry.snapshot(), before);
    EXPECT_TRUE(store->policies_after(0).empty());  // refused uploads and checks store nothing
    auto added = registry.upload(with_version("2024.1", "effective 2024-04-01 to 2025-03-31"), "w.jf", who);
    EXPECT_EQ(added.status, server::UploadResult::Status::Added);
    const auto first = registry.snapshot()->versions("reference").front();
    EXPECT_EQ(first->program->version(), "2024.1");
    ASSERT_TRUE(first->upload);
    EXPECT_EQ(first->upload->uploaded_by, "author-x");
    EXPECT_EQ(first->file, "uploaded:reference@2024.1");
    const auto stored = store->policies_after(0);
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0].file, "w.jf");
    EXPECT_EQ(stored[0].request_id, "req-1");
    EXPECT_EQ(stored[0].sha256, added.program->sha256());
    EXPECT_FALSE(fs::exists(dir_ / "uploaded"));  // nothing is written into the policy folder
    EXPECT_EQ(server::load_policies({dir_}).policies.size(), 2u);

    EXPECT_TRUE(registry.reload().ok);  // the stored upload loads with the folder's files
    const auto versions = registry.snapshot()->versions("reference");
    ASSERT_EQ(versions.size(), 3u);
    ASSERT_TRUE(versions.front()->upload);
    EXPECT_EQ(versions.front()->upload->seq, stored[0].seq);
    EXPECT_FALSE(versions.back()->upload);

    // a fresh registry on the same store (a restart) serves it too
    server::Registry restarted(dir_);
    restarted.set_store(store.get());
    ASSERT_TRUE(restarted.reload().ok);
    EXPECT_EQ(restarted.snapshot()->versions("reference").size(), 3u);
}

TEST_F(RegistryTest, WithoutAStoreUploadsAreRefused) {
    server::Registry registry(dir_);
    ASSERT_TRUE(registry.reload().ok);
    auto r = registry.upload(with_version("2024.1", "effective 2024-04-01 to 2025-03-31"), "w.jf", {"a", "r"});
    EXPECT_EQ(r.status, server::UploadResult::Status::StorageFailed);
    EXPECT_NE(r.message.find("no store"), std::string::npos) << r.message;
    EXPECT_EQ(registry.snapshot()->versions("reference").size(), 2u);
}

// Two replicas on one store, each with its own snapshot: an upload through B that overlaps a
// version A stored after B last read them is checked against A's version and refused, and B
// serves A's; one that does not overlap is stored after B has read A's. (Without the store's
// check, B would store the overlapping version and the replicas would serve different rules.)
TEST_F(RegistryTest, AnUploadIsCheckedAgainstVersionsAnotherReplicaStored) {
    const auto store = server::Store::open(dir_ / "store.db");
    server::Registry a(dir_);
    server::Registry b(dir_);
    a.set_store(store.get());
    b.set_store(store.get());
    ASSERT_TRUE(a.reload().ok);
    ASSERT_TRUE(b.reload().ok);
    ASSERT_EQ(a.upload(with_version("2024.1", "effective 2024-04-01 to 2025-03-31"), "a.jf", {"author-a", "r1"}).status,
              server::UploadResult::Status::Added);
    ASSERT_EQ(b.snapshot()->versions("reference").size(), 2u);  // B has not read it yet

    const auto overlap = b.upload(with_version("2024.2", "effective 2024-10-01 to 2025-03-31"), "b.jf", {"author-b", "r2"});
    EXPECT_EQ(overlap.status, server::UploadResult::Status::Invalid) << overlap.message;
    std::string messages;
    for (const auto& d : overlap.report.diagnostics) messages += d.message + "\n";
    EXPECT_NE(messages.find("uploaded:reference@2024.1"), std::string::npos) << messages;
    ASSERT_EQ(store->policies_after(0).size(), 1u);  // only A's
    const auto served = b.snapshot()->versions("reference");
    ASSERT_EQ(served.size(), 3u);
    EXPECT_EQ(served.front()->program->version(), "2024.1");

    const auto earlier = b.upload(with_version("2023.1", "effective 2023-04-01 to 2024-03-31"), "c.jf", {"author-b", "r3"});
    EXPECT_EQ(earlier.status, server::UploadResult::Status::Added) << earlier.message;
    EXPECT_EQ(store->policies_after(0).size(), 2u);
    // A's own next upload sees B's version first and is checked against it.
    const auto again = a.upload(with_version("2023.2", "effective 2023-06-01 to 2024-03-31"), "d.jf", {"author-a", "r4"});
    EXPECT_EQ(again.status, server::UploadResult::Status::Invalid) << again.message;
    EXPECT_EQ(a.snapshot()->versions("reference").size(), 4u);
}

// A folder file added later that overlaps a stored upload stops the reload, naming both.
TEST_F(RegistryTest, AFolderFileOverlappingAStoredUploadIsAReloadError) {
    const auto store = server::Store::open(dir_ / "store.db");
    server::Registry registry(dir_);
    registry.set_store(store.get());
    ASSERT_TRUE(registry.reload().ok);
    ASSERT_EQ(registry.upload(with_version("2024.1", "effective 2024-04-01 to 2025-03-31"), "w.jf", {"a", "r"}).status,
              server::UploadResult::Status::Added);
    write_file(dir_ / "c/v2024.jf", with_version("2024.9", "effective 2024-06-01 to 2025-03-31"));
    const auto result = registry.reload();
    EXPECT_FALSE(result.ok);
    std::string messages;
    for (const auto& f : result.files)
        for (const auto& d : f.diagnostics)
            if (d.code == dsl::Code::versions_overlap) messages += f.file + ": " + d.message + "\n";
    EXPECT_NE(messages.find("uploaded:reference@2024.1"), std::string::npos) << messages;
    EXPECT_NE(messages.find("v2024.jf"), std::string::npos) << messages;
    EXPECT_EQ(registry.snapshot()->versions("reference").size(), 3u);  // the snapshot in service is kept
}

// A reload that changes the text of a version in service is refused whole, naming the file,
// the id and version and both hashes; the set in service stays. Formatting changes the text
// too: any edit needs a new version.
TEST_F(RegistryTest, AReloadThatEditsAServedVersionIsRefused) {
    server::Registry registry(dir_);
    ASSERT_TRUE(registry.reload().ok);
    const auto before = registry.snapshot();
    const auto old_sha = registry.snapshot()->select("reference", std::string("2025.1"), std::nullopt).program->sha256();
    write_file(dir_ / "a/v2025.jf", with_version("2025.1", "effective 2025-04-01 to 2026-03-31") + "\n# edited\n");
    auto other = with_version("2025.1", "effective from 2025-04-01");
    other.replace(other.find("policy reference"), 16, "policy reference_copy");
    write_file(dir_ / "c/new.jf", other);
    const auto result = registry.reload();
    EXPECT_FALSE(result.ok);
    ASSERT_EQ(result.io_errors.size(), 1u);
    const auto& message = result.io_errors.front();
    EXPECT_NE(message.find("v2025.jf"), std::string::npos) << message;
    EXPECT_NE(message.find("policy `reference` version `2025.1`"), std::string::npos) << message;
    EXPECT_NE(message.find(old_sha), std::string::npos) << message;
    EXPECT_NE(message.find("give the edited policy a new version"), std::string::npos) << message;
    EXPECT_EQ(registry.snapshot(), before);  // nothing swapped, not even the new file
    EXPECT_EQ(registry.snapshot()->select("reference", std::string("2025.1"), std::nullopt).program->sha256(), old_sha);

    // Put back as it was, the reload goes through (with the new file).
    write_file(dir_ / "a/v2025.jf", with_version("2025.1", "effective 2025-04-01 to 2026-03-31"));
    EXPECT_TRUE(registry.reload().ok);
    EXPECT_EQ(registry.snapshot()->versions("reference_copy").size(), 1u);
}

TEST(Tokens, RolesNamesAndMalformedFiles) {
    auto tokens = server::Tokens::from_text(
        "# comment\nabcdefghijklmnop author\n\nqrstuvwxyz012345 panel chair-smith # trailing\n"
        "0123456789abcdef auditor\n",
        "t");
    EXPECT_TRUE(tokens.enabled());
    const auto author = tokens.principal_of("abcdefghijklmnop");
    ASSERT_TRUE(author);
    EXPECT_EQ(author->role, server::Role::Author);
    EXPECT_EQ(author->name, "author-2");  // ROLE-LINE when no name is given
    const auto panel = tokens.principal_of("qrstuvwxyz012345");
    ASSERT_TRUE(panel);
    EXPECT_EQ(panel->role, server::Role::Panel);
    EXPECT_EQ(panel->name, "chair-smith");
    EXPECT_EQ(tokens.principal_of("0123456789abcdef")->role, server::Role::Auditor);
    EXPECT_FALSE(tokens.principal_of("abcdefghijklmno"));
    EXPECT_FALSE(tokens.principal_of("abcdefghijklmnopq"));
    EXPECT_FALSE(tokens.principal_of(""));
    EXPECT_FALSE(server::Tokens().enabled());
    EXPECT_EQ(server::Tokens::from_text("abcdefghijklmnop admin dpo\n", "t").principal_of("abcdefghijklmnop")->role,
              server::Role::Admin);
    EXPECT_THROW(server::Tokens::from_text("abcdefghijklmnop superuser\n", "t"), std::runtime_error);
    EXPECT_THROW(server::Tokens::from_text("short client\n", "t"), std::runtime_error);
    EXPECT_THROW(server::Tokens::from_text("abcdefghijklmnop client name extra\n", "t"), std::runtime_error);
    EXPECT_THROW(server::Tokens::from_text("abcdefghijklmnop client a\nqrstuvwxyz012345 panel a\n", "t"),
                 std::runtime_error);  // a name twice
    EXPECT_THROW(server::Tokens::from_text("abcdefghijklmnop client\nabcdefghijklmnop panel\n", "t"),
                 std::runtime_error);  // a token twice
    EXPECT_THROW(server::Tokens::load("/nonexistent/tokens"), std::runtime_error);
}

// A tokens file that cannot be read says why; one with no token in it (empty, or comments
// only) is refused rather than start a server that refuses everybody.
TEST(Tokens, AnUnreadableOrEmptyFileIsRefusedAndSaysWhy) {
    const auto message = [](const std::filesystem::path& path) {
        try {
            server::Tokens::load(path);
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("(loaded)");
    };
    EXPECT_NE(message("/nonexistent/tokens").find("No such file or directory"), std::string::npos)
        << message("/nonexistent/tokens");
    const auto dir = make_temp_dir("jointly-tokens-");
    write_file(dir / "empty", "");
    write_file(dir / "comments", "# no tokens yet\n\n   # still none\n");
    write_file(dir / "one", "# one\nabcdefghijklmnop client\n");
    EXPECT_NE(message(dir / "empty").find("holds no token"), std::string::npos) << message(dir / "empty");
    EXPECT_NE(message(dir / "comments").find("holds no token"), std::string::npos);
    EXPECT_EQ(message(dir / "one"), "(loaded)");
    std::filesystem::remove_all(dir);
}

// A --db that was meant for a PostgreSQL server but is not a postgresql:// URL is refused,
// not opened as a SQLite file of that name (which would cut a replica off the shared store).
TEST(StoreConnect, AConnectionMeantForAServerIsNeverASqliteFile) {
    const auto dir = make_temp_dir("jointly-connect-");
    struct Back {
        std::filesystem::path to = std::filesystem::current_path();
        ~Back() { std::filesystem::current_path(to); }
    } back;
    std::filesystem::current_path(dir);
    for (const std::string db : {"host=127.0.0.1 port=5432 dbname=jointly user=jointly", "dbname=jointly",
                                 "POSTGRESQL://jointly@127.0.0.1/jointly", "postgresl://jointly@127.0.0.1/jointly",
                                 "mysql://jointly@127.0.0.1/jointly"}) {
        EXPECT_THROW(server::Store::connect(db, 1), server::StoreError) << db;
    }
    EXPECT_TRUE(std::filesystem::is_empty(dir)) << "no SQLite file was made";
    EXPECT_NO_THROW(server::Store::connect("plain.db", 1));
    EXPECT_TRUE(std::filesystem::exists(dir / "plain.db"));
}

}  // namespace
}  // namespace jointly::testing
