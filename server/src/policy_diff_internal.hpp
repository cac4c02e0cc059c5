// Shared by the files of diff_policies (policy_diff.cpp, policy_diff_rules.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "jointly/dsl/ast.hpp"
#include "jointly/server/policy_diff.hpp"

namespace jointly::server::diff {

// The changes found so far; `rule`, `outcome` and `declaration` are copied into each change
// added (the attribution keys of the declaration being compared).
struct Changes {
    std::vector<PolicyChange> list;
    std::string rule;
    std::string outcome;
    std::string declaration;

    // A span pointer may be null (not in that policy).
    void add(ChangeKind kind, std::string what, std::string name, std::string field, const dsl::Span* old_span,
             const dsl::Span* new_span, std::string old_text, std::string new_text, std::string sentence);
};

// `a, b, c` (separator ", ") or `none < low < high` (" < ").
std::string names_text(const std::vector<dsl::Ident>& names, const char* separator);
// "changes from A to B"
std::string change_phrase(const std::string& from, const std::string& to);

// The outcome rules matched between two policies: (old index, new index), either absent
// (-1, as std::size_t) for a removed or an added rule; old ones in order, then the added.
// Matched by kind, authority and ref; then by kind and ref (the authority changed); then,
// among those without a ref, the k-th of a kind and authority with the k-th.
std::vector<std::pair<std::size_t, std::size_t>> outcome_pairs(const dsl::Module& o, const dsl::Module& n);
inline constexpr std::size_t kNone = static_cast<std::size_t>(-1);
// The attribution key of a matched pair (PolicyChange::outcome): "old:0,new:1", "new:2".
std::string outcome_key(std::size_t old_index, std::size_t new_index);

void rules(Changes& c, const dsl::Module& o, const dsl::Module& n);
void outcomes(Changes& c, const dsl::Module& o, const dsl::Module& n);
void pools(Changes& c, const dsl::Module& o, const dsl::Module& n);

}  // namespace jointly::server::diff
