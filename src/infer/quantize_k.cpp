// The K-quant reference encodings (256-value super-blocks): Q4_K and Q6_K as llama.cpp's
// quantiser writes them without an importance matrix, and Q8_K, the activation partner of their
// dot products. Each function mirrors the ggml-quants.c function named in its comment, operation
// for operation (same float evaluation order, same iteration constants), because the search
// for scales is chaotic: one rounding different and a whole sub-block can pick other levels.
#include "quantize_ref.h"  // first: it turns FP contraction off

#include <algorithm>
#include <cmath>
#include <cstring>

namespace lmforge::infer::ref {
namespace {

constexpr float kGroupMaxEps = 1e-15f;  // GROUP_MAX_EPS: below this a group is all zero

}  // namespace

// make_qkx2_quants: levels L in [0, nmax] and (scale, min) for x ~ scale * L - min, minimising
// the weighted squared error; starts from the min / max range, then tries nstep + 1 scales
// iscale = (rmin + rdelta * is + nmax) / (max - min) with a least-squares refit of scale and
// min for each. Returns the scale; *the_min gets the (non-negative) min.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, std::uint8_t* L,
                       float* the_min, std::uint8_t* Laux, float rmin, float rdelta, int nstep) {
  float min = x[0], max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const float w = weights[i];
    sum_w += w;
    sum_x += w * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    std::fill(L, L + n, std::uint8_t{0});
    *the_min = -min;
    return 0.f;
  }
  float iscale = static_cast<float>(nmax) / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    const int l = nearest_int(iscale * (x[i] - min));
    L[i] = static_cast<std::uint8_t>(std::max(0, std::min(nmax, l)));
    const float diff = scale * static_cast<float>(L[i]) + min - x[i];
    best_error += weights[i] * (diff * diff);  // use_mad is false for Q4_K
  }
  if (nstep < 1) {
    *the_min = -min;
    return scale;
  }
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * static_cast<float>(is) + static_cast<float>(nmax)) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      int l = nearest_int(iscale * (x[i] - min));
      l = std::max(0, std::min(nmax, l));
      Laux[i] = static_cast<std::uint8_t>(l);
      const float w = weights[i];
      const float fl = static_cast<float>(l);
      sum_l += w * fl;
      sum_l2 += w * fl * fl;
      sum_xl += w * fl * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float cur_error = 0;
      for (int i = 0; i < n; ++i) {
        const float diff = this_scale * static_cast<float>(Laux[i]) + this_min - x[i];
        cur_error += weights[i] * (diff * diff);
      }
      if (cur_error < best_error) {
        std::copy(Laux, Laux + n, L);
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *the_min = -min;
  return scale;
}

namespace {

// make_qx_quants with rmse_type 1 and no importance weights (what quantize_row_q6_K_ref
// calls): symmetric levels L in [0, 2 nmax) for x ~ scale * (L - nmax), weights x^2; the
// value of largest magnitude fixes the first scale, then 18 nearby scales are tried.
float make_qx_quants(int n, int nmax, const float* x, std::int8_t* L) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    std::fill(L, L + n, std::int8_t{0});
    return 0.f;
  }
  const auto clamp = [nmax](int l) { return std::max(-nmax, std::min(nmax - 1, l)); };
  float iscale = static_cast<float>(-nmax) / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = clamp(nearest_int(iscale * x[i]));
    L[i] = static_cast<std::int8_t>(l + nmax);
    const float w = x[i] * x[i];
    const float fl = static_cast<float>(l);
    sumlx += w * x[i] * fl;
    suml2 += w * fl * fl;
  }
  float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is)) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; ++i) {
      const float fl = static_cast<float>(clamp(nearest_int(iscale * x[i])));
      const float w = x[i] * x[i];
      sumlx += w * x[i] * fl;
      suml2 += w * fl * fl;
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; ++i) L[i] = static_cast<std::int8_t>(nmax + clamp(nearest_int(iscale * x[i])));
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

}  // namespace

// get_scale_min_k4: the 6-bit scale and min of sub-block j from the 12 packed bytes.
void get_scale_min_k4(int j, const std::uint8_t* q, std::uint8_t* d, std::uint8_t* m) {
  if (j < 4) {
    *d = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *d = static_cast<std::uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<std::uint8_t>((q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4));
  }
}

void quantize_k_super_block(const float* x, int nmax, float rmin, int nstep, std::uint8_t* sc,
                            std::uint16_t* d_out, std::uint16_t* dmin_out, std::uint8_t* L) {
  std::uint8_t Laux[32];
  float weights[32], mins[kQK_K / 32], scales[kQK_K / 32];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < static_cast<int>(kQK_K / 32); ++j) {
    const float* xs = x + 32 * j;
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += xs[l] * xs[l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xs[l]);
    scales[j] = make_qkx2_quants(32, nmax, xs, weights, L + 32 * j, &mins[j], Laux, rmin, 0.1f, nstep);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  for (int j = 0; j < static_cast<int>(kQK_K / 32); ++j) {
    // ggml stores the int in a uint8_t before clamping, so a negative one wraps to > 63.
    const auto ls = std::min<std::uint8_t>(63, static_cast<std::uint8_t>(nearest_int(inv_scale * scales[j])));
    const auto lm = std::min<std::uint8_t>(63, static_cast<std::uint8_t>(nearest_int(inv_min * mins[j])));
    if (j < 4) {
      sc[j] = ls;
      sc[j + 4] = lm;
    } else {
      sc[j + 4] = static_cast<std::uint8_t>((ls & 0xF) | ((lm & 0xF) << 4));
      sc[j - 4] |= static_cast<std::uint8_t>((ls >> 4) << 6);
      sc[j - 0] |= static_cast<std::uint8_t>((lm >> 4) << 6);
    }
  }
  *d_out = fp32_to_fp16(max_scale / 63.f);
  *dmin_out = fp32_to_fp16(max_min / 63.f);
  for (int j = 0; j < static_cast<int>(kQK_K / 32); ++j) {
    std::uint8_t s, m;
    get_scale_min_k4(j, sc, &s, &m);
    const float d = fp16_to_fp32(*d_out) * static_cast<float>(s);
    if (d == 0) continue;  // keeps make_qkx2_quants' levels, as ggml does
    const float dm = fp16_to_fp32(*dmin_out) * static_cast<float>(m);
    for (int ii = 0; ii < 32; ++ii) {
      const int l = nearest_int((x[32 * j + ii] + dm) / d);
      L[32 * j + ii] = static_cast<std::uint8_t>(std::max(0, std::min(nmax, l)));
    }
  }
}

// quantize_row_q4_K_ref: quantize_k_super_block with 16 levels (make_qkx2_quants rmin -1, 20
// steps), then two sub-blocks' nibbles per byte run.
void quantize_q4_k(const float* x, BlockQ4_K* y, std::int64_t n) {
  std::uint8_t L[kQK_K];
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK_K); ++i, x += kQK_K) {
    quantize_k_super_block(x, 15, -1.f, 20, y[i].scales, &y[i].d, &y[i].dmin, L);
    std::uint8_t* q = y[i].qs;
    for (std::size_t j = 0; j < kQK_K; j += 64, q += 32)
      for (int l = 0; l < 32; ++l) q[l] = static_cast<std::uint8_t>(L[j + l] | (L[j + l + 32] << 4));
  }
}

// dequantize_row_q4_K: x = (d * sc) * q - (dmin * m), sub-blocks of 32 in nibble order.
void dequantize_q4_k(const BlockQ4_K* x, float* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK_K); ++i) {
    const std::uint8_t* q = x[i].qs;
    const float d = fp16_to_fp32(x[i].d);
    const float min = fp16_to_fp32(x[i].dmin);
    int is = 0;
    for (std::size_t j = 0; j < kQK_K; j += 64, q += 32, is += 2) {
      std::uint8_t sc, m;
      get_scale_min_k4(is + 0, x[i].scales, &sc, &m);
      const float d1 = d * static_cast<float>(sc), m1 = min * static_cast<float>(m);
      get_scale_min_k4(is + 1, x[i].scales, &sc, &m);
      const float d2 = d * static_cast<float>(sc), m2 = min * static_cast<float>(m);
      for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
  }
}

// quantize_row_q6_K_ref: per sub-block of 16 a signed scale by make_qx_quants(16, 32); scales
// quantised to int8 against the largest magnitude (-128 / max_scale); every value re-quantised
// to [-32, 31] against the stored scales.
void quantize_q6_k(const float* x, BlockQ6_K* y, std::int64_t n) {
  std::int8_t L[kQK_K];
  float scales[kQK_K / 16];
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK_K); ++i, x += kQK_K) {
    float max_scale = 0, max_abs_scale = 0;
    for (int ib = 0; ib < static_cast<int>(kQK_K / 16); ++ib) {
      scales[ib] = make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib);
      const float abs_scale = std::fabs(scales[ib]);
      if (abs_scale > max_abs_scale) {
        max_abs_scale = abs_scale;
        max_scale = scales[ib];
      }
    }
    if (max_abs_scale < kGroupMaxEps) {
      std::memset(&y[i], 0, sizeof(BlockQ6_K));
      y[i].d = fp32_to_fp16(0.f);
      continue;
    }
    const float iscale = -128.f / max_scale;
    y[i].d = fp32_to_fp16(1 / iscale);
    for (int ib = 0; ib < static_cast<int>(kQK_K / 16); ++ib)
      y[i].scales[ib] = static_cast<std::int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
    for (int j = 0; j < static_cast<int>(kQK_K / 16); ++j) {
      const float d = fp16_to_fp32(y[i].d) * static_cast<float>(y[i].scales[j]);
      if (d == 0) continue;  // keeps make_qx_quants' levels, as ggml does
      for (int ii = 0; ii < 16; ++ii) {
        const int l = nearest_int(x[16 * j + ii] / d);
        L[16 * j + ii] = static_cast<std::int8_t>(std::max(-32, std::min(31, l)) + 32);
      }
    }
    std::uint8_t* ql = y[i].ql;
    std::uint8_t* qh = y[i].qh;
    for (std::size_t j = 0; j < kQK_K; j += 128, ql += 64, qh += 32) {
      for (int l = 0; l < 32; ++l) {
        const int q1 = L[j + l + 0], q2 = L[j + l + 32], q3 = L[j + l + 64], q4 = L[j + l + 96];
        ql[l + 0] = static_cast<std::uint8_t>((q1 & 0xF) | ((q3 & 0xF) << 4));
        ql[l + 32] = static_cast<std::uint8_t>((q2 & 0xF) | ((q4 & 0xF) << 4));
        qh[l] = static_cast<std::uint8_t>((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
      }
    }
  }
}

// dequantize_row_q6_K: x = (d * sc) * (q - 32), sub-blocks of 16.
void dequantize_q6_k(const BlockQ6_K* x, float* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK_K); ++i) {
    const float d = fp16_to_fp32(x[i].d);
    const std::uint8_t* ql = x[i].ql;
    const std::uint8_t* qh = x[i].qh;
    const std::int8_t* sc = x[i].scales;
    for (std::size_t part = 0; part < kQK_K; part += 128, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l + 0] = d * static_cast<float>(sc[is + 0]) * static_cast<float>(q1);
        y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
        y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
        y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
      }
    }
  }
}

// quantize_row_q8_K_ref: q = min(127, nearest_int(x * -127 / max)) where max is the value of
// largest magnitude, d = 1 / iscale, bsums the sums of each 16 q.
void quantize_q8_k(const float* x, BlockQ8_K* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK_K); ++i, x += kQK_K) {
    float max = 0, amax = 0;
    for (std::size_t j = 0; j < kQK_K; ++j) {
      const float ax = std::fabs(x[j]);
      if (ax > amax) {
        amax = ax;
        max = x[j];
      }
    }
    if (amax == 0) {
      y[i].d = 0;
      std::memset(y[i].qs, 0, sizeof y[i].qs);
      std::memset(y[i].bsums, 0, sizeof y[i].bsums);  // ggml leaves them unset
      continue;
    }
    const float iscale = -127.f / max;
    for (std::size_t j = 0; j < kQK_K; ++j)
      y[i].qs[j] = static_cast<std::int8_t>(std::min(127, nearest_int(iscale * x[j])));
    for (std::size_t j = 0; j < kQK_K / 16; ++j) {
      int sum = 0;
      for (std::size_t ii = 0; ii < 16; ++ii) sum += y[i].qs[j * 16 + ii];
      y[i].bsums[j] = static_cast<std::int16_t>(sum);
    }
    y[i].d = 1 / iscale;
  }
}

// dequantize_row_q8_K
void dequantize_q8_k(const BlockQ8_K* x, float* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK_K); ++i, y += kQK_K)
    for (std::size_t j = 0; j < kQK_K; ++j) y[j] = x[i].d * static_cast<float>(x[i].qs[j]);
}

}  // namespace lmforge::infer::ref
