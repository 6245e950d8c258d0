// Queries over word vectors: nearest neighbours by cosine, analogies (3CosAdd and 3CosMul of
// Levy & Goldberg 2014, https://aclanthology.org/W14-1618/), similarity of two words.
// Exact search is one BLAS matrix-vector (or matrix-matrix, for batches) product over the
// L2-normalised matrix; ApproximateIndex (hnswlib) answers big vocabularies in logarithmic time.
//
//   VectorSpace space(read_vectors("vectors.bin"));
//   space.nearest_to_word("king", 10);          // [{queen, 0.71}, ...]
//   space.analogy("man", "king", "woman", 1);   // man : king :: woman : ?  -> queen
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/embed/vectors.h"

namespace lmforge::embed {

enum class AnalogyMethod { kAdd, kMul };
AnalogyMethod parse_analogy_method(const std::string& name);  // "add" (3CosAdd), "mul" (3CosMul)

struct Neighbor {
  std::int64_t index = -1;  // row in the vector space
  std::string word;
  float score = 0;          // cosine (3CosMul: its objective)
};

class VectorSpace {
 public:
  // Normalises every row to unit length (zero rows stay zero). `case_insensitive` makes word
  // look-ups fold case (the most frequent spelling wins), as analogy benchmarks usually do.
  explicit VectorSpace(WordVectors vectors, bool case_insensitive = false);

  const WordVectors& normalized() const { return vectors_; }
  std::size_t size() const { return vectors_.size(); }
  std::size_t dim() const { return vectors_.dim; }
  const std::string& word(std::size_t i) const { return vectors_.words[i]; }
  const float* row(std::size_t i) const { return vectors_.row(i); }
  // Row of `word` or -1.
  std::int64_t find(std::string_view word) const { return index_.find(word); }
  // Row of `word`; RuntimeError "'word' is not in the vocabulary" when absent.
  std::size_t require(std::string_view word) const;

  // Cosine scores of `query` (dim floats) against the first `limit` rows (0 = all) into `scores`.
  void scores(const float* query, std::size_t limit, std::vector<float>& scores) const;
  // scores = queries (n x dim, row-major) times the first `limit` rows, transposed: n x limit.
  void batch_scores(const float* queries, std::size_t n, std::size_t limit, std::vector<float>& scores) const;

  // The k best rows by cosine with `query`, skipping rows in `exclude`.
  std::vector<Neighbor> nearest(const float* query, std::size_t k, const std::vector<std::int64_t>& exclude = {},
                                std::size_t limit = 0) const;
  std::vector<Neighbor> nearest_to_word(std::string_view word, std::size_t k) const;
  // a : b :: c : ?  (the answer is near b - a + c), question words excluded.
  std::vector<Neighbor> analogy(std::string_view a, std::string_view b, std::string_view c, std::size_t k,
                                AnalogyMethod method = AnalogyMethod::kAdd, std::size_t limit = 0) const;
  float similarity(std::string_view a, std::string_view b) const;

 private:
  WordVectors vectors_;
  WordIndex index_;
};

// The k best of `scores` (descending), skipping `exclude`.
std::vector<std::pair<std::size_t, float>> top_k(const float* scores, std::size_t n, std::size_t k,
                                                 const std::vector<std::int64_t>& exclude);

// Combines three cosine rows into the 3CosMul objective (cosines shifted to [0, 1]):
// out[i] = cos'(i, b) * cos'(i, c) / (cos'(i, a) + 0.001).
void cos_mul(const float* cos_a, const float* cos_b, const float* cos_c, std::size_t n, float* out);

// Approximate nearest neighbours with hnswlib (inner product over the normalised rows).
class ApproximateIndex {
 public:
  struct Options {
    std::size_t m = 16;                 // graph degree
    std::size_t ef_construction = 200;  // build-time beam
    std::size_t ef_search = 100;        // query-time beam (raised to k when smaller)
    int threads = 1;                    // threads adding points
  };
  ApproximateIndex(const VectorSpace& space, const Options& options);
  ~ApproximateIndex();
  std::vector<Neighbor> nearest(const float* query, std::size_t k, const std::vector<std::int64_t>& exclude = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  const VectorSpace& space_;
};

}  // namespace lmforge::embed

namespace lmforge::embed {
// Threads OpenBLAS may use for the products above (the CLI's --threads; see DESIGN.md on pools).
void set_blas_threads(int threads);
}  // namespace lmforge::embed
