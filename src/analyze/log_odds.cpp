#include "lmforge/analyze/log_odds.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace lmforge::analyze {

std::vector<std::vector<DistinctiveWord>> distinctive_words(const Documents& docs, const std::vector<int>& group_of,
                                                            std::size_t groups, const text::Stopwords& stopwords,
                                                            const LogOddsOptions& options) {
  // counts[w][g]: occurrences of word w in group g.
  std::unordered_map<std::string, std::vector<std::size_t>> counts;
  std::vector<double> group_total(groups, 0.0);
  double total = 0;
  for (std::size_t d = 0; d < docs.size(); ++d) {
    const int g = group_of[d];
    if (g < 0) continue;
    for (const auto& w : docs[d]) {
      if (!is_content_word(w, stopwords, options.min_chars)) continue;
      auto& c = counts[w];
      if (c.empty()) c.assign(groups, 0);
      ++c[static_cast<std::size_t>(g)];
      group_total[static_cast<std::size_t>(g)] += 1;
      total += 1;
    }
  }
  std::vector<std::vector<DistinctiveWord>> out(groups);
  const double a0 = options.prior_scale * total;
  for (const auto& [w, c] : counts) {
    std::size_t all = 0;
    for (auto x : c) all += x;
    if (all < options.min_count) continue;
    const double a = options.prior_scale * static_cast<double>(all);
    for (std::size_t g = 0; g < groups; ++g) {
      const double yi = static_cast<double>(c[g]), yj = static_cast<double>(all) - yi;
      const double ni = group_total[g], nj = total - ni;
      if (ni == 0 || nj == 0) continue;
      const double delta = std::log((yi + a) / (ni + a0 - yi - a)) - std::log((yj + a) / (nj + a0 - yj - a));
      const double z = delta / std::sqrt(1.0 / (yi + a) + 1.0 / (yj + a));
      if (z <= 0) continue;
      out[g].push_back({w, z, delta, c[g], all - c[g]});
    }
  }
  for (auto& words : out) {
    std::sort(words.begin(), words.end(), [](const DistinctiveWord& x, const DistinctiveWord& y) {
      return x.z != y.z ? x.z > y.z : x.word < y.word;
    });
    if (words.size() > options.top) words.resize(options.top);
  }
  return out;
}

}  // namespace lmforge::analyze
