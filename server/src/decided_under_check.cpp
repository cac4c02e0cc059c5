// Refusing a policy text edited under a version that stored decisions name
// (decided_under_check.hpp).
#include "decided_under_check.hpp"

#include <map>
#include <utility>

namespace jointly::server {
namespace {

using ByVersion = std::map<std::pair<std::string, std::string>, std::vector<const DecidedUnder*>>;

ByVersion by_version(const std::vector<DecidedUnder>& recorded) {
    ByVersion out;
    for (const auto& r : recorded) out[{r.policy_id, r.policy_version}].push_back(&r);
    return out;
}

// "policy `ID` version `V` has stored decisions under sha256 H (the first on T); this text has
// sha256 H'" when `program`'s id and version have decisions in `by` and none under its text;
// nullopt otherwise.
std::optional<std::string> other_texts(const engine::Program& program, const ByVersion& by) {
    const auto found = by.find({program.id(), program.version()});
    if (found == by.end()) return std::nullopt;
    std::string hashes;
    for (const DecidedUnder* r : found->second) {
        if (r->policy_sha256 == program.sha256()) return std::nullopt;
        hashes += (hashes.empty() ? "" : ", ") + r->policy_sha256 + " (the first on " + r->first_decided_at + ")";
    }
    return "policy `" + program.id() + "` version `" + program.version() + "` has stored decisions under sha256 " +
           hashes + "; this text has sha256 " + program.sha256();
}

constexpr const char* kMustNotChange = "a version's text must not change once decisions name it";

}  // namespace

std::vector<std::string> edited_after_deciding(const std::vector<LoadedPolicy>& policies,
                                               const std::vector<DecidedUnder>& recorded) {
    const auto by = by_version(recorded);
    std::vector<std::string> out;
    for (const auto& p : policies) {
        if (auto finding = other_texts(*p.program, by))
            out.push_back("`" + p.file + "`: " + *finding + ": " + kMustNotChange +
                          "; put the text back, or give the edited policy a new version (and its own effective dates)");
    }
    return out;
}

std::optional<dsl::Diagnostic> edited_after_deciding(const engine::Program& program, const std::string& file,
                                                     const std::vector<DecidedUnder>& recorded) {
    auto finding = other_texts(program, by_version(recorded));
    if (!finding) return std::nullopt;
    const auto& header = program.module().header;
    dsl::Diagnostic d;
    d.severity = dsl::Severity::Error;
    d.code = dsl::Code::decided_under_other_text;
    d.message = std::move(*finding);
    d.file = file;
    d.span = header.version_span.line != 0 ? header.version_span : header.span;
    d.help = std::string(kMustNotChange) + ": give this text a new version (and its own effective dates), or send the "
             "text the decisions were made under";
    return d;
}

}  // namespace jointly::server
