// rope_scaling "yarn" and "dynamic" against transformers on tiny random Llama checkpoints
// (tools/make_rope_scaling_fixtures.py wrote the weights, a prompt, the logits and greedy ids).
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/nn/safetensors.h"
#include "lmforge/pretrained/causal_lm.h"

namespace fs = std::filesystem;
using lmforge::pretrained::CausalLM;

namespace {

fs::path fixture(const std::string& name) { return fs::path(LMFORGE_SOURCE_DIR) / "tests/fixtures/hf" / name; }

double max_logit_difference(const fs::path& dir, const std::string& name) {
  auto model = CausalLM::load(dir);
  auto file = lmforge::nn::read_safetensors(fixture(name) / "expected.safetensors");
  const auto& want = file.tensors.at("logits");
  const auto logits = model->forward(file.tensors.at("input_ids"));
  EXPECT_EQ(logits.sizes(), want.sizes());
  return (logits - want).abs().max().item<double>();
}

class RopeScaling : public ::testing::TestWithParam<std::string> {};

TEST_P(RopeScaling, LogitsAndGreedyIdsMatchTransformers) {
  const double diff = max_logit_difference(fixture(GetParam()), GetParam());
  std::printf("%s: max |logit - transformers| = %.3g\n", GetParam().c_str(), diff);
  EXPECT_LT(diff, 1e-4);
  auto model = CausalLM::load(fixture(GetParam()));
  auto file = lmforge::nn::read_safetensors(fixture(GetParam()) / "expected.safetensors");
  const auto ids = file.tensors.at("input_ids");
  const auto greedy = file.tensors.at("greedy").contiguous();
  auto cache = model->make_cache(1, ids.size(1) + greedy.size(0));
  auto next = model->forward(ids, cache, /*last_only=*/true)[0][0].argmax().item<std::int64_t>();
  for (std::int64_t i = 0; i < greedy.size(0); ++i) {
    EXPECT_EQ(next, greedy[i].item<std::int64_t>()) << "step " << i;
    next = model->forward(torch::tensor({{next}}, torch::kLong), cache)[0][0].argmax().item<std::int64_t>();
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, RopeScaling, ::testing::Values("llama-yarn", "llama-dynamic"),
                         [](const auto& info) { return info.param == "llama-yarn" ? "yarn" : "dynamic"; });

// The yarn fixture tells yarn from no scaling (a test that could not fail would prove nothing).
TEST(RopeScaling, YarnFixtureDiffersWithoutScaling) {
  const auto tmp = fs::temp_directory_path() / ("lmforge_rope_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  for (const auto& f : fs::directory_iterator(fixture("llama-yarn"))) fs::copy_file(f.path(), tmp / f.path().filename());
  nlohmann::json config;
  std::ifstream(tmp / "config.json") >> config;
  config.erase("rope_scaling");
  std::ofstream(tmp / "config.json") << config.dump();
  EXPECT_GT(max_logit_difference(tmp, "llama-yarn"), 1e-2);
  fs::remove_all(tmp);
}

TEST(RopeScaling, YarnDefaultsAndUnknownType) {
  auto model = CausalLM::load(fixture("llama-yarn"));
  const auto& s = model->config().rope_scaling;
  EXPECT_EQ(s.type, "yarn");
  EXPECT_NEAR(s.attention_factor, 0.1 * std::log(4.0) + 1.0, 1e-12);
  EXPECT_EQ(s.beta_fast, 32.0);
  EXPECT_EQ(s.beta_slow, 1.0);
  nlohmann::json config;
  std::ifstream(fixture("llama-yarn") / "config.json") >> config;
  config["rope_scaling"] = {{"rope_type", "longrope"}, {"factor", 2.0}};
  EXPECT_THROW(lmforge::pretrained::DecoderConfig::from_json(config, "config.json"), lmforge::RuntimeError);
}

}  // namespace
