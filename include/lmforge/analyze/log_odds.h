// What distinguishes one group of texts from the rest (negative vs positive reviews, one topic
// vs the others): the log-odds ratio with an informative Dirichlet prior, Monroe, Colaresi &
// Quinn 2008, "Fightin' Words" (Political Analysis 16(4), https://doi.org/10.1093/pan/mpn018),
// eq. 16-22. For word w, group i and the rest j, with counts y and prior alpha_w:
//   delta_w = log((y_wi + a_w) / (n_i + a0 - y_wi - a_w)) - log((y_wj + a_w) / (n_j + a0 - y_wj - a_w))
//   var_w   ~ 1 / (y_wi + a_w) + 1 / (y_wj + a_w),        z_w = delta_w / sqrt(var_w)
// The prior is the whole collection's counts times prior_scale (a_w = scale * y_w, a0 = sum a_w),
// so that rare words do not top the list on a count or two.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "lmforge/analyze/keywords.h"

namespace lmforge::analyze {

struct DistinctiveWord {
  std::string word;
  double z = 0;               // z-score: positive = typical of the group
  double delta = 0;           // log-odds ratio
  std::size_t count_in = 0;   // occurrences in the group
  std::size_t count_out = 0;  // occurrences in the rest
};

struct LogOddsOptions {
  std::size_t top = 15;        // words per group
  double prior_scale = 1.0;    // a_w = prior_scale x collection count of w
  std::size_t min_count = 3;   // words seen fewer times in the whole collection are left out
  std::size_t min_chars = 1;   // shortest word, in code points (one-character words such as 脏 matter)
};

// For every group g in [0, groups): the top words of g against all other texts, by z-score.
// group_of[d] is the group of text d, or -1 to leave it out.
std::vector<std::vector<DistinctiveWord>> distinctive_words(const Documents& docs, const std::vector<int>& group_of,
                                                            std::size_t groups, const text::Stopwords& stopwords,
                                                            const LogOddsOptions& options);

}  // namespace lmforge::analyze
