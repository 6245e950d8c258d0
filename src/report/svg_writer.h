// Helpers shared by the chart files in src/report (not public API): number formatting for
// coordinates, the <svg> root, text elements and colour interpolation.
#pragma once

#include <string>
#include <string_view>

namespace lmforge::report::detail {

// A coordinate with at most 2 decimals and no trailing zeros ("12.5", "3", "-0.25").
std::string num(double value);

// The root element: viewBox and width/height, the font stack, currentColor text, and an
// accessible <title>. Close it with "</svg>".
std::string svg_open(double width, double height, std::string_view title);

// <text x y ATTRS>escaped text</text>; attrs is raw (e.g. R"(text-anchor="end")").
std::string svg_text(double x, double y, std::string_view text, std::string_view attrs = {});

// The chart title, centred at the top (nothing when empty).
std::string svg_title(double width, std::string_view title);

// "#rrggbb" colours mixed at t in [0, 1]; unparsable colours count as mid-grey.
std::string mix_colors(std::string_view from, std::string_view to, double t);

// Relative luminance (0 black .. 1 white) of "#rrggbb".
double luminance(std::string_view color);

}  // namespace lmforge::report::detail
