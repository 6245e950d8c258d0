// A self-contained HTML page for reports: inline CSS (no scripts, fonts or images fetched),
// UTF-8, light and dark colour schemes (prefers-color-scheme), sections listed in a table of
// contents, tables, code blocks and inline SVG figures from svg_chart.h.
//
//   HtmlPage page("Training run: runs/baby", "2000 steps, val loss 1.88");
//   page.section("Learning curves").figures({line_chart_svg(...), line_chart_svg(...)});
//   page.section("Config").code(json_text, "train_config.json");
//   write_file_atomic("report.html", page.render());
//
// Every text argument is escaped; only figures() and raw_html() take markup.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lmforge::report {

struct HtmlTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // rows may be shorter than the header
  std::vector<bool> numeric;                   // per column: right-aligned, tabular digits
  std::string caption;
};

class HtmlPage {
 public:
  // `lang` is the page's language tag: "zh" makes browsers pick Chinese glyph forms for CJK text.
  explicit HtmlPage(std::string title, std::string subtitle = {}, std::string lang = "en");

  // Starts a section (a heading and an entry in the table of contents); what follows goes in it.
  HtmlPage& section(std::string_view title);
  HtmlPage& paragraph(std::string_view text);
  HtmlPage& note(std::string_view text);  // small, muted text
  // SVG figures side by side (as many per row as fit, one per row on narrow screens).
  HtmlPage& figures(const std::vector<std::string>& svgs);
  HtmlPage& table(const HtmlTable& table);
  HtmlPage& key_values(const std::vector<std::pair<std::string, std::string>>& pairs);
  // Preformatted text (a config, JSON); folded under `summary` when one is given.
  HtmlPage& code(std::string_view text, std::string_view summary = {});
  HtmlPage& raw_html(std::string_view html);  // trusted markup, inserted as is

  std::string render() const;

 private:
  struct Section {
    std::string title;
    std::string body;
  };
  Section& current();

  std::string title_, subtitle_, lang_;
  std::vector<Section> sections_;
};

}  // namespace lmforge::report
