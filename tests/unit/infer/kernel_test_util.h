// Shared by the kernel and matmul tests: random weight rows of every type (random bytes in the
// quantised fields, so every bit pattern a file may hold is exercised; sane F16 scales), and
// the exact (double) value of a dot product with the bound of float-summation rounding that
// any correct kernel stays within.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "lmforge/infer/quantize.h"
#include "lmforge/infer/weight_type.h"

namespace lmforge::infer::testing {

inline std::vector<float> random_floats(std::mt19937& rng, std::int64_t n, float scale = 1.0f) {
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> x(static_cast<std::size_t>(n));
  for (auto& v : x) v = normal(rng);
  return x;
}

// One weight row of n values of `type`: float types from random floats, quantised types as
// random bytes with F16 scale fields set to values in [1e-3, 1e-1).
inline std::vector<std::uint8_t> random_row(std::mt19937& rng, WeightType type, std::int64_t n) {
  std::vector<std::uint8_t> row(row_bytes(type, static_cast<std::uint64_t>(n)));
  if (type == WeightType::F32 || type == WeightType::F16 || type == WeightType::BF16) {
    const auto x = random_floats(rng, n);
    quantize_row(type, x.data(), row.data(), n);
    return row;
  }
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto& b : row) b = static_cast<std::uint8_t>(byte(rng));
  std::uniform_real_distribution<float> scale(1e-3f, 1e-1f);
  const auto set_half = [&](std::uint8_t* p) {
    const std::uint16_t h = fp32_to_fp16(scale(rng));
    std::memcpy(p, &h, sizeof h);
  };
  const std::size_t blocks = row.size() / block_bytes(type);
  for (std::size_t b = 0; b < blocks; ++b) {
    std::uint8_t* blk = row.data() + b * block_bytes(type);
    switch (type) {
      case WeightType::Q8_0: case WeightType::Q4_0: case WeightType::Q5_0: set_half(blk); break;
      case WeightType::Q4_K: case WeightType::Q5_K: case WeightType::Q4_1: case WeightType::Q5_1:
        set_half(blk); set_half(blk + 2); break;  // (d, dmin) / (d, m)
      case WeightType::Q6_K: set_half(blk + offsetof(BlockQ6_K, d)); break;
      default: break;
    }
  }
  return row;
}

// The magnitudes the kernel's float rounding is relative to, per weight value: |w| for every
// type whose block sum is one integer times one scale; the scale and min parts apart for the
// types with a min (Q4_K, Q5_K: F16 d, dmin; Q4_1, Q5_1: F16 d, m; first in the block), whose
// kernels round d * sum and min * sum separately.
inline std::vector<double> weight_magnitudes(WeightType type, const std::uint8_t* row, std::int64_t n) {
  std::vector<float> w(static_cast<std::size_t>(n));
  std::vector<double> mag(static_cast<std::size_t>(n));
  const bool has_min = type == WeightType::Q4_K || type == WeightType::Q5_K || type == WeightType::Q4_1 ||
                       type == WeightType::Q5_1;
  if (!has_min) {
    dequantize_row(type, row, w.data(), n);
    for (std::int64_t i = 0; i < n; ++i) mag[i] = std::fabs(w[i]);
    return mag;
  }
  std::vector<std::uint8_t> part(row, row + row_bytes(type, static_cast<std::uint64_t>(n)));
  const std::size_t nb = part.size() / block_bytes(type);
  const auto zero_half = [&](std::size_t offset) {
    for (std::size_t b = 0; b < nb; ++b) std::memset(part.data() + b * block_bytes(type) + offset, 0, 2);
  };
  zero_half(2);  // the scale part alone
  dequantize_row(type, part.data(), w.data(), n);
  for (std::int64_t i = 0; i < n; ++i) mag[i] = std::fabs(w[i]);
  std::memcpy(part.data(), row, part.size());
  zero_half(0);  // the min part alone
  dequantize_row(type, part.data(), w.data(), n);
  for (std::int64_t i = 0; i < n; ++i) mag[i] += std::fabs(w[i]);
  return mag;
}

struct ExactDot {
  double value = 0;  // sum of dequantised w * dequantised a, in double
  double bound = 0;  // how far a correct float kernel may be from it
};

// The exact value and the rounding bound: a kernel sums at most `chain` float terms in a row
// (blocks for quantised types, values for float ones), each term within a few roundings of
// its exact value, so |kernel - value| <= (chain + 8) * 2^-24 * sum(magnitude * |a|); the
// dequantised reference values themselves are each within 4 roundings.
inline ExactDot exact_dot(WeightType type, const std::uint8_t* w_row, WeightType partner,
                          const std::uint8_t* a_row, std::int64_t n) {
  std::vector<float> w(static_cast<std::size_t>(n)), a(static_cast<std::size_t>(n));
  dequantize_row(type, w_row, w.data(), n);
  dequantize_row(partner, a_row, a.data(), n);
  const auto mag = weight_magnitudes(type, w_row, n);
  ExactDot r;
  double abs_sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    r.value += static_cast<double>(w[i]) * a[i];
    abs_sum += mag[i] * std::fabs(a[i]);
  }
  const bool quantised = block_values(type) > 1;
  const double chain = quantised ? static_cast<double>(n) / 16 : static_cast<double>(n);
  r.bound = (chain + 8) * std::ldexp(1.0, -24) * abs_sum + 1e-30;
  return r;
}

}  // namespace lmforge::infer::testing
