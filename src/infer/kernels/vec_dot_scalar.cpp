// The reference kernels in portable C++: what every SIMD level must agree with. Integer
// sums are exact (int32 cannot overflow for these block sizes); float sums run per block.
#include <cstring>

#include "infer/kernels/vec_dot_levels.h"
#include "lmforge/infer/quantize.h"

namespace lmforge::infer::detail {
namespace {

float dot_f32(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const float*>(w);
  const auto* y = static_cast<const float*>(a);
  float sum = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

float dot_f16(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const std::uint16_t*>(w);
  const auto* y = static_cast<const float*>(a);
  float sum = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) sum += fp16_to_fp32(x[i]) * y[i];
  return sum;
}

float dot_bf16(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const std::uint16_t*>(w);
  const auto* y = static_cast<const float*>(a);
  float sum = 0.0f;
  for (std::int64_t i = 0; i < n; ++i) sum += bf16_to_fp32(x[i]) * y[i];
  return sum;
}

float dot_q8_0(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ8_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / static_cast<std::int64_t>(kQK8_0); ++b) {
    int isum = 0;
    for (std::size_t j = 0; j < kQK8_0; ++j) isum += x[b].qs[j] * y[b].qs[j];
    sum += static_cast<float>(isum) * (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d));
  }
  return sum;
}

float dot_q4_0(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / static_cast<std::int64_t>(kQK4_0); ++b) {
    int isum = 0;
    for (std::size_t j = 0; j < kQK4_0 / 2; ++j) {
      isum += ((x[b].qs[j] & 0xF) - 8) * y[b].qs[j];
      isum += ((x[b].qs[j] >> 4) - 8) * y[b].qs[j + kQK4_0 / 2];
    }
    sum += static_cast<float>(isum) * (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d));
  }
  return sum;
}

// The five-bit values 0..31 of a Q5_0 / Q5_1 block: nibbles, the fifth bit of value j bit j of qh.
void q5_values(const std::uint8_t qs[16], const std::uint8_t qh_bytes[4], int q[32]) {
  std::uint32_t qh;
  std::memcpy(&qh, qh_bytes, sizeof qh);
  for (int j = 0; j < 16; ++j) {
    q[j] = (qs[j] & 0xF) | static_cast<int>(((qh >> j) & 1u) << 4);
    q[j + 16] = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
  }
}

float dot_q5_0(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ5_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / static_cast<std::int64_t>(kQK5_0); ++b) {
    int q[32];
    q5_values(x[b].qs, x[b].qh, q);
    int isum = 0;
    for (std::size_t j = 0; j < kQK5_0; ++j) isum += (q[j] - 16) * y[b].qs[j];
    sum += static_cast<float>(isum) * (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d));
  }
  return sum;
}

// Q4_1 / Q5_1 (x = d q + m) x Q8_0: d da sum(q a) + m da sum(a). ggml pairs them with Q8_1,
// which carries da sum(a) rounded to F16; the sum of the Q8_0 block here is exact.
float dot_q4_1(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_1*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / static_cast<std::int64_t>(kQK4_1); ++b) {
    int isum = 0, asum = 0;
    for (std::size_t j = 0; j < kQK4_1 / 2; ++j) {
      isum += (x[b].qs[j] & 0xF) * y[b].qs[j] + (x[b].qs[j] >> 4) * y[b].qs[j + kQK4_1 / 2];
      asum += y[b].qs[j] + y[b].qs[j + kQK4_1 / 2];
    }
    const float da = fp16_to_fp32(y[b].d);
    sum += static_cast<float>(isum) * (fp16_to_fp32(x[b].d) * da) +
           static_cast<float>(asum) * (fp16_to_fp32(x[b].m) * da);
  }
  return sum;
}

float dot_q5_1(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ5_1*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / static_cast<std::int64_t>(kQK5_1); ++b) {
    int q[32];
    q5_values(x[b].qs, x[b].qh, q);
    int isum = 0, asum = 0;
    for (std::size_t j = 0; j < kQK5_1; ++j) {
      isum += q[j] * y[b].qs[j];
      asum += y[b].qs[j];
    }
    const float da = fp16_to_fp32(y[b].d);
    sum += static_cast<float>(isum) * (fp16_to_fp32(x[b].d) * da) +
           static_cast<float>(asum) * (fp16_to_fp32(x[b].m) * da);
  }
  return sum;
}

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K super-block (ggml's get_scale_min_k4).
void q4k_scale_min(int j, const std::uint8_t* q, int& scale, int& min) {
  if (j < 4) {
    scale = q[j] & 63;
    min = q[j + 4] & 63;
  } else {
    scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

float dot_q4_k(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ4_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / static_cast<std::int64_t>(kQK_K); ++b) {
    int sumi = 0, summ = 0;
    for (int sub = 0; sub < 8; ++sub) {
      int scale = 0, min = 0;
      q4k_scale_min(sub, x[b].scales, scale, min);
      const std::uint8_t* q = x[b].qs + (sub / 2) * 32;
      const std::int8_t* yq = y[b].qs + sub * 32;
      const int shift = (sub % 2) * 4;
      int dot = 0;
      for (int j = 0; j < 32; ++j) dot += ((q[j] >> shift) & 0xF) * yq[j];
      sumi += scale * dot;
      summ += min * (y[b].bsums[2 * sub] + y[b].bsums[2 * sub + 1]);
    }
    sum += y[b].d * (fp16_to_fp32(x[b].d) * static_cast<float>(sumi) -
                     fp16_to_fp32(x[b].dmin) * static_cast<float>(summ));
  }
  return sum;
}

// Q5_K: Q4_K's sums with the fifth bit of value l of sub-block s at bit s of qh[l].
float dot_q5_k(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ5_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / static_cast<std::int64_t>(kQK_K); ++b) {
    int sumi = 0, summ = 0;
    for (int sub = 0; sub < 8; ++sub) {
      int scale = 0, min = 0;
      q4k_scale_min(sub, x[b].scales, scale, min);
      const std::uint8_t* q = x[b].qs + (sub / 2) * 32;
      const std::int8_t* yq = y[b].qs + sub * 32;
      const int shift = (sub % 2) * 4;
      int dot = 0;
      for (int j = 0; j < 32; ++j)
        dot += (((q[j] >> shift) & 0xF) | (((x[b].qh[j] >> sub) & 1) << 4)) * yq[j];
      sumi += scale * dot;
      summ += min * (y[b].bsums[2 * sub] + y[b].bsums[2 * sub + 1]);
    }
    sum += y[b].d * (fp16_to_fp32(x[b].d) * static_cast<float>(sumi) -
                     fp16_to_fp32(x[b].dmin) * static_cast<float>(summ));
  }
  return sum;
}

float dot_q6_k(std::int64_t n, const void* w, const void* a) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0.0f;
  for (std::int64_t b = 0; b < n / static_cast<std::int64_t>(kQK_K); ++b) {
    int sumi = 0;
    for (int half = 0; half < 2; ++half) {
      const std::uint8_t* ql = x[b].ql + 64 * half;
      const std::uint8_t* qh = x[b].qh + 32 * half;
      const std::int8_t* sc = x[b].scales + 8 * half;
      const std::int8_t* yq = y[b].qs + 128 * half;
      int dots[8] = {};  // groups of 16: value l + 32 * quarter, group quarter * 2 + l / 16
      for (int l = 0; l < 32; ++l) {
        const int g = l / 16;
        dots[g + 0] += ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) * yq[l];
        dots[g + 2] += ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) * yq[l + 32];
        dots[g + 4] += ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) * yq[l + 64];
        dots[g + 6] += ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) * yq[l + 96];
      }
      for (int g = 0; g < 8; ++g) sumi += sc[g] * (dots[g] - 32 * y[b].bsums[8 * half + g]);
    }
    sum += y[b].d * fp16_to_fp32(x[b].d) * static_cast<float>(sumi);
  }
  return sum;
}

void copy_f32(const float* x, void* out, std::int64_t n) {
  std::memcpy(out, x, static_cast<std::size_t>(n) * sizeof(float));
}
void quantize_q8_0(const float* x, void* out, std::int64_t n) {
  quantize_row(WeightType::Q8_0, x, out, n);
}
void quantize_q8_k(const float* x, void* out, std::int64_t n) {
  quantize_row(WeightType::Q8_K, x, out, n);
}

// A tile as rows x tokens dot products: what a level without a blocked kernel uses.
template <VecDotFn Dot>
void tile_by_dots(std::int64_t n, const void* w, std::size_t w_stride, int rows, const void* a,
                  std::size_t a_stride, int tokens, float* y, std::int64_t ldy) {
  const auto* wb = static_cast<const std::uint8_t*>(w);
  const auto* ab = static_cast<const std::uint8_t*>(a);
  for (int t = 0; t < tokens; ++t) {
    for (int r = 0; r < rows; ++r) y[t * ldy + r] = Dot(n, wb + r * w_stride, ab + t * a_stride);
  }
}

template <WeightType Type>
void to_float(const void* w, float* out, std::int64_t n) {
  dequantize_row(Type, w, out, n);
}

template <WeightType Type, VecDotFn Dot>
TypeDot type_dot(WeightType partner, QuantizeRowFn quantize) {
  return TypeDot{partner, quantize, Dot, &tile_by_dots<Dot>, &to_float<Type>};
}

}  // namespace

void fill_scalar_dots(DotKernels& k) {
  k.level = CpuLevel::Scalar;
  k.f32 = type_dot<WeightType::F32, dot_f32>(WeightType::F32, copy_f32);
  k.f16 = type_dot<WeightType::F16, dot_f16>(WeightType::F32, copy_f32);
  k.bf16 = type_dot<WeightType::BF16, dot_bf16>(WeightType::F32, copy_f32);
  k.q8_0 = type_dot<WeightType::Q8_0, dot_q8_0>(WeightType::Q8_0, quantize_q8_0);
  k.q4_0 = type_dot<WeightType::Q4_0, dot_q4_0>(WeightType::Q8_0, quantize_q8_0);
  k.q4_1 = type_dot<WeightType::Q4_1, dot_q4_1>(WeightType::Q8_0, quantize_q8_0);
  k.q5_0 = type_dot<WeightType::Q5_0, dot_q5_0>(WeightType::Q8_0, quantize_q8_0);
  k.q5_1 = type_dot<WeightType::Q5_1, dot_q5_1>(WeightType::Q8_0, quantize_q8_0);
  k.q4_k = type_dot<WeightType::Q4_K, dot_q4_k>(WeightType::Q8_K, quantize_q8_k);
  k.q5_k = type_dot<WeightType::Q5_K, dot_q5_k>(WeightType::Q8_K, quantize_q8_k);
  k.q6_k = type_dot<WeightType::Q6_K, dot_q6_k>(WeightType::Q8_K, quantize_q8_k);
}

}  // namespace lmforge::infer::detail
