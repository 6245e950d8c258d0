// GPT generation: the cache changes nothing but speed, seeds reproduce, samples are
// independent streams, and the ends (eos, stop, length, cancel, a too long prompt) are right.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/generate/gpt_generate.h"
#include "test_tokenizer.h"

namespace lmforge::gen {
namespace {

nn::GPT make_model(int vocab, const std::string& positions = "learned") {
  torch::manual_seed(3);
  nn::GPTConfig c;
  c.vocab_size = vocab, c.block_size = 32, c.n_layer = 2, c.n_head = 2, c.n_embd = 16, c.positions = positions;
  nn::GPT model(c);
  {  // sharper distributions than the 0.02 init, so greedy and sampling differ visibly
    torch::NoGradGuard no_grad;
    model->wte->weight.mul_(40);
  }
  return model;
}

class GptGenerateTest : public ::testing::Test {
 protected:
  std::unique_ptr<tok::Tokenizer> tok = testing::byte_tokenizer();
  nn::GPT model = make_model(tok->vocab_size());
  std::vector<int> prompt{testing::byte_id('h'), testing::byte_id('i'), testing::byte_id(' ')};
};

TEST_F(GptGenerateTest, GreedyWithAndWithoutCacheAgreeAndFollowTheArgmax) {
  GenerationOptions o;
  o.sampling.temperature = 0;
  o.max_new_tokens = 12;
  auto cached = generate(*model, tok.get(), prompt, o);
  o.use_kv_cache = false;
  auto full = generate(*model, tok.get(), prompt, o);
  EXPECT_EQ(cached.samples[0].tokens, full.samples[0].tokens);
  EXPECT_EQ(cached.samples[0].tokens.size(), 12u);
  EXPECT_EQ(cached.samples[0].finish_reason, "length");
  // Each token is the argmax of the full forward on what came before.
  torch::NoGradGuard no_grad;
  std::vector<std::int64_t> seq(prompt.begin(), prompt.end());
  for (int id : cached.samples[0].tokens) {
    auto logits = model->forward(torch::tensor(seq, torch::kLong).view({1, -1}));
    EXPECT_EQ(logits[0][-1].argmax().item<int>(), id);
    seq.push_back(id);
  }
  EXPECT_EQ(cached.samples[0].text, tok->decode(cached.samples[0].tokens));
}

TEST_F(GptGenerateTest, SameSeedSameOutputAndSamplesAreSeedPlusIndex) {
  GenerationOptions o;
  o.max_new_tokens = 10;
  o.seed = 100;
  o.n = 3;
  auto a = generate(*model, tok.get(), prompt, o);
  auto b = generate(*model, tok.get(), prompt, o);
  ASSERT_EQ(a.samples.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(a.samples[i].tokens, b.samples[i].tokens);
  EXPECT_NE(a.samples[0].tokens, a.samples[1].tokens);
  o.n = 1;
  o.seed = 102;
  auto single = generate(*model, tok.get(), prompt, o);
  EXPECT_EQ(single.samples[0].tokens, a.samples[2].tokens);
}

TEST_F(GptGenerateTest, LogprobIsTheModelsOwnLikelihoodWhateverTheSampling) {
  GenerationOptions o;
  o.max_new_tokens = 8;
  o.seed = 7;
  o.n = 2;
  o.sampling.temperature = 1.7;  // sampling settings must not change what the score measures
  o.sampling.top_k = 5;
  auto out = generate(*model, tok.get(), prompt, o);
  torch::NoGradGuard no_grad;
  for (const auto& sample : out.samples) {
    std::vector<std::int64_t> seq(prompt.begin(), prompt.end());
    double expected = 0;
    for (int id : sample.tokens) {
      auto logits = model->forward(torch::tensor(seq, torch::kLong).view({1, -1}));
      expected += torch::log_softmax(logits[0][-1].to(torch::kDouble), -1)[id].item<double>();
      seq.push_back(id);
    }
    EXPECT_NEAR(sample.logprob, expected, 1e-3 * (1 + std::abs(expected)));
    EXPECT_LT(sample.logprob, 0);
  }
}

TEST_F(GptGenerateTest, EosEndsASampleWithoutBeingIncluded) {
  GenerationOptions o;
  o.sampling.temperature = 0;
  o.max_new_tokens = 8;
  auto free_run = generate(*model, tok.get(), prompt, o);
  o.eos_id = free_run.samples[0].tokens.at(2);
  auto out = generate(*model, tok.get(), prompt, o);
  EXPECT_EQ(out.samples[0].finish_reason, "stop");
  std::vector<int> expected(free_run.samples[0].tokens.begin(), free_run.samples[0].tokens.begin() + 2);
  // eos may also occur earlier in the free run; the sample ends at the first one.
  for (std::size_t i = 0; i < 2; ++i)
    if (free_run.samples[0].tokens[i] == o.eos_id) {
      expected.resize(i);
      break;
    }
  EXPECT_EQ(out.samples[0].tokens, expected);
}

TEST_F(GptGenerateTest, StopStringCutsTheText) {
  GenerationOptions o;
  o.sampling.temperature = 0;
  o.max_new_tokens = 12;
  auto free_run = generate(*model, tok.get(), prompt, o);
  const std::string text = free_run.samples[0].text;
  ASSERT_GE(text.size(), 4u);
  o.stop = {text.substr(2, 2)};
  auto out = generate(*model, tok.get(), prompt, o);
  EXPECT_EQ(out.samples[0].finish_reason, "stop");
  EXPECT_EQ(out.samples[0].text, text.substr(0, text.find(o.stop[0])));
}

TEST_F(GptGenerateTest, CallbackStreamsTheTextAndCanCancel) {
  GenerationOptions o;
  o.max_new_tokens = 10;
  o.seed = 5;
  std::string streamed;
  auto out = generate(*model, tok.get(), prompt, o, [&](int, std::string_view t) {
    streamed += t;
    return true;
  });
  EXPECT_EQ(streamed, out.samples[0].text);
  int calls = 0;
  auto cancelled = generate(*model, tok.get(), prompt, o, [&](int, std::string_view) { return ++calls < 2; });
  EXPECT_EQ(cancelled.samples[0].finish_reason, "cancelled");
  EXPECT_LT(cancelled.samples[0].tokens.size(), 10u);
}

TEST_F(GptGenerateTest, ContextLimits) {
  GenerationOptions o;
  o.max_new_tokens = 100;
  auto out = generate(*model, tok.get(), prompt, o);
  EXPECT_EQ(out.samples[0].finish_reason, "length");
  EXPECT_EQ(out.samples[0].tokens.size() + prompt.size(), 33u);  // 32 positions fed + the last draw
  std::vector<int> long_prompt(33, testing::byte_id('a'));
  EXPECT_THROW(generate(*model, tok.get(), long_prompt, o), UsageError);
  EXPECT_THROW(generate(*model, tok.get(), std::vector<int>{}, o), UsageError);
  o.sampling.top_p = 1.5;
  EXPECT_THROW(generate(*model, tok.get(), prompt, o), UsageError);
}

TEST(GptGenerateRotary, CacheAndFullForwardAgree) {
  auto tok = testing::byte_tokenizer();
  auto model = make_model(tok->vocab_size(), "rotary");
  GenerationOptions o;
  o.sampling.temperature = 0;
  o.max_new_tokens = 20;
  std::vector<int> prompt{testing::byte_id('x')};
  auto a = generate(*model, tok.get(), prompt, o);
  o.use_kv_cache = false;
  auto b = generate(*model, tok.get(), prompt, o);
  EXPECT_EQ(a.samples[0].tokens, b.samples[0].tokens);
}

}  // namespace
}  // namespace lmforge::gen
