#include "lmforge/embed/weat.h"

#include <cmath>
#include <fstream>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "test_paths.h"

namespace lmforge::embed {
namespace {

// Unit axes: e1 words and e2 words.
VectorSpace axes() {
  WordVectors v;
  v.words = {"x1", "x2", "y1", "y2", "a1", "b1", "mid"};
  v.dim = 2;
  v.data = {1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1};
  return VectorSpace(std::move(v));
}

TEST(EmbedWeat, PerfectSeparationHasEffectSqrt3AndNoGreaterPartition) {
  // s(x) = 1, s(y) = -1: (1 - -1) / std{1, 1, -1, -1} = 2 / sqrt(4/3) = sqrt(3).
  WeatTest t{"", {"X", {"x1", "x2"}}, {"Y", {"y1", "y2"}}, {"A", {"a1"}}, {"B", {"b1"}}};
  auto r = weat(axes(), t);
  EXPECT_NEAR(r.effect_size, std::sqrt(3.0), 1e-9);
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.partitions, 6u);  // C(4, 2)
  EXPECT_DOUBLE_EQ(r.p_value, 0.0);
  // Swapping the attributes flips the sign; every other partition is now larger: p = 5/6.
  std::swap(t.a, t.b);
  r = weat(axes(), t);
  EXPECT_NEAR(r.effect_size, -std::sqrt(3.0), 1e-9);
  EXPECT_NEAR(r.p_value, 5.0 / 6.0, 1e-12);
}

TEST(EmbedWeat, MixedSetsHaveNoEffectAndOneGreaterPartitionInSix) {
  WeatTest t{"", {"X", {"x1", "y1"}}, {"Y", {"x2", "y2"}}, {"A", {"a1"}}, {"B", {"b1"}}};
  auto r = weat(axes(), t);
  EXPECT_NEAR(r.effect_size, 0.0, 1e-9);
  EXPECT_NEAR(r.p_value, 1.0 / 6.0, 1e-12);  // only {x1, x2} beats the observed sum 0
  WeatOptions sampled;
  sampled.permutations = 5;  // fewer than 6 partitions: random ones
  EXPECT_FALSE(weat(axes(), t, sampled).exact);
}

TEST(EmbedWeat, MissingWordsAreReportedAndEmptySetsRejected) {
  WeatTest t{"", {"X", {"x1", "nope"}}, {"Y", {"y1"}}, {"A", {"a1", "mid"}}, {"B", {"b1"}}};
  auto r = weat(axes(), t);
  EXPECT_EQ(r.missing, std::vector<std::string>{"nope"});
  EXPECT_EQ(r.x_used, 1u);
  t.b.words = {"gone"};
  EXPECT_THROW(weat(axes(), t), UsageError);
}

TEST(EmbedWeat, BundledTestFilesParse) {
  auto t = read_weat_test(testing::data_path("weat/flowers_insects.txt"));
  EXPECT_EQ(t.x.words.size(), 25u);
  EXPECT_EQ(t.y.words.size(), 25u);
  EXPECT_EQ(t.a.words.size(), 25u);
  EXPECT_EQ(t.b.words.size(), 25u);
  EXPECT_EQ(t.x.name, "flowers");
  testing::TempDir dir;
  std::ofstream(dir.file("bad.txt")) << "X a: w\nY b: v\nA c: u\n";
  EXPECT_THROW(read_weat_test(dir.file("bad.txt")), RuntimeError);
}

}  // namespace
}  // namespace lmforge::embed
