// Reference (scalar) quantisation and dequantisation of rows of floats into the weight
// encodings of weight_type.h, bit for bit as ggml's reference C does (ggml-quants.c):
//   quantize_row: F32, F16, BF16 (conversions); Q8_0, Q4_0, Q4_K, Q6_K, Q8_K as
//                 quantize_row_*_ref (what llama.cpp's quantiser writes without an importance
//                 matrix), so a file quantised here holds the bytes llama.cpp's would.
//   dequantize_row: every type, as dequantize_row_*.
// These are the slow, exact definitions the fast kernels (matmul.cpp) are tested against and
// that `lmforge quantize` uses.
//
//   std::vector<std::uint8_t> q(row_bytes(WeightType::Q4_K, n));
//   quantize_row(WeightType::Q4_K, x, q.data(), n);    // n a multiple of 256
//   dequantize_row(WeightType::Q4_K, q.data(), y, n);
#pragma once

#include <cstdint>

#include "lmforge/infer/weight_type.h"

namespace lmforge::infer {

// Encodes n values of x as `type` into out (row_bytes(type, n) bytes). n must be a whole number
// of blocks (usage error otherwise). Q8_K fills bsums too (and zeros them for an all-zero block,
// where ggml leaves them unset).
void quantize_row(WeightType type, const float* x, void* out, std::int64_t n);

// Decodes n values of `type` from in into y. n must be a whole number of blocks.
void dequantize_row(WeightType type, const void* in, float* y, std::int64_t n);

}  // namespace lmforge::infer
