// The inner loops of word2vec and GloVe over contiguous float rows. GCC vector extensions
// give 8-wide arithmetic; the trainers compile their hot functions for AVX2+FMA and for the
// baseline (target_clones), picking one at load time, so the binary stays portable.
#pragma once

#include <cstddef>
#include <cstring>

// The 32-byte vectors never cross a non-inlined call, so the ABI note GCC gives is moot.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace lmforge::embed::kernels {

typedef float v8f __attribute__((vector_size(32)));

inline v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, const v8f& v) { std::memcpy(p, &v, sizeof v); }

inline float dot(const float* a, const float* b, std::size_t n) {
  v8f acc0 = {}, acc1 = {};
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 += load8(a + i) * load8(b + i);
    acc1 += load8(a + i + 8) * load8(b + i + 8);
  }
  for (; i + 8 <= n; i += 8) acc0 += load8(a + i) * load8(b + i);
  acc0 += acc1;
  float s = 0;
  for (int k = 0; k < 8; ++k) s += acc0[k];
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

// y += g * x
inline void axpy(float g, const float* x, float* y, std::size_t n) {
  v8f gv = {g, g, g, g, g, g, g, g};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) store8(y + i, load8(y + i) + gv * load8(x + i));
  for (; i < n; ++i) y[i] += g * x[i];
}

// acc += g * out;  out += g * in   (the negative-sampling / hierarchical-softmax step)
inline void sgd_pair(float g, float* acc, float* out, const float* in, std::size_t n) {
  v8f gv = {g, g, g, g, g, g, g, g};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    v8f o = load8(out + i);
    store8(acc + i, load8(acc + i) + gv * o);
    store8(out + i, o + gv * load8(in + i));
  }
  for (; i < n; ++i) {
    float o = out[i];
    acc[i] += g * o;
    out[i] = o + g * in[i];
  }
}

// y += sum_k coef[k] * rows[k]: several scaled rows folded into y in one pass over y.
inline void axpy_rows(const float* coef, const float* const* rows, int k, float* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    v8f acc = load8(y + i);
    for (int r = 0; r < k; ++r) {
      v8f c = {coef[r], coef[r], coef[r], coef[r], coef[r], coef[r], coef[r], coef[r]};
      acc += c * load8(rows[r] + i);
    }
    store8(y + i, acc);
  }
  for (; i < n; ++i)
    for (int r = 0; r < k; ++r) y[i] += coef[r] * rows[r][i];
}

}  // namespace lmforge::embed::kernels

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LMFORGE_HOT_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define LMFORGE_HOT_CLONES
#endif
