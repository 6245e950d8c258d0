// Seq2seq with attention against the PyTorch twin in tools/make_nn_fixtures.py (LSTM/GRU,
// bidirectional or not, dot/general/bahdanau, with and without input feeding).
#include "lmforge/nn/seq2seq.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/nn/weights.h"
#include "nn_fixture.h"

namespace lmforge::nn {
namespace {

using testing::expect_close;
using testing::load_fixture;
using testing::with_prefix;

void check_against_pytorch(const std::string& fixture_name) {
  torch::set_num_threads(1);
  auto fixture = load_fixture(fixture_name);
  auto config = Seq2SeqConfig::from_json(testing::metadata_json(fixture, "config"));
  Seq2Seq model(config);
  load_module_weights(*model, with_prefix(fixture, "param"), fixture_name);

  auto logits = model->forward(fixture.tensors.at("input.src"), fixture.tensors.at("input.tgt_in"));
  expect_close(logits, fixture.tensors.at("expect.logits"), 1e-5, fixture_name + " logits");
  auto loss = seq2seq_loss(logits, fixture.tensors.at("input.tgt_out"), config.pad_id);
  expect_close(loss, fixture.tensors.at("expect.loss"), 1e-5, fixture_name + " loss");
  loss.backward();
  const auto grads = with_prefix(fixture, "grad");
  ASSERT_EQ(grads.size(), model->named_parameters().size());
  for (const auto& item : model->named_parameters()) {
    ASSERT_TRUE(item.value().grad().defined()) << item.key();
    expect_close(item.value().grad(), grads.at(item.key()), 1e-4, fixture_name + " grad " + item.key());
  }
}

TEST(Seq2Seq, BiLstmGeneralInputFeedingMatchesPyTorch) { check_against_pytorch("s2s_lstm_general"); }
TEST(Seq2Seq, GruBahdanauMatchesPyTorch) { check_against_pytorch("s2s_gru_bahdanau"); }
TEST(Seq2Seq, BiLstmDotMatchesPyTorch) { check_against_pytorch("s2s_lstm_dot"); }

TEST(Seq2Seq, PaddingDoesNotChangeTheResult) {
  torch::manual_seed(3);
  Seq2SeqConfig c;
  c.src_vocab = c.tgt_vocab = 12, c.embed_dim = 4, c.hidden = 6, c.attention = "bahdanau";
  Seq2Seq model(c);
  model->eval();
  auto tgt = torch::tensor({{1, 5, 7}}, torch::kLong);
  auto short_src = model->forward(torch::tensor({{4, 9, 3}}, torch::kLong), tgt);
  auto padded_src = model->forward(torch::tensor({{4, 9, 3, 0, 0}}, torch::kLong), tgt);
  EXPECT_TRUE(torch::allclose(short_src, padded_src, 1e-6, 1e-6));
}

TEST(Seq2Seq, WithoutTeacherForcingTheGoldTokensAreNotRead) {
  torch::manual_seed(4);
  Seq2SeqConfig c;
  c.src_vocab = c.tgt_vocab = 12, c.embed_dim = 4, c.hidden = 6, c.cell = "gru", c.teacher_forcing = 0.0;
  Seq2Seq model(c);
  model->train();
  auto src = torch::tensor({{4, 9, 3}, {5, 6, 0}}, torch::kLong);
  auto a = model->forward(src, torch::tensor({{1, 5, 7, 2}, {1, 3, 3, 3}}, torch::kLong));
  auto b = model->forward(src, torch::tensor({{1, 8, 2, 9}, {1, 10, 4, 11}}, torch::kLong));
  EXPECT_TRUE(torch::equal(a, b));  // only the first (bos) column is used
  model->eval();                     // evaluation always feeds the gold tokens
  auto c1 = model->forward(src, torch::tensor({{1, 5, 7, 2}, {1, 3, 3, 3}}, torch::kLong));
  auto c2 = model->forward(src, torch::tensor({{1, 8, 2, 9}, {1, 10, 4, 11}}, torch::kLong));
  EXPECT_FALSE(torch::allclose(c1.slice(1, 1), c2.slice(1, 1)));
}

TEST(Seq2Seq, ConfigErrors) {
  EXPECT_THROW(Seq2SeqConfig::from_json({{"cell", "rnn"}}), UsageError);
  EXPECT_THROW(Seq2SeqConfig::from_json({{"attention", "luong"}}), UsageError);
  EXPECT_THROW(Seq2SeqConfig::from_json({{"hidden", 7}}), UsageError);  // odd with bidirectional
  EXPECT_THROW(Seq2SeqConfig::from_json({{"hiden", 8}}), UsageError);   // typo
  auto c = Seq2SeqConfig::from_json({{"cell", "gru"}, {"hidden", 7}, {"bidirectional", false}});
  EXPECT_EQ(Seq2SeqConfig::from_json(c.to_json()).to_json(), c.to_json());
}

}  // namespace
}  // namespace lmforge::nn
