#include "lmforge/nn/pretrained_embedding.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "lmforge/common/error.h"

namespace lmforge::nn {
namespace {

embed::WordVectors three_vectors() {
  embed::WordVectors v;
  v.words = {"the", "Paris", "猫"};
  v.dim = 2;
  v.data = {1, 2, 3, 4, 5, 6};
  return v;
}

TEST(PretrainedEmbedding, CopiesRowsReportsCoverageAndFreezes) {
  torch::nn::Embedding embedding(6, 2);
  const auto before = embedding->weight.detach().clone();
  const std::vector<std::string> vocab = {"<pad>", "the", "paris", "猫", "dog"};
  PretrainedEmbeddingOptions options;
  options.freeze = true;
  auto coverage = init_embedding_from_vectors(*embedding, vocab, three_vectors(), options);
  EXPECT_EQ(coverage.vocabulary, 5);
  EXPECT_EQ(coverage.exact, 2);        // the, 猫
  EXPECT_EQ(coverage.case_folded, 1);  // paris -> Paris
  EXPECT_EQ(coverage.missing, (std::vector<std::string>{"<pad>", "dog"}));
  EXPECT_NEAR(coverage.ratio(), 0.6, 1e-12);
  EXPECT_NE(coverage.summary().find("3 of 5 tokens (60.0%)"), std::string::npos) << coverage.summary();
  const auto& w = embedding->weight;
  EXPECT_TRUE(torch::equal(w[1], torch::tensor({1.0f, 2.0f})));
  EXPECT_TRUE(torch::equal(w[2], torch::tensor({3.0f, 4.0f})));
  EXPECT_TRUE(torch::equal(w[3], torch::tensor({5.0f, 6.0f})));
  EXPECT_TRUE(torch::equal(w[0], before[0]));  // uncovered rows keep their init
  EXPECT_TRUE(torch::equal(w[5], before[5]));  // rows past the vocabulary too
  EXPECT_FALSE(w.requires_grad());
}

TEST(PretrainedEmbedding, ExactOnlyAndTrainable) {
  torch::nn::Embedding embedding(3, 2);
  PretrainedEmbeddingOptions options;
  options.case_insensitive_fallback = false;
  auto coverage = init_embedding_from_vectors(*embedding, {"paris", "the"}, three_vectors(), options);
  EXPECT_EQ(coverage.exact, 1);
  EXPECT_EQ(coverage.case_folded, 0);
  EXPECT_TRUE(embedding->weight.requires_grad());
}

TEST(PretrainedEmbedding, ShapeMismatchesAreUsageErrors) {
  torch::nn::Embedding wide(4, 3);
  EXPECT_THROW(init_embedding_from_vectors(*wide, {"the"}, three_vectors()), UsageError);
  torch::nn::Embedding small(1, 2);
  EXPECT_THROW(init_embedding_from_vectors(*small, {"the", "猫"}, three_vectors()), UsageError);
}

}  // namespace
}  // namespace lmforge::nn
