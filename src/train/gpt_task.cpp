// The GPT task: next-token prediction on a prepared token directory ([data] dir), random windows
// for training (a pure function of seed and batch index) and the sequential windows of the
// validation split for evaluation.
#include <cmath>
#include <optional>

#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/data/token_dataset.h"
#include "lmforge/nn/gpt.h"
#include "lmforge/nn/weights.h"
#include "lmforge/train/config_section.h"
#include "lmforge/train/data_shard.h"
#include "lmforge/train/model_files.h"
#include "lmforge/train/task.h"

namespace lmforge::train {

namespace fs = std::filesystem;

namespace {

nn::GPTConfig gpt_config(const TrainConfig& config, const data::TokenDataset& train) {
  nlohmann::json json = config.model;
  if (json.value("vocab_size", std::int64_t{0}) == 0) json["vocab_size"] = train.vocab_size();
  auto gpt = nn::GPTConfig::from_json(json);
  if (gpt.vocab_size < train.vocab_size())
    usage_error("model.vocab_size {} is smaller than the dataset's vocabulary ({})", gpt.vocab_size, train.vocab_size());
  return gpt;
}

// meta.json names the tokenizer as `data prepare` was given it: relative to where that ran, so
// it is tried as written, then beside the data directory.
std::optional<fs::path> find_tokenizer(const std::string& recorded, const fs::path& data_dir) {
  if (recorded.empty()) return std::nullopt;
  for (const fs::path& candidate : {fs::path(recorded), data_dir / recorded, data_dir.parent_path() / recorded})
    if (fs::exists(candidate)) return candidate;
  return std::nullopt;
}

class GptTask : public TrainingTask {
 public:
  GptTask(const TrainConfig& config, const torch::Device& device, const TaskLog& log)
      : device_(device),
        data_dir_(config.data_dir),
        train_(data::TokenDataset::open(config.data_dir, data::Split::kTrain)),
        config_(gpt_config(config, train_)),
        batch_(config.train.batch_size),
        eval_batches_(config.train.eval_batches),
        model_(config_) {
    const std::int64_t block = config_.block_size;
    const auto train_tokens = train_.meta().train.tokens;
    if (train_tokens <= static_cast<std::uint64_t>(block))
      runtime_error("{}: the training split has {} tokens, fewer than one window of block_size + 1 = {} "
                    "(use more text or a smaller model.block_size)",
                    config.data_dir, train_tokens, block + 1);
    sampler_.emplace(train_, data::WindowOptions{.block_size = static_cast<std::size_t>(block),
                                                 .batch_size = static_cast<std::size_t>(batch_),
                                                 .seed = config.train.seed});
    if (train_.meta().val.tokens > static_cast<std::uint64_t>(block)) {
      val_.emplace(data::TokenDataset::open(config.data_dir, data::Split::kValidation));
      val_windows_.emplace(*val_, data::WindowOptions{.block_size = static_cast<std::size_t>(block),
                                                      .batch_size = static_cast<std::size_t>(batch_)});
    } else if (log) {
      log("no validation split long enough for one window: evaluation is skipped");
    }
    tokenizer_ = find_tokenizer(train_.meta().tokenizer.path, data_dir_);
    if (!tokenizer_ && log)
      log(fmt::format("tokenizer '{}' (meta.json) not found: the model directory will hold none",
                      train_.meta().tokenizer.path));
    x_.resize(batch_ * block);
    y_.resize(batch_ * block);
    model_->to(device_);
    model_->train();
  }

  torch::nn::Module& model() override { return *model_; }
  nlohmann::json model_config() const override { return config_.to_json(); }

  std::string description() const override {
    return fmt::format("gpt: {} parameters ({} layers, {} heads, width {}, context {}, vocab {}, {} positions)",
                       nn::format_parameter_count(nn::parameter_count(*model_)), config_.n_layer, config_.n_head,
                       config_.n_embd, config_.block_size, config_.vocab_size, config_.positions);
  }

  MicroBatchLoss train_batch(std::uint64_t index) override {
    const std::int64_t block = config_.block_size;
    sampler_->batch(index, x_.data(), y_.data());
    const std::int64_t rows = shard_.rows(), first = shard_.begin * block;
    auto x = torch::from_blob(x_.data() + first, {rows, block}, torch::kLong).to(device_, false, /*copy=*/true);
    auto y = torch::from_blob(y_.data() + first, {rows, block}, torch::kLong).to(device_, false, /*copy=*/true);
    return {nn::lm_loss(model_->forward(x), y), static_cast<std::uint64_t>(rows * block)};
  }

  void set_data_shard(int rank, int world_size) override { shard_ = DataShard::of(batch_, rank, world_size); }
  std::uint64_t train_examples() const override { return train_.meta().train.tokens; }

  bool can_evaluate() const override { return val_windows_.has_value(); }

  Evaluation evaluate() override {
    torch::NoGradGuard no_grad;
    model_->eval();
    val_windows_->reset();
    const std::int64_t block = config_.block_size;
    double total = 0;
    std::int64_t rows_seen = 0;
    for (std::int64_t b = 0; eval_batches_ == 0 || b < eval_batches_; ++b) {
      const auto rows = static_cast<std::int64_t>(val_windows_->next(x_.data(), y_.data()));
      if (rows == 0) break;
      auto x = torch::from_blob(x_.data(), {rows, block}, torch::kLong).to(device_);
      auto y = torch::from_blob(y_.data(), {rows, block}, torch::kLong).to(device_);
      total += nn::lm_loss(model_->forward(x), y).item<double>() * static_cast<double>(rows);
      rows_seen += rows;
    }
    model_->train();
    Evaluation e;
    e.loss = rows_seen > 0 ? total / static_cast<double>(rows_seen) : std::nan("");
    return e;
  }

  void write_model_files(const fs::path& dir) const override {
    if (!tokenizer_) return;
    const auto& meta = train_.meta().tokenizer;
    TokenizerInfo info;
    info.file = copy_tokenizer_file(*tokenizer_, dir);
    info.bos_id = meta.bos_id;
    info.eos_id = meta.eos_id;
    info.add_bos = meta.add_bos;
    info.vocab_size = meta.vocab_size;
    write_tokenizer_config(dir, info);
  }

 private:
  torch::Device device_;
  fs::path data_dir_;
  data::TokenDataset train_;
  nn::GPTConfig config_;
  std::int64_t batch_, eval_batches_;
  nn::GPT model_;
  std::optional<data::RandomWindows> sampler_;
  std::optional<data::TokenDataset> val_;
  std::optional<data::SequentialWindows> val_windows_;
  std::optional<fs::path> tokenizer_;
  std::vector<std::int64_t> x_, y_;
  DataShard shard_{0, batch_};
};

}  // namespace

std::unique_ptr<TrainingTask> make_gpt_task(const TrainConfig& config, const torch::Device& device,
                                            const TaskLog& log) {
  ConfigSection data(config.source, "data");
  std::string dir;
  data.read("dir", dir);
  data.reject_unknown();
  if (dir.empty()) usage_error("config: data.dir is required for a gpt (a directory from `lmforge data prepare`)");
  return std::make_unique<GptTask>(config, device, log);
}

std::unique_ptr<TrainingTask> make_training_task(const TrainConfig& config, const torch::Device& device,
                                                 const TaskLog& log) {
  const std::string type = config.model.value("model_type", std::string("gpt"));
  if (type == "gpt") return make_gpt_task(config, device, log);
  if (type == "seq2seq") return make_seq2seq_task(config, device, log);
  if (type == "classifier") return make_classifier_task(config, device, log);
  usage_error("model.model_type '{}': the trainer builds 'gpt', 'seq2seq' and 'classifier' models", type);
}

}  // namespace lmforge::train
