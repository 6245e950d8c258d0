#include "lmforge/embed/evaluate.h"

#include <fstream>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "test_paths.h"

namespace lmforge::embed {
namespace {

TEST(EmbedEvaluate, SpearmanWithTiesMatchesTheHandValue) {
  // y ranks with a tie: 1, 2, 3.5, 5, 3.5. Pearson of (1..5) with those: 0.8207826816681233 (scipy).
  EXPECT_NEAR(spearman({1, 2, 3, 4, 5}, {5, 6, 7, 8, 7}), 0.8207826816681233, 1e-12);
  EXPECT_NEAR(spearman({1, 2, 3}, {30, 20, 10}), -1.0, 1e-12);
  EXPECT_NEAR(pearson({1, 2, 3}, {2, 4, 6}), 1.0, 1e-12);
}

WordVectors toy() {
  WordVectors v;
  v.words = {"man", "woman", "king", "queen", "boy", "girl", "apple"};
  v.dim = 3;
  v.data = {1, 0, 0.1f, -1, 0, 0.1f, 1, 1, 0.1f, -1, 1, 0.1f, 1, -0.5f, 0.2f, -1, -0.5f, 0.2f, 0, 0, 1};
  return v;
}

TEST(EmbedEvaluate, AnalogyFileAccuracyBySection) {
  testing::TempDir dir;
  std::ofstream(dir.file("q.txt")) << ": family\nman woman king queen\nman king woman queen\n"
                                      "man woman boy apple\nman woman unicorn queen\n"
                                      ": gram-plural\nMAN WOMAN BOY GIRL\n";
  auto sections = read_analogy_file(dir.file("q.txt"));
  ASSERT_EQ(sections.size(), 2u);
  VectorSpace space(toy(), true);
  auto r = evaluate_analogies(space, sections);
  EXPECT_EQ(r.sections[0].questions, 4u);
  EXPECT_EQ(r.sections[0].answered, 3u);  // unicorn is unknown
  EXPECT_EQ(r.sections[0].correct, 2u);   // the apple answer is wrong
  EXPECT_EQ(r.syntactic.correct, 1u);     // case folded
  EXPECT_EQ(r.total.answered, 4u);
  EXPECT_DOUBLE_EQ(r.total.accuracy(), 0.75);
  auto mul = evaluate_analogies(space, sections, {AnalogyMethod::kMul, 0});
  EXPECT_EQ(mul.total.correct, 3u);
  // Restricting to the first 4 words leaves only the questions on man/woman/king/queen.
  EXPECT_EQ(evaluate_analogies(space, sections, {AnalogyMethod::kAdd, 4}).total.answered, 2u);

  std::ofstream(dir.file("bad.txt")) << ": s\na b c\n";
  EXPECT_THROW(read_analogy_file(dir.file("bad.txt")), RuntimeError);
}

TEST(EmbedEvaluate, SimilarityFileSpearmanOverCoveredPairs) {
  testing::TempDir dir;
  // Cosines: king-queen 0.005, man-boy 0.89, man-woman -0.98, boy-girl -0.55: the same order as the scores.
  std::ofstream(dir.file("ws.txt")) << "# word1 word2 score\nking\tqueen\t5\nman boy 9.5 extra columns\n"
                                       "man\twoman\t1\nboy girl 3\nunicorn man 3\n";
  VectorSpace space(toy());
  auto r = evaluate_similarity(space, dir.file("ws.txt"));
  EXPECT_EQ(r.pairs, 5u);
  EXPECT_EQ(r.covered, 4u);
  EXPECT_NEAR(r.spearman, 1.0, 1e-12);
  std::ofstream(dir.file("bad.txt")) << "a b notanumber\n";
  EXPECT_THROW(evaluate_similarity(space, dir.file("bad.txt")), RuntimeError);
}

}  // namespace
}  // namespace lmforge::embed
