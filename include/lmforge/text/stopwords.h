// Stopword lists: bundled Chinese (data/stopwords/zh.txt: function words and punctuation) and
// English (data/stopwords/en.txt), or the user's own files, merged into one set.
//
//   auto stop = load_stopwords({"zh", "en", "my_list.txt"});
//   if (!stop.contains(word)) keep(word);
//
// File format: UTF-8, one word per line; blank lines and lines starting with "# " are ignored.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace lmforge::text {

class Stopwords {
 public:
  void add(std::string_view word);
  // Adds every word of a file; RuntimeError naming the file when it is missing or not UTF-8.
  void add_file(const std::string& path);
  // A bundled list by language: "zh" or "en"; UsageError for any other name.
  void add_bundled(const std::string& language);

  // Exact match, or, for words with ASCII capitals, their lower-case form ("The" -> "the").
  bool contains(std::string_view word) const;
  std::size_t size() const { return words_.size(); }
  bool empty() const { return words_.empty(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_set<std::string, Hash, std::equal_to<>> words_;
};

// Each spec is "zh", "en" (bundled), "none" (nothing; only alone) or a file path.
Stopwords load_stopwords(const std::vector<std::string>& specs);

// Removes the stopwords from `words` in place (keeps the order of the rest).
void remove_stopwords(const Stopwords& stopwords, std::vector<std::string_view>& words);

}  // namespace lmforge::text
