#include "attention.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "vector_ops.h"

namespace lmforge::infer {

namespace {

constexpr std::int64_t kSmallWork = 16384;  // multiply-adds of Q K^T

// The keys a query at `pos` sees: first_key(pos) .. pos.
std::int64_t first_key(const AttentionShape& s, std::int64_t pos) {
  return s.window > 0 ? std::max<std::int64_t>(0, pos - s.window + 1) : 0;
}

// The F32 keys and values of positions [first, first + n) of key-value head `kv`: the cache's
// own rows (ld = width) or, for F16, converted into `tile` (2 n D floats; ld = D).
struct KeyValueRows {
  const float *k, *v;
  std::int64_t ld;
};
KeyValueRows key_value_rows(const AttentionShape& s, const KVCache& cache, std::int64_t kv, std::int64_t first,
                            std::int64_t n, float* tile) {
  const std::int64_t D = s.head_dim, width = cache.width();
  if (cache.type() == KVType::F32)
    return {static_cast<const float*>(cache.key(s.layer, first)) + kv * D,
            static_cast<const float*>(cache.value(s.layer, first)) + kv * D, width};
  const VectorOps& ops = vector_ops();
  const auto* kh = static_cast<const std::uint16_t*>(cache.key(s.layer, first)) + kv * D;
  const auto* vh = static_cast<const std::uint16_t*>(cache.value(s.layer, first)) + kv * D;
  for (std::int64_t j = 0; j < n; ++j) {
    ops.from_f16(kh + j * width, tile + j * D, D);
    ops.from_f16(vh + j * width, tile + (n + j) * D, D);
  }
  return {tile, tile + n * D, D};
}

// The heads of one query row that share key-value head `kv` (decoding): their G query vectors
// are consecutive, so scores = Q_g K^T and out = S V are two small sgemm calls that read each
// key and value row once for the whole group.
void attend_row(const AttentionShape& s, const KVCache& cache, std::int64_t pos, std::int64_t kv, const float* q,
                float* out, std::vector<float>& buffer) {
  const VectorOps& ops = vector_ops();
  const std::int64_t D = s.head_dim, G = s.heads / s.kv_heads;
  const std::int64_t first = first_key(s, pos), n = pos - first + 1;
  const bool half = cache.type() == KVType::F16;
  const std::size_t need = static_cast<std::size_t>(G * n + (half ? 2 * n * D : 0));
  if (buffer.size() < need) buffer.resize(need);
  float* scores = buffer.data();
  const auto rows = key_value_rows(s, cache, kv, first, n, scores + G * n);
  const float scale = 1.0f / std::sqrt(static_cast<float>(D));
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(G), static_cast<int>(n), static_cast<int>(D),
              scale, q, static_cast<int>(D), rows.k, static_cast<int>(rows.ld), 0.0f, scores, static_cast<int>(n));
  for (std::int64_t g = 0; g < G; ++g) {
    float* row = scores + g * n;
    ops.scale(row, 1.0f / ops.exp_sum(row, n, ops.max(row, n)), n);
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(G), static_cast<int>(D), static_cast<int>(n),
              1.0f, scores, static_cast<int>(n), rows.v, static_cast<int>(rows.ld), 0.0f, out, static_cast<int>(D));
}

// One head of a block of query rows [begin, end) of a prompt chunk: S = Q K^T (every key any
// row of the block sees), masked softmax per row, out = S V.
void attend_block(const AttentionShape& s, const AttentionItem& item, std::int64_t head, std::int64_t begin,
                  std::int64_t end, const float* q, float* out, std::vector<float>& buffer) {
  const VectorOps& ops = vector_ops();
  const std::int64_t H = s.heads, D = s.head_dim, kv = head / (s.heads / s.kv_heads);
  const KVCache& cache = *item.cache;
  const std::int64_t rows = end - begin, last = item.start + end - 1, first = first_key(s, item.start + begin);
  const std::int64_t n = last - first + 1;
  const bool half = cache.type() == KVType::F16;
  const std::size_t need = static_cast<std::size_t>(rows * n + (half ? 2 * n * D : 0));
  if (buffer.size() < need) buffer.resize(need);
  float* scores = buffer.data();
  const auto kvr = key_value_rows(s, cache, kv, first, n, scores + rows * n);
  const float *k = kvr.k, *v = kvr.v;
  const std::int64_t ld = kvr.ld;
  const float* qb = q + ((item.first_row + begin) * H + head) * D;
  float* ob = out + ((item.first_row + begin) * H + head) * D;
  const float scale = 1.0f / std::sqrt(static_cast<float>(D));
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows), static_cast<int>(n),
              static_cast<int>(D), scale, qb, static_cast<int>(H * D), k, static_cast<int>(ld), 0.0f, scores,
              static_cast<int>(n));
  for (std::int64_t i = 0; i < rows; ++i) {
    const std::int64_t pos = item.start + begin + i;
    const std::int64_t a = first_key(s, pos) - first, b = pos - first + 1;  // this row's keys: [a, b)
    float* row = scores + i * n;
    const float inv = 1.0f / ops.exp_sum(row + a, b - a, ops.max(row + a, b - a));
    ops.scale(row + a, inv, b - a);
    std::fill(row, row + a, 0.0f);
    std::fill(row + b, row + n, 0.0f);
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows), static_cast<int>(D),
              static_cast<int>(n), 1.0f, scores, static_cast<int>(n), v, static_cast<int>(ld), 0.0f, ob,
              static_cast<int>(H * D));
}

}  // namespace

void attention(const AttentionShape& shape, std::span<const AttentionItem> items, const float* q, float* out,
               ThreadPool& pool, AttentionScratch& scratch, bool blocked) {
  const std::int64_t H = shape.heads, D = shape.head_dim, G = shape.heads / shape.kv_heads;
  auto& tasks = scratch.tasks;
  tasks.clear();
  for (std::size_t it = 0; it < items.size(); ++it) {
    const auto& item = items[it];
    const bool block = blocked && item.count >= kBlockedRows;
    const std::int64_t step = block ? kQueryBlock : 1;
    for (std::int64_t b = 0; b < item.count; b += step) {
      const std::int64_t e = std::min(item.count, b + step);
      const std::int64_t keys = item.start + e - first_key(shape, item.start + b);
      // Blocked: one task per head; per row: one per key-value head (its G query heads).
      for (std::int64_t h = 0; h < H; h += block ? 1 : G)
        tasks.push_back({static_cast<std::int64_t>(it), h, b, block ? e : -1, (e - b) * keys * (block ? 1 : G)});
    }
  }
  // Largest first, so the last tasks claimed are short and the threads finish together.
  // (Each task writes its own outputs, so the order changes no value.)
  std::sort(tasks.begin(), tasks.end(), [](const auto& a, const auto& b) { return a.cost > b.cost; });
  if (scratch.threads.size() < static_cast<std::size_t>(pool.size()))
    scratch.threads.resize(static_cast<std::size_t>(pool.size()));
  const auto count = static_cast<std::int64_t>(tasks.size());
  std::atomic<std::int64_t> next{0};
  auto work = [&](int thread, int) {
    auto& buffer = scratch.threads[static_cast<std::size_t>(thread)];
    for (std::int64_t t = next.fetch_add(1, std::memory_order_relaxed); t < count;
         t = next.fetch_add(1, std::memory_order_relaxed)) {
      const auto& task = tasks[static_cast<std::size_t>(t)];
      const auto& item = items[static_cast<std::size_t>(task.item)];
      if (task.end < 0) {
        const std::int64_t r = item.first_row + task.begin;
        attend_row(shape, *item.cache, item.start + task.begin, task.head / G, q + (r * H + task.head) * D,
                   out + (r * H + task.head) * D, buffer);
      } else {
        attend_block(shape, item, task.head, task.begin, task.end, q, out, buffer);
      }
    }
  };
  // A few thousand multiply-adds (the first tokens of a sequence) cost less than waking the pool.
  std::int64_t total = 0;
  for (const auto& t : tasks) total += t.cost * D;
  if (count == 1 || pool.size() == 1 || total < kSmallWork) work(0, 1);
  else pool.run(work);
}

}  // namespace lmforge::infer
