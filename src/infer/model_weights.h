// What a loader hands the transformer: the architecture (norm, activation, rotary layout and
// frequencies) and the weights of every layer as matmul takes them. One struct for every family
// and source, so there is one forward pass (transformer.cpp) and each loader only maps names.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lmforge/infer/causal_model.h"
#include "lmforge/infer/matmul.h"
#include "mapped_file.h"

namespace lmforge::infer {

enum class NormKind { layer, rms };                       // LayerNorm (GPT, GPT-2) or RMSNorm (Llama)
enum class Activation { gelu_erf, gelu_tanh, silu_gated };  // MLP: gelu(up x) or silu(gate x) * up x
// Which dimensions of a head rotate together: none (learned positions), the two halves
// (GPT-NeoX / Hugging Face rotate_half), or adjacent pairs (ggml's NORM mode, what llama.cpp's
// converter permutes the llama arch's q/k rows for).
enum class RopeLayout { none, half_split, adjacent };

struct Rope {
  RopeLayout layout = RopeLayout::none;
  std::vector<double> inv_freq;   // head_dim / 2 angular frequencies (scaling applied)
  double attention_factor = 1.0;  // YaRN: cos and sin are multiplied by it
};

struct ModelSpec {
  ModelInfo info;                  // sizes, ids, family, source (context: the trained one)
  NormKind norm = NormKind::rms;
  double norm_eps = 1e-5;
  Activation activation = Activation::silu_gated;
  Rope rope;
  std::int64_t sliding_window = 0;  // attend to the last N positions only; 0 = all
};

struct Linear {
  WeightTensor w;           // [out, in]
  std::vector<float> bias;  // out values, or empty
};

struct Norm {
  std::vector<float> weight, bias;  // bias empty: none (always for RMSNorm)
};

struct LayerWeights {
  Norm attn_norm, ffn_norm;
  Linear q, k, v, o;
  Linear gate, up, down;  // gate.w.rows == 0 unless the MLP is gated (SwiGLU)
};

struct ModelWeights {
  WeightTensor embed;      // [vocab, n_embd]
  WeightTensor positions;  // [context, n_embd] learned positions; rows == 0 when none
  Norm final_norm;
  WeightTensor head;       // [vocab, n_embd]; the embedding when tied
  std::vector<LayerWeights> layers;
  std::vector<std::shared_ptr<MappedFile>> files;          // the mappings the tensors point into
  std::vector<std::unique_ptr<std::vector<float>>> owned;  // weights a loader converted (transposed, merged)

  // Keeps `values` ([rows, cols] floats) alive with the model and returns them as an F32 matrix.
  WeightTensor own(std::vector<float> values, std::int64_t rows, std::int64_t cols);
};

// The model over these weights (transformer.cpp): context, threads and the KV type from options.
std::unique_ptr<CausalModel> make_transformer(ModelSpec spec, ModelWeights weights, const LoadOptions& options);

}  // namespace lmforge::infer
