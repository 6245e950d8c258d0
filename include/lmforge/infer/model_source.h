// What a decoding command needs besides the weights, found without libtorch for every model
// source the engine loads: the tokenizer, the chat template and the extra end-of-generation ids.
//
//   ModelSource src = open_model_source("runs/tang-poems");     // or an HF dir, adapter dir, .gguf
//   src.tokenizer->encode("床前明月光");  src.chat_template;
//
// Where each comes from:
//   lmforge run / model directory (config.json with model_type "gpt", in the directory or its
//     model/): tokenizer.lmtok, else tokenizer.model there, else the tokenizer the training data
//     was prepared with (<run>/train_config.json -> data.dir -> meta.json -> tokenizer.path);
//     chat template: config.json "chat_template".
//   Hugging Face directory: tokenizer.json (tok::HFTokenizer), else tokenizer.model with
//     tokenizer_config.json (Llama 2's slow tokenizer, tok::HFSentencePieceTokenizer); chat
//     template: tokenizer_config.json chat_template (the "default" one of a list) with its
//     bos / eos strings, else config.json chat_template.
//   LoRA adapter directory (PEFT layout, or a `lmforge finetune` run holding one in model/):
//     its base's (adapter_config.json base_model_name_or_path).
//   GGUF file: tokenizer.ggml.* (tok::load_gguf_tokenizer); chat template
//     tokenizer.chat_template; end of generation: eos, eot, eom and llama.cpp's known ones.
// No tokenizer is not an error here (prompts then go in as ids); a broken one is.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "lmforge/tokenizer/tokenizer.h"

namespace lmforge::infer {

struct ModelSource {
  std::string kind;                          // "run", "hf", "lora", "gguf"
  std::filesystem::path path;                // as given
  std::filesystem::path tokenizer_path;      // empty when none was found
  std::unique_ptr<tok::Tokenizer> tokenizer; // null when none was found
  // The chat template as lmforge/serve/chat_template.h reads it: our JSON object or style name
  // (run directories), or {"hf": {"chat_template", "bos_token", "eos_token"}} (Hugging Face and
  // GGUF). Empty when the model has none.
  std::string chat_template;
  std::vector<int> eos_ids;                  // ends generation besides the model's own eos ids
};

// RuntimeError naming the file when the path is no model or its tokenizer cannot be read.
ModelSource open_model_source(const std::filesystem::path& path);

// The directory holding config.json for an lmforge run or model directory: `path` or path/model.
std::filesystem::path run_model_dir(const std::filesystem::path& path);

}  // namespace lmforge::infer
