#include "lmforge/nn/threads.h"

#include <algorithm>
#include <thread>

#include <torch/torch.h>

extern "C" void openblas_set_num_threads(int num_threads);  // from libopenblas (linked by lmforge_lib)

namespace lmforge::nn {

int configure_threads(const ThreadConfig& config) {
  const int hardware = std::max(1u, std::thread::hardware_concurrency());
  const int torch_threads = config.torch_threads > 0 ? config.torch_threads : hardware;
  torch::set_num_threads(torch_threads);
  openblas_set_num_threads(std::max(1, config.blas_threads));
  return torch_threads;
}

}  // namespace lmforge::nn
