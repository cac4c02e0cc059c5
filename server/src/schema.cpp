// request_schema: a policy's facts and events as a JSON Schema for building forms.
#include <string>

#include "jointly/server/codec.hpp"

namespace jointly::server {
namespace {

using ojson = nlohmann::ordered_json;

constexpr const char* kMoneyPattern = "^-?[0-9]+(\\.[0-9]{1,2})?$";
constexpr const char* kDecimalPattern = "^-?[0-9]+(\\.[0-9]+)?$";
constexpr const char* kDatePattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

ojson money_schema(const char* description) {
    return {{"type", "string"}, {"pattern", kMoneyPattern}, {"description", description}};
}
ojson date_schema(const char* description) {
    return {{"type", "string"}, {"format", "date"}, {"pattern", kDatePattern}, {"description", description}};
}

ojson fact_schema(const engine::FactInfo& f) {
    using dsl::TypeKind;
    ojson s;
    switch (f.type) {
        case TypeKind::Bool: s = {{"type", "boolean"}}; break;
        case TypeKind::Whole: s = {{"type", "integer"}}; break;
        case TypeKind::Decimal: s = {{"type", "string"}, {"pattern", kDecimalPattern}}; break;
        case TypeKind::Money: s = {{"type", "string"}, {"pattern", kMoneyPattern}}; break;
        case TypeKind::Date: s = {{"type", "string"}, {"format", "date"}, {"pattern", kDatePattern}}; break;
        case TypeKind::Text: s = {{"type", "string"}}; break;
        case TypeKind::Level: s = {{"type", "string"}, {"enum", f.levels}, {"x-scale", f.scale}}; break;
        case TypeKind::LevelMap:
            s = {{"type", "object"},
                 {"additionalProperties", {{"type", "string"}, {"enum", f.levels}}},
                 {"x-scale", f.scale},
                 {"description", "one level of `" + f.scale + "` per key; a missing key is `" +
                                     (f.levels.empty() ? std::string() : f.levels.front()) + "`"}};
            break;
        case TypeKind::TextList: s = {{"type", "array"}, {"items", {{"type", "string"}}}}; break;
        case TypeKind::Agency:
            s = {{"type", "string"}, {"enum", f.agencies}, {"description", "the agency that pays where the policy's rules name `" + f.name + "`"}};
            break;
    }
    return s;
}

}  // namespace

nlohmann::ordered_json request_schema(const engine::Program& program, std::size_t max_lines) {
    ojson facts = ojson::object();
    ojson required_facts = ojson::array();
    for (const auto& f : program.facts()) {
        facts[f.name] = fact_schema(f);
        if (!f.label.empty()) facts[f.name]["title"] = f.label;
        if (f.required) required_facts.push_back(f.name);
    }
    ojson events = ojson::object();
    for (const auto& e : program.events()) {
        if (!program.schema().repeats(e)) {
            events[e] = date_schema("the date of the event; absent if it did not happen");
            continue;
        }
        events[e] = {{"description", "the event repeats: every date it happened, each once (one date may be given alone); "
                                     "absent or empty if it did not happen"},
                     {"oneOf", ojson::array({date_schema("the one date it happened"),
                                             {{"type", "array"},
                                              {"maxItems", engine::kMaxEventDates},
                                              {"uniqueItems", true},
                                              {"items", date_schema("a date it happened")}}})}};
    }
    const ojson common = {{"id", {{"type", "string"}, {"minLength", 1}}},
                          {"service", {{"type", "string"}, {"minLength", 1}}},
                          {"description", {{"type", "string"}}}};
    auto line = [&](ojson extra, ojson required) {
        ojson props = common;
        for (auto& [k, v] : extra.items()) props[k] = v;
        return ojson{{"type", "object"}, {"additionalProperties", false}, {"required", required}, {"properties", props}};
    };
    ojson one_off = line({{"amount", money_schema("a one-off cost")}, {"date", date_schema("when it is incurred")}},
                         {"id", "service", "amount", "date"});
    ojson weekly = line({{"weekly", money_schema("cost per week")},
                         {"start", date_schema("first day, inclusive")},
                         {"end", date_schema("last day, inclusive")}},
                        {"id", "service", "weekly", "start", "end"});
    ojson hourly = line({{"hourly", money_schema("cost per hour")},
                         {"hours_per_week", {{"type", "string"}, {"pattern", kDecimalPattern}}},
                         {"start", date_schema("first day, inclusive")},
                         {"end", date_schema("last day, inclusive")}},
                        {"id", "service", "hourly", "hours_per_week", "start", "end"});
    ojson out = ojson::object();
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema";
    out["title"] = "decision request for " + program.id() + " " + program.version();
    out["type"] = "object";
    out["additionalProperties"] = false;
    out["required"] = {"as_of", "facts", "lines"};
    out["properties"] = {
        {"policy", {{"type", "string"}, {"const", program.id()}}},
        {"version", {{"type", "string"}}},
        {"as_of", date_schema("the date the decision is made; picks the policy version in effect")},
        {"case_ref", {{"type", "string"}}},
        {"explain", {{"enum", {"full", "none"}}}},
        {"facts", {{"type", "object"}, {"additionalProperties", false}, {"required", required_facts}, {"properties", facts}}},
        {"events", {{"type", "object"}, {"additionalProperties", false}, {"properties", events}}},
        {"lines", {{"type", "array"}, {"maxItems", max_lines}, {"items", {{"oneOf", {one_off, weekly, hourly}}}}}}};
    return out;
}

}  // namespace jointly::server
