#include "lmforge/train/optimizer.h"

#include <unordered_set>

#include <torch/torch.h>

#include "lmforge/common/error.h"

namespace lmforge::train {

void AdamWConfig::validate() const {
  if (lr < 0) usage_error("adamw: lr must be >= 0 (got {})", lr);
  if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1)
    usage_error("adamw: beta1 ({}) and beta2 ({}) must be in [0, 1)", beta1, beta2);
  if (eps <= 0) usage_error("adamw: eps must be > 0 (got {})", eps);
  if (weight_decay < 0) usage_error("adamw: weight_decay must be >= 0 (got {})", weight_decay);
}

std::unique_ptr<torch::optim::AdamW> make_adamw(torch::nn::Module& model, const AdamWConfig& config) {
  config.validate();
  std::unordered_set<const void*> embedding_tables;
  for (const auto& module : model.modules(/*include_self=*/true))
    if (const auto* embedding = module->as<torch::nn::EmbeddingImpl>())
      embedding_tables.insert(embedding->weight.unsafeGetTensorImpl());

  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& param : model.parameters(/*recurse=*/true)) {
    const bool exempt = (param.dim() < 2 && !config.decay_norms_biases) ||
                        (embedding_tables.count(param.unsafeGetTensorImpl()) && !config.decay_embeddings);
    (exempt ? no_decay : decay).push_back(param);
  }
  auto options = [&](double weight_decay) {
    return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(config.lr)
                                                            .betas({config.beta1, config.beta2})
                                                            .eps(config.eps)
                                                            .weight_decay(weight_decay));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, options(config.weight_decay));
  groups.emplace_back(no_decay, options(0.0));
  return std::make_unique<torch::optim::AdamW>(std::move(groups),
                                               torch::optim::AdamWOptions(config.lr).betas({config.beta1, config.beta2}));
}

void set_learning_rate(torch::optim::AdamW& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
}

}  // namespace lmforge::train
