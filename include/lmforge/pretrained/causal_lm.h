// A pretrained Hugging Face decoder (GPT-2, Llama 2/3, Mistral, Qwen2) for inference on the
// CPU in float32: the weights of the directory (hf_weights.h) under the architecture of its
// config.json (hf_config.h), with a KV cache for incremental decoding (the nn::KVCache of our
// own GPT, holding num_key_value_heads heads per layer).
//
//   auto model = lmforge::pretrained::CausalLM::load("models/tiny-llama");
//   auto cache = model->make_cache(/*batch=*/1, /*capacity=*/64);
//   auto logits = model->forward(prompt, cache);            // [1, T] int64 -> [1, T, vocab]
//   logits = model->forward(next, cache, /*last_only=*/true); // [1, 1] -> [1, 1, vocab]
//
// The computation follows transformers' modelling code: GPT-2 (LayerNorm, learned positions,
// Conv1D weights stored [in, out], GELU with the tanh approximation) and Llama (RMSNorm,
// rotate-half rotary embeddings with the configured base and linear / llama3 scaling,
// grouped-query attention, SwiGLU, optional q/k/v and o biases as Qwen2 and attention_bias have).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include <ATen/core/Tensor.h>

#include "lmforge/nn/gpt.h"
#include "lmforge/pretrained/hf_config.h"

namespace lmforge::pretrained {

class CausalLM {
 public:
  // Reads config.json first (an unsupported architecture fails before any weight is mapped),
  // then maps the weights and checks every tensor's shape against the config. RuntimeError on
  // a missing or mis-shaped tensor, or a tensor the architecture does not use.
  static std::unique_ptr<CausalLM> load(const std::filesystem::path& dir);

  const DecoderConfig& config() const { return config_; }
  std::int64_t parameter_count() const;  // a tied embedding counted once
  std::int64_t weight_file_bytes() const { return weight_file_bytes_; }

  // An empty cache for `batch` sequences of up to `capacity` positions (at most max_positions).
  nn::KVCache make_cache(std::int64_t batch, std::int64_t capacity) const;
  // tokens [B, T] int64 at positions cache.length..cache.length+T-1 (UsageError past the
  // cache's capacity or outside the vocabulary); appends to the cache. Logits [B, T, vocab], or
  // [B, 1, vocab] for the last position when last_only.
  at::Tensor forward(const at::Tensor& tokens, nn::KVCache& cache, bool last_only = false) const;
  // The whole sequence without a cache (parity checks): [B, T] -> [B, T, vocab].
  at::Tensor forward(const at::Tensor& tokens) const;

 private:
  struct Layer {
    at::Tensor norm1_w, norm1_b, norm2_w, norm2_b;   // b: LayerNorm (gpt2) only
    at::Tensor qkv_w, qkv_b;                         // gpt2: fused c_attn [C, 3C] (Conv1D)
    at::Tensor q_w, q_b, k_w, k_b, v_w, v_b;         // llama: [out, in]
    at::Tensor o_w, o_b;
    at::Tensor fc_w, fc_b, proj_w, proj_b;           // gpt2 MLP (Conv1D)
    at::Tensor gate_w, gate_b, up_w, up_b, down_w, down_b;  // llama SwiGLU
  };
  CausalLM() = default;
  at::Tensor attention(const Layer& layer, const at::Tensor& x, at::Tensor& keys, at::Tensor& values,
                       std::int64_t start) const;
  at::Tensor mlp(const Layer& layer, const at::Tensor& x) const;
  at::Tensor norm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) const;

  DecoderConfig config_;
  at::Tensor embed_, positions_, final_norm_w_, final_norm_b_, lm_head_;  // positions_: gpt2 wpe
  at::Tensor rope_inv_freq_;  // [head_dim / 2] (llama family)
  std::vector<Layer> layers_;
  std::int64_t weight_file_bytes_ = 0;
};

}  // namespace lmforge::pretrained
