// The training loop (`lmforge train CONFIG.toml`): a task (train/task.h: GPT on a prepared token
// directory, seq2seq on paired text) with AdamW, the warm-up + decay schedule, gradient clipping
// and accumulation, evaluation (loss and perplexity on the validation split, plus the task's
// metrics), checkpoints, best-checkpoint keeping, early stopping and exact resume. A NaN/inf loss
// or gradient skips the step (recorded as {"step","skipped":"nonfinite"}); max_nonfinite_steps
// in a row stop the run with an error, the last checkpoint untouched. The run directory:
//
//   <out_dir>/model/          the latest checkpoint (train/checkpoint.h), replaced atomically
//   <out_dir>/best/           the checkpoint with the lowest validation loss (train.keep_best)
//   <out_dir>/metrics.jsonl   one JSON record per log step {"step","loss","lr","grad_norm",
//                             "tokens","tokens_per_sec","elapsed_s"} and per evaluation
//                             {"step","val_loss","val_ppl","best_val_loss", task metrics}
//   <out_dir>/train_config.json  the effective configuration (after --set)
//
// Resume (`--resume`) restores weights, AdamW moments, the step and the RNG; batches are a pure
// function of (seed, step) (data::RandomWindows), so the resumed loss curve is the one an
// uninterrupted run draws.
//
// Distributed (options.distributed, lmforge/distributed/options.h): N processes join a c10d group.
// Data-parallel: each takes its slice of every global batch, gradients are averaged before the
// step, rank 0 evaluates, writes metrics and checkpoints (every rank reads the checkpoint on
// resume, so the run directory must be shared); N may change between a run and its resume.
// Federated: FedAvg rounds of distributed.local_steps steps (see options.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "lmforge/common/progress.h"
#include "lmforge/distributed/options.h"
#include "lmforge/train/config.h"

namespace c10 {
struct Device;
}

namespace lmforge::train {

class TrainingTask;
// Builds the task instead of make_training_task (task.h) when set: a caller with its own model
// and data (lmforge finetune) reuses the loop as it is.
using TaskFactory = std::function<std::unique_ptr<TrainingTask>(
    const TrainConfig& config, const c10::Device& device, const std::function<void(const std::string&)>& log)>;

struct TrainRunOptions {
  bool resume = false;   // continue from <out_dir>/model; false refuses to overwrite an existing one
  int threads = 0;       // libtorch intra-op threads (OpenBLAS gets 1); 0: every hardware thread
  ProgressCallback progress;                       // steps; may be empty
  std::function<void(const std::string&)> log;     // start-up and evaluation lines; may be empty
  distributed::DistributedOptions distributed;     // world_size 1: a plain single-process run
  TaskFactory make_task;                           // empty: make_training_task(config)
};

struct TrainResult {
  std::int64_t steps = 0;          // optimiser steps done in total (including before a resume)
  std::int64_t parameters = 0;     // model parameter count
  double last_loss = 0;            // training loss of the last step
  double last_val_loss = -1;       // -1 when there was no evaluation (no validation split)
  double best_val_loss = -1;       // lowest selection key (val loss; classifier: 1 - macro-F1) (-1: none); its model is <out_dir>/best
  bool early_stopped = false;      // train.patience ended the run before max_steps
  double tokens_per_second = 0;    // training throughput of this invocation (all ranks together)
  double communication_share = 0;  // distributed: share of the run's time spent in collectives
  int rank = 0;                    // distributed: this process's rank (0 writes the run directory)
};

TrainResult run_training(const TrainConfig& config, const TrainRunOptions& options);

}  // namespace lmforge::train
