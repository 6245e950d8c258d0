// Ideas: many samples for one prompt become a short list of distinct directions. Near-duplicates
// are dropped (as in rerank), the rest are clustered by spherical k-means over TF-IDF vectors of
// their similarity terms (lmforge/analyze/clusters.h), and each cluster is shown by its most
// typical sample (closest to the centroid) with its size: a big cluster is an idea the model
// returns to often, a small one a rarer angle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lmforge/write/rerank.h"

namespace lmforge::write {

struct IdeasOptions {
  std::size_t clusters = 8;        // at most; fewer when fewer distinct samples remain
  double near_duplicate = 0.6;     // as RerankOptions::near_duplicate
  std::size_t min_chars = 2;
  std::uint64_t seed = 1;          // k-means++ seeding
};

struct Idea {
  std::size_t representative = 0;      // index into the candidates
  std::vector<std::size_t> members;    // indices into the candidates, representative included
  double mean_logprob = 0;             // of the representative, per token
};

struct IdeasReport {
  std::size_t too_short = 0, near_duplicates = 0, distinct = 0;
};

// Ideas, largest cluster first.
std::vector<Idea> group_ideas(const std::vector<Candidate>& candidates, const IdeasOptions& options,
                              IdeasReport* report = nullptr);

}  // namespace lmforge::write
