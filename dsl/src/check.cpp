// Checks over a set of modules (`check_versions`) and the diagnostics every stage shares
// (the time limit, memory). One module's meaning is worked out by engine::check.
#include "jointly/dsl/check.hpp"

#include <algorithm>
#include <map>
#include <new>
#include <string>
#include <tuple>
#include <vector>

#include "jointly/dsl/codes.hpp"
#include "jointly/dsl/print.hpp"

namespace jointly::dsl {
namespace {

const Span& pick(const Span& span, const Span& fallback) { return span.line > 0 ? span : fallback; }

Diagnostic make(Code code, const Module& m, std::string message, std::string help) {
    const CodeInfo& info = code_info(code);
    return Diagnostic{info.severity, info.id, std::move(message), m.file,
                      pick(m.header.id.span, m.header.span), std::move(help)};
}

std::string range_text(const Header& h) {
    const std::string from = h.effective_from ? date_text(*h.effective_from) : "the start";
    return h.effective_to ? from + " to " + date_text(*h.effective_to) : "from " + from;
}

std::string file_of(const Module& m) { return m.file.empty() ? "<input>" : m.file; }

}  // namespace

Diagnostic time_limit_diagnostic(const Limits& limits, std::string file, Span span) {
    const CodeInfo& info = code_info(Code::time_limit);
    const auto ms = limits.time_limit.count();
    const std::string amount = ms % 1000 == 0 ? std::to_string(ms / 1000) + " s"
                                              : std::to_string(ms) + " ms";
    return Diagnostic{info.severity, info.id,
                      "the policy took longer than " + amount + " to check; checking stopped",
                      std::move(file), span,
                      "a policy this costly is usually many rules on one service or a very long "
                      "condition: split it, or give the rules on one service exclusive conditions"};
}

Diagnostic out_of_memory_diagnostic(std::string file, Span span) {
    const CodeInfo& info = code_info(Code::out_of_memory);
    return Diagnostic{info.severity, info.id,
                      "memory ran out while checking the policy; checking stopped", std::move(file),
                      span,
                      "try again later; if it happens again, the policy is too large to check: "
                      "split it"};
}

Diagnostics check_versions(const std::vector<const Module*>& modules) {
    Diagnostics out;
    std::map<std::string, std::vector<const Module*>> by_id;
    for (const Module* m : modules) {
        if (m != nullptr) by_id[m->header.id.name].push_back(m);
    }
    for (const auto& [id, versions] : by_id) {
        for (std::size_t j = 1; j < versions.size(); ++j) {
            for (std::size_t i = 0; i < j; ++i) {
                const Header& a = versions[i]->header;
                const Header& b = versions[j]->header;
                if (a.version == b.version) {
                    out.push_back(make(Code::version_twice, *versions[j],
                                       "policy `" + id + "` version `" + b.version +
                                           "` is loaded twice",
                                       "also loaded from " + file_of(*versions[i]) +
                                           "; give the new text a new version"));
                    continue;
                }
                // Inclusive ranges [from, to]; an absent end is open.
                const bool a_before_b = a.effective_to && b.effective_from &&
                                        *a.effective_to < *b.effective_from;
                const bool b_before_a = b.effective_to && a.effective_from &&
                                        *b.effective_to < *a.effective_from;
                if (a_before_b || b_before_a) continue;
                out.push_back(make(Code::versions_overlap, *versions[j],
                                   "versions `" + a.version + "` (" + file_of(*versions[i]) +
                                       ") and `" + b.version + "` (" + file_of(*versions[j]) +
                                       ") of policy `" + id + "` are both in effect on some days",
                                   "`" + a.version + "` is in effect " + range_text(a) + ", `" +
                                       b.version + "` " + range_text(b) +
                                       "; end the older one the day before the newer one starts"));
            }
        }
    }
    return out;
}

}  // namespace jointly::dsl
