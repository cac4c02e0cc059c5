// What a store's writer knows to be in `decided_under` already, so that once a policy text is
// known the hot path adds no statement per decision (both stores' writers).
#pragma once

#include <algorithm>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "jointly/server/store.hpp"

namespace jointly::server::store_detail {

// Not thread-safe: used by the writer thread alone. A triple is `known` once a transaction
// that wrote it (or found it written) has committed; until then it is pending, and a
// transaction (or a part of one) rolled back forgets it, so it is written again next time.
class DecidedUnderCache {
public:
    using Triple = std::tuple<std::string, std::string, std::string>;

    // Whether `record`'s (policy id, version, sha256) is to be written in this transaction:
    // false when it is known or already pending; true notes it as pending.
    bool wanted(const DecisionRecord& record) {
        // Looked up through views: a known triple (every decision but a text's first) copies
        // no string.
        const Views t{record.policy_id, record.policy_version, record.policy_sha256};
        if (known_.find(t) != known_.end() ||
            std::any_of(pending_.begin(), pending_.end(), [&](const Triple& p) { return views(p) == t; })) {
            return false;
        }
        pending_.emplace_back(record.policy_id, record.policy_version, record.policy_sha256);
        return true;
    }
    // How many are pending: a mark to roll back to (a savepoint's).
    std::size_t mark() const { return pending_.size(); }
    // The part of the transaction after `mark` was rolled back.
    void rolled_back_to(std::size_t mark) { pending_.resize(std::min(mark, pending_.size())); }
    // The whole transaction was rolled back.
    void rolled_back() { pending_.clear(); }
    // The transaction committed: what it wrote is known.
    void committed() {
        known_.insert(pending_.begin(), pending_.end());
        pending_.clear();
    }

private:
    using Views = std::tuple<std::string_view, std::string_view, std::string_view>;
    static Views views(const Triple& t) { return {std::get<0>(t), std::get<1>(t), std::get<2>(t)}; }
    static const Views& views(const Views& t) { return t; }
    // Orders triples and their views alike, so that a view finds a triple.
    struct ByViews {
        using is_transparent = void;
        template <class A, class B>
        bool operator()(const A& a, const B& b) const {
            return views(a) < views(b);
        }
    };
    std::set<Triple, ByViews> known_;
    std::vector<Triple> pending_;
};

}  // namespace jointly::server::store_detail
