// `jointly test --coverage`: the report.
#include "cli_coverage.hpp"

#include <array>
#include <ostream>

namespace jointly::server::cli {
namespace {

using engine::CoverageCategory;
using nlohmann::ordered_json;

constexpr std::array<CoverageCategory, 7> kCategories = {
    CoverageCategory::Rule,     CoverageCategory::Exception,   CoverageCategory::WindowEdge, CoverageCategory::Cap,
    CoverageCategory::TableRow, CoverageCategory::Eligibility, CoverageCategory::Outcome};

void count(Tally& t, bool covered) {
    ++t.total;
    if (covered) ++t.covered;
}

struct Tallies {
    std::array<Tally, kCategories.size()> by_category{};
    Tally gated;
    Tally all;
};

Tallies tally(const PolicyCoverage& p) {
    Tallies t;
    for (const auto& item : p.items) {
        count(t.by_category[static_cast<std::size_t>(item.category)], item.covered);
        if (gated(item.category)) count(t.gated, item.covered);
        count(t.all, item.covered);
    }
    return t;
}

std::string fraction(const Tally& t) {
    std::string out = std::to_string(t.covered) + "/" + std::to_string(t.total);
    if (t.total > 0) out += " (" + percent(t) + ")";
    return out;
}

ordered_json tally_json(const Tally& t) {
    const std::size_t tenths = t.total == 0 ? 1000 : t.covered * 1000 / t.total;
    return {{"covered", t.covered}, {"total", t.total}, {"percent", static_cast<double>(tenths) / 10.0}};
}

void add(Tally& into, const Tally& t) {
    into.covered += t.covered;
    into.total += t.total;
}

}  // namespace

bool gated(CoverageCategory category) {
    return category == CoverageCategory::Rule || category == CoverageCategory::Exception ||
           category == CoverageCategory::WindowEdge || category == CoverageCategory::Outcome;
}

std::string percent(const Tally& t) {
    const std::size_t tenths = t.total == 0 ? 1000 : t.covered * 1000 / t.total;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "%";
}

Tally gated_tally(const std::vector<PolicyCoverage>& policies) {
    Tally out;
    for (const auto& p : policies) add(out, tally(p).gated);
    return out;
}

void print_coverage(std::ostream& out, const std::vector<PolicyCoverage>& policies) {
    Tally gated_all;
    Tally all;
    for (const auto& p : policies) {
        const Tallies t = tally(p);
        add(gated_all, t.gated);
        add(all, t.all);
        out << "coverage of " << p.file << " (" << p.program->id() << " " << p.program->version() << ")\n  ";
        for (std::size_t c = 0; c < kCategories.size(); ++c) {
            out << (c == 0 ? "" : ", ") << engine::to_string(kCategories[c]) << " " << fraction(t.by_category[c]);
        }
        out << "\n  rules, exceptions, window edges and outcome rules: " << fraction(t.gated)
            << "; everything: " << fraction(t.all) << "\n";
        bool first = true;
        for (const auto& item : p.items) {
            if (item.covered) continue;
            if (first) out << "  not covered:\n";
            first = false;
            out << "    " << p.file << ":" << item.span.line << ": " << engine::to_string(item.category) << ": "
                << item.subject << ": " << item.what << "\n";
        }
    }
    out << "coverage of " << policies.size() << (policies.size() == 1 ? " policy" : " policies")
        << ": rules, exceptions, window edges and outcome rules " << fraction(gated_all) << "; everything "
        << fraction(all) << "\n";
}

ordered_json coverage_json(const std::vector<PolicyCoverage>& policies) {
    Tally gated_all;
    Tally all;
    ordered_json list = ordered_json::array();
    for (const auto& p : policies) {
        const Tallies t = tally(p);
        add(gated_all, t.gated);
        add(all, t.all);
        ordered_json categories = ordered_json::object();
        for (std::size_t c = 0; c < kCategories.size(); ++c)
            categories[engine::json_name(kCategories[c])] = tally_json(t.by_category[c]);
        ordered_json items = ordered_json::array();
        for (const auto& item : p.items) {
            items.push_back({{"category", engine::json_name(item.category)},
                             {"subject", item.subject},
                             {"what", item.what},
                             {"file", p.file},
                             {"line", item.span.line},
                             {"covered", item.covered}});
        }
        list.push_back({{"file", p.file},
                        {"id", p.program->id()},
                        {"version", p.program->version()},
                        {"categories", std::move(categories)},
                        {"gated", tally_json(t.gated)},
                        {"all", tally_json(t.all)},
                        {"items", std::move(items)}});
    }
    return {{"gated", tally_json(gated_all)}, {"all", tally_json(all)}, {"policies", std::move(list)}};
}

}  // namespace jointly::server::cli
