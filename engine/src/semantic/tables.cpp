// The semantic pass on tables (whole-number ranges that neither overlap nor leave gaps, one
// value type), building each table as it is checked.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "context.hpp"

namespace jointly::engine::semantic {
namespace {

// The whole number a bound holds, or nullopt when it has a fraction.
std::optional<std::int64_t> whole(const Decimal& d) {
    std::int64_t p = 1;
    for (std::int32_t i = 0; i < d.scale; ++i) {
        if (p > std::numeric_limits<std::int64_t>::max() / 10) return std::nullopt;
        p *= 10;
    }
    if (d.units % p != 0) return std::nullopt;
    return d.units / p;
}

bool open_ended(const TableRow& row) { return row.open_ended; }

std::string row_text(const TableRow& row) {
    if (open_ended(row)) return "`from " + decimal_text(row.low) + "`";
    return "`from " + decimal_text(row.low) + " to " + decimal_text(row.high) + "`";
}

struct Range {
    std::size_t row;
    std::int64_t low;
    std::int64_t high;
};

// The type every row gives, building each row's value as it goes (`values`).
Type table_value_type(Checker& c, const Table& table, std::vector<std::int32_t>& values) {
    Type first;
    bool mixed = false;
    for (const TableRow& row : table.rows) {
        Needs needs;
        const Typed typed = type_of(c, row.value, Context::Constant, needs);
        const Type& t = typed.type;
        values.push_back(typed.node);
        if (t.tag == TypeTag::Error) continue;
        if (first.tag == TypeTag::Error) {
            first = t;
            continue;
        }
        const bool numbers = (first.tag == TypeTag::Whole || first.tag == TypeTag::Decimal) &&
                             (t.tag == TypeTag::Whole || t.tag == TypeTag::Decimal);
        if (numbers) {
            if (t.tag == TypeTag::Decimal) first = t;
            continue;
        }
        if (t != first) {
            c.emit(Code::table_mixed_types, pick(row.value.span, row.span),
                   "this row gives `" + type_name(t) + "`, but an earlier row gives `" +
                       type_name(first) + "`",
                   "every row of `" + table.id.name + "` must give the same kind of value");
            mixed = true;
        }
    }
    return mixed ? Type{} : first;
}

void check_ranges(Checker& c, const Table& table) {
    std::vector<Range> ranges;
    bool ok = true;
    for (std::size_t i = 0; i < table.rows.size(); ++i) {
        const TableRow& row = table.rows[i];
        const std::optional<std::int64_t> low = whole(row.low);
        const std::optional<std::int64_t> high = open_ended(row) ? std::optional<std::int64_t>(
                                                                       std::numeric_limits<std::int64_t>::max())
                                                                 : whole(row.high);
        if (!low || !high) {
            c.emit(Code::table_bound_not_whole, pick(row.span, table.id.span),
                   "the range " + row_text(row) + " is not whole numbers",
                   "table ranges are whole numbers, inclusive: `from 0 to 69` then `from 70 to 115`");
            ok = false;
            continue;
        }
        if (*low > *high) {
            c.emit(Code::table_row_reversed, pick(row.span, table.id.span),
                   "the range " + row_text(row) + " starts above where it ends",
                   "write the lower number first");
            ranges.push_back({i, *high, *low});  // read as meant, so the other rows are checked
            continue;
        }
        ranges.push_back({i, *low, *high});
    }
    if (!ok) return;
    std::stable_sort(ranges.begin(), ranges.end(),
                     [](const Range& a, const Range& b) { return a.low < b.low; });
    for (std::size_t k = 1; k < ranges.size(); ++k) {
        const Range& a = ranges[k - 1];
        const Range& b = ranges[k];
        const TableRow& later = table.rows[std::max(a.row, b.row)];
        if (b.low <= a.high) {
            const std::int64_t to = std::min(a.high, b.high);
            const std::string both =
                to == b.low ? std::to_string(to) : std::to_string(b.low) + " to " + std::to_string(to);
            c.emit(Code::table_overlap, pick(later.span, table.id.span),
                   "rows " + row_text(table.rows[a.row]) + " and " + row_text(table.rows[b.row]) +
                       " of `" + table.id.name + "` overlap: both cover " + both,
                   "each number must fall in exactly one row");
        } else if (b.low - a.high > 1) {
            const std::int64_t from = a.high + 1;
            const std::int64_t to = b.low - 1;
            const std::string gap =
                from == to ? std::to_string(from) : std::to_string(from) + " to " + std::to_string(to);
            c.emit(Code::table_gap, pick(later.span, table.id.span),
                   "no row of `" + table.id.name + "` covers " + gap,
                   "ranges are inclusive whole numbers: after `to " + std::to_string(a.high) +
                       "` the next row starts `from " + std::to_string(a.high + 1) + "`");
        }
    }
}

}  // namespace

void check_tables(Checker& c) {
    for (std::size_t i = 0; i < c.module.tables.size(); ++i) {
        const Table& table = c.module.tables[i];
        if (table.rows.empty()) {
            c.emit(Code::table_empty, table.id.span, "table `" + table.id.name + "` has no rows",
                   "add rows such as `from 0 to 69 gives £0`");
            continue;
        }
        std::vector<std::int32_t> values;
        const std::size_t errors_before = c.error_count();
        c.table_types[i] = table_value_type(c, table, values);
        check_ranges(c, table);
        if (c.error_count() != errors_before) continue;
        detail::CTable& built = c.program.tables[i];
        built.type = vtype(c.table_types[i]);
        for (std::size_t r = 0; r < table.rows.size(); ++r) {
            const TableRow& row = table.rows[r];
            detail::CTableRow out;
            out.low = Ratio::whole(*whole(row.low));
            if (!open_ended(row)) out.high = Ratio::whole(*whole(row.high));
            out.value = values[r];
            built.rows.push_back(out);
        }
    }
}

}  // namespace jointly::engine::semantic
