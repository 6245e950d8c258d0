// Initialising an embedding table from word vectors (word2vec / GloVe files, embed/vectors.h),
// frozen or trainable, with a report of how much of the vocabulary the file covers.
//
//   auto vectors = lmforge::embed::read_vectors("vectors.txt");
//   auto coverage = lmforge::nn::init_embedding_from_vectors(*model->src_embed, vocab, vectors, {});
//   std::puts(coverage.summary().c_str());   // "embedding: 9312 of 10000 tokens (93.1%) ..."
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lmforge/embed/vectors.h"

namespace torch::nn {
class EmbeddingImpl;
}

namespace lmforge::nn {

struct PretrainedEmbeddingOptions {
  bool freeze = false;                 // true: the table gets no gradient (requires_grad false)
  bool case_insensitive_fallback = true;  // a token absent as spelled may take its case-folded match
  std::size_t missing_examples = 10;   // how many uncovered tokens the report lists
};

struct EmbeddingCoverage {
  std::int64_t vocabulary = 0;         // tokens in the vocabulary
  std::int64_t exact = 0;              // found as spelled
  std::int64_t case_folded = 0;        // found through the case-insensitive fallback
  std::vector<std::string> missing;    // the first few tokens without a vector (they keep their init)
  double ratio() const { return vocabulary ? static_cast<double>(exact + case_folded) / vocabulary : 0.0; }
  std::string summary() const;
};

// Row i of the table gets the vector of vocabulary[i]. UsageError when the vector size differs
// from the embedding width or the vocabulary is longer than the table.
EmbeddingCoverage init_embedding_from_vectors(torch::nn::EmbeddingImpl& embedding,
                                              const std::vector<std::string>& vocabulary,
                                              const embed::WordVectors& vectors,
                                              const PretrainedEmbeddingOptions& options = {});

}  // namespace lmforge::nn
