// Similarity terms, Jaccard and distinct-n: the measures that rerank, ideas and the write
// benchmark rely on.
#include <gtest/gtest.h>

#include "lmforge/write/similarity.h"

namespace lmforge::write {
namespace {

using Terms = std::vector<std::string>;

TEST(SimilarityTerms, ChineseBigramsEnglishWordsNoPunctuation) {
  EXPECT_EQ(similarity_terms("很好吃！"), (Terms{"好吃", "很好"}));
  EXPECT_EQ(similarity_terms("Great food, GREAT price."), (Terms{"food", "great", "price"}));
  EXPECT_EQ(similarity_terms("好"), (Terms{"好"}));  // a lone character is its own term
  EXPECT_EQ(similarity_terms("送餐快 OK 好"), (Terms{"ok", "好", "送餐", "餐快"}));
  EXPECT_TRUE(similarity_terms("，。！ ...").empty());
}

TEST(SimilarityTerms, BigramsDoNotCrossNonChineseText) {
  const auto terms = similarity_terms("好a吃");
  EXPECT_EQ(terms, (Terms{"a", "吃", "好"}));
}

TEST(Jaccard, OverlapOverUnion) {
  EXPECT_DOUBLE_EQ(jaccard({"a", "b"}, {"b", "c"}), 1.0 / 3);
  EXPECT_DOUBLE_EQ(jaccard({"a"}, {"a"}), 1.0);
  EXPECT_DOUBLE_EQ(jaccard({"a"}, {"b"}), 0.0);
  EXPECT_DOUBLE_EQ(jaccard({}, {}), 1.0);
  EXPECT_DOUBLE_EQ(jaccard(similarity_terms("味道很好"), similarity_terms("味道很好！")), 1.0);
}

TEST(DistinctN, CountsUniqueCharacterNgrams) {
  EXPECT_DOUBLE_EQ(distinct_n({"好好好好"}, 1), 0.25);
  EXPECT_DOUBLE_EQ(distinct_n({"好吃", "好吃"}, 2), 0.5);
  EXPECT_DOUBLE_EQ(distinct_n({"a b", "ab"}, 2), 0.5);  // spaces are not characters here
  EXPECT_DOUBLE_EQ(distinct_n({"好"}, 2), 0.0);        // no bigram at all
}

}  // namespace
}  // namespace lmforge::write
