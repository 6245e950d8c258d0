#include "layer_ops.h"

#include <cmath>
#include <numbers>

#include "vector_ops.h"

namespace lmforge::infer {

namespace {
// Below this much work (about a few microseconds of vector loops) a region of the pool costs
// more than it saves.
constexpr std::int64_t kParallelWork = 32768;
}  // namespace

void split_work(std::int64_t n, std::int64_t cost_per_item, ThreadPool& pool,
                const std::function<void(std::int64_t, std::int64_t)>& fn) {
  if (pool.size() == 1 || n < 2 || n * cost_per_item < kParallelWork) {
    fn(0, n);
    return;
  }
  pool.run([&](int thread, int threads) {
    const std::int64_t begin = n * thread / threads, end = n * (thread + 1) / threads;
    if (begin < end) fn(begin, end);
  });
}

void norm_rows(NormKind kind, const Norm& norm, double eps, const float* x, float* out, std::int64_t rows,
               std::int64_t width, ThreadPool& pool) {
  const VectorOps& ops = vector_ops();
  const float* w = norm.weight.data();
  const float* b = norm.bias.empty() ? nullptr : norm.bias.data();
  const auto feps = static_cast<float>(eps);
  split_work(rows, 4 * width, pool, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      if (kind == NormKind::layer) ops.layer_norm(x + r * width, w, b, out + r * width, width, feps);
      else ops.rms_norm(x + r * width, w, out + r * width, width, feps);
    }
  });
}

void add_bias(float* y, std::int64_t rows, const std::vector<float>& bias, ThreadPool& pool) {
  if (bias.empty()) return;
  const VectorOps& ops = vector_ops();
  const auto n = static_cast<std::int64_t>(bias.size());
  split_work(rows, n, pool, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) ops.add(y + r * n, bias.data(), n);
  });
}

void gelu(float* x, std::int64_t n, bool tanh_approximation, ThreadPool& pool) {
  const VectorOps& ops = vector_ops();
  // The exact (erf) GELU of lmforge's GPT stays on libm's erf: no fast erf here is as exact.
  split_work(n, tanh_approximation ? 4 : 32, pool, [&](std::int64_t begin, std::int64_t end) {
    if (tanh_approximation) {
      ops.gelu_tanh(x + begin, end - begin);
    } else {
      const float r = static_cast<float>(1.0 / std::numbers::sqrt2);
      for (std::int64_t i = begin; i < end; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * r));
    }
  });
}

void silu_mul(float* gate, const float* up, std::int64_t n, ThreadPool& pool) {
  const VectorOps& ops = vector_ops();
  split_work(n, 4, pool, [&](std::int64_t begin, std::int64_t end) { ops.silu_mul(gate + begin, up + begin, end - begin); });
}

void add_into(float* x, const float* y, std::int64_t n, ThreadPool& pool) {
  const VectorOps& ops = vector_ops();
  split_work(n, 1, pool, [&](std::int64_t begin, std::int64_t end) { ops.add(x + begin, y + begin, end - begin); });
}

}  // namespace lmforge::infer
