#include "lmforge/finetune/lora_adapter.h"

#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"
#include "lmforge/nn/safetensors.h"

namespace lmforge::finetune {

namespace fs = std::filesystem;

bool is_lora_adapter_dir(const fs::path& dir) { return fs::exists(dir / "adapter_config.json"); }

LoraAdapter read_lora_adapter(const fs::path& given_dir, const fs::path& base_dir) {
  LoraAdapter adapter;
  const bool run_dir = !is_lora_adapter_dir(given_dir) && is_lora_adapter_dir(given_dir / "model");
  adapter.dir = run_dir ? given_dir / "model" : given_dir;
  const auto config_path = adapter.dir / "adapter_config.json";
  if (!fs::exists(config_path))
    runtime_error("{}: no adapter_config.json (neither a LoRA adapter directory nor a LoRA run directory)",
                  adapter.dir.string());
  const auto json = json_fields::read_file(config_path);
  adapter.lora = lora_from_adapter_config(json, config_path.string());
  adapter.base_dir = base_dir.empty() ? fs::path(json.value("base_model_name_or_path", "")) : base_dir;
  if (adapter.base_dir.empty() || !fs::exists(adapter.base_dir / "config.json"))
    runtime_error("{}: the base model '{}' is not a directory with config.json (give it with --base)",
                  config_path.string(), adapter.base_dir.string());
  const bool gpt2 = pretrained::read_decoder_config(adapter.base_dir).family == pretrained::Family::gpt2;
  adapter.fan_in_fan_out = json.value("fan_in_fan_out", gpt2);

  const auto weights_path = adapter.dir / "adapter_model.safetensors";
  if (!fs::exists(weights_path)) runtime_error("{}: adapter_model.safetensors is missing", adapter.dir.string());
  const auto file = nn::read_safetensors(weights_path);
  // PEFT's keys: base_model.model.<module>.lora_A.weight and .lora_B.weight.
  const std::string prefix = "base_model.model.", suffix_a = ".lora_A.weight";
  for (const auto& [name, a] : file.tensors) {
    if (name.size() <= prefix.size() + suffix_a.size() || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - suffix_a.size(), suffix_a.size(), suffix_a) != 0)
      continue;
    const auto module = name.substr(prefix.size(), name.size() - prefix.size() - suffix_a.size());
    const auto b_name = prefix + module + ".lora_B.weight";
    const auto b = file.tensors.find(b_name);
    if (b == file.tensors.end()) runtime_error("{}: {} has no {}", weights_path.string(), name, b_name);
    adapter.updates.push_back({module, a.to(torch::kFloat), b->second.to(torch::kFloat)});
  }
  if (adapter.updates.empty()) runtime_error("{}: holds no LoRA update", weights_path.string());
  return adapter;
}

void attach_lora_adapter(const LoraAdapter& adapter, const pretrained::DecoderConfig& config,
                         pretrained::DecoderWeights& weights) {
  // module name -> projection; GPT-2 under both of its prefixes (GPT2LMHeadModel's
  // "transformer." and a bare GPT2Model's none).
  std::map<std::string, pretrained::Projection*> projections;
  const std::vector<std::string> prefixes =
      config.family == pretrained::Family::gpt2 ? std::vector<std::string>{"transformer.", ""} : std::vector<std::string>{""};
  for (const auto& prefix : prefixes)
    for (const auto& slot : pretrained::weight_slots(config, weights, prefix)) {
      const std::string suffix = ".weight";
      if (slot.projection && slot.name.ends_with(suffix))
        projections[slot.name.substr(0, slot.name.size() - suffix.size())] = slot.projection;
    }
  for (const auto& update : adapter.updates) {
    const auto it = projections.find(update.module);
    if (it == projections.end())
      runtime_error("{}: the adapter updates '{}', which the base {} does not have", adapter.dir.string(),
                    update.module, adapter.base_dir.string());
    auto& p = *it->second;
    const auto r = update.A.dim() == 2 ? update.A.size(0) : -1;
    if (update.A.dim() != 2 || update.B.dim() != 2 || update.A.size(1) != p.in_features() ||
        update.B.size(0) != p.out_features() || update.B.size(1) != r)
      runtime_error("{}: the update of {} has A {} and B {}, which do not fit its weight [{} out, {} in]",
                    adapter.dir.string(), update.module, fmt::format("{}", update.A.sizes()),
                    fmt::format("{}", update.B.sizes()), p.out_features(), p.in_features());
    p.lora_A = update.A;
    p.lora_B = update.B;
    p.lora_scaling = adapter.lora.scaling();
    p.lora_dropout = 0;
  }
}

}  // namespace lmforge::finetune
