// Causal self-attention of the batch's query rows over their sequences' caches (which already
// hold the rows' own keys and values). Two ways, by the number of rows an item brings:
//  - a few rows (decoding): each (row, key-value head) is one task for the G query heads that
//    share it (consecutive in q): scores = Q_g K^T over the cached keys, softmax, S V -- two
//    small sgemm calls that read each key and value once for the whole group;
//  - a prompt chunk (>= kBlockedRows rows): each (head, block of up to kQueryBlock query rows)
//    is one task of two matrix products (OpenBLAS sgemm, one thread each): the block's scores
//    Q K^T over every key a row of the block sees, the causal / window mask applied in the
//    softmax, then scores x V.
// An F16 cache's keys and values for a task are converted to floats first (F16C; D values per
// key and per value, against 2 x G-or-block x D multiply-adds).
// The tasks are claimed from an atomic counter, largest first, by the pool's threads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kv_cache.h"
#include "lmforge/infer/thread_pool.h"

namespace lmforge::infer {

inline constexpr std::int64_t kBlockedRows = 16;
inline constexpr std::int64_t kQueryBlock = 64;

// One batch item: `count` query rows at positions start .. start + count - 1, rows
// first_row .. first_row + count - 1 of q and out.
struct AttentionItem {
  const KVCache* cache = nullptr;
  std::int64_t start = 0, count = 0, first_row = 0;
};

struct AttentionShape {
  std::int64_t layer = 0, heads = 0, kv_heads = 0, head_dim = 0;
  std::int64_t window = 0;  // sliding window (keys position - window + 1 .. position); 0 = all
};

// Per-thread buffers (scores, converted F16 tiles) and the task list, kept between calls.
struct AttentionScratch {
  struct Task {
    // Query rows [begin, end) of the item for one head (blocked), or, end < 0, row `begin` for
    // the heads head .. head + G - 1 that share a key-value head; cost: score count.
    std::int64_t item, head, begin, end, cost;
  };
  std::vector<Task> tasks;
  std::vector<std::vector<float>> threads;
};

// out[r] ([heads * head_dim]) = softmax(q[r] . K^T / sqrt(head_dim)) V for every row r; with
// `blocked` false every item takes the per-row way (tests compare the two).
void attention(const AttentionShape& shape, std::span<const AttentionItem> items, const float* q, float* out,
               ThreadPool& pool, AttentionScratch& scratch, bool blocked = true);

}  // namespace lmforge::infer
