#include "lmforge/train/model_files.h"

#include <nlohmann/json.hpp>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/tokenizer/lmtok_format.h"

namespace lmforge::train {

namespace fs = std::filesystem;

std::string copy_tokenizer_file(const fs::path& source, const fs::path& model_dir) {
  fs::path file = source;
  if (fs::is_directory(file)) file /= "tokenizer.lmtok";
  if (!fs::is_regular_file(file)) runtime_error("{}: tokenizer not found (the model directory needs it)", file.string());
  // By content, as Tokenizer::load decides: ours has a magic number, anything else must be a
  // SentencePiece ModelProto (which Tokenizer::load checks when the model is used).
  const std::string name = tok::is_lmtok_file(file) ? "tokenizer.lmtok" : "tokenizer.model";
  write_file_atomic(model_dir / name, read_file(file));
  return name;
}

std::string write_tokenizer_file(const tok::ModelSpec& spec, const fs::path& model_dir) {
  tok::write_lmtok_file(spec, model_dir / "tokenizer.lmtok");
  return "tokenizer.lmtok";
}

void write_tokenizer_config(const fs::path& model_dir, const TokenizerInfo& info) {
  const nlohmann::json json = {{"tokenizer_file", info.file}, {"bos_id", info.bos_id}, {"eos_id", info.eos_id},
                               {"pad_id", info.pad_id},       {"unk_id", info.unk_id}, {"add_bos", info.add_bos},
                               {"vocab_size", info.vocab_size}};
  write_file_atomic(model_dir / kTokenizerConfigFile, json.dump(2) + "\n");
}

TokenizerInfo read_tokenizer_config(const fs::path& model_dir) {
  const fs::path path = model_dir / kTokenizerConfigFile;
  if (!fs::exists(path)) runtime_error("{}: missing (a model directory written by `lmforge train` has it)", path.string());
  try {
    const auto json = nlohmann::json::parse(read_file(path));
    TokenizerInfo info;
    info.file = json.at("tokenizer_file").get<std::string>();
    info.bos_id = json.value("bos_id", -1);
    info.eos_id = json.value("eos_id", -1);
    info.pad_id = json.value("pad_id", -1);
    info.unk_id = json.value("unk_id", -1);
    info.add_bos = json.value("add_bos", false);
    info.vocab_size = json.value("vocab_size", 0LL);
    return info;
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: malformed: {}", path.string(), e.what());
  }
}

}  // namespace lmforge::train
