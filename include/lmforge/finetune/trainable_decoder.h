// A Hugging Face decoder as a trainable torch::nn::Module whose parameter names are the
// checkpoint's own, so that saving its state is the file the ecosystem reads:
//   full fine-tuning   every weight a float32 parameter named as in model.safetensors
//                      ("model.layers.0.self_attn.q_proj.weight", "transformer.h.0.attn.c_attn.weight");
//                      a tied embedding is one parameter (lm_head is not saved, as transformers does)
//   LoRA               the base weights frozen (the mapped tensors, no gradient, no optimiser state),
//                      the updates' A / B the only parameters, named as PEFT's adapter_model.safetensors:
//                      "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"
// The forward is decoder_layers.h's, the one inference runs.
//
//   auto base = CausalLM::load(dir);
//   TrainableDecoder model(*base, /*lora=*/&lora_config);    // nullptr: full fine-tuning
//   auto logits = model->forward(tokens);                     // [B, T, vocab]
#pragma once

#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "lmforge/finetune/lora_config.h"
#include "lmforge/pretrained/causal_lm.h"
#include "lmforge/pretrained/decoder_layers.h"

namespace lmforge::finetune {

class TrainableDecoderImpl : public torch::nn::Module {
 public:
  // lora null: full fine-tuning (the weights are copied). Otherwise LoRA on
  // resolve_target_modules(*lora, ...) (UsageError for an unknown module); A / B drawn from the
  // torch generator (seed it first).
  TrainableDecoderImpl(const pretrained::CausalLM& base, const LoraConfig* lora);

  // tokens [B, T] int64 at positions 0..T-1 -> logits [B, T, vocab]; LoRA dropout in training mode.
  torch::Tensor forward(const torch::Tensor& tokens);

  const pretrained::DecoderConfig& config() const { return config_; }
  const pretrained::DecoderWeights& weights() const { return weights_; }
  bool is_lora() const { return lora_; }
  const std::vector<std::string>& target_modules() const { return targets_; }  // LoRA only

 private:
  // Registers `tensor` under a dotted name, creating the intermediate modules; returns the
  // registered parameter (the same tensor).
  torch::Tensor register_at(const std::string& dotted_name, const torch::Tensor& tensor);

  pretrained::DecoderConfig config_;
  pretrained::DecoderWeights weights_;
  bool lora_ = false;
  std::vector<std::string> targets_;
};
TORCH_MODULE(TrainableDecoder);

}  // namespace lmforge::finetune
