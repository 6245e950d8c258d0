// lmforge's own GPT (tests/fixtures/nn/gpt_*.safetensors, tools/make_nn_fixtures.py: PyTorch's
// logits of a random GPT) as a run directory, and a LoRA adapter merged at load.
#include <fstream>

#include <unistd.h>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lmforge/common/safetensors.h"
#include "lmforge/export/float_weights.h"
#include "lmforge/infer/causal_model.h"
#include "model_fixtures.h"

namespace lmforge::infer {
namespace {

namespace fs = std::filesystem;

constexpr double kTolerance = 1e-4;

fs::path temp_dir() {
  auto dir = fs::temp_directory_path() / fmt::format("lmforge_run_model_{}_{}", ::getpid(),
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

struct Tensor {
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> bytes;
};

// A run directory (<dir>/model/config.json + model.safetensors) from the fixture's param.* tensors.
void write_run_dir(const fs::path& fixture, const fs::path& dir, std::vector<int>& tokens, std::vector<float>& logits,
                   std::int64_t& batch, std::int64_t& time) {
  safetensors::Reader file(fixture);
  std::map<std::string, Tensor> params;
  for (const auto& [name, t] : file.tensors()) {
    Tensor copy{t.dtype, t.shape, std::vector<std::uint8_t>(t.bytes())};
    file.read(t, copy.bytes.data());
    params.emplace(name, std::move(copy));
  }
  std::vector<safetensors::TensorView> views;
  for (const auto& [name, t] : params)
    if (name.rfind("param.", 0) == 0) views.push_back({name.substr(6), t.dtype, t.shape, t.bytes.data()});
  fs::create_directories(dir / "model");
  safetensors::write(dir / "model" / "model.safetensors", views);
  auto config = nlohmann::json::parse(file.metadata().at("config"));
  config["model_type"] = "gpt";
  std::ofstream(dir / "model" / "config.json") << config.dump();
  const auto& tok = params.at("input.tokens");
  batch = tok.shape[0];
  time = tok.shape[1];
  const auto* ids = reinterpret_cast<const std::int64_t*>(tok.bytes.data());
  tokens.assign(ids, ids + batch * time);
  const auto& l = params.at("expect.logits");
  const auto* f = reinterpret_cast<const float*>(l.bytes.data());
  logits.assign(f, f + l.bytes.size() / 4);
}

class GptParity : public ::testing::TestWithParam<std::string> {};

TEST_P(GptParity, LogitsMatchPyTorch) {
  const auto dir = temp_dir();
  std::vector<int> tokens;
  std::vector<float> want;
  std::int64_t B = 0, T = 0;
  write_run_dir(fs::path(LMFORGE_SOURCE_DIR) / "tests/fixtures/nn" / (GetParam() + ".safetensors"), dir, tokens, want, B, T);
  ASSERT_TRUE(is_causal_model(dir));
  LoadOptions o;
  o.threads = 2;
  auto model = load_causal_model(dir, o);
  EXPECT_EQ(model->info().family, "gpt");
  EXPECT_EQ(model->info().source, "run");
  // Every row of the fixture's batch as its own sequence, all in one forward.
  std::vector<BatchItem> batch;
  for (std::int64_t b = 0; b < B; ++b)
    batch.push_back({model->add_sequence(), std::span<const int>(tokens.data() + b * T, T), true});
  std::vector<float> logits;
  model->forward(batch, logits);
  ASSERT_EQ(logits.size(), want.size());
  const double error = testing::relative_error(logits.data(), want.data(), want.size());
  std::printf("%s: max |logit - pytorch| / max |logit| = %.3g\n", GetParam().c_str(), error);
  EXPECT_LT(error, kTolerance);
  // One token at a time through the cache: the same last row.
  const auto s = model->add_sequence();
  std::vector<float> step;
  for (std::int64_t t = 0; t < T; ++t) {
    BatchItem item{s, std::span<const int>(tokens.data() + t, 1)};
    model->forward({&item, 1}, step);
  }
  const auto V = model->info().vocab_size;
  EXPECT_LT(testing::relative_error(step.data(), want.data() + (T - 1) * V, static_cast<std::size_t>(V)), kTolerance);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GptParity, ::testing::Values("gpt_learned", "gpt_rotary"));

TEST(LoraMerge, AnAdapterLoadsAsItsMergedBase) {
  const auto dir = temp_dir();
  const auto base = testing::hf_fixture("qwen2");
  const std::int64_t r = 2, C = 64, Dkv = 32, I = 128;
  const double alpha = 8, scaling = alpha / r;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  auto random = [&](std::int64_t n) {
    std::vector<float> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = normal(rng);
    return v;
  };
  struct Update {
    std::string module;
    std::int64_t out, in;
    std::vector<float> A, B;
  };
  std::vector<Update> updates{{"model.layers.0.self_attn.k_proj", Dkv, C, random(r * C), random(Dkv * r)},
                              {"model.layers.1.mlp.down_proj", C, I, random(r * I), random(C * r)}};
  // The adapter, in PEFT's layout.
  fs::create_directories(dir / "adapter");
  std::vector<safetensors::TensorView> views;
  for (const auto& u : updates) {
    views.push_back({"base_model.model." + u.module + ".lora_A.weight", "F32", {r, u.in}, u.A.data()});
    views.push_back({"base_model.model." + u.module + ".lora_B.weight", "F32", {u.out, r}, u.B.data()});
  }
  safetensors::write(dir / "adapter" / "adapter_model.safetensors", views);
  std::ofstream(dir / "adapter" / "adapter_config.json")
      << nlohmann::json{{"peft_type", "LORA"}, {"r", r}, {"lora_alpha", alpha}, {"base_model_name_or_path", base.string()},
                        {"target_modules", {"k_proj", "down_proj"}}}
             .dump();
  // The merged base, written out: W + scaling B A in float32.
  exporting::FloatWeights weights(base);
  std::map<std::string, std::vector<float>> merged;
  for (const auto& name : weights.names()) merged[name] = weights.read(name);
  for (const auto& u : updates) {
    auto& w = merged.at(u.module + ".weight");
    for (std::int64_t o = 0; o < u.out; ++o)
      for (std::int64_t i = 0; i < u.in; ++i) {
        double d = 0;
        for (std::int64_t k = 0; k < r; ++k) d += static_cast<double>(u.B[o * r + k]) * u.A[k * u.in + i];
        w[o * u.in + i] += static_cast<float>(scaling * d);
      }
  }
  fs::create_directories(dir / "merged");
  views.clear();
  for (const auto& [name, v] : merged) views.push_back({name, "F32", weights.shape(name), v.data()});
  safetensors::write(dir / "merged" / "model.safetensors", views);
  fs::copy_file(base / "config.json", dir / "merged" / "config.json");

  LoadOptions o;
  o.threads = 1;
  ASSERT_TRUE(is_causal_model(dir / "adapter"));
  auto adapted = load_causal_model(dir / "adapter", o);
  auto reference = load_causal_model(dir / "merged", o);
  auto plain = load_causal_model(base, o);
  const auto e = testing::read_expected(base);
  const auto a = testing::all_logits(*adapted, e.input_ids), m = testing::all_logits(*reference, e.input_ids),
             p = testing::all_logits(*plain, e.input_ids);
  EXPECT_LT(testing::relative_error(a.data(), m.data(), m.size()), kTolerance);
  EXPECT_GT(testing::relative_error(p.data(), m.data(), m.size()), 100 * kTolerance);  // the update matters
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lmforge::infer
