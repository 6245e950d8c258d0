// jieba's "finalseg": a 4-state (B, E, M, S = begin, end, middle, single) HMM over Chinese
// characters that cuts runs the dictionary does not know into words, by Viterbi decoding.
// Parameters: data/dict/jieba_hmm.txt (tools/jieba_hmm_to_text.py converts jieba's
// prob_*.py). Decoding and tie-breaking follow jieba 0.42.1 exactly, so unknown words come
// out as jieba cuts them.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace lmforge::text {

class HmmModel {
 public:
  // States in the order of their letters, which is also jieba's tie-break order.
  enum State { kB = 0, kE = 1, kM = 2, kS = 3 };
  static constexpr double kNever = -3.14e100;  // jieba's MIN_FLOAT

  // RuntimeError naming file:line on a malformed file.
  static HmmModel load(const std::string& path);

  // jieba's finalseg.cut: Chinese runs are Viterbi-decoded, the rest is split into
  // [a-zA-Z0-9]+(\.\d+)?%? runs and what lies between them. Appends views into `text`.
  void cut(std::string_view text, std::vector<std::string_view>& words) const;

  // Words that jieba's add_word(word, 0) forces apart again when the HMM produces them.
  void add_force_split(std::string_view word) { force_split_.emplace(word); }

 private:
  void cut_han(std::string_view run, std::vector<std::string_view>& words) const;
  void emit_word(std::string_view word, std::vector<std::string_view>& words) const;
  const double* emission(char32_t c) const;

  std::array<double, 4> start_{};
  std::array<std::array<double, 4>, 4> trans_{};  // [from][to]
  static constexpr char32_t kHanFirst = 0x4E00, kHanLast = 0x9FD5;
  std::vector<std::array<double, 4>> han_emit_;   // [c - kHanFirst]
  std::unordered_map<char32_t, std::array<double, 4>> other_emit_;
  std::unordered_set<std::string> force_split_;
};

}  // namespace lmforge::text
