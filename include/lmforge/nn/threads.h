// One owner for the compute threads (DESIGN.md, "Performance habits"): libtorch's intra-op pool
// and OpenBLAS's pool must not both spin on the same cores. Called once at start-up by the
// commands that run models, from their --threads option.
#pragma once

namespace lmforge::nn {

struct ThreadConfig {
  int torch_threads = 0;  // libtorch intra-op threads; 0: the number of hardware threads
  int blas_threads = 1;   // OpenBLAS threads (libtorch's own kernels are the ones that scale)
};

// Applies the split; returns the torch thread count in force.
int configure_threads(const ThreadConfig& config);

}  // namespace lmforge::nn
