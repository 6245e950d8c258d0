// One-token decoding steps of a GPT (the generation loop after the prompt), computed with
// matrix-vector products on the model's own weights.
//
// GPT::forward_cached runs each step through the training modules with T = 1: every Linear
// becomes a matrix-matrix product with one row, which BLAS (OpenBLAS sgemm) handles by packing
// the whole weight matrix first: about twice the memory traffic of a matrix-vector product
// (sgemv), at a step that is bound by reading the weights. This decoder computes the same step
// (same cache layout, same results within float rounding) with addmv for a single sequence
// and fewer, fused small ops (rotary on q and k at once, one cache write per tensor).
//
//   GPTDecoder decoder(model);                       // model in eval mode, inference mode on
//   auto cache = model.make_cache(1);
//   model.forward_cached(prompt, cache, true);       // the prompt: one pass, matrix products
//   auto logits = decoder.step(next_tokens, cache);  // [B] ids -> [B, vocab], cache.length + 1
#pragma once

#include <ATen/core/Tensor.h>

#include "lmforge/nn/gpt.h"

namespace lmforge::gen {

class GPTDecoder {
 public:
  explicit GPTDecoder(nn::GPTImpl& model);
  // tokens [B] int64 at position cache.length (B = the cache's batch); appends their keys and
  // values to the cache. Returns logits [B, vocab]. UsageError when the cache is full.
  at::Tensor step(const at::Tensor& tokens, nn::KVCache& cache);

 private:
  nn::GPTImpl& model_;
  at::Tensor rope_cos_, rope_sin_;  // [block_size, head_dim] when rotary, else undefined
};

}  // namespace lmforge::gen
