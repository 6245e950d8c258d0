// How the neural classifier turns a text into token ids, and the files that keep this with the
// model: classifier_data.json (tokenizer kind, lower-casing, longest input, labels, columns) and
// vocab.txt (one token per line; line i is id i; id 0 is padding, id 1 the unknown token).
//
//   ClassifierText text = ClassifierText::load(model_dir);
//   std::vector<std::int64_t> ids = text.encode("房间很干净");   // never empty for a non-blank text
//
// Tokens come from classify::TextTokenizer ("words": segmented Chinese words and lower-cased
// English words, the units that `lmforge embed train` vectors have; "whitespace": pre-segmented
// text) or are single characters ("chars"), so a model can use word vectors or none.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "lmforge/classify/text_tokens.h"
#include "lmforge/common/fnv1a.h"

namespace lmforge::train {

inline constexpr const char* kClassifierDataFile = "classifier_data.json";
inline constexpr std::int64_t kClassifierPadId = 0;
inline constexpr std::int64_t kClassifierUnkId = 1;

struct ClassifierTextOptions {
  std::string tokenizer = "words";  // "words", "whitespace" or "chars"
  bool lowercase = true;            // fold capitals (words/whitespace: TextTokenizer; chars: ASCII)
  std::int64_t max_len = 128;       // tokens kept from the start of a text
};

class ClassifierText {
 public:
  ClassifierText(ClassifierTextOptions options, std::vector<std::string> vocabulary,
                 std::vector<std::string> labels);

  // Splits `text` into tokens (no truncation). Thread-safe.
  void tokens(const std::string& text, std::vector<std::string>& out) const;
  // Token ids of the first max_len tokens; unknown tokens map to kClassifierUnkId.
  std::vector<std::int64_t> encode(const std::string& text) const;
  std::vector<std::int64_t> encode_tokens(const std::vector<std::string>& tokens) const;
  // The id of one token (kClassifierUnkId when unknown).
  std::int64_t token_id(const std::string& token) const;

  const ClassifierTextOptions& options() const { return options_; }
  const std::vector<std::string>& vocabulary() const { return vocabulary_; }
  const std::vector<std::string>& labels() const { return labels_; }
  // Label index, or -1 when the model does not know it.
  std::int64_t label_id(const std::string& label) const;

  // Writes classifier_data.json (with the columns the model was trained on) and vocab.txt.
  void save(const std::filesystem::path& dir, const std::string& text_column, const std::string& label_column) const;
  // RuntimeError naming the file when one is missing or malformed.
  static ClassifierText load(const std::filesystem::path& dir);

  // The vocabulary of a training set: <pad>, <unk>, then tokens seen at least min_count times,
  // most frequent first (ties by byte order), at most max_vocab entries in all (0: no limit).
  static std::vector<std::string> build_vocabulary(const std::vector<std::vector<std::string>>& documents,
                                                   std::int64_t min_count, std::int64_t max_vocab);

 private:
  ClassifierTextOptions options_;
  std::vector<std::string> vocabulary_, labels_;
  std::unordered_map<std::string, std::int64_t> ids_;
  std::unique_ptr<classify::TextTokenizer> words_;  // null for "chars"
};

// The wide part's features (nn::ClassifierConfig::wide_buckets): every run of 1..max_n consecutive
// tokens, over all the tokens (not only the first max_len), hashed into [0, buckets) with 64-bit
// FNV-1a over the tokens' bytes joined by 0x1F. visit(start, length, bucket) sees them by start,
// then by length (n-grams running past the last token left out; repeats kept: each counts).
template <class Visit>
void for_each_wide_ngram(const std::vector<std::string>& tokens, std::int64_t max_n, std::int64_t buckets,
                         Visit&& visit) {
  if (buckets < 1) return;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    std::uint64_t h = kFnv1aOffset;
    for (std::size_t n = 1; n <= static_cast<std::size_t>(std::max<std::int64_t>(max_n, 0)) && i + n <= tokens.size();
         ++n) {
      if (n > 1) h = fnv1a_64(h, "\x1f");
      h = fnv1a_64(h, tokens[i + n - 1]);
      visit(i, n, static_cast<std::int64_t>(h % static_cast<std::uint64_t>(buckets)));
    }
  }
}

// The buckets of for_each_wide_ngram, in its order.
std::vector<std::int64_t> wide_features(const std::vector<std::string>& tokens, std::int64_t max_n,
                                        std::int64_t buckets);

}  // namespace lmforge::train
