// Heat maps: a matrix as coloured cells with row and column labels and a colour bar
// (attention weights, confusion matrices).
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "lmforge/report/svg_chart.h"
#include "report/svg_writer.h"

namespace lmforge::report {

using detail::num;

std::string heat_map_svg(const std::vector<std::vector<double>>& matrix, const std::vector<std::string>& row_labels,
                         const std::vector<std::string>& column_labels, const HeatMapOptions& options) {
  const std::size_t rows = matrix.size();
  const std::size_t cols = rows == 0 ? 0 : matrix[0].size();
  for (const auto& row : matrix) {
    if (row.size() != cols) throw std::invalid_argument("heat_map_svg: rows of different lengths");
  }
  if (!row_labels.empty() && row_labels.size() != rows) {
    throw std::invalid_argument(fmt::format("heat_map_svg: {} row labels for {} rows", row_labels.size(), rows));
  }
  if (!column_labels.empty() && column_labels.size() != cols) {
    throw std::invalid_argument(
        fmt::format("heat_map_svg: {} column labels for {} columns", column_labels.size(), cols));
  }

  double lo = INFINITY, hi = -INFINITY;
  for (const auto& row : matrix) {
    for (double v : row) {
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
  }
  if (std::isfinite(options.min)) lo = options.min;
  if (std::isfinite(options.max)) hi = options.max;
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  auto fraction = [&](double v) { return hi == lo ? 0.5 : std::clamp((v - lo) / (hi - lo), 0.0, 1.0); };

  const double cell = options.cell_size > 0
                          ? options.cell_size
                          : std::clamp(std::round(480.0 / std::max<std::size_t>({rows, cols, 1})), 14.0, 48.0);
  const bool show_values = options.show_values == 1 || (options.show_values == -1 && cell >= 28);
  const double font = std::clamp(cell * 0.4, 9.0, 12.0);

  double row_label_width = 0, col_label_width = 0;
  for (const auto& l : row_labels) row_label_width = std::max(row_label_width, text_width(l, font));
  for (const auto& l : column_labels) col_label_width = std::max(col_label_width, text_width(l, font));
  const bool slanted = col_label_width > cell - 2;
  const double col_band = column_labels.empty() ? 0 : slanted ? std::min(col_label_width, 140.0) * 0.71 + 10 : font + 8;

  const double title_band = options.title.empty() ? 8 : 30;
  const double x_label_band = options.x_label.empty() ? 0 : 18;
  const double y_label_band = options.y_label.empty() ? 0 : 20;
  const double left = 8 + y_label_band + std::min(row_label_width, 160.0) + (row_labels.empty() ? 0 : 6);
  const double top = title_band + x_label_band + col_band;
  const double grid_w = cols * cell, grid_h = rows * cell;
  const double bar_x = left + grid_w + 16, bar_h = std::max(grid_h, 80.0);
  const double scale_label_width = std::max(text_width(format_value(lo, 3), 10), text_width(format_value(hi, 3), 10));
  double width = std::max(bar_x + 14 + 6 + scale_label_width + 8, 160.0);
  if (slanted && cols > 0) {  // the last slanted label reaches past the grid
    width = std::max(width, left + (cols - 0.5) * cell + std::min(col_label_width, 140.0) * 0.71 + 8);
  }
  const double height = top + std::max(grid_h, bar_h) + 10;

  std::string out = detail::svg_open(width, height, options.title);
  out += detail::svg_title(width, options.title);
  if (!options.x_label.empty()) {
    out += detail::svg_text(left + grid_w / 2, title_band + 12, options.x_label, R"(text-anchor="middle")");
  }
  if (!options.y_label.empty()) {
    const double cy = top + grid_h / 2;
    out += detail::svg_text(16, cy, options.y_label,
                            fmt::format(R"svg(text-anchor="middle" transform="rotate(-90 16 {})")svg", num(cy)));
  }
  for (std::size_t c = 0; c < column_labels.size(); ++c) {
    const double cx = left + (c + 0.5) * cell;
    if (slanted) {
      out += detail::svg_text(cx, top - 4, column_labels[c],
                              fmt::format(R"svg(font-size="{}" transform="rotate(-45 {} {})")svg", num(font), num(cx),
                                          num(top - 4)));
    } else {
      out += detail::svg_text(cx, top - 5, column_labels[c],
                              fmt::format(R"(text-anchor="middle" font-size="{}")", num(font)));
    }
  }
  for (std::size_t r = 0; r < row_labels.size(); ++r) {
    out += detail::svg_text(left - 6, top + (r + 0.5) * cell + font * 0.35, row_labels[r],
                            fmt::format(R"(text-anchor="end" font-size="{}")", num(font)));
  }
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const double v = matrix[r][c];
      const double x = left + c * cell, y = top + r * cell;
      const std::string color = std::isfinite(v) ? detail::mix_colors(options.low_color, options.high_color, fraction(v))
                                                 : std::string("#999999");
      const std::string where =
          (row_labels.empty() ? fmt::format("row {}", r) : row_labels[r]) + " × " +
          (column_labels.empty() ? fmt::format("column {}", c) : column_labels[c]);
      out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{}><title>{}: {}</title></rect>)",
                         num(x), num(y), num(cell), num(cell), color,
                         std::isfinite(v) ? "" : R"( fill-opacity="0.35")", xml_escape(where),
                         xml_escape(format_value(v, options.value_significant)));
      if (show_values && std::isfinite(v)) {
        out += detail::svg_text(x + cell / 2, y + cell / 2 + font * 0.35, format_value(v, options.value_significant),
                                fmt::format(R"(text-anchor="middle" font-size="{}" fill="{}")", num(font * 0.9),
                                            detail::luminance(color) < 0.5 ? "#ffffff" : "#222222"));
      }
    }
  }
  // Colour bar: 24 bands from max (top) to min (bottom), with the two end values.
  const int bands = 24;
  for (int k = 0; k < bands; ++k) {
    const double t = 1.0 - (k + 0.5) / bands;
    out += fmt::format(R"(<rect x="{}" y="{}" width="14" height="{}" fill="{}"/>)", num(bar_x),
                       num(top + k * bar_h / bands), num(bar_h / bands + 0.5),
                       detail::mix_colors(options.low_color, options.high_color, t));
  }
  out += fmt::format(R"(<rect x="{}" y="{}" width="14" height="{}" fill="none" stroke="currentColor" stroke-opacity="0.3"/>)",
                     num(bar_x), num(top), num(bar_h));
  out += detail::svg_text(bar_x + 20, top + 10, format_value(hi, 3), R"(font-size="10")");
  out += detail::svg_text(bar_x + 20, top + bar_h, format_value(lo, 3), R"(font-size="10")");
  out += "</svg>";
  return out;
}

}  // namespace lmforge::report
