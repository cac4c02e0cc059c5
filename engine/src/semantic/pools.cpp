// Checker: pooled budgets (partners, host, who bears an overspend, tolerance).
#include <set>
#include <string>
#include <vector>

#include "context.hpp"

namespace jointly::engine::semantic {

void check_pools(Checker& c) {
    const std::vector<Ident>& parties = c.module.header.agreed_by;
    auto is_party = [&](const std::string& agency) {
        for (const Ident& p : parties) {
            if (p.name == agency) return true;
        }
        return false;
    };
    for (const Pool& pool : c.module.pools) {
        const std::string name = "`" + pool.id.name + "`";
        std::set<std::string> partners;
        bool anyone_shares = false;
        bool anyone_gets_underspend = false;
        for (const Contribution& contribution : pool.contributions) {
            const Span& where = pick(contribution.span, pool.id.span);
            const bool declared = c.require_agency(contribution.agency, true);
            if (!partners.insert(contribution.agency.name).second) {
                c.emit(Code::pool_duplicate_partner, where,
                       "`" + contribution.agency.name + "` contributes to pool " + name + " twice",
                       "give each partner one contribution");
            }
            if (contribution.amount.units <= 0) {
                c.emit(Code::pool_contribution_not_positive, where,
                       "the contribution of `" + contribution.agency.name + "` must be more than £0");
            }
            anyone_shares = anyone_shares || contribution.shares_overspend;
            anyone_gets_underspend = anyone_gets_underspend || contribution.shares_underspend;
            // A contributor that did not sign the agreement may or may not bear an overspend:
            // the author must say which (DOMAIN.md), never leave it to a default. (An agency
            // that is not declared is E2003: whether it signed is beside the point.)
            if (declared && !contribution.overspend_stated && contribution.shares_overspend && !is_party(contribution.agency.name)) {
                const std::string& who = contribution.agency.name;
                c.emit(Code::pool_contributor_undecided, pick(contribution.agency.span, where),
                       "`" + who + "` contributes to pool " + name + " but is not a party to the agreement" +
                           (parties.empty() ? " (the header names no parties: `agreed by`)" : " (`agreed by`)") +
                           ", and its contribution does not say whether it shares an overspend",
                       "write `sharing overspend` or `not sharing overspend` after its amount" +
                           std::string(parties.empty() ? ", or name the parties with `agreed by` in the header"
                                                       : ""));
            }
        }
        if (pool.contributions.empty()) {
            c.emit(Code::pool_no_contributions, pool.id.span, "pool " + name + " has no contributions",
                   "add `contribution health £100,000` for each partner");
        } else if (!anyone_shares) {
            c.emit(Code::pool_nobody_shares_overspend, pool.id.span,
                   "no partner of pool " + name + " shares an overspend",
                   "remove `not sharing overspend` from at least one contribution");
        }
        if (!pool.contributions.empty() && !anyone_gets_underspend) {
            c.emit(Code::pool_nobody_gets_underspend, pool.id.span,
                   "no partner of pool " + name + " gets a share of an underspend",
                   "remove `not sharing underspend` from at least one contribution");
        }
        if (pool.host && c.require_agency(*pool.host, true) &&
            partners.count(pool.host->name) == 0 && !pool.contributions.empty()) {
            c.emit(Code::pool_host_not_partner, pool.host->span,
                   "the host `" + pool.host->name + "` does not contribute to pool " + name,
                   "the host is one of the partners; add its contribution or host the pool elsewhere");
        }
        if (pool.overspend == ShareBasis::Unstated) {
            c.emit(Code::pool_no_overspend_rule, pool.id.span,
                   "pool " + name + " does not say how an overspend is shared",
                   "add `overspend shared in proportion to contributions`; until then "
                   "reconciliation refuses to compute an overspend");
        }
        if (pool.underspend == ShareBasis::Unstated) {
            c.emit(Code::pool_no_underspend_rule, pool.id.span,
                   "pool " + name + " does not say how an underspend is returned",
                   "add `underspend returned in proportion to contributions`; until then "
                   "reconciliation refuses to compute an underspend");
        }
        if (pool.tolerance) {
            const Decimal& t = *pool.tolerance;
            std::int64_t hundred = 100;
            bool too_big = false;
            for (std::int32_t i = 0; i < t.scale && !too_big; ++i) {
                if (hundred > INT64_MAX / 10) too_big = true;
                else hundred *= 10;
            }
            if (t.units <= 0 || (!too_big && t.units > hundred)) {
                c.emit(Code::pool_tolerance_range, pick(pool.tolerance_span, pool.id.span),
                       "the tolerance of pool " + name + " is " + decimal_text(t) +
                           "%; it must be more than 0% and at most 100%",
                       "e.g. `tolerance 5%`");
            }
        }
    }
}

}  // namespace jointly::engine::semantic
