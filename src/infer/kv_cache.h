// The keys and values of one sequence, every layer, position-major ([position][kv_heads * head_dim]
// per layer), in F32 or F16. Memory grows in chunks as the sequence does (never context x width
// up front), up to the model's context.
#pragma once

#include <cstdint>
#include <vector>

#include "lmforge/infer/causal_model.h"

namespace lmforge::infer {

class KVCache {
 public:
  KVCache(std::int64_t layers, std::int64_t width, KVType type);

  KVType type() const { return type_; }
  std::int64_t width() const { return width_; }
  std::int64_t length() const { return length_; }
  std::int64_t capacity() const { return capacity_; }
  void set_length(std::int64_t length) { length_ = length; }
  // Room for `positions` positions (grown geometrically in chunks, at most `limit`).
  void reserve(std::int64_t positions, std::int64_t limit);
  // Stores one position's keys and values (width floats each) of one layer.
  void write(std::int64_t layer, std::int64_t pos, const float* k, const float* v);
  // Row `pos` of a layer's keys / values: floats for F32, F16 bits for F16.
  const void* key(std::int64_t layer, std::int64_t pos) const { return keys_[layer].data() + row_offset(pos); }
  const void* value(std::int64_t layer, std::int64_t pos) const { return values_[layer].data() + row_offset(pos); }
  // This cache := the first `length` positions of `src` (same shape).
  void copy_from(const KVCache& src, std::int64_t length, std::int64_t limit);
  std::uint64_t bytes_per_position() const;

 private:
  std::size_t element_bytes() const { return type_ == KVType::F32 ? 4 : 2; }
  std::size_t row_offset(std::int64_t pos) const { return static_cast<std::size_t>(pos * width_) * element_bytes(); }

  std::int64_t width_;
  KVType type_;
  std::int64_t length_ = 0, capacity_ = 0;
  std::vector<std::vector<std::uint8_t>> keys_, values_;  // per layer
};

}  // namespace lmforge::infer
