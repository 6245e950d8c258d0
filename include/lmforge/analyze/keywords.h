// Keywords of a collection of segmented texts: TF-IDF and TextRank (Mihalcea & Tarau 2004,
// "TextRank: Bringing Order into Texts", https://aclanthology.org/W04-3252/), over content
// words only: stopwords removed, words without a letter, digit-free CJK character or
// letter dropped (punctuation, numbers), words shorter than min_chars code points dropped
// (jieba's extract_tags keeps words of 2+ characters).
//
//   auto top = tfidf_keywords(docs, stop, {});      // docs: one vector of words per text
//   auto ranked = textrank_keywords(docs, stop, {});
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/text/stopwords.h"

namespace lmforge::analyze {

using Documents = std::vector<std::vector<std::string>>;

struct Keyword {
  std::string word;
  double score = 0;          // TF-IDF: sum over texts of (count / text length) x idf; TextRank: rank
  std::size_t count = 0;     // occurrences in the collection
  std::size_t doc_freq = 0;  // texts that contain it
};

struct KeywordOptions {
  std::size_t top = 20;        // keywords returned
  std::size_t min_chars = 2;   // shortest keyword, in code points
  std::size_t min_doc_freq = 2;  // a keyword must occur in at least this many texts
  int window = 5;              // TextRank: words within this distance are linked (jieba's span)
  double damping = 0.85;       // TextRank: PageRank damping factor
  int iterations = 30;         // TextRank: power iterations
};

// A word worth counting: not a stopword, at least one letter or CJK ideograph, no shorter than
// `min_chars` code points.
bool is_content_word(std::string_view word, const text::Stopwords& stopwords, std::size_t min_chars);

std::vector<Keyword> tfidf_keywords(const Documents& docs, const text::Stopwords& stopwords,
                                    const KeywordOptions& options);
std::vector<Keyword> textrank_keywords(const Documents& docs, const text::Stopwords& stopwords,
                                       const KeywordOptions& options);

}  // namespace lmforge::analyze
