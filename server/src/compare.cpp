// compare_expected: a decision against a worked case's expectations, money as exact decimals.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "jointly/dsl/diagnostic.hpp"
#include "jointly/server/service.hpp"

namespace jointly::server {
namespace {

using nlohmann::json;

std::string show(const json& v) {
    if (v.is_null()) return "nothing";
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

// Money from either side: a decimal string or an integer of pounds.
std::optional<engine::Money> money_of(const json& v) {
    std::string ignored;
    if (v.is_null()) return engine::Money{};
    return json_money(v, &ignored);
}

class Comparer {
public:
    std::vector<std::string> diffs;

    void money(const std::string& where, const json& expected, const json& actual) {
        const auto e = money_of(expected);
        const auto a = money_of(actual);
        if (!e || !a || *e != *a)
            diffs.push_back(where + ": expected " + show(expected) + ", got " + show(actual));
    }

    void value(const std::string& where, const json& expected, const json& actual) {
        if (expected != actual) diffs.push_back(where + ": expected " + show(expected) + ", got " + show(actual));
    }

    // Agency -> money maps; a missing agency means 0.00 on either side.
    void amounts(const std::string& where, const json& expected, const json& actual) {
        if (!expected.is_object()) {
            diffs.push_back(where + ": the expectation is not an object");
            return;
        }
        std::set<std::string> keys;
        for (const auto& [k, v] : expected.items()) keys.insert(k);
        if (actual.is_object())
            for (const auto& [k, v] : actual.items()) keys.insert(k);
        for (const auto& k : keys) {
            const json e = expected.contains(k) ? expected.at(k) : json("0.00");
            const json a = actual.is_object() && actual.contains(k) ? actual.at(k) : json("0.00");
            money(where + "." + k, e, a);
        }
    }

    void years(const json& expected, const json& actual) {
        std::set<std::string> keys;
        if (expected.is_object())
            for (const auto& [k, v] : expected.items()) keys.insert(k);
        if (actual.is_object())
            for (const auto& [k, v] : actual.items()) keys.insert(k);
        for (const auto& k : keys) {
            const json e = expected.is_object() && expected.contains(k) ? expected.at(k) : json::object();
            const json a = actual.is_object() && actual.contains(k) ? actual.at(k) : json::object();
            amounts("by_financial_year." + k, e, a);
        }
    }

    void allocations(const json& expected, const json& actual) {
        if (!actual.is_array() || actual.size() != expected.size()) {
            diffs.push_back("allocations: expected " + std::to_string(expected.size()) + " allocations, got " +
                            std::to_string(actual.is_array() ? actual.size() : 0) + describe(actual));
            return;
        }
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const std::string where = "allocations[" + std::to_string(i) + "]";
            const auto& e = expected[i];
            const auto& a = actual[i];
            for (const auto& [field, v] : e.items()) {
                const json got = a.contains(field) ? a.at(field) : json();
                if (field == "shares") amounts(where + ".shares", v, got);
                else if (field == "cost") money(where + ".cost", v, got);
                else value(where + "." + field, v, got);
            }
        }
    }

    void issues(const json& expected, const json& actual) {
        if (!actual.is_array() || actual.size() != expected.size()) {
            diffs.push_back("issues: expected " + std::to_string(expected.size()) + " issues, got " +
                            std::to_string(actual.is_array() ? actual.size() : 0) + issue_list(actual));
            return;
        }
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const std::string where = "issues[" + std::to_string(i) + "]";
            for (const auto& [field, v] : expected[i].items()) {
                const json got = actual[i].contains(field) ? actual[i].at(field) : json();
                if (field == "cost") money(where + ".cost", v, got);
                else value(where + "." + field, v, got);
            }
        }
    }

private:
    static std::string describe(const json& allocations) {
        if (!allocations.is_array() || allocations.empty()) return "";
        std::string out = " (";
        for (const auto& a : allocations) {
            if (out.size() > 2) out += "; ";
            out += show(a.value("line", json())) + " " + show(a.value("from", json())) + ".." +
                   show(a.value("to", json())) + " " + show(a.value("rule", json()));
        }
        return out + ")";
    }
    static std::string issue_list(const json& issues) {
        if (!issues.is_array() || issues.empty()) return "";
        std::string out = " (";
        for (const auto& i : issues) {
            if (out.size() > 2) out += "; ";
            out += show(i.value("kind", json())) + " " + show(i.value("line", json()));
        }
        return out + ")";
    }
};

// Keys a decision has only sometimes: `referred_to` when it refers, `by_agency_group` when
// the policy declares agency groups, `trace` when asked for.
constexpr const char* kDecisionSometimes[] = {"referred_to", "by_agency_group", "trace"};

std::size_t common_prefix(const std::string& a, const std::string& b) {
    std::size_t n = 0;
    while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
    return n;
}

// The known key `key` most likely meant: the one sharing its longest beginning, at least 4
// characters (`underspend_shares` is `underspend_returned`, not `overspend_shares`, which
// is fewer edits away), closest in spelling among those; else the closest in spelling.
std::string nearest_key(const std::string& key, const std::vector<std::string>& known) {
    std::size_t longest = 0;
    for (const auto& k : known) longest = std::max(longest, common_prefix(key, k));
    if (longest >= 4) {
        std::vector<std::string> alike;
        for (const auto& k : known)
            if (common_prefix(key, k) == longest) alike.push_back(k);
        const std::string guess = dsl::did_you_mean(key, alike);
        if (!guess.empty()) return guess;
        return *std::min_element(alike.begin(), alike.end(),
                                 [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
    }
    return dsl::did_you_mean(key, known);
}

// A key of `expected` the answer does not have and never has: a misspelling, which would
// otherwise read as the engine giving nothing.
std::optional<std::string> unknown_expected_key(const std::string& field, const json& actual) {
    if (!actual.is_object() || actual.contains(field) || field == "reasons") return std::nullopt;
    const bool decision = actual.contains("outcome");
    std::vector<std::string> known;
    for (const auto& [k, v] : actual.items()) known.push_back(k);
    if (decision) {
        for (const char* k : kDecisionSometimes)
            if (!actual.contains(k)) known.emplace_back(k);
    }
    if (std::find(known.begin(), known.end(), field) != known.end()) return std::nullopt;
    std::string out = "unknown key `" + field + "` in `expected`: " +
                      (decision ? "a decision" : "a reconciliation") + " has no such field";
    const std::string guess = nearest_key(field, known);
    if (!guess.empty()) return out + "; did you mean `" + guess + "`?";
    std::sort(known.begin(), known.end());
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "`" : ", `") + k + "`";
    return out + " (known: " + list + ")";
}

void collect_text(const json& v, std::string& out) {
    if (v.is_string()) {
        out += v.get<std::string>();
        out += '\n';
    } else if (v.is_array() || v.is_object()) {
        for (const auto& item : v) collect_text(item, out);
    }
}

}  // namespace

std::vector<std::string> compare_expected(const json& expected, const json& actual) {
    Comparer c;
    if (!expected.is_object()) return {"expected: must be an object"};
    for (const auto& [field, v] : expected.items()) {
        if (auto unknown = unknown_expected_key(field, actual)) {
            c.diffs.push_back(std::move(*unknown));
            continue;
        }
        const json got = actual.contains(field) ? actual.at(field) : json();
        if (field == "outcome" || field == "referred_to") c.value(field, v, got);
        else if (field == "total") c.money("total", v, got);
        else if (field == "by_agency" || field == "by_agency_group") c.amounts(field, v, got);
        else if (field == "by_financial_year") c.years(v, got);
        else if (field == "allocations") c.allocations(v, got);
        else if (field == "issues") c.issues(v, got);
        else if (field == "reasons") {
            std::string text;
            collect_text(actual.value("outcome_reasons", json::array()), text);
            collect_text(actual.value("explanation", json::array()), text);
            for (const auto& a : actual.value("allocations", json::array())) collect_text(a.value("reason", json()), text);
            for (const auto& i : actual.value("issues", json::array())) collect_text(i.value("message", json()), text);
            for (const auto& reason : v) {
                const auto wanted = reason.is_string() ? reason.get<std::string>() : reason.dump();
                if (text.find(wanted) == std::string::npos)
                    c.diffs.push_back("reasons: no reason or explanation mentions \"" + wanted + "\"");
            }
        } else if (v.is_object() && got.is_object()) {
            c.amounts(field, v, got);
        } else if (v.is_string() && got.is_string() && money_of(v) && money_of(got)) {
            c.money(field, v, got);
        } else {
            c.value(field, v, got);
        }
    }
    return c.diffs;
}

std::vector<std::string> compare_expected_error(const json& expected, int status, const json& error) {
    const json& e = error.is_object() && error.contains("error") ? error.at("error") : json::object();
    const json details = e.value("details", json::array());
    auto has_code = [&](const json& code) {
        if (e.value("code", json()) == code) return true;
        return std::any_of(details.begin(), details.end(), [&](const json& d) { return d.value("code", json()) == code; });
    };
    const std::string message = e.value("message", std::string());
    std::vector<std::string> diffs;
    if (expected.is_string()) {
        if (!has_code(expected)) diffs.push_back("error: expected code " + show(expected) + ", got " + show(error));
        return diffs;
    }
    if (!expected.is_object()) return {"expected.error: must be a code or an object"};
    if (expected.contains("status") && expected.at("status") != status)
        diffs.push_back("error.status: expected " + show(expected.at("status")) + ", got " + std::to_string(status));
    if (expected.contains("code") && !has_code(expected.at("code")))
        diffs.push_back("error.code: expected " + show(expected.at("code")) + ", got " + show(e.value("code", json())) +
                        ": " + message);
    if (expected.contains("path")) {
        const json& path = expected.at("path");
        const bool found =
            std::any_of(details.begin(), details.end(), [&](const json& d) { return d.value("path", json()) == path; });
        if (!found) diffs.push_back("error.details: no detail at `" + show(path) + "`: " + message);
    }
    if (expected.contains("details")) {
        // A stated list is the answer's, detail for detail (path and code), no more, no fewer.
        const json& stated = expected.at("details");
        if (!stated.is_array()) return {"expected.error.details: must be a list of {\"path\", \"code\"}"};
        json got = json::array();
        for (const auto& d : details) got.push_back({{"path", d.value("path", json())}, {"code", d.value("code", json())}});
        json wanted = json::array();
        for (const auto& d : stated)
            wanted.push_back({{"path", d.is_object() ? d.value("path", json()) : json()},
                              {"code", d.is_object() ? d.value("code", json()) : json()}});
        if (got != wanted) diffs.push_back("error.details: expected " + show(wanted) + ", got " + show(got));
    }
    return diffs;
}

}  // namespace jointly::server
