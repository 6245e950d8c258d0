// AdamW param groups, the schedule and gradient clipping against PyTorch (three steps of the
// tiny GPTs in tools/make_nn_fixtures.py), and the schedule against its formula at every step.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <torch/torch.h>

#include "../nn/nn_fixture.h"
#include "lmforge/common/error.h"
#include "lmforge/nn/gpt.h"
#include "lmforge/nn/weights.h"
#include "lmforge/train/optimizer.h"
#include "lmforge/train/schedule.h"

namespace lmforge::train {
namespace {

using nn::testing::load_fixture;
using nn::testing::metadata_json;
using nn::testing::with_prefix;

LrSchedule schedule_from(const nlohmann::json& j) {
  LrSchedule s;
  s.decay = j.at("decay"), s.lr = j.at("lr"), s.min_lr = j.at("min_lr");
  s.warmup_steps = j.at("warmup_steps"), s.decay_steps = j.at("decay_steps");
  return s;
}

void check_three_steps(const std::string& fixture_name) {
  torch::set_num_threads(1);
  auto fixture = load_fixture(fixture_name);
  nn::GPT model(nn::GPTConfig::from_json(metadata_json(fixture, "config")));
  nn::load_module_weights(*model, with_prefix(fixture, "param"), fixture_name);
  const auto opt = metadata_json(fixture, "adamw");
  AdamWConfig config;
  config.lr = opt.at("lr"), config.beta1 = opt.at("beta1"), config.beta2 = opt.at("beta2");
  config.eps = opt.at("eps"), config.weight_decay = opt.at("weight_decay");
  config.decay_norms_biases = opt.at("decay_norms_biases"), config.decay_embeddings = opt.at("decay_embeddings");
  const double clip = opt.at("grad_clip");
  const auto schedule = schedule_from(metadata_json(fixture, "schedule"));
  auto optimizer = make_adamw(*model, config);

  // Elements whose gradient is rounding noise at some step (c_attn's key bias: adding a constant
  // to every key of a query leaves its softmax unchanged, so the exact gradient is 0). Adam
  // normalises the gradient, so there the step follows the noise's sign, which another BLAS
  // kernel may flip; such an element is checked against Adam's step bound instead (Kingma & Ba
  // 2015, sec. 2.1: |step| <= lr * max(1, (1 - beta1) / sqrt(1 - beta2))), twice: either run may
  // go either way.
  std::map<std::string, torch::Tensor> noise;  // per parameter: true where the gradient is noise
  double step_bound = 0;
  const double per_lr = std::max(1.0, (1.0 - config.beta1) / std::sqrt(1.0 - config.beta2));

  const auto& tokens = fixture.tensors.at("input.tokens");
  const auto& targets = fixture.tensors.at("input.targets");
  const auto losses = fixture.tensors.at("adamw.losses");
  const auto lrs = fixture.tensors.at("adamw.lrs");
  const auto norms = fixture.tensors.at("adamw.grad_norms");
  for (int step = 0; step < 3; ++step) {
    const double lr = schedule.at(step);
    EXPECT_NEAR(lr, lrs[step].item<double>(), 1e-15);
    set_learning_rate(*optimizer, lr);
    optimizer->zero_grad();
    auto loss = nn::lm_loss(model->forward(tokens), targets);
    loss.backward();
    const double norm = torch::nn::utils::clip_grad_norm_(model->parameters(), clip);
    for (const auto& item : model->named_parameters()) {
      const auto g = item.value().grad().abs();
      // Noise: below 1e-4 of the tensor's largest gradient entry, far under any real signal
      // in these fixtures and far above float32 rounding of a sum of its size.
      const auto tiny = g < 1e-4 * g.max();
      auto& mask = noise[item.key()];
      mask = mask.defined() ? (mask | tiny) : tiny;
    }
    step_bound += 2 * lr * per_lr * (1 + 1e-6);
    optimizer->step();
    EXPECT_NEAR(loss.item<double>(), losses[step].item<double>(), 1e-5) << "step " << step;
    EXPECT_NEAR(norm, norms[step].item<double>(), 1e-4) << "step " << step;
  }
  const auto expected = with_prefix(fixture, "adamw.final");
  for (const auto& item : model->named_parameters()) {
    const auto& mask = noise.at(item.key());
    const auto diff = (item.value().to(torch::kFloat64) - expected.at(item.key()).to(torch::kFloat64)).abs();
    const std::string what = fixture_name + " after 3 steps: " + item.key();
    const double signal_diff = diff.masked_fill(mask, 0).max().item<double>();
    EXPECT_LE(signal_diff, 1e-5) << what << ": max |difference| where the gradient is signal";
    const double noise_diff = diff.masked_fill(~mask, 0).max().item<double>();
    EXPECT_LE(noise_diff, step_bound) << what << ": max |difference| where the gradient is rounding noise";
  }
}

TEST(AdamW, ThreeStepsMatchPyTorchLearnedTied) { check_three_steps("gpt_learned"); }

TEST(AdamW, ThreeStepsMatchPyTorchRotaryUntied) { check_three_steps("gpt_rotary"); }

TEST(AdamW, GroupsExemptNormsBiasesAndEmbeddings) {
  nn::GPTConfig gc;
  gc.vocab_size = 10, gc.block_size = 4, gc.n_layer = 1, gc.n_head = 1, gc.n_embd = 4;
  nn::GPT model(gc);
  auto optimizer = make_adamw(*model, AdamWConfig{});
  ASSERT_EQ(optimizer->param_groups().size(), 2u);
  // decay: c_attn, attn.c_proj, c_fc, mlp.c_proj weights; no decay: wte, wpe, 3 norms x2, 4 biases
  EXPECT_EQ(optimizer->param_groups()[0].params().size(), 4u);
  EXPECT_EQ(optimizer->param_groups()[1].params().size(), 2u + 6u + 4u);
  AdamWConfig all;
  all.decay_norms_biases = all.decay_embeddings = true;
  EXPECT_EQ(make_adamw(*model, all)->param_groups()[1].params().size(), 0u);
  AdamWConfig bad;
  bad.beta2 = 1.0;
  EXPECT_THROW(make_adamw(*model, bad), UsageError);
}

TEST(Schedule, EveryStepMatchesTheReference) {
  auto fixture = load_fixture("schedule");
  const auto kinds = metadata_json(fixture, "schedules");
  for (const auto& [kind, j] : kinds.items()) {
    const auto schedule = schedule_from(j);
    const auto expected = fixture.tensors.at("lr." + kind);
    for (int step = 0; step < expected.size(0); ++step)
      EXPECT_NEAR(schedule.at(step), expected[step].item<double>(), 1e-15) << kind << " step " << step;
  }
}

TEST(Schedule, ShapeAndErrors) {
  LrSchedule s;
  s.lr = 1.0, s.min_lr = 0.1, s.warmup_steps = 4, s.decay_steps = 14;
  EXPECT_DOUBLE_EQ(s.at(0), 0.25);
  EXPECT_DOUBLE_EQ(s.at(3), 1.0);       // warm-up ends at the peak
  EXPECT_DOUBLE_EQ(s.at(4), 1.0);       // decay starts at the peak
  EXPECT_NEAR(s.at(9), 0.55, 1e-12);    // cosine half-way: the middle of [min_lr, lr]
  EXPECT_DOUBLE_EQ(s.at(14), 0.1);
  EXPECT_DOUBLE_EQ(s.at(1000), 0.1);
  s.decay = "step";
  EXPECT_THROW(s.validate(), UsageError);
  s.decay = "cosine", s.decay_steps = 4;
  EXPECT_THROW(s.validate(), UsageError);
}

}  // namespace
}  // namespace lmforge::train
