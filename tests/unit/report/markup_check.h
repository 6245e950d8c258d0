// Test helpers: a parse-free well-formedness check (every tag closed in order) and small
// extractors for attributes of SVG output.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lmforge::report::testing {

// "" when every element opened in `markup` is closed in the right order and no '<' or '&'
// stands unescaped in text; otherwise a description of the first problem. HTML void elements
// (meta, br, ...) need no closing tag.
inline std::string check_balanced(std::string_view markup) {
  std::vector<std::string> open;
  std::size_t i = 0;
  while (i < markup.size()) {
    if (markup[i] == '&') {
      const std::size_t semi = markup.find(';', i);
      if (semi == std::string_view::npos || semi - i > 8) return "unescaped & at " + std::to_string(i);
      i = semi + 1;
      continue;
    }
    if (markup[i] != '<') {
      ++i;
      continue;
    }
    const std::size_t close = markup.find('>', i);
    if (close == std::string_view::npos) return "unterminated tag at " + std::to_string(i);
    std::string_view tag = markup.substr(i + 1, close - i - 1);
    i = close + 1;
    if (tag.starts_with("!")) continue;  // <!DOCTYPE html>
    if (tag.find('<') != std::string_view::npos) return "'<' inside a tag: " + std::string(tag);
    if (tag.starts_with("/")) {
      const std::string name(tag.substr(1));
      if (open.empty() || open.back() != name) {
        return "closing </" + name + "> but open is <" + (open.empty() ? std::string("none") : open.back()) + ">";
      }
      open.pop_back();
      continue;
    }
    if (tag.ends_with("/")) continue;  // <line ... />
    std::string name(tag.substr(0, tag.find_first_of(" \t\n")));
    if (name.empty()) return "empty tag name";
    if (name == "meta" || name == "br" || name == "hr" || name == "img" || name == "link" || name == "input") continue;
    if (name == "style") {  // CSS may hold '>' and '&': skip to its end
      const std::size_t end = markup.find("</style>", i);
      if (end == std::string_view::npos) return "unclosed <style>";
      i = end + 8;
      continue;
    }
    open.push_back(name);
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  return "";
}

// The value of attribute `name` in every element `tag` (e.g. all "d" of <path>), in order.
inline std::vector<std::string> attributes(std::string_view markup, std::string_view tag, std::string_view name) {
  std::vector<std::string> out;
  const std::string open = "<" + std::string(tag) + " ";
  const std::string key = " " + std::string(name) + "=\"";
  for (std::size_t at = markup.find(open); at != std::string_view::npos; at = markup.find(open, at + 1)) {
    const std::size_t end = markup.find('>', at);
    const std::string_view element = markup.substr(at, end - at);
    const std::size_t k = element.find(key);
    if (k == std::string_view::npos) continue;
    const std::size_t start = k + key.size();
    out.emplace_back(element.substr(start, element.find('"', start) - start));
  }
  return out;
}

// The numbers in an SVG path ("M10 20L30 40" -> 10 20 30 40).
inline std::vector<double> path_numbers(const std::string& d) {
  std::vector<double> out;
  std::size_t i = 0;
  while (i < d.size()) {
    if ((d[i] >= '0' && d[i] <= '9') || d[i] == '-' || d[i] == '.') {
      std::size_t used = 0;
      out.push_back(std::stod(d.substr(i), &used));
      i += used;
    } else {
      ++i;
    }
  }
  return out;
}

inline std::size_t count(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string_view::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace lmforge::report::testing
