// `lmforge finetune`: full fine-tuning or LoRA of a Hugging Face decoder directory (GPT-2, Llama
// 2/3, Mistral, Qwen2) on chat messages, prompt/completion pairs or plain text
// (finetune_data.h), through the trainer (lmforge/train/trainer.h: AdamW, warm-up + cosine
// schedule, clipping, accumulation, evaluation, checkpoints, best, exact resume).
//
//   FinetuneOptions o;  o.base_dir = "models/Qwen2-0.5B-Instruct";  o.data = "chat.jsonl";
//   o.out_dir = "runs/qwen-lora";  o.steps = 200;  o.merge = true;
//   run_finetune(o, progress, log);
//
// The run directory (the trainer's):
//   <out>/model/   the latest checkpoint. LoRA: PEFT's layout (adapter_config.json,
//                  adapter_model.safetensors: PeftModel.from_pretrained(base, dir) loads it).
//                  Full: a Hugging Face directory (config.json, model.safetensors F32,
//                  tokenizer and generation files copied from the base)
//   <out>/best/    the checkpoint of the lowest validation loss (when there is a validation split)
//   <out>/merged/  with merge: the base with the LoRA update folded in, a full HF directory
//   <out>/metrics.jsonl, <out>/train_config.json
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "lmforge/common/progress.h"
#include "lmforge/finetune/lora_config.h"

namespace lmforge::finetune {

struct FinetuneOptions {
  std::filesystem::path base_dir;     // the Hugging Face decoder directory
  std::filesystem::path data;         // jsonl of messages or prompt/completion (or text instead)
  std::filesystem::path text;         // plain text
  std::filesystem::path out_dir;      // run directory
  std::string method = "lora";        // "lora" or "full"
  LoraConfig lora;
  std::int64_t steps = 0;             // optimiser steps; 0: from epochs
  double epochs = 0;                  // passes over the training examples when steps is 0 (0 and 0: one epoch)
  std::int64_t batch_size = 4;        // examples per micro-batch
  std::int64_t grad_accum = 1;        // micro-batches per step
  double lr = 0;                      // peak learning rate; 0: 2e-4 for LoRA, 2e-5 for full
  double weight_decay = 0;            // AdamW decoupled weight decay
  std::int64_t warmup_steps = 0;      // linear warm-up, then the decay
  std::string lr_schedule = "cosine"; // decay to lr / 10 at the last step: "cosine", "linear", or "constant"
  std::int64_t seq_len = 0;           // longest example in tokens; 0: min(1024, max_position_embeddings)
  double val_fraction = 0.1;          // examples held out for the validation loss (0: none)
  std::int64_t eval_every = 0;        // steps between evaluations and checkpoints; 0: only at the end
  std::int64_t log_every = 1;         // steps between metrics.jsonl records
  bool resume = false;                // continue <out>/model (same data, method and LoRA settings)
  int threads = 0;                    // libtorch threads; 0: all cores
  std::uint64_t seed = 1337;          // LoRA init, dropout, the split and the batch order
  bool merge = false;                 // LoRA: also write <out>/merged
  bool merge_f32 = false;             // merged weights in float32 instead of the base's dtype

  nlohmann::json to_json() const;
  static FinetuneOptions from_json(const nlohmann::json& json);
};

struct FinetuneResult {
  std::int64_t steps = 0;
  std::int64_t trainable_parameters = 0;
  double last_loss = 0;
  double last_val_loss = -1;          // -1: no validation split
  double tokens_per_second = 0;
  std::string merged_dir;             // empty when not merged
};

// UsageError for bad options (unknown method or target module, seq_len past the model's context,
// resume with other LoRA settings), RuntimeError for a base directory that is not a supported
// decoder or unusable data.
FinetuneResult run_finetune(const FinetuneOptions& options, const ProgressCallback& progress,
                            const std::function<void(const std::string&)>& log);

// Folds a LoRA adapter directory (adapter_config.json + adapter_model.safetensors, PEFT's
// layout; a run directory stands for its model/ checkpoint; its base found through base_model_name_or_path, or `base_dir` when given) into the
// base weights, W += (alpha / r) B A, and writes a full Hugging Face directory at out_dir:
// model.safetensors in the base's dtype (float32 when f32), config.json, tokenizer and
// generation files. Replaces out_dir atomically.
void merge_adapter(const std::filesystem::path& adapter_dir, const std::filesystem::path& out_dir,
                   const std::filesystem::path& base_dir = {}, bool f32 = false);

}  // namespace lmforge::finetune
