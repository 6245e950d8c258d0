// RandomWindows and SequentialWindows: (x, y) batches over a TokenDataset.
#include <stdexcept>

#include "lmforge/common/error.h"
#include "lmforge/data/token_dataset.h"

namespace lmforge::data {
namespace {

// splitmix64's finaliser: a bijective mixer, so distinct counters give unrelated outputs.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

void check_window_options(const TokenDataset& data, const WindowOptions& o) {
  if (o.block_size == 0 || o.batch_size == 0) usage_error("block size and batch size must be positive");
  if (o.world_size < 1 || o.rank < 0 || o.rank >= o.world_size)
    usage_error("rank {} is not in [0, world size {})", o.rank, o.world_size);
  if (data.size() < o.block_size + 1)
    runtime_error("the {} split has {} tokens, fewer than one window of block size {} + 1",
                  split_name(data.split()), data.size(), o.block_size);
}

}  // namespace

RandomWindows::RandomWindows(const TokenDataset& data, WindowOptions options) : data_(data), options_(options) {
  check_window_options(data, options_);
  positions_ = data.size() - options_.block_size;
}

std::uint64_t RandomWindows::window_start(std::uint64_t step, std::size_t row) const {
  std::uint64_t h = mix(options_.seed);
  h = mix(h ^ static_cast<std::uint64_t>(options_.rank));
  h = mix(h ^ step);
  h = mix(h ^ row);
  // Lemire's multiply-shift maps h to [0, positions_); the bias is below positions_ / 2^64.
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(h) * positions_) >> 64);
}

template <typename T>
void RandomWindows::fill(std::uint64_t step, T* x, T* y) const {
  const std::size_t b = options_.block_size;
  for (std::size_t row = 0; row < options_.batch_size; ++row) {
    const std::uint64_t start = window_start(step, row);
    data_.read(start, b, x + row * b);
    data_.read(start + 1, b, y + row * b);
  }
}

void RandomWindows::batch(std::uint64_t step, std::int64_t* x, std::int64_t* y) const { fill(step, x, y); }
void RandomWindows::batch(std::uint64_t step, std::int32_t* x, std::int32_t* y) const { fill(step, x, y); }

SequentialWindows::SequentialWindows(const TokenDataset& data, WindowOptions options)
    : data_(data), options_(options) {
  check_window_options(data, options_);
  windows_ = (data.size() - 1) / options_.block_size;
  next_window_ = static_cast<std::uint64_t>(options_.rank);
}

std::uint64_t SequentialWindows::windows_for_rank() const {
  const auto rank = static_cast<std::uint64_t>(options_.rank), world = static_cast<std::uint64_t>(options_.world_size);
  return windows_ > rank ? (windows_ - rank + world - 1) / world : 0;
}

template <typename T>
std::size_t SequentialWindows::fill(T* x, T* y) {
  const std::size_t b = options_.block_size;
  std::size_t rows = 0;
  while (rows < options_.batch_size && next_window_ < windows_) {
    const std::uint64_t start = next_window_ * b;
    data_.read(start, b, x + rows * b);
    data_.read(start + 1, b, y + rows * b);
    ++rows;
    next_window_ += static_cast<std::uint64_t>(options_.world_size);
  }
  return rows;
}

std::size_t SequentialWindows::next(std::int64_t* x, std::int64_t* y) { return fill(x, y); }
std::size_t SequentialWindows::next(std::int32_t* x, std::int32_t* y) { return fill(x, y); }

}  // namespace lmforge::data
