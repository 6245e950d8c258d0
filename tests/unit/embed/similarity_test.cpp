#include "lmforge/embed/similarity.h"

#include <random>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"

namespace lmforge::embed {
namespace {

// A 3-d world: gender on axis 0, royalty on axis 1, "thing-ness" on axis 2.
WordVectors royals() {
  WordVectors v;
  v.words = {"man", "woman", "king", "queen", "apple", "prince"};
  v.dim = 3;
  v.data = {1, 0, 0.1f, -1, 0, 0.1f, 1, 1, 0.1f, -1, 1, 0.1f, 0, 0, 1, 0.9f, 0.8f, 0.1f};
  return v;
}

TEST(EmbedSimilarity, NeighboursAreByCosineWithoutTheQueryWord) {
  VectorSpace space(royals());
  auto n = space.nearest_to_word("king", 2);
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0].word, "prince");
  EXPECT_EQ(n[1].word, "man");
  EXPECT_NEAR(space.similarity("man", "woman"), (-1 + 0.01) / 1.01, 1e-5);
  EXPECT_THROW(space.similarity("man", "unicorn"), RuntimeError);
}

TEST(EmbedSimilarity, AnalogiesByAddAndMul) {
  VectorSpace space(royals());
  for (auto method : {AnalogyMethod::kAdd, AnalogyMethod::kMul}) {
    auto answer = space.analogy("man", "king", "woman", 1, method);
    ASSERT_EQ(answer.size(), 1u);
    EXPECT_EQ(answer[0].word, "queen");
  }
  // Candidates restricted to the first 3 rows, all question words: no answer at all.
  EXPECT_TRUE(space.analogy("man", "king", "woman", 1, AnalogyMethod::kAdd, 3).empty());
}

TEST(EmbedSimilarity, TopKMatchesAFullSort) {
  std::vector<float> scores = {0.1f, 0.9f, -0.5f, 0.9f, 0.3f, 0.7f};
  auto best = top_k(scores.data(), scores.size(), 3, {5});
  ASSERT_EQ(best.size(), 3u);
  EXPECT_EQ(best[0].first, 1u);  // ties keep the lower index first
  EXPECT_EQ(best[1].first, 3u);
  EXPECT_EQ(best[2].first, 4u);
}

TEST(EmbedSimilarity, HnswFindsWhatExactSearchFinds) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  WordVectors v;
  v.dim = 32;
  for (int i = 0; i < 2000; ++i) {
    v.words.push_back("w" + std::to_string(i));
    for (int d = 0; d < 32; ++d) v.data.push_back(normal(rng));
  }
  VectorSpace space(std::move(v));
  ApproximateIndex index(space, {.threads = 2});
  std::size_t hits = 0, total = 0;
  for (std::size_t q = 0; q < 50; ++q) {
    std::vector<std::int64_t> exclude{static_cast<std::int64_t>(q)};
    auto exact = space.nearest(space.row(q), 10, exclude);
    auto approx = index.nearest(space.row(q), 10, exclude);
    ASSERT_EQ(approx.size(), 10u);
    for (auto& e : exact)
      for (auto& a : approx) hits += a.index == e.index;
    total += exact.size();
  }
  EXPECT_GT(double(hits) / double(total), 0.9);
}

}  // namespace
}  // namespace lmforge::embed
