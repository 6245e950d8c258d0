// Moving a module's parameters in and out of name -> tensor maps (what safetensors holds).
#pragma once

#include <map>
#include <string>

#include <ATen/core/Tensor.h>

namespace torch::nn {
class Module;
}

namespace lmforge::nn {

using NamedTensors = std::map<std::string, at::Tensor>;

// Every parameter by its dotted name (detached views, on the module's device).
NamedTensors module_weights(const torch::nn::Module& module);

// Copies `weights` into the module's parameters (converting dtype and device). Every parameter
// must be present with its shape, and no other name may be given: RuntimeError listing the
// first missing, unexpected or mis-shaped name, with `source` (a file name) in the message.
void load_module_weights(torch::nn::Module& module, const NamedTensors& weights, const std::string& source);

// Sum of the parameters' element counts (a tied tensor counted once).
std::int64_t parameter_count(const torch::nn::Module& module);

// "1.23M", "45.6K", "789" (for the parameter count printed at start-up).
std::string format_parameter_count(std::int64_t count);

}  // namespace lmforge::nn
