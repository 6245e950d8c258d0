// Finds and loads lmforge_nn.so (the libtorch module) on first use; see
// include/lmforge/train/nn_module.h for why torch is not linked into the binary.
#pragma once

#include <string>

namespace lmforge::cli {

// The address of `symbol` in the module; RuntimeError naming where it looked when the module
// or the symbol cannot be loaded. Search order: $LMFORGE_NN_MODULE (a file), the binary's own
// directory, then <binary dir>/../lib/lmforge/.
void* nn_module_symbol(const std::string& symbol);

// What a module entry point returned (include/lmforge/train/nn_module.h): 0 returns; 2 throws a
// UsageError, anything else a RuntimeError, with the entry's one-line `message`.
void check_module_result(int code, const char* message);

}  // namespace lmforge::cli
