// Seq2seq training through the same loop as the GPT: paired text from a tsv, a character
// tokenizer saved in the model directory, learning, exact resume with scheduled sampling,
// the denoising mode, and bad data.
#include <unistd.h>

#include <filesystem>
#include <random>
#include <sstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/nn/safetensors.h"
#include "lmforge/tokenizer/tokenizer.h"
#include "lmforge/train/config.h"
#include "lmforge/train/model_files.h"
#include "lmforge/train/paired_data.h"
#include "lmforge/train/trainer.h"

namespace lmforge::train {
namespace {

namespace fs = std::filesystem;

class Seq2SeqTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lmforge_s2s_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // Reversal of short strings over a small alphabet: learnable in a few dozen steps.
    std::mt19937 rng(3);
    std::string tsv = "source\ttarget\n";
    for (int i = 0; i < 120; ++i) {
      std::string s;
      const int n = 3 + static_cast<int>(rng() % 4);
      for (int k = 0; k < n; ++k) s += "abcdef"[rng() % 6];
      tsv += s + "\t" + std::string(s.rbegin(), s.rend()) + "\n";
    }
    write_file_atomic(dir_ / "pairs.tsv", tsv);
  }
  void TearDown() override { fs::remove_all(dir_); }

  TrainConfig config(const std::string& out, std::vector<std::string> overrides = {}) {
    const std::string toml = R"(
[model]
model_type = "seq2seq"
embed_dim = 16
hidden = 32
cell = "gru"
attention = "general"
teacher_forcing = 0.8
[data]
path = ")" + (dir_ / "pairs.tsv").string() + R"("
val_fraction = 0.1
bleu_samples = 8
[train]
out_dir = ")" + (dir_ / out).string() + R"("
batch_size = 8
max_steps = 8
eval_every = 4
eval_batches = 2
log_every = 1
seed = 5
[optimizer]
lr = 1e-2
[schedule]
decay = "constant"
)";
    return parse_train_config(toml, overrides, "s2s.toml");
  }

  static TrainRunOptions quiet(bool resume = false) {
    TrainRunOptions o;
    o.resume = resume;
    o.threads = 1;
    return o;
  }

  static std::vector<nlohmann::json> metrics(const fs::path& out) {
    std::istringstream in(read_file(out / "metrics.jsonl"));
    std::vector<nlohmann::json> records;
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line);
      j.erase("tokens_per_sec");
      j.erase("elapsed_s");
      records.push_back(j);
    }
    return records;
  }

  fs::path dir_;
};

TEST_F(Seq2SeqTaskTest, LearnsAndWritesASelfContainedModelDirectory) {
  const auto result = run_training(config("run", {"train.max_steps=40", "train.eval_every=40"}), quiet());
  EXPECT_EQ(result.steps, 40);
  EXPECT_LT(result.last_val_loss, std::log(10.0) - 0.5);  // well below a uniform guess over ~10 ids
  const fs::path model = dir_ / "run" / "model";
  const auto info = read_tokenizer_config(model);
  EXPECT_EQ(info.file, "tokenizer.lmtok");
  EXPECT_EQ(info.pad_id, 3);
  auto tokenizer = tok::Tokenizer::load(model / info.file);
  EXPECT_EQ(tokenizer->decode(tokenizer->encode("abc")), "abc");
  const auto config_json = nlohmann::json::parse(read_file(model / "config.json"));
  EXPECT_EQ(config_json["model_type"], "seq2seq");
  EXPECT_EQ(config_json["tgt_vocab"], tokenizer->vocab_size());
  const auto records = metrics(dir_ / "run");
  ASSERT_TRUE(records.back().contains("bleu"));
  EXPECT_GE(records.back()["chrf"].get<double>(), 0.0);
}

TEST_F(Seq2SeqTaskTest, ResumeGivesTheUninterruptedLossCurve) {
  run_training(config("straight"), quiet());
  run_training(config("resumed", {"train.max_steps=4"}), quiet());
  run_training(config("resumed"), quiet(/*resume=*/true));
  const auto a = metrics(dir_ / "straight"), b = metrics(dir_ / "resumed");
  ASSERT_EQ(a.size(), 8u + 2u);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "record " << i;
}

TEST_F(Seq2SeqTaskTest, DenoisingAutoencoderTrains) {
  const auto result = run_training(
      config("run", {"data.mode=denoise", "data.noise_drop=0.2", "data.noise_shuffle=2", "train.max_steps=4"}), quiet());
  EXPECT_EQ(result.steps, 4);
  EXPECT_TRUE(std::isfinite(result.last_loss));
}

TEST_F(Seq2SeqTaskTest, BadDataIsAClearError) {
  EXPECT_THROW(run_training(config("a", {"data.target_column=missing"}), quiet()), UsageError);
  EXPECT_THROW(run_training(config("b", {"data.mode=translate"}), quiet()), UsageError);
  EXPECT_THROW(run_training(config("c", {"data.colour=1"}), quiet()), UsageError);
  EXPECT_THROW(run_training(config("d", {"model.tgt_vocab=4"}), quiet()), UsageError);  // does not fit the vocabulary
  try {
    run_training(config("e", {"train.batch_size=500"}), quiet());
    FAIL() << "expected a RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("fewer than one batch"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "e" / "model"));
}

TEST(PairedData, CorruptionDropsMasksAndMovesTokensLocally) {
  PairedDataOptions o;
  o.noise_drop = 0;
  o.noise_mask = 0;
  o.noise_shuffle = 2;
  std::vector<std::int64_t> ids(50);
  std::iota(ids.begin(), ids.end(), 10);
  std::mt19937_64 rng(1);
  const auto shuffled = corrupt_tokens(ids, o, 0, rng);
  ASSERT_EQ(shuffled.size(), ids.size());
  for (std::size_t i = 0; i < shuffled.size(); ++i) EXPECT_LE(std::abs(shuffled[i] - 10 - static_cast<long>(i)), 2);
  EXPECT_NE(shuffled, ids);
  o.noise_shuffle = 0;
  o.noise_drop = 0.5;
  o.noise_mask = 0.5;
  const auto noisy = corrupt_tokens(ids, o, 0, rng);
  EXPECT_LT(noisy.size(), ids.size());
  EXPECT_GT(std::count(noisy.begin(), noisy.end(), 0), 0);
  std::mt19937_64 a(9), b(9);
  EXPECT_EQ(corrupt_tokens(ids, o, 0, a), corrupt_tokens(ids, o, 0, b));
}

}  // namespace
}  // namespace lmforge::train
