// A training run's configuration: one TOML file, every key overridable from the command line
// (`--set optimizer.lr=1e-3`, `--set model.n_layer=6`). Sections:
//
//   [model]      model_type ("gpt", "seq2seq" or "classifier") and that model's config.json keys
//                (GPTConfig, Seq2SeqConfig, ClassifierConfig); vocabulary sizes 0 (the default
//                here) take the tokenizer's
//   [data]       what the task reads: gpt: dir = a directory prepared by `lmforge data prepare`;
//                seq2seq: train/task_seq2seq.h (paired text, modes, embeddings)
//   [train]      TrainSettings below
//   [optimizer]  AdamWConfig (lr, beta1, beta2, eps, weight_decay, decay_norms_biases, decay_embeddings)
//   [schedule]   decay, warmup_steps, min_lr, decay_steps (0: max_steps); the peak is optimizer.lr
//
// Unknown sections and keys are usage errors, so a typo never trains with a silent default.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lmforge/train/optimizer_config.h"
#include "lmforge/train/schedule.h"

namespace lmforge::train {

struct TrainSettings {
  std::string out_dir = "out";            // run directory: model/ (checkpoint), metrics.jsonl
  std::int64_t batch_size = 8;            // rows per micro-batch
  std::int64_t grad_accum = 1;            // micro-batches per optimiser step
  std::int64_t max_steps = 1000;          // optimiser steps of the whole run
  double grad_clip = 1.0;                 // max global gradient norm; 0 disables clipping
  std::int64_t log_every = 10;            // steps between metrics records
  std::int64_t eval_every = 100;          // steps between evaluations; 0: only at the end
  std::int64_t eval_batches = 20;         // validation batches per evaluation; 0: the whole split
  std::int64_t checkpoint_every = 0;      // steps between checkpoints; 0: with each evaluation
  std::uint64_t seed = 1337;              // weights, dropout and the batches
  std::string device = "cpu";             // "cpu", "cuda", "cuda:1" (CUDA needs a CUDA libtorch)
  bool keep_best = true;                  // also keep <out_dir>/best: the checkpoint of the lowest val loss
  std::int64_t patience = 0;              // stop after this many evaluations without a new best; 0: never
  std::int64_t max_nonfinite_steps = 5;   // a NaN/inf loss or gradient skips the step; this many in a row stop the run
};

struct TrainConfig {
  nlohmann::json model = nlohmann::json::object();  // the [model] table, as config.json keys
  nlohmann::json data = nlohmann::json::object();   // the [data] table (the task reads and checks it)
  std::string data_dir;                              // [data] dir (gpt), empty otherwise
  TrainSettings train;
  AdamWConfig optimizer;
  LrSchedule schedule;
  nlohmann::json source = nlohmann::json::object();  // the whole effective config (saved with the run)
};

// Reads `path` (TOML), applies the "key.path=value" overrides in order (the value is read as a
// TOML value: 3e-4, true, "text", or a bare word as a string), and validates. UsageError on a
// bad override, an unknown key or a bad value; RuntimeError on a missing or malformed file.
TrainConfig load_train_config(const std::filesystem::path& path, const std::vector<std::string>& overrides = {});

// The same from TOML text (tests, and configs built in memory).
TrainConfig parse_train_config(const std::string& toml_text, const std::vector<std::string>& overrides = {},
                               const std::string& source_name = "config");

}  // namespace lmforge::train
