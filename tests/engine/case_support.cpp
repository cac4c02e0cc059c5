#include "case_support.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "jointly/dsl/diagnostic.hpp"
#include "jointly/engine/date.hpp"
#include "jointly/engine/money.hpp"
#include "jointly/server/codec.hpp"

namespace jointly::testing {
namespace {

using engine::Money;

std::optional<Money> money_of(const nlohmann::json& j) {
    if (j.is_string()) return engine::parse_money(j.get<std::string>());
    if (j.is_number_integer()) return Money::pence(j.get<std::int64_t>() * 100);
    return std::nullopt;
}

Money money_or(const nlohmann::json& j, const std::string& what, std::vector<std::string>& problems) {
    const auto m = money_of(j);
    if (!m) problems.push_back(what + ": not money: " + j.dump());
    return m.value_or(Money());
}

engine::Date date_or(const nlohmann::json& j, const std::string& what, std::vector<std::string>& problems) {
    const auto d = j.is_string() ? engine::parse_date(j.get<std::string>()) : std::nullopt;
    if (!d) problems.push_back(what + ": not a date: " + j.dump());
    return d.value_or(engine::Date());
}

int level_of(const engine::FactInfo& f, const std::string& name, std::vector<std::string>& problems) {
    const auto it = std::find(f.levels.begin(), f.levels.end(), name);
    if (it == f.levels.end()) {
        problems.push_back("fact " + f.name + ": unknown level " + name);
        return 0;
    }
    return static_cast<int>(it - f.levels.begin());
}

std::optional<engine::Value> fact_value(const engine::FactInfo& f, const nlohmann::json& j,
                                        std::vector<std::string>& problems) {
    switch (f.type) {
        case dsl::TypeKind::Bool: return engine::Value(j.get<bool>());
        case dsl::TypeKind::Whole: return engine::Value(j.get<std::int64_t>());
        case dsl::TypeKind::Decimal: {
            const auto r = j.is_string() ? engine::parse_decimal(j.get<std::string>())
                                         : std::optional<engine::Ratio>(engine::Ratio::whole(j.get<std::int64_t>()));
            if (r) return engine::Value(*r);
            break;
        }
        case dsl::TypeKind::Money: return engine::Value(money_or(j, f.name, problems));
        case dsl::TypeKind::Date: return engine::Value(date_or(j, f.name, problems));
        case dsl::TypeKind::Text:
        case dsl::TypeKind::Agency: return engine::Value(j.get<std::string>());
        case dsl::TypeKind::Level: return engine::Value(engine::Level{level_of(f, j.get<std::string>(), problems)});
        case dsl::TypeKind::LevelMap: {
            engine::LevelMap map;
            for (const auto& [key, level] : j.items()) map[key] = engine::Level{level_of(f, level.get<std::string>(), problems)};
            return engine::Value(std::move(map));
        }
        case dsl::TypeKind::TextList: return engine::Value(j.get<engine::TextList>());
    }
    problems.push_back("fact " + f.name + ": cannot read " + j.dump());
    return std::nullopt;
}

Money amount_in(const nlohmann::json& map, const std::string& id) {
    if (!map.is_object() || !map.contains(id)) return Money();
    return money_of(map[id]).value_or(Money::pence(-999999999));
}

Money amount_in(const engine::AgencyAmounts& amounts, const std::string& id) {
    for (const auto& [agency, m] : amounts) {
        if (agency == id) return m;
    }
    return Money();
}

// Compares two agency maps where a missing agency means zero.
void compare_amounts(const std::string& where, const engine::AgencyAmounts& got, const nlohmann::json& want,
                     std::vector<std::string>& out) {
    std::vector<std::string> ids;
    for (const auto& [id, m] : got) ids.push_back(id);
    if (want.is_object()) {
        for (const auto& [id, m] : want.items()) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (const std::string& id : ids) {
        const Money g = amount_in(got, id);
        const Money w = amount_in(want, id);
        if (g != w) out.push_back(where + "." + id + ": got " + g.to_string() + ", want " + w.to_string());
    }
}

std::string str(const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

}  // namespace

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

nlohmann::json read_json(const std::filesystem::path& path) {
    // As `jointly test` and the API read them: a repeated key or deep nesting is an error.
    auto parsed = server::parse_json(read_text(path));
    if (!parsed.value)
        throw std::runtime_error(path.string() + ": " + parsed.error.message +
                                 (parsed.error.path.empty() ? std::string() : " at " + parsed.error.path));
    return std::move(*parsed.value);
}

std::shared_ptr<const engine::Program> compile_file(const std::filesystem::path& path, std::string& problems) {
    const std::string source = read_text(path);
    engine::CheckResult r = engine::compile(source, path.filename().string());
    for (const dsl::Diagnostic& d : r.diagnostics) {
        if (d.severity == dsl::Severity::Error) problems += dsl::render(d, source) + "\n";
    }
    return r.program;
}

engine::Request decode_request(const nlohmann::json& body, const engine::Schema& schema,
                               std::vector<std::string>& problems) {
    engine::Request r;
    if (body.contains("as_of")) r.as_of = date_or(body["as_of"], "as_of", problems);
    r.case_ref = str(body, "case_ref");
    if (body.contains("facts")) {
        for (const auto& [name, value] : body["facts"].items()) {
            const auto& facts = schema.facts;
            const std::string& key = name;  // a structured binding cannot be captured (C++20, clang)
            const auto it = std::find_if(facts.begin(), facts.end(), [&](const auto& f) { return f.name == key; });
            if (it == facts.end()) {
                // Let the engine report it: pass it through as text.
                r.facts[name] = engine::Value(value.dump());
                continue;
            }
            if (auto v = fact_value(*it, value, problems)) r.facts[name] = std::move(*v);
        }
    }
    if (body.contains("events")) {
        for (const auto& [name, value] : body["events"].items()) {
            auto& dates = r.events[name];
            if (!value.is_array()) dates.push_back(date_or(value, "events/" + name, problems));
            for (std::size_t k = 0; value.is_array() && k < value.size(); ++k) {
                dates.push_back(date_or(value[k], "events/" + name + "/" + std::to_string(k), problems));
            }
        }
    }
    if (body.contains("lines")) {
        for (const auto& l : body["lines"]) {
            engine::Line line;
            line.id = str(l, "id");
            line.service = str(l, "service");
            if (l.contains("amount")) {
                line.kind = engine::LineKind::OneOff;
                line.amount = money_or(l["amount"], line.id + "/amount", problems);
                line.date = date_or(l.value("date", nlohmann::json()), line.id + "/date", problems);
            } else {
                line.kind = l.contains("hourly") ? engine::LineKind::Hourly : engine::LineKind::Weekly;
                if (l.contains("weekly")) line.weekly = money_or(l["weekly"], line.id + "/weekly", problems);
                if (l.contains("hourly")) {
                    line.hourly = money_or(l["hourly"], line.id + "/hourly", problems);
                    const auto& h = l["hours_per_week"];
                    const auto hours = h.is_string() ? engine::parse_decimal(h.get<std::string>())
                                                     : std::optional<engine::Ratio>(engine::Ratio::whole(h.get<std::int64_t>()));
                    if (!hours) problems.push_back(line.id + "/hours_per_week: not a number");
                    line.hours_per_week = hours.value_or(engine::Ratio());
                }
                line.start = date_or(l.value("start", nlohmann::json()), line.id + "/start", problems);
                line.end = date_or(l.value("end", nlohmann::json()), line.id + "/end", problems);
            }
            r.lines.push_back(std::move(line));
        }
    }
    return r;
}

std::vector<std::string> compare_decision(const engine::Decision& d, const nlohmann::json& e) {
    std::vector<std::string> out;
    if (e.contains("outcome") && e["outcome"] != engine::to_string(d.outcome)) {
        out.push_back(std::string("outcome: got ") + engine::to_string(d.outcome) + ", want " + e["outcome"].dump());
    }
    if (e.contains("referred_to") && e["referred_to"] != d.referred_to) {
        out.push_back("referred_to: got \"" + d.referred_to + "\", want " + e["referred_to"].dump());
    }
    if (!e.contains("referred_to") && !d.referred_to.empty() && e.contains("outcome") && e["outcome"] != "refer") {
        out.push_back("referred_to: got \"" + d.referred_to + "\", want none");
    }
    if (e.contains("total")) {
        const Money want = money_of(e["total"]).value_or(Money());
        if (d.total != want) out.push_back("total: got " + d.total.to_string() + ", want " + want.to_string());
    }
    if (e.contains("by_agency")) compare_amounts("by_agency", d.by_agency, e["by_agency"], out);
    if (e.contains("by_agency_group")) compare_amounts("by_agency_group", d.by_agency_group, e["by_agency_group"], out);
    if (e.contains("by_financial_year")) {
        std::vector<std::string> years;
        for (const auto& [y, m] : d.by_financial_year) years.push_back(y);
        for (const auto& [y, m] : e["by_financial_year"].items()) years.push_back(y);
        std::sort(years.begin(), years.end());
        years.erase(std::unique(years.begin(), years.end()), years.end());
        for (const std::string& y : years) {
            const auto it = d.by_financial_year.find(y);
            const engine::AgencyAmounts none;
            const nlohmann::json want = e["by_financial_year"].value(y, nlohmann::json::object());
            compare_amounts("by_financial_year." + y, it == d.by_financial_year.end() ? none : it->second, want, out);
        }
    }
    if (e.contains("allocations")) {
        const auto& want = e["allocations"];
        if (want.size() != d.allocations.size()) {
            out.push_back("allocations: got " + std::to_string(d.allocations.size()) + ", want " +
                          std::to_string(want.size()));
        }
        for (std::size_t i = 0; i < std::min<std::size_t>(want.size(), d.allocations.size()); ++i) {
            const engine::Allocation& a = d.allocations[i];
            const auto& w = want[i];
            const std::string at = "allocations[" + std::to_string(i) + "].";
            if (str(w, "line") != a.line) out.push_back(at + "line: got " + a.line + ", want " + str(w, "line"));
            if (str(w, "from") != a.from.to_string()) out.push_back(at + "from: got " + a.from.to_string() + ", want " + str(w, "from"));
            if (str(w, "to") != a.to.to_string()) out.push_back(at + "to: got " + a.to.to_string() + ", want " + str(w, "to"));
            if (w.contains("days") && w["days"].get<std::int64_t>() != a.days) {
                out.push_back(at + "days: got " + std::to_string(a.days) + ", want " + w["days"].dump());
            }
            if (w.contains("cost") && money_of(w["cost"]) != a.cost) {
                out.push_back(at + "cost: got " + a.cost.to_string() + ", want " + w["cost"].dump());
            }
            if (str(w, "rule") != a.rule) out.push_back(at + "rule: got " + a.rule + ", want " + str(w, "rule"));
            if (w.contains("shares")) compare_amounts(at + "shares", a.shares, w["shares"], out);
        }
    }
    if (e.contains("issues")) {
        const auto& want = e["issues"];
        if (want.size() != d.issues.size()) {
            out.push_back("issues: got " + std::to_string(d.issues.size()) + ", want " + std::to_string(want.size()));
        }
        for (std::size_t i = 0; i < std::min<std::size_t>(want.size(), d.issues.size()); ++i) {
            const engine::Issue& is = d.issues[i];
            const std::string at = "issues[" + std::to_string(i) + "].";
            if (str(want[i], "kind") != engine::to_string(is.kind)) {
                out.push_back(at + "kind: got " + engine::to_string(is.kind) + ", want " + str(want[i], "kind"));
            }
            if (str(want[i], "line") != is.line) out.push_back(at + "line: got " + is.line + ", want " + str(want[i], "line"));
        }
    }
    if (e.contains("reasons")) {
        for (const auto& r : e["reasons"]) {
            // As `jointly test` reads it: the outcome reasons, the explanation, each allocation's
            // reason and each issue's message.
            const std::string needle = r.get<std::string>();
            std::vector<std::string_view> texts;
            for (const std::string& s : d.outcome_reasons) texts.push_back(s);
            for (const std::string_view s : d.explanation) texts.push_back(s);
            for (const auto& a : d.allocations) texts.push_back(a.reason);
            for (const auto& i : d.issues) texts.push_back(i.message);
            const bool found = std::any_of(texts.begin(), texts.end(),
                                           [&](std::string_view s) { return s.find(needle) != std::string_view::npos; });
            if (!found) out.push_back("reasons: no reason or explanation mentions \"" + needle + "\"");
        }
    }
    return out;
}

engine::PoolRequest decode_pool_request(const nlohmann::json& c, std::vector<std::string>& problems) {
    engine::PoolRequest r;
    r.spend = money_or(c.value("spend", nlohmann::json()), "spend", problems);
    r.carry_forward = c.value("carry_forward", false);
    if (c.contains("contributions")) {
        for (const auto& [id, amount] : c["contributions"].items()) {
            r.actual_contributions.emplace_back(id, money_or(amount, "contributions/" + id, problems));
        }
    }
    return r;
}

std::vector<std::string> compare_reconciliation(const engine::PoolReconciliation& r, const nlohmann::json& e) {
    std::vector<std::string> out;
    const auto money_field = [&](const char* field, Money got) {
        if (!e.contains(field)) return;
        const auto want = money_of(e[field]);
        if (want != got) out.push_back(std::string(field) + ": got " + got.to_string() + ", want " + e[field].dump());
    };
    money_field("budget", r.budget);
    money_field("spend", r.spend);
    money_field("overspend", r.overspend);
    money_field("underspend", r.underspend);
    money_field("carried_forward", r.carried_forward);
    if (e.contains("overspend_shares")) compare_amounts("overspend_shares", r.overspend_shares, e["overspend_shares"], out);
    if (e.contains("underspend_returned")) {
        compare_amounts("underspend_returned", r.underspend_returned, e["underspend_returned"], out);
    }
    if (e.contains("tolerance_exceeded") && e["tolerance_exceeded"].get<bool>() != r.tolerance_exceeded) {
        out.push_back("tolerance_exceeded: got " + std::string(r.tolerance_exceeded ? "true" : "false"));
    }
    if (e.contains("provisional") && e["provisional"].get<bool>() != r.provisional) {
        out.push_back("provisional: got " + std::string(r.provisional ? "true" : "false"));
    }
    return out;
}

}  // namespace jointly::testing
