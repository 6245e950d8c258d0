// Combining the rankings of several retrievers (here BM25 and embeddings) into one.
//   kReciprocalRank  RRF (Cormack, Clarke & Büttcher 2009, https://doi.org/10.1145/1571941.1572114):
//                    fused(d) = sum over rankings of 1 / (k + rank(d)), rank from 1; robust to
//                    scores on different scales, which is why it is the default.
//   kScore           weighted sum of the scores, each ranking min-max normalised to [0, 1]
//                    over its candidates (a candidate missing from a ranking gets 0 there).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lmforge::faq {

struct Scored {
  std::size_t index = 0;
  double score = 0;
};

enum class FusionMethod { kReciprocalRank, kScore };
FusionMethod parse_fusion_method(const std::string& name);  // "rrf", "score"; UsageError otherwise
std::string fusion_method_name(FusionMethod method);

struct FusionOptions {
  FusionMethod method = FusionMethod::kReciprocalRank;
  double rrf_k = 60;                 // RRF constant: larger flattens the difference between ranks
  std::vector<double> weights;       // kScore: one weight per ranking; empty = equal weights
};

// Each ranking is sorted by descending score. Returns every candidate, by descending fused score
// (ties: smaller index first, so results are deterministic).
std::vector<Scored> fuse(const std::vector<std::vector<Scored>>& rankings, const FusionOptions& options);

// The `k` best of scores[0..n) with score > min_score, descending (ties: smaller index first).
std::vector<Scored> top_scores(const std::vector<float>& scores, std::size_t k, double min_score);

}  // namespace lmforge::faq
