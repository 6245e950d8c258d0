// Counts per group over time, for the "trends" part of an analysis report. Dates are read from
// the common spellings (2024-03-05, 2024/3/5, 2024.03.05, 20240305, 2024-03-05T10:00:00,
// 2024-03-05 10:00, 2024年3月5日, 2024-03) and bucketed by day, ISO week, month or year, chosen
// so that there are at most about 60 periods.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lmforge::analyze {

struct Date {
  int year = 0, month = 1, day = 1;
  bool has_day = true;
  long days_since_epoch() const;  // days since 1970-01-01 (proleptic Gregorian)
};

std::optional<Date> parse_date(std::string_view text);

struct Trend {
  std::string granularity;                 // "day", "week", "month" or "year"
  std::vector<std::string> periods;        // labels: 2024-03-05, 2024-W10, 2024-03, 2024
  std::vector<std::vector<double>> counts; // counts[group][period]
  std::vector<double> totals;              // texts per period
  std::size_t unparsed = 0;                // texts whose date could not be read
  std::string first_unparsed;              // the first such date, for the message
};

// group_of[i] in [0, groups) or -1 (counted in totals only). Empty periods inside the range
// are kept (zero counts), so the x axis is regular.
Trend compute_trend(const std::vector<std::string>& dates, const std::vector<int>& group_of, std::size_t groups,
                    std::size_t max_periods = 60);

}  // namespace lmforge::analyze
