// What the training loop trains: a model, where its micro-batches come from and how their loss is
// computed, how it is evaluated, and which files (tokenizer, label map) a model directory needs
// beside the weights. The loop (train/trainer.h) owns everything else: the optimiser, schedule,
// clipping, accumulation, NaN handling, metrics, checkpoints, best-keeping and resume.
//
// Exact resume rests on one rule: train_batch(index) depends only on (config, seed, index) and the
// torch generator (dropout, scheduled sampling), which checkpoints save.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "lmforge/train/config.h"

namespace torch::nn {
class Module;
}

namespace lmforge::train {

struct MicroBatchLoss {
  torch::Tensor loss;        // scalar, mean over the batch's target tokens (graph attached)
  std::uint64_t tokens = 0;  // tokens processed (throughput accounting)
};

struct Evaluation {
  double loss = 0;                                   // mean validation loss
  // The best-keeping / early-stopping key, lower is better; NaN: `loss` (a classifier uses 1 - macro-F1).
  double selection_loss = std::numeric_limits<double>::quiet_NaN();
  nlohmann::json metrics = nlohmann::json::object();  // extra figures for metrics.jsonl (bleu, accuracy, ...)
  std::string summary;                               // extra text for the log line; may be empty
};

class TrainingTask {
 public:
  virtual ~TrainingTask() = default;
  virtual torch::nn::Module& model() = 0;
  virtual nlohmann::json model_config() const = 0;  // config.json
  virtual std::string description() const = 0;     // start-up log line (architecture, sizes, data)
  // Loss of micro-batch `index` (= step * grad_accum + micro) in training mode.
  virtual MicroBatchLoss train_batch(std::uint64_t index) = 0;
  virtual bool can_evaluate() const = 0;            // false: no validation data
  virtual Evaluation evaluate() = 0;                // leaves the model in training mode
  // Writes the non-weight files of a model directory (tokenizer, tokenizer_config.json, labels).
  virtual void write_model_files(const std::filesystem::path& dir) const = 0;
  // Data-parallel training: train_batch() returns rows [rank*b/world, (rank+1)*b/world) of the
  // batch a single process would draw (b = train.batch_size, divisible by world), so the ranks'
  // slices are disjoint and N processes see exactly the 1-process data. UsageError where a task
  // cannot be sharded.
  virtual void set_data_shard(int rank, int world_size) = 0;
  // Training examples this process holds (FedAvg's weight): rows, pairs or tokens.
  virtual std::uint64_t train_examples() const = 0;
};

using TaskLog = std::function<void(const std::string&)>;

// Builds the task named by model.model_type ("gpt" by default, "seq2seq"), its data and its model
// on `device` (call after seeding torch). UsageError for bad [model]/[data] keys, RuntimeError for
// unreadable data or data too short to make one batch.
std::unique_ptr<TrainingTask> make_training_task(const TrainConfig& config, const torch::Device& device,
                                                 const TaskLog& log);

std::unique_ptr<TrainingTask> make_gpt_task(const TrainConfig& config, const torch::Device& device,
                                            const TaskLog& log);
std::unique_ptr<TrainingTask> make_seq2seq_task(const TrainConfig& config, const torch::Device& device,
                                                const TaskLog& log);
std::unique_ptr<TrainingTask> make_classifier_task(const TrainConfig& config, const torch::Device& device,
                                                   const TaskLog& log);

}  // namespace lmforge::train
