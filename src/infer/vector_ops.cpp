// The scalar level of vector_ops.h (the reference the SIMD levels are tested against: plain
// loops, libm's exp / tanh, norms summed in double as before), and the per-level tables.
#include "vector_ops.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <mutex>
#include <numbers>

#include "lmforge/common/error.h"
#include "lmforge/infer/weight_type.h"

namespace lmforge::infer {

namespace {

void to_f16(const float* x, std::uint16_t* out, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = fp32_to_fp16(x[i]);
}
void from_f16(const std::uint16_t* x, float* out, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = fp16_to_fp32(x[i]);
}
float max(const float* x, std::int64_t n) { return *std::max_element(x, x + n); }
float exp_sum(float* x, std::int64_t n, float shift) {
  float s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += x[i] = std::exp(x[i] - shift);
  return s;
}
void scale(float* x, float a, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) x[i] *= a;
}
void add(float* x, const float* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) x[i] += y[i];
}
void silu_mul(float* gate, const float* up, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}
void gelu_tanh(float* x, std::int64_t n) {
  const float k = static_cast<float>(std::sqrt(2.0 / std::numbers::pi));
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    x[i] = 0.5f * v * (1.0f + std::tanh(k * (v + 0.044715f * v * v * v)));
  }
}
void rms_norm(const float* x, const float* w, float* out, std::int64_t n, float eps) {
  double sum = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  const float inv = 1.0f / std::sqrt(static_cast<float>(sum / static_cast<double>(n)) + eps);
  for (std::int64_t i = 0; i < n; ++i) out[i] = w[i] * (x[i] * inv);
}
void layer_norm(const float* x, const float* w, const float* b, float* out, std::int64_t n, float eps) {
  double sum = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += x[i];
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  double var = 0;
  for (std::int64_t i = 0; i < n; ++i) var += static_cast<double>(x[i] - mean) * (x[i] - mean);
  const float inv = 1.0f / std::sqrt(static_cast<float>(var / static_cast<double>(n)) + eps);
  for (std::int64_t i = 0; i < n; ++i) out[i] = (x[i] - mean) * inv * w[i] + (b ? b[i] : 0.0f);
}

VectorOps build(CpuLevel level) {
  VectorOps ops{CpuLevel::Scalar, to_f16, from_f16, max, exp_sum, scale, add, silu_mul, gelu_tanh, rms_norm, layer_norm};
  if (level >= CpuLevel::Avx2) detail::fill_avx2_vector_ops(ops);
  if (level >= CpuLevel::Avx512) detail::fill_avx512_vector_ops(ops);
  ops.level = level;
  return ops;
}

}  // namespace

const VectorOps& vector_ops_for(CpuLevel level) {
  if (!cpu_supports(level))
    usage_error("CPU level {} is not supported by this CPU (best: {})", cpu_level_name(level),
                cpu_level_name(best_cpu_level()));
  static std::array<VectorOps, kCpuLevels> tables;
  static std::array<std::once_flag, kCpuLevels> built;
  const auto i = static_cast<std::size_t>(level);
  std::call_once(built[i], [&] { tables[i] = build(level); });
  return tables[i];
}

const VectorOps& vector_ops() {
  static const VectorOps& active = vector_ops_for(active_cpu_level());
  return active;
}

}  // namespace lmforge::infer
