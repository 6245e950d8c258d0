// The HTML page of `lmforge analyze`: one self-contained file (inline SVG charts from
// lmforge/report/svg_chart.h, no scripts, no network) with the distribution, keywords,
// distinguishing words with highlighted examples, topics and trends of an Analysis, each
// section with a sentence that says how to read it. Headings and explanations in English or
// Chinese.
#pragma once

#include <string>

#include "lmforge/analyze/analysis.h"

namespace lmforge::analyze {

enum class ReportLanguage { kEnglish, kChinese };

// "en", "zh", or "auto": Chinese when at least a third of the sampled texts' letters are CJK.
ReportLanguage choose_language(const std::string& name, const std::vector<std::string>& texts);

struct ReportOptions {
  std::string title;          // empty: "Analysis of FILE" / "FILE 分析报告"
  std::string source;         // the input file, shown in the overview
  ReportLanguage language = ReportLanguage::kEnglish;
};

std::string render_report(const Analysis& analysis, const AnalysisInput& input, const ReportOptions& options);

}  // namespace lmforge::analyze
