// lmforge_nn.so's sentence-encoder entry points (src/nn_module/encoder_entry.cpp): open a
// BERT-family directory once, embed batches of texts, close. Plain C types only (see
// include/lmforge/train/nn_module.h); the torch-free side (cli/encoder_client.h, `lmforge embed
// sentences`, the FAQ's --encoder) calls them through nn_module_symbol().
#pragma once

#include <cstddef>

extern "C" {

struct LmforgeEncoderOpenRequest {
  const char* model_dir;  // config.json + model.safetensors + tokenizer.json (+ modules.json ...)
  int batch_size;         // sentences per forward pass (> 0)
  int normalize;          // -1: as the directory's modules.json says; 0: no; 1: L2-normalise
  int max_tokens;         // cut longer inputs; 0 = the model's max_seq_length / positions
  int threads;            // libtorch threads; 0 = all cores
};

struct LmforgeEncoderInfo {
  int dim;         // floats per sentence
  int normalizes;  // 1 when the vectors are L2-normalised
  int max_tokens;  // the cut applied
  long long parameters;
};

// Progress of lmforge_nn_encoder_embed: sentences done of total.
typedef void (*LmforgeEncoderProgressFn)(void* user, double done, double total);

// Each returns 0, 1 (runtime failure) or 2 (usage error) with a one-line message in error.
typedef int (*LmforgeEncoderOpenFn)(const LmforgeEncoderOpenRequest* request, void** handle, LmforgeEncoderInfo* info,
                                    char* error, std::size_t error_size);
// out: n x info.dim floats, row i for texts[i]. progress may be null.
typedef int (*LmforgeEncoderEmbedFn)(void* handle, const char* const* texts, int n, float* out,
                                     LmforgeEncoderProgressFn progress, void* user, char* error, std::size_t error_size);
typedef void (*LmforgeEncoderCloseFn)(void* handle);

}  // extern "C"

#define LMFORGE_ENCODER_OPEN_SYMBOL "lmforge_nn_encoder_open"
#define LMFORGE_ENCODER_EMBED_SYMBOL "lmforge_nn_encoder_embed"
#define LMFORGE_ENCODER_CLOSE_SYMBOL "lmforge_nn_encoder_close"
