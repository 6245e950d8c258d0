#include "lmforge/write/rerank.h"

#include <algorithm>
#include <numeric>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"
#include "lmforge/write/similarity.h"

namespace lmforge::write {
namespace {

std::size_t trimmed_length(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return 0;
  return utf8::length(std::string_view(text).substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1));
}

}  // namespace

std::vector<Ranked> rerank(const std::vector<Candidate>& candidates, const RerankOptions& o, RerankReport* report) {
  if (o.diversity < 0 || o.diversity > 1) usage_error("diversity must be in [0, 1], got {}", o.diversity);
  if (o.near_duplicate <= 0 || o.near_duplicate > 1)
    usage_error("near-duplicate threshold must be in (0, 1], got {}", o.near_duplicate);
  RerankReport counts;
  const std::size_t n = candidates.size();
  std::vector<double> mean(n);
  std::vector<std::vector<std::string>> terms(n);
  for (std::size_t i = 0; i < n; ++i) {
    mean[i] = candidates[i].logprob / static_cast<double>(std::max<std::size_t>(1, candidates[i].tokens));
    terms[i] = similarity_terms(candidates[i].text);
  }
  // Most likely first, so that of two near-duplicates the likelier one stays.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return mean[a] > mean[b]; });
  std::vector<std::size_t> pool;
  for (std::size_t i : order) {
    if (trimmed_length(candidates[i].text) < o.min_chars) {
      ++counts.too_short;
      continue;
    }
    const bool repeat = std::any_of(pool.begin(), pool.end(),
                                    [&](std::size_t j) { return jaccard(terms[i], terms[j]) >= o.near_duplicate; });
    if (repeat) {
      ++counts.near_duplicates;
      continue;
    }
    pool.push_back(i);
  }
  if (report) *report = counts;
  if (pool.empty()) return {};
  double lo = mean[pool.front()], hi = lo;
  for (std::size_t i : pool) lo = std::min(lo, mean[i]), hi = std::max(hi, mean[i]);
  auto likelihood = [&](std::size_t i) { return hi > lo ? (mean[i] - lo) / (hi - lo) : 1.0; };

  std::vector<Ranked> picked;
  std::vector<double> max_sim(pool.size(), 0.0);
  std::vector<char> taken(pool.size(), 0);
  while (picked.size() < std::min(o.keep, pool.size())) {
    std::size_t best = pool.size();
    double best_score = 0;
    for (std::size_t p = 0; p < pool.size(); ++p) {
      if (taken[p]) continue;
      const double score = (1 - o.diversity) * likelihood(pool[p]) + o.diversity * (1 - max_sim[p]);
      if (best == pool.size() || score > best_score) best = p, best_score = score;
    }
    taken[best] = 1;
    picked.push_back({pool[best], best_score, mean[pool[best]], max_sim[best]});
    for (std::size_t p = 0; p < pool.size(); ++p)
      if (!taken[p]) max_sim[p] = std::max(max_sim[p], jaccard(terms[pool[p]], terms[pool[best]]));
  }
  return picked;
}

}  // namespace lmforge::write
