#include "lmforge/distributed/synchronize.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include <torch/torch.h>

namespace lmforge::distributed {

void broadcast_from_rank0(ProcessGroup& group, const std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  if (tensors.empty()) return;
  std::vector<torch::Tensor> flat{torch::cat([&] {
    std::vector<torch::Tensor> parts;
    for (const auto& t : tensors) parts.push_back(t.detach().reshape({-1}).to(torch::kFloat64));
    return parts;
  }())};
  group.broadcast(flat, 0);
  std::int64_t offset = 0;
  for (const auto& t : tensors) {
    const auto n = t.numel();
    t.copy_(flat[0].narrow(0, offset, n).view(t.sizes()));
    offset += n;
  }
}

void average_gradients(ProcessGroup& group, const std::vector<torch::Tensor>& parameters, double& extra,
                       std::int64_t bucket_bytes) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (const auto& p : parameters) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);  // unused this step: contributes 0
    grads.push_back(p.grad());
  }
  const double world = group.world_size();
  std::size_t begin = 0;
  while (begin < grads.size() || begin == 0) {
    // One bucket: consecutive gradients of one dtype and device up to bucket_bytes.
    std::size_t end = begin;
    std::int64_t bytes = 0;
    while (end < grads.size() && (end == begin || (bytes + grads[end].nbytes() <= bucket_bytes &&
                                                   grads[end].dtype() == grads[begin].dtype())))
      bytes += static_cast<std::int64_t>(grads[end++].nbytes());
    const bool last = end == grads.size();
    std::vector<torch::Tensor> parts;
    for (std::size_t i = begin; i < end; ++i) parts.push_back(grads[i].reshape({-1}));
    auto options = grads.empty() ? torch::TensorOptions().dtype(torch::kFloat) : grads[begin].options();
    if (last) parts.push_back(torch::full({1}, extra, options));
    std::vector<torch::Tensor> bucket{torch::cat(parts)};
    group.allreduce_sum(bucket);
    bucket[0].div_(world);
    std::int64_t offset = 0;
    for (std::size_t i = begin; i < end; ++i) {
      const auto n = grads[i].numel();
      grads[i].copy_(bucket[0].narrow(0, offset, n).view(grads[i].sizes()));
      offset += n;
    }
    if (last) {
      extra = bucket[0][offset].item<double>();
      break;
    }
    begin = end;
  }
}

double weighted_average(ProcessGroup& group, const std::vector<torch::Tensor>& tensors, double weight) {
  torch::NoGradGuard no_grad;
  // Float64 accumulation: the weights can be large example counts.
  std::vector<torch::Tensor> parts;
  for (const auto& t : tensors) parts.push_back(t.detach().reshape({-1}).to(torch::kFloat64) * weight);
  parts.push_back(torch::full({1}, weight, torch::kFloat64));
  std::vector<torch::Tensor> flat{torch::cat(parts)};
  group.allreduce_sum(flat);
  const double total = flat[0][flat[0].numel() - 1].item<double>();
  if (total <= 0) return 0;
  std::int64_t offset = 0;
  for (const auto& t : tensors) {
    const auto n = t.numel();
    t.copy_((flat[0].narrow(0, offset, n) / total).view(t.sizes()));
    offset += n;
  }
  return total;
}

std::vector<int> round_participants(int world_size, double fraction, std::uint64_t seed, std::int64_t round) {
  std::vector<int> ranks(static_cast<std::size_t>(world_size));
  std::iota(ranks.begin(), ranks.end(), 0);
  const int take = std::clamp(static_cast<int>(std::lround(fraction * world_size)), 1, world_size);
  if (take == world_size) return ranks;
  std::mt19937_64 rng(seed * 1000003ULL + static_cast<std::uint64_t>(round));
  std::shuffle(ranks.begin(), ranks.end(), rng);
  ranks.resize(static_cast<std::size_t>(take));
  std::sort(ranks.begin(), ranks.end());
  return ranks;
}

}  // namespace lmforge::distributed
