// The words a classifier (and the analysis report) sees in a text: the jieba-style segmenter
// for Chinese (lmforge/text/segment.h), English words lower-cased, white space dropped,
// punctuation kept as its own tokens (a "!" or "？" carries sentiment). kWhitespace takes text
// that is already segmented (words separated by spaces), as `fasttext supervised` does.
//
//   TextTokenizer tok({});
//   tok.tokens("房间很干净，Good!", out)  ->  {"房间", "很", "干净", "，", "good", "!"}
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/text/segment.h"

namespace lmforge::classify {

enum class TokenizerKind { kWords, kWhitespace };
TokenizerKind parse_tokenizer_kind(const std::string& name);  // "words" or "whitespace"; UsageError otherwise
std::string tokenizer_kind_name(TokenizerKind kind);

struct TextTokenizerOptions {
  TokenizerKind kind = TokenizerKind::kWords;
  bool lowercase = true;  // fold ASCII, Latin-1, Greek and Cyrillic capitals
};

class TextTokenizer {
 public:
  explicit TextTokenizer(TextTokenizerOptions options);
  // Thread-safe. Replaces the contents of `out`.
  void tokens(std::string_view text, std::vector<std::string>& out) const;
  const TextTokenizerOptions& options() const { return options_; }

 private:
  TextTokenizerOptions options_;
  std::unique_ptr<text::Segmenter> segmenter_;  // kWords only
};

}  // namespace lmforge::classify
