// The matrix-vector decoder gives the logits of the full forward, one token at a time after a
// prompt pass, for one sequence and for several, with and without biases, tied or not.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/generate/gpt_decode.h"

namespace lmforge::gen {
namespace {

struct Shape {
  std::string positions;
  bool tie;
  bool bias;
  std::int64_t batch;
};

class GPTDecoderTest : public ::testing::TestWithParam<Shape> {};

TEST_P(GPTDecoderTest, StepsMatchTheFullForward) {
  const auto shape = GetParam();
  torch::manual_seed(5);
  nn::GPTConfig c;
  c.vocab_size = 41, c.block_size = 20, c.n_layer = 2, c.n_head = 4, c.n_embd = 32;
  c.positions = shape.positions, c.tie_weights = shape.tie, c.bias = shape.bias;
  nn::GPT model(c);
  model->eval();
  {
    torch::NoGradGuard no_grad;  // non-zero biases, so that a dropped bias shows
    for (auto& p : model->parameters())
      if (p.dim() == 1) p.uniform_(-0.5, 0.5);
  }
  torch::InferenceMode inference;
  auto tokens = torch::randint(0, 41, {shape.batch, 20}, torch::kLong);
  auto full = model->forward(tokens);
  auto cache = model->make_cache(shape.batch);
  model->forward_cached(tokens.slice(1, 0, 6), cache, /*last_only=*/true);
  GPTDecoder decoder(*model);
  for (std::int64_t t = 6; t < 20; ++t) {
    auto logits = decoder.step(tokens.select(1, t), cache);
    ASSERT_EQ(logits.sizes(), (std::vector<std::int64_t>{shape.batch, 41}));
    EXPECT_LT((logits - full.select(1, t)).abs().max().item<double>(), 1e-5) << "position " << t;
  }
  EXPECT_EQ(cache.length, 20);
  EXPECT_THROW(decoder.step(tokens.select(1, 0), cache), UsageError);  // the context is full
}

INSTANTIATE_TEST_SUITE_P(Shapes, GPTDecoderTest,
                         ::testing::Values(Shape{"rotary", true, true, 1}, Shape{"rotary", false, false, 1},
                                           Shape{"learned", true, true, 1}, Shape{"learned", false, true, 3},
                                           Shape{"rotary", true, true, 2}));

}  // namespace
}  // namespace lmforge::gen
