#include "lmforge/write/ideas.h"

#include "lmforge/analyze/clusters.h"
#include "lmforge/common/error.h"
#include "lmforge/text/stopwords.h"
#include "lmforge/write/similarity.h"

namespace lmforge::write {

std::vector<Idea> group_ideas(const std::vector<Candidate>& candidates, const IdeasOptions& o, IdeasReport* report) {
  if (o.clusters < 1) usage_error("clusters must be >= 1, got {}", o.clusters);
  RerankReport dropped;
  const auto distinct = rerank(candidates, {.keep = candidates.size(), .near_duplicate = o.near_duplicate,
                                            .diversity = 0, .min_chars = o.min_chars},
                               &dropped);
  if (report) *report = {dropped.too_short, dropped.near_duplicates, distinct.size()};
  if (distinct.empty()) return {};
  analyze::Documents docs;
  for (const auto& r : distinct) docs.push_back(similarity_terms(candidates[r.index].text));
  const auto vectors = analyze::tfidf_document_vectors(docs, text::Stopwords{}, 4000);
  const auto clusters = analyze::kmeans(vectors, o.clusters, {.seed = o.seed, .representatives = 1});
  std::vector<Idea> ideas;
  for (const auto& c : clusters) {
    Idea idea;
    idea.representative = distinct[c.representatives.front()].index;
    idea.mean_logprob = distinct[c.representatives.front()].mean_logprob;
    for (std::size_t m : c.members) idea.members.push_back(distinct[m].index);
    ideas.push_back(std::move(idea));
  }
  return ideas;
}

}  // namespace lmforge::write
