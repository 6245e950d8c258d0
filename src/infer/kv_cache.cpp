#include "kv_cache.h"

#include <algorithm>
#include <cstring>

#include "vector_ops.h"

namespace lmforge::infer {

namespace {
constexpr std::int64_t kChunk = 64;  // positions: the smallest growth step
}

KVCache::KVCache(std::int64_t layers, std::int64_t width, KVType type)
    : width_(width), type_(type), keys_(static_cast<std::size_t>(layers)), values_(static_cast<std::size_t>(layers)) {}

void KVCache::reserve(std::int64_t positions, std::int64_t limit) {
  if (positions <= capacity_) return;
  // Geometric growth keeps the copies amortised; the chunk keeps early steps from copying often.
  std::int64_t grown = std::max({positions, capacity_ * 2, kChunk});
  grown = (grown + kChunk - 1) / kChunk * kChunk;
  capacity_ = std::min(grown, std::max(limit, positions));
  const std::size_t bytes = row_offset(capacity_);
  for (auto& k : keys_) k.resize(bytes);
  for (auto& v : values_) v.resize(bytes);
}

void KVCache::write(std::int64_t layer, std::int64_t pos, const float* k, const float* v) {
  auto* kd = keys_[static_cast<std::size_t>(layer)].data() + row_offset(pos);
  auto* vd = values_[static_cast<std::size_t>(layer)].data() + row_offset(pos);
  if (type_ == KVType::F32) {
    std::memcpy(kd, k, static_cast<std::size_t>(width_) * 4);
    std::memcpy(vd, v, static_cast<std::size_t>(width_) * 4);
    return;
  }
  const VectorOps& ops = vector_ops();  // F16C: the bits of fp32_to_fp16
  ops.to_f16(k, reinterpret_cast<std::uint16_t*>(kd), width_);
  ops.to_f16(v, reinterpret_cast<std::uint16_t*>(vd), width_);
}

void KVCache::copy_from(const KVCache& src, std::int64_t length, std::int64_t limit) {
  reserve(length, limit);
  const std::size_t bytes = row_offset(length);
  for (std::size_t l = 0; l < keys_.size(); ++l) {
    if (bytes == 0) break;
    std::memcpy(keys_[l].data(), src.keys_[l].data(), bytes);
    std::memcpy(values_[l].data(), src.values_[l].data(), bytes);
  }
  length_ = length;
}

std::uint64_t KVCache::bytes_per_position() const {
  return 2 * keys_.size() * static_cast<std::uint64_t>(width_) * element_bytes();
}

}  // namespace lmforge::infer
