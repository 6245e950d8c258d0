// Seq2seq decoding: greedy steps agree with the teacher-forced forward, beam size 1 is greedy,
// and beam search beats greedy where the greedy first choice leads nowhere.
#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/generate/seq2seq_decode.h"

namespace lmforge::gen {
namespace {

nn::Seq2Seq make_model(const std::string& cell, const std::string& attention) {
  torch::manual_seed(7);
  nn::Seq2SeqConfig c;
  c.src_vocab = 13, c.tgt_vocab = 11, c.embed_dim = 8, c.hidden = 12, c.layers = 2;
  c.cell = cell, c.attention = attention;
  nn::Seq2Seq model(c);
  model->eval();
  return model;
}

torch::Tensor sources() {  // row 1 is padded (pad_id 0)
  return torch::tensor({5, 7, 3, 9, 4, 8, 6, 11, 0, 0}, torch::kLong).view({2, 5});
}

class Seq2SeqDecodeTest : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(Seq2SeqDecodeTest, GreedyStepsAreTheArgmaxOfTheTeacherForcedForward) {
  auto model = make_model(GetParam().first, GetParam().second);
  Seq2SeqDecodeOptions o;
  o.bos_id = 1, o.eos_id = 2, o.max_length = 8, o.return_attention = true;
  const auto src = sources();
  auto results = seq2seq_decode(*model, src, o);
  ASSERT_EQ(results.size(), 2u);
  torch::NoGradGuard no_grad;
  for (std::int64_t b = 0; b < 2; ++b) {
    const auto& h = results[b].at(0);
    std::vector<std::int64_t> in{1};
    in.insert(in.end(), h.tokens.begin(), h.tokens.end());
    auto logits = model->forward(src.slice(0, b, b + 1), torch::tensor(in, torch::kLong).view({1, -1}))[0];
    auto logprobs = torch::log_softmax(logits, -1);
    double score = 0;
    for (std::size_t t = 0; t < h.tokens.size(); ++t) {
      EXPECT_EQ(logits[t].argmax().item<std::int64_t>(), h.tokens[t]) << "source " << b << " step " << t;
      score += logprobs[t][h.tokens[t]].item<double>();
    }
    if (h.finished) {
      EXPECT_EQ(logits[h.tokens.size()].argmax().item<std::int64_t>(), 2);
      score += logprobs[h.tokens.size()][2].item<double>();
    } else {
      EXPECT_EQ(h.tokens.size(), 8u);
    }
    EXPECT_NEAR(h.score, score, 1e-4);
    // Attention: one row per output token, a distribution over the source, zero on padding.
    ASSERT_EQ(h.attention.size(0), static_cast<std::int64_t>(h.tokens.size()));
    ASSERT_EQ(h.attention.size(1), 5);
    for (std::int64_t t = 0; t < h.attention.size(0); ++t) EXPECT_NEAR(h.attention[t].sum().item<double>(), 1.0, 1e-5);
    if (b == 1 && h.attention.size(0) > 0) EXPECT_EQ(h.attention.slice(1, 3, 5).abs().sum().item<double>(), 0.0);
  }
}

TEST_P(Seq2SeqDecodeTest, BeamOfOneIsGreedy) {
  auto model = make_model(GetParam().first, GetParam().second);
  Seq2SeqDecodeOptions o;
  o.bos_id = 1, o.eos_id = 2, o.max_length = 8;
  auto greedy = seq2seq_decode(*model, sources(), o);
  torch::NoGradGuard no_grad;
  for (std::int64_t b = 0; b < 2; ++b) {
    const auto memory = model->encode(sources().slice(0, b, b + 1));
    auto state = model->initial_state(memory);
    auto step = [&](const at::Tensor& tokens, at::Tensor* attention) {
      return model->decode_step(tokens, memory, state, attention);
    };
    auto reorder = [&](const at::Tensor& rows) { state = state.select_rows(rows); };
    auto beam = beam_search(step, reorder, o);
    ASSERT_EQ(beam.size(), 1u);
    EXPECT_EQ(beam[0].tokens, greedy[b][0].tokens);
    EXPECT_NEAR(beam[0].score, greedy[b][0].score, 1e-5);
  }
}

TEST_P(Seq2SeqDecodeTest, BeamNBestIsSortedAndAtLeastAsGoodAsGreedy) {
  auto model = make_model(GetParam().first, GetParam().second);
  Seq2SeqDecodeOptions o;
  o.bos_id = 1, o.eos_id = 2, o.max_length = 6, o.length_penalty = 0;
  auto greedy = seq2seq_decode(*model, sources(), o);
  o.beam_size = 4, o.n_best = 3;
  auto beams = seq2seq_decode(*model, sources(), o);
  for (std::int64_t b = 0; b < 2; ++b) {
    ASSERT_EQ(beams[b].size(), 3u);
    for (std::size_t i = 1; i < beams[b].size(); ++i)
      EXPECT_GE(beams[b][i - 1].normalized_score, beams[b][i].normalized_score);
    if (greedy[b][0].finished && beams[b][0].finished)
      EXPECT_GE(beams[b][0].score, greedy[b][0].score - 1e-6);
  }
}

INSTANTIATE_TEST_SUITE_P(Cells, Seq2SeqDecodeTest,
                         ::testing::Values(std::make_pair(std::string("lstm"), std::string("general")),
                                           std::make_pair(std::string("gru"), std::string("bahdanau")),
                                           std::make_pair(std::string("lstm"), std::string("dot"))));

// A Markov table over {0 pad, 1 bos, 2 eos, 3 A, 4 B}: after bos, A 0.6 / B 0.4; after A the
// next token is nearly uniform; after B, eos 0.98. Greedy takes A and ends at 0.6 x 0.35 = 0.21;
// the best sequence is B eos at 0.4 x 0.98 = 0.392.
at::Tensor table_step(const at::Tensor& tokens, at::Tensor*) {
  auto probs = torch::full({tokens.size(0), 5}, 1e-6);
  for (std::int64_t i = 0; i < tokens.size(0); ++i) {
    switch (tokens[i].item<std::int64_t>()) {
      case 1: probs[i][3] = 0.6, probs[i][4] = 0.4; break;
      case 3: probs[i][2] = 0.35, probs[i][3] = 0.33, probs[i][4] = 0.32; break;
      default: probs[i][2] = 0.98, probs[i][3] = 0.01, probs[i][4] = 0.01; break;
    }
  }
  return probs.log();
}

TEST(BeamSearch, FindsTheSequenceGreedyMisses) {
  Seq2SeqDecodeOptions o;
  o.bos_id = 1, o.eos_id = 2, o.max_length = 5, o.length_penalty = 0;
  auto greedy = greedy_search(table_step, 1, o);
  EXPECT_EQ(greedy[0].tokens, (std::vector<std::int64_t>{3}));
  EXPECT_NEAR(std::exp(greedy[0].score), 0.6 * 0.35, 1e-4);
  o.beam_size = 2, o.n_best = 2;
  auto beams = beam_search(table_step, [](const at::Tensor&) {}, o);
  ASSERT_EQ(beams.size(), 2u);
  EXPECT_EQ(beams[0].tokens, (std::vector<std::int64_t>{4}));
  EXPECT_NEAR(std::exp(beams[0].score), 0.4 * 0.98, 1e-4);
  EXPECT_GT(beams[0].score, greedy[0].score);
  EXPECT_EQ(beams[1].tokens, (std::vector<std::int64_t>{3}));
}

TEST(BeamSearch, LengthPenaltyFavoursLongerHypotheses) {
  // Raw scores: [B] eos 0.392 (2 steps); with a strong length penalty a longer finished
  // hypothesis can win. Normalized score is score / length^penalty.
  Seq2SeqDecodeOptions o;
  o.bos_id = 1, o.eos_id = 2, o.max_length = 5, o.beam_size = 3, o.n_best = 3, o.length_penalty = 2.0;
  auto beams = beam_search(table_step, [](const at::Tensor&) {}, o);
  for (const auto& h : beams)
    EXPECT_NEAR(h.normalized_score, h.score / std::pow(h.tokens.size() + (h.finished ? 1 : 0), 2.0), 1e-9);
  for (std::size_t i = 1; i < beams.size(); ++i) EXPECT_GE(beams[i - 1].normalized_score, beams[i].normalized_score);
}

TEST(Seq2SeqDecodeOptions, BadCombinationsAreUsageErrors) {
  Seq2SeqDecodeOptions o;
  o.beam_size = 2, o.n_best = 3;
  EXPECT_THROW(o.validate(), UsageError);
  o.n_best = 1, o.sample = true;
  EXPECT_THROW(o.validate(), UsageError);
}

TEST(Seq2SeqSampling, SameSeedSameOutput) {
  auto model = make_model("lstm", "general");
  Seq2SeqDecodeOptions o;
  o.bos_id = 1, o.eos_id = 2, o.max_length = 8, o.sample = true, o.seed = 3;
  auto a = seq2seq_decode(*model, sources(), o);
  auto b = seq2seq_decode(*model, sources(), o);
  EXPECT_EQ(a[0][0].tokens, b[0][0].tokens);
  EXPECT_EQ(a[1][0].tokens, b[1][0].tokens);
}

// Greedy and sampled decoding report each token as it is chosen (the streaming hook), in order,
// per source row, eos excluded: exactly the tokens of the final hypotheses.
TEST(Seq2SeqStreaming, OnTokenSeesEachTokenAsItIsChosen) {
  auto model = make_model("gru", "bahdanau");
  for (bool sample : {false, true}) {
    Seq2SeqDecodeOptions o;
    o.bos_id = 1, o.eos_id = 2, o.max_length = 8, o.sample = sample, o.seed = 4;
    std::vector<std::vector<std::int64_t>> streamed(2);
    o.on_token = [&](std::int64_t row, std::int64_t token) {
      streamed.at(row).push_back(token);
      return true;
    };
    auto results = seq2seq_decode(*model, sources(), o);
    for (std::int64_t b = 0; b < 2; ++b) {
      EXPECT_EQ(streamed[b], results[b][0].tokens) << "sample " << sample << " source " << b;
      EXPECT_FALSE(results[b][0].cancelled);
    }
  }
}

TEST(Seq2SeqStreaming, ReturningFalseStopsTheDecoding) {
  Seq2SeqDecodeOptions o;
  o.bos_id = 1, o.eos_id = 2, o.max_length = 5;
  // A step that always prefers A: without the callback it would run to max_length.
  auto loop_step = [](const at::Tensor& tokens, at::Tensor*) {
    auto probs = torch::full({tokens.size(0), 5}, 0.01);
    probs.select(1, 3).fill_(0.9);
    return probs.log();
  };
  int calls = 0;
  o.on_token = [&](std::int64_t, std::int64_t) { return ++calls < 2; };
  auto out = greedy_search(loop_step, 1, o);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(out[0].tokens, (std::vector<std::int64_t>{3, 3}));
  EXPECT_TRUE(out[0].cancelled);
  EXPECT_FALSE(out[0].finished);
}

}  // namespace
}  // namespace lmforge::gen
