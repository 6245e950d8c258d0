// Okapi BM25 (Robertson & Zaragoza 2009, "The Probabilistic Relevance Framework: BM25 and Beyond")
// over tokenised documents, with Lucene's non-negative idf:
//
//   idf(t)      = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))
//   score(q, d) = sum over DISTINCT query terms t of
//                 idf(t) * tf(t, d) * (k1 + 1) / (tf(t, d) + k1 * (1 - b + b * |d| / avgdl))
//
// Postings are flat arrays (term -> [doc, tf] runs), so scoring touches only the documents that
// share a term with the query.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lmforge::faq {

struct Bm25Options {
  double k1 = 1.2;  // term-frequency saturation: 0 = presence only; larger = raw counts matter more
  double b = 0.75;  // length normalisation: 0 = none, 1 = full
};

class Bm25Index {
 public:
  Bm25Index(const std::vector<std::vector<std::string>>& documents, Bm25Options options);

  // scores[d] for every document (resized to size(); 0 where no query term occurs).
  void score(const std::vector<std::string>& query, std::vector<float>& scores) const;
  double idf(std::string_view term) const;  // 0 for a term in no document
  std::size_t size() const { return doc_length_.size(); }
  double average_length() const { return average_length_; }

 private:
  Bm25Options options_;
  std::unordered_map<std::string, std::uint32_t> term_id_;
  std::vector<std::uint32_t> posting_begin_;  // term -> first posting; terms + 1 entries
  std::vector<std::uint32_t> posting_doc_;
  std::vector<float> posting_tf_;
  std::vector<float> idf_;
  std::vector<float> doc_length_;
  double average_length_ = 0;
};

}  // namespace lmforge::faq
