#include "lmforge/faq/faq_tokenizer.h"

#include <unicode/uchar.h>

#include "lmforge/common/utf8.h"

namespace lmforge::faq {

bool has_word_character(std::string_view word) {
  for (std::size_t i = 0; i < word.size();) {
    const char32_t c = utf8::decode(word, i);
    if (u_isalnum(static_cast<UChar32>(c))) return true;
  }
  return false;
}

FaqTokenizer::FaqTokenizer(FaqTokenizerOptions options)
    : options_(std::move(options)),
      cleaner_(text::CleanOptions{.t2s = options_.t2s, .lowercase = true}),
      segmenter_(text::make_segmenter({})) {
  if (!options_.stopwords.empty()) stopwords_ = text::load_stopwords(options_.stopwords);
}

FaqTokenizer::~FaqTokenizer() = default;

std::vector<std::string> FaqTokenizer::tokens(std::string_view input) {
  cleaner_.clean(input, cleaned_);
  words_.clear();
  segmenter_->cut(cleaned_, words_);
  std::vector<std::string> out;
  out.reserve(words_.size());
  for (auto w : words_)
    if (has_word_character(w) && !stopwords_.contains(w)) out.emplace_back(w);
  return out;
}

}  // namespace lmforge::faq
