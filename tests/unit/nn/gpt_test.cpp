// GPT forward and backward against the PyTorch twin in tools/make_nn_fixtures.py.
#include "lmforge/nn/gpt.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/nn/weights.h"
#include "nn_fixture.h"

namespace lmforge::nn {
namespace {

using testing::expect_close;
using testing::load_fixture;
using testing::with_prefix;

void check_against_pytorch(const std::string& fixture_name) {
  torch::set_num_threads(1);
  auto fixture = load_fixture(fixture_name);
  auto config = GPTConfig::from_json(testing::metadata_json(fixture, "config"));
  GPT model(config);
  load_module_weights(*model, with_prefix(fixture, "param"), fixture_name);

  auto logits = model->forward(fixture.tensors.at("input.tokens"));
  expect_close(logits, fixture.tensors.at("expect.logits"), 1e-5, fixture_name + " logits");
  auto loss = lm_loss(logits, fixture.tensors.at("input.targets"));
  expect_close(loss, fixture.tensors.at("expect.loss"), 1e-5, fixture_name + " loss");

  loss.backward();
  const auto grads = with_prefix(fixture, "grad");
  ASSERT_EQ(grads.size(), model->named_parameters().size());
  for (const auto& item : model->named_parameters()) {
    ASSERT_TRUE(grads.count(item.key())) << item.key();
    ASSERT_TRUE(item.value().grad().defined()) << item.key();
    expect_close(item.value().grad(), grads.at(item.key()), 1e-4, fixture_name + " grad " + item.key());
  }
}

TEST(Gpt, LearnedPositionsTiedHeadMatchesPyTorch) { check_against_pytorch("gpt_learned"); }

TEST(Gpt, RotaryUntiedNoBiasMatchesPyTorch) { check_against_pytorch("gpt_rotary"); }

TEST(Gpt, ParameterNamesAndCount) {
  GPTConfig config;
  config.vocab_size = 50, config.block_size = 16, config.n_layer = 2, config.n_head = 2, config.n_embd = 8;
  GPT model(config);
  auto names = module_weights(*model);
  EXPECT_TRUE(names.count("wte.weight"));
  EXPECT_TRUE(names.count("wpe.weight"));
  EXPECT_TRUE(names.count("h.1.mlp.c_proj.bias"));
  EXPECT_FALSE(names.count("lm_head.weight"));  // tied to wte
  // wte 400 + wpe 128 + 2 * (ln 32 + c_attn 216 + c_proj 72 + c_fc 288 + c_proj 264) + ln_f 16
  EXPECT_EQ(model->parameter_count(), 400 + 128 + 2 * (32 + 216 + 72 + 288 + 264) + 16);
  EXPECT_EQ(format_parameter_count(2'345'678), "2.35M");
}

TEST(Gpt, CausalityFutureTokensDoNotChangeEarlierLogits) {
  torch::manual_seed(7);
  GPTConfig config;
  config.vocab_size = 20, config.block_size = 8, config.n_layer = 1, config.n_head = 2, config.n_embd = 8;
  config.positions = "rotary";
  GPT model(config);
  auto a = torch::tensor({{1, 2, 3, 4, 5}}, torch::kLong);
  auto b = torch::tensor({{1, 2, 3, 9, 9}}, torch::kLong);
  auto la = model->forward(a), lb = model->forward(b);
  EXPECT_TRUE(torch::allclose(la.slice(1, 0, 3), lb.slice(1, 0, 3)));
  EXPECT_FALSE(torch::allclose(la.slice(1, 3, 5), lb.slice(1, 3, 5)));
}

TEST(Gpt, ConfigErrorsAreUsageErrors) {
  EXPECT_THROW(GPTConfig::from_json({{"n_embd", 10}, {"n_head", 3}}), UsageError);
  EXPECT_THROW(GPTConfig::from_json({{"n_layers", 2}}), UsageError);  // unknown key (typo)
  EXPECT_THROW(GPTConfig::from_json({{"positions", "alibi"}}), UsageError);
  auto config = GPTConfig::from_json({{"n_layer", 3}, {"positions", "rotary"}});
  EXPECT_EQ(config.n_layer, 3);
  EXPECT_EQ(GPTConfig::from_json(config.to_json()).to_json(), config.to_json());
  GPT model(GPTConfig{});
  EXPECT_THROW(model->forward(torch::zeros({1, 300}, torch::kLong)), UsageError);  // > block_size
}

}  // namespace
}  // namespace lmforge::nn
