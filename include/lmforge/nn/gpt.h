// A decoder-only Transformer (GPT): token embedding, learned or rotary positions, pre-LayerNorm
// blocks with causal multi-head self-attention and a GELU MLP, final LayerNorm, and an output
// head tied to the token embedding (or its own). Parameter names follow nanoGPT
// (wte, wpe, h.<i>.ln_1, h.<i>.attn.c_attn, h.<i>.attn.c_proj, h.<i>.ln_2, h.<i>.mlp.c_fc,
// h.<i>.mlp.c_proj, ln_f, lm_head), so tools/make_nn_fixtures.py's PyTorch twin shares them.
//
//   lmforge::nn::GPTConfig config;  config.vocab_size = 65;  config.n_layer = 4;
//   lmforge::nn::GPT model(config);
//   torch::Tensor logits = model->forward(tokens);            // [B, T] int64 -> [B, T, vocab]
//   torch::Tensor loss = lmforge::nn::lm_loss(logits, targets);
//
// Incremental decoding (lmforge/generate): a KV cache holds every layer's keys and values, so
// the prompt runs in one pass and each new token costs one position:
//   auto cache = model->make_cache(/*batch=*/1);
//   auto logits = model->forward_cached(prompt, cache);      // [1, T] -> [1, T, vocab]
//   logits = model->forward_cached(next_token, cache);       // [1, 1] -> [1, 1, vocab]
//
// Rotary positions: Su et al., "RoFormer" (arXiv:2104.09864), in the GPT-NeoX layout
// (the two halves of each head's dimensions rotate together).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace lmforge::nn {

struct GPTConfig {
  std::int64_t vocab_size = 256;   // number of token ids
  std::int64_t block_size = 256;   // longest context (learned positions need it; rotary too)
  std::int64_t n_layer = 4;        // Transformer blocks
  std::int64_t n_head = 4;         // attention heads; n_embd must divide by it
  std::int64_t n_embd = 128;       // model width
  double dropout = 0.0;            // on embeddings, attention weights and residual branches
  bool bias = true;                // biases in the Linear and LayerNorm layers
  std::string positions = "learned";  // "learned" (wpe table) or "rotary" (no position table)
  double rope_theta = 10000.0;     // rotary base frequency
  bool tie_weights = true;         // the output head reuses wte.weight

  // UsageError naming the field when a value is out of range.
  void validate() const;
  nlohmann::json to_json() const;  // {"model_type": "gpt", ...every field}
  // Missing keys keep their defaults; unknown keys are a UsageError (a typo must not pass).
  static GPTConfig from_json(const nlohmann::json& json);
};

// LayerNorm whose bias is optional (libtorch 1.13's LayerNorm always has one): weight, [bias].
class OptionalBiasLayerNormImpl : public torch::nn::Module {
 public:
  OptionalBiasLayerNormImpl(std::int64_t width, bool bias);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight, bias;  // bias undefined when disabled
};
TORCH_MODULE(OptionalBiasLayerNorm);

// Keys and values of every layer for incremental decoding, preallocated to `capacity` positions.
struct KVCache {
  std::vector<torch::Tensor> keys, values;  // per layer [B, n_head, capacity, head_dim]
  std::int64_t length = 0;                  // positions filled so far

  std::int64_t capacity() const { return keys.empty() ? 0 : keys[0].size(2); }
  std::int64_t batch() const { return keys.empty() ? 0 : keys[0].size(0); }
  // Keeps the batch rows `rows` ([K] int64, repeats allowed): one prompt cache -> n samples.
  void select_rows(const torch::Tensor& rows);
};

class CausalSelfAttentionImpl : public torch::nn::Module {
 public:
  explicit CausalSelfAttentionImpl(const GPTConfig& config);
  torch::Tensor forward(const torch::Tensor& x);  // [B, T, C] -> [B, T, C]
  // x [B, T, C] at positions start..start+T-1; writes its keys/values into the cache tensors
  // ([B, H, capacity, D]) and attends to positions 0..start+T-1.
  torch::Tensor forward_cached(const torch::Tensor& x, torch::Tensor& keys, torch::Tensor& values, std::int64_t start);

  torch::nn::Linear c_attn{nullptr}, c_proj{nullptr};
  torch::nn::Dropout attn_dropout{nullptr}, resid_dropout{nullptr};

 private:
  std::int64_t n_head_;
  bool rotary_;
  torch::Tensor rope_cos_, rope_sin_;  // [block_size, head_dim] buffers when rotary
};
TORCH_MODULE(CausalSelfAttention);

class MLPImpl : public torch::nn::Module {
 public:
  explicit MLPImpl(const GPTConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(MLP);

class BlockImpl : public torch::nn::Module {
 public:
  explicit BlockImpl(const GPTConfig& config);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor forward_cached(const torch::Tensor& x, torch::Tensor& keys, torch::Tensor& values, std::int64_t start);

  OptionalBiasLayerNorm ln_1{nullptr}, ln_2{nullptr};
  CausalSelfAttention attn{nullptr};
  MLP mlp{nullptr};
};
TORCH_MODULE(Block);

class GPTImpl : public torch::nn::Module {
 public:
  // Weights start as nanoGPT's: N(0, 0.02), residual projections N(0, 0.02/sqrt(2 n_layer)),
  // zero biases (seed with torch::manual_seed for reproducible weights).
  explicit GPTImpl(GPTConfig config);
  // tokens: [B, T] int64 with T <= block_size; returns logits [B, T, vocab_size].
  torch::Tensor forward(const torch::Tensor& tokens);

  // An empty cache for `batch` sequences of up to `capacity` positions (0 = block_size), with
  // the dtype and device of the weights.
  KVCache make_cache(std::int64_t batch, std::int64_t capacity = 0) const;
  // tokens [B, T] at positions cache.length..cache.length+T-1 (UsageError past the cache's
  // capacity); appends to the cache. Returns logits [B, T, vocab], or [B, 1, vocab] for the
  // last position only when last_only (what generation needs after a prompt).
  torch::Tensor forward_cached(const torch::Tensor& tokens, KVCache& cache, bool last_only = false);

  const GPTConfig& config() const { return config_; }
  std::int64_t parameter_count() const;  // tied weights counted once

  torch::nn::Embedding wte{nullptr}, wpe{nullptr};  // wpe only with learned positions
  torch::nn::Dropout drop{nullptr};
  torch::nn::ModuleList h{nullptr};
  OptionalBiasLayerNorm ln_f{nullptr};
  torch::nn::Linear lm_head{nullptr};  // only when tie_weights is false

 private:
  void init_weights();
  GPTConfig config_;
};
TORCH_MODULE(GPT);

// Mean cross-entropy of next-token logits [B, T, V] against targets [B, T]; targets equal to
// -1 are ignored (padding).
torch::Tensor lm_loss(const torch::Tensor& logits, const torch::Tensor& targets);

}  // namespace lmforge::nn
