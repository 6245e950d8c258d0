// Small real training corpora for the trainer tests, read from the bundled data/ folder.
#pragma once

#include <string>
#include <vector>

#include "lmforge/common/line_reader.h"

namespace lmforge::tok::testing {

inline std::string data_path(const std::string& rel) { return std::string(LMFORGE_SOURCE_DIR) + "/data/" + rel; }

// The first `n` lines of a text file; for a TSV, the cells of `columns` (0-based) of each row.
inline std::vector<std::string> read_lines(const std::string& rel, std::size_t n, std::vector<int> columns = {}) {
  LineReader in(data_path(rel));
  std::vector<std::string> out;
  std::string line;
  while (out.size() < n && in.next(line)) {
    if (columns.empty()) {
      out.push_back(line);
      continue;
    }
    std::vector<std::string> cells(1);
    for (char c : line) {
      if (c == '\t') cells.emplace_back();
      else cells.back().push_back(c);
    }
    for (int col : columns)
      if (col < static_cast<int>(cells.size())) out.push_back(cells[col]);
  }
  return out;
}

// English (Shakespeare) and Chinese/English (Tatoeba) text: a mixed-script training set.
inline std::vector<std::string> mixed_corpus() {
  auto text = read_lines("corpus/tinyshakespeare.txt", 6000);
  auto pairs = read_lines("corpus/tatoeba_cmn_en.tsv", 3000, {0, 1});
  text.insert(text.end(), pairs.begin(), pairs.end());
  return text;
}

// Inputs that must round-trip: Chinese, emoji (incl. ZWJ and flags), whitespace runs, tabs,
// empty lines, characters never seen in training, control characters.
inline std::vector<std::string> hard_inputs() {
  return {"",
          " ",
          "   leading and trailing   ",
          "runs    of     spaces\tand\t\ttabs",
          "今天天气很好，我们去公园散步吧。",
          "龘靐齉爩 are rare characters",
          "emoji 👍🏽 👨‍👩‍👧 🇨🇳 ok",
          "full-width ＡＢＣ１２３ and ﬁ ligature",
          "mixed 中文 English 123 数字 4.5%",
          "<sep> is a user symbol inside text<sep>too",
          std::string("nul\x01" "control\x7f", 13),
          "日本語のひらがなとカタカナ"};
}

}  // namespace lmforge::tok::testing
