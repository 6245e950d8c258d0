// BERT encoder parity with transformers' BertModel on tiny random checkpoints
// (tools/make_bert_fixtures.py wrote tests/fixtures/hf/bert*/: the weights, a padded batch, the
// last hidden states and the pooled sentence vectors), and the errors on bad directories.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/nn/safetensors.h"
#include "lmforge/pretrained/encoder_model.h"
#include "lmforge/pretrained/encoder_sentences.h"
#include "lmforge/infer/hf_config.h"

namespace fs = std::filesystem;
using namespace lmforge::pretrained;

namespace {

fs::path fixture(const std::string& name) { return fs::path(LMFORGE_SOURCE_DIR) / "tests/fixtures/hf" / name; }

std::map<std::string, torch::Tensor> expected(const std::string& name) {
  return lmforge::nn::read_safetensors(fixture(name) / "expected.safetensors").tensors;
}

std::vector<std::string> sentences(const std::string& name) {
  std::ifstream in(fixture(name) / "sentences.txt");
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class EncoderParity : public ::testing::TestWithParam<std::string> {};

TEST_P(EncoderParity, HiddenStatesMatchTransformersOnAPaddedBatch) {
  auto model = EncoderModel::load(fixture(GetParam()));
  auto e = expected(GetParam());
  const auto hidden = model->forward(e.at("input_ids"), e.at("attention_mask"));
  ASSERT_EQ(hidden.sizes(), e.at("hidden").sizes());
  // Padding positions' states are not used by anything; compare the real tokens.
  const auto mask = e.at("attention_mask").unsqueeze(-1).to(torch::kFloat);
  const double diff = ((hidden - e.at("hidden")) * mask).abs().max().item<double>();
  EXPECT_LT(diff, 1e-4) << GetParam();
  std::printf("%s: max |hidden - transformers| = %.3g\n", GetParam().c_str(), diff);  // the README figure
  EXPECT_GT(e.at("hidden").abs().max().item<double>(), 0.1);
  EXPECT_EQ(e.at("attention_mask").min().item<std::int64_t>(), 0);  // the batch is padded
  const auto pooled = pool(hidden, e.at("attention_mask"), model->pooling());
  EXPECT_LT((pooled - e.at("pooled")).abs().max().item<double>(), 1e-4);
}

TEST_P(EncoderParity, SentenceEmbedderTokenisesAndPoolsAsSentenceTransformers) {
  SentenceEmbedder embedder(fixture(GetParam()), {.batch_size = 2});
  auto e = expected(GetParam());
  const auto texts = sentences(GetParam());
  ASSERT_EQ(static_cast<std::int64_t>(texts.size()), e.at("pooled").size(0));
  const auto rows = embedder.embed(texts);
  const auto got = torch::from_blob(const_cast<float*>(rows.data()), e.at("pooled").sizes(), torch::kFloat);
  EXPECT_LT((got - e.at("pooled")).abs().max().item<double>(), 1e-4) << GetParam();
  for (std::size_t i = 0; i < texts.size(); ++i) {  // the same ids as the fixture's batch
    const auto ids = embedder.tokenizer().encode_truncated(texts[i], static_cast<std::size_t>(embedder.model().max_tokens()));
    const auto row = e.at("input_ids")[static_cast<std::int64_t>(i)];
    for (std::size_t t = 0; t < ids.size(); ++t) EXPECT_EQ(ids[t], row[static_cast<std::int64_t>(t)].item<std::int64_t>());
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EncoderParity, ::testing::Values("bert", "bert-fp16"));

TEST(Encoder, PoolingFilesAreRead) {
  EXPECT_TRUE(read_pooling_config(fixture("bert")).normalize);
  EXPECT_EQ(read_pooling_config(fixture("bert")).max_tokens, 24);
  EXPECT_FALSE(read_pooling_config(fixture("bert-fp16")).normalize);
  SentenceEmbedder embedder(fixture("bert"));
  const auto rows = embedder.embed({"密码忘了怎么办？"});
  double norm = 0;
  for (float v : rows) norm += v * v;
  EXPECT_NEAR(norm, 1.0, 1e-5);
}

// A copy of a fixture directory to break.
struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("lmforge_bert_" + std::to_string(::getpid()));
  Scratch() {
    fs::remove_all(dir);
    fs::copy(fixture("bert"), dir, fs::copy_options::recursive);
  }
  ~Scratch() { fs::remove_all(dir); }
  void replace_in_config(const std::string& from, const std::string& to) {
    std::ifstream in(dir / "config.json");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    std::ofstream(dir / "config.json") << text;
  }
};

std::string load_error(const fs::path& dir) {
  try {
    EncoderModel::load(dir);
  } catch (const lmforge::RuntimeError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Encoder, UnsupportedArchitectureIsNamedWithTheSupportedOnes) {
  Scratch s;
  s.replace_in_config("\"model_type\": \"bert\"", "\"model_type\": \"roberta\"");
  const auto message = load_error(s.dir);
  EXPECT_NE(message.find("'roberta'"), std::string::npos) << message;
  EXPECT_NE(message.find("bert"), std::string::npos) << message;
  const auto decoder = load_error(fixture("gpt2"));
  EXPECT_NE(decoder.find("lmforge generate"), std::string::npos) << decoder;
}

TEST(Encoder, DecoderLoaderSendsABertDirectoryToEmbedSentences) {
  try {
    read_decoder_config(fixture("bert"));
    ADD_FAILURE() << "no error";
  } catch (const lmforge::RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("lmforge embed sentences"), std::string::npos) << e.what();
  }
}

TEST(Encoder, MismatchedShapeIsNamed) {
  Scratch s;
  s.replace_in_config("\"intermediate_size\": 64", "\"intermediate_size\": 48");
  const auto message = load_error(s.dir);
  EXPECT_NE(message.find("intermediate.dense.weight"), std::string::npos) << message;
  EXPECT_NE(message.find("[64, 32]"), std::string::npos) << message;
}

TEST(Encoder, ExtraLayerTensorsAreRejected) {
  Scratch s;
  s.replace_in_config("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1");
  const auto message = load_error(s.dir);
  EXPECT_NE(message.find("encoder.layer.1."), std::string::npos) << message;
}

TEST(Encoder, MissingShardIsNamed) {
  Scratch s;
  std::filesystem::remove(s.dir / "model.safetensors");  // with it there, the index is not read (as transformers)
  std::ofstream(s.dir / "model.safetensors.index.json")
      << R"({"weight_map": {"embeddings.word_embeddings.weight": "model-00002-of-00002.safetensors"}})";
  const auto message = load_error(s.dir);
  EXPECT_NE(message.find("model-00002-of-00002.safetensors"), std::string::npos) << message;
}

}  // namespace
