// The Word Embedding Association Test (Caliskan, Bryson & Narayanan 2017, Science 356:183,
// https://arxiv.org/abs/1608.07187): do target words X (e.g. flowers) sit closer to attribute
// words A (pleasant) than target words Y (insects) do, relative to attributes B (unpleasant)?
//
//   s(w, A, B)   = mean_a cos(w, a) - mean_b cos(w, b)
//   effect size  = (mean_x s(x, A, B) - mean_y s(y, A, B)) / std_{w in X u Y} s(w, A, B)   (sample std)
//   p-value      = Pr[ sum_x s - sum_y s over a random equal-size re-partition of X u Y > the observed ]
//                  (one-sided permutation test; exact when the partitions are few enough)
//
// Test files (data/weat/*.txt): '#' comments, then four lines "X name: w1 w2 ...", "Y name: ...",
// "A name: ...", "B name: ...".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lmforge/embed/similarity.h"

namespace lmforge::embed {

struct WeatWordSet {
  std::string name;
  std::vector<std::string> words;
};

struct WeatTest {
  std::string title;  // the first comment line, if any
  WeatWordSet x, y, a, b;
};

WeatTest read_weat_test(const std::string& path);

struct WeatOptions {
  std::size_t permutations = 100000;  // exact test when C(|X|+|Y|, |X|) <= this, else this many random partitions
  std::uint64_t seed = 1;             // for the random partitions
};

struct WeatResult {
  double effect_size = 0;
  double p_value = 1;
  bool exact = false;                 // every partition enumerated
  std::size_t partitions = 0;         // partitions tested
  std::vector<std::string> missing;   // words not in the vocabulary (left out of the test)
  std::size_t x_used = 0, y_used = 0, a_used = 0, b_used = 0;
};

// UsageError when a set has no known word left.
WeatResult weat(const VectorSpace& space, const WeatTest& test, const WeatOptions& options = {});

}  // namespace lmforge::embed
