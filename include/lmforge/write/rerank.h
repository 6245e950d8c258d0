// Choosing the few candidates worth showing out of many samples: drop near-duplicates, then
// pick greedily by maximal marginal relevance (Carbonell & Goldstein 1998): each next pick is
// the candidate with the best mix of model likelihood (mean log-probability per token, scaled to
// [0, 1] over the candidates) and novelty (1 - its highest similarity to those already picked).
//
//   std::vector<Candidate> c = {{"味道很好", -12.3, 6}, ...};
//   auto picks = rerank(c, {.keep = 8});
//   for (auto& p : picks) use(c[p.index].text, p.score);
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lmforge::write {

struct Candidate {
  std::string text;
  double logprob = 0;       // sum over its tokens (generate's "logprob")
  std::size_t tokens = 0;   // generated tokens (the length that normalises logprob)
};

struct RerankOptions {
  std::size_t keep = 8;            // candidates returned at most
  double near_duplicate = 0.6;     // Jaccard of similarity terms at or above which a candidate
                                   // repeats a more likely one and is dropped (1 = exact only)
  double diversity = 0.3;          // MMR weight of novelty in [0, 1]; 0 = by likelihood only
  std::size_t min_chars = 2;       // shorter texts (code points, after trimming) are dropped
};

struct Ranked {
  std::size_t index = 0;           // into the candidates
  double score = 0;                // the MMR score when picked
  double mean_logprob = 0;         // per token
  double max_similarity = 0;       // to the candidates picked before it
};

struct RerankReport {
  std::size_t too_short = 0, near_duplicates = 0;
};

std::vector<Ranked> rerank(const std::vector<Candidate>& candidates, const RerankOptions& options,
                           RerankReport* report = nullptr);

}  // namespace lmforge::write
