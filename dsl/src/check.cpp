// Checks over a set of modules (`check_versions`) and the diagnostics every stage shares
// (the time limit, memory). One module's meaning is worked out by engine::check.
#include "jointly/dsl/check.hpp"

#include <algorithm>
#include <cstdint>
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

// Days since 1970-01-01 in the proleptic Gregorian calendar, and back.
std::int64_t day_number(const CivilDate& d) {
    const std::int64_t y = d.year - (d.month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t doy = (153 * ((d.month + 9) % 12) + 2) / 5 + d.day - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

CivilDate civil(std::int64_t days) {
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
    return CivilDate{static_cast<std::int32_t>(yoe + era * 400 + (month <= 2 ? 1 : 0)),
                     static_cast<std::int32_t>(month), static_cast<std::int32_t>(doy - (153 * mp + 2) / 5 + 1)};
}

// W2011 for the days between consecutive versions of one policy that no version covers, at
// the later version's `effective` clause. `versions` do not overlap (E2301 is checked first).
void check_gaps(const std::string& id, std::vector<const Module*> versions, Diagnostics& out) {
    std::erase_if(versions, [](const Module* m) { return !m->header.effective_from; });
    std::sort(versions.begin(), versions.end(), [](const Module* a, const Module* b) {
        return *a->header.effective_from < *b->header.effective_from;
    });
    for (std::size_t i = 1; i < versions.size(); ++i) {
        const Header& a = versions[i - 1]->header;
        const Header& b = versions[i]->header;
        if (!a.effective_to) continue;
        const std::int64_t first = day_number(*a.effective_to) + 1;
        const std::int64_t last = day_number(*b.effective_from) - 1;
        if (first > last) continue;
        const std::string days = first == last ? "on " + date_text(civil(first))
                                               : "from " + date_text(civil(first)) + " to " +
                                                     date_text(civil(last)) + " (" +
                                                     std::to_string(last - first + 1) + " days)";
        const CodeInfo& info = code_info(Code::version_gap);
        out.push_back(Diagnostic{
            info.severity, info.id,
            "no version of policy `" + id + "` is in effect " + days + ": `" + a.version + "` (" +
                file_of(*versions[i - 1]) + ") ends on " + date_text(*a.effective_to) + " and `" + b.version +
                "` starts on " + date_text(*b.effective_from),
            versions[i]->file, pick(b.effective_span, pick(b.id.span, b.span)),
            "both ends of `effective` are days in effect, so a request dated " +
                std::string(first == last ? "that day" : "in the gap") + " finds no version; end `" + a.version +
                "` `to " + date_text(civil(last)) + "`, the day before `" + b.version + "` starts, or start `" +
                b.version + "` on " + date_text(civil(first))});
    }
}

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
        const std::size_t errors = out.size();
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
        if (out.size() == errors) check_gaps(id, versions, out);
    }
    return out;
}

}  // namespace jointly::dsl
