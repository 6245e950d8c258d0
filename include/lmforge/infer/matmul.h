// Matrix products of activations with weight matrices of any WeightType, and the row access
// the embedding lookup needs. The weights stay in their file encoding (memory-mapped); the
// activations are quantised once per product to the weight type's dot-product partner (Q8_0
// for Q8_0 / Q4_0, Q8_K for Q4_K / Q6_K) and meet the weight blocks in integer dot products,
// as llama.cpp does; float weights use float dot products (one token) or OpenBLAS sgemm with
// one BLAS thread per pool thread (a batch of tokens).
//
//   WeightTensor w{WeightType::Q8_0, /*rows=*/n_out, /*cols=*/n_in, data, row_bytes(Q8_0, n_in)};
//   matmul(w, x, /*batch=*/T, y, pool, scratch);        // y[T, n_out] = x[T, n_in] . w^T
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lmforge/infer/thread_pool.h"
#include "lmforge/infer/weight_type.h"

namespace lmforge::infer {

// A matrix of `rows` rows of `cols` values each (ggml: ne[0] = cols, ne[1] = rows), row r at
// data + r * row_stride. The data is not owned (a mapped file or a buffer the model keeps).
struct WeightTensor {
  WeightType type = WeightType::F32;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  const void* data = nullptr;
  std::size_t row_stride = 0;  // bytes; row_bytes(type, cols) for a packed matrix
};

// Reusable buffers of one model (quantised activations, per-thread partial results), so a
// decode step allocates nothing.
struct MatmulScratch {
  std::vector<std::uint8_t> quantized;
  std::vector<float> floats;
};

// y[b * ldy + r] = sum_k x[b * ldx + k] * w[r][k] for b < batch, r < w.rows; ldx, ldy default to
// w.cols, w.rows. x and y do not overlap.
void matmul(const WeightTensor& w, const float* x, std::int64_t batch, float* y, ThreadPool& pool,
            MatmulScratch& scratch, std::int64_t ldx = 0, std::int64_t ldy = 0);

// Row r of w decoded to w.cols floats (the embedding lookup of token r).
void dequantize_row(const WeightTensor& w, std::int64_t r, float* out);

}  // namespace lmforge::infer
