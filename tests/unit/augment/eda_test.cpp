#include "lmforge/augment/eda.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace lmforge::augment {
namespace {

// A tiny vector space: 好/棒/good(/Good) and 干净/整洁 are neighbours; 房间 has no close word.
embed::WordVectors tiny_vectors() {
  embed::WordVectors v;
  v.dim = 3;
  auto add = [&](const char* w, float a, float b, float c) {
    v.words.push_back(w);
    v.data.insert(v.data.end(), {a, b, c});
  };
  add("好", 1, 0, 0);
  add("棒", 0.95f, 0.1f, 0);
  add("干净", 0, 1, 0);
  add("整洁", 0.1f, 0.95f, 0);
  add("房间", 0, 0, 1);
  add("good", 0.9f, 0, 0.44f);
  add("Good", 0.9f, 0, 0.45f);
  return v;
}

TEST(JoinWords, SpacesOnlyBetweenSpacedScripts) {
  EXPECT_EQ(join_words({"房间", "很", "干净"}), "房间很干净");
  EXPECT_EQ(join_words({"very", "good", "!"}), "very good!");
  EXPECT_EQ(join_words({"iPhone", "很", "好用", "5", "stars"}), "iPhone很好用5 stars");
}

TEST(SynonymSource, NeighboursAboveTheThresholdWithoutCaseVariants) {
  SynonymSource s(tiny_vectors(), 5, 0.5f);
  EXPECT_EQ(s.synonyms("好"), std::vector<std::string>({"棒", "good"}));
  EXPECT_TRUE(s.synonyms("房间").empty());
  EXPECT_TRUE(s.synonyms("未知").empty());
  const auto& g = s.synonyms("good");
  EXPECT_TRUE(std::find(g.begin(), g.end(), "Good") == g.end());
}

TEST(Eda, SwapKeepsTheWordsAndDeletionRemovesSome) {
  EdaOptions o;
  o.alpha_rs = 0.5;
  o.p_rd = 0.5;
  Eda eda(o, nullptr);
  ASSERT_EQ(eda.operations().size(), 2u);  // no vectors: SR and RI are off
  std::vector<std::string> words{"a", "b", "c", "d", "e", "f"};
  EdaRandom rng(3);
  auto swapped = words;
  ASSERT_TRUE(eda.apply(EdaOperation::kRandomSwap, swapped, rng));
  auto sorted = swapped;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, words);
  auto deleted = words;
  for (int i = 0; i < 5 && deleted.size() == words.size(); ++i) eda.apply(EdaOperation::kRandomDeletion, deleted, rng);
  EXPECT_LT(deleted.size(), words.size());
  EXPECT_GE(deleted.size(), 1u);
  std::vector<std::string> one{"x"};
  EXPECT_FALSE(eda.apply(EdaOperation::kRandomDeletion, one, rng));
  EXPECT_FALSE(eda.apply(EdaOperation::kRandomSwap, one, rng));
}

TEST(Eda, SynonymReplacementAndInsertionUseNeighboursNotStopwords) {
  SynonymSource s(tiny_vectors(), 5, 0.5f);
  text::Stopwords stop;
  stop.add("好");
  Eda eda(EdaOptions{}, &s, stop);
  EdaRandom rng(1);
  std::vector<std::string> words{"房间", "很", "干净", "好"};
  ASSERT_TRUE(eda.apply(EdaOperation::kSynonymReplacement, words, rng));
  EXPECT_EQ(words, (std::vector<std::string>{"房间", "很", "整洁", "好"}));  // 好 is a stopword here
  std::vector<std::string> more{"房间", "干净"};
  ASSERT_TRUE(eda.apply(EdaOperation::kRandomInsertion, more, rng));
  ASSERT_EQ(more.size(), 3u);
  EXPECT_TRUE(std::find(more.begin(), more.end(), "整洁") != more.end());
  std::vector<std::string> none{"房间", "很"};
  EXPECT_FALSE(eda.apply(EdaOperation::kSynonymReplacement, none, rng));
}

TEST(Eda, AugmentIsDeterministicDistinctAndSeeded) {
  SynonymSource s(tiny_vectors(), 5, 0.5f);
  EdaOptions o;
  o.per_example = 4;
  Eda eda(o, &s);
  const std::string text = "房间很干净，服务也好，早餐很丰富，下次还会再来";
  const auto a = eda.augment(text, 7);
  const auto b = eda.augment(text, 7);
  EXPECT_EQ(a, b);
  ASSERT_FALSE(a.empty());
  EXPECT_LE(a.size(), 4u);
  for (const auto& x : a) EXPECT_NE(x, text);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
  EXPECT_NE(eda.augment(text, 8), a);  // another example index, other choices
  EdaOptions other = o;
  other.seed = 99;
  Eda eda2(other, &s);
  EXPECT_NE(eda2.augment(text, 7), a);
  EXPECT_TRUE(eda.augment("", 0).empty());
}

}  // namespace
}  // namespace lmforge::augment
