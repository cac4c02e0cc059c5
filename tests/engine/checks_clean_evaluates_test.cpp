// A policy that checks clean can answer requests: every policy under policies/ (each folder,
// uploaded/ too) and every golden input under tests/golden (parse and check) that parses and
// checks with no errors is compiled, then given minimal well-formed requests built from its
// own declarations: each required fact at the lowest value of its kind (false, 0, £0, the
// first level of a scale, an empty map or list, a date, "none"), every event on the first day
// in effect, and no lines or one weekly line of each service the policy names.
//
// What must not come back is an error every request would hit: E3005 (a value asked for where it has none), E3099
// (an internal error), or an E4xxx (the test's own request is not well formed). An error
// that depends on the request (an overflow, a lookup outside every row, an event not given)
// and any outcome (a referral, a decline) are fine.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "jointly/dsl/parse.hpp"
#include "jointly/engine/evaluate.hpp"
#include "jointly/engine/program.hpp"

namespace jointly::engine {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot(JOINTLY_SOURCE_DIR);

// Goldens that check clean but are about an evaluation-time error that depends on the
// request, each with its reason. Empty: every clean golden must answer a minimal request.
const std::map<std::string, std::string> kExcluded = {};

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool checks_clean(const std::string& source, const std::string& label) {
    return !dsl::has_errors(compile(source, label).diagnostics);
}

// Paths relative to the source root: policies/**.jf, tests/golden/{parse,check}/*.jf, those
// that check with no errors.
std::vector<std::string> clean_inputs() {
    std::vector<std::string> out;
    auto add = [&](const fs::path& path) {
        if (path.extension() != ".jf" || kExcluded.count(fs::relative(path, kRoot).string()) != 0) return;
        const std::string label = fs::relative(path, kRoot).string();
        if (checks_clean(slurp(path), label)) out.push_back(label);
    };
    for (const auto& entry : fs::recursive_directory_iterator(kRoot / "policies")) add(entry.path());
    for (const char* folder : {"tests/golden/parse", "tests/golden/check"}) {
        for (const auto& entry : fs::directory_iterator(kRoot / folder)) add(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The services the policy's rule conditions name (`service is x`, `service in [x, y]`).
void services_in(const dsl::Expr& e, std::set<std::string>& out) {
    auto is_service = [](const dsl::Expr& x) { return x.name() != nullptr && *x.name() == "service"; };
    if (const auto* b = e.as<dsl::Binary>();
        b != nullptr && (b->op == dsl::BinaryOp::Eq || b->op == dsl::BinaryOp::Ne)) {
        if (is_service(*b->left) && b->right->name() != nullptr) out.insert(*b->right->name());
        if (is_service(*b->right) && b->left->name() != nullptr) out.insert(*b->left->name());
    }
    if (const auto* in = e.as<dsl::In>(); in != nullptr && is_service(*in->needle)) {
        if (const auto* list = in->set->as<dsl::List>()) {
            for (const dsl::Expr& m : list->items) {
                if (m.name() != nullptr) out.insert(*m.name());
            }
        }
    }
    dsl::for_each_child(e, [&](const dsl::Expr& arg) { services_in(arg, out); });
}

Value lowest(const FactInfo& fact) {
    switch (fact.type) {
        case dsl::TypeKind::Bool: return Value(false);
        case dsl::TypeKind::Whole: return Value(std::int64_t{0});
        case dsl::TypeKind::Decimal: return Value(Ratio());
        case dsl::TypeKind::Money: return Value(Money());
        case dsl::TypeKind::Date: return Value(Date::from_civil(2015, 6, 15));
        case dsl::TypeKind::Text: return Value(std::string("none"));
        case dsl::TypeKind::Level: return Value(Level{0});
        case dsl::TypeKind::LevelMap: return Value(LevelMap{});
        case dsl::TypeKind::TextList: return Value(TextList{});
        case dsl::TypeKind::Agency: return Value(fact.agencies.empty() ? std::string() : fact.agencies.front());
    }
    return Value(false);
}

// One request per shape: no lines, then one weekly line of each named service (at most 8).
std::vector<Request> minimal_requests(const Program& program) {
    Request base;
    base.as_of = program.effective_from().value_or(Date::from_civil(2025, 4, 1));
    for (const FactInfo& fact : program.facts()) {
        if (fact.required) base.facts.emplace(fact.name, lowest(fact));
    }
    for (const std::string& event : program.events()) base.events.emplace(event, std::vector<Date>{*base.as_of});
    std::vector<Request> out{base};
    std::set<std::string> services;
    for (const dsl::Rule& rule : program.module().rules) {
        if (rule.condition) services_in(*rule.condition, services);
    }
    // A policy that declares its services takes only those, each as the kind it declares.
    std::map<std::string, dsl::LineKindDecl> declared;
    for (const dsl::Service& s : program.module().services) {
        if (!s.group) declared.emplace(s.id.name, s.kind);
    }
    if (!declared.empty()) {
        services.clear();
        for (const auto& [name, kind] : declared) services.insert(name);
    }
    if (services.empty()) services.insert("personal_care");
    std::size_t n = 0;
    for (const std::string& service : services) {
        if (n++ == 8) break;
        Request r = base;
        Line line;
        line.id = "l1";
        line.service = service;
        line.kind = LineKind::Weekly;
        line.weekly = Money::pence(70000);
        line.start = *base.as_of;
        line.end = base.as_of->plus_days(27);
        const auto kind = declared.find(service);
        if (kind != declared.end() && kind->second == dsl::LineKindDecl::Hourly) {
            line.kind = LineKind::Hourly;
            line.hourly = Money::pence(7000);
            line.hours_per_week = Ratio::whole(10);
        } else if (kind != declared.end() && kind->second == dsl::LineKindDecl::OneOff) {
            line.kind = LineKind::OneOff;
            line.amount = Money::pence(70000);
            line.date = *base.as_of;
        }
        r.lines.push_back(line);
        out.push_back(std::move(r));
    }
    return out;
}

// An error that every request would hit, or one that says the request is malformed.
// An internal error (E3005, E3099) or the caller's (E4xxx: the test's request is wrong).
bool forbidden(dsl::Code code) {
    const dsl::Category category = dsl::category_of(code);
    return category == dsl::Category::Internal || category == dsl::Category::CallerInput;
}

class ChecksClean : public ::testing::TestWithParam<std::string> {};

TEST_P(ChecksClean, CompilesAndAnswersAMinimalRequest) {
    const std::string label = GetParam();
    const std::string source = slurp(kRoot / label);
    const CheckResult compiled = compile(source, label);
    std::string problems;
    for (const dsl::Diagnostic& d : compiled.diagnostics) {
        if (d.severity == dsl::Severity::Error) problems += dsl::render(d, source) + "\n";
    }
    ASSERT_TRUE(compiled.program) << label << " checks clean but does not compile:\n" << problems;
    for (const Request& request : minimal_requests(*compiled.program)) {
        const EvalResult result = evaluate(*compiled.program, request);
        for (const EvalError& e : result.errors) {
            EXPECT_FALSE(forbidden(e.code))
                << label << " with " << request.lines.size() << " line(s)"
                << (request.lines.empty() ? "" : " of `" + request.lines[0].service + "`") << ": "
                << e.code << " " << e.path << " " << e.message
                << (e.policy_span ? " at line " + std::to_string(e.policy_span->line) : std::string());
        }
    }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
    std::string name = info.param.substr(0, info.param.size() - 3);
    for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(PoliciesAndGoldens, ChecksClean, ::testing::ValuesIn(clean_inputs()), test_name);

}  // namespace
}  // namespace jointly::engine
