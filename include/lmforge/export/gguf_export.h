// Models as GGUF files for llama.cpp:
//   our GPT (learned positions)       arch "gpt2": token_embd, position_embd, blk.<i>.attn_qkv,
//                                     attn_output, ffn_up, ffn_down, their norms (zero biases
//                                     when our model has none); output when the head is untied
//   Hugging Face llama / mistral      arch "llama": q and k rows permuted from Hugging Face's
//                                     rotate-half layout to ggml's interleaved pairs, as
//                                     llama.cpp's convert_hf_to_gguf.py does; rope_freqs for
//                                     rope_scaling "llama3", scaling keys for "linear"
//   Hugging Face qwen2                arch "qwen2" (NeoX rotary: no permutation), q/k/v biases
// Weight types: 2-D weights in --type (F32, F16 or Q8_0; a Q8_0 row that does not divide by 32
// falls back to F16), 1-D tensors (norms, biases) always F32, as llama.cpp's converter does.
// The tokenizer (gguf_vocab.h): ours (tokenizer.lmtok / tokenizer.model) or tokenizer.json when
// the directory has one, else tokens named by their ids, with a note saying so.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/export/ggml_types.h"
#include "lmforge/export/gguf_quantize.h"

namespace lmforge::exporting {

struct GgufExportOptions {
  std::filesystem::path model;               // our run directory / model dir, or a Hugging Face directory
  std::filesystem::path out;                 // the .gguf file; written atomically
  gguf::TensorType type = gguf::TensorType::F32;  // for 2-D weights
  bool id_tokens = false;                    // write "<|id|>" tokens even when the tokenizer is
                                             // expressible (token-exact comparisons with llama.cpp)
  std::optional<QuantMix> mix;               // lmforge quantize: types as llama.cpp's quantiser
                                             // picks them (gguf_quantize.h); `type` is then unused
  int threads = 1;                           // encoding threads (0 = all cores)
};

struct GgufExportResult {
  std::string architecture;       // "gpt2", "llama", "qwen2"
  std::size_t tensors = 0;
  std::size_t converted = 0;      // tensors stored in options.type (the 2-D weights)
  std::uint64_t parameters = 0;
  std::vector<std::string> notes;  // what the user should know (id-named tokens, fallbacks)
};

// "f32", "f16", "q8_0" -> the type; UsageError otherwise.
gguf::TensorType parse_gguf_type(std::string_view name);

// Our GPT or a Hugging Face llama/mistral/qwen2 directory, told apart by config.json.
// UsageError for a rotary GPT (llama.cpp's gpt2 has learned positions) or an unsupported
// model_type; RuntimeError for unreadable or inconsistent weights.
GgufExportResult export_gguf(const GgufExportOptions& options);

}  // namespace lmforge::exporting
