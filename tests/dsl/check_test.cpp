// Checker unit tests on hand-built modules (no parser needed): each case mutates a clean
// base module and names the code it must produce. Policy-text cases live in
// check_text_test.cpp, goldens in tests/golden/check.
#include "jointly/dsl/check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "jointly/dsl/parse.hpp"

namespace jointly::dsl {
namespace {

Ident id(const std::string& name) { return Ident{name, {}}; }

Expr name(const std::string& n) {
    Expr e;
    e.kind = ExprKind::Name;
    e.text = n;
    return e;
}

Expr number(std::int64_t units, std::int32_t scale = 0, ExprKind kind = ExprKind::Number) {
    Expr e;
    e.kind = kind;
    e.number = Decimal{units, scale};
    return e;
}

Expr money(std::int64_t pounds) { return number(pounds, 0, ExprKind::Money); }

Expr boolean(bool b) {
    Expr e;
    e.kind = ExprKind::Bool;
    e.boolean = b;
    return e;
}

Expr text(const std::string& t) {
    Expr e;
    e.kind = ExprKind::Text;
    e.text = t;
    return e;
}

Expr date(int y, int m, int d) {
    Expr e;
    e.kind = ExprKind::Date;
    e.date = CivilDate{y, m, d};
    return e;
}

Expr binary(BinaryOp op, Expr a, Expr b) {
    Expr e;
    e.kind = ExprKind::Binary;
    e.binary_op = op;
    e.args = {std::move(a), std::move(b)};
    return e;
}

Expr negation(Expr a) {
    Expr e;
    e.kind = ExprKind::Unary;
    e.unary_op = UnaryOp::Not;
    e.args = {std::move(a)};
    return e;
}

Expr call(const std::string& f, std::vector<Expr> args) {
    Expr e;
    e.kind = ExprKind::Call;
    e.text = f;
    e.args = std::move(args);
    return e;
}

Expr service_is(const std::string& s) { return binary(BinaryOp::Eq, name("service"), name(s)); }

Share percent(const std::string& agency, std::int64_t units, std::int32_t scale = 0) {
    Share s;
    s.agency = id(agency);
    s.kind = ShareKind::Percent;
    s.percent = Decimal{units, scale};
    return s;
}

Share fraction(const std::string& agency, std::int64_t n, std::int64_t d) {
    Share s;
    s.agency = id(agency);
    s.kind = ShareKind::Fraction;
    s.numerator = n;
    s.denominator = d;
    return s;
}

Rule rule(const std::string& n, Expr condition, std::vector<Share> split) {
    Rule r;
    r.id = id(n);
    r.condition = std::move(condition);
    r.split = std::move(split);
    return r;
}

Window after(std::int64_t amount, TimeUnit unit, const std::string& event) {
    Window w;
    w.kind = WindowKind::After;
    w.amount = amount;
    w.unit = unit;
    w.event = id(event);
    return w;
}

Window between(CivilDate from, CivilDate to) {
    Window w;
    w.kind = WindowKind::Between;
    w.from = WindowBound{from, std::nullopt, {}};
    w.to = WindowBound{to, std::nullopt, {}};
    return w;
}

TableRow row(std::int64_t low, std::int64_t high, Expr value) {
    TableRow t;
    t.low = Decimal{low, 0};
    t.high = Decimal{high, 0};
    t.value = std::move(value);
    return t;
}

Table table(const std::string& n, std::vector<TableRow> rows) {
    Table t;
    t.id = id(n);
    t.rows = std::move(rows);
    return t;
}

OutcomeRule outcome(OutcomeKind kind, std::string authority, Expr condition, std::string reason) {
    OutcomeRule o;
    o.kind = kind;
    o.authority = std::move(authority);
    o.condition = std::move(condition);
    o.reason = std::move(reason);
    return o;
}

// A small clean policy: every case below breaks exactly one thing.
Module base() {
    Module m;
    m.file = "base.jf";
    m.header.id = id("reference");
    m.header.version = "2025.1";
    m.header.effective_from = CivilDate{2025, 4, 1};
    m.header.effective_to = CivilDate{2026, 3, 31};
    m.header.agreed_by = {id("health"), id("social_care")};
    m.agencies = {{id("health"), "NHS", {}}, {id("social_care"), "Social care", {}},
                  {id("education"), "SEND", {}}};
    m.scales = {{id("need"),
                 {id("none"), id("low"), id("moderate"), id("high"), id("severe"), id("priority")},
                 {}}};
    Fact has_ehcp{id("has_ehcp"), {TypeKind::Bool, {}, {}}, boolean(false), {}};
    Fact dst{id("dst"), {TypeKind::LevelMap, id("need"), {}}, std::nullopt, {}};
    m.facts = {has_ehcp, dst};
    m.events = {{id("surgery"), {}}};
    Threshold cc;
    cc.id = id("continuing_care");
    cc.condition = binary(BinaryOp::Ge, call("count", {name("dst"), name("priority")}), number(1));
    cc.reason = "one priority need";
    m.thresholds = {cc};
    Rule personal = rule("personal_care", service_is("personal_care"), {percent("social_care", 100)});
    Rule post_op = rule("post_op", binary(BinaryOp::And, service_is("personal_care"), name("continuing_care")),
                        {percent("health", 50), percent("social_care", 50)});
    post_op.exception_to = id("personal_care");
    post_op.window = after(6, TimeUnit::Weeks, "surgery");
    post_op.odd_penny = id("health");
    post_op.reason = "after surgery on {surgery}, {health} each";
    Rule residential = rule("residential",
                            binary(BinaryOp::And, service_is("residential_placement"), name("has_ehcp")),
                            {fraction("education", 1, 3), fraction("social_care", 1, 3), fraction("health", 1, 3)});
    residential.caps = {Cap{id("health"), Decimal{1500, 0}, Per::Week, id("social_care"), {}}};
    m.rules = {personal, post_op, residential};
    m.outcomes = {outcome(OutcomeKind::Decline, "",
                          binary(BinaryOp::And, negation(name("continuing_care")), negation(name("has_ehcp"))),
                          "neither threshold met"),
                  outcome(OutcomeKind::Refer, "Director", binary(BinaryOp::Gt, name("total"), money(250000)),
                          "total {total} over the limit")};
    return m;
}

std::vector<std::string> codes(const Diagnostics& ds) {
    std::vector<std::string> out;
    for (const Diagnostic& d : ds) out.push_back(d.code);
    return out;
}

std::string dump(const Diagnostics& ds) {
    std::string out;
    for (const Diagnostic& d : ds) out += d.code + " " + d.message + " | " + d.help + "\n";
    return out;
}

TEST(Check, BaseModuleIsClean) {
    const Diagnostics ds = check(base());
    EXPECT_TRUE(ds.empty()) << dump(ds);
}

struct Case {
    const char* name;
    std::function<void(Module&)> mutate;
    const char* code;         // must appear
    const char* message = "";  // if set, some diagnostic with `code` has exactly this message
    const char* help = "";     // if set, ... and this help
};

class CheckCase : public ::testing::TestWithParam<Case> {};

TEST_P(CheckCase, ReportsTheCode) {
    Module m = base();
    GetParam().mutate(m);
    const Diagnostics ds = check(m);
    const std::vector<std::string> got = codes(ds);
    ASSERT_NE(std::find(got.begin(), got.end(), GetParam().code), got.end()) << dump(ds);
    if (*GetParam().message != '\0') {
        const bool found = std::any_of(ds.begin(), ds.end(), [&](const Diagnostic& d) {
            return d.code == GetParam().code && d.message == GetParam().message &&
                   (*GetParam().help == '\0' || d.help == GetParam().help);
        });
        EXPECT_TRUE(found) << dump(ds);
    }
}

Rule& r(Module& m, std::size_t i) { return m.rules[i]; }

INSTANTIATE_TEST_SUITE_P(
    Check, CheckCase,
    ::testing::Values(
        Case{"unknown_agency_in_split", [](Module& m) { r(m, 0).split[0].agency = id("heath"); },
             "E2003", "unknown agency `heath`", "did you mean `health`?"},
        Case{"unknown_agency_agreed_by", [](Module& m) { m.header.agreed_by.push_back(id("police")); },
             "E2003", "unknown agency `police`"},
        Case{"duplicate_agency", [](Module& m) { m.agencies.push_back({id("health"), "again", {}}); },
             "E2001", "agency `health` is declared twice"},
        Case{"name_two_kinds", [](Module& m) { m.events.push_back({id("has_ehcp"), {}}); }, "E2002"},
        Case{"duplicate_level", [](Module& m) { m.scales[0].levels.push_back(id("low")); }, "E2004"},
        Case{"unknown_name", [](Module& m) { r(m, 2).condition = binary(BinaryOp::And, service_is("x"), name("has_ehc")); },
             "E2005", "unknown name `has_ehc`", "did you mean `has_ehcp`?"},
        Case{"unknown_event", [](Module& m) { r(m, 1).window->event = id("surgry"); }, "E2006",
             "unknown event `surgry`", "did you mean `surgery`?"},
        Case{"unknown_rule", [](Module& m) { r(m, 1).exception_to = id("personal_cae"); }, "E2010",
             "unknown rule `personal_cae`", "did you mean `personal_care`?"},
        Case{"reserved", [](Module& m) { m.events.push_back({id("service"), {}}); }, "E2013"},
        Case{"let_cycle", [](Module& m) {
                 m.lets.push_back({id("a"), name("b"), {}});
                 m.lets.push_back({id("b"), name("a"), {}});
             }, "E2014"},
        Case{"money_vs_date", [](Module& m) {
                 m.facts.push_back({id("budget"), {TypeKind::Money, {}, {}}, std::nullopt, {}});
                 r(m, 0).condition = binary(BinaryOp::And, service_is("personal_care"),
                                            binary(BinaryOp::Lt, name("budget"), date(2025, 1, 1)));
             }, "E2101", "cannot compare `money` with `date`"},
        Case{"money_vs_plain_number", [](Module& m) { m.outcomes[1].condition.args[1] = number(250000); },
             "E2101", "cannot compare `money` with `whole`", "write an amount of money with `£`, e.g. `£250,000`"},
        Case{"wrong_scale", [](Module& m) {
                 m.scales.push_back({id("risk"), {id("minor"), id("major")}, {}});
                 m.thresholds[0].condition.args[0].args[1] = name("major");
             }, "E2102", "`major` is a level of `risk`, not of `need`"},
        Case{"and_on_money", [](Module& m) { r(m, 0).condition = binary(BinaryOp::And, service_is("personal_care"), money(5)); },
             "E2103"},
        Case{"arithmetic_on_text", [](Module& m) {
                 m.lets.push_back({id("x"), binary(BinaryOp::Add, text("a"), number(1)), {}});
             }, "E2104", "cannot apply `+` to `text` and `whole`"},
        Case{"count_not_map", [](Module& m) { m.thresholds[0].condition.args[0].args[0] = name("has_ehcp"); },
             "E2105"},
        Case{"lookup_not_table", [](Module& m) {
                 m.lets.push_back({id("x"), call("lookup", {name("has_ehcp"), number(3)}), {}});
             }, "E2106"},
        Case{"condition_not_bool", [](Module& m) { r(m, 0).condition = money(5); }, "E2107"},
        Case{"bad_default", [](Module& m) { m.facts[0].default_value = number(3); }, "E2108",
             "the default of `has_ehcp` is `whole`, but the fact is `bool`"},
        Case{"service_in_threshold", [](Module& m) { m.thresholds[0].condition = service_is("x"); }, "E2109"},
        Case{"service_via_let_in_outcome", [](Module& m) {
                 m.lets.push_back({id("pc"), service_is("personal_care"), {}});
                 m.outcomes[0].condition = name("pc");
             }, "E2109", "`pc` uses `service`, which is only known inside a rule"},
        Case{"total_in_rule", [](Module& m) {
                 r(m, 0).condition = binary(BinaryOp::And, service_is("personal_care"),
                                            binary(BinaryOp::Gt, name("total"), money(5)));
             }, "E2110"},
        Case{"age_without_dob", [](Module& m) { m.thresholds[0].condition = binary(BinaryOp::Lt, name("age"), number(18)); },
             "E2111"},
        Case{"split_thirds_as_percent", [](Module& m) {
                 r(m, 2).split = {percent("education", 3333, 2), percent("social_care", 3333, 2),
                                  percent("health", 3333, 2)};
             }, "E2201", "the shares of rule `residential` total 99.99%, not 100%",
             "the shares are 0.01% short of 100%; write thirds as fractions (`1/3` is exact, `33.33%` is not)"},
        Case{"split_over", [](Module& m) { r(m, 1).split[0] = percent("health", 60); }, "E2201",
             "the shares of rule `post_op` total 110%, not 100%"},
        Case{"split_fraction_short", [](Module& m) { r(m, 2).split[0] = fraction("education", 1, 6); },
             "E2201", "the shares of rule `residential` total 5/6, not 100%"},
        Case{"no_split", [](Module& m) { r(m, 0).split.clear(); }, "E2202", "rule `personal_care` states no split",
             "state each agency's share, e.g. `split health 50%, social_care 50%`"},
        Case{"split_duplicate", [](Module& m) { r(m, 1).split[1].agency = id("health"); }, "E2203"},
        Case{"share_zero", [](Module& m) { r(m, 0).split.push_back(percent("health", 0)); }, "E2204"},
        Case{"zero_denominator", [](Module& m) { r(m, 2).split[0] = fraction("education", 1, 0); }, "E2205"},
        Case{"cap_not_in_split", [](Module& m) { r(m, 0).caps = {Cap{id("health"), Decimal{5, 0}, Per::Week, id("social_care"), {}}}; },
             "E2206"},
        Case{"excess_to_self", [](Module& m) { r(m, 2).caps[0].excess_to = id("health"); }, "E2207"},
        Case{"odd_penny_not_in_split", [](Module& m) { r(m, 1).odd_penny = id("education"); }, "E2208"},
        Case{"regardless_with_cap", [](Module& m) { r(m, 2).regardless_of_cost = true; }, "E2209"},
        Case{"fixed_split_total", [](Module& m) {
                 r(m, 0).fixed = Fixed{id("health"), Decimal{25406, 2}, Per::Week, {}};
                 r(m, 0).split = {percent("social_care", 60)};
             }, "E2210"},
        Case{"duplicate_cap", [](Module& m) { r(m, 2).caps.push_back(r(m, 2).caps[0]); }, "E2211"},
        Case{"cap_zero", [](Module& m) { r(m, 2).caps[0].amount = Decimal{0, 0}; }, "E2212"},
        Case{"excess_cycle", [](Module& m) {
                 r(m, 2).caps.push_back(Cap{id("social_care"), Decimal{5, 0}, Per::Week, id("health"), {}});
             }, "E2213"},
        Case{"exception_to_self", [](Module& m) { r(m, 1).exception_to = id("post_op"); }, "E2220"},
        Case{"exception_cycle", [](Module& m) { r(m, 0).exception_to = id("post_op"); }, "E2221",
             "exceptions form a cycle: `personal_care` -> `post_op` -> `personal_care`"},
        Case{"window_zero", [](Module& m) { r(m, 1).window->amount = 0; }, "E2230"},
        Case{"window_reversed", [](Module& m) { r(m, 1).window = between({2025, 9, 1}, {2025, 6, 1}); }, "E2231"},
        Case{"table_reversed", [](Module& m) { m.tables.push_back(table("band", {row(10, 5, money(0))})); }, "E2240"},
        Case{"table_overlap", [](Module& m) {
                 m.tables.push_back(table("band", {row(0, 69, money(0)), row(60, 115, money(500))}));
             }, "E2241", "rows `from 0 to 69` and `from 60 to 115` of `band` overlap: both cover 60 to 69"},
        Case{"table_gap", [](Module& m) {
                 m.tables.push_back(table("band", {row(0, 69, money(0)), row(80, 115, money(500))}));
             }, "E2242", "no row of `band` covers 70 to 79"},
        Case{"table_mixed", [](Module& m) {
                 m.tables.push_back(table("band", {row(0, 69, money(0)), row(70, 115, number(500))}));
             }, "E2243"},
        Case{"table_fraction_bound", [](Module& m) {
                 TableRow half = row(0, 9, money(0));
                 half.low = Decimal{5, 1};
                 m.tables.push_back(table("band", {half}));
             }, "E2244"},
        Case{"decline_without_reason", [](Module& m) { m.outcomes[0].reason = ""; }, "E2250"},
        Case{"refer_without_authority", [](Module& m) { m.outcomes[1].authority = "  "; }, "E2251"},
        Case{"effective_reversed", [](Module& m) { m.header.effective_to = CivilDate{2024, 1, 1}; }, "E2260"},
        Case{"agreed_twice", [](Module& m) { m.header.agreed_by.push_back(id("health")); }, "E2261"},
        Case{"pool_duplicate_partner", [](Module& m) {
                 Pool p;
                 p.id = id("pool");
                 p.contributions = {{id("health"), {100, 0}, true, {}}, {id("health"), {100, 0}, true, {}}};
                 p.overspend = p.underspend = ShareBasis::Contributions;
                 m.pools.push_back(p);
             }, "E2270"},
        Case{"pool_host", [](Module& m) {
                 Pool p;
                 p.id = id("pool");
                 p.host = id("education");
                 p.contributions = {{id("health"), {100, 0}, true, {}}};
                 p.overspend = p.underspend = ShareBasis::Contributions;
                 m.pools.push_back(p);
             }, "E2271"},
        Case{"pool_tolerance", [](Module& m) {
                 Pool p;
                 p.id = id("pool");
                 p.contributions = {{id("health"), {100, 0}, true, {}}};
                 p.overspend = p.underspend = ShareBasis::Contributions;
                 p.tolerance = Decimal{1005, 1};
                 m.pools.push_back(p);
             }, "E2272"},
        Case{"pool_nobody_shares", [](Module& m) {
                 Pool p;
                 p.id = id("pool");
                 p.contributions = {{id("health"), {100, 0}, false, {}}};
                 p.overspend = p.underspend = ShareBasis::Contributions;
                 m.pools.push_back(p);
             }, "E2273"},
        Case{"pool_no_overspend_rule", [](Module& m) {
                 Pool p;
                 p.id = id("pool");
                 p.contributions = {{id("health"), {100, 0}, true, {}}};
                 p.underspend = ShareBasis::Contributions;
                 m.pools.push_back(p);
             }, "W2005"},
        Case{"placeholder_unknown", [](Module& m) { r(m, 1).reason = "on {surgry}"; }, "E2280",
             "unknown placeholder `{surgry}` in the reason of rule `post_op`", "did you mean `surgery`?"},
        Case{"placeholder_unclosed", [](Module& m) { r(m, 1).reason = "on {surgery"; }, "E2281"},
        Case{"never_applies_service", [](Module& m) {
                 r(m, 0).condition = binary(BinaryOp::And, service_is("a"), service_is("b"));
             }, "W2001", "rule `personal_care` can never apply: its condition is always false"},
        Case{"never_applies_false", [](Module& m) { r(m, 0).condition = boolean(false); }, "W2001"},
        Case{"never_applies_bounds", [](Module& m) {
                 r(m, 0).condition = binary(BinaryOp::And, binary(BinaryOp::Lt, name("age"), number(5)),
                                            binary(BinaryOp::Gt, name("age"), number(10)));
                 m.facts.push_back({id("date_of_birth"), {TypeKind::Date, {}, {}}, std::nullopt, {}});
             }, "W2001"},
        Case{"overlap_same_service", [](Module& m) { r(m, 1).exception_to.reset(); }, "W2002",
             "rules `personal_care` and `post_op` can both apply to a `personal_care` line, and neither "
             "is an exception to the other"},
        Case{"overlap_no_condition", [](Module& m) { r(m, 0).condition.reset(); }, "W2002"},
        Case{"agency_unused", [](Module& m) { m.agencies.push_back({id("police"), "Police", {}}); }, "W2003"},
        Case{"fact_unused", [](Module& m) { m.facts.push_back({id("x"), {TypeKind::Whole, {}, {}}, std::nullopt, {}}); },
             "W2004", "fact `x` is never used"}),
    [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

// Things that look suspicious but are fine: none of these may produce any diagnostic.
struct CleanCase {
    const char* name;
    std::function<void(Module&)> mutate;
};

class CheckClean : public ::testing::TestWithParam<CleanCase> {};

TEST_P(CheckClean, NoDiagnostics) {
    Module m = base();
    GetParam().mutate(m);
    const Diagnostics ds = check(m);
    EXPECT_TRUE(ds.empty()) << dump(ds);
}

INSTANTIATE_TEST_SUITE_P(
    Check, CheckClean,
    ::testing::Values(
        CleanCase{"exact_thirds_by_fraction", [](Module&) {}},
        CleanCase{"percent_and_fraction_mix", [](Module& m) {
                      r(m, 2).split = {percent("education", 50), fraction("social_care", 1, 4),
                                       fraction("health", 1, 4)};
                  }},
        CleanCase{"exclusive_conditions_do_not_overlap", [](Module& m) {
                      r(m, 1).exception_to.reset();
                      r(m, 1).window.reset();
                      r(m, 0).condition = binary(BinaryOp::And, service_is("personal_care"),
                                                 negation(name("continuing_care")));
                  }},
        CleanCase{"windows_before_and_after_do_not_overlap", [](Module& m) {
                      Rule pre = r(m, 1);
                      pre.id = id("pre_op");
                      pre.window->kind = WindowKind::Before;
                      m.rules.push_back(pre);
                  }},
        CleanCase{"disjoint_date_windows", [](Module& m) {
                      Rule a = rule("a", service_is("respite"), {percent("health", 100)});
                      a.window = between({2025, 4, 1}, {2025, 9, 30});
                      Rule b = rule("b", service_is("respite"), {percent("social_care", 100)});
                      b.window = between({2025, 10, 1}, {2026, 3, 31});
                      m.rules.push_back(a);
                      m.rules.push_back(b);
                  }},
        CleanCase{"level_bounds_split_the_scale", [](Module& m) {
                      m.facts.push_back({id("risk"), {TypeKind::Level, id("need"), {}}, std::nullopt, {}});
                      m.rules.push_back(rule("low_risk",
                                             binary(BinaryOp::And, service_is("respite"),
                                                    binary(BinaryOp::Lt, name("risk"), name("high"))),
                                             {percent("social_care", 100)}));
                      m.rules.push_back(rule("high_risk",
                                             binary(BinaryOp::And, service_is("respite"),
                                                    binary(BinaryOp::Ge, name("risk"), name("high"))),
                                             {percent("health", 100)}));
                  }},
        CleanCase{"table_without_gaps", [](Module& m) {
                      m.tables.push_back(table("band", {row(70, 115, money(500)), row(0, 69, money(0))}));
                      m.facts.push_back({id("points"), {TypeKind::Whole, {}, {}}, std::nullopt, {}});
                      m.outcomes[1].condition = binary(BinaryOp::Gt, call("lookup", {name("band"), name("points")}),
                                                       money(400));
                  }},
        CleanCase{"age_with_dob", [](Module& m) {
                      m.facts.push_back({id("date_of_birth"), {TypeKind::Date, {}, {}}, std::nullopt, {}});
                      m.thresholds[0].condition = binary(BinaryOp::Or, m.thresholds[0].condition,
                                                         binary(BinaryOp::Lt, name("age"), number(18)));
                  }},
        CleanCase{"pool_with_a_non_sharing_partner", [](Module& m) {
                      Pool p;
                      p.id = id("pool");
                      p.host = id("social_care");
                      p.contributions = {{id("social_care"), {100, 0}, true, {}},
                                         {id("education"), {50, 0}, false, {}}};
                      p.overspend = p.underspend = ShareBasis::Contributions;
                      p.tolerance = Decimal{5, 0};
                      m.pools.push_back(p);
                  }}),
    [](const ::testing::TestParamInfo<CleanCase>& p) { return std::string(p.param.name); });

struct VersionsCase {
    const char* name;
    std::vector<std::tuple<std::string, std::string, CivilDate, std::optional<CivilDate>>> modules;
    std::vector<std::string> codes;
};

class CheckVersions : public ::testing::TestWithParam<VersionsCase> {};

TEST_P(CheckVersions, ReportsOverlapsAndRepeats) {
    std::vector<Module> modules;
    for (const auto& [file, version, from, to] : GetParam().modules) {
        Module m = base();
        m.file = file;
        m.header.version = version;
        m.header.effective_from = from;
        m.header.effective_to = to;
        modules.push_back(m);
    }
    std::vector<const Module*> pointers;
    for (const Module& m : modules) pointers.push_back(&m);
    EXPECT_EQ(codes(check_versions(pointers)), GetParam().codes) << dump(check_versions(pointers));
}

INSTANTIATE_TEST_SUITE_P(
    Check, CheckVersions,
    ::testing::Values(
        VersionsCase{"consecutive", {{"a.jf", "1", {2025, 4, 1}, CivilDate{2026, 3, 31}},
                                     {"b.jf", "2", {2026, 4, 1}, std::nullopt}}, {}},
        VersionsCase{"one_day_overlap", {{"a.jf", "1", {2025, 4, 1}, CivilDate{2026, 4, 1}},
                                         {"b.jf", "2", {2026, 4, 1}, std::nullopt}}, {"E2301"}},
        VersionsCase{"open_ended_first", {{"a.jf", "1", {2025, 4, 1}, std::nullopt},
                                          {"b.jf", "2", {2026, 4, 1}, std::nullopt}}, {"E2301"}},
        VersionsCase{"same_version", {{"a.jf", "1", {2025, 4, 1}, CivilDate{2025, 5, 1}},
                                      {"b.jf", "1", {2026, 4, 1}, std::nullopt}}, {"E2302"}}),
    [](const ::testing::TestParamInfo<VersionsCase>& p) { return std::string(p.param.name); });

TEST(CheckVersions, MessageNamesBothFiles) {
    Module a = base();
    a.file = "v1.jf";
    a.header.effective_to.reset();
    Module b = base();
    b.file = "v2.jf";
    b.header.version = "2026.1";
    const Diagnostics ds = check_versions({&a, &b});
    ASSERT_EQ(ds.size(), 1U);
    EXPECT_EQ(ds[0].message,
              "versions `2025.1` (v1.jf) and `2026.1` (v2.jf) of policy `reference` are both in effect on some days");
    EXPECT_EQ(ds[0].file, "v2.jf");
}


// ---------------------------------------------------------------------------------------
// Goldens: tests/golden/check/y_*.jf check clean (no diagnostic at all); n_*.jf produce the
// rendered diagnostics in the .diag beside them. UPDATE_GOLDEN=1 rewrites the .diag files.

namespace fs = std::filesystem;

const fs::path kGoldenDir = fs::path(JOINTLY_SOURCE_DIR) / "tests" / "golden" / "check";

std::vector<std::string> golden_files() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
        if (entry.path().extension() == ".jf") names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class CheckGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckGolden, MatchesItsDiagnostics) {
    const std::string name = GetParam();
    const std::string source = slurp(kGoldenDir / name);
    ParseResult parsed = parse(source, "tests/golden/check/" + name);
    Diagnostics all = parsed.diagnostics;
    if (parsed.module) {
        const Diagnostics checked = check(*parsed.module);
        all.insert(all.end(), checked.begin(), checked.end());
    }
    const std::string rendered = render_all(all, source);
    if (name.starts_with("y_")) {
        EXPECT_TRUE(all.empty()) << rendered;
        return;
    }
    ASSERT_TRUE(name.starts_with("n_")) << "golden files are y_*.jf or n_*.jf";
    EXPECT_FALSE(all.empty()) << name << " must produce at least one diagnostic";
    fs::path expected_path = kGoldenDir / name;
    expected_path.replace_extension(".diag");
    const char* update = std::getenv("UPDATE_GOLDEN");
    if (update != nullptr && std::string(update) == "1") {
        std::ofstream(expected_path, std::ios::binary) << rendered;
        return;
    }
    ASSERT_TRUE(fs::exists(expected_path)) << expected_path << " is missing; run with UPDATE_GOLDEN=1";
    EXPECT_EQ(rendered, slurp(expected_path));
}

INSTANTIATE_TEST_SUITE_P(Golden, CheckGolden, ::testing::ValuesIn(golden_files()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                             std::string n = p.param.substr(0, p.param.size() - 3);
                             return n;
                         });

}  // namespace
}  // namespace jointly::dsl
