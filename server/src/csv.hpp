// CSV exports for finance systems (docs/csv.md): RFC 4180 text, UTF-8 (no byte order mark),
// CRLF line ends, a header row, fixed columns in long form (one row per decision and agency),
// so that every page and every policy's export has the same columns.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "jointly/server/store.hpp"

namespace jointly::server {

// One text field. Quoted when it holds a comma, a quote, CR or LF, quotes doubled. A text
// that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR)
// gets a leading `'` first. Bytes are otherwise passed through (UTF-8 stays as it is).
std::string csv_text(std::string_view text);

// One number field (money as a decimal string, a count): written as it is, never prefixed,
// so `-12.50` stays a number. Anything that is not a plain decimal number (`-?digits[.digits]`)
// is written as csv_text() would write it, so no stored text can reach a cell unguarded.
std::string csv_number(std::string_view number);

// The decisions, in the given order, one row per decision and agency of its `by_agency`
// (read from the stored response, amounts exactly as stored). Columns: decision_id,
// created_at, case_ref, policy_id, policy_version, policy_sha256, as_of, outcome, total, erased,
// agency, amount. A decision whose response has no agencies or cannot be read has one row
// with agency and amount empty. Never throws but for std::bad_alloc.
std::string decisions_csv(const std::vector<DecisionRecord>& records);

// The summary report (SummaryReport::result(), with the `from`, `to` and `policy` of
// GET /v1/reports/summary when present), its money in long form. Columns: from, to, policy,
// section (funded, declined, overrides), breakdown (all, financial_year, service), key (the
// year or service; empty for all), decisions (the count for that section and key; empty per
// year), agency, amount. Counts without money (outcomes, panel outcomes, referrals,
// unreadable) are not written. A part missing from `summary` is skipped. Never throws but
// for std::bad_alloc.
std::string summary_csv(const nlohmann::ordered_json& summary);

}  // namespace jointly::server
