// A training checkpoint is a model directory (the Hugging Face layout):
//
//   config.json          the model's architecture (GPTConfig::to_json, with "model_type")
//   model.safetensors    the weights, F32 (readable by the Python safetensors package)
//   training_state/      what an exact resume needs: optimizer.pt (AdamW moments and step
//                        counts, libtorch archive), rng.safetensors (the torch CPU generator),
//                        state.json (step, tokens seen)
//
// The directory is built beside its destination and renamed into place, so a crash during a
// save leaves the previous checkpoint whole.
#pragma once

#include <cstdint>
#include <filesystem>

#include <nlohmann/json.hpp>

namespace torch::nn {
class Module;
}
namespace torch::optim {
class Optimizer;
}

namespace lmforge::train {

struct TrainingState {
  std::int64_t step = 0;     // optimiser steps done
  std::uint64_t tokens = 0;  // training tokens consumed
};

void save_checkpoint(const std::filesystem::path& model_dir, const nlohmann::json& model_config,
                     const torch::nn::Module& model, torch::optim::Optimizer& optimizer, const TrainingState& state);

// Loads weights, optimiser state and the RNG into objects built from the same config.
// RuntimeError naming the file when something is missing or does not fit.
TrainingState load_checkpoint(const std::filesystem::path& model_dir, torch::nn::Module& model,
                              torch::optim::Optimizer& optimizer);

// config.json of a model directory.
nlohmann::json read_model_config(const std::filesystem::path& model_dir);

}  // namespace lmforge::train
