// Parity with transformers on tiny random checkpoints (tools/make_hf_fixtures.py wrote
// tests/fixtures/hf/: the weights, a prompt, transformers' logits and greedy continuation).
#include <cstdio>
#include <filesystem>
#include <fstream>

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

struct Expected {
  torch::Tensor input_ids, logits, greedy;
};

Expected expected(const std::string& name) {
  auto file = lmforge::nn::read_safetensors(fixture(name) / "expected.safetensors");
  return {file.tensors.at("input_ids"), file.tensors.at("logits"), file.tensors.at("greedy")};
}

class Parity : public ::testing::TestWithParam<std::string> {};

TEST_P(Parity, LogitsMatchTransformers) {
  auto model = CausalLM::load(fixture(GetParam()));
  const auto e = expected(GetParam());
  const auto logits = model->forward(e.input_ids);
  ASSERT_EQ(logits.sizes(), e.logits.sizes());
  const double diff = (logits - e.logits).abs().max().item<double>();
  EXPECT_LT(diff, 1e-4) << GetParam();
  std::printf("%s: max |logit - transformers| = %.3g\n", GetParam().c_str(), diff);  // the README figure
  EXPECT_GT(e.logits.abs().max().item<double>(), 0.1);  // the fixture is not trivially zero
}

TEST_P(Parity, CachedDecodingGivesTheGreedyContinuation) {
  auto model = CausalLM::load(fixture(GetParam()));
  const auto e = expected(GetParam());
  const auto T = e.input_ids.size(1), N = e.greedy.size(0);
  auto cache = model->make_cache(1, T + N);
  // The prompt in two pieces: the cache must continue positions (and the causal mask) correctly.
  const auto split = T / 2;
  auto first = model->forward(e.input_ids.slice(1, 0, split), cache);
  auto second = model->forward(e.input_ids.slice(1, split, T), cache, /*last_only=*/true);
  EXPECT_LT((first - e.logits.slice(1, 0, split)).abs().max().item<double>(), 1e-4);
  EXPECT_LT((second[0][0] - e.logits[0][T - 1]).abs().max().item<double>(), 1e-4);
  std::vector<std::int64_t> ids;
  auto next = second[0][0].argmax().item<std::int64_t>();
  for (std::int64_t i = 0; i < N; ++i) {
    ids.push_back(next);
    if (i + 1 < N) next = model->forward(torch::tensor({{next}}, torch::kLong), cache)[0][0].argmax().item<std::int64_t>();
  }
  const auto want = e.greedy.contiguous();
  EXPECT_EQ(ids, std::vector<std::int64_t>(want.data_ptr<std::int64_t>(), want.data_ptr<std::int64_t>() + N));
  EXPECT_EQ(cache.length, T + N - 1);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Parity, ::testing::Values("gpt2", "llama", "llama-linear", "qwen2", "mistral"),
                         [](const auto& info) {
                           std::string s = info.param;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

TEST(CausalLM, ReadsTheArchitecture) {
  auto llama = CausalLM::load(fixture("llama"));
  EXPECT_EQ(llama->config().n_kv_head, 2);
  EXPECT_EQ(llama->config().rope_scaling.type, "llama3");
  EXPECT_FALSE(llama->config().tie_word_embeddings);
  auto qwen = CausalLM::load(fixture("qwen2"));
  EXPECT_TRUE(qwen->config().qkv_bias);
  EXPECT_TRUE(qwen->config().tie_word_embeddings);
  // 400x64 embedding (tied) + 2 layers + final norm.
  const std::int64_t layer = 2 * 64 + (64 * 64 + 64) + 2 * (32 * 64 + 32) + 64 * 64 + 3 * 64 * 128;
  EXPECT_EQ(qwen->parameter_count(), 400 * 64 + 2 * layer + 64);
}

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lmforge_hf_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path copy(const std::string& name) {
    fs::copy(fixture(name), dir_);
    return dir_;
  }
  void edit_config(const std::function<void(nlohmann::json&)>& change) {
    nlohmann::json j;
    std::ifstream(dir_ / "config.json") >> j;
    change(j);
    std::ofstream(dir_ / "config.json") << j.dump(2);
  }
  std::string load_error() {
    try {
      CausalLM::load(dir_);
    } catch (const lmforge::RuntimeError& e) {
      return e.what();
    }
    return "no error";
  }
  fs::path dir_;
};

TEST_F(BadInput, UnsupportedArchitectureNamesItAndTheSupportedOnes) {
  copy("gpt2");
  edit_config([](nlohmann::json& j) { j["model_type"] = "falcon", j["architectures"] = {"FalconForCausalLM"}; });
  const auto message = load_error();
  EXPECT_NE(message.find("'falcon'"), std::string::npos) << message;
  EXPECT_NE(message.find("FalconForCausalLM"), std::string::npos) << message;
  EXPECT_NE(message.find("gpt2, llama, mistral, qwen2"), std::string::npos) << message;
}

TEST_F(BadInput, MissingShard) {
  copy("llama");
  fs::remove(dir_ / "model-00002-of-00002.safetensors");
  const auto message = load_error();
  EXPECT_NE(message.find("model-00002-of-00002.safetensors is missing"), std::string::npos) << message;
}

TEST_F(BadInput, MismatchedShapeNamesTheTensor) {
  copy("gpt2");
  edit_config([](nlohmann::json& j) { j["vocab_size"] = 321; });
  const auto message = load_error();
  EXPECT_NE(message.find("wte.weight"), std::string::npos) << message;
  EXPECT_NE(message.find("[320, 64]"), std::string::npos) << message;
}

TEST_F(BadInput, UnsupportedRopeScaling) {
  copy("llama-linear");
  edit_config([](nlohmann::json& j) { j["rope_scaling"] = {{"type", "longrope"}, {"factor", 4.0}}; });
  EXPECT_NE(load_error().find("rope_scaling type 'longrope'"), std::string::npos);
}

TEST_F(BadInput, UntiedWithoutAnOutputHead) {
  copy("qwen2");
  edit_config([](nlohmann::json& j) { j["tie_word_embeddings"] = false; });
  EXPECT_NE(load_error().find("no lm_head.weight"), std::string::npos);
}

}  // namespace
