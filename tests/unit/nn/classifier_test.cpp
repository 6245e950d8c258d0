// Encoder classifier (Transformer + mean pooling, BiLSTM + max pooling, TextCNN + max/mean pooling,
// TextCNN with a wide part) against the PyTorch twin.
#include "lmforge/nn/classifier.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
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
  Classifier model(ClassifierConfig::from_json(testing::metadata_json(fixture, "config")));
  load_module_weights(*model, with_prefix(fixture, "param"), fixture_name);
  WideFeatures wide;
  if (fixture.tensors.count("input.wide_ids"))
    wide = {fixture.tensors.at("input.wide_ids"), fixture.tensors.at("input.wide_offsets")};
  auto logits = model->forward(fixture.tensors.at("input.tokens"), wide);
  expect_close(logits, fixture.tensors.at("expect.logits"), 1e-5, fixture_name + " logits");
  auto loss = torch::nn::functional::cross_entropy(logits, fixture.tensors.at("input.labels"));
  expect_close(loss, fixture.tensors.at("expect.loss"), 1e-5, fixture_name + " loss");
  loss.backward();
  const auto grads = with_prefix(fixture, "grad");
  ASSERT_EQ(grads.size(), model->named_parameters().size());
  for (const auto& item : model->named_parameters()) {
    ASSERT_TRUE(item.value().grad().defined()) << item.key();
    expect_close(item.value().grad(), grads.at(item.key()), 1e-4, fixture_name + " grad " + item.key());
  }
}

TEST(Classifier, TransformerMeanPoolingMatchesPyTorch) { check_against_pytorch("cls_transformer_mean"); }
TEST(Classifier, BiLstmMaxPoolingMatchesPyTorch) { check_against_pytorch("cls_bilstm_max"); }
// Widths 2,3,4 over rows of 6, 4 and 2 tokens: windows running past a text's end see zeros.
TEST(Classifier, CnnMaxPoolingMatchesPyTorch) { check_against_pytorch("cls_cnn_max"); }
// Widths 1 and 5 (wider than the 2-token row).
TEST(Classifier, CnnMeanPoolingMatchesPyTorch) { check_against_pytorch("cls_cnn_mean"); }

// Widths 2,3 and an 11-bucket wide part (a row with no n-gram, a repeated n-gram).
TEST(Classifier, CnnWideMatchesPyTorch) { check_against_pytorch("cls_cnn_wide"); }

// The wide part starts at zero (the logits are the deep part's) and adds each row's n-gram weights.
TEST(Classifier, WidePartAddsTheRowsOfItsNgrams) {
  torch::manual_seed(3);
  ClassifierConfig c;
  c.vocab_size = 20, c.embed_dim = 8, c.encoder = "cnn", c.filters = 3, c.widths = {2}, c.num_labels = 3;
  c.wide_buckets = 7;
  Classifier model(c);
  model->eval();
  const auto tokens = torch::tensor({{3, 7, 9}, {4, 0, 0}}, torch::kLong);
  const WideFeatures features{torch::tensor({2, 5, 2, 6}, torch::kLong), torch::tensor({0, 3}, torch::kLong)};
  const auto deep = model->forward_embedded(model->embed->forward(tokens), tokens);
  EXPECT_TRUE(torch::equal(model->forward(tokens, features), deep));
  {
    torch::NoGradGuard no_grad;
    model->wide->weight.copy_(torch::randn({7, 3}));
  }
  const auto& w = model->wide->weight;
  const auto expected = deep + torch::stack({w[2] + w[5] + w[2], w[6]});
  EXPECT_TRUE(torch::allclose(model->forward(tokens, features), expected, 1e-5, 1e-5));
  EXPECT_THROW(model->forward(tokens), c10::Error);  // a wide model without its n-grams
  EXPECT_EQ(ClassifierConfig::from_json(c.to_json()).to_json(), c.to_json());
  EXPECT_EQ(c.to_json().at("wide_buckets"), 7);
}

TEST(Classifier, PaddingDoesNotChangeTheResult) {
  torch::manual_seed(5);
  for (const char* encoder : {"transformer", "bilstm", "cnn"}) {
    ClassifierConfig c;
    c.vocab_size = 20, c.embed_dim = 8, c.hidden = 4, c.n_head = 2, c.max_len = 8, c.encoder = encoder;
    c.filters = 3, c.widths = {2, 5};  // a width longer than the text
    Classifier model(c);
    model->eval();
    auto a = model->forward(torch::tensor({{3, 7, 9}}, torch::kLong));
    auto b = model->forward(torch::tensor({{3, 7, 9, 0, 0}}, torch::kLong));
    EXPECT_TRUE(torch::allclose(a, b, 1e-5, 1e-5)) << encoder;
  }
}

TEST(Classifier, ConfigErrors) {
  EXPECT_THROW(ClassifierConfig::from_json({{"encoder", "gru"}}), UsageError);
  EXPECT_THROW(ClassifierConfig::from_json({{"encoder", "cnn"}, {"widths", nlohmann::json::array()}}), UsageError);
  EXPECT_THROW(ClassifierConfig::from_json({{"encoder", "cnn"}, {"widths", {2, 0}}}), UsageError);
  EXPECT_THROW(ClassifierConfig::from_json({{"encoder", "cnn"}, {"filters", 0}}), UsageError);
  EXPECT_THROW(ClassifierConfig::from_json({{"encoder", "cnn"}, {"widths", "2,3"}}), UsageError);
  EXPECT_THROW(ClassifierConfig::from_json({{"pooling", "attention"}}), UsageError);
  EXPECT_THROW(ClassifierConfig::from_json({{"wide_buckets", -1}}), UsageError);
  EXPECT_THROW(ClassifierConfig::from_json({{"wide_buckets", 100}, {"wide_ngrams", 0}}), UsageError);
  EXPECT_THROW(ClassifierConfig::from_json({{"wide_buckets", 1 << 27}, {"num_labels", 3}}), UsageError);
  EXPECT_FALSE(ClassifierConfig().to_json().contains("wide_buckets"));  // older readers see the same keys
  EXPECT_THROW(ClassifierConfig::from_json({{"encoder", "transformer"}, {"embed_dim", 10}, {"n_head", 4}}), UsageError);
  auto c = ClassifierConfig::from_json({{"encoder", "transformer"}, {"num_labels", 5}});
  EXPECT_EQ(ClassifierConfig::from_json(c.to_json()).to_json(), c.to_json());
  auto cnn = ClassifierConfig::from_json({{"encoder", "cnn"}, {"filters", 7}, {"widths", {3, 5}}});
  EXPECT_EQ(cnn.filters, 7);
  EXPECT_EQ(cnn.widths, (std::vector<std::int64_t>{3, 5}));
  EXPECT_EQ(ClassifierConfig::from_json(cnn.to_json()).to_json(), cnn.to_json());
  EXPECT_FALSE(c.to_json().contains("widths"));  // the cnn keys appear in cnn configs only
}

}  // namespace
}  // namespace lmforge::nn
