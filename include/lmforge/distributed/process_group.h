// A process group on libtorch's c10d: TCPStore rendezvous at master_addr:master_port (rank 0
// serves it), then ProcessGroupGloo on CPU (ProcessGroupNCCL when built against a CUDA libtorch
// and the device is CUDA). Only torch-side code includes this header.
#pragma once

#include <memory>
#include <vector>

#include <torch/types.h>

#include "lmforge/distributed/options.h"

namespace lmforge::distributed {

class ProcessGroup {
 public:
  // Joins the group; RuntimeError with the address and the cause when the rendezvous does not
  // complete within options.timeout_s (wrong address or port, a missing peer).
  static std::unique_ptr<ProcessGroup> connect(const DistributedOptions& options, const torch::Device& device);
  virtual ~ProcessGroup() = default;

  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // In place, every rank ends with the element-wise sum. RuntimeError naming the peer failure
  // (a rank that died or timed out) instead of hanging.
  virtual void allreduce_sum(std::vector<torch::Tensor>& tensors) = 0;
  virtual void broadcast(std::vector<torch::Tensor>& tensors, int root) = 0;
  // Seconds spent inside collectives since the group was made (the communication share).
  virtual double communication_seconds() const = 0;
};

}  // namespace lmforge::distributed
