// diff_policies: two policies' ASTs compared declaration by declaration, each difference said
// in a commissioner's words. Values are compared as printed policy text (dsl/print.hpp), so
// spans, layout and comments never count. The rules' fields: policy_diff_rules.cpp.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "jointly/dsl/print.hpp"
#include "policy_diff_internal.hpp"

namespace jointly::server {
namespace diff {

using namespace dsl;

std::string names_text(const std::vector<Ident>& names, const char* separator) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : separator) + n.name;
    return out;
}

std::string change_phrase(const std::string& from, const std::string& to) {
    return "changes from " + from + " to " + to;
}


void Changes::add(ChangeKind kind, std::string what, std::string name, std::string field, const Span* old_span,
                  const Span* new_span, std::string old_text, std::string new_text, std::string sentence) {
    PolicyChange c;
    c.kind = kind;
    c.what = std::move(what);
    c.name = std::move(name);
    c.field = std::move(field);
    c.old_line = old_span != nullptr ? old_span->line : 0;
    c.new_line = new_span != nullptr ? new_span->line : 0;
    c.old_text = std::move(old_text);
    c.new_text = std::move(new_text);
    c.sentence = std::move(sentence);
    c.rule = rule;
    c.outcome = outcome;
    c.declaration = declaration;
    list.push_back(std::move(c));
}

namespace {

// Matches two lists by name: calls removed(old) / changed(old, new) in the old order, then
// added(new) in the new order.
template <class T, class Name, class Removed, class Changed, class Added>
void match(const std::vector<T>& olds, const std::vector<T>& news, Name name, Removed removed, Changed changed,
           Added added) {
    for (const T& o : olds) {
        const auto it = std::find_if(news.begin(), news.end(), [&](const T& n) { return name(n) == name(o); });
        if (it == news.end()) removed(o);
        else changed(o, *it);
    }
    for (const T& n : news)
        if (std::none_of(olds.begin(), olds.end(), [&](const T& o) { return name(o) == name(n); })) added(n);
}

std::string effective_text(const Header& h) {
    if (!h.effective_from) return "no dates";
    if (!h.effective_to) return "from " + date_text(*h.effective_from) + ", with no end date";
    return "from " + date_text(*h.effective_from) + " to " + date_text(*h.effective_to);
}

std::string agreed_text(const Header& h) {
    if (h.agreed_by.empty() && !h.agreed_on) return "";
    std::string out = h.agreed_by.empty() ? std::string("agreed") : "agreed by " + names_text(h.agreed_by, ", ");
    if (h.agreed_on) out += " on " + date_text(*h.agreed_on);
    return out;
}

std::string rounding_text(const std::optional<Rounding>& r) {
    return r && *r == Rounding::HalfEven ? "half to even" : "half up";
}

// A declaration whose whole content is one list (a scale's levels, an agency group's members):
// "Scale need (none < high) is removed", "Scale need: its levels change from A to B",
// "Scale need is new: A".
template <class T, class Text>
void named_list(Changes& c, const std::vector<T>& olds, const std::vector<T>& news, const char* what,
                const std::string& noun, const char* field, Text text) {
    match(
        olds, news, [](const T& x) { return x.id.name; },
        [&](const T& x) {
            c.declaration = x.id.name;
            c.add(ChangeKind::Removed, what, x.id.name, "", &x.span, nullptr, text(x), "",
                  noun + " " + x.id.name + " (" + text(x) + ") is removed");
        },
        [&](const T& x, const T& y) {
            const auto a = text(x);
            const auto b = text(y);
            if (a == b) return;
            c.declaration = x.id.name;
            c.add(ChangeKind::Changed, what, x.id.name, field, &x.span, &y.span, a, b,
                  noun + " " + x.id.name + ": its " + field + " change from " + a + " to " + b);
        },
        [&](const T& y) {
            c.declaration = y.id.name;
            c.add(ChangeKind::Added, what, y.id.name, "", nullptr, &y.span, "", text(y),
                  noun + " " + y.id.name + " is new: " + text(y));
        });
}

void header(Changes& c, const Header& o, const Header& n) {
    auto field = [&](const char* name, const Span& os, const Span& ns, const std::string& ot, const std::string& nt,
                     const std::string& sentence) {
        if (ot == nt) return;
        const ChangeKind kind = ot.empty() ? ChangeKind::Added : nt.empty() ? ChangeKind::Removed : ChangeKind::Changed;
        c.add(kind, "header", name, "", &os, &ns, ot, nt, sentence);
    };
    field("id", o.id.span, n.id.span, o.id.name, n.id.name,
          "The policy's id changes from `" + o.id.name + "` to `" + n.id.name + "`: requests name it `" + n.id.name + "`");
    field("title", o.span, n.span, quote(o.title), quote(n.title),
          "The policy's title changes from " + quote(o.title) + " to " + quote(n.title));
    field("version", o.version_span, n.version_span, quote(o.version), quote(n.version),
          "The policy's version changes from " + quote(o.version) + " to " + quote(n.version));
    field("effective", o.effective_span, n.effective_span, effective_text(o), effective_text(n),
          "The policy is now in effect " + effective_text(n) + " (was " + effective_text(o) + ")");
    const std::string oa = agreed_text(o);
    const std::string na = agreed_text(n);
    field("agreed", o.agreed_span, n.agreed_span, oa, na,
          na.empty()   ? "The policy no longer says who agreed it (was " + oa + ")"
          : oa.empty() ? "The policy is now " + na
                       : "The policy is now " + na + " (was " + oa + ")");
    field("ref", o.ref_span, n.ref_span, o.ref.empty() ? "" : quote(o.ref), n.ref.empty() ? "" : quote(n.ref),
          n.ref.empty()   ? "The policy no longer names the document it encodes (was " + quote(o.ref) + ")"
          : o.ref.empty() ? "The policy now encodes " + quote(n.ref)
                          : "The document the policy encodes changes from " + quote(o.ref) + " to " + quote(n.ref));
    field("panel", o.panel_span, n.panel_span, o.panel.empty() ? "" : quote(o.panel),
          n.panel.empty() ? "" : quote(n.panel),
          "Uncovered lines, conflicts and cap excesses now go to " +
              (n.panel.empty() ? std::string("the panel") : quote(n.panel)) + " (was " +
              (o.panel.empty() ? std::string("the panel") : quote(o.panel)) + ")");
    field("rounding", o.rounding_span, n.rounding_span, rounding_text(o.rounding), rounding_text(n.rounding),
          "Each segment's cost is now rounded to the penny " + rounding_text(n.rounding) + " (was " +
              rounding_text(o.rounding) + ")");
}

void agencies(Changes& c, const Module& o, const Module& n) {
    auto id = [](const Agency& a) { return a.id.name; };
    match(
        o.agencies, n.agencies, id,
        [&](const Agency& a) {
            c.declaration = a.id.name;
            c.add(ChangeKind::Removed, "agency", a.id.name, "", &a.span, nullptr, quote(a.display_name), "",
                  "Agency " + a.id.name + " (" + quote(a.display_name) + ") is removed");
        },
        [&](const Agency& a, const Agency& b) {
            if (a.display_name == b.display_name) return;
            c.declaration = a.id.name;
            c.add(ChangeKind::Changed, "agency", a.id.name, "display name", &a.span, &b.span, quote(a.display_name),
                  quote(b.display_name),
                  "Agency " + a.id.name + " is now called " + quote(b.display_name) + " (was " +
                      quote(a.display_name) + ")");
        },
        [&](const Agency& b) {
            c.declaration = b.id.name;
            c.add(ChangeKind::Added, "agency", b.id.name, "", nullptr, &b.span, "", quote(b.display_name),
                  "Agency " + b.id.name + " (" + quote(b.display_name) + ") is new");
        });
    named_list(c, o.agency_groups, n.agency_groups, "agency_group", "Agency group", "members",
               [](const AgencyGroup& x) { return names_text(x.members, ", "); });
}

std::string service_text(const Service& s) {
    if (s.group) return "group of " + names_text(s.members, ", ");
    std::string out = quote(s.display_name);
    switch (s.kind) {
        case LineKindDecl::Any: break;
        case LineKindDecl::OneOff: out += ", one-off"; break;
        case LineKindDecl::Weekly: out += ", weekly"; break;
        case LineKindDecl::Hourly: out += ", hourly"; break;
    }
    return out;
}

std::string kind_text(LineKindDecl k) {
    switch (k) {
        case LineKindDecl::Any: return "bought as any kind of line";
        case LineKindDecl::OneOff: return "bought as one-off payments";
        case LineKindDecl::Weekly: return "bought by the week";
        case LineKindDecl::Hourly: return "bought by the hour";
    }
    return "";
}

void services(Changes& c, const Module& o, const Module& n) {
    auto label = [](const Service& s) { return std::string(s.group ? "Service group " : "Service ") + s.id.name; };
    match(
        o.services, n.services, [](const Service& s) { return s.id.name; },
        [&](const Service& s) {
            c.declaration = s.id.name;
            c.add(ChangeKind::Removed, "service", s.id.name, "", &s.span, nullptr, service_text(s), "",
                  label(s) + " (" + service_text(s) + ") is removed");
        },
        [&](const Service& s, const Service& t) {
            if (service_text(s) == service_text(t)) return;
            c.declaration = s.id.name;
            std::string sentence;
            if (s.group && t.group) sentence = label(t) + ": its members change from " + names_text(s.members, ", ") +
                                               " to " + names_text(t.members, ", ");
            else if (!s.group && !t.group && s.display_name != t.display_name && s.kind == t.kind)
                sentence = label(t) + " is now called " + quote(t.display_name) + " (was " + quote(s.display_name) + ")";
            else if (!s.group && !t.group && s.display_name == t.display_name)
                sentence = label(t) + " is now " + kind_text(t.kind) + " (was " + kind_text(s.kind) + ")";
            else sentence = label(t) + " changes from " + service_text(s) + " to " + service_text(t);
            c.add(ChangeKind::Changed, "service", s.id.name, "", &s.span, &t.span, service_text(s), service_text(t),
                  sentence);
        },
        [&](const Service& t) {
            c.declaration = t.id.name;
            c.add(ChangeKind::Added, "service", t.id.name, "", nullptr, &t.span, "", service_text(t),
                  label(t) + " is new: " + service_text(t));
        });
}

void scales(Changes& c, const Module& o, const Module& n) {
    named_list(c, o.scales, n.scales, "scale", "Scale", "levels", [](const Scale& x) { return names_text(x.levels, " < "); });
}

std::string fact_text(const Fact& f) {
    return type_text(f.type) + (f.default_value ? " default " + expr_text(*f.default_value) : std::string());
}

void facts(Changes& c, const Module& o, const Module& n) {
    match(
        o.facts, n.facts, [](const Fact& f) { return f.id.name; },
        [&](const Fact& f) {
            c.declaration = f.id.name;
            c.add(ChangeKind::Removed, "fact", f.id.name, "", &f.span, nullptr, fact_text(f), "",
                  "Fact " + f.id.name + " (" + fact_text(f) + ") is removed: requests no longer give it");
        },
        [&](const Fact& f, const Fact& g) {
            c.declaration = f.id.name;
            const auto a = type_text(f.type);
            const auto b = type_text(g.type);
            if (a != b)
                c.add(ChangeKind::Changed, "fact", f.id.name, "type", &f.type.span, &g.type.span, a, b,
                      "Fact " + f.id.name + ": its type changes from " + a + " to " + b);
            const auto la = f.label ? quote(*f.label) : std::string();
            const auto lb = g.label ? quote(*g.label) : std::string();
            if (la != lb) {
                const std::string sentence =
                    "Fact " + f.id.name + ": " +
                    (la.empty()   ? "a form now asks it as " + lb
                     : lb.empty() ? "its label " + la + " is removed (a form asks it by its name)"
                                  : "a form now asks it as " + lb + " (was " + la + ")");
                c.add(la.empty() ? ChangeKind::Added : lb.empty() ? ChangeKind::Removed : ChangeKind::Changed, "fact",
                      f.id.name, "label", &f.span, &g.span, la, lb, sentence);
            }
            const auto da = f.default_value ? expr_text(*f.default_value) : std::string();
            const auto db = g.default_value ? expr_text(*g.default_value) : std::string();
            if (da == db) return;
            std::string sentence = "Fact " + f.id.name + ": ";
            if (da.empty()) sentence += "a request may now leave it out, meaning " + db + " (it was required)";
            else if (db.empty()) sentence += "every request must now give it (it defaulted to " + da + ")";
            else sentence += "its default " + change_phrase(da, db);
            c.add(da.empty() ? ChangeKind::Added : db.empty() ? ChangeKind::Removed : ChangeKind::Changed, "fact",
                  f.id.name, "default", &f.span, &g.span, da, db, sentence);
        },
        [&](const Fact& g) {
            c.declaration = g.id.name;
            c.add(ChangeKind::Added, "fact", g.id.name, "", nullptr, &g.span, "", fact_text(g),
                  "Fact " + g.id.name + " is new: " + fact_text(g) +
                      (g.default_value ? "" : " (every request must give it)"));
        });
}

void events(Changes& c, const Module& o, const Module& n) {
    auto text = [](const Event& e) { return e.id.name + (e.repeats ? " repeats" : ""); };
    match(
        o.events, n.events, [](const Event& e) { return e.id.name; },
        [&](const Event& e) {
            c.declaration = e.id.name;
            c.add(ChangeKind::Removed, "event", e.id.name, "", &e.span, nullptr, text(e), "",
                  "Event " + e.id.name + " is removed");
        },
        [&](const Event& e, const Event& f) {
            if (e.repeats == f.repeats) return;
            c.declaration = e.id.name;
            c.add(ChangeKind::Changed, "event", e.id.name, "repeats", &e.span, &f.span, text(e), text(f),
                  f.repeats ? "Event " + e.id.name + " now repeats: a request may give several dates"
                            : "Event " + e.id.name + " no longer repeats: a request gives one date");
        },
        [&](const Event& f) {
            c.declaration = f.id.name;
            c.add(ChangeKind::Added, "event", f.id.name, "", nullptr, &f.span, "", text(f),
                  "Event " + f.id.name + " is new" + (f.repeats ? " (it repeats: a request may give several dates)" : ""));
        });
}

void lets(Changes& c, const Module& o, const Module& n) {
    match(
        o.lets, n.lets, [](const Let& l) { return l.id.name; },
        [&](const Let& l) {
            c.declaration = l.id.name;
            c.add(ChangeKind::Removed, "let", l.id.name, "", &l.span, nullptr, expr_text(l.value), "",
                  "Definition " + l.id.name + " (" + expr_text(l.value) + ") is removed");
        },
        [&](const Let& l, const Let& m) {
            const auto a = expr_text(l.value);
            const auto b = expr_text(m.value);
            if (a == b) return;
            c.declaration = l.id.name;
            c.add(ChangeKind::Changed, "let", l.id.name, "value", &l.span, &m.span, a, b,
                  "Definition " + l.id.name + " " + change_phrase("`" + a + "`", "`" + b + "`"));
        },
        [&](const Let& m) {
            c.declaration = m.id.name;
            c.add(ChangeKind::Added, "let", m.id.name, "", nullptr, &m.span, "", expr_text(m.value),
                  "Definition " + m.id.name + " is new: " + m.id.name + " = " + expr_text(m.value));
        });
}

void thresholds(Changes& c, const Module& o, const Module& n) {
    match(
        o.thresholds, n.thresholds, [](const Threshold& t) { return t.id.name; },
        [&](const Threshold& t) {
            c.declaration = t.id.name;
            c.add(ChangeKind::Removed, "threshold", t.id.name, "", &t.span, nullptr, expr_text(t.condition), "",
                  "Threshold " + t.id.name + " (when " + expr_text(t.condition) + ") is removed");
        },
        [&](const Threshold& t, const Threshold& u) {
            c.declaration = t.id.name;
            const auto a = expr_text(t.condition);
            const auto b = expr_text(u.condition);
            if (a != b)
                c.add(ChangeKind::Changed, "threshold", t.id.name, "condition", &t.condition.span, &u.condition.span, a,
                      b, "Threshold " + t.id.name + ": it is now met when " + b + " (was " + a + ")");
            if (t.reason != u.reason)
                c.add(ChangeKind::Changed, "threshold", t.id.name, "reason", &t.reason_span, &u.reason_span,
                      quote(t.reason), quote(u.reason),
                      "Threshold " + t.id.name + ": its reason " + change_phrase(quote(t.reason), quote(u.reason)));
        },
        [&](const Threshold& u) {
            c.declaration = u.id.name;
            c.add(ChangeKind::Added, "threshold", u.id.name, "", nullptr, &u.span, "", expr_text(u.condition),
                  "Threshold " + u.id.name + " is new: met when " + expr_text(u.condition));
        });
}

std::string range_text(const TableRow& r) {
    return "from " + decimal_text(r.low) + (r.open_ended ? std::string() : " to " + decimal_text(r.high));
}

void tables(Changes& c, const Module& o, const Module& n) {
    match(
        o.tables, n.tables, [](const Table& t) { return t.id.name; },
        [&](const Table& t) {
            c.declaration = t.id.name;
            c.add(ChangeKind::Removed, "table", t.id.name, "", &t.span, nullptr, "", "",
                  "Table " + t.id.name + " is removed");
        },
        [&](const Table& t, const Table& u) {
            c.declaration = t.id.name;
            match(
                t.rows, u.rows, range_text,
                [&](const TableRow& r) {
                    c.add(ChangeKind::Removed, "table_row", t.id.name, "row " + range_text(r), &r.span, nullptr,
                          expr_text(r.value), "",
                          "Table " + t.id.name + ": the row " + range_text(r) + " (giving " + expr_text(r.value) +
                              ") is removed");
                },
                [&](const TableRow& r, const TableRow& s) {
                    const auto a = expr_text(r.value);
                    const auto b = expr_text(s.value);
                    if (a == b) return;
                    c.add(ChangeKind::Changed, "table_row", t.id.name, "row " + range_text(r), &r.span, &s.span, a, b,
                          "Table " + t.id.name + ": the row " + range_text(r) + " now gives " + b + " (was " + a + ")");
                },
                [&](const TableRow& s) {
                    c.add(ChangeKind::Added, "table_row", t.id.name, "row " + range_text(s), nullptr, &s.span, "",
                          expr_text(s.value),
                          "Table " + t.id.name + ": a new row " + range_text(s) + " gives " + expr_text(s.value));
                });
        },
        [&](const Table& u) {
            c.declaration = u.id.name;
            c.add(ChangeKind::Added, "table", u.id.name, "", nullptr, &u.span, "", "",
                  "Table " + u.id.name + " is new, with " + std::to_string(u.rows.size()) +
                      (u.rows.size() == 1 ? " row" : " rows"));
        });
}

}  // namespace
}  // namespace diff

const char* to_string(ChangeKind kind) {
    switch (kind) {
        case ChangeKind::Added: return "added";
        case ChangeKind::Removed: return "removed";
        case ChangeKind::Changed: return "changed";
    }
    return "changed";
}

std::vector<PolicyChange> diff_policies(const dsl::Module& old_policy, const dsl::Module& new_policy) {
    diff::Changes c;
    diff::header(c, old_policy.header, new_policy.header);
    diff::agencies(c, old_policy, new_policy);
    diff::services(c, old_policy, new_policy);
    diff::scales(c, old_policy, new_policy);
    diff::facts(c, old_policy, new_policy);
    diff::events(c, old_policy, new_policy);
    diff::lets(c, old_policy, new_policy);
    diff::thresholds(c, old_policy, new_policy);
    diff::tables(c, old_policy, new_policy);
    c.declaration.clear();
    diff::rules(c, old_policy, new_policy);
    diff::outcomes(c, old_policy, new_policy);
    diff::pools(c, old_policy, new_policy);
    return std::move(c.list);
}

nlohmann::ordered_json changes_json(const std::vector<PolicyChange>& changes) {
    using ojson = nlohmann::ordered_json;
    ojson out = ojson::array();
    auto text = [](const std::string& s) { return s.empty() ? ojson() : ojson(s); };
    auto line = [](std::uint32_t l) { return l == 0 ? ojson() : ojson(l); };
    for (const auto& c : changes)
        out.push_back({{"kind", to_string(c.kind)},
                       {"what", c.what},
                       {"name", c.name},
                       {"field", text(c.field)},
                       {"old_line", line(c.old_line)},
                       {"new_line", line(c.new_line)},
                       {"old", text(c.old_text)},
                       {"new", text(c.new_text)},
                       {"sentence", c.sentence}});
    return out;
}

}  // namespace jointly::server
