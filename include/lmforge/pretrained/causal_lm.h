// A pretrained Hugging Face decoder (GPT-2, Llama 2/3, Mistral, Qwen2) for inference on the
// CPU in float32: the weights of the directory (hf_weights.h) under the architecture of its
// config.json (lmforge/infer/hf_config.h), with a KV cache for incremental decoding (the nn::KVCache of our
// own GPT, holding num_key_value_heads heads per layer).
//
//   auto model = lmforge::pretrained::CausalLM::load("models/tiny-llama");
//   auto cache = model->make_cache(/*batch=*/1, /*capacity=*/64);
//   auto logits = model->forward(prompt, cache);            // [1, T] int64 -> [1, T, vocab]
//   logits = model->forward(next, cache, /*last_only=*/true); // [1, 1] -> [1, 1, vocab]
//
// The computation (decoder_layers.h, shared with fine-tuning) follows transformers' modelling
// code: GPT-2 (LayerNorm, learned positions, Conv1D weights stored [in, out], GELU with the tanh
// approximation) and Llama (RMSNorm, rotate-half rotary embeddings with the configured base and
// linear / llama3 scaling, grouped-query attention, SwiGLU, optional q/k/v and o biases as Qwen2
// and attention_bias have).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include <ATen/core/Tensor.h>

#include "lmforge/nn/gpt.h"
#include "lmforge/pretrained/decoder_layers.h"
#include "lmforge/infer/hf_config.h"

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
  // The weight tensors (float32; views of the mapped files where those are F32). Fine-tuning
  // starts from them: frozen as they are for LoRA, cloned for full fine-tuning.
  const DecoderWeights& weights() const { return weights_; }
  // For attaching a LoRA adapter to the projections (finetune/lora_adapter.h).
  DecoderWeights& mutable_weights() { return weights_; }

  // An empty cache for `batch` sequences of up to `capacity` positions (at most max_positions).
  nn::KVCache make_cache(std::int64_t batch, std::int64_t capacity) const;
  // tokens [B, T] int64 at positions cache.length..cache.length+T-1 (UsageError past the
  // cache's capacity or outside the vocabulary); appends to the cache. Logits [B, T, vocab], or
  // [B, 1, vocab] for the last position when last_only.
  at::Tensor forward(const at::Tensor& tokens, nn::KVCache& cache, bool last_only = false) const;
  // The whole sequence without a cache (parity checks): [B, T] -> [B, T, vocab].
  at::Tensor forward(const at::Tensor& tokens) const;

 private:
  CausalLM() = default;

  DecoderConfig config_;
  DecoderWeights weights_;  // the layers' math lives in decoder_layers.h, shared with fine-tuning
  std::int64_t weight_file_bytes_ = 0;
};

}  // namespace lmforge::pretrained
