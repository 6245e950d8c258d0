// Self-contained SVG charts for HTML reports (training curves, benchmark bars, attention maps,
// confusion matrices). Torch-free; no JavaScript, no fonts or files fetched.
//
//   using namespace lmforge::report;
//   Series train{"train loss", steps, losses};              // NaN in y = a missing point (gap)
//   Series val{"val loss", eval_steps, val_losses};
//   LineChartOptions opt; opt.title = "Loss"; opt.x_label = "step"; opt.log_y = true;
//   std::string svg = line_chart_svg({train, val}, opt);   // embed in an HtmlPage (html_page.h)
//
//   bar_chart_svg({{"lmforge", 14.1}, {"PyTorch", 10.7}}, {.title = "tokens/s (k)"});
//   heat_map_svg(confusion, labels, labels, {.title = "confusion", .x_label = "predicted"});
//
// Text and axes are drawn with `currentColor`, so a chart inlined in a page follows the page's
// light or dark colour scheme; series colours are mid-tones readable on both. All text is
// XML-escaped; the font stack lists CJK fonts so Chinese labels render (kFontFamily).
#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace lmforge::report {

// The font stack of every chart and page: Latin first, then CJK fonts of Linux, macOS, Windows.
inline constexpr std::string_view kFontFamily =
    "system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans CJK SC', 'PingFang SC', "
    "'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif";

// The series palette (Tableau 10): colour i of a chart is kPalette[i % size].
inline constexpr std::string_view kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                                "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// &, <, >, " and ' as entities: safe in text and in attribute values. Invalid UTF-8 bytes
// become U+FFFD and control characters (other than tab and newline) are dropped: XML 1.0
// forbids them, and one stray byte would make the whole SVG unreadable.
std::string xml_escape(std::string_view text);

// Approximate rendered width of `text` in pixels at `font_size` (wide CJK/full-width characters
// count 1 em, others ~0.6 em): used to size margins for labels.
double text_width(std::string_view text, double font_size);

// "Nice" axis ticks (multiples of 1, 2, 2.5 or 5 × 10^k) covering [lo, hi] with about
// `target_count` ticks; the first tick is <= lo and the last >= hi. A zero-width range is
// widened around its value; non-finite bounds give {0, 1}.
struct Ticks {
  std::vector<double> values;
  double step = 1;
};
Ticks nice_ticks(double lo, double hi, int target_count = 5);

// Ticks for a log axis over [lo, hi] (both > 0): 1-2-5 × 10^k values inside the range, or
// powers of ten when the range spans many decades; when fewer than 3 such values fall inside,
// nice linear ticks within the range. Values lie within [lo, hi].
std::vector<double> log_ticks(double lo, double hi);

// A tick label: `value` rounded to the tick `step`'s precision; 12000 -> "12k", 2.5e6 -> "2.5M",
// 0.0004 -> "0.0004", 2e-5 -> "2e-05".
std::string format_tick(double value, double step);

// A value label with `significant` digits ("1.886", "10.7k" for large values).
std::string format_value(double value, int significant = 4);

// Maps a data interval onto a pixel interval (linear, or log10 when `log` is set).
struct Scale {
  double domain_lo = 0, domain_hi = 1;
  double range_lo = 0, range_hi = 1;
  bool log = false;
  double operator()(double value) const;
};

// One line: x and y of the same length; a non-finite y (kMissing) breaks the line there.
struct Series {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;
  std::string color;  // CSS colour; empty = the palette's colour for the series' index
  bool dashed = false;
};

struct LineChartOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_y = false;        // log10 y axis; non-positive values are then treated as missing
  int width = 640;           // pixels (the SVG scales with the page: viewBox + max-width 100%)
  int height = 320;
  int markers_up_to = 60;    // draw a dot per point on series with at most this many points
  bool legend = true;        // drawn above the plot when there are two or more series
  double y_min = kMissing;   // fixed y range; NaN = from the data
  double y_max = kMissing;
};

// A line chart. Points with non-finite x are skipped; an empty chart (no finite point) still
// renders its frame and title with the text "no data".
std::string line_chart_svg(const std::vector<Series>& series, const LineChartOptions& options);

struct Bar {
  std::string label;
  double value = 0;
  std::string color;  // empty = the chart's colour
};

struct BarChartOptions {
  std::string title;
  std::string value_label;     // axis title of the value axis
  bool horizontal = true;      // labels on the left, bars growing right (long or CJK labels fit)
  int width = 640;
  int height = 0;              // 0 = from the number of bars
  std::string color = std::string(kPalette[0]);
  int value_significant = 4;   // digits of the value printed beside each bar; 0 = none
  std::string value_suffix;    // appended to each value label, e.g. "×" or " ms"
};

// A bar chart; the value axis always includes 0, so negative values grow the other way.
std::string bar_chart_svg(const std::vector<Bar>& bars, const BarChartOptions& options);

struct HeatMapOptions {
  std::string title;
  std::string x_label;         // what the columns are, e.g. "predicted" or "key position"
  std::string y_label;         // what the rows are, e.g. "true label" or "query position"
  double min = kMissing;       // colour scale range; NaN = the matrix's min / max
  double max = kMissing;
  int cell_size = 0;           // pixels; 0 = from the matrix size (14..48)
  int show_values = -1;        // print each cell's value: 1 yes, 0 no, -1 when cells are >= 28 px
  int value_significant = 3;
  std::string low_color = "#f7fbff";   // colour of `min` (light blue-white)
  std::string high_color = "#08306b";  // colour of `max` (dark blue)
};

// A heat map of `matrix` (rows × columns, rows of equal length; non-finite cells are drawn
// hatched grey), with row labels on the left, column labels on top (rotated when long) and a
// colour bar. Throws std::invalid_argument when rows are ragged or the labels do not match.
std::string heat_map_svg(const std::vector<std::vector<double>>& matrix, const std::vector<std::string>& row_labels,
                         const std::vector<std::string>& column_labels, const HeatMapOptions& options);

}  // namespace lmforge::report
