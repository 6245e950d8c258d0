// Perplexity by llama-perplexity's method on the toy model: a uniform model's perplexity is
// the vocabulary size; windows, scored positions and the bos replacement are llama.cpp's; the
// figure equals a direct computation of the same log-likelihoods.
#include <gtest/gtest.h>

#include <cmath>

#include "fake_causal_model.h"
#include "lmforge/common/error.h"
#include "lmforge/infer/decode_loop.h"
#include "lmforge/infer/perplexity.h"

namespace lmforge::infer {
namespace {

using testing::FakeCausalModel;

std::vector<int> text_of(int n) {
  std::vector<int> ids;
  for (int i = 0; i < n; ++i) ids.push_back(3 + (i * 7 + i / 5) % 40);
  return ids;
}

TEST(Perplexity, UniformModelGivesTheVocabularySize) {
  FakeCausalModel model(50, 64, nullptr);
  model.set_uniform(true);
  const auto r = perplexity(model, text_of(70), {.context = 16});
  EXPECT_NEAR(r.ppl, 50.0, 50.0 * 1e-9);
  EXPECT_NEAR(r.ppl_error, 0.0, 1e-4);  // every token equally likely: no spread (only rounding)
  EXPECT_EQ(r.windows, 4);                 // 70 / 16
  EXPECT_EQ(r.scored_tokens, 4 * (16 - 8 - 1));
  EXPECT_EQ(model.live_sequences(), 0);
}

TEST(Perplexity, ScoresTheSecondHalfOfEachWindowWithBosFirst) {
  FakeCausalModel model(50, 64, [](const std::vector<int>& h) { return (h.back() * 3) % 50; });
  const auto tokens = text_of(40);
  const std::int64_t ctx = 10;
  PerplexityOptions o;
  o.context = ctx;
  o.bos_id = 1;
  const auto r = perplexity(model, tokens, o);
  // Direct: window w = tokens[w*ctx, (w+1)*ctx) with bos first; positions j in [ctx/2, ctx-1)
  // predict token j + 1 from the window's first j + 1 tokens.
  double nll = 0, nll2 = 0;
  std::int64_t count = 0;
  for (std::int64_t w = 0; w < 4; ++w) {
    std::vector<int> window(tokens.begin() + w * ctx, tokens.begin() + (w + 1) * ctx);
    window[0] = 1;
    for (std::int64_t j = ctx / 2; j < ctx - 1; ++j) {
      const std::vector<int> history(window.begin(), window.begin() + j + 1);
      const double v = -log_softmax_at(model.logits_after(history), window[j + 1]);
      nll += v, nll2 += v * v, ++count;
    }
  }
  const double mean = nll / count;
  EXPECT_NEAR(r.ppl, std::exp(mean), std::exp(mean) * 1e-12);
  const double sd = std::sqrt((nll2 / count - mean * mean) / (count - 1));
  EXPECT_NEAR(r.ppl_error, sd * std::exp(mean), 1e-9 * std::exp(mean));
  EXPECT_EQ(r.scored_tokens, count);
  // Each window's first pass is its first half, starting with bos.
  EXPECT_EQ(model.fed[0].front(), 1);
  EXPECT_EQ(model.fed[0].size(), static_cast<std::size_t>(ctx / 2));
}

TEST(Perplexity, StridedWindowsScoreTheirLastStrideTokens) {
  FakeCausalModel model(50, 64, nullptr);
  model.set_uniform(true);
  const auto r = perplexity(model, text_of(40), {.context = 16, .stride = 4});
  EXPECT_EQ(r.windows, (40 - 16 + 4 - 1) / 4);
  EXPECT_EQ(r.scored_tokens, r.windows * 4);
  EXPECT_NEAR(r.ppl, 50.0, 1e-7);
}

TEST(Perplexity, BadOptionsAreUsageErrors) {
  FakeCausalModel model(50, 32, nullptr);
  EXPECT_THROW(perplexity(model, text_of(20), {.context = 16}), UsageError);   // < 2 x ctx tokens
  EXPECT_THROW(perplexity(model, text_of(200), {.context = 64}), UsageError);  // > model context
  EXPECT_THROW(perplexity(model, text_of(200), {.context = 16, .stride = 16}), UsageError);
  EXPECT_THROW(perplexity(model, std::vector<int>(64, 99), {.context = 16}), UsageError);  // id outside
}

}  // namespace
}  // namespace lmforge::infer
