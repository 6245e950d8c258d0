#include <gtest/gtest.h>

#include <cmath>

#include "lmforge/common/error.h"
#include "lmforge/faq/bm25.h"
#include "lmforge/faq/fusion.h"

namespace lmforge::faq {
namespace {

TEST(Bm25, ScoresMatchAHandComputation) {
  // N = 3 documents, average length 2.
  Bm25Index index({{"a", "b"}, {"a", "a", "c"}, {"d"}}, {.k1 = 1.2, .b = 0.75});
  EXPECT_DOUBLE_EQ(index.average_length(), 2.0);
  const double idf_a = std::log(1 + (3 - 2 + 0.5) / (2 + 0.5));  // ln 1.6
  const double idf_c = std::log(1 + (3 - 1 + 0.5) / (1 + 0.5));  // ln 2.6667
  EXPECT_NEAR(index.idf("a"), 0.4700036, 1e-6);
  EXPECT_NEAR(index.idf("c"), idf_c, 1e-6);
  EXPECT_EQ(index.idf("zzz"), 0.0);
  std::vector<float> s;
  index.score({"a"}, s);
  ASSERT_EQ(s.size(), 3u);
  // d0: tf 1, |d| = 2 = avgdl: norm = 1.2, score = idf * 1 * 2.2 / 2.2.
  EXPECT_NEAR(s[0], idf_a, 1e-6);
  // d1: tf 2, |d| = 3: norm = 1.2 * (0.25 + 0.75 * 1.5) = 1.65; 2 * 2.2 / 3.65.
  EXPECT_NEAR(s[1], idf_a * 4.4 / 3.65, 1e-6);
  EXPECT_NEAR(s[1], 0.566580, 1e-5);
  EXPECT_EQ(s[2], 0.0f);
  // A repeated query term counts once; unknown terms add nothing.
  index.score({"c", "a", "c", "unknown"}, s);
  EXPECT_NEAR(s[1], idf_a * 4.4 / 3.65 + idf_c * 2.2 / 2.65, 1e-6);
  EXPECT_NEAR(s[0], idf_a, 1e-6);
}

TEST(Bm25, ParametersChangeScoresAsDefined) {
  Bm25Index presence({{"a", "a", "a"}, {"a"}}, {.k1 = 0, .b = 0.75});  // k1 = 0: tf ignored
  std::vector<float> s;
  presence.score({"a"}, s);
  EXPECT_FLOAT_EQ(s[0], s[1]);
  Bm25Index no_length({{"a", "x", "y", "z"}, {"a"}}, {.k1 = 1.2, .b = 0});  // b = 0: length ignored
  no_length.score({"a"}, s);
  EXPECT_FLOAT_EQ(s[0], s[1]);
  Bm25Index with_length({{"a", "x", "y", "z"}, {"a"}}, {.k1 = 1.2, .b = 1});
  with_length.score({"a"}, s);
  EXPECT_LT(s[0], s[1]);
}

TEST(Fusion, ReciprocalRank) {
  // Ranking 1: 7, 3, 5; ranking 2: 3, 9. k = 60.
  auto fused = fuse({{{7, 10}, {3, 9}, {5, 1}}, {{3, 0.9}, {9, 0.8}}}, {.rrf_k = 60});
  ASSERT_EQ(fused.size(), 4u);
  EXPECT_EQ(fused[0].index, 3u);
  EXPECT_NEAR(fused[0].score, 1.0 / 62 + 1.0 / 61, 1e-12);
  EXPECT_EQ(fused[1].index, 7u);  // 1/61, ties with 9 (1/62)? no: 1/61 > 1/62
  EXPECT_NEAR(fused[1].score, 1.0 / 61, 1e-12);
  EXPECT_EQ(fused[2].index, 9u);
  EXPECT_EQ(fused[3].index, 5u);
  EXPECT_NEAR(fused[3].score, 1.0 / 63, 1e-12);
}

TEST(Fusion, ScoreFusionNormalisesEachRanking) {
  // BM25-like scores and cosines on different scales; weights 0.25 / 0.75.
  FusionOptions o{.method = FusionMethod::kScore, .weights = {0.25, 0.75}};
  auto fused = fuse({{{1, 20}, {2, 10}, {3, 0}}, {{2, 0.9}, {3, 0.5}, {1, 0.1}}}, o);
  ASSERT_EQ(fused.size(), 3u);
  // 1: 0.25 * 1 + 0.75 * 0 = 0.25; 2: 0.25 * 0.5 + 0.75 * 1 = 0.875; 3: 0 + 0.75 * 0.5 = 0.375.
  EXPECT_EQ(fused[0].index, 2u);
  EXPECT_NEAR(fused[0].score, 0.875, 1e-12);
  EXPECT_EQ(fused[1].index, 3u);
  EXPECT_NEAR(fused[1].score, 0.375, 1e-12);
  EXPECT_NEAR(fused[2].score, 0.25, 1e-12);
  EXPECT_THROW(fuse({{{1, 1}}}, o), UsageError);  // two weights, one ranking
  EXPECT_TRUE(fuse({{}, {}}, {}).empty());
}

TEST(Fusion, TopScoresIsDeterministic) {
  auto top = top_scores({0.5f, 2.0f, 0.0f, 2.0f, 1.0f}, 3, 0.0);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].index, 1u);  // tie with 3: smaller index first
  EXPECT_EQ(top[1].index, 3u);
  EXPECT_EQ(top[2].index, 4u);
  EXPECT_EQ(top_scores({0.0f, 0.0f}, 5, 0.0).size(), 0u);
}

}  // namespace
}  // namespace lmforge::faq
