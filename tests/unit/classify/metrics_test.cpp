#include "lmforge/classify/metrics.h"

#include <gtest/gtest.h>

namespace lmforge::classify {

// Reference values from scikit-learn 1.2 on y_true = [0,0,0,1,1,2], y_pred = [0,1,0,1,2,2]:
// accuracy_score 0.666667, f1_score(average="macro") 0.7 (0.8, 0.5, 0.666667),
// precision [1.0, 0.5, 0.5], recall [0.666667, 0.5, 1.0].
TEST(ConfusionMatrix, MatchesScikitLearnOnAHandMadeCase) {
  ConfusionMatrix m(3);
  const int truth[] = {0, 0, 0, 1, 1, 2}, pred[] = {0, 1, 0, 1, 2, 2};
  for (int i = 0; i < 6; ++i) m.add(static_cast<std::size_t>(truth[i]), static_cast<std::size_t>(pred[i]));
  EXPECT_NEAR(m.accuracy(), 4.0 / 6.0, 1e-12);
  EXPECT_NEAR(m.scores(0).precision, 1.0, 1e-12);
  EXPECT_NEAR(m.scores(0).recall, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.scores(1).f1, 0.5, 1e-12);
  EXPECT_NEAR(m.scores(2).precision, 0.5, 1e-12);
  EXPECT_NEAR(m.scores(2).recall, 1.0, 1e-12);
  EXPECT_NEAR(m.macro_f1(), (0.8 + 0.5 + 2.0 / 3.0) / 3.0, 1e-12);
  EXPECT_EQ(m.count(1, 2), 1u);
  EXPECT_EQ(m.scores(0).support, 3u);
  const auto j = m.to_json({"a", "b", "c"});
  EXPECT_EQ(j["confusion_matrix"][0][1], 1);
  EXPECT_NE(m.to_text({"正面", "负面", "中性"}).find("负面"), std::string::npos);
}

TEST(ConfusionMatrix, ClassNeverPredictedHasZeroF1AndAbsentClassIsLeftOut) {
  ConfusionMatrix m(3);  // class 2 never occurs: left out of the mean
  m.add(0, 0);
  m.add(1, 0);
  EXPECT_NEAR(m.scores(1).f1, 0.0, 1e-12);
  EXPECT_NEAR(m.macro_f1(), (2.0 / 3.0 + 0.0) / 2.0, 1e-12);
}

}  // namespace lmforge::classify
