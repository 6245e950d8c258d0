// Sentence vectors from word vectors, for embedding retrieval:
//   kAverage  the mean of the vectors of the words found in the vocabulary;
//   kSif      "smooth inverse frequency" (Arora, Liang & Ma 2017, "A Simple but Tough-to-Beat
//             Baseline for Sentence Embeddings", https://openreview.net/forum?id=SyK00v5xx):
//             each word weighted a / (a + p(w)), then the projection on the first principal
//             component of the knowledge base's sentence vectors removed.
// Vectors come out L2-normalised (zero when no word is known), so a dot product is a cosine.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "lmforge/embed/vectors.h"

namespace lmforge::faq {

enum class SentenceWeighting { kAverage, kSif };
SentenceWeighting parse_sentence_weighting(const std::string& name);  // "average", "sif"; UsageError otherwise
std::string sentence_weighting_name(SentenceWeighting weighting);

struct SentenceEncoderOptions {
  SentenceWeighting weighting = SentenceWeighting::kSif;
  double sif_a = 1e-3;           // SIF smoothing: smaller = frequent words count less
  bool remove_component = true;  // SIF: remove the first principal component
};

class SentenceEncoder {
 public:
  // `counts`: word frequencies for SIF's p(w) (the knowledge base's own counts); unseen words get p = 0.
  SentenceEncoder(embed::WordVectors vectors, const std::unordered_map<std::string, double>& counts,
                  SentenceEncoderOptions options);

  // Estimates the common component from these sentences (SIF with remove_component only).
  void fit_component(const std::vector<std::vector<std::string>>& sentences);
  // Unit vector of dim() floats into `out`; false (and zeros) when no word has a vector.
  bool encode(const std::vector<std::string>& words, std::vector<float>& out) const;

  std::size_t dim() const { return vectors_.dim; }
  std::size_t vocabulary_size() const { return vectors_.size(); }

 private:
  bool weighted_sum(const std::vector<std::string>& words, std::vector<float>& out) const;

  embed::WordVectors vectors_;
  embed::WordIndex index_;
  std::vector<float> weight_;     // per vocabulary row
  std::vector<float> component_;  // unit vector; empty = none removed
  SentenceEncoderOptions options_;
};

}  // namespace lmforge::faq
