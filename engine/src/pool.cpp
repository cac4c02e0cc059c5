// Pooled-budget reconciliation: who pays an overspend, who gets an underspend back.
#include "jointly/engine/pool.hpp"

#include <algorithm>
#include <string>

#include "compiled.hpp"
#include "jointly/engine/allocate.hpp"
#include "jointly/engine/codes.hpp"

namespace jointly::engine {
namespace {

// A pool's rules, whether from a policy or given ad hoc.
struct PoolSpec {
    std::string name;
    std::vector<std::string> ids;      // partners' agency ids
    std::vector<std::string> display;  // partners' names for notes
    std::vector<Money> agreed;
    std::vector<bool> shares_overspend;
    std::vector<bool> shares_underspend;
    dsl::ShareBasis overspend = dsl::ShareBasis::Unstated;
    dsl::ShareBasis underspend = dsl::ShareBasis::Unstated;
    bool carry_forward_allowed = false;
    bool provisional = false;
    bool risk_capped = false;
    std::optional<Ratio> tolerance;
    bool agreed_from_request = false;  // an ad-hoc pool: `agreed` is the request's contributions
};

PoolResult fail(dsl::Code code, std::string path, std::string message) {
    PoolResult r;
    r.errors.push_back(EvalError{code, std::move(path), std::move(message), std::nullopt, {}});
    return r;
}

const char* basis_words(dsl::ShareBasis b) {
    return b == dsl::ShareBasis::Actual ? "the partners' actual contributions for the year"
                                        : "the partners' agreed contributions";
}

// Splits `amount` among the partners flagged in `who` in proportion to `basis`.
// Empty when the flagged partners' basis totals zero.
std::vector<Money> share(Money amount, const std::vector<Money>& basis, const std::vector<bool>& who) {
    Money sum;
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < basis.size(); ++i) {
        if (who[i] && basis[i] > Money()) {
            sum += basis[i];
            idx.push_back(i);
        }
    }
    if (sum == Money()) return {};
    std::vector<Ratio> ratios;
    for (const std::size_t i : idx) ratios.emplace_back(basis[i].in_pence(), sum.in_pence());
    const std::vector<Money> parts = allocate(amount, ratios);
    std::vector<Money> out(basis.size());
    for (std::size_t k = 0; k < idx.size(); ++k) out[idx[k]] = parts[k];
    return out;
}

// E3103: no proportion to share `amount` (an overspend, or an underspend returned) by. Either no
// partner shares it (the policy says so), or those who do have a basis of £0: then the
// request's contributions are why (at /contributions) when the basis is theirs.
PoolResult no_basis(const PoolSpec& spec, dsl::ShareBasis basis, const std::vector<bool>& who, Money amount,
                    bool overspend) {
    std::string names;
    std::size_t count = 0;
    for (std::size_t i = 0; i < who.size(); ++i) {
        if (!who[i]) continue;
        names += (names.empty() ? "`" : ", `") + spec.ids[i] + "`";
        ++count;
    }
    if (count == 0) {
        return fail(codes::kPoolNoBasis, "",
                    "pool `" + spec.name + "` has no partner to " +
                        (overspend ? "share an overspend" : "return an underspend to"));
    }
    const bool from_request = basis == dsl::ShareBasis::Actual || spec.agreed_from_request;
    const std::string partners = count == 1 ? "the partner " : "the partners ";
    return fail(codes::kPoolNoBasis, from_request ? "/contributions" : "",
                (overspend ? partners + (count == 1 ? "who shares" : "who share") + " an overspend of pool `" + spec.name + "`"
                           : partners + "to whom pool `" + spec.name + "` returns an underspend") +
                    " (" + names + ") contributed £0.00" + (count == 1 ? "" : " in all") +
                    ": there is no proportion to share the " + (overspend ? "overspend" : "underspend") + " of " +
                    amount.to_display() + " by");
}

PoolResult reconcile_spec(const PoolSpec& spec, const PoolRequest& req) {
    if (req.spend < Money()) return fail(codes::kPoolSpend, "/spend", "`spend` cannot be negative");
    const std::size_t n = spec.ids.size();
    std::vector<Money> actual = spec.agreed;
    std::vector<bool> given(n, req.actual_contributions.empty());
    for (const auto& [id, amount] : req.actual_contributions) {
        const auto it = std::find(spec.ids.begin(), spec.ids.end(), id);
        if (it == spec.ids.end()) {
            return fail(codes::kPoolContributions, "/contributions/" + id,
                        "`" + id + "` is not a partner of pool `" + spec.name + "`");
        }
        if (amount < Money()) {
            return fail(codes::kPoolContributions, "/contributions/" + id, "a contribution cannot be negative");
        }
        const auto i = static_cast<std::size_t>(it - spec.ids.begin());
        actual[i] = amount;
        given[i] = true;
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (!given[i]) {
            return fail(codes::kPoolContributions, "/contributions/" + spec.ids[i],
                        "the year's contribution of `" + spec.ids[i] + "` is missing");
        }
    }

    PoolReconciliation r;
    r.pool = spec.name;
    r.spend = req.spend;
    for (std::size_t i = 0; i < n; ++i) {
        r.budget += actual[i];
        r.contributions.emplace_back(spec.ids[i], actual[i]);
    }
    r.tolerance = spec.tolerance;
    const Money variance = req.spend - r.budget;
    r.notes.push_back("The pool spent " + req.spend.to_display() + " against a budget of " +
                      r.budget.to_display() + ".");

    if (variance > Money()) {
        r.overspend = variance;
        if (spec.overspend == dsl::ShareBasis::Unstated) {
            return fail(codes::kPoolOverspendUnstated, "",
                        "pool `" + spec.name + "` does not say how an overspend is shared");
        }
        const std::vector<Money>& basis = spec.overspend == dsl::ShareBasis::Actual ? actual : spec.agreed;
        std::vector<bool> open = spec.shares_overspend;
        std::vector<Money> parts = share(variance, basis, open);
        if (parts.empty()) {
            return no_basis(spec, spec.overspend, open, variance, true);
        }
        r.notes.push_back("The overspend of " + variance.to_display() + " is shared in proportion to " +
                          basis_words(spec.overspend) + ".");
        Money remainder;
        if (spec.risk_capped) {
            // INVARIANT: each pass caps at least one more partner or re-shares nothing.
            for (std::size_t pass = 0; pass <= n; ++pass) {
                Money excess;
                for (std::size_t i = 0; i < n; ++i) {
                    if (open[i] && parts[i] > actual[i]) {
                        excess += parts[i] - actual[i];
                        parts[i] = actual[i];
                        open[i] = false;
                        r.notes.push_back(spec.display[i] + "'s share is capped at its contribution of " +
                                          actual[i].to_display() + ".");
                    }
                }
                if (excess == Money()) break;
                std::vector<bool> takers(n, false);
                for (std::size_t i = 0; i < n; ++i) takers[i] = open[i] && parts[i] < actual[i];
                const std::vector<Money> more = share(excess, basis, takers);
                if (more.empty()) {
                    remainder = excess;
                    break;
                }
                for (std::size_t i = 0; i < n; ++i) parts[i] += more[i];
                r.notes.push_back(excess.to_display() + " above the capped shares is re-shared among the others.");
            }
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (spec.shares_overspend[i]) r.overspend_shares.emplace_back(spec.ids[i], parts[i]);
        }
        if (remainder > Money()) {
            r.overspend_shares.emplace_back("panel", remainder);
            r.notes.push_back(remainder.to_display() +
                              " cannot be shared within the partners' contributions and goes to the panel.");
        }
    } else if (variance < Money()) {
        const Money under = -variance;
        r.underspend = under;
        if (req.carry_forward) {
            if (!spec.carry_forward_allowed) {
                return fail(codes::kCarryForwardNotAllowed, "/carry_forward",
                            "pool `" + spec.name + "` does not allow an underspend to be carried forward");
            }
            r.carried_forward = under;
            r.notes.push_back("The underspend of " + under.to_display() + " is carried forward.");
        } else {
            if (spec.underspend == dsl::ShareBasis::Unstated) {
                return fail(codes::kPoolUnderspendUnstated, "",
                            "pool `" + spec.name + "` does not say how an underspend is returned");
            }
            const std::vector<Money>& basis = spec.underspend == dsl::ShareBasis::Actual ? actual : spec.agreed;
            const std::vector<Money> parts = share(under, basis, spec.shares_underspend);
            if (parts.empty()) {
                return no_basis(spec, spec.underspend, spec.shares_underspend, under, false);
            }
            for (std::size_t i = 0; i < n; ++i) {
                if (spec.shares_underspend[i]) r.underspend_returned.emplace_back(spec.ids[i], parts[i]);
            }
            r.notes.push_back("The underspend of " + under.to_display() + " is returned in proportion to " +
                              basis_words(spec.underspend) + ".");
            for (std::size_t i = 0; i < n; ++i) {
                if (!spec.shares_underspend[i]) r.notes.push_back(spec.display[i] + " does not share an underspend.");
            }
            if (spec.provisional) {
                r.provisional = true;
                r.notes.emplace_back("The return is provisional until the partners have been consulted.");
            }
        }
    } else {
        r.notes.emplace_back("The pool spent exactly its budget.");
    }
    if (spec.tolerance) {
        const Money magnitude = variance < Money() ? -variance : variance;
        const Ratio limit = *spec.tolerance * r.budget.as_ratio();
        r.tolerance_exceeded = magnitude.as_ratio() >= limit && magnitude != Money();
        if (r.tolerance_exceeded) {
            r.notes.push_back("The variance of " + magnitude.to_display() + " reaches the tolerance of " +
                              (*spec.tolerance * Ratio::whole(100)).to_string(2) + "% of the budget (" +
                              round_pence(limit, Rounding::HalfUp).to_display() + ").");
        }
    }
    PoolResult out;
    out.reconciliation = std::move(r);
    return out;
}

template <typename F>
PoolResult guarded(F&& f) {
    try {
        return f();
    } catch (const OverflowError& e) {
        return fail(codes::kOverflow, "", std::string("an amount is too large to compute exactly (") + e.what() + ")");
    } catch (const std::exception& e) {
        return fail(codes::kInternal, "", std::string("internal error: ") + e.what());
    }
}

}  // namespace

PoolResult reconcile(const Program& program, const std::string& pool_id, const PoolRequest& request) {
    return guarded([&]() -> PoolResult {
        const detail::ProgramImpl& p = program.impl();
        const auto it = std::find_if(p.pools_c.begin(), p.pools_c.end(),
                                     [&](const detail::CPool& c) { return c.name == pool_id; });
        if (it == p.pools_c.end()) {
            return fail(codes::kUnknownPool, "/pool", "policy `" + program.id() + "` has no pool `" + pool_id + "`");
        }
        PoolSpec spec;
        spec.name = it->name;
        for (const detail::CContribution& c : it->contributions) {
            spec.ids.push_back(p.schema.agencies[c.agency].id);
            spec.display.push_back(p.schema.agencies[c.agency].display_name);
            spec.agreed.push_back(c.amount);
            spec.shares_overspend.push_back(c.shares_overspend);
            spec.shares_underspend.push_back(c.shares_underspend);
        }
        spec.overspend = it->overspend;
        spec.underspend = it->underspend;
        spec.carry_forward_allowed = it->carry_forward_allowed;
        spec.provisional = it->provisional;
        spec.risk_capped = it->risk_capped;
        spec.tolerance = it->tolerance;
        return reconcile_spec(spec, request);
    });
}

PoolResult reconcile_proportional(const AgencyAmounts& contributions, const PoolRequest& request,
                                  const std::string& name) {
    return guarded([&]() -> PoolResult {
        PoolSpec spec;
        spec.name = name;
        for (const auto& [id, amount] : contributions) {
            if (id.empty()) return fail(codes::kPoolContributions, "/contributions/", "a partner needs a name");
            if (amount < Money()) {
                return fail(codes::kPoolContributions, "/contributions/" + id, "a contribution cannot be negative");
            }
            spec.ids.push_back(id);
            spec.display.push_back(id);
            spec.agreed.push_back(amount);
            spec.shares_overspend.push_back(true);
            spec.shares_underspend.push_back(true);
        }
        spec.overspend = dsl::ShareBasis::Contributions;
        spec.underspend = dsl::ShareBasis::Contributions;
        spec.carry_forward_allowed = true;
        spec.agreed_from_request = true;
        return reconcile_spec(spec, request);
    });
}

}  // namespace jointly::engine
