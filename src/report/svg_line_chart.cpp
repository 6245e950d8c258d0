// Line charts: several series over a shared x axis, linear or log y, gaps at missing points.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "lmforge/report/svg_chart.h"
#include "report/svg_writer.h"

namespace lmforge::report {

using detail::num;

namespace {

std::string series_color(const Series& s, std::size_t index) {
  return s.color.empty() ? std::string(kPalette[index % std::size(kPalette)]) : s.color;
}

bool usable(double x, double y, bool log_y) { return std::isfinite(x) && std::isfinite(y) && (!log_y || y > 0); }

// Legend entries laid out left to right, wrapping; returns the SVG and the height used.
std::pair<std::string, double> legend(const std::vector<Series>& series, double left, double right, double top) {
  std::string out;
  double x = left, y = top + 10;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const double item = 22 + text_width(series[i].name, 12) + 16;
    if (x + item > right && x > left) {
      x = left;
      y += 18;
    }
    out += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.5"{}/>)", num(x),
                       num(y - 4), num(x + 18), num(y - 4), series_color(series[i], i),
                       series[i].dashed ? R"( stroke-dasharray="5 3")" : "");
    out += detail::svg_text(x + 22, y, series[i].name);
    x += item;
  }
  return {out, y - top + 8};
}

}  // namespace

std::string line_chart_svg(const std::vector<Series>& series, const LineChartOptions& options) {
  const double width = std::max(options.width, 160), height = std::max(options.height, 120);
  const bool log_y = options.log_y;

  // Data extent over every usable point.
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (const auto& s : series) {
    const std::size_t n = std::min(s.x.size(), s.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (!usable(s.x[i], s.y[i], log_y)) continue;
      x_lo = std::min(x_lo, s.x[i]), x_hi = std::max(x_hi, s.x[i]);
      y_lo = std::min(y_lo, s.y[i]), y_hi = std::max(y_hi, s.y[i]);
    }
  }
  const bool empty = !std::isfinite(x_lo);
  if (std::isfinite(options.y_min) && (!log_y || options.y_min > 0)) y_lo = options.y_min;
  if (std::isfinite(options.y_max) && (!log_y || options.y_max > 0)) y_hi = options.y_max;
  if (empty) x_lo = 0, x_hi = 1, y_lo = log_y ? 1 : 0, y_hi = log_y ? 10 : 1;
  if (x_lo == x_hi) x_lo -= 0.5, x_hi += 0.5;

  // Y axis: linear ranges grow to nice ticks; log ranges get a little padding.
  std::vector<double> y_ticks;
  double y_step = 1;
  Scale y_scale;
  y_scale.log = log_y;
  if (log_y) {
    if (y_lo == y_hi) y_lo /= 1.5, y_hi *= 1.5;
    const double pad = std::pow(y_hi / y_lo, 0.04);
    y_scale.domain_lo = y_lo / pad, y_scale.domain_hi = y_hi * pad;
    y_ticks = log_ticks(y_scale.domain_lo, y_scale.domain_hi);
    y_step = y_ticks.size() >= 2 ? y_ticks[1] - y_ticks[0] : y_ticks.empty() ? 1 : y_ticks[0];
  } else {
    const Ticks t = nice_ticks(y_lo, y_hi, 5);
    y_ticks = t.values, y_step = t.step;
    y_scale.domain_lo = y_ticks.front(), y_scale.domain_hi = y_ticks.back();
    if (std::isfinite(options.y_min)) y_scale.domain_lo = options.y_min;
    if (std::isfinite(options.y_max)) y_scale.domain_hi = options.y_max;
  }
  std::vector<std::string> y_labels;
  double y_label_width = 0;
  for (double v : y_ticks) {
    // On a log axis each label carries its own precision (0.002, 0.005, 0.01; 1.5, 2, 2.5).
    y_labels.push_back(log_y ? format_value(v, 3) : format_tick(v, y_step));
    y_label_width = std::max(y_label_width, text_width(y_labels.back(), 11));
  }

  // Layout: title, legend, plot, x axis.
  const double left = 10 + (options.y_label.empty() ? 0 : 18) + y_label_width + 6;
  const double right = width - 16;
  double top = options.title.empty() ? 10 : 30;
  std::string legend_svg;
  if (options.legend && series.size() >= 2) {
    auto [svg, used] = legend(series, left, right, top);
    legend_svg = std::move(svg);
    top += used;
  }
  top += 6;
  const double bottom = height - (options.x_label.empty() ? 24 : 40);
  y_scale.range_lo = bottom, y_scale.range_hi = top;
  const Scale x_scale{x_lo, x_hi, left, right, false};

  std::string out = detail::svg_open(width, height, options.title);
  out += detail::svg_title(width, options.title);
  out += legend_svg;

  // Grid and y ticks.
  for (std::size_t i = 0; i < y_ticks.size(); ++i) {
    const double y = y_scale(y_ticks[i]);
    if (y < top - 0.5 || y > bottom + 0.5) continue;
    out += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor" stroke-opacity="0.12"/>)",
                       num(left), num(y), num(right), num(y));
    out += detail::svg_text(left - 6, y + 4, y_labels[i], R"(text-anchor="end" font-size="11")");
  }
  // X ticks: nice values inside the data range.
  const Ticks x_ticks = nice_ticks(x_lo, x_hi, std::max(3, static_cast<int>((right - left) / 90)));
  for (double v : x_ticks.values) {
    if (v < x_lo - 1e-9 * std::abs(x_hi - x_lo) || v > x_hi + 1e-9 * std::abs(x_hi - x_lo)) continue;
    const double x = x_scale(v);
    out += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor" stroke-opacity="0.5"/>)",
                       num(x), num(bottom), num(x), num(bottom + 4));
    out += detail::svg_text(x, bottom + 16, format_tick(v, x_ticks.step), R"(text-anchor="middle" font-size="11")");
  }
  out += fmt::format(R"(<path d="M{} {}V{}H{}" fill="none" stroke="currentColor" stroke-opacity="0.5"/>)", num(left),
                     num(top), num(bottom), num(right));
  if (!options.x_label.empty()) {
    out += detail::svg_text((left + right) / 2, height - 6, options.x_label, R"(text-anchor="middle")");
  }
  if (!options.y_label.empty()) {
    const double cy = (top + bottom) / 2;
    out += detail::svg_text(14, cy, options.y_label,
                            fmt::format(R"svg(text-anchor="middle" transform="rotate(-90 14 {})")svg", num(cy)));
  }
  if (empty) {
    out += detail::svg_text((left + right) / 2, (top + bottom) / 2, "no data",
                            R"(text-anchor="middle" fill-opacity="0.6")");
  }

  // The series: one path each, a new sub-path after every missing point.
  auto clamp_y = [&](double y) { return std::clamp(y_scale(y), top, bottom); };
  for (std::size_t si = 0; si < series.size(); ++si) {
    const Series& s = series[si];
    const std::string color = series_color(s, si);
    const std::size_t n = std::min(s.x.size(), s.y.size());
    std::string path;
    std::vector<std::size_t> isolated;
    std::size_t run_start = 0, run_length = 0;
    for (std::size_t i = 0; i <= n; ++i) {
      const bool ok = i < n && usable(s.x[i], s.y[i], log_y);
      if (ok) {
        path += fmt::format("{}{} {}", run_length == 0 ? "M" : "L", num(x_scale(s.x[i])), num(clamp_y(s.y[i])));
        if (run_length == 0) run_start = i;
        ++run_length;
      } else {
        if (run_length == 1) isolated.push_back(run_start);
        run_length = 0;
      }
    }
    out += fmt::format(R"(<g class="series"><title>{}</title>)", xml_escape(s.name));
    if (!path.empty()) {
      out += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="1.8" stroke-linejoin="round"{}/>)",
                         path, color, s.dashed ? R"( stroke-dasharray="5 3")" : "");
    }
    std::size_t usable_count = 0;
    for (std::size_t i = 0; i < n; ++i) usable_count += usable(s.x[i], s.y[i], log_y);
    const bool markers = static_cast<int>(usable_count) <= options.markers_up_to;
    for (std::size_t i = 0; i < n; ++i) {
      if (!usable(s.x[i], s.y[i], log_y)) continue;
      if (!markers && std::find(isolated.begin(), isolated.end(), i) == isolated.end()) continue;
      out += fmt::format(R"(<circle cx="{}" cy="{}" r="2.8" fill="{}"><title>{}: {} at {}</title></circle>)",
                         num(x_scale(s.x[i])), num(clamp_y(s.y[i])), color, xml_escape(s.name),
                         format_value(s.y[i]), format_value(s.x[i], 6));
    }
    out += "</g>";
  }
  out += "</svg>";
  return out;
}

}  // namespace lmforge::report
