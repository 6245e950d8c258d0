#include "lmforge/faq/sentence_encoder.h"

#include <cmath>
#include <numeric>

#include "lmforge/common/error.h"

namespace lmforge::faq {
namespace {

void normalize(std::vector<float>& v) {
  double norm = 0;
  for (float x : v) norm += double(x) * x;
  norm = std::sqrt(norm);
  if (norm > 0)
    for (float& x : v) x = static_cast<float>(x / norm);
}

}  // namespace

SentenceWeighting parse_sentence_weighting(const std::string& name) {
  if (name == "average") return SentenceWeighting::kAverage;
  if (name == "sif") return SentenceWeighting::kSif;
  usage_error("unknown sentence weighting '{}' (average or sif)", name);
}

std::string sentence_weighting_name(SentenceWeighting weighting) {
  return weighting == SentenceWeighting::kSif ? "sif" : "average";
}

SentenceEncoder::SentenceEncoder(embed::WordVectors vectors, const std::unordered_map<std::string, double>& counts,
                                 SentenceEncoderOptions options)
    : vectors_(std::move(vectors)), index_(vectors_.words, /*case_insensitive=*/true), options_(options) {
  weight_.assign(vectors_.size(), 1.0f);
  if (options_.weighting == SentenceWeighting::kSif) {
    double total = 0;
    for (auto& [w, c] : counts) total += c;
    for (std::size_t i = 0; i < vectors_.size(); ++i) {
      auto it = counts.find(vectors_.words[i]);
      const double p = (it == counts.end() || total <= 0) ? 0.0 : it->second / total;
      weight_[i] = static_cast<float>(options_.sif_a / (options_.sif_a + p));
    }
  }
}

bool SentenceEncoder::weighted_sum(const std::vector<std::string>& words, std::vector<float>& out) const {
  out.assign(vectors_.dim, 0.0f);
  double total_weight = 0;
  for (const auto& w : words) {
    const auto row = index_.find(w);
    if (row < 0) continue;
    const float weight = weight_[static_cast<std::size_t>(row)];
    const float* v = vectors_.row(static_cast<std::size_t>(row));
    for (std::size_t k = 0; k < vectors_.dim; ++k) out[k] += weight * v[k];
    total_weight += weight;
  }
  if (total_weight <= 0) return false;
  for (float& x : out) x = static_cast<float>(x / total_weight);
  return true;
}

void SentenceEncoder::fit_component(const std::vector<std::vector<std::string>>& sentences) {
  component_.clear();
  if (options_.weighting != SentenceWeighting::kSif || !options_.remove_component || vectors_.dim == 0) return;
  // First principal (uncentred, as in the SIF paper's TruncatedSVD) direction by power iteration.
  std::vector<std::vector<float>> rows;
  std::vector<float> v;
  for (const auto& s : sentences)
    if (weighted_sum(s, v)) rows.push_back(v);
  if (rows.size() < 2) return;
  const std::size_t dim = vectors_.dim;
  std::vector<float> u(dim, 1.0f / std::sqrt(static_cast<float>(dim))), next(dim);
  for (int iter = 0; iter < 50; ++iter) {
    std::fill(next.begin(), next.end(), 0.0f);
    for (const auto& r : rows) {
      const float dot = std::inner_product(r.begin(), r.end(), u.begin(), 0.0f);
      for (std::size_t k = 0; k < dim; ++k) next[k] += dot * r[k];
    }
    normalize(next);
    u.swap(next);
  }
  component_ = u;
}

bool SentenceEncoder::encode(const std::vector<std::string>& words, std::vector<float>& out) const {
  if (!weighted_sum(words, out)) return false;
  if (!component_.empty()) {
    const float dot = std::inner_product(out.begin(), out.end(), component_.begin(), 0.0f);
    for (std::size_t k = 0; k < out.size(); ++k) out[k] -= dot * component_[k];
  }
  normalize(out);
  return true;
}

}  // namespace lmforge::faq
