// Which rows of each global batch this process trains on (data-parallel training): a contiguous,
// disjoint slice, the same for every step, so the ranks together see exactly one process's batch.
#pragma once

#include <cstdint>

#include "lmforge/common/error.h"

namespace lmforge::train {

struct DataShard {
  std::int64_t begin = 0;  // first row of the global batch
  std::int64_t end = 0;    // one past the last

  std::int64_t rows() const { return end - begin; }

  // UsageError unless batch_size divides evenly over world_size (the global batch stays the
  // configured one whatever the number of processes).
  static DataShard of(std::int64_t batch_size, int rank, int world_size) {
    if (world_size < 1 || rank < 0 || rank >= world_size) usage_error("data shard: rank {} of {}", rank, world_size);
    if (batch_size % world_size != 0)
      usage_error("train.batch_size {} is not divisible by the {} processes: each process takes an equal share of "
                  "the global batch (choose a batch size that divides, or another number of processes)",
                  batch_size, world_size);
    const std::int64_t per = batch_size / world_size;
    return {rank * per, (rank + 1) * per};
  }
};

}  // namespace lmforge::train
