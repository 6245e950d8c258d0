// The trainer end to end on a tiny GPT: config parsing, a run that learns, and a resumed run
// that draws exactly the loss curve of an uninterrupted one.
#include "lmforge/train/trainer.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/data/prepare.h"
#include "lmforge/nn/safetensors.h"
#include "lmforge/train/config.h"

namespace lmforge::train {
namespace {

namespace fs = std::filesystem;

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lmforge_train_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // 40 KB of the bundled Shakespeare, one document per line, bytes as tokens (id = byte + 2).
    std::ifstream in(fs::path(LMFORGE_SOURCE_DIR) / "data/corpus/tinyshakespeare.txt", std::ios::binary);
    std::string text(40000, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    write_file_atomic(dir_ / "text.txt", text);
    data::TokenEncoder encoder;
    encoder.encode = [](std::string_view s, std::vector<int>& ids) {
      for (unsigned char c : s) ids.push_back(c + 2);
    };
    encoder.vocab_size = 258;
    encoder.eos_id = 1;
    encoder.path = "test:bytes";
    data::PrepareOptions prepare;
    prepare.inputs = {(dir_ / "text.txt").string()};
    prepare.val_fraction = 0.1;
    prepare.threads = 1;
    data::prepare_dataset(prepare, encoder, dir_ / "shards");
  }
  void TearDown() override { fs::remove_all(dir_); }

  TrainConfig config(const std::string& out, std::vector<std::string> overrides = {}) {
    const std::string toml = R"(
[model]
n_layer = 1
n_head = 2
n_embd = 16
block_size = 16
dropout = 0.1
[data]
dir = ")" + (dir_ / "shards").string() + R"("
[train]
out_dir = ")" + (dir_ / out).string() + R"("
batch_size = 4
grad_accum = 2
max_steps = 8
eval_every = 4
eval_batches = 2
log_every = 1
seed = 7
[optimizer]
lr = 3e-3
[schedule]
warmup_steps = 2
decay_steps = 8
min_lr = 3e-4
)";
    return parse_train_config(toml, overrides, "test.toml");
  }

  static std::vector<nlohmann::json> metrics(const fs::path& out) {
    std::istringstream in(read_file(out / "metrics.jsonl"));
    std::vector<nlohmann::json> records;
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line);
      j.erase("tokens_per_sec");  // timings differ from run to run
      j.erase("elapsed_s");
      records.push_back(j);
    }
    return records;
  }

  static TrainRunOptions quiet(bool resume = false) {
    TrainRunOptions o;
    o.resume = resume;
    o.threads = 1;
    return o;
  }

  fs::path dir_;
};

TEST_F(TrainerTest, ConfigOverridesAndErrors) {
  auto c = config("run", {"optimizer.lr=1e-3", "train.max_steps=20", "schedule.decay=linear", "model.n_layer=3"});
  EXPECT_DOUBLE_EQ(c.optimizer.lr, 1e-3);
  EXPECT_DOUBLE_EQ(c.schedule.lr, 1e-3);  // the schedule's peak is the optimiser's lr
  EXPECT_EQ(c.train.max_steps, 20);
  EXPECT_EQ(c.schedule.decay, "linear");
  EXPECT_EQ(c.model["n_layer"], 3);
  EXPECT_THROW(config("run", {"train.max_stepz=3"}), UsageError);       // unknown key
  EXPECT_THROW(config("run", {"optimiser.lr=1"}), UsageError);          // unknown section
  EXPECT_THROW(config("run", {"train.batch_size=many"}), UsageError);   // wrong type
  EXPECT_THROW(config("run", {"schedule.decay=step"}), UsageError);     // bad value
  EXPECT_THROW(config("run", {"noequals"}), UsageError);
  EXPECT_THROW(parse_train_config("[train\n", {}, "broken.toml"), RuntimeError);
}

TEST_F(TrainerTest, LearnsAndWritesAModelDirectory) {
  auto c = config("run", {"train.max_steps=30", "schedule.decay_steps=30", "train.eval_every=30"});
  const auto result = run_training(c, quiet());
  EXPECT_EQ(result.steps, 30);
  EXPECT_GT(result.parameters, 0);
  EXPECT_LT(result.last_loss, std::log(258.0) - 1.0);  // well below a uniform guess
  EXPECT_GT(result.last_val_loss, 0);
  const fs::path model = dir_ / "run" / "model";
  for (const char* name : {"config.json", "model.safetensors", "training_state/optimizer.pt",
                           "training_state/rng.safetensors", "training_state/state.json"})
    EXPECT_TRUE(fs::exists(model / name)) << name;
  auto weights = nn::read_safetensors(model / "model.safetensors");
  EXPECT_EQ(weights.tensors.at("wte.weight").sizes(), (std::vector<std::int64_t>{258, 16}));
  EXPECT_EQ(nlohmann::json::parse(read_file(model / "config.json"))["vocab_size"], 258);
  // A second fresh run must not overwrite the checkpoint silently.
  EXPECT_THROW(run_training(c, quiet()), UsageError);
}

TEST_F(TrainerTest, ResumeGivesTheUninterruptedLossCurve) {
  run_training(config("straight"), quiet());
  run_training(config("resumed", {"train.max_steps=4"}), quiet());
  run_training(config("resumed"), quiet(/*resume=*/true));

  const auto a = metrics(dir_ / "straight"), b = metrics(dir_ / "resumed");
  ASSERT_EQ(a.size(), 8u + 2u);  // 8 steps + 2 evaluations
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "record " << i;
  auto wa = nn::read_safetensors(dir_ / "straight" / "model" / "model.safetensors");
  auto wb = nn::read_safetensors(dir_ / "resumed" / "model" / "model.safetensors");
  for (const auto& [name, tensor] : wa.tensors) EXPECT_TRUE(torch::equal(tensor, wb.tensors.at(name))) << name;
}

TEST_F(TrainerTest, NonFiniteLossSkipsStepsThenStopsWithoutTouchingTheCheckpoint) {
  // A huge learning rate blows the weights up after one step; every later loss is NaN/inf.
  auto c = config("run", {"optimizer.lr=1e30", "schedule.warmup_steps=0", "schedule.min_lr=1e30",
                          "train.max_nonfinite_steps=3", "train.grad_clip=0", "train.eval_every=0"});
  try {
    run_training(c, quiet());
    FAIL() << "expected a RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("3 steps in a row"), std::string::npos) << e.what();
  }
  int skipped = 0;
  for (const auto& r : metrics(dir_ / "run")) skipped += r.contains("skipped");
  EXPECT_EQ(skipped, 3);
  EXPECT_FALSE(fs::exists(dir_ / "run" / "model"));  // no checkpoint was due: none written
}

TEST_F(TrainerTest, KeepsTheBestCheckpointAndStopsEarly) {
  // lr 0: the validation loss never improves after the first evaluation.
  auto c = config("run", {"optimizer.lr=0", "schedule.min_lr=0", "train.max_steps=40", "train.patience=2",
                          "train.eval_every=4"});
  const auto result = run_training(c, quiet());
  EXPECT_TRUE(result.early_stopped);
  EXPECT_EQ(result.steps, 12);  // best at 4, no better at 8 and 12
  EXPECT_GT(result.best_val_loss, 0);
  EXPECT_TRUE(fs::exists(dir_ / "run" / "best" / "model.safetensors"));
  const auto best_state = nlohmann::json::parse(read_file(dir_ / "run" / "best" / "training_state" / "state.json"));
  EXPECT_EQ(best_state["best_step"], 4);
  EXPECT_EQ(best_state["step"], 4);
  const auto last_state = nlohmann::json::parse(read_file(dir_ / "run" / "model" / "training_state" / "state.json"));
  EXPECT_EQ(last_state["step"], 12);
}

TEST_F(TrainerTest, OptimizerStateIsReadableByName) {
  run_training(config("run"), quiet());
  auto state = nn::read_safetensors(dir_ / "run" / "model" / "training_state" / "optimizer.safetensors");
  ASSERT_TRUE(state.tensors.count("wte.weight.exp_avg"));
  EXPECT_EQ(state.tensors.at("wte.weight.exp_avg").sizes(), (std::vector<std::int64_t>{258, 16}));
  EXPECT_EQ(state.tensors.at("wte.weight.exp_avg_sq").sizes(), (std::vector<std::int64_t>{258, 16}));
  EXPECT_EQ(state.tensors.at("wte.weight.step").item<std::int64_t>(), 8);
  EXPECT_GT(state.tensors.at("wte.weight.exp_avg_sq").abs().sum().item<double>(), 0);
}

TEST_F(TrainerTest, BadInputIsAClearErrorAndLeavesTheCheckpointWhole) {
  run_training(config("run", {"train.max_steps=4"}), quiet());
  const fs::path weights = dir_ / "run" / "model" / "model.safetensors";
  const std::string saved = read_file(weights);
  // Another architecture on --resume.
  EXPECT_THROW(run_training(config("run", {"model.n_layer=2"}), quiet(true)), UsageError);
  EXPECT_THROW(run_training(config("run", {"model.model_type=\"seq2seq\""}), quiet(true)), UsageError);
  // A truncated weights file.
  write_file_atomic(weights, saved.substr(0, saved.size() / 2));
  EXPECT_THROW(run_training(config("run"), quiet(true)), RuntimeError);
  EXPECT_EQ(read_file(weights).size(), saved.size() / 2);  // nothing was written over it
  // Shapes that do not fit: heads that do not divide the width.
  EXPECT_THROW(run_training(config("other", {"model.n_head=3"}), quiet()), UsageError);
  // A corpus shorter than one window.
  try {
    run_training(config("short", {"model.block_size=100000"}), quiet());
    FAIL() << "expected a RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("fewer than one window"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "short" / "model"));
}

}  // namespace
}  // namespace lmforge::train
