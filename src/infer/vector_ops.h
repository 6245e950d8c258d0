// The vector loops of the forward pass outside the weight matrix products: softmax's
// exponentials, the norms, SwiGLU / GELU, residual adds and the F16 KV-cache conversions
// (attention's products themselves are small sgemm calls, attention.cpp). One table per CPU level,
// chosen once (active_cpu_level(), so LMFORGE_CPU lowers it as it does the matmul kernels):
// scalar C++ (the reference), AVX2 + FMA + F16C (8 lanes), AVX-512 (16 lanes). The SIMD levels
// are vector_ops_x86.inc compiled twice under `#pragma GCC target` in vector_ops_x86.cpp, so
// the rest of the library stays baseline x86-64 (never -march=native).
//
// The SIMD exponential is a degree-6 polynomial on [-ln2/2, ln2/2] after range reduction
// (Cephes' expf): within 2 ulp of expf for x in [-87, 88]; 0 below -87 (softmax's masked
// entries); SiLU and GELU-tanh are built on it (x sigmoid(x), x sigmoid(2 sqrt(2/pi)(x + 0.044715 x^3))).
#pragma once

#include <cstdint>

#include "lmforge/infer/cpu_features.h"

namespace lmforge::infer {

struct VectorOps {
  CpuLevel level = CpuLevel::Scalar;
  // F16 bits <-> floats (round to nearest even, as fp32_to_fp16).
  void (*to_f16)(const float* x, std::uint16_t* out, std::int64_t n) = nullptr;
  void (*from_f16)(const std::uint16_t* x, float* out, std::int64_t n) = nullptr;
  // max of x[0, n) (n >= 1).
  float (*max)(const float* x, std::int64_t n) = nullptr;
  // x[i] = exp(x[i] - shift); returns the sum of the new x.
  float (*exp_sum)(float* x, std::int64_t n, float shift) = nullptr;
  // x[i] *= a.
  void (*scale)(float* x, float a, std::int64_t n) = nullptr;
  // x[i] += y[i].
  void (*add)(float* x, const float* y, std::int64_t n) = nullptr;
  // gate[i] = silu(gate[i]) * up[i].
  void (*silu_mul)(float* gate, const float* up, std::int64_t n) = nullptr;
  // x[i] = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) ("gelu_new").
  void (*gelu_tanh)(float* x, std::int64_t n) = nullptr;
  // out = x / sqrt(mean(x^2) + eps) * w.
  void (*rms_norm)(const float* x, const float* w, float* out, std::int64_t n, float eps) = nullptr;
  // out = (x - mean) / sqrt(var + eps) * w + b (b may be null).
  void (*layer_norm)(const float* x, const float* w, const float* b, float* out, std::int64_t n,
                     float eps) = nullptr;
};

// The table of active_cpu_level().
const VectorOps& vector_ops();
// The table of one level (tests compare levels); a usage error when this CPU cannot run it.
const VectorOps& vector_ops_for(CpuLevel level);

namespace detail {
void fill_avx2_vector_ops(VectorOps& ops);
void fill_avx512_vector_ops(VectorOps& ops);
}  // namespace detail

}  // namespace lmforge::infer
