#include "lmforge/analyze/trends.h"

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>

namespace lmforge::analyze {

namespace {

// Howard Hinnant's days_from_civil.
long days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date civil_from_days(long z) {
  z += 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const long doe = z - era * 146097;
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long mp = (5 * doy + 2) / 153;
  Date d;
  d.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  d.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  d.year = static_cast<int>(yoe + era * 400 + (d.month <= 2));
  return d;
}

int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return days[m - 1];
}

}  // namespace

long Date::days_since_epoch() const { return days_from_civil(year, month, day); }

std::optional<Date> parse_date(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  // Numbers separated by anything that is not a digit; the first three are year, month, day.
  std::vector<std::pair<int, std::size_t>> numbers;  // value, digit count
  std::size_t i = 0;
  while (i < s.size() && numbers.size() < 3) {
    if (s[i] < '0' || s[i] > '9') {
      // A time part ends the date (T10:00, " 10:00").
      if (numbers.size() >= 3) break;
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    int v = 0;
    std::from_chars(s.data() + i, s.data() + std::min(j, i + 9), v);
    numbers.push_back({v, j - i});
    i = j;
  }
  Date d;
  if (numbers.size() == 1 && numbers[0].second == 8) {  // 20240305
    const int v = numbers[0].first;
    d.year = v / 10000, d.month = v / 100 % 100, d.day = v % 100;
  } else if (numbers.size() >= 2 && numbers[0].second == 4) {
    d.year = numbers[0].first;
    d.month = numbers[1].first;
    if (numbers.size() >= 3 && numbers[2].second <= 2) {
      d.day = numbers[2].first;
    } else {
      d.day = 1;
      d.has_day = false;
    }
  } else {
    return std::nullopt;
  }
  if (d.year < 1000 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1 || d.day > days_in_month(d.year, d.month))
    return std::nullopt;
  return d;
}

Trend compute_trend(const std::vector<std::string>& dates, const std::vector<int>& group_of, std::size_t groups,
                    std::size_t max_periods) {
  Trend t;
  std::vector<std::optional<Date>> parsed(dates.size());
  long lo = 0, hi = 0;
  bool any = false, all_have_day = true;
  for (std::size_t i = 0; i < dates.size(); ++i) {
    parsed[i] = parse_date(dates[i]);
    if (!parsed[i]) {
      if (t.unparsed++ == 0) t.first_unparsed = dates[i];
      continue;
    }
    all_have_day = all_have_day && parsed[i]->has_day;
    const long d = parsed[i]->days_since_epoch();
    lo = any ? std::min(lo, d) : d;
    hi = any ? std::max(hi, d) : d;
    any = true;
  }
  t.counts.assign(groups, {});
  if (!any) return t;
  const long span = hi - lo + 1;
  // Period key: day number, week number (Monday-based), month index or year.
  std::string g;
  if (all_have_day && span <= static_cast<long>(max_periods)) g = "day";
  else if (all_have_day && span / 7 + 1 <= static_cast<long>(max_periods)) g = "week";
  else {
    const Date a = civil_from_days(lo), b = civil_from_days(hi);
    g = (b.year - a.year) * 12 + b.month - a.month + 1 <= static_cast<int>(max_periods) ? "month" : "year";
  }
  t.granularity = g;
  const auto key = [&](const Date& d) -> long {
    const long days = d.days_since_epoch();
    if (g == "day") return days;
    if (g == "week") {  // 1970-01-01 was a Thursday: weeks start on Monday (floor division)
      const long shifted = days + 3;
      return shifted >= 0 ? shifted / 7 : -((-shifted + 6) / 7);
    }
    if (g == "month") return d.year * 12L + d.month - 1;
    return d.year;
  };
  const Date dlo = civil_from_days(lo), dhi = civil_from_days(hi);
  const long k_lo = key(dlo), k_hi = key(dhi);
  for (long k = k_lo; k <= k_hi; ++k) {
    if (g == "day") {
      const Date d = civil_from_days(k);
      t.periods.push_back(fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day));
    } else if (g == "week") {
      const Date monday = civil_from_days(k * 7 - 3);
      t.periods.push_back(fmt::format("{:04}-{:02}-{:02}", monday.year, monday.month, monday.day));
    } else if (g == "month") {
      t.periods.push_back(fmt::format("{:04}-{:02}", k / 12, k % 12 + 1));
    } else {
      t.periods.push_back(fmt::format("{:04}", k));
    }
  }
  for (auto& c : t.counts) c.assign(t.periods.size(), 0.0);
  t.totals.assign(t.periods.size(), 0.0);
  for (std::size_t i = 0; i < dates.size(); ++i) {
    if (!parsed[i]) continue;
    const auto p = static_cast<std::size_t>(key(*parsed[i]) - k_lo);
    t.totals[p] += 1;
    if (group_of[i] >= 0) t.counts[static_cast<std::size_t>(group_of[i])][p] += 1;
  }
  return t;
}

}  // namespace lmforge::analyze
