// A LoRA adapter directory in PEFT's layout (adapter_config.json + adapter_model.safetensors, as
// `lmforge finetune` writes it and PEFT publishes it): read once, then either folded into the
// base weights (merge_adapter, finetune.h) or attached unmerged to a loaded base model, so that
// `lmforge generate / chat / serve` run an adapter directory as PeftModel.from_pretrained(base,
// dir) does, without writing a merged copy of the base.
//
//   if (is_lora_adapter_dir(dir)) {
//     auto adapter = read_lora_adapter(dir);                  // base from base_model_name_or_path
//     auto model = CausalLM::load(adapter.base_dir);
//     attach_lora_adapter(adapter, model->config(), model->mutable_weights());
//   }
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "lmforge/finetune/lora_config.h"
#include "lmforge/pretrained/decoder_layers.h"

namespace lmforge::finetune {

struct LoraAdapter {
  std::filesystem::path dir;        // the directory holding adapter_config.json
  std::filesystem::path base_dir;   // the base model directory
  LoraConfig lora;                  // r, alpha (the update's scaling), dropout, target modules
  bool fan_in_fan_out = false;      // the base stores these weights [in, out] (GPT-2's Conv1D)
  struct Update {
    std::string module;             // "model.layers.0.self_attn.q_proj" (the weight is module + ".weight")
    at::Tensor A;                   // [r, in], float32
    at::Tensor B;                   // [out, r], float32
  };
  std::vector<Update> updates;      // at least one
};

// dir/adapter_config.json exists: an adapter directory (a run directory is not one; its model/ is).
bool is_lora_adapter_dir(const std::filesystem::path& dir);

// A run directory (<run>/model/adapter_config.json) stands for its latest checkpoint. The base is
// `base_dir` when given, else adapter_config.json's base_model_name_or_path. RuntimeError naming
// the file for a directory without adapter_config.json, a config that is not LoRA, a base that is
// not a directory with config.json, an A without its B, or no update at all.
LoraAdapter read_lora_adapter(const std::filesystem::path& dir, const std::filesystem::path& base_dir = {});

// Sets each update on the projection it targets (unmerged: y = W x + scaling B A x), no dropout.
// RuntimeError for a module the model does not have or an update whose shapes do not fit it.
void attach_lora_adapter(const LoraAdapter& adapter, const pretrained::DecoderConfig& config,
                         pretrained::DecoderWeights& weights);

}  // namespace lmforge::finetune
