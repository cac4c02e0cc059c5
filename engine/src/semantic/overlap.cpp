// Checker warnings about rules as a whole: a rule that can never apply (W2001) and two
// rules that can apply to the same line with no exception relation (W2002). How a condition
// is read, and when two can hold together, is condition_branches.hpp; when two windows can
// share a day, window_overlap.cpp; here, which pairs of rules to compare, within a budget of
// steps, and what is reported.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "condition_branches.hpp"
#include "context.hpp"

namespace jointly::engine::semantic {
namespace {

using conditions::compatible;
using conditions::ConditionReader;
using conditions::kMaxTerms;
using conditions::ReadCondition;
using conditions::Served;
using conditions::Summary;

// The overlap analysis's work, counted in steps against Limits::overlap_steps.
class Steps {
public:
    explicit Steps(std::uint64_t limit) : limit_(limit) {}

    // Spends `n` steps; false once more than the budget has been spent.
    bool spend(std::uint64_t n) {
        used_ += n;
        return limit_ == 0 || used_ <= limit_;
    }
    std::uint64_t limit() const { return limit_; }

private:
    std::uint64_t limit_;
    std::uint64_t used_ = 0;
};

// Which rules are related to one rule through `exception to`, found by walking the
// relation from that rule on demand: memory linear in the rules, and the walk is paid for
// in steps (a chain of N exceptions costs N per rule, N * N in all, which the budget bounds).
class Relations {
public:
    explicit Relations(const Checker& c) : up_(c.module.rules.size()), down_(c.module.rules.size()),
                                           above_(c.module.rules.size(), kNone),
                                           below_(c.module.rules.size(), kNone) {
        const std::vector<Rule>& rules = c.module.rules;
        for (std::size_t i = 0; i < rules.size(); ++i) {
            for (const Ident& target : rules[i].exception_to) {
                const auto it = c.rule_index.find(target.name);
                if (it == c.rule_index.end() || it->second == i) continue;
                up_[i].push_back(it->second);
                down_[it->second].push_back(i);
            }
        }
    }

    // Marks every rule `j` is an exception to (above) and every rule that is an exception
    // to `j` (below), directly or through a chain. Returns the steps taken.
    std::uint64_t walk(std::size_t j) {
        return mark(j, up_, above_) + mark(j, down_, below_);
    }
    // After walk(j): whether `i` and `j` are related (either is an exception to the other).
    bool related(std::size_t i, std::size_t j) const { return above_[i] == j || below_[i] == j; }

private:
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

    std::uint64_t mark(std::size_t j, const std::vector<std::vector<std::size_t>>& edges,
                       std::vector<std::size_t>& seen) {
        std::uint64_t steps = 0;
        todo_.assign(1, j);
        seen[j] = j;
        while (!todo_.empty()) {
            const std::size_t at = todo_.back();
            todo_.pop_back();
            for (const std::size_t next : edges[at]) {
                ++steps;
                if (seen[next] != j) {
                    seen[next] = j;
                    todo_.push_back(next);
                }
            }
        }
        return steps;
    }

    std::vector<std::vector<std::size_t>> up_;    // the rules each rule is an exception to
    std::vector<std::vector<std::size_t>> down_;  // the rules that are exceptions to each rule
    std::vector<std::size_t> above_;              // == j: an ancestor of j (after walk(j))
    std::vector<std::size_t> below_;              // == j: a descendant of j
    std::vector<std::size_t> todo_;
};

// "a `respite` line", "an `additional_support` line".
std::string line_of(const std::string& service) {
    const bool vowel = !service.empty() && std::string_view("aeiou").find(service.front()) != std::string_view::npos;
    return std::string(vowel ? "an `" : "a `") + service + "` line";
}

}  // namespace

void check_static_rules(Checker& c) {
    const std::vector<Rule>& rules = c.module.rules;
    ConditionReader reader(c);
    // The branches of each rule's condition that can hold (nullopt: too large to analyse).
    std::vector<std::optional<std::vector<Summary>>> branches(rules.size());
    std::vector<Served> served(rules.size());
    std::vector<bool> excluded(rules.size(), false);  // W2001, or an unknown `exception to`
    for (std::size_t i = 0; i < rules.size(); ++i) {
        c.tick();
        ReadCondition read = reader.read(rules[i].condition ? &*rules[i].condition : nullptr);
        branches[i] = std::move(read.branches);
        served[i] = std::move(read.served);
        if (!branches[i] || !branches[i]->empty()) continue;
        excluded[i] = true;
        const std::optional<std::string>& why = read.never;
        std::string help = why ? *why : "the condition is always false";
        if (why && why->rfind("`service` cannot be both", 0) == 0) {
            help += "; a line has one service: for either, write `service in [a, b]`";
        }
        c.emit(Code::rule_never_applies, pick(rules[i].condition->span, rules[i].id.span),
               "rule `" + rules[i].id.name + "` can never apply: its condition is always false", help);
    }

    // A rule whose `exception to` names an unknown rule (E2010) is left out: its relation
    // is unknown. (Cycles were reported as errors.)
    for (std::size_t i = 0; i < rules.size(); ++i) {
        for (const Ident& target : rules[i].exception_to) {
            if (c.rule_index.count(target.name) == 0) excluded[i] = true;
        }
    }
    Relations relations(c);
    // Candidate pairs share a named service or involve a rule open to any service, so a
    // policy of many rules on distinct services costs little more than linear time. Many
    // rules on one service cost a step per pair: the budget (Limits::overlap_steps) bounds
    // them, and once it is spent the analysis stops with one W2008.
    Steps steps(c.limits.overlap_steps);
    std::map<std::string, std::vector<std::size_t>> by_service;
    std::vector<std::size_t> open_rules;
    std::vector<std::size_t> seen(rules.size(), rules.size());
    std::vector<std::size_t> candidates;
    for (std::size_t j = 0; j < rules.size(); ++j) {
        c.tick();
        candidates.clear();
        std::uint64_t gathered = 0;
        if (served[j].any) {
            for (std::size_t i = 0; i < j; ++i) candidates.push_back(i);
            gathered = j;
        } else {
            auto add = [&](std::size_t i) {
                ++gathered;
                if (seen[i] != j) {
                    seen[i] = j;
                    candidates.push_back(i);
                }
            };
            for (const std::size_t i : open_rules) add(i);
            for (const std::string& service : served[j].names) {
                for (const std::size_t i : by_service[service]) add(i);
            }
            std::sort(candidates.begin(), candidates.end());
        }
        if (served[j].any) {
            open_rules.push_back(j);
        } else {
            for (const std::string& service : served[j].names) by_service[service].push_back(j);
        }
        bool within = steps.spend(gathered);
        bool walked = false;
        for (std::size_t k = 0; within && !excluded[j] && k < candidates.size(); ++k) {
            const std::size_t i = candidates[k];
            within = steps.spend(1);
            if (excluded[i] || rules[i].id.name == rules[j].id.name) continue;  // E2001 already
            const Served& a = served[i];
            const Served& b = served[j];
            const std::string* common = nullptr;  // a service both name, for the message
            if (!a.any && !b.any) {
                // Both constrain the service. Through a list fact the services are known
                // only at run time: no warning (conservative).
                if (a.unknown || b.unknown) continue;
                for (const std::string& name : a.names) {
                    if (b.names.count(name) != 0) {
                        common = &name;
                        break;
                    }
                }
                if (common == nullptr) continue;
            }
            const WindowOverlap shared = window_overlap(c, rules[i].window, rules[j].window);
            if (!shared.may) continue;
            if (!walked) {
                within = steps.spend(relations.walk(j)) && within;
                walked = true;
            }
            if (relations.related(i, j)) continue;
            bool overlap = true;
            const auto& bi = branches[i];
            const auto& bj = branches[j];
            if (bi && bj && bi->size() * bj->size() <= kMaxTerms) {
                within = steps.spend(bi->size() * bj->size()) && within;
                overlap = std::any_of(bi->begin(), bi->end(), [&](const Summary& x) {
                    return std::any_of(bj->begin(), bj->end(),
                                       [&](const Summary& y) { return compatible(x, y); });
                });
            }
            if (!overlap || !c.keep(Code::rules_overlap, rules[j].id.span)) continue;
            c.add(Code::rules_overlap, rules[j].id.span,
                  "rules `" + rules[i].id.name + "` and `" + rules[j].id.name + "` can both apply to " +
                      (common != nullptr ? line_of(*common) : std::string("the same line")) +
                      (shared.days.empty() ? "" : " " + shared.days) +
                      ", and neither is an exception to the other",
                  "a line they both match is referred to the panel as a conflict; make one an "
                  "`exception to` the other, or make their conditions exclusive" +
                      std::string(shared.one_day ? "; `to` and `through` include their own day, "
                                                   "`until` and `before` leave it out"
                                                 : ""));
        }
        if (within) continue;
        c.add(Code::overlap_cut_short, rules[j].id.span,
              "the check for overlapping rules (W2002) stopped at rule `" + rules[j].id.name +
                  "` after " + std::to_string(steps.limit()) +
                  " steps, its limit: later pairs of rules were not compared",
              "many rules can apply to one service; make the rules on a service exceptions to "
              "one another or split the policy, so that each can be checked");
        return;
    }
}

}  // namespace jointly::engine::semantic
