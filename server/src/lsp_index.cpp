// build_index: declarations and the references to them, from one parsed module.
#include "lsp_index.hpp"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <tuple>

namespace jointly::server::lsp {
namespace {

using Kinds = std::initializer_list<DeclKind>;

constexpr Kinds kAgencyKinds = {DeclKind::Agency, DeclKind::AgencyGroup, DeclKind::Fact};
constexpr Kinds kServiceKinds = {DeclKind::Service, DeclKind::ServiceGroup};
constexpr Kinds kValueKinds = {DeclKind::Fact,    DeclKind::Definition,   DeclKind::Threshold, DeclKind::Level,
                               DeclKind::Agency,  DeclKind::AgencyGroup,  DeclKind::Service,
                               DeclKind::ServiceGroup, DeclKind::Table,   DeclKind::Scale,     DeclKind::Event};
constexpr Kinds kBoundKinds = {DeclKind::Event, DeclKind::Definition, DeclKind::Fact};

class Builder {
public:
    Index index;

    void declare(DeclKind kind, const dsl::Ident& id, const dsl::Span& span, std::size_t parent = kNoDeclaration) {
        Declaration d;
        d.kind = kind;
        d.name = id.name;
        d.name_span = id.span;
        d.span = span;
        d.parent = parent;
        add(std::move(d));
    }

    std::size_t add(Declaration d) {
        const std::size_t at = index.declarations.size();
        if (!d.name.empty() && d.kind != DeclKind::Outcome && d.kind != DeclKind::Policy)
            by_name_[d.name].push_back(at);
        index.occurrences.push_back({d.name_span, at, true});
        index.declarations.push_back(std::move(d));
        return at;
    }

    void refer(const std::string& name, const dsl::Span& span, Kinds kinds) {
        const auto found = by_name_.find(name);
        if (found == by_name_.end() || span.line == 0) return;
        for (const std::size_t d : found->second)
            if (std::find(kinds.begin(), kinds.end(), index.declarations[d].kind) != kinds.end()) {
                index.occurrences.push_back({span, d, false});
                return;
            }
    }
    void refer(const dsl::Ident& id, Kinds kinds) { refer(id.name, id.span, kinds); }

    void expr(const dsl::Expr& e) {
        if (const std::string* name = e.name()) refer(*name, e.span, kValueKinds);
        dsl::for_each_child(e, [this](const dsl::Expr& child) { expr(child); });
    }

    void bound(const std::optional<dsl::WindowBound>& b) {
        if (b && b->event) refer(*b->event, kBoundKinds);
    }

private:
    std::map<std::string, std::vector<std::size_t>> by_name_;
};

void declare_all(Builder& b, const dsl::Module& m) {
    Declaration policy;
    policy.kind = DeclKind::Policy;
    policy.name = m.header.id.name;
    policy.name_span = m.header.id.span;
    policy.span = m.header.span;
    policy.ref = m.header.ref;
    b.add(std::move(policy));
    for (const auto& a : m.agencies) b.declare(DeclKind::Agency, a.id, a.span);
    for (const auto& g : m.agency_groups) b.declare(DeclKind::AgencyGroup, g.id, g.span);
    for (const auto& s : m.services) b.declare(s.group ? DeclKind::ServiceGroup : DeclKind::Service, s.id, s.span);
    for (const auto& s : m.scales) {
        b.declare(DeclKind::Scale, s.id, s.span);
        const std::size_t scale = b.index.declarations.size() - 1;
        for (const auto& level : s.levels) b.declare(DeclKind::Level, level, level.span, scale);
    }
    for (const auto& f : m.facts) b.declare(DeclKind::Fact, f.id, f.span);
    for (const auto& e : m.events) b.declare(DeclKind::Event, e.id, e.span);
    for (const auto& l : m.lets) b.declare(DeclKind::Definition, l.id, l.span);
    for (const auto& t : m.thresholds) {
        b.declare(DeclKind::Threshold, t.id, t.span);
        b.index.declarations.back().reason = t.reason;
    }
    for (const auto& t : m.tables) b.declare(DeclKind::Table, t.id, t.span);
    for (const auto& r : m.rules) {
        b.declare(DeclKind::Rule, r.id, r.span);
        b.index.declarations.back().ref = r.ref;
        b.index.declarations.back().reason = r.reason;
    }
    for (const auto& o : m.outcomes) {
        Declaration d;
        d.kind = DeclKind::Outcome;
        d.name = o.kind == dsl::OutcomeKind::Decline ? "decline" : "refer to \"" + o.authority + "\"";
        // The outcome's keyword stands for its name: hover and the outline point at it.
        const std::uint32_t keyword = o.kind == dsl::OutcomeKind::Decline ? 7 : 5;
        d.name_span = o.span;
        d.name_span.end_line = o.span.line;
        d.name_span.end_column = o.span.column + keyword;
        d.name_span.length = keyword;
        d.span = o.span;
        d.ref = o.ref;
        d.reason = o.reason;
        b.add(std::move(d));
    }
    for (const auto& p : m.pools) b.declare(DeclKind::Pool, p.id, p.span);
}

void refer_all(Builder& b, const dsl::Module& m) {
    for (const auto& a : m.header.agreed_by) b.refer(a, kAgencyKinds);
    for (const auto& g : m.agency_groups)
        for (const auto& member : g.members) b.refer(member, {DeclKind::Agency});
    for (const auto& s : m.services)
        for (const auto& member : s.members) b.refer(member, kServiceKinds);
    for (const auto& f : m.facts) {
        if (!f.type.scale.name.empty()) b.refer(f.type.scale, {DeclKind::Scale});
        for (const auto& a : f.type.agencies) b.refer(a, {DeclKind::Agency, DeclKind::AgencyGroup});
        if (f.default_value) b.expr(*f.default_value);
    }
    for (const auto& l : m.lets) b.expr(l.value);
    for (const auto& t : m.thresholds) b.expr(t.condition);
    for (const auto& t : m.tables)
        for (const auto& row : t.rows) b.expr(row.value);
    for (const auto& r : m.rules) {
        for (const auto& e : r.exception_to) b.refer(e, {DeclKind::Rule});
        if (r.condition) b.expr(*r.condition);
        if (r.window) {
            if (!r.window->event.name.empty()) b.refer(r.window->event, kBoundKinds);
            b.bound(r.window->from);
            b.bound(r.window->to);
        }
        if (r.fixed) {
            b.refer(r.fixed->agency, kAgencyKinds);
            if (r.fixed->amount_expr) b.expr(*r.fixed->amount_expr);
        }
        for (const auto& s : r.split) b.refer(s.agency, kAgencyKinds);
        if (r.odd_penny) b.refer(*r.odd_penny, kAgencyKinds);
        for (const auto& c : r.caps) {
            b.refer(c.agency, kAgencyKinds);
            if (c.amount_expr) b.expr(*c.amount_expr);
            if (c.excess_to) b.refer(*c.excess_to, kAgencyKinds);
        }
    }
    for (const auto& o : m.outcomes) b.expr(o.condition);
    for (const auto& p : m.pools) {
        if (p.host) b.refer(*p.host, kAgencyKinds);
        for (const auto& c : p.contributions) b.refer(c.agency, kAgencyKinds);
    }
}

bool before(std::uint32_t line, std::uint32_t column, std::uint32_t other_line, std::uint32_t other_column) {
    return std::tie(line, column) < std::tie(other_line, other_column);
}

}  // namespace

std::string_view kind_name(DeclKind kind) {
    switch (kind) {
        case DeclKind::Policy: return "policy";
        case DeclKind::Agency: return "agency";
        case DeclKind::AgencyGroup: return "agency group";
        case DeclKind::Service: return "service";
        case DeclKind::ServiceGroup: return "service group";
        case DeclKind::Scale: return "scale";
        case DeclKind::Level: return "level";
        case DeclKind::Fact: return "fact";
        case DeclKind::Event: return "event";
        case DeclKind::Definition: return "definition";
        case DeclKind::Threshold: return "threshold";
        case DeclKind::Table: return "table";
        case DeclKind::Rule: return "rule";
        case DeclKind::Outcome: return "outcome rule";
        case DeclKind::Pool: return "pool";
    }
    return "name";
}

const Occurrence* Index::at(std::uint32_t line, std::uint32_t column) const {
    const Occurrence* touching = nullptr;  // the cursor just past a name
    for (const auto& o : occurrences) {
        const auto& s = o.span;
        if (s.length == 0 || s.line == 0) continue;
        if (before(line, column, s.line, s.column) || before(s.end_line, s.end_column, line, column)) continue;
        if (line != s.end_line || column != s.end_column) return &o;
        if (touching == nullptr) touching = &o;
    }
    return touching;
}

std::vector<const Occurrence*> Index::of(std::size_t declaration, bool with_declaration) const {
    std::vector<const Occurrence*> out;
    for (const auto& o : occurrences)
        if (o.declaration == declaration && (with_declaration || !o.is_declaration)) out.push_back(&o);
    return out;
}

Index build_index(const dsl::Module& module) {
    Builder b;
    declare_all(b, module);
    refer_all(b, module);
    return std::move(b.index);
}

}  // namespace jointly::server::lsp
