// The KV cache gives the same logits as the full forward (prompt in one pass, then one token
// at a time, and chunks after a prefix), for learned and rotary positions.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/nn/gpt.h"

namespace lmforge::nn {
namespace {

GPT make_model(const std::string& positions, bool tie) {
  torch::manual_seed(11);
  GPTConfig c;
  c.vocab_size = 37, c.block_size = 24, c.n_layer = 3, c.n_head = 4, c.n_embd = 32;
  c.positions = positions, c.tie_weights = tie;
  GPT model(c);
  model->eval();
  return model;
}

class KVCacheTest : public ::testing::TestWithParam<std::pair<std::string, bool>> {};

TEST_P(KVCacheTest, PromptThenOneTokenAtATimeMatchesTheFullForward) {
  auto model = make_model(GetParam().first, GetParam().second);
  torch::NoGradGuard no_grad;
  auto tokens = torch::randint(0, 37, {2, 24}, torch::kLong);
  auto full = model->forward(tokens);
  auto cache = model->make_cache(2);
  std::vector<torch::Tensor> parts{model->forward_cached(tokens.slice(1, 0, 7), cache)};
  for (std::int64_t t = 7; t < 24; ++t) parts.push_back(model->forward_cached(tokens.slice(1, t, t + 1), cache));
  auto cached = torch::cat(parts, 1);
  EXPECT_EQ(cache.length, 24);
  EXPECT_LT((cached - full).abs().max().item<double>(), 1e-5);
  // A position past the context is a usage error, not a crash.
  EXPECT_THROW(model->forward_cached(tokens.slice(1, 0, 1), cache), UsageError);
}

TEST_P(KVCacheTest, ChunksAfterAPrefixAndLastOnly) {
  auto model = make_model(GetParam().first, GetParam().second);
  torch::NoGradGuard no_grad;
  auto tokens = torch::randint(0, 37, {1, 20}, torch::kLong);
  auto full = model->forward(tokens);
  auto cache = model->make_cache(1);
  model->forward_cached(tokens.slice(1, 0, 5), cache);
  auto chunk = model->forward_cached(tokens.slice(1, 5, 12), cache);
  EXPECT_LT((chunk - full.slice(1, 5, 12)).abs().max().item<double>(), 1e-5);
  auto last = model->forward_cached(tokens.slice(1, 12, 20), cache, /*last_only=*/true);
  ASSERT_EQ(last.size(1), 1);
  EXPECT_LT((last[0][0] - full[0][19]).abs().max().item<double>(), 1e-5);
}

TEST_P(KVCacheTest, RowsCopiedForSeveralSamples) {
  auto model = make_model(GetParam().first, GetParam().second);
  torch::NoGradGuard no_grad;
  auto prompt = torch::randint(0, 37, {1, 6}, torch::kLong);
  auto cache = model->make_cache(1);
  model->forward_cached(prompt, cache);
  cache.select_rows(torch::zeros({3}, torch::kLong));
  auto next = torch::tensor({4, 9, 30}, torch::kLong).view({3, 1});
  auto logits = model->forward_cached(next, cache);
  for (std::int64_t i = 0; i < 3; ++i) {
    auto full = model->forward(torch::cat({prompt, next.slice(0, i, i + 1)}, 1));
    EXPECT_LT((logits[i][0] - full[0][6]).abs().max().item<double>(), 1e-5);
  }
}

INSTANTIATE_TEST_SUITE_P(Positions, KVCacheTest,
                         ::testing::Values(std::make_pair(std::string("learned"), true),
                                           std::make_pair(std::string("rotary"), false)));

}  // namespace
}  // namespace lmforge::nn
