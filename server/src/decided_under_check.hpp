// Whether a policy text about to be served edits a version that stored decisions name under
// another text (docs/operations.md, "Policy versions").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "jointly/dsl/diagnostic.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/server/registry.hpp"
#include "jointly/server/store.hpp"

namespace jointly::server {

// One sentence for each of `policies` whose id and version have decisions in `recorded`
// (Store::decided_under()) but none under its text's sha256: it names the file, the id and
// version, both hashes and the fix. A version decided under several texts (an edit made
// before jointly kept the table) may serve any of them. Empty when none. Pure.
std::vector<std::string> edited_after_deciding(const std::vector<LoadedPolicy>& policies,
                                               const std::vector<DecidedUnder>& recorded);

// The same finding for one text, `program` read from `file`, as a diagnostic (E4231, an error
// at its version's text, naming the id and version and both hashes, the fix in its help):
// what POST /v1/policies/check says of a text whose upload would be refused for it. nullopt
// when the text may be served. Pure.
std::optional<dsl::Diagnostic> edited_after_deciding(const engine::Program& program, const std::string& file,
                                                     const std::vector<DecidedUnder>& recorded);

}  // namespace jointly::server
