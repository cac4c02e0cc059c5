#include "expr_eval.hpp"

#include <algorithm>
#include <string>

#include "jointly/engine/codes.hpp"

namespace jointly::engine::detail {
namespace {

[[noreturn]] void fail(dsl::Code code, std::string message, const dsl::Span& span, std::int32_t node = -1) {
    throw EvalFailure{code, std::move(message), span, node};
}

std::int32_t index_of(const EvalContext& cx, const Node& n) {
    return static_cast<std::int32_t>(&n - cx.program->nodes.data());
}

// A date moved past the calendar's range by `n`; `node` is what the request's part in it is
// read from.
[[noreturn]] void date_out_of_range(const Node& n, std::int32_t node) {
    throw EvalFailure{codes::kOverflow, "a date works out outside the years 1900 to 9999", n.span, node};
}

Val make_bool(bool b) {
    Val v;
    v.type = VType::Bool;
    v.b = b;
    return v;
}

Val make_ratio(VType type, const Ratio& r) {
    Val v;
    v.type = type;
    v.r = r;
    return v;
}

Val make_date(Date d) {
    Val v;
    v.type = VType::Date;
    v.i = d.days();
    return v;
}

const ProgramImpl& prog(const EvalContext& cx) { return *cx.program; }

Val eval_let(EvalContext& cx, const Node& n) {
    const CLet& let = prog(cx).lets[static_cast<std::size_t>(n.index)];
    const Node& root = prog(cx).nodes[static_cast<std::size_t>(let.root)];
    if (root.dep <= Dep::Request && cx.let_cache != nullptr) {
        const auto i = static_cast<std::size_t>(n.index);
        if ((*cx.let_ready)[i] == 0) {
            (*cx.let_cache)[i] = eval(cx, let.root);
            (*cx.let_ready)[i] = 1;
        }
        return (*cx.let_cache)[i];
    }
    return eval(cx, let.root);
}

Val eval_threshold(EvalContext& cx, const Node& n) {
    const CThreshold& t = prog(cx).thresholds[static_cast<std::size_t>(n.index)];
    const Node& root = prog(cx).nodes[static_cast<std::size_t>(t.root)];
    if (root.dep <= Dep::Request && cx.threshold_cache != nullptr) {
        const auto i = static_cast<std::size_t>(n.index);
        if ((*cx.threshold_ready)[i] == 0) {
            (*cx.threshold_cache)[i] = eval(cx, t.root);
            (*cx.threshold_ready)[i] = 1;
        }
        return (*cx.threshold_cache)[i];
    }
    return eval(cx, t.root);
}

Val eval_lookup(EvalContext& cx, const Node& n) {
    const CTable& table = prog(cx).tables[static_cast<std::size_t>(n.index)];
    const Val x = eval(cx, n.b);
    for (std::size_t i = 0; i < table.rows.size(); ++i) {
        const CTableRow& row = table.rows[i];
        if (x.r >= row.low && (!row.high || x.r <= *row.high)) {
            if (cx.coverage != nullptr) cx.coverage->table_rows[static_cast<std::size_t>(n.index)][i] = 1;
            return eval(cx, row.value);
        }
    }
    fail(codes::kLookupOutside,
         "`" + x.r.to_string() + "` is outside every row of table `" + table.name + "`",
         table.span, n.b);
}

Val arith(EvalContext& cx, const Node& n) {
    const Val x = eval(cx, n.a);
    const Val y = eval(cx, n.b);
    if (n.type == VType::Date) {
        // date + days, date - days
        const Ratio days = x.type == VType::Date ? y.r : x.r;
        const Date base = Date::from_days(x.type == VType::Date ? x.i : y.i);
        if (days.den() != 1) fail(codes::kOverflow, "a number of days must be whole", n.span, index_of(cx, n));
        const Date moved = base.plus_days(n.op == Op::Sub ? -days.num() : days.num());
        if (moved.year() < 1900 || moved.year() > 9999) date_out_of_range(n, index_of(cx, n));
        return make_date(moved);
    }
    if (x.type == VType::Date && y.type == VType::Date) {  // date - date: days
        return make_ratio(VType::Number, Ratio::whole(std::int64_t{x.i} - y.i));
    }
    switch (n.op) {
        case Op::Add: return make_ratio(n.type, x.r + y.r);
        case Op::Sub: return make_ratio(n.type, x.r - y.r);
        case Op::Mul: return make_ratio(n.type, x.r * y.r);
        case Op::Div:
            if (y.r.num() == 0) fail(codes::kDivisionByZero, "division by zero", n.span, n.b);
            return make_ratio(n.type, x.r / y.r);
        default: break;
    }
    fail(codes::kInternal, "unexpected arithmetic", n.span);
}

// arith(), a result too large to hold exactly named at this operation (the innermost one:
// an operand's own failure is an EvalFailure by then, which passes through).
Val eval_arith(EvalContext& cx, const Node& n) {
    try {
        return arith(cx, n);
    } catch (const OverflowError& e) {
        if (n.type == VType::Date) date_out_of_range(n, index_of(cx, n));
        fail(codes::kOverflow, std::string("an amount is too large to compute exactly (") + e.what() + ")", n.span,
             index_of(cx, n));
    }
}

}  // namespace

int compare(const Val& x, const Val& y) {
    switch (x.type) {
        case VType::Bool: return static_cast<int>(x.b) - static_cast<int>(y.b);
        case VType::Number:
        case VType::Money: {
            const auto c = x.r <=> y.r;
            return c < 0 ? -1 : (c > 0 ? 1 : 0);
        }
        case VType::Date:
        case VType::Level:
        case VType::Service: return x.i < y.i ? -1 : (x.i > y.i ? 1 : 0);
        case VType::Text: {
            const int c = x.s->compare(*y.s);
            return c < 0 ? -1 : (c > 0 ? 1 : 0);
        }
        case VType::LevelMap:
        case VType::TextList: break;
    }
    return 0;
}

Val to_val(const Value& value) {
    Val v;
    switch (value.index()) {
        case 0: v.type = VType::Bool; v.b = std::get<bool>(value); break;
        case 1: v.type = VType::Number; v.r = Ratio::whole(std::get<std::int64_t>(value)); break;
        case 2: v.type = VType::Number; v.r = std::get<Ratio>(value); break;
        case 3: v.type = VType::Money; v.r = std::get<Money>(value).as_ratio(); break;
        case 4: v.type = VType::Date; v.i = std::get<Date>(value).days(); break;
        case 5: v.type = VType::Text; v.s = &std::get<std::string>(value); break;
        case 6: v.type = VType::Level; v.i = std::get<Level>(value).index; break;
        case 7: v.type = VType::LevelMap; v.map = &std::get<LevelMap>(value); break;
        default: v.type = VType::TextList; v.list = &std::get<TextList>(value); break;
    }
    return v;
}

std::int64_t age_on(Date dob, Date on) {
    std::int64_t years = on.year() - dob.year();
    const int om = on.month();
    const int od = on.day();
    const int bm = dob.month();
    const int bd = dob.day();
    if (om < bm || (om == bm && od < bd)) --years;
    return years;
}

Date birthday(Date dob, std::int64_t years) {
    const auto y = static_cast<int>(dob.year() + years);
    const int m = dob.month();
    const int d = dob.day();
    if (m == 2 && d == 29) {
        const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (!leap) return Date::from_civil(y, 3, 1);
    }
    return Date::from_civil(y, m, d);
}

Date add_months(Date d, std::int64_t months) {
    const std::int64_t index = std::int64_t{d.year()} * 12 + (d.month() - 1) + months;
    const std::int64_t year = index >= 0 ? index / 12 : -((-index + 11) / 12);
    const auto month = static_cast<int>(index - year * 12) + 1;
    if (year < 1900 || year > 9999) throw OverflowError("a date outside the years 1900 to 9999");
    const auto y = static_cast<int>(year);
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const int last = month == 2 && leap ? 29 : kDays[month - 1];
    return Date::from_civil(y, month, std::min(d.day(), last));
}

Date academic_year_end(Date d) {
    const bool before_september = d.month() <= 8;
    return Date::from_civil(before_september ? d.year() : d.year() + 1, 8, 31);
}

void spend_text(EvalContext& cx, std::size_t bytes) {
    if (bytes <= cx.text_left) {
        cx.text_left -= bytes;
        return;
    }
    cx.text_left = 0;
    throw EvalFailure{codes::kAnswerTooLong,
                      "the decision's reasons and explanation would hold more than " + std::to_string(cx.text_limit) +
                          " bytes of text (a placeholder may repeat long text, or many dates, in every segment); "
                          "send shorter text facts, fewer event dates or fewer lines",
                      std::nullopt};
}

void spend_text(EvalContext& cx, const TraceStep& step) {
    std::size_t bytes = step.subject.size() + step.rule.size();
    for (const std::string& line : step.detail) bytes += line.size();
    spend_text(cx, bytes);
}

bool eval_bool(EvalContext& cx, std::int32_t index) {
    if (index < 0) return true;
    // The shapes rule conditions are made of, without building values.
    const Node& n = prog(cx).nodes[static_cast<std::size_t>(index)];
    switch (n.op) {
        case Op::Const: return n.value.b;
        case Op::Fact: return cx.facts[n.index].b;
        case Op::And: return eval_bool(cx, n.a) && eval_bool(cx, n.b);
        case Op::Or: return eval_bool(cx, n.a) || eval_bool(cx, n.b);
        case Op::Not: return !eval_bool(cx, n.a);
        case Op::Threshold: {
            const auto i = static_cast<std::size_t>(n.index);
            if (cx.threshold_ready != nullptr && (*cx.threshold_ready)[i] != 0) return (*cx.threshold_cache)[i].b;
            break;
        }
        case Op::Eq:
        case Op::Ne: {
            const Node& a = prog(cx).nodes[static_cast<std::size_t>(n.a)];
            const Node& b = prog(cx).nodes[static_cast<std::size_t>(n.b)];
            if (a.op == Op::Service && b.op == Op::Const && cx.in_line) {
                return (cx.service == b.value.i) == (n.op == Op::Eq);
            }
            break;
        }
        default: break;
    }
    return eval(cx, index).b;
}

Val eval(EvalContext& cx, std::int32_t index) {
    const Node& n = prog(cx).nodes[static_cast<std::size_t>(index)];
    switch (n.op) {
        case Op::Const: return n.value;
        case Op::Fact: return cx.facts[n.index];
        case Op::Let: return eval_let(cx, n);
        case Op::Threshold: return eval_threshold(cx, n);
        case Op::Event: {
            const auto& e = cx.events[n.index];
            if (!e) {
                fail(codes::kEventNotGiven,
                     "event `" + prog(cx).schema.events[static_cast<std::size_t>(n.index)] +
                         "` has no date in this request",
                     n.span, index);
            }
            return make_date(*e);
        }
        case Op::Service: {
            if (!cx.in_line) fail(codes::kNotAvailable, "`service` has a value only inside a rule", n.span);
            Val v;
            v.type = VType::Service;
            v.i = cx.service;
            v.s = cx.service_name;
            return v;
        }
        case Op::Age: {
            const std::optional<Date>& on = cx.segment_from ? cx.segment_from : cx.as_of;
            if (!on) fail(codes::kNotAvailable, "`age` needs the request's `as_of` outside a rule", n.span);
            const Val& dob = cx.facts[prog(cx).date_of_birth];
            return make_ratio(VType::Number, Ratio::whole(age_on(Date::from_days(dob.i), *on)));
        }
        case Op::AsOf:
            if (!cx.as_of) fail(codes::kNotAvailable, "`as_of` has no value: the request gives none", n.span);
            return make_date(*cx.as_of);
        case Op::DateShift: {
            const Date base = Date::from_days(eval(cx, n.a).i);
            Date moved;
            try {
                moved = n.scale == 1 ? add_months(base, n.index) : base.plus_days(n.index);
            } catch (const OverflowError&) {
                date_out_of_range(n, n.a);
            }
            if (moved.year() < 1900 || moved.year() > 9999) date_out_of_range(n, n.a);
            return make_date(moved);
        }
        case Op::AcademicYearEnd: return make_date(academic_year_end(Date::from_days(eval(cx, n.a).i)));
        case Op::Birthday: {
            const Date born = Date::from_days(eval(cx, n.a).i);
            if (born.year() + n.index > 9999) date_out_of_range(n, n.a);
            return make_date(birthday(born, n.index));
        }
        case Op::Happened: return make_bool(cx.events[n.index].has_value());
        case Op::Total:
            if (cx.outcome == nullptr) {
                fail(codes::kNotAvailable, "`total` is known only once the package is split", n.span);
            }
            return make_ratio(VType::Money, cx.outcome->total.as_ratio());
        case Op::TotalOf:
            if (cx.outcome == nullptr) {
                fail(codes::kNotAvailable, "`total` is known only once the package is split", n.span);
            }
            if (n.index < 0) {  // an agency group: its members' agency indices in args
                Money sum;
                for (std::uint32_t k = 0; k < n.args_count; ++k) {
                    sum += (*cx.outcome->by_agency)[static_cast<std::size_t>(prog(cx).args[n.args_begin + k])];
                }
                return make_ratio(VType::Money, sum.as_ratio());
            }
            return make_ratio(VType::Money,
                              (*cx.outcome->by_agency)[concrete_agency(prog(cx), cx.facts,
                                                                       static_cast<std::size_t>(n.index))]
                                  .as_ratio());
        case Op::JointlyFunded:
            if (cx.outcome == nullptr) {
                fail(codes::kNotAvailable, "`jointly_funded` is known only once the package is split", n.span);
            }
            return make_ratio(VType::Number, Ratio::whole(cx.outcome->jointly_funded_lines));
        case Op::FundersAll:
        case Op::Funders: {
            if (cx.outcome == nullptr) {
                fail(codes::kNotAvailable, "`funders` is known only once the package is split", n.span);
            }
            std::int64_t count = 0;
            const std::size_t agencies = prog(cx).schema.agencies.size();
            for (std::size_t a = 0; a < agencies; ++a) {
                if (n.op == Op::Funders && n.index < 0) {  // a service group: its members in args
                    bool pays = false;
                    for (std::uint32_t k = 0; k < n.args_count; ++k) {
                        const auto s = static_cast<std::size_t>(prog(cx).args[n.args_begin + k]);
                        pays = pays || (*cx.outcome->by_service_agency)[s * agencies + a] != Money();
                    }
                    if (pays) ++count;
                    continue;
                }
                const Money m = n.op == Op::FundersAll
                                    ? (*cx.outcome->by_agency)[a]
                                    : (*cx.outcome->by_service_agency)
                                          [static_cast<std::size_t>(n.index) * agencies + a];
                if (m != Money()) ++count;
            }
            return make_ratio(VType::Number, Ratio::whole(count));
        }
        case Op::YearlyTotal:
        case Op::YearlyTotalOf: {
            if (cx.outcome == nullptr || cx.outcome->by_year_agency == nullptr) {
                fail(codes::kNotAvailable, "`yearly total` is known only once the package is split", n.span);
            }
            const std::vector<Money>& years = *cx.outcome->by_year_agency;
            const std::size_t agencies = prog(cx).schema.agencies.size();
            Money largest;
            for (std::size_t offset = 0; offset + agencies <= years.size() && agencies > 0; offset += agencies) {
                Money year;
                if (n.op == Op::YearlyTotalOf && n.index < 0) {  // an agency group, as for TotalOf
                    for (std::uint32_t k = 0; k < n.args_count; ++k) {
                        year += years[offset + static_cast<std::size_t>(prog(cx).args[n.args_begin + k])];
                    }
                } else if (n.op == Op::YearlyTotalOf) {
                    year = years[offset + concrete_agency(prog(cx), cx.facts, static_cast<std::size_t>(n.index))];
                } else {
                    for (std::size_t a = 0; a < agencies; ++a) year += years[offset + a];
                }
                if (year > largest) largest = year;
            }
            return make_ratio(VType::Money, largest.as_ratio());
        }
        case Op::Not: return make_bool(!eval(cx, n.a).b);
        case Op::Neg: {
            const Val x = eval(cx, n.a);
            return make_ratio(x.type, Ratio() - x.r);
        }
        case Op::And: return make_bool(eval(cx, n.a).b && eval(cx, n.b).b);
        case Op::Or: return make_bool(eval(cx, n.a).b || eval(cx, n.b).b);
        case Op::Eq: return make_bool(compare(eval(cx, n.a), eval(cx, n.b)) == 0);
        case Op::Ne: return make_bool(compare(eval(cx, n.a), eval(cx, n.b)) != 0);
        case Op::Lt: return make_bool(compare(eval(cx, n.a), eval(cx, n.b)) < 0);
        case Op::Le: return make_bool(compare(eval(cx, n.a), eval(cx, n.b)) <= 0);
        case Op::Gt: return make_bool(compare(eval(cx, n.a), eval(cx, n.b)) > 0);
        case Op::Ge: return make_bool(compare(eval(cx, n.a), eval(cx, n.b)) >= 0);
        case Op::Add:
        case Op::Sub:
        case Op::Mul:
        case Op::Div: return eval_arith(cx, n);
        case Op::Count:
        case Op::CountAtLeast: {
            const Val map = eval(cx, n.a);
            const int level = eval(cx, n.b).i;
            std::int64_t count = 0;
            for (const auto& [key, lv] : *map.map) {
                if (n.op == Op::Count ? lv.index == level : lv.index >= level) ++count;
            }
            return make_ratio(VType::Number, Ratio::whole(count));
        }
        case Op::Lookup: return eval_lookup(cx, n);
        case Op::In: {
            const Val needle = eval(cx, n.a);
            for (std::uint32_t k = 0; k < n.args_count; ++k) {
                if (compare(needle, eval(cx, prog(cx).args[n.args_begin + k])) == 0) return make_bool(true);
            }
            return make_bool(false);
        }
        case Op::InList: {
            const Val needle = eval(cx, n.a);
            const Val list = eval(cx, n.b);
            if (needle.s == nullptr) return make_bool(false);
            for (const std::string& item : *list.list) {
                if (item == *needle.s) return make_bool(true);
            }
            return make_bool(false);
        }
    }
    fail(codes::kInternal, "unexpected expression", n.span);
}

}  // namespace jointly::engine::detail

namespace jointly::engine::detail {

std::vector<std::string> request_reads(const ProgramImpl& program, const Request& request, std::int32_t node) {
    std::vector<std::string> out;
    const auto add = [&](std::string pointer) {
        if (std::find(out.begin(), out.end(), pointer) == out.end()) out.push_back(std::move(pointer));
    };
    const auto add_fact = [&](std::int32_t fact) {
        const std::string& name = program.schema.facts[static_cast<std::size_t>(fact)].name;
        if (request.facts.contains(name)) add("/facts/" + name);
    };
    // Depth first, left operand first, so the pointers follow the expression as written. A
    // definition or threshold is read through once (the checker has refused cycles; `seen`
    // bounds the walk whatever the program).
    std::vector<std::uint8_t> seen(program.nodes.size(), 0);
    std::vector<std::int32_t> stack;
    if (node >= 0) stack.push_back(node);
    while (!stack.empty()) {
        const std::int32_t at = stack.back();
        stack.pop_back();
        if (at < 0 || static_cast<std::size_t>(at) >= program.nodes.size() || seen[static_cast<std::size_t>(at)] != 0) {
            continue;
        }
        seen[static_cast<std::size_t>(at)] = 1;
        const Node& n = program.nodes[static_cast<std::size_t>(at)];
        switch (n.op) {
            case Op::Fact: add_fact(n.index); continue;
            case Op::Event: add("/events/" + program.schema.events[static_cast<std::size_t>(n.index)]); continue;
            case Op::AsOf: add("/as_of"); continue;
            case Op::Age:
                if (program.date_of_birth >= 0) add_fact(program.date_of_birth);
                continue;
            case Op::Let: stack.push_back(program.lets[static_cast<std::size_t>(n.index)].root); continue;
            case Op::Threshold: stack.push_back(program.thresholds[static_cast<std::size_t>(n.index)].root); continue;
            case Op::In:
                for (std::uint32_t k = n.args_count; k > 0; --k) stack.push_back(program.args[n.args_begin + k - 1]);
                break;
            default: break;
        }
        stack.push_back(n.b);
        stack.push_back(n.a);
    }
    return out;
}

}  // namespace jointly::engine::detail
