// The element-wise and per-row steps of the forward pass around the matrix products: norms,
// biases, activations, the residual. Plain loops the compiler vectorises; the matrix products
// (where the time goes) are matmul's.
#pragma once

#include <cstdint>

#include "lmforge/infer/thread_pool.h"
#include "model_weights.h"

namespace lmforge::infer {

// out[r] = norm(x[r]) * weight (+ bias) for `rows` rows of `width` values (LayerNorm or RMSNorm,
// as torch's layer_norm / transformers' LlamaRMSNorm compute them in float32).
void norm_rows(NormKind kind, const Norm& norm, double eps, const float* x, float* out, std::int64_t rows,
               std::int64_t width);
// y[r] += bias for `rows` rows of bias.size() values; nothing when bias is empty.
void add_bias(float* y, std::int64_t rows, const std::vector<float>& bias);
// x[i] = gelu(x[i]) (exact erf GELU or the tanh approximation, "gelu_new").
void gelu(float* x, std::int64_t n, bool tanh_approximation, ThreadPool& pool);
// gate[i] = silu(gate[i]) * up[i].
void silu_mul(float* gate, const float* up, std::int64_t n, ThreadPool& pool);
// x[i] += y[i].
void add_into(float* x, const float* y, std::int64_t n);

}  // namespace lmforge::infer
