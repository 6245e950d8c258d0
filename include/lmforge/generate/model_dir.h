// Opening a trained model directory for generation: config.json (model_type "gpt" or
// "seq2seq"), model.safetensors, and the tokenizer.
//
//   auto m = load_model_dir("runs/shakespeare-char");     // the run directory or its model/
//   m.gpt->forward(...);  m.tokenizer->encode("ROMEO:");
//
// The tokenizer is, in order: <model>/tokenizer.lmtok, <model>/tokenizer.model (SentencePiece),
// else the one the training data was prepared with (<run>/train_config.json -> data.dir ->
// meta.json -> tokenizer.path). config.json may also hold "chat_template" (see chat_template.h)
// and "generation" defaults; they are not architecture keys.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "lmforge/nn/gpt.h"
#include "lmforge/nn/seq2seq.h"
#include "lmforge/tokenizer/tokenizer.h"

namespace lmforge::gen {

struct LoadedModel {
  std::filesystem::path dir;                    // the directory holding config.json
  std::string model_type;                       // "gpt" or "seq2seq"
  nn::GPT gpt{nullptr};                         // when model_type is "gpt"
  nn::Seq2Seq seq2seq{nullptr};                 // when model_type is "seq2seq"
  std::unique_ptr<tok::Tokenizer> tokenizer;    // null when none was found (ids-only use)
  std::filesystem::path tokenizer_path;
  nlohmann::json config;                        // config.json as read
  std::string chat_template;                    // config.json "chat_template", or empty
};

// RuntimeError with a hint when the directory is not a model (no config.json), the weights do
// not fit the config, or (require_tokenizer) no tokenizer is found.
LoadedModel load_model_dir(const std::filesystem::path& path, bool require_tokenizer = true);

}  // namespace lmforge::gen
