// The layers of a Hugging Face decoder (GPT-2, Llama 2/3, Mistral, Qwen2) as free functions over
// a struct of weight tensors, shared by inference (causal_lm.h: memory-mapped weights, a KV cache,
// no gradients) and fine-tuning (lmforge/finetune/trainable_decoder.h: the same tensors as
// trainable parameters, or frozen with a LoRA update on some projections). One implementation of
// the math, so the model that is trained is exactly the model that generates.
//
//   DecoderWeights w;
//   for (auto& slot : weight_slots(config, w)) *slot.tensor = load(slot.name, slot.shape);
//   w.rope_inv_freq = rope_inverse_frequencies(config);
//   auto logits = decoder_forward(config, w, tokens, /*cache=*/nullptr);   // [B, T, vocab]
//
// The computation follows transformers' modelling code: GPT-2 (LayerNorm, learned positions,
// Conv1D weights stored [in, out], GELU with the tanh approximation) and Llama (RMSNorm,
// rotate-half rotary embeddings with the configured base and linear / llama3 / yarn scaling,
// grouped-query attention, SwiGLU, optional q/k/v, o and MLP biases). The base models' dropouts
// (GPT-2's 0.1) are not applied; a projection's LoRA dropout is, when `training`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "lmforge/nn/gpt.h"
#include "lmforge/infer/hf_config.h"

namespace lmforge::pretrained {

// One linear map of the model, with an optional low-rank update (LoRA, Hu et al. 2021,
// https://arxiv.org/abs/2106.09685, as PEFT's lora.Linear computes it):
//   y = base(x) + lora_scaling * B(A(dropout(x)))
struct Projection {
  at::Tensor weight;             // [out, in] (nn.Linear), or [in, out] when stored_in_out
  at::Tensor bias;               // [out]; undefined: none
  bool stored_in_out = false;    // GPT-2's Conv1D layout
  at::Tensor lora_A;             // [r, in]; undefined: no LoRA update
  at::Tensor lora_B;             // [out, r]
  double lora_scaling = 0;       // lora_alpha / r
  double lora_dropout = 0;       // dropout probability on the update's input (training only)

  std::int64_t in_features() const { return weight.size(stored_in_out ? 0 : 1); }
  std::int64_t out_features() const { return weight.size(stored_in_out ? 1 : 0); }
  at::Tensor operator()(const at::Tensor& x, bool training = false) const;
  // scaling * B A in the weight's own layout ([out, in], or its transpose for Conv1D): what
  // merging the update adds to `weight`.
  at::Tensor lora_delta() const;
};

struct DecoderLayerWeights {
  at::Tensor norm1_w, norm1_b, norm2_w, norm2_b;  // b: LayerNorm (gpt2) only
  Projection qkv;                                  // gpt2: fused c_attn [C, 3C]
  Projection q, k, v;                              // llama family
  Projection o;                                    // gpt2 c_proj / llama o_proj
  Projection fc, proj;                             // gpt2 MLP
  Projection gate, up, down;                       // llama SwiGLU
};

struct DecoderWeights {
  at::Tensor embed;                     // [vocab, C]
  at::Tensor positions;                 // gpt2 wpe [max_positions, C]; undefined otherwise
  at::Tensor final_norm_w, final_norm_b;
  at::Tensor lm_head;                   // [vocab, C]; the same tensor as embed when tied
  at::Tensor rope_inv_freq;             // [head_dim / 2] (llama family)
  std::vector<DecoderLayerWeights> layers;
};

// One named weight of the Hugging Face checkpoint and where it lives in DecoderWeights.
struct WeightSlot {
  std::string name;                     // "model.layers.0.self_attn.q_proj.weight"
  at::Tensor* tensor = nullptr;
  std::vector<std::int64_t> shape;
  Projection* projection = nullptr;     // set on a projection's weight (the LoRA target), else null
};

// Every weight the architecture of `config` has, in checkpoint order (biases only where the config
// says so; lm_head.weight only when not tied), sizing w.layers. gpt2_prefix: "transformer." as
// GPT2LMHeadModel saves it, "" for a bare GPT2Model file.
std::vector<WeightSlot> weight_slots(const DecoderConfig& config, DecoderWeights& w,
                                     const std::string& gpt2_prefix = "transformer.");

// The short names of the projections LoRA can target ("q_proj", ..., "c_attn", ...), in order.
std::vector<std::string> projection_names(const DecoderConfig& config);

// The rotary inverse frequencies as transformers computes them (float32), with the scaling.
at::Tensor rope_inverse_frequencies(const DecoderConfig& config);

// tokens [B, T] int64 -> logits [B, T, vocab] ([B, 1, vocab] when last_only). With a cache the
// tokens sit at positions cache->length.. and are appended to it (the caller checks capacity and
// ids); without one they are positions 0..T-1 with a causal mask (training: rows padded on the
// right need no other mask). `training` turns on the LoRA dropouts.
at::Tensor decoder_forward(const DecoderConfig& config, const DecoderWeights& w, const at::Tensor& tokens,
                           nn::KVCache* cache, bool last_only = false, bool training = false);

}  // namespace lmforge::pretrained
