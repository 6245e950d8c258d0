// Topic clusters: k-means over document vectors (Lloyd's algorithm with k-means++ seeding,
// Arthur & Vassilvitskii 2007), on L2-normalised vectors, so that distance follows cosine
// similarity (spherical k-means). Document vectors are averaged word vectors (a word2vec/GloVe
// file, lmforge/embed/vectors.h), TF-IDF vectors over the most frequent content words, or
// whole-text vectors from a sentence encoder (computed outside this torch-free library, e.g. by
// a BERT-family model in lmforge_nn.so, and handed over through unit_rows()).
//
//   auto vectors = tfidf_document_vectors(docs, stop, 2000);
//   auto clusters = kmeans(vectors, 6, {});
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lmforge/analyze/keywords.h"
#include "lmforge/embed/vectors.h"

namespace lmforge::analyze {

// n x dim, each row L2-normalised; a text without any known word has an all-zero row.
struct DocumentVectors {
  std::size_t dim = 0;
  std::vector<float> data;
  std::size_t empty_rows = 0;  // texts without a feature
  std::size_t rows() const { return dim ? data.size() / dim : 0; }
  const float* row(std::size_t i) const { return data.data() + i * dim; }
};

// TF-IDF (sublinear tf, smoothed idf) over the `max_features` content words with the highest
// document frequency.
DocumentVectors tfidf_document_vectors(const Documents& docs, const text::Stopwords& stopwords,
                                       std::size_t max_features);

// The mean of the vectors of a text's content words found in `vectors` (exact spelling, then
// lower-cased); `coverage` receives the share of content-word occurrences found.
DocumentVectors averaged_word_vectors(const Documents& docs, const embed::WordVectors& vectors,
                                      const text::Stopwords& stopwords, double* coverage = nullptr);

// Rows of `data` (texts x dim floats, e.g. a sentence encoder's output) as document vectors:
// each row L2-normalised; an all-zero row stays zero and counts as empty. `data` must hold whole
// rows (std::invalid_argument otherwise).
DocumentVectors unit_rows(std::size_t dim, std::vector<float> data);

struct KMeansOptions {
  int iterations = 50;        // Lloyd iterations at most (stops earlier when no text moves)
  std::uint64_t seed = 1;     // k-means++ seeding
  std::size_t representatives = 3;  // texts closest to each centroid
};

struct Cluster {
  std::vector<std::size_t> members;          // text indices
  std::vector<std::size_t> representatives;  // closest to the centroid first
  std::vector<float> centroid;               // L2-normalised
};

// Clusters, largest first. Texts with an all-zero vector join no cluster. k is reduced to the
// number of non-empty texts when there are fewer.
std::vector<Cluster> kmeans(const DocumentVectors& vectors, std::size_t k, const KMeansOptions& options);

}  // namespace lmforge::analyze
