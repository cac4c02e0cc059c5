// Panel records: what a panel decided on a stored decision (POST /v1/decisions/{id}/panel).
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "jointly/engine/codes.hpp"
#include "jointly/engine/date.hpp"
#include "jointly/engine/money.hpp"
#include "jointly/server/codec.hpp"

namespace jointly::server {

using ojson = nlohmann::ordered_json;

std::string_view to_string(PanelOutcome outcome) {
    switch (outcome) {
        case PanelOutcome::Approved: return "approved";
        case PanelOutcome::Deferred: return "deferred";
        case PanelOutcome::Declined: return "declined";
        case PanelOutcome::Escalated: return "escalated";
    }
    return "approved";
}

std::optional<PanelOutcome> parse_panel_outcome(std::string_view text) {
    for (const PanelOutcome o : {PanelOutcome::Approved, PanelOutcome::Deferred, PanelOutcome::Declined,
                                 PanelOutcome::Escalated}) {
        if (to_string(o) == text) return o;
    }
    return std::nullopt;
}

PanelRecordResult decode_panel_record(const nlohmann::json& body, const ojson& decision) {
    PanelRecordResult result;
    std::vector<engine::EvalError>& errors = result.errors;
    auto add = [&](dsl::Code code, std::string path, std::string message) {
        errors.push_back({code, std::move(path), std::move(message), std::nullopt, {}});
    };
    if (!body.is_object()) {
        add(codes::kFieldType, "", "a panel record must be a JSON object");
        return result;
    }
    static const std::set<std::string> kKnown{"outcome", "date", "members", "notes", "override"};
    for (const auto& [key, value] : body.items())
        if (!kKnown.count(key))
            add(codes::kUnknownField, "/" + pointer_escape(key),
                "unknown field `" + key + "` (a panel record has outcome, date, members, notes, override)");
    ojson out = ojson::object();
    const auto outcome = body.value("outcome", nlohmann::json());
    const auto known = outcome.is_string() ? parse_panel_outcome(outcome.get_ref<const std::string&>()) : std::nullopt;
    if (!known) add(codes::kFieldType, "/outcome", "`outcome` must be approved, deferred, declined or escalated");
    out["outcome"] = known ? nlohmann::json(std::string(to_string(*known))) : outcome;
    const auto date = body.value("date", nlohmann::json());
    if (!date.is_string() || !engine::parse_date(date.get<std::string>()))
        add(codes::kDate, "/date", "`date` must be the panel's date `YYYY-MM-DD`");
    out["date"] = date;
    const auto members = body.value("members", nlohmann::json());
    if (!members.is_array() || members.empty()) {
        add(codes::kFieldType, "/members", "`members` must list the members present");
    } else {
        for (std::size_t i = 0; i < members.size(); ++i)
            if (!members[i].is_string() || members[i].get<std::string>().empty())
                add(codes::kFieldType, "/members/" + std::to_string(i), "a member must be a non-empty string");
    }
    out["members"] = members;
    const auto notes = body.value("notes", nlohmann::json(""));
    if (!notes.is_string()) add(codes::kFieldType, "/notes", "`notes` must be a string");
    out["notes"] = notes;
    if (auto it = body.find("override"); it != body.end() && !it->is_null()) {
        const auto& o = *it;
        ojson override_json = ojson::object();
        if (!o.is_object()) {
            add(codes::kFieldType, "/override", "`override` must be an object with `shares` and `reason`");
        } else {
            const auto reason = o.value("reason", nlohmann::json());
            if (!reason.is_string() || reason.get<std::string>().empty())
                add(codes::kMissingField, "/override/reason", "an override of the split needs a `reason`");
            const auto shares = o.value("shares", nlohmann::json());
            ojson shares_out = ojson::object();
            if (!shares.is_object() || shares.empty()) {
                add(codes::kMissingField, "/override/shares", "an override needs `shares`, an amount per agency");
            } else {
                const auto& agencies = decision.at("by_agency");
                const auto total = decision.at("total").get<std::string>();
                const auto rules_total = engine::parse_money(total).value_or(engine::Money{});
                // The money the rules left to the panel with no payer (lines or parts of lines no
                // rule covers, or two rules claim): an override may say who pays it too.
                engine::Money referred;
                if (const auto it_issues = decision.find("issues"); it_issues != decision.end() && it_issues->is_array())
                    for (const auto& issue : *it_issues)
                        if (issue.value("kind", "") == "uncovered" || issue.value("kind", "") == "conflict")
                            referred += engine::parse_money(issue.value("cost", "0.00")).value_or(engine::Money{});
                const engine::Money total_money = rules_total + referred;
                engine::Money sum;
                bool ok = true;
                for (const auto& [agency, amount] : shares.items()) {
                    const std::string path = "/override/shares/" + pointer_escape(agency);
                    if (!agencies.contains(agency)) {
                        add(codes::kFieldType, path, "`" + agency + "` is not an agency of the decision's policy");
                        ok = false;
                        continue;
                    }
                    std::string message;
                    auto money = json_money(amount, &message);
                    if (!money) {
                        add(codes::kMoney, path, message);
                        ok = false;
                        continue;
                    }
                    if (money->in_pence() < 0) {
                        add(engine::codes::kLineAmount, path, "a share must not be negative");
                        ok = false;
                        continue;
                    }
                    // No share exceeds the total, so the running sum cannot overflow.
                    if (*money > total_money) {
                        add(codes::kOverrideSum, path,
                            "a share of " + money->to_string() + " is more than the decision's total " + total +
                                (referred == engine::Money{} ? std::string()
                                                             : " and the " + referred.to_string() +
                                                                   " it referred to the panel with no payer"));
                        ok = false;
                        continue;
                    }
                    sum += *money;
                    shares_out[agency] = money->to_string();
                }
                if (ok && sum != rules_total && sum != total_money)
                    add(codes::kOverrideSum, "/override/shares",
                        "the shares sum to " + sum.to_string() + " but the decision's total is " + total +
                            (referred == engine::Money{}
                                 ? std::string()
                                 : ", or " + total_money.to_string() + " with the " + referred.to_string() +
                                       " of lines it referred to the panel with no payer (uncovered or in conflict)"));
            }
            override_json["shares"] = std::move(shares_out);
            override_json["reason"] = reason;
        }
        out["override"] = std::move(override_json);
    }
    if (errors.empty()) result.record = std::move(out);
    return result;
}

}  // namespace jointly::server
