// lmforge's own GPT model directory as export sees it, without torch: config.json (model_type
// "gpt", see lmforge/nn/gpt.h) and model.safetensors with nanoGPT names (wte, wpe,
// h.<i>.attn.c_attn, ..., lm_head), each Linear weight stored PyTorch-style [out, in].
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace lmforge::exporting {

struct OurGptConfig {
  std::filesystem::path dir;      // the directory holding config.json and model.safetensors
  std::int64_t vocab_size = 0;
  std::int64_t block_size = 0;    // the longest context
  std::int64_t n_layer = 0;
  std::int64_t n_head = 0;
  std::int64_t n_embd = 0;
  bool bias = true;               // Linear and LayerNorm biases (zeros are written when false)
  std::string positions;          // "learned" or "rotary"
  bool tie_weights = true;        // the head is wte.weight
  std::filesystem::path tokenizer;  // tokenizer.lmtok or tokenizer.model in the model directory; empty if none
  int bos_id = -1, eos_id = -1;   // from the model's tokenizer when it has one; -1 otherwise
  static constexpr double kNormEps = 1e-5;  // our LayerNorm's epsilon (src/nn/gpt.cpp)
};

// True when `path` (a run directory or its model/) holds one of our GPT models.
bool is_our_gpt_dir(const std::filesystem::path& path);

// Reads config.json of the run directory or its model/; RuntimeError when it is not a GPT
// model directory, UsageError when `what` (e.g. "a GPT-2 Hugging Face model") cannot express it:
// rotary positions have no GPT-2 equivalent.
OurGptConfig read_our_gpt(const std::filesystem::path& path, const std::string& what);

}  // namespace lmforge::exporting
