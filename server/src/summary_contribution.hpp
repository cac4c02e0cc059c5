// What one stored decision, and one panel record, contribute to GET /v1/reports/summary: read
// from the stored JSON, and written to and read from the compact text the store keeps beside
// each decision (docs/adr/0019-summary-at-scale.md).
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "jointly/engine/money.hpp"
#include "jointly/engine/program.hpp"
#include "jointly/server/store.hpp"

namespace jointly::server::summary {

using AgencyAmounts = std::vector<std::pair<std::string, engine::Money>>;
// (year or service, agency, money)
using KeyedAmounts = std::vector<std::tuple<std::string, std::string, engine::Money>>;

// A decision's contribution without its panel records, read completely before anything is
// added. Everything but `level_candidates` is independent of the policy versions loaded.
struct Contribution {
    std::string outcome;       // approve | refer | decline
    std::string referred_to;   // set when outcome is refer
    engine::Money total;
    std::string age_band = "unknown";
    AgencyAmounts by_agency;   // the response's order
    KeyedAmounts by_year;      // the response's order
    KeyedAmounts by_service;   // each line's allocation under its service
    std::vector<std::string> services;  // distinct, ascending
    std::vector<std::tuple<std::string, std::string, std::string>> reasons;  // (kind, rule, ref), distinct, ascending
    // fact -> the distinct texts the request gives it (the value, or each value of an object)
    // that could name a scale's level; by_need_level keeps those of the version's scale facts.
    std::vector<std::pair<std::string, std::vector<std::string>>> level_candidates;
};

// The latest panel record's part: its outcome and an override's shares.
struct PanelContribution {
    std::string outcome = "none";  // approved | deferred | declined | escalated | none
    std::optional<AgencyAmounts> override_shares;
};

// A contribution as views: into a Contribution (view_of) or into compact text and the
// view's own `unescaped` texts (decode_decision). Reused from row to row, so that reading a
// million rows allocates next to nothing.
struct ContributionView {
    std::string_view outcome, referred_to, age_band;
    engine::Money total;
    std::vector<std::pair<std::string_view, engine::Money>> by_agency;
    std::vector<std::tuple<std::string_view, std::string_view, engine::Money>> by_year;
    std::vector<std::tuple<std::string_view, std::string_view, engine::Money>> by_service;
    std::vector<std::string_view> services;
    std::vector<std::tuple<std::string_view, std::string_view, std::string_view>> reasons;
    std::vector<std::pair<std::string_view, std::string_view>> level_candidates;  // (fact, text)
    std::deque<std::string> unescaped;  // the texts that held an escape
};

struct PanelView {
    std::string_view outcome = "none";
    bool overrides = false;
    std::vector<std::pair<std::string_view, engine::Money>> shares;
    std::deque<std::string> unescaped;  // the texts that held an escape
};

// Views of `c` and `p` (which must outlive them).
void view_of(const Contribution& c, ContributionView& out);
void view_of(const PanelContribution& p, PanelView& out);

// (scale fact, the level's place in its scale, level): views of the schema's names.
using NeedLevels = std::vector<std::tuple<std::string_view, std::size_t, std::string_view>>;

namespace detail {
// The members of a stored answer a contribution reads.
struct Answer {
    engine::Money total;
    std::string referred_to;  // read only when the outcome is refer
    AgencyAmounts by_agency;
    KeyedAmounts by_year;
    std::vector<std::pair<std::string, AgencyAmounts>> by_line;
    std::vector<std::tuple<std::string, std::string, std::string>> reasons;  // (kind, rule, ref), distinct, ascending
    bool operator==(const Answer&) const = default;
};
// A parser's memory is about 15 times the text it read; a thread keeps its parser for answers
// up to this size (about 240 KiB of memory), and frees it after a larger one.
inline constexpr std::size_t kKeepParserForAnswersUpTo = 16 * 1024;
// The answer read with ordered_json, the reading the fast one must match. Throws when the
// answer cannot be read. by_line is read only `with_lines` (an erased decision's is not).
Answer read_answer(std::string_view outcome, const std::string& text, bool with_lines);
// The same with simdjson: nullopt when simdjson refuses the text or an object read names a key
// twice (read_answer reads those); otherwise what read_answer gives, or a throw where it
// throws.
std::optional<Answer> read_answer_fast(std::string_view outcome, const std::string& text, bool with_lines);
}  // namespace detail

// The stored JSON read (a decision's answer by read_answer_fast, or by read_answer where that
// declines; its request and a panel record with ordered_json). Throw std::exception when the
// record cannot be read (the report counts it in `unreadable`).
Contribution read_decision(const DecisionRecord& decision);
PanelContribution read_panel(const std::string& record_json);

// Per scale fact of `schema` (nullptr: none), the highest level the decision gives.
void need_levels(const ContributionView& c, const engine::Schema* schema, NeedLevels& out);

// The compact text of a decision's contribution (`!` when it cannot be read), computed from
// the record as stored (erased or not; created_at set). Never throws.
std::string encode_decision(const DecisionRecord& decision);
// The compact text of a panel record's part (`!` when it cannot be read). Never throws.
std::string encode_panel(const std::string& record_json);

// The contribution in `text` (which must outlive `out`); false when it was marked unreadable
// or is malformed.
bool decode_decision(std::string_view text, ContributionView& out);
bool decode_panel(std::string_view text, PanelView& out);

}  // namespace jointly::server::summary
