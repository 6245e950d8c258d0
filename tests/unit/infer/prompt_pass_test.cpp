// A prompt in one forward call (blocked attention over query blocks, every per-row step split
// over the pool) gives the logits of the same tokens fed one at a time (per-row attention, one
// row on the caller), on the Hugging Face fixtures with grouped-query heads (llama, qwen2) and a
// sliding window shorter than the prompt (mistral, window 8), F32 and F16 caches, 1 and 3 threads.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "infer/attention.h"
#include "model_fixtures.h"

namespace lmforge::infer {
namespace {

// Two float computations of the same logits in different summation orders (both within the
// parity tests' 1e-4 of transformers).
constexpr double kTolerance = 2e-4;

void check(const std::string& name, KVType kv, int threads) {
  LoadOptions o;
  o.threads = threads;
  o.kv_type = kv;
  auto model = load_causal_model(testing::hf_fixture(name), o);
  const auto V = model->info().vocab_size;
  // Long enough for two query blocks when the context allows, and past the blocked threshold.
  const auto T = std::min<std::int64_t>(model->info().context, kQueryBlock + 9);
  ASSERT_GE(T, kBlockedRows);
  std::mt19937 rng(7);
  std::vector<int> ids(static_cast<std::size_t>(T));
  for (int& t : ids) t = static_cast<int>(rng() % static_cast<unsigned>(V));

  std::vector<float> whole, step, stepped;
  const auto a = model->add_sequence();
  BatchItem all{a, ids, true};
  model->forward({&all, 1}, whole);
  const auto b = model->add_sequence();
  for (std::int64_t t = 0; t < T; ++t) {
    BatchItem one{b, std::span<const int>(ids.data() + t, 1), false};
    model->forward({&one, 1}, step);
    stepped.insert(stepped.end(), step.begin(), step.end());
  }
  ASSERT_EQ(whole.size(), stepped.size());
  EXPECT_LT(testing::relative_error(whole.data(), stepped.data(), whole.size()), kTolerance)
      << name << (kv == KVType::F16 ? " f16" : " f32") << " threads=" << threads;
  EXPECT_GT(testing::max_abs(whole), 0.1);
}

TEST(PromptPass, OneCallEqualsTokenByToken) {
  for (const char* name : {"llama", "qwen2", "mistral"})
    for (KVType kv : {KVType::F32, KVType::F16})
      for (int threads : {1, 3}) check(name, kv, threads);
}

}  // namespace
}  // namespace lmforge::infer
