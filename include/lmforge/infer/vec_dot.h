// The inner loops of the engine's matrix products, one set per CPU level, chosen once at start
// (active_cpu_level()): for every weight type, the encoding its activations are quantised to
// (its dot-product partner), a fast quantiser to that encoding, a dot product of one weight row
// with one activation row, and a tile kernel of up to kTileRows weight rows by kTileTokens
// activation rows that loads each weight block once for all the tokens of the tile (prompt
// processing).
//
//   weight   partner   dot product
//   F32      F32       float FMA
//   F16      F32       F16 -> F32 (F16C), float FMA
//   BF16     F32       BF16 -> F32 (shift), float FMA
//   Q8_0     Q8_0      int8 x int8 per block of 32, scaled by both F16 scales
//   Q4_0     Q8_0      nibbles - 8 x int8
//   Q5_0     Q8_0      5-bit values - 16 x int8
//   Q4_1     Q8_0      nibbles x int8, plus min x (sum of the activation block), exact (ggml
//   Q5_1     Q8_0      pairs these with Q8_1, whose stored sum is rounded to F16)
//   Q4_K     Q8_K      nibbles x int8 by 6-bit sub-block scales; the mins through Q8_K's bsums
//   Q5_K     Q8_K      Q4_K's sums with a fifth bit per value
//   Q6_K     Q8_K      6-bit values x int8 by int8 scales; the -32 offset through Q8_K's bsums
//
// Integer dot products are exact, so every level gives the reference's value up to the
// rounding of its float sums. The quantisers write exactly the bytes of the scalar reference
// quantize_row (lmforge/infer/quantize.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "lmforge/infer/cpu_features.h"
#include "lmforge/infer/weight_type.h"

namespace lmforge::infer {

inline constexpr int kTileRows = 4;
inline constexpr int kTileTokens = 4;

// Float activations x[0, n) -> the partner encoding at `out` (row_bytes(partner, n) bytes).
using QuantizeRowFn = void (*)(const float* x, void* out, std::int64_t n);
// The dot product of a weight row and an activation row of n values (n a whole number of
// blocks of the weight type).
using VecDotFn = float (*)(std::int64_t n, const void* w, const void* a);
// y[t * ldy + r] = dot(w + r * w_stride, a + t * a_stride) for r < rows <= kTileRows and
// t < tokens <= kTileTokens (strides in bytes).
using TileDotFn = void (*)(std::int64_t n, const void* w, std::size_t w_stride, int rows,
                           const void* a, std::size_t a_stride, int tokens, float* y,
                           std::int64_t ldy);

// A row of n weight values decoded to floats (F16 / BF16 rows before sgemm in a batch).
using ToFloatFn = void (*)(const void* w, float* out, std::int64_t n);

struct TypeDot {
  WeightType partner = WeightType::F32;
  QuantizeRowFn quantize = nullptr;
  VecDotFn vec_dot = nullptr;
  TileDotFn tile = nullptr;
  ToFloatFn to_float = nullptr;  // the scalar dequantize_row for every type; F16C / shifts on x86
};

struct DotKernels {
  CpuLevel level = CpuLevel::Scalar;
  TypeDot f32, f16, bf16, q8_0, q4_0, q4_k, q6_k;
  TypeDot q4_1, q5_0, q5_1, q5_k;
  // The kernels of a weight type; a usage error for Q8_K (activations only) or an unknown type.
  const TypeDot& of(WeightType type) const;
};

// The kernels of active_cpu_level().
const DotKernels& dot_kernels();
// The kernels of one level (tests and benchmarks compare levels); a usage error when this CPU
// cannot run it.
const DotKernels& dot_kernels_for(CpuLevel level);

}  // namespace lmforge::infer
