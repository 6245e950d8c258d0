#include "lmforge/classify/linear_model.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>

#include <gtest/gtest.h>

#include "lmforge/classify/dataset.h"
#include "lmforge/classify/explain.h"
#include "lmforge/classify/linear_trainer.h"
#include "lmforge/classify/metrics.h"

namespace lmforge::classify {

// fastText's hash (dictionary.cc), values printed by a C++ copy of it: FNV-1a with bytes
// sign-extended, which matters for UTF-8 (bytes >= 0x80).
TEST(LinearModel, HashIsFastTextsIncludingSignExtendedBytes) {
  EXPECT_EQ(fasttext_hash(""), 2166136261u);
  EXPECT_EQ(fasttext_hash("a"), 0xe40c292cu);  // FNV-1a("a"), an ASCII byte: same as plain FNV-1a
  // 0xE5 sign-extends to 0xFFFFFFE5: differs from plain FNV-1a (0xe20c2606 would be "\xE5" unsigned).
  std::uint32_t h = 2166136261u;
  h ^= 0xFFFFFFE5u;
  h *= 16777619u;
  EXPECT_EQ(fasttext_hash("\xE5"), h);
}

TEST(LinearModel, FeaturesAreWordsEosAndHashedBigrams) {
  LinearModel m;
  m.options.dim = 4;
  m.options.word_ngrams = 2;
  m.options.buckets = 1000;
  m.labels = {"a", "b"};
  m.words = {"好", LinearModel::kEos};
  m.input.assign(m.words.size() * 4, 0.1f);
  m.build_index();
  std::vector<FeatureSpan> f;
  m.features({"很", "好"}, f, /*grow=*/true);
  // "好" and "</s>" are words; "很" is not; bigrams: 很好, 好</s>.
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0].row, 0);
  EXPECT_EQ(f[1].row, 1);
  EXPECT_EQ(f[2].first, 0);
  EXPECT_EQ(f[2].last, 1);
  EXPECT_EQ(m.bucket_ids.size(), 2u);
  const auto expected = static_cast<std::uint32_t>(
      (static_cast<std::uint64_t>(fasttext_hash("很")) * 116049371 + fasttext_hash("好")) % 1000);
  EXPECT_EQ(m.bucket_ids[0], expected);
  // Read-only features report an unseen bucket as -1.
  std::vector<FeatureSpan> g;
  m.features({"好", "吗"}, g);
  EXPECT_EQ(g.back().row, -1);
}

TEST(LinearModel, CharacterNgramsFollowFastTextsSubwords) {
  LinearModel m;
  m.options.dim = 2;
  m.options.word_ngrams = 1;
  m.options.char_ngram_min = 2;
  m.options.char_ngram_max = 3;
  m.options.buckets = 1u << 20;
  m.labels = {"a", "b"};
  m.words = {LinearModel::kEos};
  m.input.assign(2, 0.0f);
  m.build_index();
  std::vector<FeatureSpan> f;
  m.features({"好吃"}, f, true);
  // "<好吃>": 2-grams <好 好吃 吃>, 3-grams <好吃 好吃>; plus the word "</s>".
  EXPECT_EQ(f.size(), 6u);
  std::set<std::uint32_t> got(m.bucket_ids.begin(), m.bucket_ids.end());
  EXPECT_TRUE(got.count(fasttext_hash("<好吃") % (1u << 20)));
  EXPECT_TRUE(got.count(fasttext_hash("吃>") % (1u << 20)));
}

TEST(LinearModel, ContributionsSumToTheLogitsOfPredict) {
  LinearModel m;
  m.options.dim = 3;
  m.labels = {"x", "y", "z"};
  m.words = {"a", "b", LinearModel::kEos};
  m.input = {0.1f, -0.2f, 0.3f, 0.5f, 0.4f, -0.1f, 0.0f, 0.2f, 0.2f};
  m.output = {1, 0, 0, 0, 1, 0, 0.5f, -0.5f, 1};
  m.build_index();
  std::vector<FeatureSpan> f;
  m.options.word_ngrams = 1;
  m.features({"a", "b"}, f);
  std::vector<float> probs, contrib;
  m.predict(f, probs);
  m.contributions(f, contrib);
  std::vector<double> logits(3, 0.0);
  for (std::size_t i = 0; i < f.size(); ++i)
    for (std::size_t k = 0; k < 3; ++k) logits[k] += contrib[i * 3 + k];
  double z = 0;
  for (double l : logits) z += std::exp(l);
  for (std::size_t k = 0; k < 3; ++k) EXPECT_NEAR(probs[k], std::exp(logits[k]) / z, 1e-6);
  EXPECT_NEAR(std::accumulate(probs.begin(), probs.end(), 0.0), 1.0, 1e-6);
}

// A quality floor on real data: the bundled SMS spam set (5,574 messages), 80/20 split.
TEST(LinearTrainer, SpamQualityFloorAndSaveLoadRoundTrip) {
  TextTokenizer tok({});
  ReadLabelledOptions ro;
  ro.threads = 2;
  const auto data = read_labelled("data/corpus/sms_spam.tsv", {.text_column = "SMS", .label_column = "Label"}, tok, ro);
  ASSERT_GT(data.size(), 5000u);
  EXPECT_EQ(std::count(data.labels.begin(), data.labels.end(), "spam"), 747);  // the UCI set's count
  EXPECT_EQ(std::count(data.labels.begin(), data.labels.end(), "ham"), static_cast<long>(data.size()) - 747);
  const auto held = stratified_holdout(data.labels, 0.2, 7);
  std::vector<std::vector<std::string>> train_tokens, test_tokens;
  std::vector<std::int32_t> train_labels, test_labels;
  const std::vector<std::string> labels = {"ham", "spam"};
  std::size_t h = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::int32_t y = data.labels[i] == "spam";
    if (h < held.size() && held[h] == i) {
      ++h;
      test_tokens.push_back(data.tokens[i]);
      test_labels.push_back(y);
    } else {
      train_tokens.push_back(data.tokens[i]);
      train_labels.push_back(y);
    }
  }
  LinearTrainOptions o;
  o.threads = 2;
  o.epochs = 5;
  o.model.dim = 20;
  o.model.buckets = 100000;
  TokenisedExamples train{&train_tokens, train_labels};
  auto result = train_linear(train, nullptr, labels, o);
  const auto predicted = predict_all(result.model, test_tokens, 2);
  ConfusionMatrix cm(2);
  for (std::size_t i = 0; i < predicted.size(); ++i)
    cm.add(static_cast<std::size_t>(test_labels[i]), static_cast<std::size_t>(predicted[i]));
  EXPECT_GT(cm.accuracy(), 0.97);
  EXPECT_GT(cm.macro_f1(), 0.92);
  EXPECT_GT(cm.scores(1).support, 100u);  // spam is in the test split
  EXPECT_GT(cm.scores(1).recall, 0.8);

  const auto dir = std::filesystem::temp_directory_path() / "lmforge_classify_model_test";
  result.model.save(dir);
  const auto loaded = LinearModel::load(dir);
  EXPECT_EQ(loaded.labels, labels);
  EXPECT_EQ(loaded.rows(), result.model.rows());
  std::vector<FeatureSpan> f1, f2;
  std::vector<float> p1, p2;
  for (std::size_t i = 0; i < 50; ++i) {
    result.model.features(test_tokens[i], f1);
    loaded.features(test_tokens[i], f2);
    result.model.predict(f1, p1);
    loaded.predict(f2, p2);
    EXPECT_EQ(p1, p2);
  }
  std::filesystem::remove_all(dir);
}

TEST(LinearTrainer, EarlyStoppingKeepsTheBestEpochAndBalancedWeights) {
  std::vector<std::vector<std::string>> tokens;
  std::vector<std::int32_t> y;
  for (int i = 0; i < 200; ++i) {
    const bool pos = i % 4 == 0;  // imbalanced: 1 in 4
    tokens.push_back({pos ? "好" : "差", "的", std::to_string(i % 7)});
    y.push_back(pos);
  }
  const auto w = parse_class_weights("balanced", {"neg", "pos"}, y);
  EXPECT_NEAR(w[0], 200.0 / (2 * 150), 1e-6);
  EXPECT_NEAR(w[1], 200.0 / (2 * 50), 1e-6);
  EXPECT_NEAR(parse_class_weights("pos=3", {"neg", "pos"}, y)[1], 3.0f, 1e-6);
  EXPECT_THROW(parse_class_weights("maybe=3", {"neg", "pos"}, y), std::exception);
  LinearTrainOptions o;
  o.threads = 1;
  o.epochs = 30;
  o.patience = 2;
  o.model.dim = 8;
  o.class_weights = w;
  TokenisedExamples train{&tokens, y};
  auto r = train_linear(train, &train, {"neg", "pos"}, o);
  // Perfectly separable: validation F1 reaches 1 early and cannot improve, so training stops.
  EXPECT_LT(r.history.size(), 30u);
  EXPECT_NEAR(r.history[static_cast<std::size_t>(r.best_epoch - 1)].val_macro_f1, 1.0, 1e-12);
}

}  // namespace lmforge::classify

namespace lmforge::classify {

TEST(Explain, TokenScoresAndBiasSumToTheLogitMargin) {
  LinearModel m;
  m.options.dim = 2;
  m.options.word_ngrams = 2;
  m.options.buckets = 1000;
  m.options.tokenizer.kind = TokenizerKind::kWhitespace;
  m.labels = {"neg", "pos"};
  m.words = {"good", "bad", LinearModel::kEos};
  m.input = {1, 0, -1, 0, 0.1f, 0.1f};
  m.build_index();
  std::vector<FeatureSpan> f;
  m.features({"good", "bad"}, f, /*grow=*/true);  // adds the bigram rows
  m.input[m.input.size() - 4] = 0.5f;
  m.output = {-1, 0.2f, 1, -0.3f};
  TextTokenizer tok(m.options.tokenizer);
  const auto e = explain_linear(m, tok, "good bad");
  EXPECT_EQ(e.tokens.size(), 2u);
  EXPECT_GT(e.tokens[0].score, e.tokens[1].score);  // "good" pushes towards pos more than "bad"
  // bias + token scores = logit(label) - mean logit.
  std::vector<float> contrib;
  m.features({"good", "bad"}, f);
  m.contributions(f, contrib);
  double logit[2] = {0, 0};
  for (std::size_t i = 0; i < f.size(); ++i) logit[0] += contrib[i * 2], logit[1] += contrib[i * 2 + 1];
  const std::size_t target = e.label == "pos";
  const double margin = logit[target] - (logit[0] + logit[1]) / 2;
  EXPECT_NEAR(e.bias + e.tokens[0].score + e.tokens[1].score, margin, 1e-6);
  EXPECT_NE(explanation_html(e).find("good"), std::string::npos);
  EXPECT_NE(explanation_terminal(e, false).find("good["), std::string::npos);
}

}  // namespace lmforge::classify
