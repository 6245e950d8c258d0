// LoRA settings as PEFT's LoraConfig names them, and their file: PEFT's adapter_config.json.
//
//   LoraConfig lora;  lora.r = 16;  lora.target_modules = {"all-linear"};
//   auto targets = resolve_target_modules(lora, decoder_config);   // {"q_proj", ..., "down_proj"}
//   write_file_atomic(dir / "adapter_config.json", adapter_config_json(lora, targets, base, config).dump(2));
//
// The update of a targeted projection is W x + (lora_alpha / r) B A dropout(x), A [r, in]
// initialised kaiming-uniform(a = sqrt(5)) and B [out, r] zero (PEFT's init_lora_weights=True),
// so step 0 is exactly the base model.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lmforge/infer/hf_config.h"

namespace lmforge::finetune {

struct LoraConfig {
  std::int64_t r = 8;             // rank of the update
  double alpha = 16;              // lora_alpha: the update is scaled by alpha / r
  double dropout = 0.05;          // lora_dropout on the update's input while training
  // Short module names ("q_proj", "c_attn"); empty: the family default (q_proj, v_proj for the
  // Llama family, c_attn for GPT-2, as PEFT's defaults); {"all-linear"}: every projection but lm_head.
  std::vector<std::string> target_modules;

  double scaling() const { return alpha / static_cast<double>(r); }
};

// The projection names the update goes on, validated: UsageError naming an unknown module and
// listing the valid ones for this architecture, or for r < 1, alpha <= 0, dropout outside [0, 1).
std::vector<std::string> resolve_target_modules(const LoraConfig& lora, const pretrained::DecoderConfig& config);

// PEFT's adapter_config.json (peft_type LORA, task_type CAUSAL_LM; fan_in_fan_out for GPT-2's
// Conv1D), base_model_name_or_path the absolute base directory.
nlohmann::json adapter_config_json(const LoraConfig& lora, const std::vector<std::string>& targets,
                                   const std::filesystem::path& base_dir, const pretrained::DecoderConfig& config);

// r, lora_alpha, lora_dropout, target_modules of an adapter_config.json; RuntimeError naming
// `source` when it is not a LoRA adapter config.
LoraConfig lora_from_adapter_config(const nlohmann::json& json, const std::string& source);

}  // namespace lmforge::finetune
