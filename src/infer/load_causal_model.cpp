// The loader factory: what the path holds picks the loader (a GGUF file, a LoRA adapter over a
// Hugging Face base, a Hugging Face directory, an lmforge run or model directory).
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"
#include "lmforge/common/safetensors.h"
#include "lmforge/infer/causal_model.h"
#include "lmforge/infer/hf_config.h"
#include "loaders.h"

namespace lmforge::infer {

namespace fs = std::filesystem;

namespace {

bool is_gguf_file(const fs::path& path) {
  if (!fs::is_regular_file(path)) return false;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in && std::memcmp(magic, "GGUF", 4) == 0;
}

// The directory holding config.json / adapter_config.json: the path or its model/ (a run directory).
fs::path model_dir(const fs::path& path, const char* file) {
  return !fs::exists(path / file) && fs::exists(path / "model" / file) ? path / "model" : path;
}

// PEFT's adapter_config.json + adapter_model.safetensors (as lmforge finetune writes them).
LoraUpdates read_lora(const fs::path& dir, fs::path& base) {
  const auto config_path = dir / "adapter_config.json";
  const auto source = config_path.string();
  const auto j = json_fields::read_file(config_path);
  using json_fields::get;
  using json_fields::require;
  if (get<std::string>(j, "peft_type", std::string("LORA"), source) != "LORA")
    runtime_error("{}: peft_type '{}' is not LORA", source, j.value("peft_type", std::string()));
  if (get<bool>(j, "use_dora", false, source) || get<bool>(j, "use_rslora", false, source))
    runtime_error("{}: DoRA / rsLoRA adapters are not supported", source);
  const auto r = require<std::int64_t>(j, "r", source);
  const auto alpha = require<double>(j, "lora_alpha", source);
  if (r < 1 || !(alpha > 0)) runtime_error("{}: r must be >= 1 and lora_alpha > 0", source);
  if (j.contains("rank_pattern") && j["rank_pattern"].is_object() && !j["rank_pattern"].empty())
    runtime_error("{}: rank_pattern is not supported", source);
  if (j.contains("alpha_pattern") && j["alpha_pattern"].is_object() && !j["alpha_pattern"].empty())
    runtime_error("{}: alpha_pattern is not supported", source);
  base = get<std::string>(j, "base_model_name_or_path", std::string(), source);
  if (base.empty() || !fs::exists(base / "config.json"))
    runtime_error("{}: the base model '{}' is not a directory with config.json", source, base.string());

  LoraUpdates lora;
  const auto weights = dir / "adapter_model.safetensors";
  lora.source = weights.string();
  lora.scaling = alpha / static_cast<double>(r);
  auto table = safetensors_table({weights}, weights.string());
  // PEFT's keys: base_model.model.<module>.lora_A.weight and .lora_B.weight.
  const std::string prefix = "base_model.model.", suffix = ".lora_A.weight";
  for (const auto& [name, a] : table.tensors()) {
    if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const auto module = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (a.shape.size() != 2 || a.shape[0] != r)
      runtime_error("{}: tensor '{}' has shape {}, expected [{}, in]", lora.source, name, shape_string(a.shape), r);
    const auto b_name = prefix + module + ".lora_B.weight";
    if (!table.contains(b_name)) runtime_error("{}: '{}' has no '{}'", lora.source, name, b_name);
    const auto& bt = table.tensors().at(b_name);
    if (bt.shape.size() != 2 || bt.shape[1] != r)
      runtime_error("{}: tensor '{}' has shape {}, expected [out, {}]", lora.source, b_name, shape_string(bt.shape), r);
    LoraUpdates::Update u;
    u.r = r;
    u.in = a.shape[1];
    u.out = bt.shape[0];
    u.A = to_floats(table.matrix(name, r, u.in));
    u.B = to_floats(table.matrix(b_name, u.out, r));
    lora.updates.emplace(module, std::move(u));
  }
  if (lora.updates.empty()) runtime_error("{}: holds no LoRA update", lora.source);
  return lora;
}

}  // namespace

std::unique_ptr<CausalModel> load_causal_model(const fs::path& path, const LoadOptions& options) {
  if (options.threads < 0) usage_error("threads must be >= 0, got {}", options.threads);
  if (is_gguf_file(path)) return load_gguf(path, options);
  if (fs::is_regular_file(path))
    runtime_error("'{}' is neither a GGUF file nor a model directory (GGUF architectures gpt2, llama, qwen2; "
                  "directories of Hugging Face gpt2, llama, mistral, qwen2 or lmforge gpt models)", path.string());
  if (!fs::is_directory(path)) runtime_error("model '{}' does not exist", path.string());
  const auto adapter = model_dir(path, "adapter_config.json");
  if (fs::exists(adapter / "adapter_config.json")) {
    fs::path base;
    auto lora = read_lora(adapter, base);
    return load_hf(base, options, &lora);
  }
  const auto dir = model_dir(path, "config.json");
  if (!fs::exists(dir / "config.json"))
    runtime_error("'{}' is not a model directory: no config.json (nor a .gguf file)", path.string());
  if (pretrained::is_hf_model_dir(dir)) return load_hf(dir, options, nullptr);
  return load_run(path, options);
}

bool is_causal_model(const fs::path& path) {
  try {
    if (is_gguf_file(path)) return true;
    if (!fs::is_directory(path)) return false;
    if (fs::exists(model_dir(path, "adapter_config.json") / "adapter_config.json")) return true;
    const auto dir = model_dir(path, "config.json");
    if (!fs::exists(dir / "config.json")) return false;
    if (pretrained::is_hf_model_dir(dir)) return true;
    const auto j = json_fields::read_file(dir / "config.json");
    return j.is_object() && j.value("model_type", std::string("gpt")) == "gpt";
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace lmforge::infer
