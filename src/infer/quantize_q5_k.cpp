// The Q5_K reference encoding: Q4_K's super-block of 8 sub-blocks with 6-bit scales and mins,
// values of 5 bits (the fifth in qh). Mirrors ggml-quants.c operation for operation, as
// quantize_k.cpp does for Q4_K (the scale search is chaotic: one rounding different and a
// sub-block picks other levels); llama.cpp's quantiser writes these bytes for Q5_K (and the
// Q5_K tensors of Q4_K_M / Q5_K_M files) without an importance matrix.
#include "quantize_ref.h"  // first: it turns FP contraction off

#include <algorithm>
#include <cmath>
#include <cstring>

namespace lmforge::infer::ref {

// quantize_row_q5_K_ref: per sub-block of 32 a (scale, min) by make_qkx2_quants(32, 31,
// weights = rms + |x|, rmin -0.5, rdelta 0.1, 15 steps); scales and mins to 6 bits against the
// super-block's largest; every value re-quantised against the stored scales; the fifth bit of
// value l of sub-block 2k (2k + 1) is bit 2k (2k + 1) of qh[l].
void quantize_q5_k(const float* x, BlockQ5_K* y, std::int64_t n) {
  std::uint8_t L[kQK_K];
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK_K); ++i, x += kQK_K) {
    quantize_k_super_block(x, 31, -0.5f, 15, y[i].scales, &y[i].d, &y[i].dmin, L);
    std::uint8_t* qh = y[i].qh;
    std::uint8_t* ql = y[i].qs;
    std::memset(qh, 0, kQK_K / 8);
    std::uint8_t m1 = 1, m2 = 2;
    for (std::size_t base = 0; base < kQK_K; base += 64, ql += 32) {
      for (int j = 0; j < 32; ++j) {
        int l1 = L[base + j];
        if (l1 > 15) {
          l1 -= 16;
          qh[j] |= m1;
        }
        int l2 = L[base + j + 32];
        if (l2 > 15) {
          l2 -= 16;
          qh[j] |= m2;
        }
        ql[j] = static_cast<std::uint8_t>(l1 | (l2 << 4));
      }
      m1 = static_cast<std::uint8_t>(m1 << 2);
      m2 = static_cast<std::uint8_t>(m2 << 2);
    }
  }
}

// dequantize_row_q5_K: x = (d * sc) * q - (dmin * m), q = nibble + 16 * fifth bit.
void dequantize_q5_k(const BlockQ5_K* x, float* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK_K); ++i) {
    const std::uint8_t* ql = x[i].qs;
    const std::uint8_t* qh = x[i].qh;
    const float d = fp16_to_fp32(x[i].d);
    const float min = fp16_to_fp32(x[i].dmin);
    int is = 0;
    unsigned u1 = 1, u2 = 2;
    for (std::size_t j = 0; j < kQK_K; j += 64, ql += 32, is += 2, u1 <<= 2, u2 <<= 2) {
      std::uint8_t sc, m;
      get_scale_min_k4(is + 0, x[i].scales, &sc, &m);
      const float d1 = d * static_cast<float>(sc), m1 = min * static_cast<float>(m);
      get_scale_min_k4(is + 1, x[i].scales, &sc, &m);
      const float d2 = d * static_cast<float>(sc), m2 = min * static_cast<float>(m);
      for (int l = 0; l < 32; ++l)
        *y++ = d1 * static_cast<float>((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l)
        *y++ = d2 * static_cast<float>((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
    }
  }
}

}  // namespace lmforge::infer::ref
