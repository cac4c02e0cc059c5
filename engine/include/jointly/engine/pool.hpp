// Pooled-budget reconciliation at year end.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "jointly/engine/decision.hpp"
#include "jointly/engine/evaluate.hpp"
#include "jointly/engine/money.hpp"
#include "jointly/engine/program.hpp"

namespace jointly::engine {

struct PoolRequest {
    Money spend;
    bool carry_forward = false;           // the board decided to carry an underspend forward
    AgencyAmounts actual_contributions;   // optional: the year's contributions, if they
                                          // differ from the agreed ones
};

struct PoolReconciliation {
    std::string pool;
    Money budget;                 // sum of contributions used
    Money spend;
    Money overspend;              // zero when none
    Money underspend;             // zero when none
    AgencyAmounts contributions;
    AgencyAmounts overspend_shares;   // who pays the overspend (includes "panel" or "host"
                                      // lines when risk caps leave a remainder)
    AgencyAmounts underspend_returned;
    Money carried_forward;
    bool provisional = false;     // the split awaits consultation with the partners
    bool tolerance_exceeded = false;
    std::optional<Ratio> tolerance;   // as a fraction of the budget
    std::vector<std::string> notes;   // plain English
};

struct PoolResult {
    std::optional<PoolReconciliation> reconciliation;
    std::vector<EvalError> errors;  // e.g. the policy does not say how an overspend is shared
};

// Reconciles pool `pool_id` of `program` for a year. Never throws.
PoolResult reconcile(const Program& program, const std::string& pool_id, const PoolRequest& request);

// Reconciles a pool given only contributions (no policy): overspend and underspend in
// proportion to contributions; used for ad-hoc reconciliation and the acceptance cases. An
// odd penny goes to the partner listed first in `contributions`; `name` names the pool in
// the result and in messages. A partner's id must not be empty (E3103 otherwise).
PoolResult reconcile_proportional(const AgencyAmounts& contributions, const PoolRequest& request,
                                  const std::string& name = "pool");

}  // namespace jointly::engine
