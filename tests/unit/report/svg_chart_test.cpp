#include "lmforge/report/svg_chart.h"

#include <cmath>
#include <stdexcept>

#include <gtest/gtest.h>

#include "markup_check.h"

using namespace lmforge::report;
using lmforge::report::testing::attributes;
using lmforge::report::testing::check_balanced;
using lmforge::report::testing::count;
using lmforge::report::testing::path_numbers;

TEST(XmlEscape, EntitiesControlsAndInvalidBytes) {
  EXPECT_EQ(xml_escape(R"(<a & "b">'c')"), "&lt;a &amp; &quot;b&quot;&gt;&#39;c&#39;");
  EXPECT_EQ(xml_escape("床前明月光 🌙"), "床前明月光 🌙");
  EXPECT_EQ(xml_escape(std::string("a\x01\x1b" "b\tc\n", 7)), "ab\tc\n");  // controls dropped, tab/newline kept
  EXPECT_EQ(xml_escape("x\xff" "y"), "x\xEF\xBF\xBDy");                      // invalid byte -> U+FFFD
  EXPECT_EQ(xml_escape(""), "");
}

TEST(TextWidth, WideCharactersCountOneEm) {
  EXPECT_DOUBLE_EQ(text_width("月光", 10), 20);
  EXPECT_LT(text_width("ab", 10), text_width("月光", 10));
  EXPECT_DOUBLE_EQ(text_width("", 10), 0);
}

TEST(NiceTicks, CoversTheRangeWithRoundSteps) {
  Ticks t = nice_ticks(0, 1, 5);
  EXPECT_DOUBLE_EQ(t.step, 0.25);
  EXPECT_EQ(t.values, (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));

  t = nice_ticks(1.52, 4.21, 5);
  EXPECT_DOUBLE_EQ(t.step, 1);
  EXPECT_EQ(t.values, (std::vector<double>{1, 2, 3, 4, 5}));

  t = nice_ticks(0, 2000, 5);
  EXPECT_EQ(t.values, (std::vector<double>{0, 500, 1000, 1500, 2000}));

  t = nice_ticks(-0.3, 0.7, 5);  // crosses zero: an exact 0 tick, no -0 or 5e-17
  ASSERT_FALSE(t.values.empty());
  EXPECT_LE(t.values.front(), -0.3);
  EXPECT_GE(t.values.back(), 0.7);
  EXPECT_NE(std::find(t.values.begin(), t.values.end(), 0.0), t.values.end());

  t = nice_ticks(3, 3, 5);  // one value: a range around it
  EXPECT_LT(t.values.front(), 3);
  EXPECT_GT(t.values.back(), 3);

  t = nice_ticks(NAN, 1, 5);
  EXPECT_EQ(t.values, (std::vector<double>{0, 1}));

  t = nice_ticks(10, 2, 5);  // reversed bounds
  EXPECT_LE(t.values.front(), 2);
  EXPECT_GE(t.values.back(), 10);
}

TEST(LogTicks, DecadesOrLinearInsideANarrowRange) {
  const std::vector<double> wide = log_ticks(1e-5, 1e-2);
  ASSERT_EQ(wide.size(), 10u);  // 1, 2, 5 per decade and 1e-2
  EXPECT_DOUBLE_EQ(wide.front(), 1e-5);
  EXPECT_NEAR(wide[1], 2e-5, 1e-18);
  EXPECT_NEAR(wide.back(), 1e-2, 1e-15);

  EXPECT_EQ(log_ticks(1.5, 4.2), (std::vector<double>{2, 3, 4}));  // less than a decade
  EXPECT_TRUE(log_ticks(0, 10).empty());
  EXPECT_EQ(log_ticks(1, 1e9), (std::vector<double>{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}));
}

TEST(FormatTick, PrecisionFromTheStepAndSuffixes) {
  EXPECT_EQ(format_tick(12000, 2000), "12k");
  EXPECT_EQ(format_tick(12500, 2500), "12.5k");
  EXPECT_EQ(format_tick(2.5e6, 5e5), "2.5M");
  EXPECT_EQ(format_tick(0.0004, 0.0002), "0.0004");
  EXPECT_EQ(format_tick(2e-5, 1e-5), "2e-05");
  EXPECT_EQ(format_tick(2.5, 0.5), "2.5");
  EXPECT_EQ(format_tick(1, 0.25), "1.00");
  EXPECT_EQ(format_tick(-1e-17, 0.1), "0.0");
  EXPECT_EQ(format_tick(1500, 500), "1500");
  EXPECT_EQ(format_tick(NAN, 1), "");
}

TEST(FormatValue, SignificantDigits) {
  EXPECT_EQ(format_value(1.88612), "1.886");
  EXPECT_EQ(format_value(10734.2), "10.73k");
  EXPECT_EQ(format_value(NAN), "–");
}

TEST(Scale, LinearAndLog) {
  const Scale linear{0, 10, 100, 200, false};
  EXPECT_DOUBLE_EQ(linear(5), 150);
  EXPECT_DOUBLE_EQ(linear(0), 100);
  const Scale flipped{0, 10, 300, 100, false};  // SVG y grows downwards
  EXPECT_DOUBLE_EQ(flipped(10), 100);
  const Scale log{1, 100, 0, 100, true};
  EXPECT_DOUBLE_EQ(log(10), 50);
}

namespace {

// The plot frame "M left top V bottom H right" of a line chart.
struct Frame {
  double left, top, bottom, right;
};
Frame frame_of(const std::string& svg) {
  for (const auto& d : attributes(svg, "path", "d")) {
    if (d.find('V') != std::string::npos && d.find('H') != std::string::npos) {
      const auto n = path_numbers(d);
      return {n[0], n[1], n[2], n[3]};
    }
  }
  ADD_FAILURE() << "no frame path";
  return {};
}

}  // namespace

TEST(LineChart, PointsLandOnThePlotCorners) {
  LineChartOptions opt;
  opt.title = "loss <train & val>";
  opt.x_label = "step";
  opt.y_label = "损失";
  const std::string svg = line_chart_svg({{"train", {0, 5, 10}, {0, 5, 10}}}, opt);
  EXPECT_EQ(check_balanced(svg), "") << svg;
  EXPECT_NE(svg.find("loss &lt;train &amp; val&gt;"), std::string::npos);
  EXPECT_NE(svg.find("损失"), std::string::npos);
  EXPECT_NE(svg.find("Noto Sans CJK SC"), std::string::npos);
  const Frame f = frame_of(svg);
  const auto paths = attributes(svg, "path", "d");
  ASSERT_EQ(paths.size(), 2u);
  const auto p = path_numbers(paths[1]);
  ASSERT_EQ(p.size(), 6u);
  EXPECT_NEAR(p[0], f.left, 0.01);    // (0, 0): bottom left
  EXPECT_NEAR(p[1], f.bottom, 0.01);
  EXPECT_NEAR(p[2], (f.left + f.right) / 2, 0.01);
  EXPECT_NEAR(p[3], (f.top + f.bottom) / 2, 0.01);
  EXPECT_NEAR(p[4], f.right, 0.01);   // (10, 10): top right
  EXPECT_NEAR(p[5], f.top, 0.01);
  EXPECT_EQ(count(svg, "<circle"), 3u);  // few points: markers
}

TEST(LineChart, MissingPointsBreakTheLine) {
  LineChartOptions opt;
  opt.markers_up_to = 0;
  const double nan = kMissing;
  const std::string svg = line_chart_svg({{"a", {1, 2, 3, 4, 5, 6}, {1, nan, 3, 4, nan, 6}}}, opt);
  EXPECT_EQ(check_balanced(svg), "");
  const auto paths = attributes(svg, "path", "d");
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(count(paths[1], "M"), 3u);   // three runs: {1}, {3, 4}, {6}
  EXPECT_EQ(count(svg, "<circle"), 2u);  // the two isolated points get a dot
}

TEST(LineChart, LogAxisSkipsNonPositiveValuesAndSeveralSeriesGetALegend) {
  LineChartOptions opt;
  opt.log_y = true;
  opt.markers_up_to = 0;
  const std::string svg =
      line_chart_svg({{"lr", {0, 1, 2, 3}, {0, 1e-4, 1e-3, 1e-2}}, {"other", {0, 3}, {1e-3, 1e-3}, "#123456", true}}, opt);
  EXPECT_EQ(check_balanced(svg), "");
  const auto paths = attributes(svg, "path", "d");
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(path_numbers(paths[1]).size(), 6u);  // 3 positive points
  // Log scale: 1e-3 lies halfway between 1e-4 and 1e-2.
  const auto p = path_numbers(paths[1]);
  EXPECT_NEAR(p[3], (p[1] + p[5]) / 2, 0.02);
  EXPECT_NE(svg.find(">other</text>"), std::string::npos);  // legend
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
  EXPECT_NE(svg.find(">0.001<"), std::string::npos);
  // A log axis over less than a decade gets distinct labels (1.5, 2, 2.5, not 2, 2, 3).
  const std::string narrow = line_chart_svg({{"g", {0, 1, 2}, {0.9, 1.6, 2.6}}}, opt);
  EXPECT_NE(narrow.find(">1.5<"), std::string::npos);
  EXPECT_NE(narrow.find(">2.5<"), std::string::npos);
}

TEST(LineChart, EmptyDataStillRenders) {
  const std::string svg = line_chart_svg({}, {});
  EXPECT_EQ(check_balanced(svg), "");
  EXPECT_NE(svg.find("no data"), std::string::npos);
  const std::string all_missing = line_chart_svg({{"a", {1, 2}, {kMissing, kMissing}}}, {});
  EXPECT_NE(all_missing.find("no data"), std::string::npos);
}

TEST(BarChart, HorizontalBarsAreProportional) {
  BarChartOptions opt;
  opt.title = "tokens/s";
  opt.value_suffix = " tok/s";
  const std::string svg = bar_chart_svg({{"lmforge <C++>", 2000}, {"PyTorch 训练", 1000}}, opt);
  EXPECT_EQ(check_balanced(svg), "") << svg;
  const auto widths = attributes(svg, "rect", "width");
  ASSERT_EQ(widths.size(), 2u);
  EXPECT_NEAR(std::stod(widths[0]), 2 * std::stod(widths[1]), 0.02);
  EXPECT_NE(svg.find("lmforge &lt;C++&gt;"), std::string::npos);
  EXPECT_NE(svg.find("PyTorch 训练"), std::string::npos);
  EXPECT_NE(svg.find("2000 tok/s"), std::string::npos);
}

TEST(BarChart, VerticalWithNegativeValues) {
  BarChartOptions opt;
  opt.horizontal = false;
  opt.value_label = "Δ loss";
  const std::string svg = bar_chart_svg({{"a", 3}, {"b", -1}, {"a very long label that must be slanted", 2}}, opt);
  EXPECT_EQ(check_balanced(svg), "");
  const auto heights = attributes(svg, "rect", "height");
  const auto ys = attributes(svg, "rect", "y");
  ASSERT_EQ(heights.size(), 3u);
  EXPECT_NEAR(std::stod(heights[0]), 3 * std::stod(heights[1]), 0.05);
  EXPECT_NEAR(std::stod(ys[1]), std::stod(ys[0]) + std::stod(heights[0]), 0.02);  // b starts at the zero line
  EXPECT_NE(svg.find("rotate(-45"), std::string::npos);
}

TEST(HeatMap, ColoursFollowValuesAndLabelsAreEscaped) {
  HeatMapOptions opt;
  opt.title = "confusion";
  opt.x_label = "predicted";
  opt.y_label = "true";
  const std::string svg = heat_map_svg({{0, 1}, {0.5, kMissing}}, {"正面", "a<b"}, {"正面", "a<b"}, opt);
  EXPECT_EQ(check_balanced(svg), "") << svg;
  const auto fills = attributes(svg, "rect", "fill");
  ASSERT_GE(fills.size(), 4u);
  EXPECT_EQ(fills[0], opt.low_color);   // the minimum
  EXPECT_EQ(fills[1], opt.high_color);  // the maximum
  EXPECT_NE(fills[2], opt.low_color);
  EXPECT_NE(fills[2], opt.high_color);
  EXPECT_EQ(fills[3], "#999999");       // missing cell
  EXPECT_NE(svg.find("a&lt;b"), std::string::npos);
  EXPECT_NE(svg.find("正面"), std::string::npos);
  EXPECT_EQ(svg.find("a<b"), std::string::npos);
}

TEST(HeatMap, CellsAreSquareAndValuesShownWhenLarge) {
  HeatMapOptions opt;
  opt.cell_size = 30;
  const std::string svg = heat_map_svg({{0.25, 0.75}}, {}, {}, opt);
  EXPECT_EQ(check_balanced(svg), "");
  const auto xs = attributes(svg, "rect", "x");
  EXPECT_NEAR(std::stod(xs[1]) - std::stod(xs[0]), 30, 1e-9);
  EXPECT_NE(svg.find(">0.25<"), std::string::npos);
  EXPECT_NE(svg.find(">0.75<"), std::string::npos);
}

TEST(HeatMap, RaggedRowsOrWrongLabelsThrow) {
  EXPECT_THROW(heat_map_svg({{1, 2}, {3}}, {}, {}, {}), std::invalid_argument);
  EXPECT_THROW(heat_map_svg({{1, 2}}, {"a", "b"}, {}, {}), std::invalid_argument);
  EXPECT_THROW(heat_map_svg({{1, 2}}, {}, {"a"}, {}), std::invalid_argument);
  EXPECT_EQ(check_balanced(heat_map_svg({}, {}, {}, {})), "");
}
