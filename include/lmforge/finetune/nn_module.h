// The C boundary of `lmforge finetune` (see include/lmforge/train/nn_module.h for why torch lives
// in lmforge_nn.so): the options travel as FinetuneOptions::to_json() text.
#pragma once

#include <cstddef>

extern "C" {

struct LmforgeFinetuneRequest {
  const char* options_json;  // lmforge::finetune::FinetuneOptions::to_json()
  int quiet;                 // no progress or log lines on stderr
};

struct LmforgeMergeRequest {
  const char* adapter_dir;   // adapter_config.json + adapter_model.safetensors
  const char* out_dir;       // the merged Hugging Face directory
  const char* base_dir;      // "" : the adapter's base_model_name_or_path
  int f32;                   // write float32 instead of the base's dtype
};

// 0 on success, 1 on a runtime failure, 2 on a usage error, with a one-line message in error.
typedef int (*LmforgeFinetuneFn)(const LmforgeFinetuneRequest* request, char* error, std::size_t error_size);
typedef int (*LmforgeMergeFn)(const LmforgeMergeRequest* request, char* error, std::size_t error_size);

}  // extern "C"

#define LMFORGE_FINETUNE_SYMBOL "lmforge_nn_finetune"
#define LMFORGE_MERGE_SYMBOL "lmforge_nn_finetune_merge"
