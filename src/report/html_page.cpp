// The report page: one HTML file with its CSS inline.
#include "lmforge/report/html_page.h"

#include <fmt/format.h>

#include "lmforge/report/svg_chart.h"

namespace lmforge::report {

namespace {

// Colours as CSS variables, swapped for dark mode; charts draw with currentColor.
constexpr std::string_view kStyle = R"(
:root { color-scheme: light dark; --fg: #1d2125; --muted: #5f6b76; --bg: #ffffff; --panel: #f5f7f9;
  --border: #d8dee4; --accent: #2f6db3; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e3e6ea; --muted: #9aa5b1; --bg: #15181c; --panel: #1e2329; --border: #343b44; --accent: #7fb0e8; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 FONTS; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 24px; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.25em; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--border); }
.subtitle, .note, footer { color: var(--muted); }
.note { font-size: 0.88em; }
nav { margin: 12px 0 0; font-size: 0.92em; }
nav a { color: var(--accent); text-decoration: none; margin-right: 14px; white-space: nowrap; }
nav a:hover { text-decoration: underline; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 16px; }
.figures > div { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: 8px;
  overflow-x: auto; }
.figures svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.92em; }
caption { caption-side: top; text-align: left; color: var(--muted); padding-bottom: 4px; }
th, td { border: 1px solid var(--border); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--panel); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { white-space: pre-wrap; }
pre { background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 10px 12px;
  overflow-x: auto; font: 13px/1.45 ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'Noto Sans Mono CJK SC', monospace; }
details > summary { cursor: pointer; color: var(--accent); margin: 6px 0; }
footer { font-size: 0.85em; padding-top: 24px; padding-bottom: 24px; }
)";

std::string style() {
  std::string css(kStyle);
  const std::string fonts(kFontFamily);
  css.replace(css.find("FONTS"), 5, fonts);
  return css;
}

}  // namespace

HtmlPage::HtmlPage(std::string title, std::string subtitle, std::string lang)
    : title_(std::move(title)), subtitle_(std::move(subtitle)), lang_(std::move(lang)) {}

HtmlPage::Section& HtmlPage::current() {
  if (sections_.empty()) sections_.push_back({});  // content before any section(): an untitled one
  return sections_.back();
}

HtmlPage& HtmlPage::section(std::string_view title) {
  sections_.push_back({std::string(title), {}});
  return *this;
}

HtmlPage& HtmlPage::paragraph(std::string_view text) {
  current().body += fmt::format("<p>{}</p>\n", xml_escape(text));
  return *this;
}

HtmlPage& HtmlPage::note(std::string_view text) {
  current().body += fmt::format("<p class=\"note\">{}</p>\n", xml_escape(text));
  return *this;
}

HtmlPage& HtmlPage::figures(const std::vector<std::string>& svgs) {
  std::string& body = current().body;
  body += "<div class=\"figures\">\n";
  for (const auto& svg : svgs) body += "<div>" + svg + "</div>\n";
  body += "</div>\n";
  return *this;
}

HtmlPage& HtmlPage::table(const HtmlTable& t) {
  std::string& body = current().body;
  body += "<table>";
  if (!t.caption.empty()) body += fmt::format("<caption>{}</caption>", xml_escape(t.caption));
  if (!t.header.empty()) {
    body += "<thead><tr>";
    for (const auto& h : t.header) body += fmt::format("<th>{}</th>", xml_escape(h));
    body += "</tr></thead>";
  }
  body += "<tbody>\n";
  for (const auto& row : t.rows) {
    body += "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c) {
      const bool numeric = c < t.numeric.size() && t.numeric[c];
      body += fmt::format("<td class=\"{}\">{}</td>", numeric ? "num" : "text", xml_escape(row[c]));
    }
    body += "</tr>\n";
  }
  body += "</tbody></table>\n";
  return *this;
}

HtmlPage& HtmlPage::key_values(const std::vector<std::pair<std::string, std::string>>& pairs) {
  HtmlTable t;
  for (const auto& [key, value] : pairs) t.rows.push_back({key, value});
  return table(t);
}

HtmlPage& HtmlPage::code(std::string_view text, std::string_view summary) {
  std::string& body = current().body;
  if (!summary.empty()) body += fmt::format("<details><summary>{}</summary>", xml_escape(summary));
  body += fmt::format("<pre>{}</pre>", xml_escape(text));
  if (!summary.empty()) body += "</details>";
  body += "\n";
  return *this;
}

HtmlPage& HtmlPage::raw_html(std::string_view html) {
  current().body += html;
  return *this;
}

std::string HtmlPage::render() const {
  std::string out;
  out += fmt::format(
      "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"color-scheme\" content=\"light dark\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n",
      xml_escape(lang_), xml_escape(title_), style());
  out += fmt::format("<header>\n<h1>{}</h1>\n", xml_escape(title_));
  if (!subtitle_.empty()) out += fmt::format("<div class=\"subtitle\">{}</div>\n", xml_escape(subtitle_));
  std::string nav;
  for (std::size_t i = 0; i < sections_.size(); ++i) {
    if (!sections_[i].title.empty()) {
      nav += fmt::format("<a href=\"#s{}\">{}</a>", i + 1, xml_escape(sections_[i].title));
    }
  }
  if (!nav.empty()) out += "<nav>" + nav + "</nav>\n";
  out += "</header>\n<main>\n";
  for (std::size_t i = 0; i < sections_.size(); ++i) {
    out += fmt::format("<section id=\"s{}\">\n", i + 1);
    if (!sections_[i].title.empty()) out += fmt::format("<h2>{}</h2>\n", xml_escape(sections_[i].title));
    out += sections_[i].body;
    out += "</section>\n";
  }
  out += "</main>\n<footer>Generated by lmforge. Self-contained: no scripts, no network.</footer>\n</body>\n</html>\n";
  return out;
}

}  // namespace lmforge::report
