// The element-wise and per-row steps of the forward pass around the matrix products: norms,
// biases, activations, the residual. The loops are vector_ops' (SIMD at the CPU's level); a batch
// of many tokens is split over the pool by rows (a decode step's one row stays on the caller:
// waking the pool would cost more than the row).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "lmforge/infer/thread_pool.h"
#include "model_weights.h"

namespace lmforge::infer {

// Runs fn(begin, end) over [0, n) in one slice per thread when n * cost_per_item is large
// enough to pay for waking the pool; otherwise fn(0, n) on the caller.
void split_work(std::int64_t n, std::int64_t cost_per_item, ThreadPool& pool,
                const std::function<void(std::int64_t, std::int64_t)>& fn);

// out[r] = norm(x[r]) * weight (+ bias) for `rows` rows of `width` values (LayerNorm or RMSNorm,
// as torch's layer_norm / transformers' LlamaRMSNorm compute them in float32).
void norm_rows(NormKind kind, const Norm& norm, double eps, const float* x, float* out, std::int64_t rows,
               std::int64_t width, ThreadPool& pool);
// y[r] += bias for `rows` rows of bias.size() values; nothing when bias is empty.
void add_bias(float* y, std::int64_t rows, const std::vector<float>& bias, ThreadPool& pool);
// x[i] = gelu(x[i]) (exact erf GELU or the tanh approximation, "gelu_new").
void gelu(float* x, std::int64_t n, bool tanh_approximation, ThreadPool& pool);
// gate[i] = silu(gate[i]) * up[i].
void silu_mul(float* gate, const float* up, std::int64_t n, ThreadPool& pool);
// x[i] += y[i].
void add_into(float* x, const float* y, std::int64_t n, ThreadPool& pool);

}  // namespace lmforge::infer
