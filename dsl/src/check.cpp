// The checker's entry points: one module (`check`) and a set of versions (`check_versions`).
#include "jointly/dsl/check.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "check_context.hpp"

namespace jointly::dsl {
namespace {

void sort_by_position(Diagnostics& diagnostics) {
    std::stable_sort(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                         return std::tie(a.span.line, a.span.column) <
                                std::tie(b.span.line, b.span.column);
                     });
}

Diagnostic make(Code code, const Module& m, std::string message, std::string help) {
    const CodeInfo& info = code_info(code);
    return Diagnostic{info.severity, std::string(info.code), std::move(message), m.file,
                      checker::pick(m.header.id.span, m.header.span), std::move(help)};
}

std::string range_text(const Header& h) {
    const std::string from = h.effective_from ? checker::date_text(*h.effective_from) : "the start";
    return h.effective_to ? from + " to " + checker::date_text(*h.effective_to) : "from " + from;
}

std::string file_of(const Module& m) { return m.file.empty() ? "<input>" : m.file; }

}  // namespace

Diagnostics check(const Module& module) {
    checker::Checker c(module);
    checker::collect_symbols(c);
    checker::check_header(c);
    checker::check_facts(c);
    checker::check_tables(c);
    checker::check_definitions(c);
    checker::check_rule_conditions(c);
    checker::check_rules(c);
    checker::check_windows(c);
    checker::check_outcomes(c);
    checker::check_placeholders(c);
    checker::check_pools(c);
    checker::check_static_rules(c);
    checker::check_usage(c);
    sort_by_position(c.out);
    return std::move(c.out);
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
                                        checker::date_less(*a.effective_to, *b.effective_from);
                const bool b_before_a = b.effective_to && a.effective_from &&
                                        checker::date_less(*b.effective_to, *a.effective_from);
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
