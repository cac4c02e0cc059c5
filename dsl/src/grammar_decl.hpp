// The header and the declarations of a policy file. Private to parse.cpp.
#pragma once

#include "grammar_expr.hpp"

namespace jointly::dsl::grammar {

// How messages name each clause, in the order of the enumerations (grammar_state.hpp).
inline constexpr std::array<ClauseName<HeaderClause>, 6> kHeaderClauseNames{{
    {HeaderClause::version, "`version`"},
    {HeaderClause::effective, "`effective`"},
    {HeaderClause::agreed_by, "`agreed by`"},
    {HeaderClause::ref, "`ref`"},
    {HeaderClause::panel, "`panel`"},
    {HeaderClause::rounding, "`rounding`"},
}};
inline constexpr std::array<ClauseName<RuleClause>, 12> kRuleClauseNames{{
    {RuleClause::ref, "`ref`"},
    {RuleClause::exception_to, "`exception to`"},
    {RuleClause::when, "`when`"},
    {RuleClause::window, "the time window", "the time window (`within`, `from`, `before`, `on or before`)"},
    {RuleClause::refuse, "`refuse`"},
    {RuleClause::refer, "`refer to`"},
    {RuleClause::pay, "`pay`"},
    {RuleClause::split, "`split`"},
    {RuleClause::odd_penny, "`odd penny`"},
    {RuleClause::cap, "`cap`"},
    {RuleClause::regardless_of_cost, "`regardless of cost`"},
    {RuleClause::because, "`because`"},
}};
inline constexpr std::array<ClauseName<PoolClause>, 6> kPoolClauseNames{{
    {PoolClause::host, "`host`"},
    {PoolClause::contribution, "`contribution`"},
    {PoolClause::overspend, "`overspend`"},
    {PoolClause::underspend, "`underspend`"},
    {PoolClause::risk_capped, "`risk capped at contribution`"},
    {PoolClause::tolerance, "`tolerance`"},
}};
static_assert(in_order(kHeaderClauseNames) && in_order(kRuleClauseNames) && in_order(kPoolClauseNames));

inline const ClauseTable kHeaderClauses =
    clause_table("in the policy header", "the header's", kHeaderClauseNames, {});
inline const ClauseTable kRuleClauses = clause_table("in a rule", "a rule's", kRuleClauseNames, {RuleClause::cap});
inline const ClauseTable kPoolClauses =
    clause_table("in a pool", "a pool's", kPoolClauseNames, {PoolClause::contribution});

struct header_class {};
struct rule_class {};
struct effective_class {};
struct agreed_class {};
struct rounding_class {};
struct agency_class {};
struct agency_group_class {};
struct service_class {};
struct scale_class {};
struct type_class {};
struct fact_class {};
struct event_class {};
struct let_class {};
struct eligible_class {};
struct row_class {};
struct table_class {};
struct window_class {};
struct unit_class {};
struct bound_class {};
struct per_class {};
struct fixed_class {};
struct share_class {};
struct split_class {};
struct cap_class {};
struct regardless_class {};
struct line_action_class {};
struct risk_class {};
struct decline_class {};
struct refer_class {};
struct contribution_class {};
struct sharing_class {};
struct basis_class {};
struct overspend_class {};
struct underspend_class {};
struct tolerance_class {};
struct pool_class {};
struct policy_file_class {};

struct Effective {
    std::optional<CivilDate> from;
    std::optional<CivilDate> to;
    Span span;
};
struct Agreed {
    std::vector<Ident> by;
    std::optional<CivilDate> on;
    Span span;
};
struct Underspend {
    ShareBasis basis = ShareBasis::Unstated;
    bool carry_forward = false;
    bool provisional = false;
    Span span;
};
struct Marker {
    Span span;
};
// `[not] sharing overspend` / `[not] sharing underspend` after a contribution
struct Sharing {
    bool negated = false;
    bool underspend = false;
    Span span;
};

x3::rule<header_class, Header> const header = "the policy header";
x3::rule<effective_class, Effective> const effective =
    "a date range like `2025-04-01 to 2026-03-31` or `from 2025-04-01`";
x3::rule<agreed_class, Agreed> const agreed = "`by` and the agencies that agreed";
x3::rule<rounding_class, Spanned<Rounding>> const rounding = "`half_up` or `half_even`";
x3::rule<agency_class, Agency> const agency = "an agency";
x3::rule<agency_group_class, AgencyGroup> const agency_group = "an agency group";
x3::rule<service_class, Service> const service = "a service";
x3::rule<scale_class, Scale> const scale = "a scale";
x3::rule<type_class, TypeRef> const type =
    "a type (`bool`, `whole`, `decimal`, `money`, `date`, `text`, `list of text`, a scale's "
    "name, `map of` a scale's name, or `agency in` the agencies it may name)";
x3::rule<fact_class, Fact> const fact = "a fact";
x3::rule<event_class, Event> const event = "an event";
x3::rule<let_class, Let> const let = "a definition";
x3::rule<eligible_class, Threshold> const eligible = "a threshold";
x3::rule<row_class, TableRow> const row = "a row like `from 0 to 69 gives £0`";
x3::rule<table_class, Table> const table = "a table";
x3::rule<window_class, Window> const window = "a time window";
x3::rule<unit_class, TimeUnit> const unit = "`days` or `weeks`";
x3::rule<bound_class, WindowBound> const bound = "a date like `2025-04-01` or an event's name";
x3::rule<per_class, Per> const per = "`per week`, `per hour`, `per line` or `per financial year`";
x3::rule<fixed_class, Fixed> const fixed = "a fixed payment";
x3::rule<share_class, Share> const share = "a share like `health 50%` or `health 1/3`";
x3::rule<split_class, Spanned<std::vector<Share>>> const split = "a split";
x3::rule<cap_class, Cap> const cap = "a cap";
x3::rule<regardless_class, Marker> const regardless = "`regardless of cost`";
x3::rule<line_action_class, LineAction> const line_action = "`refuse` or `refer to`";
x3::rule<rule_class, Rule> const rule_decl = "a rule";
x3::rule<decline_class, OutcomeRule> const decline = "a decline rule";
x3::rule<refer_class, OutcomeRule> const refer = "a refer rule";
x3::rule<contribution_class, Contribution> const contribution = "a contribution";
x3::rule<sharing_class, Sharing> const sharing = "`sharing overspend` or `not sharing overspend`";
x3::rule<basis_class, ShareBasis> const basis = "`contributions` or `actual contributions`";
x3::rule<overspend_class, Spanned<ShareBasis>> const overspend = "an overspend clause";
x3::rule<underspend_class, Underspend> const underspend = "an underspend clause";
x3::rule<risk_class, Marker> const risk = "`risk capped at contribution`";
x3::rule<tolerance_class, Spanned<Decimal>> const tolerance = "a tolerance";
x3::rule<pool_class, Pool> const pool = "a pool";
x3::rule<policy_file_class, Module> const policy_file = "a policy";

// Wording for what comes next, where a bare keyword would say too little.
auto const when_kw = described("`when` and a condition", kw("when"));
auto const because_kw = described("`because` and a quoted reason", kw("because"));
auto const reason = described("a quoted reason like \"...\"", quoted);
// An amount: a money literal straight before `per` (the usual case, read without going
// through the expression grammar), else an expression. (`per` is a name elsewhere; here it
// means the amount was left out.)
struct amount_class {};
x3::rule<amount_class, Expr> const amount = "an amount of money like `£1,500`, or the name of one";
auto const amount_def = (money[make_money] >> &kw("per")) | (!kw("per") >> expr[pass_up]);
auto const agency_name = name("an agency's name");
auto const colon = described("`:`", sym(":"));

inline constexpr auto set_from = [](auto& ctx) { x3::_val(ctx).from = x3::_attr(ctx); };
inline constexpr auto set_to = [](auto& ctx) { x3::_val(ctx).to = x3::_attr(ctx); };
inline constexpr auto set_date = [](auto& ctx) { x3::_val(ctx).date = x3::_attr(ctx); };
inline constexpr auto set_event = [](auto& ctx) { x3::_val(ctx).event = x3::_attr(ctx); };
inline constexpr auto set_map = [](auto& ctx) {
    x3::_val(ctx).kind = TypeKind::LevelMap;
    x3::_val(ctx).scale = std::move(x3::_attr(ctx));
};
inline constexpr auto set_level = [](auto& ctx) {
    x3::_val(ctx).kind = TypeKind::Level;
    x3::_val(ctx).scale = std::move(x3::_attr(ctx));
};
inline constexpr auto set_low = [](auto& ctx) { x3::_val(ctx).low = Decimal{x3::_attr(ctx), 0}; };
inline constexpr auto set_high = [](auto& ctx) { x3::_val(ctx).high = Decimal{x3::_attr(ctx), 0}; };
inline constexpr auto set_share_amount = [](auto& ctx) {
    Share& s = x3::_attr(ctx);
    Share& v = x3::_val(ctx);
    v.kind = s.kind;
    v.percent = s.percent;
    v.numerator = s.numerator;
    v.denominator = s.denominator;
};
inline constexpr auto push_value = [](auto& ctx) {
    x3::_val(ctx).value.push_back(std::move(x3::_attr(ctx)));
};
inline constexpr auto set_value = [](auto& ctx) { x3::_val(ctx).value = x3::_attr(ctx); };
inline constexpr auto set_effective = [](auto& ctx) {
    Effective& e = x3::_attr(ctx);
    Header& h = x3::_val(ctx);
    h.effective_from = e.from;
    h.effective_to = e.to;
    h.effective_span = e.span;
};
inline constexpr auto set_agreed = [](auto& ctx) {
    Agreed& a = x3::_attr(ctx);
    Header& h = x3::_val(ctx);
    h.agreed_by = std::move(a.by);
    h.agreed_on = a.on;
    h.agreed_span = a.span;
};
inline constexpr auto set_split = [](auto& ctx) {
    auto& s = x3::_attr(ctx);
    x3::_val(ctx).split = std::move(s.value);
    x3::_val(ctx).split_span = s.span;
};
inline constexpr auto set_regardless = [](auto& ctx) {
    x3::_val(ctx).regardless_of_cost = true;
    x3::_val(ctx).regardless_span = x3::_attr(ctx).span;
};
inline constexpr auto set_underspend = [](auto& ctx) {
    Underspend& u = x3::_attr(ctx);
    Pool& p = x3::_val(ctx);
    p.underspend = u.basis;
    p.carry_forward_allowed = u.carry_forward;
    p.provisional = u.provisional;
    p.underspend_span = u.span;
};
// A cap's or a fixed payment's amount: a money literal into `amount`, anything else into
// `amount_expr` (the checker requires money).
inline constexpr auto set_amount = [](auto& ctx) {
    Expr& e = x3::_attr(ctx);
    auto& v = x3::_val(ctx);
    if (const MoneyLit* m = e.as<MoneyLit>()) {
        v.amount = m->pounds;
    } else {
        v.amount_expr = std::move(e);
    }
};
// A contribution's `[not] sharing overspend|underspend`; each at most once (E1011).
inline constexpr auto add_sharing = [](auto& ctx) {
    Sharing const& s = x3::_attr(ctx);
    Contribution& c = x3::_val(ctx);
    bool& stated = s.underspend ? c.underspend_stated : c.overspend_stated;
    if (stated) {
        ParseState& st = state_of(ctx);
        throw SyntaxError{Code::clause_twice,
                          std::string("a contribution says whether it shares an ") +
                              (s.underspend ? "underspend" : "overspend") + " twice",
                          st.begin() + s.span.offset, st.begin() + s.span.offset + s.span.length,
                          "keep one of them"};
    }
    stated = true;
    (s.underspend ? c.shares_underspend : c.shares_overspend) = !s.negated;
};
inline constexpr auto set_risk = [](auto& ctx) {
    x3::_val(ctx).risk_capped = true;
    x3::_val(ctx).risk_span = x3::_attr(ctx).span;
};

// ---- header
auto const header_def = node(
    kw("policy")[begin_decl{&kHeaderClauses, DeclKind::Header}] >
    name("the policy's id, like `northshire_jfp`")[assign_to<&Header::id>] >
    described("the policy's title in quotes", quoted)[text_to<&Header::title>] >
    *((clause("version", HeaderClause::version) > described("the version in quotes, like \"2025.1\"",
                                        quoted)[text_to<&Header::version, &Header::version_span>]) |
      (clause("effective", HeaderClause::effective) > effective[set_effective]) |
      (clause("agreed", HeaderClause::agreed_by) > agreed[set_agreed]) |
      (clause("ref", HeaderClause::ref) >
       described("the reference in quotes", quoted)[text_to<&Header::ref, &Header::ref_span>]) |
      (clause("panel", HeaderClause::panel) > described("the panel's name in quotes",
                                      quoted)[text_to<&Header::panel, &Header::panel_span>]) |
      (clause("rounding", HeaderClause::rounding) > rounding[spanned_to<&Header::rounding, &Header::rounding_span>])));
auto const effective_def =
    node((kw("from") > described("a date like `2025-04-01`", date)[set_from] >
          -(kw("to") > described("a date like `2026-03-31`", date)[set_to])) |
         (date[set_from] > described("`to` and the last day", kw("to")) >
          described("a date like `2026-03-31`", date)[set_to]));
auto const agreed_def = node(
    kw("by") > agency_name[push_to<&Agreed::by>] > *(sym(",") > agency_name[push_to<&Agreed::by>]) >
    -(kw("on") > described("a date like `2025-03-14`", date)[assign_to<&Agreed::on>]));
auto const rounding_def =
    node(kw("half_up")[value_to<&Spanned<Rounding>::value, Rounding::HalfUp>] |
         kw("half_even")[value_to<&Spanned<Rounding>::value, Rounding::HalfEven>]);

// ---- declarations
auto const agency_def =
    node(kw("agency")[begin_decl{nullptr, DeclKind::Agency}] >
         name("the agency's id, like `health`")[assign_to<&Agency::id>] >
         described("the agency's display name in quotes, like \"NHS Northshire ICB\"",
                   quoted)[text_to<&Agency::display_name>]);
// `agency group health: icb_north, icb_south` (read before `agency`, which it starts like)
auto const agency_member = name("a declared agency's name");
auto const agency_group_def =
    node((kw("agency") >> kw("group") >> name_soft("")[assign_to<&AgencyGroup::id>] >> colon)
             [begin_decl{nullptr, DeclKind::Agency}] >
         agency_member[push_to<&AgencyGroup::members>] > *(sym(",") > agency_member[push_to<&AgencyGroup::members>]));
auto const service_member = name("a declared service's name");
auto const line_kind = kw("weekly")[value_to<&Service::kind, LineKindDecl::Weekly>] |
                       kw("hourly")[value_to<&Service::kind, LineKindDecl::Hourly>] |
                       kw("one_off")[value_to<&Service::kind, LineKindDecl::OneOff>];
auto const service_def =
    node(kw("service")[begin_decl{nullptr, DeclKind::Service}] >
         (((kw("group") >> name_soft("")[assign_to<&Service::id>] >> colon)[value_to<&Service::group, true>] >
           service_member[push_to<&Service::members>] > *(sym(",") > service_member[push_to<&Service::members>])) |
          (name("the service's id, like `personal_care`")[assign_to<&Service::id>] >
           described("the service's display name in quotes, like \"personal care\"",
                     quoted)[text_to<&Service::display_name>] >
           -line_kind)));
auto const scale_def = node(kw("scale")[begin_decl{nullptr, DeclKind::Scale}] >
                            name("the scale's name, like `need`")[assign_to<&Scale::id>] > colon >
                            name("a level's name")[push_to<&Scale::levels>] >
                            *(sym("<") > name("a level's name")[push_to<&Scale::levels>]));
auto const type_def =
    node(kw("bool")[value_to<&TypeRef::kind, TypeKind::Bool>] |
         kw("whole")[value_to<&TypeRef::kind, TypeKind::Whole>] |
         kw("decimal")[value_to<&TypeRef::kind, TypeKind::Decimal>] |
         kw("money")[value_to<&TypeRef::kind, TypeKind::Money>] |
         kw("date")[value_to<&TypeRef::kind, TypeKind::Date>] |
         kw("text")[value_to<&TypeRef::kind, TypeKind::Text>] |
         (kw("list") > kw("of") > kw("text"))[value_to<&TypeRef::kind, TypeKind::TextList>] |
         (kw("agency")[value_to<&TypeRef::kind, TypeKind::Agency>] > described("`in` and the agencies the fact may name", kw("in")) >
          agency_member[push_to<&TypeRef::agencies>] > *(sym(",") > agency_member[push_to<&TypeRef::agencies>])) |
         (kw("map") > kw("of") > name("a scale's name"))[set_map] | name_soft("")[set_level]);
auto const fact_def =
    node(kw("fact")[begin_decl{nullptr, DeclKind::Fact}] >
         name("the fact's name, like `has_ehcp`")[assign_to<&Fact::id>] >
         -quoted[text_to<&Fact::label, &Fact::label_span>] > colon >
         type[assign_to<&Fact::type>] > -(kw("default") > expr[assign_to<&Fact::default_value>]));
auto const event_def = node(kw("event")[begin_decl{nullptr, DeclKind::Event}] >
                            name("the event's name, like `surgery`")[assign_to<&Event::id>] >
                            -kw("repeats")[value_to<&Event::repeats, true>]);
auto const let_def = node(kw("let")[begin_decl{nullptr, DeclKind::Let}] >
                          name("the definition's name")[assign_to<&Let::id>] >
                          described("`=`", sym("=")) > expr[assign_to<&Let::value>]);
auto const eligible_def =
    node(kw("eligible")[begin_decl{nullptr, DeclKind::Eligible}] >
         name("the threshold's name, like `continuing_care`")[assign_to<&Threshold::id>] > when_kw >
         expr[assign_to<&Threshold::condition>] > because_kw >
         reason[text_to<&Threshold::reason, &Threshold::reason_span>]);
auto const row_def =
    node(kw("from") > whole[set_low] >
         described("`to` or `gives`",
                   (kw("to") > whole[set_high] > described("`gives` and a value", kw("gives")) >
                    expr[assign_to<&TableRow::value>]) |
                       (kw("gives")[value_to<&TableRow::open_ended, true>] >
                        expr[assign_to<&TableRow::value>])));
auto const table_def = node(kw("table")[begin_decl{nullptr, DeclKind::Table}] >
                            name("the table's name, like `band`")[assign_to<&Table::id>] >
                            row[push_to<&Table::rows>] > *row[push_to<&Table::rows>]);

// ---- rules
auto const window_def =
    node((clause("within", RuleClause::window) > whole[assign_to<&Window::amount>] > unit[assign_to<&Window::unit>] >
          described("`after` or `before`",
                    kw("after")[value_to<&Window::kind, WindowKind::After>] |
                        kw("before")[value_to<&Window::kind, WindowKind::Before>]) >
          name("an event's name")[assign_to<&Window::event>]) |
         (clause("from", RuleClause::window)[value_to<&Window::kind, WindowKind::Between>] > bound[set_from] >
          bound_end >
          -((kw("to") > bound[set_to] > bound_end) |
            (kw("through")[value_to<&Window::through, true>] > bound[set_to] > bound_end) |
            (kw("until")[value_to<&Window::to_exclusive, true>] > bound[set_to] > bound_end))) |
         (clause("before", RuleClause::window)[value_to<&Window::kind, WindowKind::Between>] > bound[set_to] >
          bound_end > x3::eps[value_to<&Window::to_exclusive, true>]) |
         (clause("on", RuleClause::window)[value_to<&Window::kind, WindowKind::Between>] >
          described("`or before`", kw("or") > kw("before")) > bound[set_to] > bound_end));
auto const unit_def =
    node(kw("days")[result<TimeUnit::Days>] | kw("day")[result<TimeUnit::Days>] |
         kw("weeks")[result<TimeUnit::Weeks>] | kw("week")[result<TimeUnit::Weeks>]);
auto const bound_def = node(date[set_date] | name_soft("")[set_event]);
// One unit to an amount: a second (`per hour per week`) is an error naming both (check_one_unit).
inline constexpr auto one_unit = [](auto& ctx) {
    check_one_unit(state_of(ctx), x3::_where(ctx).begin(), x3::_val(ctx));
};
auto const per_def =
    node(kw("per") > described("`week`, `hour`, `line` or `financial year`",
                               kw("week")[result<Per::Week>] | kw("hour")[result<Per::Hour>] |
                                   kw("line")[result<Per::Line>] |
                                   (kw("financial") > described("`year`", kw("year")))[result<Per::FinancialYear>]) >
         x3::eps[one_unit]);
auto const fixed_def = node(clause("pay", RuleClause::pay) > agency_name[assign_to<&Fixed::agency>] >
                            amount[set_amount] > per[assign_to<&Fixed::per>]);
auto const share_def =
    node(name("an agency's name")[assign_to<&Share::agency>] > split_share[set_share_amount]);
auto const split_def =
    node(clause("split", RuleClause::split) > share[push_value] > *(sym(",") > share[push_value]) >
         described("`,` before the next share", !(name_soft("") >> share_amount)));
auto const cap_def =
    node(clause("cap", RuleClause::cap) > agency_name[assign_to<&Cap::agency>] > kw("at") >
         amount[set_amount] > per[assign_to<&Cap::per>] > -sym(",") >
         described("`excess to` and who pays the excess", kw("excess")) > kw("to") >
         described("an agency's name or `panel`",
                   kw("panel") | name_soft("")[assign_to<&Cap::excess_to>]));
auto const regardless_def = node(clause("regardless", RuleClause::regardless_of_cost) > kw("of") > kw("cost"));
// `refer to "X"` inside a rule stands alone; the outcome rule `refer to "X" [ref "..."] when`
// that may follow the rule has `ref` or `when` after the authority.
auto const line_action_def =
    node(clause("refuse", RuleClause::refuse)[value_to<&LineAction::kind, RuleAction::Refuse>] |
         ((&(kw("refer") >> kw("to") >> quoted >> !(kw("ref") | kw("when"))) >>
           clause("refer", RuleClause::refer)[value_to<&LineAction::kind, RuleAction::Refer>]) > kw("to") >
          quoted[text_to<&LineAction::authority, &LineAction::authority_span>]));
auto const excepted = name("the name of the rule it is an exception to");
auto const rule_decl_def =
    node(kw("rule")[begin_decl{&kRuleClauses, DeclKind::Rule}] >
         name("the rule's name, like `personal_care`")[assign_to<&Rule::id>] >
         *((clause("ref", RuleClause::ref) > described("the clause reference in quotes, like \"s.4.1\"",
                                         quoted)[text_to<&Rule::ref, &Rule::ref_span>]) |
           (clause("exception", RuleClause::exception_to) > kw("to") > excepted[push_to<&Rule::exception_to>] >
            *(sym(",") > excepted[push_to<&Rule::exception_to>])) |
           (clause("when", RuleClause::when) > expr[assign_to<&Rule::condition>]) |
           window[assign_to<&Rule::window>] | line_action[assign_to<&Rule::action>] |
           fixed[assign_to<&Rule::fixed>] | split[set_split] |
           (clause("odd", RuleClause::odd_penny) > kw("penny") > kw("to") > agency_name[assign_to<&Rule::odd_penny>]) |
           cap[push_to<&Rule::caps>] | regardless[set_regardless] |
           (clause("because", RuleClause::because) > reason[text_to<&Rule::reason, &Rule::reason_span>])));

// ---- outcomes
auto const outcome_ref = described("the clause reference in quotes, like \"CNP 5.2\"", quoted);
auto const decline_def = node(kw("decline")[begin_decl{nullptr, DeclKind::Decline}] >
                              -(kw("ref") > outcome_ref[text_to<&OutcomeRule::ref, &OutcomeRule::ref_span>]) >
                              when_kw >
                              expr[assign_to<&OutcomeRule::condition>] > because_kw >
                              reason[text_to<&OutcomeRule::reason, &OutcomeRule::reason_span>]);
auto const refer_def =
    node(kw("refer")[begin_decl{nullptr, DeclKind::Refer}] >
         x3::eps[value_to<&OutcomeRule::kind, OutcomeKind::Refer>] > kw("to") >
         described("the authority in quotes, like \"Director of Children's Services\"",
                   quoted)[text_to<&OutcomeRule::authority, &OutcomeRule::authority_span>] >
         -(kw("ref") > outcome_ref[text_to<&OutcomeRule::ref, &OutcomeRule::ref_span>]) >
         when_kw > expr[assign_to<&OutcomeRule::condition>] >
         -(kw("because") > reason[text_to<&OutcomeRule::reason, &OutcomeRule::reason_span>]));

// ---- pools
auto const sharing_def =
    node((-kw("not")[value_to<&Sharing::negated, true>] >> kw("sharing")) >
         described("`overspend` or `underspend`",
                   kw("overspend") | kw("underspend")[value_to<&Sharing::underspend, true>]));
auto const contribution_def =
    node(clause("contribution", PoolClause::contribution) > agency_name[assign_to<&Contribution::agency>] >
         contribution_money[assign_to<&Contribution::amount>] >
         -(sharing[add_sharing] >> -(-sym(",") >> sharing[add_sharing])));
auto const basis_def = node(kw("contributions")[result<ShareBasis::Contributions>] |
                            (kw("actual") > kw("contributions"))[result<ShareBasis::Actual>]);
auto const overspend_def = node(clause("overspend", PoolClause::overspend) > kw("shared") > kw("in") >
                                kw("proportion") > kw("to") > basis[set_value]);
auto const underspend_def = node(
    clause("underspend", PoolClause::underspend) > kw("returned") > kw("in") > kw("proportion") > kw("to") >
    basis[assign_to<&Underspend::basis>] >
    -(kw("unless") > kw("carried") > kw("forward"))[value_to<&Underspend::carry_forward, true>] >
    -(kw("in") > kw("consultation") > kw("with") >
      kw("partners"))[value_to<&Underspend::provisional, true>]);
auto const risk_def = node(clause("risk", PoolClause::risk_capped) > kw("capped") > kw("at") > kw("contribution"));
auto const tolerance_def = node(clause("tolerance", PoolClause::tolerance) > percent[set_value]);
auto const pool_def = node(kw("pool")[begin_decl{&kPoolClauses, DeclKind::Pool}] >
                           name("the pool's name, like `short_breaks`")[assign_to<&Pool::id>] >
                           described("the pool's title in quotes", quoted)[text_to<&Pool::title>] >
                           *((clause("host", PoolClause::host) > agency_name[assign_to<&Pool::host>]) |
                             contribution[push_to<&Pool::contributions>] |
                             overspend[spanned_to<&Pool::overspend, &Pool::overspend_span>] |
                             underspend[set_underspend] | risk[set_risk] |
                             tolerance[spanned_to<&Pool::tolerance, &Pool::tolerance_span>]));

// ---- the file
auto const policy_file_def =
    node(header[assign_to<&Module::header>] >
         *(agency_group[push_to<&Module::agency_groups>] | agency[push_to<&Module::agencies>] | service[push_to<&Module::services>] | scale[push_to<&Module::scales>] |
           fact[push_to<&Module::facts>] | event[push_to<&Module::events>] |
           let[push_to<&Module::lets>] | eligible[push_to<&Module::thresholds>] |
           table[push_to<&Module::tables>] | rule_decl[push_to<&Module::rules>] |
           decline[push_to<&Module::outcomes>] | refer[push_to<&Module::outcomes>] |
           pool[push_to<&Module::pools>]) > end_of_file);

BOOST_SPIRIT_DEFINE(header, effective, agreed, rounding, agency, agency_group, service, scale, type, fact, event, let,
                    eligible, row, table, window, unit, bound, per, fixed, share, split, cap)
BOOST_SPIRIT_DEFINE(amount)
BOOST_SPIRIT_DEFINE(regardless, line_action, rule_decl, decline, refer, contribution, sharing, basis, overspend,
                    underspend, risk, tolerance, pool, policy_file)

}  // namespace jointly::dsl::grammar
