// A pretrained Hugging Face BERT-family encoder (BERT, MiniLM) for inference on the CPU in
// float32, and sentence embeddings from it as sentence-transformers computes them.
//
//   auto model = lmforge::pretrained::EncoderModel::load("models/all-MiniLM-L6-v2");
//   auto hidden = model->forward(input_ids, attention_mask);   // [B, T] int64 -> [B, T, H]
//   auto vectors = pool(hidden, attention_mask, model->pooling()); // [B, H]
//
// The computation follows transformers' BertModel (eager attention): word + position +
// token-type (0) embeddings and LayerNorm, then post-LayerNorm blocks (self-attention with the
// padding masked out, GELU with erf, as hidden_act "gelu" means). The weights are those of
// BertModel ("embeddings.*", "encoder.*", as sentence-transformers saves them) or of a model with a
// head ("bert.embeddings.*" ...); the pooler and heads are left unused.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include <ATen/core/Tensor.h>

#include "lmforge/pretrained/encoder_config.h"

namespace lmforge::pretrained {

class EncoderModel {
 public:
  // Reads config.json (and the pooling files) first, so an unsupported architecture fails
  // before any weight is mapped, then maps the weights and checks every shape against the
  // config. RuntimeError on a missing or mis-shaped tensor, or one the encoder does not use.
  static std::unique_ptr<EncoderModel> load(const std::filesystem::path& dir);

  const EncoderConfig& config() const { return config_; }
  const PoolingConfig& pooling() const { return pooling_; }
  // The longest input: the pooling files' max_seq_length, else max_position_embeddings.
  std::int64_t max_tokens() const;
  std::int64_t parameter_count() const;

  // input_ids, attention_mask: [B, T] int64 (mask 1 = token, 0 = padding). Returns the last
  // hidden states [B, T, H]. UsageError past max_position_embeddings or outside the vocabulary.
  at::Tensor forward(const at::Tensor& input_ids, const at::Tensor& attention_mask) const;

 private:
  struct Layer {
    at::Tensor q_w, q_b, k_w, k_b, v_w, v_b, o_w, o_b, norm1_w, norm1_b;
    at::Tensor up_w, up_b, down_w, down_b, norm2_w, norm2_b;
  };
  EncoderModel() = default;

  EncoderConfig config_;
  PoolingConfig pooling_;
  at::Tensor word_, position_, token_type_, embed_norm_w_, embed_norm_b_;
  std::vector<Layer> layers_;
};

// One vector per row of hidden [B, T, H]: the mean over attention_mask's tokens, or the first
// token's state (cls); L2-normalised when pooling.normalize.
at::Tensor pool(const at::Tensor& hidden, const at::Tensor& attention_mask, const PoolingConfig& pooling);

}  // namespace lmforge::pretrained
