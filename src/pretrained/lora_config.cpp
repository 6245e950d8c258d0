#include "lmforge/finetune/lora_config.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lmforge/common/error.h"
#include "lmforge/pretrained/decoder_layers.h"

namespace lmforge::finetune {

std::vector<std::string> resolve_target_modules(const LoraConfig& lora, const pretrained::DecoderConfig& config) {
  if (lora.r < 1) usage_error("--lora-r {}: expected a rank of at least 1", lora.r);
  if (!(lora.alpha > 0)) usage_error("--lora-alpha {}: expected a positive number", lora.alpha);
  if (!(lora.dropout >= 0 && lora.dropout < 1)) usage_error("--lora-dropout {}: expected [0, 1)", lora.dropout);
  const auto valid = pretrained::projection_names(config);
  if (lora.target_modules.empty()) {
    if (config.family == pretrained::Family::gpt2) return {"c_attn"};
    return {"q_proj", "v_proj"};
  }
  if (lora.target_modules.size() == 1 && lora.target_modules[0] == "all-linear") return valid;
  std::vector<std::string> targets;
  for (const auto& name : lora.target_modules) {
    if (std::find(valid.begin(), valid.end(), name) == valid.end())
      usage_error("--target-modules: '{}' is not a projection of a {} model (valid: {}, or all-linear)", name,
                  config.model_type, fmt::join(valid, ", "));
    if (std::find(targets.begin(), targets.end(), name) == targets.end()) targets.push_back(name);
  }
  return targets;
}

nlohmann::json adapter_config_json(const LoraConfig& lora, const std::vector<std::string>& targets,
                                   const std::filesystem::path& base_dir, const pretrained::DecoderConfig& config) {
  return {{"peft_type", "LORA"},
          {"task_type", "CAUSAL_LM"},
          {"base_model_name_or_path", std::filesystem::absolute(base_dir).lexically_normal().string()},
          {"r", lora.r},
          {"lora_alpha", lora.alpha},
          {"lora_dropout", lora.dropout},
          {"target_modules", targets},
          {"fan_in_fan_out", config.family == pretrained::Family::gpt2},
          {"bias", "none"},
          {"inference_mode", true},
          {"init_lora_weights", true},
          {"use_rslora", false},
          {"use_dora", false},
          {"modules_to_save", nullptr},
          {"layers_to_transform", nullptr},
          {"layers_pattern", nullptr},
          {"rank_pattern", nlohmann::json::object()},
          {"alpha_pattern", nlohmann::json::object()},
          {"revision", nullptr}};
}

LoraConfig lora_from_adapter_config(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object() || json.value("peft_type", "") != "LORA")
    runtime_error("{}: not a LoRA adapter config (peft_type is not \"LORA\")", source);
  LoraConfig lora;
  try {
    lora.r = json.at("r").get<std::int64_t>();
    lora.alpha = json.at("lora_alpha").get<double>();
    lora.dropout = json.value("lora_dropout", 0.0);
    const auto& t = json.at("target_modules");
    if (t.is_string()) lora.target_modules = {t.get<std::string>()};
    else lora.target_modules = t.get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: {}", source, e.what());
  }
  if (json.value("use_dora", false) || json.value("use_rslora", false))
    runtime_error("{}: DoRA / rsLoRA adapters are not supported", source);
  return lora;
}

}  // namespace lmforge::finetune
