// Samplers on hand-made distributions (the llama.cpp test-sampling.cpp habit).
#include <cmath>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/infer/sampler.h"

namespace lmforge::infer {
namespace {

std::vector<float> logits_of(const std::vector<double>& probs) {
  std::vector<float> out;
  for (double p : probs) out.push_back(static_cast<float>(std::log(p)));
  return out;
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingP) {
  SamplingOptions o;
  o.top_p = 0.7;
  auto probs = truncated_distribution(logits_of({0.1, 0.2, 0.3, 0.4}), o);
  EXPECT_NEAR(probs[3], 0.571429, 1e-5);
  EXPECT_NEAR(probs[2], 0.428571, 1e-5);
  EXPECT_EQ(probs[0], 0.0f);
  EXPECT_EQ(probs[1], 0.0f);
  o.top_p = 1.0;
  probs = truncated_distribution(logits_of({0.1, 0.2, 0.3, 0.4}), o);
  EXPECT_NEAR(probs[0], 0.1, 1e-6);
}

TEST(Sampler, TopKNeverEmitsATokenOutsideTheKBest) {
  SamplingOptions o;
  o.top_k = 3;
  o.temperature = 5.0;  // flatten, so the tail would be drawn often without the cut
  std::vector<double> p(20, 0.04);
  p[7] = 0.1, p[12] = 0.09, p[3] = 0.08;
  Sampler sampler(o, 1);
  std::set<int> seen;
  for (int i = 0; i < 2000; ++i) {
    auto l = logits_of(p);
    seen.insert(sampler.sample(l, {}, {}));
  }
  EXPECT_EQ(seen, (std::set<int>{3, 7, 12}));
}

TEST(Sampler, MinPDropsTokensBelowTheFraction) {
  SamplingOptions o;
  o.min_p = 0.5;
  auto probs = truncated_distribution(logits_of({0.05, 0.5, 0.3, 0.15}), o);
  EXPECT_NEAR(probs[1], 0.5 / 0.8, 1e-5);
  EXPECT_NEAR(probs[2], 0.3 / 0.8, 1e-5);
  EXPECT_EQ(probs[3], 0.0f);
  EXPECT_EQ(probs[0], 0.0f);
}

TEST(Sampler, TemperatureSharpensAndZeroIsArgmax) {
  SamplingOptions o;
  o.temperature = 0.5;
  auto probs = truncated_distribution(logits_of({0.25, 0.75}), o);
  EXPECT_NEAR(probs[1], 0.9, 1e-5);  // 0.75^2 / (0.75^2 + 0.25^2)
  o.temperature = 0;
  Sampler greedy(o, 9);
  for (int i = 0; i < 50; ++i) {
    auto l = logits_of({0.3, 0.2, 0.45, 0.05});
    EXPECT_EQ(greedy.sample(l, {}, {}), 2);
  }
}

TEST(Sampler, DrawsFollowTheDistribution) {
  SamplingOptions o;
  Sampler sampler(o, 5);
  std::map<int, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    auto l = logits_of({0.1, 0.2, 0.7});
    ++counts[sampler.sample(l, {}, {})];
  }
  EXPECT_NEAR(counts[0] / double(n), 0.1, 0.015);
  EXPECT_NEAR(counts[2] / double(n), 0.7, 0.015);
}

TEST(Sampler, SameSeedSameDrawsOtherSeedOtherDraws) {
  SamplingOptions o;
  auto draws = [&](std::uint64_t seed) {
    Sampler s(o, seed);
    std::vector<int> out;
    for (int i = 0; i < 64; ++i) {
      auto l = logits_of({0.25, 0.25, 0.25, 0.25});
      out.push_back(s.sample(l, {}, {}));
    }
    return out;
  };
  EXPECT_EQ(draws(42), draws(42));
  EXPECT_NE(draws(42), draws(43));
}

TEST(Sampler, RepetitionPenaltyFollowsCtrl) {
  SamplingOptions o;
  o.repetition_penalty = 2.0;
  std::vector<float> l{2.0f, -1.0f, 3.0f};
  std::vector<int> history{0, 1, 0};
  apply_penalties(l, history, {}, o);
  EXPECT_FLOAT_EQ(l[0], 1.0f);   // positive: divided
  EXPECT_FLOAT_EQ(l[1], -2.0f);  // negative: multiplied
  EXPECT_FLOAT_EQ(l[2], 3.0f);   // unseen: untouched
}

TEST(Sampler, PresenceAndFrequencyPenaltiesCountGeneratedTokens) {
  SamplingOptions o;
  o.presence_penalty = 0.5;
  o.frequency_penalty = 0.25;
  std::vector<float> l{1.0f, 1.0f, 1.0f};
  std::vector<int> generated{2, 2, 2, 0};
  apply_penalties(l, {}, generated, o);
  EXPECT_FLOAT_EQ(l[0], 1.0f - 0.5f - 0.25f);
  EXPECT_FLOAT_EQ(l[1], 1.0f);
  EXPECT_FLOAT_EQ(l[2], 1.0f - 0.5f - 0.75f);
  // Greedy with the penalty turns away from the repeated token.
  o.temperature = 0;
  Sampler s(o, 1);
  std::vector<float> l2{1.0f, 0.9f, 1.2f};
  EXPECT_EQ(s.sample(l2, generated, generated), 1);
}

TEST(Sampler, BadOptionsAreUsageErrors) {
  SamplingOptions o;
  o.top_p = 0;
  EXPECT_THROW(o.validate(), UsageError);
  o.top_p = 1.5;
  EXPECT_THROW(o.validate(), UsageError);
  o.top_p = 1;
  o.temperature = -0.1;
  EXPECT_THROW(o.validate(), UsageError);
  o.temperature = 1;
  o.min_p = 1;
  EXPECT_THROW(o.validate(), UsageError);
}

}  // namespace
}  // namespace lmforge::infer
