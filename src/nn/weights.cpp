#include "lmforge/nn/weights.h"

#include <set>

#include <fmt/format.h>
#include <torch/torch.h>

#include "lmforge/common/error.h"

namespace lmforge::nn {

NamedTensors module_weights(const torch::nn::Module& module) {
  NamedTensors out;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) out.emplace(item.key(), item.value().detach());
  return out;
}

void load_module_weights(torch::nn::Module& module, const NamedTensors& weights, const std::string& source) {
  torch::NoGradGuard no_grad;
  std::set<std::string> seen;
  for (auto& item : module.named_parameters(/*recurse=*/true)) {
    auto found = weights.find(item.key());
    if (found == weights.end()) runtime_error("{}: missing weight '{}'", source, item.key());
    auto& param = item.value();
    if (found->second.sizes() != param.sizes())
      runtime_error("{}: weight '{}' has shape {} but the model needs {}", source, item.key(),
                    fmt::join(found->second.sizes(), "x"), fmt::join(param.sizes(), "x"));
    param.copy_(found->second.to(param.device(), param.scalar_type()));
    seen.insert(item.key());
  }
  for (const auto& [name, tensor] : weights)
    if (!seen.count(name)) runtime_error("{}: unexpected weight '{}' (not a parameter of this model)", source, name);
}

std::int64_t parameter_count(const torch::nn::Module& module) {
  std::int64_t total = 0;
  for (const auto& p : module.parameters(/*recurse=*/true)) total += p.numel();
  return total;
}

std::string format_parameter_count(std::int64_t count) {
  if (count >= 1'000'000'000) return fmt::format("{:.2f}B", count / 1e9);
  if (count >= 1'000'000) return fmt::format("{:.2f}M", count / 1e6);
  if (count >= 1'000) return fmt::format("{:.1f}K", count / 1e3);
  return fmt::format("{}", count);
}

}  // namespace lmforge::nn
