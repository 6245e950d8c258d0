// Causal self-attention of the batch's query rows over their sequences' caches (which already
// hold the rows' own keys and values): each (row, head) is one unit of work, the units dealt
// out to the pool's threads in turn, so a prompt's longer later rows spread evenly.
#pragma once

#include <cstdint>
#include <vector>

#include "kv_cache.h"
#include "lmforge/infer/thread_pool.h"

namespace lmforge::infer {

struct AttentionRow {
  const KVCache* cache = nullptr;
  std::int64_t position = 0;  // the query's position: it sees keys 0..position (within the window)
};

struct AttentionShape {
  std::int64_t layer = 0, heads = 0, kv_heads = 0, head_dim = 0;
  std::int64_t window = 0;  // sliding window (keys position - window + 1 .. position); 0 = all
};

// out[r] ([heads * head_dim]) = softmax(q[r] . K^T / sqrt(head_dim)) V for every row r.
void attention(const AttentionShape& shape, const std::vector<AttentionRow>& rows, const float* q, float* out,
               ThreadPool& pool, std::vector<std::vector<float>>& scratch);

}  // namespace lmforge::infer
