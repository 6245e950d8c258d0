// Tokenizer, chat template and end-of-generation ids of every model source (see model_source.h).
#include "lmforge/infer/model_source.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"
#include "lmforge/data/meta.h"
#include "lmforge/infer/hf_config.h"
#include "lmforge/tokenizer/added_tokens.h"
#include "lmforge/tokenizer/gguf_tokenizer.h"
#include "lmforge/tokenizer/hf_sp_tokenizer.h"
#include "lmforge/tokenizer/hf_tokenizer.h"

namespace lmforge::infer {

namespace fs = std::filesystem;

namespace {

bool is_gguf(const fs::path& path) {
  if (!fs::is_regular_file(path)) return false;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::string_view(magic, 4) == "GGUF";
}

// The tokenizer the training data was prepared with, when the run directory says where it is.
fs::path tokenizer_from_run(const fs::path& model_dir) {
  for (const auto& run : {model_dir, model_dir.parent_path()}) {
    const auto train_config = run / "train_config.json";
    if (!fs::exists(train_config)) continue;
    const auto config = json_fields::read_file(train_config);
    if (!config.is_object() || !config.contains("data") || !config["data"].contains("dir")) continue;
    const fs::path data_dir = config["data"]["dir"].get<std::string>();
    if (!fs::exists(data_dir / data::kMetaFileName)) continue;
    const auto meta = data::read_meta(data_dir);
    if (!meta.tokenizer.path.empty() && fs::exists(meta.tokenizer.path)) return meta.tokenizer.path;
  }
  return {};
}

void open_run(const fs::path& path, ModelSource& s) {
  s.kind = "run";
  const auto dir = run_model_dir(path);
  const auto config = json_fields::read_file(dir / "config.json");
  if (config.is_object() && config.contains("chat_template")) {
    const auto& t = config["chat_template"];
    s.chat_template = t.is_string() ? t.get<std::string>() : t.dump();
  }
  for (const char* name : {"tokenizer.lmtok", "tokenizer.model"})
    if (fs::exists(dir / name)) {
      s.tokenizer_path = dir / name;
      break;
    }
  if (s.tokenizer_path.empty()) s.tokenizer_path = tokenizer_from_run(dir);
  if (!s.tokenizer_path.empty()) s.tokenizer = tok::Tokenizer::load(s.tokenizer_path);
}

// tokenizer_config.json's chat template and bos / eos strings as {"hf": {...}} (chat_template
// absent when the model has none, e.g. a base model).
std::string hf_chat_template(const fs::path& dir) {
  const auto path = dir / "tokenizer_config.json";
  nlohmann::json config = nlohmann::json::object();
  if (fs::exists(path)) {
    config = json_fields::read_file(path);
    if (!config.is_object()) runtime_error("{}: not a JSON object", path.string());
  }
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
  if (!hf.contains("chat_template") && fs::exists(dir / "config.json")) {
    const auto model_config = json_fields::read_file(dir / "config.json");
    if (model_config.is_object() && model_config.contains("chat_template") && model_config["chat_template"].is_string())
      hf["chat_template"] = model_config["chat_template"];
  }
  if (!fs::exists(path) && !hf.contains("chat_template")) return {};
  return nlohmann::json{{"hf", hf}}.dump();
}

void open_hf(const fs::path& dir, ModelSource& s) {
  // tokenizer.json first, as transformers' AutoTokenizer (a fast tokenizer) prefers it; else
  // tokenizer.model as its slow LlamaTokenizer reads it.
  if (fs::exists(dir / "tokenizer.json")) {
    s.tokenizer_path = dir / "tokenizer.json";
    s.tokenizer = tok::HFTokenizer::load(s.tokenizer_path);
  } else if (fs::exists(dir / "tokenizer.model")) {
    s.tokenizer_path = dir / "tokenizer.model";
    s.tokenizer = tok::HFSentencePieceTokenizer::load(dir);
  }
  s.chat_template = hf_chat_template(dir);
}

fs::path adapter_base(const fs::path& adapter_dir) {
  const auto config_path = adapter_dir / "adapter_config.json";
  const auto config = json_fields::read_file(config_path);
  const fs::path base = config.is_object() ? config.value("base_model_name_or_path", std::string()) : std::string();
  if (base.empty() || !fs::exists(base / "config.json"))
    runtime_error("{}: the base model '{}' is not a directory with config.json", config_path.string(), base.string());
  return base;
}

void open_gguf(const fs::path& path, ModelSource& s) {
  s.kind = "gguf";
  auto tokenizer = tok::load_gguf_tokenizer(path);
  const auto& info = tokenizer->info();
  s.eos_ids = info.eog_ids;
  if (!info.chat_template.empty()) {
    const auto& pieces = tokenizer->spec().pieces;
    auto piece = [&](int id) { return id >= 0 && id < static_cast<int>(pieces.size()) ? pieces[id].text : std::string(); };
    s.chat_template = nlohmann::json{{"hf",
                                      {{"chat_template", info.chat_template},
                                       {"bos_token", piece(info.bos_id)},
                                       {"eos_token", piece(info.eos_id)}}}}
                          .dump();
  }
  s.tokenizer_path = path;
  s.tokenizer = std::move(tokenizer);
}

}  // namespace

fs::path run_model_dir(const fs::path& path) {
  return fs::exists(path / "config.json") || !fs::exists(path / "model" / "config.json") ? path : path / "model";
}

ModelSource open_model_source(const fs::path& path) {
  ModelSource s;
  s.path = path;
  if (is_gguf(path)) {
    open_gguf(path, s);
    return s;
  }
  if (!fs::is_directory(path)) runtime_error("model '{}' is neither a directory nor a GGUF file", path.string());
  for (const auto& dir : {path, path / "model"})
    if (fs::exists(dir / "adapter_config.json")) {
      s.kind = "lora";
      open_hf(adapter_base(dir), s);
      return s;
    }
  const auto dir = run_model_dir(path);
  if (!fs::exists(dir / "config.json"))
    runtime_error("'{}' is not a model directory: no config.json (nor a .gguf file)", path.string());
  if (pretrained::is_hf_model_dir(dir)) {
    s.kind = "hf";
    open_hf(dir, s);
  } else {
    open_run(path, s);
  }
  return s;
}

}  // namespace lmforge::infer
