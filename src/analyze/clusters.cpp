#include "lmforge/analyze/clusters.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace lmforge::analyze {

namespace {

double normalise(float* v, std::size_t dim) {
  double s = 0;
  for (std::size_t j = 0; j < dim; ++j) s += static_cast<double>(v[j]) * v[j];
  s = std::sqrt(s);
  if (s > 0)
    for (std::size_t j = 0; j < dim; ++j) v[j] = static_cast<float>(v[j] / s);
  return s;
}

float dot(const float* a, const float* b, std::size_t dim) {
  float s = 0;
  for (std::size_t j = 0; j < dim; ++j) s += a[j] * b[j];
  return s;
}

}  // namespace

DocumentVectors tfidf_document_vectors(const Documents& docs, const text::Stopwords& stop, std::size_t max_features) {
  std::unordered_map<std::string, std::size_t> df;
  std::unordered_set<std::string_view> seen;
  for (const auto& doc : docs) {
    seen.clear();
    for (const auto& w : doc)
      if (is_content_word(w, stop, 1) && seen.insert(w).second) ++df[w];
  }
  std::vector<std::pair<std::string, std::size_t>> by_df(df.begin(), df.end());
  std::sort(by_df.begin(), by_df.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  if (by_df.size() > max_features) by_df.resize(max_features);
  std::unordered_map<std::string, std::size_t> feature;
  std::vector<double> idf;
  const double n = static_cast<double>(docs.size());
  for (const auto& [w, f] : by_df) {
    feature.emplace(w, idf.size());
    idf.push_back(std::log((1 + n) / (1 + static_cast<double>(f))) + 1);
  }
  DocumentVectors out;
  out.dim = std::max<std::size_t>(1, idf.size());
  out.data.assign(docs.size() * out.dim, 0.0f);
  std::unordered_map<std::size_t, double> tf;
  for (std::size_t d = 0; d < docs.size(); ++d) {
    tf.clear();
    for (const auto& w : docs[d]) {
      auto it = feature.find(w);
      if (it != feature.end()) tf[it->second] += 1;
    }
    float* row = out.data.data() + d * out.dim;
    for (const auto& [f, c] : tf) row[f] = static_cast<float>((1 + std::log(c)) * idf[f]);
    if (normalise(row, out.dim) == 0) ++out.empty_rows;
  }
  return out;
}

DocumentVectors averaged_word_vectors(const Documents& docs, const embed::WordVectors& vectors,
                                      const text::Stopwords& stop, double* coverage) {
  const embed::WordIndex exact(vectors.words), folded(vectors.words, /*case_insensitive=*/true);
  DocumentVectors out;
  out.dim = vectors.dim;
  out.data.assign(docs.size() * out.dim, 0.0f);
  std::size_t found = 0, total = 0;
  for (std::size_t d = 0; d < docs.size(); ++d) {
    float* row = out.data.data() + d * out.dim;
    for (const auto& w : docs[d]) {
      if (!is_content_word(w, stop, 1)) continue;
      ++total;
      auto i = exact.find(w);
      if (i < 0) i = folded.find(w);
      if (i < 0) continue;
      ++found;
      const float* v = vectors.row(static_cast<std::size_t>(i));
      for (std::size_t j = 0; j < out.dim; ++j) row[j] += v[j];
    }
    if (normalise(row, out.dim) == 0) ++out.empty_rows;
  }
  if (coverage) *coverage = total ? static_cast<double>(found) / static_cast<double>(total) : 0.0;
  return out;
}

DocumentVectors unit_rows(std::size_t dim, std::vector<float> data) {
  if (dim == 0 || data.size() % dim != 0)
    throw std::invalid_argument("unit_rows: the data is not whole rows of the given dimension");
  DocumentVectors out;
  out.dim = dim;
  out.data = std::move(data);
  for (std::size_t r = 0; r < out.rows(); ++r)
    if (normalise(out.data.data() + r * dim, dim) == 0) ++out.empty_rows;
  return out;
}

std::vector<Cluster> kmeans(const DocumentVectors& vectors, std::size_t k, const KMeansOptions& options) {
  const std::size_t n = vectors.rows(), dim = vectors.dim;
  std::vector<std::size_t> active;
  for (std::size_t i = 0; i < n; ++i)
    if (dot(vectors.row(i), vectors.row(i), dim) > 0) active.push_back(i);
  k = std::min(k, active.size());
  if (k == 0) return {};
  std::mt19937_64 rng(options.seed);
  // k-means++ seeding: each next centre drawn with probability proportional to its squared
  // distance to the nearest centre chosen so far (for unit vectors, 2 - 2 cos).
  std::vector<float> centres;
  centres.reserve(k * dim);
  std::vector<double> nearest(active.size(), 1e30);
  std::size_t first = active[std::uniform_int_distribution<std::size_t>(0, active.size() - 1)(rng)];
  centres.insert(centres.end(), vectors.row(first), vectors.row(first) + dim);
  while (centres.size() < k * dim) {
    const float* c = centres.data() + centres.size() - dim;
    double sum = 0;
    for (std::size_t a = 0; a < active.size(); ++a) {
      const double d2 = std::max(0.0, 2.0 - 2.0 * dot(vectors.row(active[a]), c, dim));
      nearest[a] = std::min(nearest[a], d2);
      sum += nearest[a];
    }
    std::size_t pick = active[std::uniform_int_distribution<std::size_t>(0, active.size() - 1)(rng)];
    if (sum > 0) {
      double r = std::uniform_real_distribution<double>(0, sum)(rng);
      for (std::size_t a = 0; a < active.size(); ++a)
        if ((r -= nearest[a]) <= 0) {
          pick = active[a];
          break;
        }
    }
    centres.insert(centres.end(), vectors.row(pick), vectors.row(pick) + dim);
  }
  std::vector<std::size_t> assign(active.size(), k);
  for (int it = 0; it < options.iterations; ++it) {
    bool moved = false;
    for (std::size_t a = 0; a < active.size(); ++a) {
      std::size_t best = 0;
      float best_sim = -2;
      for (std::size_t c = 0; c < k; ++c) {
        const float s = dot(vectors.row(active[a]), centres.data() + c * dim, dim);
        if (s > best_sim) best_sim = s, best = c;
      }
      if (assign[a] != best) assign[a] = best, moved = true;
    }
    if (!moved) break;
    std::vector<float> sums(k * dim, 0.0f);
    std::vector<std::size_t> sizes(k, 0);
    for (std::size_t a = 0; a < active.size(); ++a) {
      const float* v = vectors.row(active[a]);
      float* s = sums.data() + assign[a] * dim;
      for (std::size_t j = 0; j < dim; ++j) s[j] += v[j];
      ++sizes[assign[a]];
    }
    for (std::size_t c = 0; c < k; ++c) {
      if (sizes[c] == 0) continue;  // an empty cluster keeps its centre
      std::copy(sums.begin() + static_cast<std::ptrdiff_t>(c * dim), sums.begin() + static_cast<std::ptrdiff_t>((c + 1) * dim),
                centres.begin() + static_cast<std::ptrdiff_t>(c * dim));
      normalise(centres.data() + c * dim, dim);
    }
  }
  std::vector<Cluster> clusters(k);
  for (std::size_t c = 0; c < k; ++c) clusters[c].centroid.assign(centres.begin() + static_cast<std::ptrdiff_t>(c * dim),
                                                                  centres.begin() + static_cast<std::ptrdiff_t>((c + 1) * dim));
  for (std::size_t a = 0; a < active.size(); ++a) clusters[assign[a]].members.push_back(active[a]);
  for (auto& cl : clusters) {
    std::vector<std::pair<float, std::size_t>> by_sim;
    for (auto m : cl.members) by_sim.push_back({-dot(vectors.row(m), cl.centroid.data(), dim), m});
    const std::size_t r = std::min(options.representatives, by_sim.size());
    std::partial_sort(by_sim.begin(), by_sim.begin() + static_cast<std::ptrdiff_t>(r), by_sim.end());
    for (std::size_t i = 0; i < r; ++i) cl.representatives.push_back(by_sim[i].second);
  }
  clusters.erase(std::remove_if(clusters.begin(), clusters.end(), [](const Cluster& c) { return c.members.empty(); }),
                 clusters.end());
  std::stable_sort(clusters.begin(), clusters.end(), [](const Cluster& a, const Cluster& b) { return a.members.size() > b.members.size(); });
  return clusters;
}

}  // namespace lmforge::analyze
