#include "lmforge/generate/model_dir.h"

#include <fstream>

#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"
#include "lmforge/data/meta.h"
#include "lmforge/nn/safetensors.h"
#include "lmforge/nn/weights.h"

namespace lmforge::gen {

namespace fs = std::filesystem;

namespace {

// The tokenizer the training data was prepared with, when the run directory says where it is.
fs::path tokenizer_from_run(const fs::path& model_dir) {
  for (const auto& run : {model_dir, model_dir.parent_path()}) {
    const auto train_config = run / "train_config.json";
    if (!fs::exists(train_config)) continue;
    const auto config = json_fields::read_file(train_config);
    if (!config.contains("data") || !config["data"].contains("dir")) continue;
    const fs::path data_dir = config["data"]["dir"].get<std::string>();
    if (!fs::exists(data_dir / data::kMetaFileName)) continue;
    const auto meta = data::read_meta(data_dir);
    if (!meta.tokenizer.path.empty() && fs::exists(meta.tokenizer.path)) return meta.tokenizer.path;
  }
  return {};
}

}  // namespace

LoadedModel load_model_dir(const fs::path& path, bool require_tokenizer) {
  LoadedModel m;
  if (!fs::is_directory(path)) runtime_error("model directory '{}' does not exist", path.string());
  m.dir = fs::exists(path / "config.json") ? path : path / "model";
  if (!fs::exists(m.dir / "config.json"))
    runtime_error("'{}' is not a model directory: no config.json (give the run directory of `lmforge train` or its model/)",
                  path.string());
  m.config = json_fields::read_file(m.dir / "config.json");
  auto arch = m.config;
  if (arch.contains("chat_template")) {
    m.chat_template = arch["chat_template"].get<std::string>();
    arch.erase("chat_template");
  }
  arch.erase("generation");
  m.model_type = arch.value("model_type", std::string("gpt"));
  const auto weights_path = m.dir / "model.safetensors";
  if (!fs::exists(weights_path)) runtime_error("{} is missing (the weights of the model)", weights_path.string());
  const auto weights = nn::read_safetensors(weights_path).tensors;
  if (m.model_type == "gpt") {
    m.gpt = nn::GPT(nn::GPTConfig::from_json(arch));
    nn::load_module_weights(*m.gpt, weights, weights_path.string());
    m.gpt->eval();
  } else if (m.model_type == "seq2seq") {
    m.seq2seq = nn::Seq2Seq(nn::Seq2SeqConfig::from_json(arch));
    nn::load_module_weights(*m.seq2seq, weights, weights_path.string());
    m.seq2seq->eval();
  } else {
    runtime_error("{}: model_type '{}' cannot generate (expected 'gpt' or 'seq2seq')", (m.dir / "config.json").string(),
                  m.model_type);
  }
  for (const char* name : {"tokenizer.lmtok", "tokenizer.model"})
    if (fs::exists(m.dir / name)) {
      m.tokenizer_path = m.dir / name;
      break;
    }
  if (m.tokenizer_path.empty()) m.tokenizer_path = tokenizer_from_run(m.dir);
  if (!m.tokenizer_path.empty()) {
    m.tokenizer = tok::Tokenizer::load(m.tokenizer_path);
  } else if (require_tokenizer) {
    runtime_error("no tokenizer for {}: expected tokenizer.lmtok or tokenizer.model there, or a train_config.json "
                  "whose data directory names one (use --prompt-ids to work on token ids)",
                  m.dir.string());
  }
  return m;
}

}  // namespace lmforge::gen
