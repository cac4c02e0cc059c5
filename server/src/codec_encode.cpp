// Decisions, errors, diagnostics and reconciliations as JSON; the depth-limited body parser.
#include <string>

#include "jointly/server/codec.hpp"

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;

ojson amounts(const engine::AgencyAmounts& list) {
    ojson out = ojson::object();
    for (const auto& [agency, money] : list) out[agency] = money.to_string();
    return out;
}

ojson date_or_null(const std::optional<engine::Date>& d) {
    return d ? ojson(d->to_string()) : ojson(nullptr);
}

const char* severity_name(dsl::Severity s) {
    switch (s) {
        case dsl::Severity::Error: return "error";
        case dsl::Severity::Warning: return "warning";
        case dsl::Severity::Note: return "note";
    }
    return "error";
}

}  // namespace

ojson encode_decision_ordered(const engine::Decision& d) {
    ojson out = ojson::object();
    out["policy"] = {{"id", d.policy_id}, {"version", d.policy_version}, {"sha256", d.policy_sha256}};
    out["engine"] = d.engine;
    out["as_of"] = date_or_null(d.as_of);
    out["case_ref"] = d.case_ref;
    out["outcome"] = engine::to_string(d.outcome);
    if (d.outcome == engine::Outcome::Refer) out["referred_to"] = d.referred_to;
    out["outcome_reasons"] = d.outcome_reasons;
    ojson eligibility = ojson::object();
    for (const auto& e : d.eligibility) eligibility[e.name] = {{"met", e.met}, {"reason", e.reason}};
    out["eligibility"] = std::move(eligibility);
    out["total"] = d.total.to_string();
    out["by_agency"] = amounts(d.by_agency);
    ojson years = ojson::object();
    for (const auto& [year, list] : d.by_financial_year) years[year] = amounts(list);
    out["by_financial_year"] = std::move(years);
    ojson lines = ojson::object();
    for (const auto& [line, list] : d.by_line) lines[line] = amounts(list);
    out["by_line"] = std::move(lines);
    ojson allocations = ojson::array();
    for (const auto& a : d.allocations) {
        allocations.push_back({{"line", a.line},
                               {"from", a.from.to_string()},
                               {"to", a.to.to_string()},
                               {"days", a.days},
                               {"cost", a.cost.to_string()},
                               {"rule", a.rule},
                               {"ref", a.ref},
                               {"shares", amounts(a.shares)},
                               {"reason", a.reason}});
    }
    out["allocations"] = std::move(allocations);
    ojson issues = ojson::array();
    for (const auto& i : d.issues) {
        issues.push_back({{"kind", engine::to_string(i.kind)},
                          {"line", i.line},
                          {"from", i.from.to_string()},
                          {"to", i.to.to_string()},
                          {"cost", i.cost.to_string()},
                          {"rules", i.rules},
                          {"message", i.message}});
    }
    out["issues"] = std::move(issues);
    out["explanation"] = d.explanation;
    if (!d.trace.empty()) {
        ojson trace = ojson::array();
        for (const auto& t : d.trace)
            trace.push_back({{"subject", t.subject}, {"rule", t.rule}, {"applied", t.applied}, {"detail", t.detail}});
        out["trace"] = std::move(trace);
    }
    return out;
}

nlohmann::json encode_decision(const engine::Decision& decision) {
    return nlohmann::json(encode_decision_ordered(decision));
}

nlohmann::json encode_errors(const std::string& code, const std::string& message,
                             const std::vector<engine::EvalError>& details) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& d : details) {
        nlohmann::json item{{"path", d.path}, {"message", d.message}, {"code", d.code}};
        if (d.policy_span)
            item["policy_span"] = {{"line", d.policy_span->line}, {"column", d.policy_span->column}};
        list.push_back(std::move(item));
    }
    return {{"error", {{"code", code}, {"message", message}, {"details", std::move(list)}}}};
}

nlohmann::json encode_diagnostics(const dsl::Diagnostics& diagnostics) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : diagnostics) {
        out.push_back({{"severity", severity_name(d.severity)},
                       {"code", d.code},
                       {"message", d.message},
                       {"file", d.file},
                       {"line", d.span.line},
                       {"column", d.span.column},
                       {"end_line", d.span.end_line},
                       {"end_column", d.span.end_column},
                       {"help", d.help}});
    }
    return out;
}

ojson encode_reconciliation_ordered(const engine::PoolReconciliation& r) {
    ojson out = ojson::object();
    out["pool"] = r.pool;
    out["budget"] = r.budget.to_string();
    out["spend"] = r.spend.to_string();
    out["overspend"] = r.overspend.to_string();
    out["underspend"] = r.underspend.to_string();
    out["contributions"] = amounts(r.contributions);
    out["overspend_shares"] = amounts(r.overspend_shares);
    out["underspend_returned"] = amounts(r.underspend_returned);
    out["carried_forward"] = r.carried_forward.to_string();
    out["provisional"] = r.provisional;
    out["tolerance_exceeded"] = r.tolerance_exceeded;
    out["tolerance"] = r.tolerance ? ojson(r.tolerance->to_string()) : ojson(nullptr);
    out["notes"] = r.notes;
    return out;
}

nlohmann::json encode_reconciliation(const engine::PoolReconciliation& reconciliation) {
    return nlohmann::json(encode_reconciliation_ordered(reconciliation));
}

ParsedJson parse_json(std::string_view text, std::size_t max_depth) {
    ParsedJson result;
    // Depth check on the raw text: brackets outside strings.
    std::size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) {
                result.error = {codes::kTooDeep, "",
                                "the JSON is nested deeper than " + std::to_string(max_depth) + " levels",
                                std::nullopt};
                return result;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    try {
        result.value = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::parse_error& e) {
        std::string what = e.what();
        // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." -> after "] "
        const auto bracket = what.find("] ");
        if (bracket != std::string::npos) what = what.substr(bracket + 2);
        result.error = {codes::kBadJson, "", "the body is not valid JSON: " + what, std::nullopt};
    } catch (const std::exception& e) {
        result.error = {codes::kBadJson, "", std::string("the body is not valid JSON: ") + e.what(), std::nullopt};
    }
    return result;
}

}  // namespace jointly::server
