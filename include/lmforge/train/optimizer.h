// AdamW (Loshchilov & Hutter, decoupled weight decay, arXiv:1711.05101) over two parameter
// groups: matrices decay; 1-D tensors (LayerNorm weights, biases) and embedding tables do not,
// unless asked (the GPT-2 / nanoGPT convention).
#pragma once

#include <memory>

#include <torch/optim/adamw.h>

#include "lmforge/train/optimizer_config.h"

namespace torch::nn {
class Module;
}

namespace lmforge::train {

// Group 0 decays with weight_decay, group 1 has weight decay 0.
std::unique_ptr<torch::optim::AdamW> make_adamw(torch::nn::Module& model, const AdamWConfig& config);

// Sets the learning rate of every group (the schedule calls it before each step).
void set_learning_rate(torch::optim::AdamW& optimizer, double lr);

}  // namespace lmforge::train
