// Our GPT as a GPT-2 Hugging Face directory that `transformers` (GPT2LMHeadModel) and our own
// Hugging Face loader open:
//   config.json             model_type gpt2, n_positions = block_size, n_embd, n_layer, n_head,
//                           activation_function "gelu" (our exact erf GELU), layer_norm_epsilon 1e-5
//   model.safetensors       GPT-2 names (transformer.h.<i>.attn.c_attn.weight ...), Conv1D
//                           weights transposed to [in, out]; zero biases when our model has none;
//                           lm_head.weight (and tie_word_embeddings false) when the head is untied
//   generation_config.json  bos/eos from our tokenizer when it has them
// Our tokenizers (tokenizer.lmtok) have no tokenizer.json equivalent yet: the directory has no
// tokenizer, so it is used with token ids (`lmforge generate OUT --prompt-ids ...`).
#pragma once

#include <filesystem>

namespace lmforge::exporting {

struct HfExportOptions {
  std::filesystem::path model;   // our run directory or its model/ (config.json model_type "gpt")
  std::filesystem::path out;     // the directory to write; replaced atomically if it exists
};

struct HfExportResult {
  std::size_t tensors = 0;       // tensors written
  std::uint64_t parameters = 0;  // values written (zero biases included)
  bool tied = true;              // the head shares the token embedding
};

// UsageError for a rotary model (GPT-2 has no rotary positions); RuntimeError for an unreadable
// model directory or weights that do not match its config.
HfExportResult export_gpt2_hf(const HfExportOptions& options);

}  // namespace lmforge::exporting
