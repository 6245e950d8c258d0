// Reads a prepared token directory (`lmforge data prepare`) for training and evaluation.
// The shards of a split are memory-mapped and seen as one token stream (shard 0, then 1, ...);
// nothing is loaded into memory, so a dataset larger than RAM trains as well as a small one.
// Pure C++: batches are written into int32 or int64 buffers that the torch trainer wraps
// (torch::from_blob) without a copy of its own.
//
//   auto train = TokenDataset::open("shards/", Split::kTrain);
//   RandomWindows sampler(train, {.block_size = 256, .batch_size = 32, .seed = 1337});
//   std::vector<std::int64_t> x(32 * 256), y(32 * 256);
//   sampler.batch(step, x.data(), y.data());   // y is x shifted by one token, as GPT training wants
//
//   auto val = TokenDataset::open("shards/", Split::kValidation);
//   SequentialWindows eval(val, {.block_size = 256, .batch_size = 32});
//   while (std::size_t rows = eval.next(x.data(), y.data())) ...  // every window once, in order
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "lmforge/data/meta.h"

namespace lmforge::data {

class TokenDataset {
 public:
  // Opens one split: reads meta.json, maps every shard and checks its header and size against
  // meta.json (dtype, vocabulary, token count). verify_checksums also recomputes each shard's
  // XXH64 (reads every byte once). RuntimeError naming the file on any mismatch.
  static TokenDataset open(const std::filesystem::path& dir, Split split, bool verify_checksums = false);

  TokenDataset(TokenDataset&&) noexcept;
  TokenDataset& operator=(TokenDataset&&) noexcept;
  ~TokenDataset();

  std::uint64_t size() const { return total_tokens_; }  // tokens in the split
  const DatasetMeta& meta() const { return meta_; }
  Split split() const { return split_; }
  std::int64_t vocab_size() const { return meta_.tokenizer.vocab_size; }
  int eos_id() const { return meta_.tokenizer.eos_id; }

  std::uint32_t at(std::uint64_t index) const;  // no bounds check beyond an assert
  // Copies tokens [start, start + count) of the stream, across shard boundaries.
  // std::out_of_range when the range runs past the end.
  void read(std::uint64_t start, std::size_t count, std::int32_t* out) const;
  void read(std::uint64_t start, std::size_t count, std::int64_t* out) const;

 private:
  struct MappedShard;
  TokenDataset() = default;
  template <typename T>
  void read_into(std::uint64_t start, std::size_t count, T* out) const;

  DatasetMeta meta_;
  Split split_ = Split::kTrain;
  std::vector<std::unique_ptr<MappedShard>> shards_;
  std::vector<std::uint64_t> starts_;  // first stream index of each shard
  std::uint64_t total_tokens_ = 0;
};

// Recomputes every shard's checksum in both splits and checks it against the header and
// meta.json (what `lmforge data info` does). RuntimeError naming the first bad shard.
void verify_dataset(const std::filesystem::path& dir);

struct WindowOptions {
  std::size_t block_size = 256;   // tokens per row of x (y is the same window shifted by one)
  std::size_t batch_size = 32;    // rows per batch
  std::uint64_t seed = 1337;      // RandomWindows: the batch at a step depends only on (seed, rank, step)
  int rank = 0;                   // data-parallel: this process's index in [0, world_size)
  int world_size = 1;             // data-parallel: number of processes
};

// GPT-style training batches: each row is a window of block_size + 1 tokens at a uniformly
// random offset; x = its first block_size tokens, y = its last block_size. Counter-based:
// batch(step) is a pure function of (seed, rank, step), so resuming at a step needs no RNG
// state, the result is the same on every platform, and each rank draws its own windows.
class RandomWindows {
 public:
  RandomWindows(const TokenDataset& data, WindowOptions options);  // RuntimeError if the split is too short
  void batch(std::uint64_t step, std::int64_t* x, std::int64_t* y) const;  // batch_size * block_size each
  void batch(std::uint64_t step, std::int32_t* x, std::int32_t* y) const;
  std::uint64_t window_start(std::uint64_t step, std::size_t row) const;
  const WindowOptions& options() const { return options_; }

 private:
  template <typename T>
  void fill(std::uint64_t step, T* x, T* y) const;
  const TokenDataset& data_;
  WindowOptions options_;
  std::uint64_t positions_;  // number of valid window starts
};

// Evaluation batches: the non-overlapping windows at 0, block_size, 2*block_size, ... in order,
// window i going to rank i % world_size. next() fills up to batch_size rows and returns how many
// (0 at the end); reset() starts over.
class SequentialWindows {
 public:
  SequentialWindows(const TokenDataset& data, WindowOptions options);  // RuntimeError if too short
  std::size_t next(std::int64_t* x, std::int64_t* y);
  std::size_t next(std::int32_t* x, std::int32_t* y);
  void reset() { next_window_ = static_cast<std::uint64_t>(options_.rank); }
  std::uint64_t windows() const { return windows_; }          // in the whole split, all ranks
  std::uint64_t windows_for_rank() const;                      // this rank's share

 private:
  template <typename T>
  std::size_t fill(T* x, T* y);
  const TokenDataset& data_;
  WindowOptions options_;
  std::uint64_t windows_;
  std::uint64_t next_window_;
};

}  // namespace lmforge::data
