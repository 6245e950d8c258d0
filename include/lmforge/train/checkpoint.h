// A training checkpoint is a model directory (the Hugging Face layout):
//
//   config.json          the model's architecture (GPTConfig::to_json, with "model_type")
//   model.safetensors    the weights, F32 (readable by the Python safetensors package)
//   tokenizer.*, tokenizer_config.json, ...   the task's files (train/model_files.h)
//   training_state/      what an exact resume needs: optimizer.pt (AdamW moments and step
//                        counts, libtorch archive, what resume loads), optimizer.safetensors (the
//                        same moments for Python: "<param>.exp_avg", "<param>.exp_avg_sq",
//                        "<param>.step" I64), rng.safetensors (the torch CPU generator, and
//                        "torch_cuda" when training on CUDA), state.json (step, tokens, best)
//
// The directory is built beside its destination and renamed into place, so a crash during a
// save leaves the previous checkpoint whole.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

namespace torch::nn {
class Module;
}
namespace torch::optim {
class Optimizer;
}
namespace c10 {
struct Device;
}

namespace lmforge::train {

struct TrainingState {
  std::int64_t step = 0;     // optimiser steps done
  std::uint64_t tokens = 0;  // training tokens consumed
  double best_val_loss = std::numeric_limits<double>::infinity();  // lowest validation loss so far
  std::int64_t best_step = -1;             // step of best_val_loss (-1: none yet)
  std::int64_t evals_without_improvement = 0;  // early stopping counter
};

using ModelFilesWriter = std::function<void(const std::filesystem::path& dir)>;

// `write_model_files` adds the task's files (tokenizer, ...) into the staging directory; the CUDA
// generator state is saved when `device` is a CUDA device. Every file is written before the
// directory is renamed into place, so a failure leaves the previous checkpoint whole.
void save_checkpoint(const std::filesystem::path& model_dir, const nlohmann::json& model_config,
                     const torch::nn::Module& model, torch::optim::Optimizer& optimizer, const TrainingState& state,
                     const ModelFilesWriter& write_model_files = {}, const c10::Device* device = nullptr);

// Loads weights, optimiser state and the RNG into objects built from the same config.
// RuntimeError naming the file when something is missing or does not fit.
TrainingState load_checkpoint(const std::filesystem::path& model_dir, torch::nn::Module& model,
                              torch::optim::Optimizer& optimizer, const c10::Device* device = nullptr);

// config.json of a model directory.
nlohmann::json read_model_config(const std::filesystem::path& model_dir);

}  // namespace lmforge::train
