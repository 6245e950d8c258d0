// The per-type reference quantisers and dequantisers behind quantize.h (private to src/infer):
// quantize.cpp has the one-value and 32-value block types, quantize_k.cpp and quantize_q5_k.cpp
// the 256-value K-quant super-blocks. Each mirrors the ggml-quants.c function named beside it; n is a whole
// number of blocks (quantize.cpp checks that).
#pragma once

#include <cstdint>
#include <cstring>

#include "lmforge/infer/weight_type.h"

// The reference must give the bytes ggml's plain C gives, so a product and a sum must not be
// fused into one rounding (an FMA) where ggml's build does not fuse them: GCC fuses across
// statements by default once the target has FMA.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace lmforge::infer::ref {

void quantize_q4_k(const float* x, BlockQ4_K* y, std::int64_t n);    // quantize_row_q4_K_ref
void quantize_q6_k(const float* x, BlockQ6_K* y, std::int64_t n);    // quantize_row_q6_K_ref
void quantize_q8_k(const float* x, BlockQ8_K* y, std::int64_t n);    // quantize_row_q8_K_ref
void quantize_q5_k(const float* x, BlockQ5_K* y, std::int64_t n);    // quantize_row_q5_K_ref
void dequantize_q4_k(const BlockQ4_K* x, float* y, std::int64_t n);  // dequantize_row_q4_K
void dequantize_q5_k(const BlockQ5_K* x, float* y, std::int64_t n);  // dequantize_row_q5_K
void dequantize_q6_k(const BlockQ6_K* x, float* y, std::int64_t n);  // dequantize_row_q6_K
void dequantize_q8_k(const BlockQ8_K* x, float* y, std::int64_t n);  // dequantize_row_q8_K

// Shared by Q4_K and Q5_K (quantize_k.cpp): ggml's make_qkx2_quants (use_mad false) and
// get_scale_min_k4.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, std::uint8_t* L,
                       float* the_min, std::uint8_t* Laux, float rmin, float rdelta, int nstep);
void get_scale_min_k4(int j, const std::uint8_t* q, std::uint8_t* d, std::uint8_t* m);

// The part of quantize_row_q4_K_ref and quantize_row_q5_K_ref that is the same but for the level
// count (nmax 15 / 31) and make_qkx2_quants' rmin / steps: per sub-block of 32 a (scale, min)
// with weights rms + |x|; scales and mins to 6 bits against the super-block's largest (packed
// into scales[12], d and dmin as F16); then every value of the 256 re-quantised against the
// stored (rounded) scales into L (0..nmax).
void quantize_k_super_block(const float* x, int nmax, float rmin, int nstep, std::uint8_t* scales,
                            std::uint16_t* d, std::uint16_t* dmin, std::uint8_t* L);

// ggml's nearest_int: round to nearest (ties to even) through the float adder, by adding
// 1.5 * 2^23 and reading the low mantissa bits; valid for |value| <= 2^22 - 1.
inline int nearest_int(float value) {
  const float shifted = value + 12582912.f;
  std::int32_t bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  return (bits & 0x007FFFFF) - 0x00400000;
}

}  // namespace lmforge::infer::ref
