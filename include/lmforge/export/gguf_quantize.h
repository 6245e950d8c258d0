// Quantising a model into a GGUF file (`lmforge quantize`): the weight type of every tensor as
// llama.cpp's quantiser chooses it (llama_tensor_get_type in src/llama-quant.cpp, without an
// importance matrix), and the bytes as its reference quantisers make them (infer/quantize.h).
//
//   mix      2-D weights            output.weight (token_embd when tied)   attn_v / attn_qkv, ffn_down
//   f32      F32                    F32                                     F32
//   f16      F16                    F16                                     F16
//   q8_0     Q8_0                   Q8_0                                    Q8_0
//   q4_0     Q4_0                   Q6_K                                    Q4_0
//   q6_k     Q6_K                   Q6_K                                    Q6_K
//   q4_k_m   Q4_K                   Q6_K                                    Q6_K on the layers
//                                                                           use_more_bits picks
//   q5_k_m   Q5_K                   Q6_K                                    (as q4_k_m)
// Tensors llama.cpp does not quantise keep their type: 1-D tensors (norms, biases), *_norm.weight,
// names not ending in "weight", position_embd.weight. A row that is not a whole number of blocks
// falls back as llama.cpp does (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, a 32-block type -> F16;
// an output whose rows are not a whole number of the mix's blocks -> Q8_0); every fallback is a
// note.
//
//   QuantizeOptions o{"model.gguf", "model-q4_k_m.gguf", QuantMix::Q4_K_M};
//   QuantizeResult r = quantize_model(o);     // r.by_type: count and bytes per type
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/export/ggml_types.h"

namespace lmforge::exporting {

enum class QuantMix { F32, F16, Q8_0, Q4_0, Q4_K_M, Q6_K, Q5_K_M };

// "f32", "f16", "q8_0", "q4_0", "q4_k_m", "q5_k_m", "q6_k" (any case); UsageError listing them otherwise.
QuantMix parse_quant_mix(std::string_view name);
std::string_view mix_name(QuantMix mix);
// general.file_type (llama_ftype): 0, 1, 7, 2, 15, 18.
std::uint32_t mix_file_type(QuantMix mix);

// One tensor as the planner sees it.
struct PlannedTensor {
  std::string name;
  std::vector<std::uint64_t> ne;                  // ggml order
  gguf::TensorType source = gguf::TensorType::F32;  // its type now (kept when not quantised)
};

// The type of each tensor (same order); a note per fallback. n_layer: the block count.
std::vector<gguf::TensorType> plan_types(QuantMix mix, const std::vector<PlannedTensor>& tensors, int n_layer,
                                         std::vector<std::string>& notes);

struct QuantizeOptions {
  std::filesystem::path model;  // a GGUF file, or a directory `lmforge export gguf` reads
  std::filesystem::path out;    // the .gguf file; written atomically
  QuantMix mix = QuantMix::Q8_0;
  int threads = 0;              // quantisation threads; 0 = the cores this process may use
};

struct TypeTotal {
  std::size_t tensors = 0;
  std::uint64_t bytes = 0;
};

struct QuantizeResult {
  std::string architecture;
  std::map<std::string, TypeTotal> by_type;  // type name -> tensors and bytes of that type
  std::uint64_t tensor_bytes = 0;            // all tensor data
  std::uint64_t file_bytes = 0;              // the written file
  std::vector<std::string> notes;
};

// Reads the model, quantises it and writes options.out. A GGUF input keeps its metadata (the
// file type and quantization version updated) and its tensor order; a tensor already in its
// planned type is copied as it is, any other goes through F32. A directory goes through the
// GGUF exporter (export gguf), its weights quantised straight from their floats.
QuantizeResult quantize_model(const QuantizeOptions& options);

// The rows of a float tensor (rows x cols values) encoded in `type` on `threads` threads
// (0 = all); the bytes equal encode(values, type).
std::vector<std::uint8_t> encode_rows(const std::vector<float>& values, std::uint64_t cols, gguf::TensorType type,
                                      int threads);

}  // namespace lmforge::exporting
