#include "lmforge/report/html_page.h"

#include <gtest/gtest.h>

#include "lmforge/report/svg_chart.h"
#include "markup_check.h"

using namespace lmforge::report;
using lmforge::report::testing::check_balanced;
using lmforge::report::testing::count;

TEST(HtmlPage, SelfContainedEscapedAndBalanced) {
  HtmlPage page("Run <baby> & co", "唐诗 GPT", "zh");
  page.section("Curves").figures({line_chart_svg({{"loss", {1, 2}, {3, 2}}}, {}), bar_chart_svg({{"a", 1}}, {})});
  page.section("Config").code("{\"lr\": 1e-3, \"x\": \"<y>\"}", "train_config.json").paragraph("a < b");
  HtmlTable t;
  t.header = {"step", "text"};
  t.rows = {{"100", "床前明月光\n疑是地上霜"}, {"200"}};
  t.numeric = {true, false};
  t.caption = "samples";
  page.section("Samples").table(t).key_values({{"n_layer", "4"}}).note("note & more");
  const std::string html = page.render();
  EXPECT_EQ(check_balanced(html), "") << html;
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("<html lang=\"zh\">"), std::string::npos);
  EXPECT_NE(html.find("prefers-color-scheme: dark"), std::string::npos);
  EXPECT_NE(html.find("Run &lt;baby&gt; &amp; co"), std::string::npos);
  EXPECT_NE(html.find("&quot;&lt;y&gt;&quot;"), std::string::npos);
  EXPECT_NE(html.find("床前明月光"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"#s3\">Samples</a>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">100</td>"), std::string::npos);
  EXPECT_EQ(count(html, "<svg"), 2u);
  // Nothing fetched: no scripts, no external links or stylesheets.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
}

TEST(HtmlPage, ContentBeforeAnySectionAndEmptyPage) {
  HtmlPage empty("empty");
  EXPECT_EQ(check_balanced(empty.render()), "");
  HtmlPage page("p");
  page.paragraph("intro");
  const std::string html = page.render();
  EXPECT_EQ(check_balanced(html), "");
  EXPECT_NE(html.find("<p>intro</p>"), std::string::npos);
  EXPECT_EQ(html.find("<nav>"), std::string::npos);
}

TEST(MarkupCheck, CatchesUnbalancedMarkup) {  // the checker itself must be able to fail
  EXPECT_NE(check_balanced("<svg><g></svg>"), "");
  EXPECT_NE(check_balanced("<p>a < b</p>"), "");
  EXPECT_NE(check_balanced("<p>a & b</p>"), "");
  EXPECT_NE(check_balanced("<p>"), "");
  EXPECT_EQ(check_balanced("<p>a &amp; <b>c</b><br></p>"), "");
}
