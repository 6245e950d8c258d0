// The loaders behind load_causal_model (load_causal_model.cpp picks one by what the path holds).
// Each maps its source's tensor names onto ModelWeights and its hyperparameters onto ModelSpec,
// checking every shape before the model is built.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "lmforge/infer/causal_model.h"
#include "tensor_table.h"

namespace lmforge::infer {

// A LoRA adapter's updates to fold into the base: W += scaling * B A per module.
struct LoraUpdates {
  std::string source;  // the adapter file, for messages
  double scaling = 1;
  struct Update {
    std::vector<float> A, B;  // [r, in], [out, r]
    std::int64_t r = 0, in = 0, out = 0;
  };
  std::map<std::string, Update> updates;  // by module ("model.layers.0.self_attn.q_proj")
  std::set<std::string> used;             // the modules a loader merged
};

// The tensors of safetensors files (shards of one model), mapped; F32 / F16 / BF16 only.
TensorTable safetensors_table(const std::vector<std::filesystem::path>& files, const std::string& source);
// "F16 x 12, F32 x 9" over every tensor, most frequent first; and the number of values.
std::string type_summary(const TensorTable& table);
std::int64_t parameter_count(const TensorTable& table);

std::unique_ptr<CausalModel> load_hf(const std::filesystem::path& dir, const LoadOptions& options, LoraUpdates* lora);
std::unique_ptr<CausalModel> load_run(const std::filesystem::path& dir, const LoadOptions& options);
std::unique_ptr<CausalModel> load_gguf(const std::filesystem::path& file, const LoadOptions& options);

}  // namespace lmforge::infer
