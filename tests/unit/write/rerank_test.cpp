// Reranking: near-duplicates of likelier candidates go, too-short ones go, likelihood orders
// when diversity is 0, and novelty can outrank likelihood when it is not.
#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/write/ideas.h"
#include "lmforge/write/rerank.h"

namespace lmforge::write {
namespace {

std::vector<std::string> texts(const std::vector<Candidate>& c, const std::vector<Ranked>& r) {
  std::vector<std::string> out;
  for (const auto& x : r) out.push_back(c[x.index].text);
  return out;
}

TEST(Rerank, ByMeanLogprobWhenDiversityIsZero) {
  // Per-token means: -1.0, -0.5, -2.0.
  std::vector<Candidate> c = {{"送餐很快", -4.0, 4}, {"味道不错", -2.0, 4}, {"包装精美大方", -12.0, 6}};
  const auto r = rerank(c, {.keep = 3, .diversity = 0});
  EXPECT_EQ(texts(c, r), (std::vector<std::string>{"味道不错", "送餐很快", "包装精美大方"}));
  EXPECT_NEAR(r[0].mean_logprob, -0.5, 1e-12);
}

TEST(Rerank, DropsNearDuplicatesOfLikelierCandidatesAndShortOnes) {
  std::vector<Candidate> c = {
      {"味道很好，送餐很快", -5.0, 9}, {"味道很好，送餐很快！", -9.0, 10}, {"好", -0.1, 1}, {"太难吃了", -6.0, 4}};
  RerankReport report;
  const auto r = rerank(c, {.keep = 8}, &report);
  EXPECT_EQ(texts(c, r), (std::vector<std::string>{"味道很好，送餐很快", "太难吃了"}));
  EXPECT_EQ(report.near_duplicates, 1u);
  EXPECT_EQ(report.too_short, 1u);
}

TEST(Rerank, NoveltyCanOutrankLikelihood) {
  // Two similar likely candidates and one different, less likely one.
  std::vector<Candidate> c = {{"味道很好送餐很快服务周到", -1.0, 10},
                              {"味道很好送餐很快包装好", -1.5, 10},
                              {"价格实惠分量足", -3.0, 10}};
  EXPECT_EQ(texts(c, rerank(c, {.keep = 2, .near_duplicate = 1.0, .diversity = 0}))[1], "味道很好送餐很快包装好");
  EXPECT_EQ(texts(c, rerank(c, {.keep = 2, .near_duplicate = 1.0, .diversity = 0.7}))[1], "价格实惠分量足");
}

TEST(Rerank, BadOptionsAreUsageErrors) {
  EXPECT_THROW(rerank({}, {.diversity = 1.5}), UsageError);
  EXPECT_THROW(rerank({}, {.near_duplicate = 0}), UsageError);
  EXPECT_TRUE(rerank({}, {}).empty());
}

TEST(Ideas, ClustersSeparateTopicsAndDropRepeats) {
  std::vector<Candidate> c;
  const std::vector<std::string> fast = {"送餐很快", "送餐真快", "送餐超快啊", "今天送餐挺快"};
  const std::vector<std::string> taste = {"味道好吃", "味道真好吃", "味道超好吃", "味道挺好吃的"};
  for (const auto& t : fast) c.push_back({t, -4.0, 4});
  for (const auto& t : taste) c.push_back({t, -5.0, 4});
  c.push_back({"送餐很快", -4.5, 4});  // an exact repeat
  IdeasReport report;
  const auto ideas = group_ideas(c, {.clusters = 2, .seed = 3}, &report);
  ASSERT_EQ(ideas.size(), 2u);
  EXPECT_EQ(report.near_duplicates, 1u);
  EXPECT_EQ(ideas[0].members.size() + ideas[1].members.size(), 8u);
  // Each cluster holds one topic.
  for (const auto& idea : ideas) {
    const bool first_fast = idea.members.front() < 4;
    for (auto m : idea.members) EXPECT_EQ(m < 4, first_fast) << c[m].text;
  }
}

}  // namespace
}  // namespace lmforge::write
