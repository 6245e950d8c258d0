// The engine against transformers on the Hugging Face fixtures (F32 logits within 1e-4 of
// their scale, the greedy continuation through the cache), batching, and the sequence ops.
#include <cstdio>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/infer/causal_model.h"
#include "model_fixtures.h"

namespace lmforge::infer {
namespace {

using testing::hf_fixture;

// float32 throughout: only the order of additions differs from torch, errors ~1e-6 of the scale.
constexpr double kTolerance = 1e-4;

std::unique_ptr<CausalModel> load(const std::string& name, KVType kv = KVType::F32) {
  LoadOptions o;
  o.threads = 2;
  o.kv_type = kv;
  return load_causal_model(hf_fixture(name), o);
}

class HfParity : public ::testing::TestWithParam<std::string> {};

TEST_P(HfParity, LogitsMatchTransformers) {
  auto model = load(GetParam());
  const auto e = testing::read_expected(hf_fixture(GetParam()));
  const auto logits = testing::all_logits(*model, e.input_ids);
  ASSERT_EQ(logits.size(), e.logits.size());
  const double error = testing::relative_error(logits.data(), e.logits.data(), logits.size());
  std::printf("%s: max |logit - transformers| / max |logit| = %.3g\n", GetParam().c_str(), error);
  EXPECT_LT(error, kTolerance) << GetParam();
  EXPECT_GT(testing::max_abs(e.logits), 0.1);  // the fixture is not trivially zero
}

TEST_P(HfParity, GreedyDecodingThroughTheCacheMatchesTransformers) {
  auto model = load(GetParam());
  const auto e = testing::read_expected(hf_fixture(GetParam()));
  EXPECT_EQ(testing::greedy(*model, e.input_ids, e.greedy.size()), e.greedy) << GetParam();
}

TEST_P(HfParity, APromptInTwoPiecesContinuesThePositions) {
  auto model = load(GetParam());
  const auto e = testing::read_expected(hf_fixture(GetParam()));
  const auto V = model->info().vocab_size;
  const auto T = e.input_ids.size(), split = T / 2;
  const auto s = model->add_sequence();
  std::vector<float> first, second;
  BatchItem a{s, std::span<const int>(e.input_ids.data(), split), true};
  model->forward({&a, 1}, first);
  BatchItem b{s, std::span<const int>(e.input_ids.data() + split, T - split), false};
  model->forward({&b, 1}, second);
  EXPECT_EQ(model->sequence_length(s), static_cast<std::int64_t>(T));
  EXPECT_LT(testing::relative_error(first.data(), e.logits.data(), first.size()), kTolerance);
  ASSERT_EQ(second.size(), static_cast<std::size_t>(V));
  EXPECT_LT(testing::relative_error(second.data(), e.logits.data() + (T - 1) * V, V), kTolerance);
}

TEST_P(HfParity, TwoSequencesBatchedEqualEachAlone) {
  auto model = load(GetParam());
  const auto e = testing::read_expected(hf_fixture(GetParam()));
  const auto V = model->info().vocab_size;
  const std::vector<int> longer = e.input_ids, shorter(e.input_ids.begin() + 2, e.input_ids.begin() + 7);
  // Alone: each prompt, then two greedy steps.
  auto alone = [&](const std::vector<int>& prompt) {
    const auto s = model->add_sequence();
    std::vector<float> logits, rows;
    BatchItem item{s, prompt};
    int next = 0;
    for (int step = 0; step < 3; ++step) {
      model->forward({&item, 1}, logits);
      rows.insert(rows.end(), logits.begin(), logits.end());
      next = testing::argmax(logits.data(), V);
      item.tokens = std::span<const int>(&next, 1);
    }
    model->remove_sequence(s);
    return rows;
  };
  const auto want_long = alone(longer), want_short = alone(shorter);
  // Together: the prompts in one batch (different lengths), then both decode steps in one batch.
  const auto s1 = model->add_sequence(), s2 = model->add_sequence();
  std::vector<BatchItem> batch{{s1, longer}, {s2, shorter}};
  std::vector<float> logits, got_long, got_short;
  int next[2];
  for (int step = 0; step < 3; ++step) {
    model->forward(batch, logits);
    ASSERT_EQ(logits.size(), static_cast<std::size_t>(2 * V));
    got_long.insert(got_long.end(), logits.begin(), logits.begin() + V);
    got_short.insert(got_short.end(), logits.begin() + V, logits.end());
    for (int i = 0; i < 2; ++i) {
      next[i] = testing::argmax(logits.data() + i * V, V);
      batch[static_cast<std::size_t>(i)].tokens = std::span<const int>(&next[i], 1);
    }
  }
  EXPECT_LT(testing::relative_error(got_long.data(), want_long.data(), want_long.size()), kTolerance);
  EXPECT_LT(testing::relative_error(got_short.data(), want_short.data(), want_short.size()), kTolerance);
  EXPECT_EQ(model->sequence_length(s2), static_cast<std::int64_t>(shorter.size() + 2));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, HfParity,
                         ::testing::Values("gpt2", "llama", "llama-linear", "llama-yarn", "llama-dynamic", "qwen2",
                                           "mistral"),
                         [](const auto& info) {
                           std::string s = info.param;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

TEST(CausalModel, ReportsTheArchitecture) {
  auto llama = load("llama");
  const auto& i = llama->info();
  EXPECT_EQ(i.family, "llama");
  EXPECT_EQ(i.source, "hf");
  EXPECT_EQ(i.n_head, 4);
  EXPECT_EQ(i.n_head_kv, 2);
  EXPECT_EQ(i.context, 128);
  EXPECT_EQ(i.bos_id, 1);
  EXPECT_EQ(i.eos_ids, std::vector<int>{2});
  EXPECT_TRUE(i.add_bos);
  EXPECT_EQ(i.weight_types, "BF16 x 21");
  // Per token: every layer matrix and the untied head (BF16: 2 bytes), norms as F32; not the embedding.
  const std::uint64_t C = 64, V = 512, I = 96, Dkv = 2 * 16, L = 2;
  const std::uint64_t matrices = L * (2 * C * C + 2 * Dkv * C + 3 * I * C) + V * C;
  EXPECT_EQ(i.weight_bytes, 2 * matrices + 4 * (2 * L + 1) * C);
  EXPECT_EQ(llama->kv_bytes_per_position(), 2 * L * Dkv * 4);
  EXPECT_FALSE(load("qwen2")->info().add_bos);
  EXPECT_EQ(load("qwen2")->info().weight_types, "F16 x 26");
}

TEST(CausalModel, TruncateAndCopyReplayTheSameLogits) {
  auto model = load("qwen2");
  const auto e = testing::read_expected(hf_fixture("qwen2"));
  const auto V = model->info().vocab_size;
  const auto s = model->add_sequence();
  std::vector<float> full, again, copied;
  BatchItem item{s, e.input_ids};
  model->forward({&item, 1}, full);
  // Rewind to 7 positions and feed the rest again: the same last logits.
  model->truncate_sequence(s, 7);
  EXPECT_EQ(model->sequence_length(s), 7);
  BatchItem rest{s, std::span<const int>(e.input_ids.data() + 7, e.input_ids.size() - 7)};
  model->forward({&rest, 1}, again);
  EXPECT_LT(testing::relative_error(again.data(), full.data(), V), kTolerance);
  // A copy of the first 7 positions continues like the original.
  const auto d = model->add_sequence();
  model->copy_sequence(s, d, 7);
  EXPECT_EQ(model->sequence_length(d), 7);
  BatchItem rest_d{d, rest.tokens};
  model->forward({&rest_d, 1}, copied);
  EXPECT_LT(testing::relative_error(copied.data(), full.data(), V), kTolerance);
  EXPECT_THROW(model->truncate_sequence(s, 100), UsageError);
  model->remove_sequence(d);
  EXPECT_THROW(model->sequence_length(d), UsageError);
}

TEST(CausalModel, BadBatchesAreUsageErrorsAndAppendNothing) {
  LoadOptions o;
  o.threads = 1;
  o.context = 16;
  auto model = load_causal_model(hf_fixture("mistral"), o);
  EXPECT_EQ(model->info().context, 16);
  const auto s = model->add_sequence();
  std::vector<float> logits;
  const std::vector<int> ten(10, 3), bad{1, 300};
  BatchItem item{s, ten};
  model->forward({&item, 1}, logits);
  EXPECT_THROW(model->forward({&item, 1}, logits), UsageError);  // 10 + 10 > 16
  BatchItem outside{s, bad};
  EXPECT_THROW(model->forward({&outside, 1}, logits), UsageError);  // id 300 of a 300-token vocabulary
  BatchItem unknown{s + 100, ten};
  EXPECT_THROW(model->forward({&unknown, 1}, logits), UsageError);
  const std::span<const int> one(bad.data(), 1);
  std::vector<BatchItem> twice{{s, one}, {s, one}};
  EXPECT_THROW(model->forward(twice, logits), UsageError);
  EXPECT_EQ(model->sequence_length(s), 10);
}

TEST(CausalModel, AnF16CacheStaysCloseToF32) {
  const auto e = testing::read_expected(hf_fixture("llama"));
  auto model = load("llama", KVType::F16);
  EXPECT_EQ(model->kv_bytes_per_position(), 2u * 2 * 32 * 2);
  const auto logits = testing::all_logits(*model, e.input_ids);
  // Keys and values rounded to 11 significant bits (relative 2^-11 each): the logits move by a
  // few times that, far less than the 1 of a wrong position or head.
  EXPECT_LT(testing::relative_error(logits.data(), e.logits.data(), logits.size()), 1e-2);
}

}  // namespace
}  // namespace lmforge::infer
