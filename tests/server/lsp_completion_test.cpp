// The tolerant scan completion works from (lsp_scan.hpp), against the parser's reserved words
// and the index of a parsed policy.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "jointly/dsl/parse.hpp"
#include "lexical.hpp"
#include "lsp_index.hpp"
#include "lsp_scan.hpp"

namespace jointly::testing {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<fs::path> policy_files() {
    std::vector<fs::path> out;
    for (const auto* dir : {"/tests/golden/parse", "/policies"})
        for (const auto& e : fs::recursive_directory_iterator(std::string(JOINTLY_SOURCE_DIR) + dir))
            if (e.path().extension() == ".jf") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

TEST(LspScan, ReservedWordsAreTheParsers) {
    std::set<std::string> parser;
    for (auto const* k = dsl::grammar::keywords_begin(); k != dsl::grammar::keywords_end(); ++k) {
        parser.emplace(*k);
        EXPECT_TRUE(server::lsp::is_reserved(*k)) << *k;
    }
    for (const auto* word : {"service", "group", "total", "per", "week", "health"})
        EXPECT_FALSE(server::lsp::is_reserved(word)) << word;
    EXPECT_EQ(parser.size(), 58U);
}

TEST(LspScan, FindsTheDeclarationsTheParserFinds) {
    // On every policy that parses, the tolerant scan finds the same names of the same kinds as
    // the index built from the parsed module.
    using server::lsp::DeclKind;
    std::size_t policies = 0;
    for (const auto& path : policy_files()) {
        const std::string text = slurp(path);
        const auto parsed = dsl::parse(text, path.string());
        if (!parsed.module) continue;
        ++policies;
        std::set<std::pair<std::string, std::string>> indexed;
        std::set<std::string> names;
        for (const auto& d : server::lsp::build_index(*parsed.module).declarations)
            if (d.kind != DeclKind::Policy && d.kind != DeclKind::Outcome && names.insert(d.name).second)
                indexed.emplace(server::lsp::kind_name(d.kind), d.name);
        std::set<std::pair<std::string, std::string>> scanned;
        for (const auto& d : server::lsp::scan_declarations(server::lsp::scan(text)))
            scanned.emplace(server::lsp::kind_name(d.kind), d.name);
        EXPECT_EQ(scanned, indexed) << path;
    }
    EXPECT_GT(policies, 50U);
}

}  // namespace
}  // namespace jointly::testing
