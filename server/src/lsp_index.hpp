// What the language server knows about one parsed policy: every declared name and every place
// a name is written, each resolved to its declaration, for go to definition, find references,
// hover and the outline.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "jointly/dsl/ast.hpp"

namespace jointly::server::lsp {

enum class DeclKind {
    Policy, Agency, AgencyGroup, Service, ServiceGroup, Scale, Level, Fact, Event, Definition,
    Threshold, Table, Rule, Outcome, Pool,
};

// "agency", "agency group", "definition", ...: how hover names a kind.
std::string_view kind_name(DeclKind kind);

inline constexpr std::size_t kNoDeclaration = static_cast<std::size_t>(-1);

struct Declaration {
    DeclKind kind = DeclKind::Fact;
    std::string name;      // an outcome rule (no name of its own): `decline` or `refer to "..."`
    dsl::Span name_span;   // the name as written (an outcome rule: its `decline` or `refer`)
    dsl::Span span;        // the whole declaration
    std::string ref;       // rules and outcome rules: the clause reference
    std::string reason;    // rules, thresholds and outcome rules: `because "..."`
    std::size_t parent = kNoDeclaration;  // a level: its scale
};

// A name written in the policy: its declaration, or a reference to one.
struct Occurrence {
    dsl::Span span;
    std::size_t declaration = kNoDeclaration;
    bool is_declaration = false;
};

// INVARIANT: every occurrence's `declaration` indexes `declarations`; names that resolve to
// nothing (builtins, undeclared names the checker reports) have no occurrence.
struct Index {
    std::vector<Declaration> declarations;  // in written order
    std::vector<Occurrence> occurrences;    // declarations first, then references

    // The occurrence at a 1-based line and code-point column (a cursor just past a name counts
    // as on it), or null.
    const Occurrence* at(std::uint32_t line, std::uint32_t column) const;
    // Every occurrence of `declaration`, its own first when `with_declaration`.
    std::vector<const Occurrence*> of(std::size_t declaration, bool with_declaration) const;
};

// Indexes a parsed module. A reference resolves to the first declaration of its name of a
// kind its place allows (a split's agency: an agency, agency group or agency fact; `exception
// to`: a rule; an expression: any value). Never throws but for allocation.
Index build_index(const dsl::Module& module);

}  // namespace jointly::server::lsp
