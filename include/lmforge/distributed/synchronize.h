// What the trainer does with a process group: the same initial weights everywhere, gradients
// averaged in flattened buckets, and FedAvg's weighted average of the weights.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "lmforge/distributed/process_group.h"

namespace lmforge::distributed {

// Rank 0's parameters and buffers replace everyone's (identical starts, whatever each seeded).
void broadcast_from_rank0(ProcessGroup& group, const std::vector<torch::Tensor>& tensors);

// Gradients of `parameters` summed across ranks and divided by the world size, in flat buckets
// of at most bucket_bytes (one collective per bucket instead of one per tensor). `extra` (e.g.
// the local loss) rides along in the last bucket and comes back averaged too.
void average_gradients(ProcessGroup& group, const std::vector<torch::Tensor>& parameters, double& extra,
                       std::int64_t bucket_bytes = 32 << 20);

// FedAvg: every rank ends with sum_i(weight_i * tensors_i) / sum_i(weight_i). A rank that sat
// the round out passes weight 0 (its tensors do not count). Returns sum_i(weight_i); when it is
// 0 (nobody trained) the tensors are left as they were.
double weighted_average(ProcessGroup& group, const std::vector<torch::Tensor>& tensors, double weight);

// The participants that train in federated round `round`: max(1, round(fraction * world))
// ranks drawn without replacement by a generator seeded with (seed, round): every rank computes
// the same set without talking.
std::vector<int> round_participants(int world_size, double fraction, std::uint64_t seed, std::int64_t round);

}  // namespace lmforge::distributed
