// The words FAQ retrieval sees in a question: cleaned (NFKC, full-width -> ASCII, lower case,
// optionally traditional -> simplified), segmented (the jieba-style segmenter handles Chinese and
// English alike), punctuation dropped, stopwords optionally dropped.
//
//   FaqTokenizer tok({});
//   tok.tokens("How do I 激活 my Card?")  ->  {"how", "do", "i", "激活", "my", "card"}
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/text/normalize.h"
#include "lmforge/text/segment.h"
#include "lmforge/text/stopwords.h"

namespace lmforge::faq {

struct FaqTokenizerOptions {
  bool t2s = false;                    // traditional -> simplified before segmenting
  std::vector<std::string> stopwords;  // load_stopwords specs: "zh", "en", a file; empty = keep every word
};

// Not thread-safe (the cleaner reuses buffers): one per thread.
class FaqTokenizer {
 public:
  explicit FaqTokenizer(FaqTokenizerOptions options);
  ~FaqTokenizer();
  std::vector<std::string> tokens(std::string_view text);
  const FaqTokenizerOptions& options() const { return options_; }

 private:
  FaqTokenizerOptions options_;
  text::TextCleaner cleaner_;
  std::unique_ptr<text::Segmenter> segmenter_;
  text::Stopwords stopwords_;
  std::string cleaned_;
  std::vector<std::string_view> words_;
};

// True when `word` has a letter, digit or ideograph (punctuation-only tokens are not words here).
bool has_word_character(std::string_view word);

}  // namespace lmforge::faq
