// Bar charts, horizontal (labels on the left) or vertical (labels below, slanted when long).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "lmforge/report/svg_chart.h"
#include "report/svg_writer.h"

namespace lmforge::report {

using detail::num;

namespace {

// `text` cut to fit `max_width` pixels, with an ellipsis.
std::string fit_text(const std::string& text, double max_width, double font_size) {
  if (text_width(text, font_size) <= max_width) return text;
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t next = i + 1;
    while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
    if (text_width(out + text.substr(i, next - i) + "…", font_size) > max_width) break;
    out += text.substr(i, next - i);
    i = next;
  }
  return out + "…";
}

std::string value_text(const Bar& bar, const BarChartOptions& options) {
  return format_value(bar.value, options.value_significant) + options.value_suffix;
}

}  // namespace

std::string bar_chart_svg(const std::vector<Bar>& bars, const BarChartOptions& options) {
  double v_lo = 0, v_hi = 0;  // the value axis always includes 0
  for (const auto& b : bars) {
    if (!std::isfinite(b.value)) continue;
    v_lo = std::min(v_lo, b.value), v_hi = std::max(v_hi, b.value);
  }
  if (v_lo == v_hi) v_hi = 1;
  const Ticks ticks = nice_ticks(v_lo, v_hi, 5);
  double value_width = 0;
  if (options.value_significant > 0) {
    for (const auto& b : bars) value_width = std::max(value_width, text_width(value_text(b, options), 11));
  }
  double label_width = 0;
  for (const auto& b : bars) label_width = std::max(label_width, text_width(b.label, 12));

  const double width = std::max(options.width, 160);
  const double top = options.title.empty() ? 10 : 30;
  const std::size_t n = bars.size();
  std::string body;
  double height;

  if (options.horizontal) {
    const double row = 26;
    height = options.height > 0 ? options.height : top + std::max<std::size_t>(n, 1) * row + 30 +
                                                       (options.value_label.empty() ? 0 : 16);
    const double left = 10 + std::min(label_width, width * 0.4) + 8;
    const double right = width - 12 - value_width - 6;
    const double bottom = height - 24 - (options.value_label.empty() ? 0 : 16);
    const double band = n == 0 ? 0 : (bottom - top) / n;
    const Scale scale{ticks.values.front(), ticks.values.back(), left, right, false};
    for (double v : ticks.values) {
      body += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="currentColor" stroke-opacity="0.12"/>)",
                          num(scale(v)), num(top), num(bottom));
      body += detail::svg_text(scale(v), bottom + 16, format_tick(v, ticks.step), R"(text-anchor="middle" font-size="11")");
    }
    for (std::size_t i = 0; i < n; ++i) {
      const Bar& b = bars[i];
      const double y = top + i * band, bar_h = std::min(band * 0.7, 20.0), cy = y + band / 2;
      const double value = std::isfinite(b.value) ? b.value : 0;
      const double x0 = scale(0), x1 = scale(value);
      body += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>)",
                          num(std::min(x0, x1)), num(cy - bar_h / 2), num(std::abs(x1 - x0)), num(bar_h),
                          b.color.empty() ? options.color : b.color, xml_escape(b.label), xml_escape(value_text(b, options)));
      body += detail::svg_text(left - 8, cy + 4, fit_text(b.label, width * 0.4, 12), R"(text-anchor="end")");
      if (options.value_significant > 0) {
        const bool negative = value < 0;
        body += detail::svg_text(negative ? x1 - 4 : x1 + 4, cy + 4, value_text(b, options),
                                 negative ? R"(text-anchor="end" font-size="11")" : R"(font-size="11")");
      }
    }
    body += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="currentColor" stroke-opacity="0.5"/>)",
                        num(scale(0)), num(top), num(bottom));
    if (!options.value_label.empty()) {
      body += detail::svg_text((left + right) / 2, height - 6, options.value_label, R"(text-anchor="middle")");
    }
  } else {
    const double slot = n == 0 ? width : (width - 80) / n;
    const bool slanted = label_width > slot - 4;
    const double label_band = slanted ? std::min(label_width, 160.0) * 0.71 + 20 : 22;
    height = options.height > 0 ? options.height : 320;
    double tick_width = 0;
    for (double v : ticks.values) tick_width = std::max(tick_width, text_width(format_tick(v, ticks.step), 11));
    const double left = 10 + (options.value_label.empty() ? 0 : 18) + tick_width + 6;
    const double right = width - 12;
    const double label_y = height - label_band;  // category labels below the plot
    const double bottom = label_y - (v_lo < 0 ? 16 : 0);  // room for negative values' labels
    const double value_top = top + (options.value_significant > 0 ? 16 : 4);
    const double band = n == 0 ? 0 : (right - left) / n;
    const Scale scale{ticks.values.front(), ticks.values.back(), bottom, value_top, false};
    for (double v : ticks.values) {
      body += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="currentColor" stroke-opacity="0.12"/>)",
                          num(left), num(scale(v)), num(right));
      body += detail::svg_text(left - 6, scale(v) + 4, format_tick(v, ticks.step), R"(text-anchor="end" font-size="11")");
    }
    for (std::size_t i = 0; i < n; ++i) {
      const Bar& b = bars[i];
      const double cx = left + (i + 0.5) * band, bar_w = std::min(band * 0.7, 60.0);
      const double value = std::isfinite(b.value) ? b.value : 0;
      const double y0 = scale(0), y1 = scale(value);
      body += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>)",
                          num(cx - bar_w / 2), num(std::min(y0, y1)), num(bar_w), num(std::abs(y1 - y0)),
                          b.color.empty() ? options.color : b.color, xml_escape(b.label), xml_escape(value_text(b, options)));
      if (options.value_significant > 0) {
        body += detail::svg_text(cx, value < 0 ? y1 + 14 : y1 - 4, value_text(b, options),
                                 R"(text-anchor="middle" font-size="11")");
      }
      const std::string label = fit_text(b.label, slanted ? 160 : slot - 4, 12);
      if (slanted) {
        body += detail::svg_text(cx, label_y + 14, label,
                                 fmt::format(R"svg(text-anchor="end" transform="rotate(-45 {} {})")svg", num(cx),
                                             num(label_y + 14)));
      } else {
        body += detail::svg_text(cx, label_y + 16, label, R"(text-anchor="middle")");
      }
    }
    body += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="currentColor" stroke-opacity="0.5"/>)",
                        num(left), num(scale(0)), num(right));
    if (!options.value_label.empty()) {
      const double cy = (value_top + bottom) / 2;
      body += detail::svg_text(14, cy, options.value_label,
                               fmt::format(R"svg(text-anchor="middle" transform="rotate(-90 14 {})")svg", num(cy)));
    }
  }
  std::string out = detail::svg_open(width, height, options.title);
  out += detail::svg_title(width, options.title);
  out += body;
  out += "</svg>";
  return out;
}

}  // namespace lmforge::report
