// The files that make a model directory self-contained besides config.json and the weights:
//
//   tokenizer.lmtok | tokenizer.model   the tokenizer (ours, or a SentencePiece model), by content
//   tokenizer_config.json               {"tokenizer_file", "bos_id", "eos_id", "pad_id", "unk_id",
//                                        "add_bos", "vocab_size"} (the Hugging Face file name; kept
//                                        out of config.json, whose keys the model configs check)
//
// Consumers (generate, eval) load the tokenizer with tok::Tokenizer::load(model_dir / file).
#pragma once

#include <filesystem>
#include <string>

namespace lmforge::tok {
struct ModelSpec;
}

namespace lmforge::train {

inline constexpr const char* kTokenizerConfigFile = "tokenizer_config.json";

struct TokenizerInfo {
  std::string file;          // "tokenizer.lmtok" or "tokenizer.model" (inside the model directory)
  int bos_id = -1, eos_id = -1, pad_id = -1, unk_id = -1;  // -1: none
  bool add_bos = false;      // whether training documents started with bos_id
  long long vocab_size = 0;  // the tokenizer's pieces (the model may have more rows, e.g. an added pad)
};

// Copies the tokenizer at `source` (a .lmtok or SentencePiece .model file, or a directory holding
// tokenizer.lmtok) into `model_dir` under its conventional name; returns that name. RuntimeError
// when the source is missing or is neither format.
std::string copy_tokenizer_file(const std::filesystem::path& source, const std::filesystem::path& model_dir);

// Writes `spec` as model_dir/tokenizer.lmtok (a tokenizer built during training); returns the name.
std::string write_tokenizer_file(const tok::ModelSpec& spec, const std::filesystem::path& model_dir);

void write_tokenizer_config(const std::filesystem::path& model_dir, const TokenizerInfo& info);
// RuntimeError naming the file when it is missing or malformed.
TokenizerInfo read_tokenizer_config(const std::filesystem::path& model_dir);

}  // namespace lmforge::train
