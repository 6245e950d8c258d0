#include "attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "lmforge/infer/weight_type.h"

namespace lmforge::infer {

namespace {

inline float dot(const float* a, const float* b, std::int64_t n) {
  float s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// One head of one row; `buffer` holds the scores (and, for F16, one decoded row).
void attend(const AttentionShape& s, const AttentionRow& row, std::int64_t head, const float* q, float* out,
            std::vector<float>& buffer) {
  const std::int64_t D = s.head_dim, kv = head / (s.heads / s.kv_heads), last = row.position;
  const std::int64_t first = s.window > 0 ? std::max<std::int64_t>(0, last - s.window + 1) : 0;
  const std::int64_t n = last - first + 1;
  const bool half = row.cache->type() == KVType::F16;
  buffer.resize(static_cast<std::size_t>(n + D));
  float* scores = buffer.data();
  float* decoded = buffer.data() + n;
  auto vector_at = [&](const void* base) -> const float* {
    if (!half) return static_cast<const float*>(base) + kv * D;
    const auto* h = static_cast<const std::uint16_t*>(base) + kv * D;
    for (std::int64_t i = 0; i < D; ++i) decoded[i] = fp16_to_fp32(h[i]);
    return decoded;
  };
  const float scale = 1.0f / std::sqrt(static_cast<float>(D));
  float max = -std::numeric_limits<float>::infinity();
  for (std::int64_t j = 0; j < n; ++j) {
    scores[j] = dot(q, vector_at(row.cache->key(s.layer, first + j)), D) * scale;
    max = std::max(max, scores[j]);
  }
  float sum = 0;
  for (std::int64_t j = 0; j < n; ++j) sum += scores[j] = std::exp(scores[j] - max);
  const float inv = 1.0f / sum;
  std::fill(out, out + D, 0.0f);
  for (std::int64_t j = 0; j < n; ++j) {
    const float w = scores[j] * inv;
    const float* v = vector_at(row.cache->value(s.layer, first + j));
    for (std::int64_t i = 0; i < D; ++i) out[i] += w * v[i];
  }
}

}  // namespace

void attention(const AttentionShape& shape, const std::vector<AttentionRow>& rows, const float* q, float* out,
               ThreadPool& pool, std::vector<std::vector<float>>& scratch) {
  const std::int64_t H = shape.heads, D = shape.head_dim;
  const auto units = static_cast<std::int64_t>(rows.size()) * H;
  if (scratch.size() < static_cast<std::size_t>(pool.size())) scratch.resize(static_cast<std::size_t>(pool.size()));
  auto work = [&](int thread, int threads) {
    auto& buffer = scratch[static_cast<std::size_t>(thread)];
    for (std::int64_t u = thread; u < units; u += threads) {
      const std::int64_t r = u / H, h = u % H;
      attend(shape, rows[static_cast<std::size_t>(r)], h, q + (r * H + h) * D, out + (r * H + h) * D, buffer);
    }
  };
  if (units == 1 || pool.size() == 1) work(0, 1);
  else pool.run(work);
}

}  // namespace lmforge::infer
