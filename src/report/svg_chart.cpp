// The shared pieces of the charts: escaping, text width, ticks, number formats, scales.
#include "lmforge/report/svg_chart.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "lmforge/common/utf8.h"
#include "report/svg_writer.h"

namespace lmforge::report {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    const char32_t cp = utf8::decode(text, i);
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (cp < 0x20 && cp != '\t' && cp != '\n') break;          // forbidden in XML 1.0
        if (cp == 0xFFFE || cp == 0xFFFF) break;                    // non-characters, also forbidden
        if (cp == utf8::kReplacement && i - start == 1) {           // an invalid byte
          utf8::append(out, utf8::kReplacement);
        } else {
          out.append(text.substr(start, i - start));
        }
    }
  }
  return out;
}

namespace {

// East Asian wide and full-width ranges (CJK, kana, hangul, full-width forms, emoji).
bool is_wide(char32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

}  // namespace

double text_width(std::string_view text, double font_size) {
  double ems = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const char32_t cp = utf8::decode(text, i);
    if (is_wide(cp)) {
      ems += 1.0;
    } else if (cp == ' ' || cp == '.' || cp == ',' || cp == ':' || cp == 'i' || cp == 'l' || cp == '1') {
      ems += 0.33;
    } else if (cp >= 'A' && cp <= 'Z') {
      ems += 0.68;
    } else {
      ems += 0.56;
    }
  }
  return ems * font_size;
}

namespace {

// The smallest "nice" number (1, 2, 2.5, 5 × 10^k) >= x.
double nice_step(double x) {
  const double exponent = std::floor(std::log10(x));
  const double base = std::pow(10.0, exponent);
  const double fraction = x / base;
  double nice = 10;
  if (fraction <= 1.0 + 1e-9) nice = 1;
  else if (fraction <= 2.0 + 1e-9) nice = 2;
  else if (fraction <= 2.5 + 1e-9) nice = 2.5;
  else if (fraction <= 5.0 + 1e-9) nice = 5;
  return nice * base;
}

}  // namespace

Ticks nice_ticks(double lo, double hi, int target_count) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {{0.0, 1.0}, 1.0};
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo <= std::abs(hi) * 1e-12) {  // one value: a range around it
    const double pad = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  target_count = std::max(target_count, 2);
  const double step = nice_step((hi - lo) / (target_count - 1));
  const double first = std::floor(lo / step + 1e-9) * step;
  const double last = std::ceil(hi / step - 1e-9) * step;
  Ticks ticks;
  ticks.step = step;
  const int count = static_cast<int>(std::llround((last - first) / step));
  for (int k = 0; k <= count; ++k) {
    double v = first + k * step;
    if (std::abs(v) < step * 1e-9) v = 0;  // no "-0" or 1e-17 labels
    ticks.values.push_back(v);
  }
  return ticks;
}

std::vector<double> log_ticks(double lo, double hi) {
  std::vector<double> out;
  if (!(lo > 0) || !(hi > 0) || !std::isfinite(lo) || !std::isfinite(hi)) return out;
  if (lo > hi) std::swap(lo, hi);
  const int first_decade = static_cast<int>(std::floor(std::log10(lo)));
  const int last_decade = static_cast<int>(std::ceil(std::log10(hi)));
  const bool many_decades = last_decade - first_decade > 4;
  for (int d = first_decade; d <= last_decade; ++d) {
    for (double m : {1.0, 2.0, 5.0}) {
      if (many_decades && m != 1.0) continue;
      const double v = m * std::pow(10.0, d);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push_back(v);
    }
  }
  if (out.size() >= 3) return out;
  out.clear();  // less than a decade (a loss from 4.2 to 1.5): linear ticks inside the range
  for (double v : nice_ticks(lo, hi, 5).values) {
    if (v > 0 && v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push_back(v);
  }
  return out;
}

std::string format_tick(double value, double step) {
  if (!std::isfinite(value)) return "";
  if (!(step > 0) || !std::isfinite(step)) step = std::abs(value) > 0 ? std::abs(value) : 1;
  value = std::round(value / step) * step;
  if (std::abs(value) < step * 1e-9) value = 0;
  const double magnitude = std::max(std::abs(value), step);
  const char* suffix = "";
  double scaled = value, scaled_step = step;
  if (magnitude >= 1e9) {
    suffix = "G";
    scaled /= 1e9, scaled_step /= 1e9;
  } else if (magnitude >= 1e6) {
    suffix = "M";
    scaled /= 1e6, scaled_step /= 1e6;
  } else if (magnitude >= 1e4) {
    suffix = "k";
    scaled /= 1e3, scaled_step /= 1e3;
  }
  // Decimals needed to show the step exactly (2.5 needs one, 0.25 two).
  int decimals = 0;
  while (decimals < 12 && std::abs(scaled_step * std::pow(10.0, decimals) -
                                   std::round(scaled_step * std::pow(10.0, decimals))) > 1e-6) {
    ++decimals;
  }
  if (decimals > 4) return fmt::format("{:.3g}", value);  // 2e-05
  return fmt::format("{:.{}f}{}", scaled, decimals, suffix);
}

std::string format_value(double value, int significant) {
  if (std::isnan(value)) return "–";
  if (std::isinf(value)) return value > 0 ? "∞" : "-∞";
  significant = std::clamp(significant, 1, 17);
  const double magnitude = std::abs(value);
  if (magnitude >= 1e9) return fmt::format("{:.{}g}G", value / 1e9, significant);
  if (magnitude >= 1e6) return fmt::format("{:.{}g}M", value / 1e6, significant);
  if (magnitude >= 1e4) return fmt::format("{:.{}g}k", value / 1e3, significant);
  return fmt::format("{:.{}g}", value, significant);
}

double Scale::operator()(double value) const {
  double lo = domain_lo, hi = domain_hi;
  if (log) {
    value = std::log10(value);
    lo = std::log10(lo);
    hi = std::log10(hi);
  }
  if (hi == lo) return (range_lo + range_hi) / 2;
  return range_lo + (value - lo) / (hi - lo) * (range_hi - range_lo);
}

namespace detail {

std::string num(double value) {
  if (!std::isfinite(value)) return "0";
  std::string s = fmt::format("{:.2f}", value);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::string svg_open(double width, double height, std::string_view title) {
  std::string out = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" class="lmf-chart" viewBox="0 0 {0} {1}" width="{0}" height="{1}" )"
      R"(role="img" font-family="{2}" font-size="12" fill="currentColor" style="max-width:100%;height:auto">)",
      num(width), num(height), xml_escape(kFontFamily));
  if (!title.empty()) out += fmt::format("<title>{}</title>", xml_escape(title));
  return out;
}

std::string svg_text(double x, double y, std::string_view text, std::string_view attrs) {
  return fmt::format(R"(<text x="{}" y="{}"{}{}>{}</text>)", num(x), num(y), attrs.empty() ? "" : " ", attrs,
                     xml_escape(text));
}

std::string svg_title(double width, std::string_view title) {
  if (title.empty()) return "";
  return svg_text(width / 2, 18, title, R"(text-anchor="middle" font-size="14" font-weight="600")");
}

namespace {

bool parse_hex_color(std::string_view color, double rgb[3]) {
  if (color.size() != 7 || color[0] != '#') return false;
  for (int c = 0; c < 3; ++c) {
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      const char h = color[1 + 2 * c + k];
      int digit;
      if (h >= '0' && h <= '9') digit = h - '0';
      else if (h >= 'a' && h <= 'f') digit = h - 'a' + 10;
      else if (h >= 'A' && h <= 'F') digit = h - 'A' + 10;
      else return false;
      v = v * 16 + digit;
    }
    rgb[c] = v;
  }
  return true;
}

}  // namespace

std::string mix_colors(std::string_view from, std::string_view to, double t) {
  double a[3] = {128, 128, 128}, b[3] = {128, 128, 128};
  parse_hex_color(from, a);
  parse_hex_color(to, b);
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
  int mixed[3];
  for (int c = 0; c < 3; ++c) mixed[c] = static_cast<int>(std::lround(a[c] + (b[c] - a[c]) * t));
  return fmt::format("#{:02x}{:02x}{:02x}", mixed[0], mixed[1], mixed[2]);
}

double luminance(std::string_view color) {
  double rgb[3] = {128, 128, 128};
  parse_hex_color(color, rgb);
  return (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255.0;
}

}  // namespace detail
}  // namespace lmforge::report
