// The decode loop over a CausalModel, on a deterministic toy model whose favourite next token
// follows a rule on the history: greedy ids, n samples sharing one prefill, stop strings, stop
// tokens, eos, ignore_eos, the context limit, cancellation, log-probabilities and the first
// token's leading space.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "fake_causal_model.h"
#include "lmforge/common/error.h"
#include "lmforge/infer/decode_loop.h"
#include "test_tokenizer.h"

namespace lmforge::infer {
namespace {

using testing::byte_id;
using testing::FakeCausalModel;

constexpr std::int64_t kVocab = 265;  // test_tokenizer.h: 3 specials, 256 bytes, 6 pieces
constexpr int kEos = 2;

// Favourite: the bytes of `text` one after another after a prompt of `prompt_size` tokens,
// then eos.
FakeCausalModel::Rule spell(std::string text, std::size_t prompt_size) {
  return [text, prompt_size](const std::vector<int>& h) {
    const std::size_t at = h.size() - prompt_size;
    return at < text.size() ? byte_id(static_cast<unsigned char>(text[at])) : kEos;
  };
}

DecodeOptions greedy(std::int64_t max_new_tokens) {
  DecodeOptions o;
  o.sampling.temperature = 0;
  o.max_new_tokens = max_new_tokens;
  o.eos_ids = {kEos};
  return o;
}

TEST(DecodeLoop, GreedyFollowsTheModelAndEndsAtEos) {
  FakeCausalModel model(kVocab, 64, spell("hi!", 2));
  auto tok = testing::byte_tokenizer();
  const std::vector<int> prompt{byte_id('a'), byte_id('b')};
  std::string streamed;
  auto r = decode(model, tok.get(), prompt, greedy(20), [&](int sample, std::string_view text) {
    EXPECT_EQ(sample, 0);
    streamed += text;
    return true;
  });
  ASSERT_EQ(r.samples.size(), 1u);
  EXPECT_EQ(r.samples[0].tokens, (std::vector<int>{byte_id('h'), byte_id('i'), byte_id('!')}));
  EXPECT_EQ(r.samples[0].text, "hi!");
  EXPECT_EQ(streamed, "hi!");
  EXPECT_EQ(r.samples[0].finish_reason, "stop");
  EXPECT_EQ(r.generated_tokens, 4);  // eos counted, not kept
  EXPECT_EQ(r.prompt_tokens, 2);
  EXPECT_EQ(model.fed.front(), prompt);        // one prefill of the whole prompt
  EXPECT_EQ(model.forward_calls, 4);           // prefill + h, i, ! fed back
  EXPECT_EQ(model.live_sequences(), 0);        // its sequence is gone
}

TEST(DecodeLoop, IgnoreEosGeneratesMaxNewTokens) {
  FakeCausalModel model(kVocab, 64, spell("ab", 1));
  auto o = greedy(5);
  o.ignore_eos = true;
  auto r = decode(model, nullptr, std::vector<int>{7}, o);
  EXPECT_EQ(r.samples[0].tokens.size(), 5u);
  EXPECT_EQ(r.samples[0].tokens[2], kEos);  // eos sampled and kept like any token
  EXPECT_EQ(r.samples[0].finish_reason, "length");
  EXPECT_EQ(r.generated_tokens, 5);
}

TEST(DecodeLoop, StopTokenEndsEvenWithIgnoreEos) {
  FakeCausalModel model(kVocab, 64, spell("abc", 1));
  auto o = greedy(10);
  o.ignore_eos = true;
  o.stop_ids = {byte_id('c')};
  auto r = decode(model, nullptr, std::vector<int>{7}, o);
  EXPECT_EQ(r.samples[0].tokens, (std::vector<int>{byte_id('a'), byte_id('b')}));
  EXPECT_EQ(r.samples[0].finish_reason, "stop");
}

TEST(DecodeLoop, StopStringCutsTheTextAndEndsTheSample) {
  FakeCausalModel model(kVocab, 64, spell("one\n\ntwo", 1));
  auto tok = testing::byte_tokenizer();
  auto o = greedy(20);
  o.stop = {"\n\n"};
  std::string streamed;
  auto r = decode(model, tok.get(), std::vector<int>{byte_id('x')}, o, [&](int, std::string_view t) {
    streamed += t;
    return true;
  });
  EXPECT_EQ(r.samples[0].text, "one");
  EXPECT_EQ(streamed, "one");  // the held-back "\n" of a possible stop is never printed
  EXPECT_EQ(r.samples[0].finish_reason, "stop");
  EXPECT_EQ(r.samples[0].tokens.size(), 5u);
}

TEST(DecodeLoop, StopStringsWithoutTokenizerAreAUsageError) {
  FakeCausalModel model(kVocab, 64, spell("a", 1));
  auto o = greedy(3);
  o.stop = {"x"};
  EXPECT_THROW(decode(model, nullptr, std::vector<int>{7}, o), UsageError);
}

TEST(DecodeLoop, NSamplesShareOnePrefillAndStepAsOneBatch) {
  FakeCausalModel model(kVocab, 64, spell("abcdefgh", 3));
  const std::vector<int> prompt{5, 6, 7};
  auto o = greedy(4);
  o.n = 3;
  auto r = decode(model, nullptr, prompt, o);
  ASSERT_EQ(r.samples.size(), 3u);
  for (const auto& s : r.samples) {
    EXPECT_EQ(s.tokens, (std::vector<int>{byte_id('a'), byte_id('b'), byte_id('c'), byte_id('d')}));
    EXPECT_EQ(s.finish_reason, "length");
  }
  EXPECT_EQ(model.copies, 2);
  EXPECT_EQ(model.fed.front(), prompt);
  // prefill (1 item), then 3 steps of 3 items each (the 4th token needs no forward).
  EXPECT_EQ(model.batch_sizes, (std::vector<int>{1, 3, 3, 3}));
  EXPECT_EQ(model.live_sequences(), 0);
}

TEST(DecodeLoop, SampledSamplesUseSeedPlusIndexAndAreReproducible) {
  FakeCausalModel model(kVocab, 64, nullptr);
  DecodeOptions o;
  o.max_new_tokens = 6;
  o.n = 2;
  o.seed = 11;
  auto a = decode(model, nullptr, std::vector<int>{1}, o);
  auto b = decode(model, nullptr, std::vector<int>{1}, o);
  EXPECT_EQ(a.samples[0].tokens, b.samples[0].tokens);
  EXPECT_EQ(a.samples[1].tokens, b.samples[1].tokens);
  o.n = 1;
  o.seed = 12;  // sample 1 of seed 11 draws as sample 0 of seed 12
  auto c = decode(model, nullptr, std::vector<int>{1}, o);
  EXPECT_EQ(c.samples[0].tokens, a.samples[1].tokens);
}

TEST(DecodeLoop, LogprobIsTheModelsOwnLogSoftmaxIncludingEos) {
  const std::vector<int> prompt{byte_id('q')};
  FakeCausalModel model(kVocab, 64, spell("xy", 1));
  auto o = greedy(10);
  o.logprobs = true;
  o.sampling.repetition_penalty = 1.5;  // penalties shape the choice, not the reported logprob
  auto r = decode(model, nullptr, prompt, o);
  std::vector<int> history = prompt;
  double expected = 0;
  std::vector<int> emitted = r.samples[0].tokens;
  emitted.push_back(kEos);
  ASSERT_EQ(r.samples[0].token_logprobs.size(), emitted.size());
  for (std::size_t i = 0; i < emitted.size(); ++i) {
    const auto row = model.logits_after(history);
    double sum = 0;
    float top = row[0];
    for (float l : row) top = std::max(top, l);
    for (float l : row) sum += std::exp(static_cast<double>(l) - top);
    const double lp = row[emitted[i]] - top - std::log(sum);
    EXPECT_NEAR(r.samples[0].token_logprobs[i], lp, 1e-9);
    expected += lp;
    history.push_back(emitted[i]);
  }
  EXPECT_NEAR(r.samples[0].logprob, expected, 1e-9);
}

TEST(DecodeLoop, FullContextEndsWithLength) {
  FakeCausalModel model(kVocab, 5, spell("abcdefgh", 3));
  auto r = decode(model, nullptr, std::vector<int>{5, 6, 7}, greedy(50));
  // Positions 3 and 4 hold two generated tokens; the logits after position 4 give a third.
  EXPECT_EQ(r.samples[0].tokens.size(), 3u);
  EXPECT_EQ(r.samples[0].finish_reason, "length");
}

TEST(DecodeLoop, PromptLongerThanTheContextOrEmptyIsAUsageError) {
  FakeCausalModel model(kVocab, 4, spell("a", 5));
  EXPECT_THROW(decode(model, nullptr, std::vector<int>{1, 2, 3, 4, 5}, greedy(2)), UsageError);
  EXPECT_THROW(decode(model, nullptr, std::vector<int>{}, greedy(2)), UsageError);
  EXPECT_THROW(decode(model, nullptr, std::vector<int>{1, 999}, greedy(2)), UsageError);
  EXPECT_EQ(model.live_sequences(), 0);
}

TEST(DecodeLoop, CallbackReturningFalseCancels) {
  FakeCausalModel model(kVocab, 64, spell("abcdefgh", 1));
  auto tok = testing::byte_tokenizer();
  int calls = 0;
  auto r = decode(model, tok.get(), std::vector<int>{byte_id('x')}, greedy(8), [&](int, std::string_view) {
    return ++calls < 2;
  });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(r.samples[0].finish_reason, "cancelled");
  EXPECT_EQ(r.samples[0].tokens.size(), 2u);
  EXPECT_EQ(model.live_sequences(), 0);
}

TEST(DecodeLoop, FirstTokenKeepsItsLeadingSpaceAfterThePrompt) {
  // "▁hello" after the prompt "a": decoded alone it would lose its space (SentencePiece drops a
  // leading ▁), printing "ahello"; decoded after the prompt it is " hello".
  auto tok = testing::byte_tokenizer();
  const int hello = tok->piece_to_id("\xE2\x96\x81hello");
  const int a = tok->piece_to_id("a");
  ASSERT_EQ(tok->decode(std::vector<int>{hello}), "hello");  // the rule the bug came from
  FakeCausalModel model(kVocab, 64, [&](const std::vector<int>& h) { return h.size() == 1 ? hello : kEos; });
  std::string streamed;
  auto r = decode(model, tok.get(), std::vector<int>{a}, greedy(5), [&](int, std::string_view t) {
    streamed += t;
    return true;
  });
  EXPECT_EQ(streamed, " hello");
  EXPECT_EQ(r.samples[0].text, " hello");
}

TEST(DecodeLoop, LogSoftmaxAtIsStableForLargeLogits) {
  std::vector<float> row{1000.0f, 1000.0f};
  EXPECT_NEAR(log_softmax_at(row, 0), std::log(0.5), 1e-12);
}

}  // namespace
}  // namespace lmforge::infer
