// Sentence splitting for Chinese and English (and mixed) text, rule-based.
//
//   SentenceSplitter split;
//   split.split("他说：“你好。”然后走了。Mr. Smith paid $3.14. Then he left!")
//     -> {"他说：“你好。”", "然后走了。", "Mr. Smith paid $3.14.", "Then he left!"}
//
// Chinese: a sentence ends after 。！？； (full or half width), ｡ and the ellipsis ……, wherever
// it stands; a run of them (！？, ……) stays together, and closing quotes and brackets that
// follow (” ’ 」 』 ） 》 】) stay with the sentence.
// English: . ! ? end a sentence when what follows (after closing quotes/brackets) is the end of
// the text, or whitespace and then an upper-case letter, a digit, an opening quote or a CJK
// character; or directly a CJK character. A period does not end a sentence after a title or
// common abbreviation (Mr. Dr. Prof. St. vs. No. Fig. Jan.), after an initial or initialism
// (J. K. Rowling, e.g., i.e., U.S.), or inside a number (3.14: no space follows).
// Sentences never span records; whitespace around them is trimmed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lmforge::text {

struct SentenceOptions {
  bool semicolon = true;        // ；(full width) ends a Chinese sentence
  bool newline = true;          // a line break inside a record ends a sentence
};

class SentenceSplitter {
 public:
  explicit SentenceSplitter(SentenceOptions options = {}) : options_(options) {}

  // Appends views into `text` (trimmed, never empty); no allocation per sentence.
  void split(std::string_view text, std::vector<std::string_view>& sentences) const;
  std::vector<std::string> split(std::string_view text) const;

 private:
  SentenceOptions options_;
};

// True for the abbreviations after which a period does not end an English sentence
// ("Mr", "dr", "Prof", "vs", "etc" is not one: it usually does end the sentence).
bool is_english_abbreviation(std::string_view word);

}  // namespace lmforge::text
