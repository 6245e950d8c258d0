#include "lmforge/finetune/trainable_decoder.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "lmforge/common/error.h"

namespace lmforge::finetune {

TrainableDecoderImpl::TrainableDecoderImpl(const pretrained::CausalLM& base, const LoraConfig* lora)
    : config_(base.config()), weights_(base.weights()), lora_(lora != nullptr) {
  // weight_slots points into weights_ (a shallow copy of the base's tensors: shared storage).
  auto slots = pretrained::weight_slots(config_, weights_);
  if (!lora) {
    for (auto& slot : slots) {
      // A float32 master copy owned here (the base's F32 tensors are read-only file mappings).
      *slot.tensor = register_at(slot.name, slot.tensor->detach().clone());
    }
    weights_.lm_head = config_.tie_word_embeddings ? weights_.embed : weights_.lm_head;
    return;
  }
  targets_ = resolve_target_modules(*lora, config_);
  for (auto& slot : slots) {
    if (!slot.projection) continue;
    const auto module = slot.name.substr(0, slot.name.size() - std::string(".weight").size());
    const auto short_name = module.substr(module.rfind('.') + 1);
    if (std::find(targets_.begin(), targets_.end(), short_name) == targets_.end()) continue;
    auto& p = *slot.projection;
    auto a = torch::empty({lora->r, p.in_features()}, torch::kFloat);
    torch::nn::init::kaiming_uniform_(a, /*a=*/std::sqrt(5.0));  // PEFT's init of lora_A
    auto b = torch::zeros({p.out_features(), lora->r}, torch::kFloat);
    p.lora_A = register_at("base_model.model." + module + ".lora_A.weight", a);
    p.lora_B = register_at("base_model.model." + module + ".lora_B.weight", b);
    p.lora_scaling = lora->scaling();
    p.lora_dropout = lora->dropout;
  }
}

torch::Tensor TrainableDecoderImpl::register_at(const std::string& dotted_name, const torch::Tensor& tensor) {
  torch::nn::Module* module = this;
  std::size_t begin = 0;
  for (auto dot = dotted_name.find('.'); dot != std::string::npos; dot = dotted_name.find('.', begin)) {
    const auto part = dotted_name.substr(begin, dot - begin);
    begin = dot + 1;
    std::shared_ptr<torch::nn::Module> child;
    for (const auto& item : module->named_children())
      if (item.key() == part) child = item.value();
    if (!child) child = module->register_module(part, std::make_shared<torch::nn::Module>());
    module = child.get();
  }
  return module->register_parameter(dotted_name.substr(begin), tensor, /*requires_grad=*/true);
}

torch::Tensor TrainableDecoderImpl::forward(const torch::Tensor& tokens) {
  if (tokens.dim() != 2) usage_error("fine-tuning: tokens must be [batch, time]");
  if (tokens.size(1) > config_.max_positions)
    usage_error("fine-tuning: {} positions exceed the model's context of {}", tokens.size(1), config_.max_positions);
  return pretrained::decoder_forward(config_, weights_, tokens, /*cache=*/nullptr, /*last_only=*/false, is_training());
}

}  // namespace lmforge::finetune
