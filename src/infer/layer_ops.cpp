#include "layer_ops.h"

#include <cmath>
#include <numbers>

namespace lmforge::infer {

namespace {

// Runs fn(begin, end) over [0, n) in one slice per thread; small n on the caller alone.
template <typename Fn>
void split(std::int64_t n, ThreadPool& pool, Fn&& fn) {
  if (n < 16384 || pool.size() == 1) {
    fn(std::int64_t{0}, n);
    return;
  }
  pool.run([&](int thread, int threads) { fn(n * thread / threads, n * (thread + 1) / threads); });
}

}  // namespace

void norm_rows(NormKind kind, const Norm& norm, double eps, const float* x, float* out, std::int64_t rows,
               std::int64_t width) {
  const float* w = norm.weight.data();
  const float* b = norm.bias.empty() ? nullptr : norm.bias.data();
  const float feps = static_cast<float>(eps);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * width;
    float* o = out + r * width;
    if (kind == NormKind::layer) {
      double sum = 0;
      for (std::int64_t i = 0; i < width; ++i) sum += in[i];
      const float mean = static_cast<float>(sum / static_cast<double>(width));
      double var = 0;
      for (std::int64_t i = 0; i < width; ++i) var += static_cast<double>(in[i] - mean) * (in[i] - mean);
      const float inv = 1.0f / std::sqrt(static_cast<float>(var / static_cast<double>(width)) + feps);
      for (std::int64_t i = 0; i < width; ++i) o[i] = (in[i] - mean) * inv * w[i] + (b ? b[i] : 0.0f);
    } else {
      double sum = 0;
      for (std::int64_t i = 0; i < width; ++i) sum += static_cast<double>(in[i]) * in[i];
      const float inv = 1.0f / std::sqrt(static_cast<float>(sum / static_cast<double>(width)) + feps);
      for (std::int64_t i = 0; i < width; ++i) o[i] = w[i] * (in[i] * inv);
    }
  }
}

void add_bias(float* y, std::int64_t rows, const std::vector<float>& bias) {
  if (bias.empty()) return;
  const auto n = static_cast<std::int64_t>(bias.size());
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t i = 0; i < n; ++i) y[r * n + i] += bias[static_cast<std::size_t>(i)];
}

void gelu(float* x, std::int64_t n, bool tanh_approximation, ThreadPool& pool) {
  split(n, pool, [&](std::int64_t begin, std::int64_t end) {
    if (tanh_approximation) {
      const float k = static_cast<float>(std::sqrt(2.0 / std::numbers::pi));
      for (std::int64_t i = begin; i < end; ++i) {
        const float v = x[i];
        x[i] = 0.5f * v * (1.0f + std::tanh(k * (v + 0.044715f * v * v * v)));
      }
    } else {
      const float r = static_cast<float>(1.0 / std::numbers::sqrt2);
      for (std::int64_t i = begin; i < end; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * r));
    }
  });
}

void silu_mul(float* gate, const float* up, std::int64_t n, ThreadPool& pool) {
  split(n, pool, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
  });
}

void add_into(float* x, const float* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) x[i] += y[i];
}

}  // namespace lmforge::infer
