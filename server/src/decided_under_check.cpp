// Refusing a policy text edited under a version that stored decisions name
// (decided_under_check.hpp).
#include "decided_under_check.hpp"

#include <map>
#include <utility>

namespace jointly::server {

std::vector<std::string> edited_after_deciding(const std::vector<LoadedPolicy>& policies,
                                               const std::vector<DecidedUnder>& recorded) {
    std::map<std::pair<std::string, std::string>, std::vector<const DecidedUnder*>> by_version;
    for (const auto& r : recorded) by_version[{r.policy_id, r.policy_version}].push_back(&r);
    std::vector<std::string> out;
    for (const auto& p : policies) {
        const auto& program = *p.program;
        const auto found = by_version.find({program.id(), program.version()});
        if (found == by_version.end()) continue;
        std::string hashes;
        bool same = false;
        for (const DecidedUnder* r : found->second) {
            same = same || r->policy_sha256 == program.sha256();
            hashes += (hashes.empty() ? "" : ", ") + r->policy_sha256 + " (the first on " + r->first_decided_at + ")";
        }
        if (same) continue;
        out.push_back("`" + p.file + "`: policy `" + program.id() + "` version `" + program.version() +
                      "` has stored decisions under sha256 " + hashes + "; this text has sha256 " + program.sha256() +
                      ": a version's text must not change once decisions name it; put the text back, or give the "
                      "edited policy a new version (and its own effective dates)");
    }
    return out;
}

}  // namespace jointly::server
