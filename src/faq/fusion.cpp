#include "lmforge/faq/fusion.h"

#include <algorithm>
#include <unordered_map>

#include "lmforge/common/error.h"

namespace lmforge::faq {
namespace {

bool better(const Scored& a, const Scored& b) { return a.score != b.score ? a.score > b.score : a.index < b.index; }

}  // namespace

FusionMethod parse_fusion_method(const std::string& name) {
  if (name == "rrf") return FusionMethod::kReciprocalRank;
  if (name == "score") return FusionMethod::kScore;
  usage_error("unknown fusion '{}' (rrf or score)", name);
}

std::string fusion_method_name(FusionMethod method) {
  return method == FusionMethod::kReciprocalRank ? "rrf" : "score";
}

std::vector<Scored> fuse(const std::vector<std::vector<Scored>>& rankings, const FusionOptions& options) {
  if (options.method == FusionMethod::kScore && !options.weights.empty() && options.weights.size() != rankings.size())
    usage_error("score fusion: {} weights for {} rankings", options.weights.size(), rankings.size());
  std::unordered_map<std::size_t, double> fused;
  for (std::size_t r = 0; r < rankings.size(); ++r) {
    const auto& ranking = rankings[r];
    if (ranking.empty()) continue;
    if (options.method == FusionMethod::kReciprocalRank) {
      for (std::size_t i = 0; i < ranking.size(); ++i) fused[ranking[i].index] += 1.0 / (options.rrf_k + double(i + 1));
    } else {
      const double weight = options.weights.empty() ? 1.0 / double(rankings.size()) : options.weights[r];
      double hi = ranking.front().score, lo = ranking.front().score;
      for (auto& s : ranking) {
        hi = std::max(hi, s.score);
        lo = std::min(lo, s.score);
      }
      for (auto& s : ranking) fused[s.index] += weight * (hi > lo ? (s.score - lo) / (hi - lo) : 1.0);
    }
  }
  std::vector<Scored> out;
  out.reserve(fused.size());
  for (auto [index, score] : fused) out.push_back({index, score});
  std::sort(out.begin(), out.end(), better);
  return out;
}

std::vector<Scored> top_scores(const std::vector<float>& scores, std::size_t k, double min_score) {
  std::vector<Scored> all;
  for (std::size_t i = 0; i < scores.size(); ++i)
    if (scores[i] > min_score) all.push_back({i, scores[i]});
  k = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(), better);
  all.resize(k);
  return all;
}

}  // namespace lmforge::faq
