// Names, block sizes and the half / bfloat16 conversions of the weight encodings
// (weight_type.h). The conversions reproduce ggml's bit for bit: a file quantised here and one
// quantised by llama.cpp must hold the same bytes.
#include "lmforge/infer/weight_type.h"

#include <bit>
#include <cmath>

namespace lmforge::infer {

std::string_view type_name(WeightType type) {
  switch (type) {
    case WeightType::F32: return "F32";
    case WeightType::F16: return "F16";
    case WeightType::BF16: return "BF16";
    case WeightType::Q8_0: return "Q8_0";
    case WeightType::Q4_0: return "Q4_0";
    case WeightType::Q4_1: return "Q4_1";
    case WeightType::Q5_0: return "Q5_0";
    case WeightType::Q5_1: return "Q5_1";
    case WeightType::Q5_K: return "Q5_K";
    case WeightType::Q4_K: return "Q4_K";
    case WeightType::Q6_K: return "Q6_K";
    case WeightType::Q8_K: return "Q8_K";
  }
  return "?";
}

bool is_known_type(std::uint32_t type) {
  switch (static_cast<WeightType>(type)) {
    case WeightType::F32:
    case WeightType::F16:
    case WeightType::BF16:
    case WeightType::Q8_0:
    case WeightType::Q4_0:
    case WeightType::Q4_1:
    case WeightType::Q5_0:
    case WeightType::Q5_1:
    case WeightType::Q4_K:
    case WeightType::Q5_K:
    case WeightType::Q6_K:
    case WeightType::Q8_K: return true;
  }
  return false;
}

std::size_t block_values(WeightType type) {
  switch (type) {
    case WeightType::F32:
    case WeightType::F16:
    case WeightType::BF16: return 1;
    case WeightType::Q8_0: return kQK8_0;
    case WeightType::Q4_0: return kQK4_0;
    case WeightType::Q4_1: return kQK4_1;
    case WeightType::Q5_0: return kQK5_0;
    case WeightType::Q5_1: return kQK5_1;
    case WeightType::Q4_K:
    case WeightType::Q5_K:
    case WeightType::Q6_K:
    case WeightType::Q8_K: return kQK_K;
  }
  return 0;
}

std::size_t block_bytes(WeightType type) {
  switch (type) {
    case WeightType::F32: return 4;
    case WeightType::F16:
    case WeightType::BF16: return 2;
    case WeightType::Q8_0: return sizeof(BlockQ8_0);
    case WeightType::Q4_0: return sizeof(BlockQ4_0);
    case WeightType::Q4_1: return sizeof(BlockQ4_1);
    case WeightType::Q5_0: return sizeof(BlockQ5_0);
    case WeightType::Q5_1: return sizeof(BlockQ5_1);
    case WeightType::Q4_K: return sizeof(BlockQ4_K);
    case WeightType::Q5_K: return sizeof(BlockQ5_K);
    case WeightType::Q6_K: return sizeof(BlockQ6_K);
    case WeightType::Q8_K: return sizeof(BlockQ8_K);
  }
  return 0;
}

std::uint64_t row_bytes(WeightType type, std::uint64_t row_length) {
  const std::uint64_t values = block_values(type);
  if (values == 0 || row_length % values) return 0;
  return row_length / values * block_bytes(type);
}

// ggml's fp32_to_fp16 without F16C (from the FP16 library): scaling by 2^112 and back makes the
// float unit do the round-to-nearest-even, subnormals and overflow to infinity included; F16C's
// vcvtps2ph gives the same bits for every non-NaN input. NaN becomes 0x7E00 with its sign.
std::uint16_t fp32_to_fp16(float value) {
  const float scale_to_inf = 0x1.0p+112f, scale_to_zero = 0x1.0p-110f;
  float base = (std::fabs(value) * scale_to_inf) * scale_to_zero;
  const std::uint32_t w = std::bit_cast<std::uint32_t>(value);
  const std::uint32_t shl1_w = w + w;
  const std::uint32_t sign = w & 0x80000000u;
  std::uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = std::bit_cast<float>((bias >> 1) + 0x07800000u) + base;
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(base);
  const std::uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
  const std::uint32_t mantissa_bits = bits & 0x00000FFFu;
  const std::uint32_t nonsign = exp_bits + mantissa_bits;
  return static_cast<std::uint16_t>((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

// Exact (every half is a float): normals re-biased, subnormals scaled, infinities kept, NaN
// made quiet with its payload (as ggml's float-unit conversion and F16C's vcvtph2ps do).
float fp16_to_fp32(std::uint16_t half) {
  const std::uint32_t sign = static_cast<std::uint32_t>(half & 0x8000u) << 16;
  const std::uint32_t exponent = (half >> 10) & 0x1Fu;
  const std::uint32_t mantissa = half & 0x3FFu;
  if (exponent == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13) | (mantissa ? 0x400000u : 0u));
  if (exponent == 0) {
    if (mantissa == 0) return std::bit_cast<float>(sign);
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // subnormal
    return sign ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

// ggml_compute_fp32_to_bf16: NaN is truncated and forced quiet, everything else rounded to
// nearest even on the upper 16 bits (overflow to infinity included).
std::uint16_t fp32_to_bf16(float value) {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(value);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<std::uint16_t>((u >> 16) | 64);
  return static_cast<std::uint16_t>((u + (0x7FFFu + ((u >> 16) & 1u))) >> 16);
}

float bf16_to_fp32(std::uint16_t bf16) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(bf16) << 16);
}

}  // namespace lmforge::infer
