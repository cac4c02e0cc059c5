// CSV exports: field quoting, the formula guard, decisions and the summary report in long form.
#include "csv.hpp"

#include <initializer_list>

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;

// RFC 4180: quoted when the field holds a separator, a quote or a line end.
std::string quoted_if_needed(std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (const char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

bool plain_decimal(std::string_view text) {
    std::size_t i = text.size() > 0 && text.front() == '-' ? 1 : 0;
    const std::size_t int_start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == int_start) return false;
    if (i == text.size()) return true;
    if (text[i] != '.') return false;
    const std::size_t frac_start = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i > frac_start && i == text.size();
}

// Fields already written as csv_text or csv_number, joined into one CRLF-ended record.
void row(std::string& out, std::initializer_list<std::string> fields) {
    bool first = true;
    for (const auto& f : fields) {
        if (!first) out += ',';
        out += f;
        first = false;
    }
    out += "\r\n";
}

// A JSON value from a stored text: a string as it is, anything else (which the store never
// holds where a string belongs) as its JSON text.
std::string text_of(const ojson& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

// The member `key` of `object`, or nullptr when `object` is not an object or has no `key`.
const ojson* member(const ojson& object, const char* key) {
    if (!object.is_object() || !object.contains(key)) return nullptr;
    return &object.at(key);
}

std::string text_at(const ojson& object, const char* key) {
    const ojson* value = member(object, key);
    return value == nullptr || value->is_null() ? std::string() : text_of(*value);
}

const ojson* object_at(const ojson& object, const char* key) {
    const ojson* value = member(object, key);
    return value != nullptr && value->is_object() ? value : nullptr;
}

}  // namespace

std::string csv_text(std::string_view text) {
    if (!text.empty()) {
        switch (text.front()) {
            case '=':
            case '+':
            case '-':
            case '@':
            case '\t':
            case '\r': return quoted_if_needed("'" + std::string(text));
            default: break;
        }
    }
    return quoted_if_needed(text);
}

std::string csv_number(std::string_view number) {
    return plain_decimal(number) ? std::string(number) : csv_text(number);
}

std::string decisions_csv(const std::vector<DecisionRecord>& records) {
    std::string out;
    row(out, {"decision_id", "created_at", "case_ref", "policy_id", "policy_version", "policy_sha256", "as_of",
              "outcome", "total", "erased", "agency", "amount"});
    for (const auto& r : records) {
        const std::string head = csv_text(r.id) + ',' + csv_text(r.created_at) + ',' + csv_text(r.case_ref) + ',' +
                                 csv_text(r.policy_id) + ',' + csv_text(r.policy_version) + ',' +
                                 csv_text(r.policy_sha256) + ',' + csv_text(r.as_of) + ',' + csv_text(r.outcome) +
                                 ',' + csv_number(r.total) + ',' + (r.erased ? "true" : "false");
        const auto response = ojson::parse(r.response_json, nullptr, false);
        const ojson* by_agency = object_at(response, "by_agency");
        if (by_agency == nullptr || by_agency->empty()) {
            row(out, {head, "", ""});
            continue;
        }
        for (const auto& [agency, amount] : by_agency->items())
            row(out, {head, csv_text(agency), csv_number(text_of(amount))});
    }
    return out;
}

std::string summary_csv(const nlohmann::ordered_json& summary) {
    std::string out;
    row(out, {"from", "to", "policy", "section", "breakdown", "key", "decisions", "agency", "amount"});
    const std::string filters = csv_text(text_at(summary, "from")) + ',' + csv_text(text_at(summary, "to")) + ',' +
                                csv_text(text_at(summary, "policy"));
    auto amounts = [&](const char* section, const char* breakdown, const std::string& key,
                       const std::string& decisions, const ojson* by_agency) {
        if (by_agency == nullptr) return;
        for (const auto& [agency, amount] : by_agency->items())
            row(out, {filters, section, breakdown, csv_text(key), csv_number(decisions), csv_text(agency),
                      csv_number(text_of(amount))});
    };
    for (const char* section : {"funded", "declined"}) {
        const ojson* s = object_at(summary, section);
        if (s == nullptr) continue;
        amounts(section, "all", "", text_at(*s, "decisions"), object_at(*s, "by_agency"));
        if (const ojson* years = object_at(*s, "by_financial_year"))
            for (const auto& [year, by_agency] : years->items())
                amounts(section, "financial_year", year, "", by_agency.is_object() ? &by_agency : nullptr);
        if (const ojson* services = object_at(*s, "by_service"))
            for (const auto& [service, item] : services->items())
                amounts(section, "service", service, text_at(item, "decisions"), object_at(item, "by_agency"));
    }
    if (const ojson* o = object_at(summary, "overrides"))
        amounts("overrides", "all", "", text_at(*o, "decisions"), object_at(*o, "by_agency"));
    return out;
}

}  // namespace jointly::server
