// quantize_row / dequantize_row (quantize.h): the checks, the dispatch by type, and the
// reference encodings of the float types and the 32-value blocks (Q8_0, Q4_0, Q4_1, Q5_0,
// Q5_1). The K-quants are in quantize_k.cpp and quantize_q5_k.cpp.
#include "lmforge/infer/quantize.h"

#include "quantize_ref.h"  // first of the local code: it turns FP contraction off

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "lmforge/common/error.h"

namespace lmforge::infer {
namespace {

// quantize_row_q8_0_ref: d = max|x| / 127, q = roundf(x / d) (half away from zero).
void quantize_q8_0(const float* x, BlockQ8_0* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK8_0); ++i, x += kQK8_0) {
    float amax = 0.0f;
    for (std::size_t j = 0; j < kQK8_0; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / ((1 << 7) - 1);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    for (std::size_t j = 0; j < kQK8_0; ++j)
      y[i].qs[j] = static_cast<std::int8_t>(std::round(x[j] * id));
  }
}

// quantize_row_q4_0_ref: d = (the value of largest magnitude) / -8, so that value is exactly
// q = 0; q = min(15, trunc(x / d + 8.5)). Low nibbles hold values 0..15, high ones 16..31.
void quantize_q4_0(const float* x, BlockQ4_0* y, std::int64_t n) {
  constexpr std::size_t half = kQK4_0 / 2;
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK4_0); ++i, x += kQK4_0) {
    float amax = 0.0f, max = 0.0f;
    for (std::size_t j = 0; j < kQK4_0; ++j) {
      if (amax < std::fabs(x[j])) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -8;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    for (std::size_t j = 0; j < half; ++j) {
      const int q0 = std::min(15, static_cast<int>(x[j] * id + 8.5f));
      const int q1 = std::min(15, static_cast<int>(x[half + j] * id + 8.5f));
      y[i].qs[j] = static_cast<std::uint8_t>(q0 | (q1 << 4));
    }
  }
}

// quantize_row_q4_1_ref: d = (max - min) / 15, m = min, q = min(15, trunc((x - min) / d + 0.5)).
void quantize_q4_1(const float* x, BlockQ4_1* y, std::int64_t n) {
  constexpr std::size_t half = kQK4_1 / 2;
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK4_1); ++i, x += kQK4_1) {
    float min = std::numeric_limits<float>::max(), max = -std::numeric_limits<float>::max();
    for (std::size_t j = 0; j < kQK4_1; ++j) {
      if (x[j] < min) min = x[j];
      if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / ((1 << 4) - 1);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    y[i].m = fp32_to_fp16(min);
    for (std::size_t j = 0; j < half; ++j) {
      const float x0 = (x[j] - min) * id;
      const float x1 = (x[half + j] - min) * id;
      const int q0 = std::min(15, static_cast<int>(static_cast<std::int8_t>(x0 + 0.5f)));
      const int q1 = std::min(15, static_cast<int>(static_cast<std::int8_t>(x1 + 0.5f)));
      y[i].qs[j] = static_cast<std::uint8_t>(q0 | (q1 << 4));
    }
  }
}

// quantize_row_q5_0_ref: Q4_0 with 32 levels: d = (the value of largest magnitude) / -16,
// q = min(31, trunc(x / d + 16.5)); the fifth bit of value j is bit j of qh.
void quantize_q5_0(const float* x, BlockQ5_0* y, std::int64_t n) {
  constexpr std::size_t half = kQK5_0 / 2;
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK5_0); ++i, x += kQK5_0) {
    float amax = 0.0f, max = 0.0f;
    for (std::size_t j = 0; j < kQK5_0; ++j) {
      if (amax < std::fabs(x[j])) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -16;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    std::uint32_t qh = 0;
    for (std::size_t j = 0; j < half; ++j) {
      const float x0 = x[j] * id;
      const float x1 = x[half + j] * id;
      const int q0 = std::min(31, static_cast<int>(static_cast<std::int8_t>(x0 + 16.5f)));
      const int q1 = std::min(31, static_cast<int>(static_cast<std::int8_t>(x1 + 16.5f)));
      y[i].qs[j] = static_cast<std::uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= static_cast<std::uint32_t>((q0 & 0x10) >> 4) << j;
      qh |= static_cast<std::uint32_t>((q1 & 0x10) >> 4) << (j + half);
    }
    std::memcpy(y[i].qh, &qh, sizeof qh);
  }
}

// quantize_row_q5_1_ref: Q4_1 with 32 levels: d = (max - min) / 31, q = trunc((x - min) / d + 0.5).
void quantize_q5_1(const float* x, BlockQ5_1* y, std::int64_t n) {
  constexpr std::size_t half = kQK5_1 / 2;
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK5_1); ++i, x += kQK5_1) {
    float min = std::numeric_limits<float>::max(), max = -std::numeric_limits<float>::max();
    for (std::size_t j = 0; j < kQK5_1; ++j) {
      if (x[j] < min) min = x[j];
      if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / ((1 << 5) - 1);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    y[i].m = fp32_to_fp16(min);
    std::uint32_t qh = 0;
    for (std::size_t j = 0; j < half; ++j) {
      const float x0 = (x[j] - min) * id;
      const float x1 = (x[half + j] - min) * id;
      const int q0 = static_cast<std::uint8_t>(x0 + 0.5f);
      const int q1 = static_cast<std::uint8_t>(x1 + 0.5f);
      y[i].qs[j] = static_cast<std::uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= static_cast<std::uint32_t>((q0 & 0x10) >> 4) << j;
      qh |= static_cast<std::uint32_t>((q1 & 0x10) >> 4) << (j + half);
    }
    std::memcpy(y[i].qh, &qh, sizeof qh);
  }
}

// dequantize_row_q8_0
void dequantize_q8_0(const BlockQ8_0* x, float* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK8_0); ++i, y += kQK8_0) {
    const float d = fp16_to_fp32(x[i].d);
    for (std::size_t j = 0; j < kQK8_0; ++j) y[j] = static_cast<float>(x[i].qs[j]) * d;
  }
}

// dequantize_row_q4_0
void dequantize_q4_0(const BlockQ4_0* x, float* y, std::int64_t n) {
  constexpr std::size_t half = kQK4_0 / 2;
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK4_0); ++i, y += kQK4_0) {
    const float d = fp16_to_fp32(x[i].d);
    for (std::size_t j = 0; j < half; ++j) {
      y[j] = static_cast<float>((x[i].qs[j] & 0x0F) - 8) * d;
      y[half + j] = static_cast<float>((x[i].qs[j] >> 4) - 8) * d;
    }
  }
}

// dequantize_row_q4_1: x = q * d + m
void dequantize_q4_1(const BlockQ4_1* x, float* y, std::int64_t n) {
  constexpr std::size_t half = kQK4_1 / 2;
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK4_1); ++i, y += kQK4_1) {
    const float d = fp16_to_fp32(x[i].d), m = fp16_to_fp32(x[i].m);
    for (std::size_t j = 0; j < half; ++j) {
      y[j] = static_cast<float>(x[i].qs[j] & 0x0F) * d + m;
      y[half + j] = static_cast<float>(x[i].qs[j] >> 4) * d + m;
    }
  }
}

// The five-bit values 0..31 of a Q5_0 / Q5_1 block (nibbles plus the bits of qh).
void q5_values(const std::uint8_t qs[16], const std::uint8_t qh_bytes[4], int q[32]) {
  std::uint32_t qh;
  std::memcpy(&qh, qh_bytes, sizeof qh);
  for (int j = 0; j < 16; ++j) {
    q[j] = (qs[j] & 0x0F) | static_cast<int>(((qh >> j) << 4) & 0x10);
    q[j + 16] = (qs[j] >> 4) | static_cast<int>((qh >> (j + 12)) & 0x10);
  }
}

// dequantize_row_q5_0: x = (q - 16) * d
void dequantize_q5_0(const BlockQ5_0* x, float* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK5_0); ++i, y += kQK5_0) {
    const float d = fp16_to_fp32(x[i].d);
    int q[32];
    q5_values(x[i].qs, x[i].qh, q);
    for (std::size_t j = 0; j < kQK5_0; ++j) y[j] = static_cast<float>(q[j] - 16) * d;
  }
}

// dequantize_row_q5_1: x = q * d + m
void dequantize_q5_1(const BlockQ5_1* x, float* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n / static_cast<std::int64_t>(kQK5_1); ++i, y += kQK5_1) {
    const float d = fp16_to_fp32(x[i].d), m = fp16_to_fp32(x[i].m);
    int q[32];
    q5_values(x[i].qs, x[i].qh, q);
    for (std::size_t j = 0; j < kQK5_1; ++j) y[j] = static_cast<float>(q[j]) * d + m;
  }
}

void check_length(WeightType type, std::int64_t n, const char* what) {
  if (!is_known_type(static_cast<std::uint32_t>(type)))
    usage_error("{}: unknown weight type {}", what, static_cast<std::uint32_t>(type));
  const auto block = static_cast<std::int64_t>(block_values(type));
  if (n < 0 || n % block)
    usage_error("{}: {} values are not a whole number of {} blocks of {}", what, n, type_name(type), block);
}

}  // namespace

void quantize_row(WeightType type, const float* x, void* out, std::int64_t n) {
  check_length(type, n, "quantize_row");
  switch (type) {
    case WeightType::F32: std::memcpy(out, x, static_cast<std::size_t>(n) * sizeof(float)); return;
    case WeightType::F16: {  // ggml_fp32_to_fp16_row
      auto* y = static_cast<std::uint16_t*>(out);
      for (std::int64_t i = 0; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
      return;
    }
    case WeightType::BF16: {  // ggml_fp32_to_bf16_row_ref
      auto* y = static_cast<std::uint16_t*>(out);
      for (std::int64_t i = 0; i < n; ++i) y[i] = fp32_to_bf16(x[i]);
      return;
    }
    case WeightType::Q8_0: quantize_q8_0(x, static_cast<BlockQ8_0*>(out), n); return;
    case WeightType::Q4_0: quantize_q4_0(x, static_cast<BlockQ4_0*>(out), n); return;
    case WeightType::Q4_1: quantize_q4_1(x, static_cast<BlockQ4_1*>(out), n); return;
    case WeightType::Q5_0: quantize_q5_0(x, static_cast<BlockQ5_0*>(out), n); return;
    case WeightType::Q5_1: quantize_q5_1(x, static_cast<BlockQ5_1*>(out), n); return;
    case WeightType::Q5_K: ref::quantize_q5_k(x, static_cast<BlockQ5_K*>(out), n); return;
    case WeightType::Q4_K: ref::quantize_q4_k(x, static_cast<BlockQ4_K*>(out), n); return;
    case WeightType::Q6_K: ref::quantize_q6_k(x, static_cast<BlockQ6_K*>(out), n); return;
    case WeightType::Q8_K: ref::quantize_q8_k(x, static_cast<BlockQ8_K*>(out), n); return;
  }
}

void dequantize_row(WeightType type, const void* in, float* y, std::int64_t n) {
  check_length(type, n, "dequantize_row");
  switch (type) {
    case WeightType::F32: std::memcpy(y, in, static_cast<std::size_t>(n) * sizeof(float)); return;
    case WeightType::F16: {
      const auto* x = static_cast<const std::uint16_t*>(in);
      for (std::int64_t i = 0; i < n; ++i) y[i] = fp16_to_fp32(x[i]);
      return;
    }
    case WeightType::BF16: {
      const auto* x = static_cast<const std::uint16_t*>(in);
      for (std::int64_t i = 0; i < n; ++i) y[i] = bf16_to_fp32(x[i]);
      return;
    }
    case WeightType::Q8_0: dequantize_q8_0(static_cast<const BlockQ8_0*>(in), y, n); return;
    case WeightType::Q4_0: dequantize_q4_0(static_cast<const BlockQ4_0*>(in), y, n); return;
    case WeightType::Q4_1: dequantize_q4_1(static_cast<const BlockQ4_1*>(in), y, n); return;
    case WeightType::Q5_0: dequantize_q5_0(static_cast<const BlockQ5_0*>(in), y, n); return;
    case WeightType::Q5_1: dequantize_q5_1(static_cast<const BlockQ5_1*>(in), y, n); return;
    case WeightType::Q5_K: ref::dequantize_q5_k(static_cast<const BlockQ5_K*>(in), y, n); return;
    case WeightType::Q4_K: ref::dequantize_q4_k(static_cast<const BlockQ4_K*>(in), y, n); return;
    case WeightType::Q6_K: ref::dequantize_q6_k(static_cast<const BlockQ6_K*>(in), y, n); return;
    case WeightType::Q8_K: ref::dequantize_q8_k(static_cast<const BlockQ8_K*>(in), y, n); return;
  }
}

}  // namespace lmforge::infer
