#include "lmforge/embed/similarity.h"

#include <algorithm>
#include <cmath>

#include <cblas.h>

#include "lmforge/common/error.h"

namespace lmforge::embed {

AnalogyMethod parse_analogy_method(const std::string& name) {
  if (name == "add" || name == "3cosadd") return AnalogyMethod::kAdd;
  if (name == "mul" || name == "3cosmul") return AnalogyMethod::kMul;
  usage_error("unknown analogy method '{}' (expected add or mul)", name);
}

void set_blas_threads(int threads) { openblas_set_num_threads(std::max(1, threads)); }

static void normalize_rows(WordVectors& v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    float* r = v.row(i);
    double norm = 0;
    for (std::size_t k = 0; k < v.dim; ++k) norm += double(r[k]) * r[k];
    if (norm > 0) {
      float inv = static_cast<float>(1.0 / std::sqrt(norm));
      for (std::size_t k = 0; k < v.dim; ++k) r[k] *= inv;
    }
  }
}

VectorSpace::VectorSpace(WordVectors vectors, bool case_insensitive)
    : vectors_(std::move(vectors)), index_(vectors_.words, case_insensitive) {
  normalize_rows(vectors_);
}

std::size_t VectorSpace::require(std::string_view word) const {
  std::int64_t i = find(word);
  if (i < 0) runtime_error("'{}' is not in the vocabulary", word);
  return static_cast<std::size_t>(i);
}

void VectorSpace::scores(const float* query, std::size_t limit, std::vector<float>& out) const {
  std::size_t n = limit ? std::min(limit, size()) : size();
  out.resize(n);
  cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(n), static_cast<int>(dim()), 1.0f, vectors_.data.data(),
              static_cast<int>(dim()), query, 1, 0.0f, out.data(), 1);
}

void VectorSpace::batch_scores(const float* queries, std::size_t n, std::size_t limit, std::vector<float>& out) const {
  std::size_t rows = limit ? std::min(limit, size()) : size();
  out.resize(n * rows);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(rows),
              static_cast<int>(dim()), 1.0f, queries, static_cast<int>(dim()), vectors_.data.data(),
              static_cast<int>(dim()), 0.0f, out.data(), static_cast<int>(rows));
}

std::vector<std::pair<std::size_t, float>> top_k(const float* scores, std::size_t n, std::size_t k,
                                                 const std::vector<std::int64_t>& exclude) {
  std::vector<std::pair<std::size_t, float>> best;
  if (k == 0) return best;
  best.reserve(k + exclude.size() + 1);
  auto worse = [](const std::pair<std::size_t, float>& a, const std::pair<std::size_t, float>& b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  };
  // A min-heap of the k best seen so far: one pass, no full sort of the vocabulary.
  for (std::size_t i = 0; i < n; ++i) {
    if (best.size() == k && !(scores[i] > best.front().second)) continue;
    if (std::find(exclude.begin(), exclude.end(), static_cast<std::int64_t>(i)) != exclude.end()) continue;
    if (std::isnan(scores[i])) continue;
    best.emplace_back(i, scores[i]);
    std::push_heap(best.begin(), best.end(), worse);
    if (best.size() > k) {
      std::pop_heap(best.begin(), best.end(), worse);
      best.pop_back();
    }
  }
  std::sort_heap(best.begin(), best.end(), worse);
  return best;
}

void cos_mul(const float* cos_a, const float* cos_b, const float* cos_c, std::size_t n, float* out) {
  for (std::size_t i = 0; i < n; ++i)
    out[i] = ((cos_b[i] + 1) / 2) * ((cos_c[i] + 1) / 2) / ((cos_a[i] + 1) / 2 + 0.001f);
}

std::vector<Neighbor> VectorSpace::nearest(const float* query, std::size_t k, const std::vector<std::int64_t>& exclude,
                                           std::size_t limit) const {
  std::vector<float> s;
  scores(query, limit, s);
  std::vector<Neighbor> out;
  for (auto [i, score] : top_k(s.data(), s.size(), k, exclude))
    out.push_back({static_cast<std::int64_t>(i), word(i), score});
  return out;
}

std::vector<Neighbor> VectorSpace::nearest_to_word(std::string_view w, std::size_t k) const {
  std::size_t i = require(w);
  return nearest(row(i), k, {static_cast<std::int64_t>(i)});
}

std::vector<Neighbor> VectorSpace::analogy(std::string_view a, std::string_view b, std::string_view c, std::size_t k,
                                           AnalogyMethod method, std::size_t limit) const {
  std::size_t ia = require(a), ib = require(b), ic = require(c);
  std::vector<std::int64_t> exclude{std::int64_t(ia), std::int64_t(ib), std::int64_t(ic)};
  if (method == AnalogyMethod::kAdd) {
    std::vector<float> q(dim());
    for (std::size_t d = 0; d < dim(); ++d) q[d] = row(ib)[d] - row(ia)[d] + row(ic)[d];
    return nearest(q.data(), k, exclude, limit);
  }
  std::vector<float> queries(3 * dim());
  std::copy_n(row(ia), dim(), queries.data());
  std::copy_n(row(ib), dim(), queries.data() + dim());
  std::copy_n(row(ic), dim(), queries.data() + 2 * dim());
  std::vector<float> s;
  batch_scores(queries.data(), 3, limit, s);
  std::size_t n = s.size() / 3;
  std::vector<float> objective(n);
  cos_mul(s.data(), s.data() + n, s.data() + 2 * n, n, objective.data());
  std::vector<Neighbor> out;
  for (auto [i, score] : top_k(objective.data(), n, k, exclude))
    out.push_back({static_cast<std::int64_t>(i), word(i), score});
  return out;
}

float VectorSpace::similarity(std::string_view a, std::string_view b) const {
  std::size_t ia = require(a), ib = require(b);
  return cblas_sdot(static_cast<int>(dim()), row(ia), 1, row(ib), 1);
}

}  // namespace lmforge::embed
