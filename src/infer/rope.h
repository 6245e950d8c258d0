// Rotary position embeddings: the frequencies of each family and scaling (ported from the
// libtorch decoder, src/pretrained/decoder_layers.cpp, which follows transformers), and their
// application to the heads of one token.
#pragma once

#include <cstdint>
#include <vector>

#include "lmforge/infer/hf_config.h"
#include "model_weights.h"

namespace lmforge::infer {

// base^(-2i / dim) for i < dim / 2.
std::vector<double> default_inverse_frequencies(double base, std::int64_t dim);
// A Hugging Face Llama-family config's rotary: rope_theta and rope_scaling (linear, llama3,
// yarn; dynamic keeps the default frequencies within max_position_embeddings), half-split.
Rope hf_rope(const pretrained::DecoderConfig& config);

// cos and sin of position `pos` for every frequency (attention_factor applied): 2 x dim/2 floats.
void rope_angles(const Rope& rope, std::int64_t pos, float* cos_out, float* sin_out);
// cos and sin (rope_angles) of positions 0 .. size() - 1, computed once per model and grown as
// sequences get longer, so a step reads them instead of calling cos / sin.
class RopeTable {
 public:
  // Rows for positions 0 .. positions - 1 (grown geometrically).
  void ensure(const Rope& rope, std::int64_t positions);
  const float* cos(std::int64_t pos) const { return cos_.data() + pos * half_; }
  const float* sin(std::int64_t pos) const { return sin_.data() + pos * half_; }

 private:
  std::int64_t half_ = 0, size_ = 0;
  std::vector<float> cos_, sin_;
};

// Rotates `heads` heads of `dim` values each, laid out one after the other, by the angles.
void apply_rope(RopeLayout layout, float* x, std::int64_t heads, std::int64_t dim, const float* cos, const float* sin);

}  // namespace lmforge::infer
