#include "lmforge/pretrained/hf_generate.h"

#include <fstream>
#include <memory>

#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"
#include "lmforge/finetune/lora_adapter.h"
#include "lmforge/infer/hf_config.h"
#include "lmforge/tokenizer/hf_sp_tokenizer.h"
#include "lmforge/tokenizer/added_tokens.h"
#include "lmforge/tokenizer/hf_tokenizer.h"

namespace lmforge::pretrained {

namespace {

// tokenizer_config.json's chat template and bos / eos strings as the chat_template text
// lmforge/serve/chat_template.h reads: {"hf": {"chat_template", "bos_token", "eos_token"}}
// (chat_template absent when the model has none, e.g. a base model).
std::string chat_template_config(const std::filesystem::path& dir) {
  const auto path = dir / "tokenizer_config.json";
  if (!std::filesystem::exists(path)) return {};
  const auto config = json_fields::read_file(path);
  if (!config.is_object()) runtime_error("{}: not a JSON object", path.string());
  auto token = [&](const char* key) { return config.contains(key) ? tok::special_token_content(config[key]) : ""; };
  nlohmann::json hf{{"bos_token", token("bos_token")}, {"eos_token", token("eos_token")}};
  if (config.contains("chat_template")) {
    const auto& t = config["chat_template"];
    if (t.is_string()) {
      hf["chat_template"] = t;
    } else if (t.is_array()) {  // [{"name": "default", "template": ...}, {"name": "tool_use", ...}]
      for (const auto& named : t)
        if (named.is_object() && named.value("name", "") == "default") hf["chat_template"] = named.value("template", "");
    }
  }
  return nlohmann::json{{"hf", hf}}.dump();
}

}  // namespace

bool loads_as_lora_adapter(const std::filesystem::path& dir) {
  return finetune::is_lora_adapter_dir(dir) || finetune::is_lora_adapter_dir(dir / "model");
}

std::unique_ptr<CausalLM> load_for_generation(const std::filesystem::path& dir, gen::LoadedModel& loaded) {
  if (loads_as_lora_adapter(dir)) {
    const auto adapter = finetune::read_lora_adapter(dir);
    auto model = load_for_generation(adapter.base_dir, loaded);
    finetune::attach_lora_adapter(adapter, model->config(), model->mutable_weights());
    loaded.dir = adapter.dir;
    return model;
  }
  auto model = CausalLM::load(dir);
  loaded.dir = dir;
  loaded.model_type = model->config().model_type;
  std::ifstream in(dir / "config.json");
  loaded.config = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  // tokenizer.json first, as transformers' AutoTokenizer (a fast tokenizer) prefers it; else
  // tokenizer.model as its slow LlamaTokenizer reads it.
  if (std::filesystem::exists(dir / "tokenizer.json")) {
    loaded.tokenizer_path = dir / "tokenizer.json";
    loaded.tokenizer = tok::HFTokenizer::load(loaded.tokenizer_path);
  } else if (std::filesystem::exists(dir / "tokenizer.model")) {
    loaded.tokenizer_path = dir / "tokenizer.model";
    loaded.tokenizer = tok::HFSentencePieceTokenizer::load(dir);
  }
  loaded.chat_template = chat_template_config(dir);
  return model;
}

}  // namespace lmforge::pretrained
