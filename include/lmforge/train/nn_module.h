// The boundary between the `lmforge` binary and the libtorch module (lmforge_nn.so).
//
// Loading libtorch costs seconds and ~150 MB at start-up (it pulls in hundreds of shared
// libraries), which every `lmforge text ...` call would pay if the binary linked it. So the
// binary does not: commands that need torch (train, later generate/chat/serve) load
// lmforge_nn.so with dlopen() on first use and call its C entry points. Plain C types only,
// so the boundary does not depend on C++ ABI details; errors come back as a code + message.
#pragma once

#include <cstddef>

extern "C" {

struct LmforgeTrainRequest {
  const char* config;               // TOML file
  const char* const* overrides;     // "key=value" strings (--set)
  int n_overrides;
  int resume;                       // continue from <out_dir>/model
  int threads;                      // 0 = all cores
  int quiet;
};

// Returns 0 on success, 1 on a runtime failure, 2 on a usage error; on failure writes a
// one-line message into error (NUL-terminated, truncated to error_size).
typedef int (*LmforgeTrainFn)(const LmforgeTrainRequest* request, char* error, std::size_t error_size);

}  // extern "C"

#define LMFORGE_NN_MODULE_FILE "lmforge_nn.so"
#define LMFORGE_TRAIN_SYMBOL "lmforge_nn_train"
