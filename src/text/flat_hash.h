// Open-addressing hash tables over 64-bit keys for dedupe: contiguous arrays, no node per
// entry, so exact dedupe costs about 8 / load-factor bytes per distinct record.
// Keys are already hashes (XXH64), so the slot is taken from their bits after one mix.
#pragma once

#include <cstdint>
#include <vector>

namespace lmforge::text {

inline std::size_t slot_of(std::uint64_t key, std::size_t mask) {
  return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
}

// A set of 64-bit keys; key 0 marks an empty slot, so 0 is stored as 1 (one more collision
// in 2^64 for the record whose hash is 0).
class FlatSet64 {
 public:
  // True when `key` was not there (and is now).
  bool insert(std::uint64_t key) {
    if (key == 0) key = 1;
    if ((size_ + 1) * 5 > slots_.size() * 4) grow();  // load factor <= 0.8
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t s = slot_of(key, mask);; s = (s + 1) & mask) {
      if (slots_[s] == key) return false;
      if (slots_[s] == 0) {
        slots_[s] = key;
        ++size_;
        return true;
      }
    }
  }
  std::size_t size() const { return size_; }
  std::size_t memory_bytes() const { return slots_.size() * sizeof(std::uint64_t); }

 private:
  void grow() {
    std::vector<std::uint64_t> old(slots_.empty() ? 1024 : slots_.size() * 2, 0);
    old.swap(slots_);
    size_ = 0;
    for (auto k : old)
      if (k) insert(k);
  }
  std::vector<std::uint64_t> slots_;
  std::size_t size_ = 0;
};

// A multimap from 64-bit keys to 32-bit values (LSH band -> kept record); several values
// may share a key. A value of UINT32_MAX marks an empty slot.
class FlatMultiMap64 {
 public:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;

  void insert(std::uint64_t key, std::uint32_t value) {
    if ((size_ + 1) * 2 > keys_.size()) grow();  // load factor <= 0.5: probes stay short
    const std::size_t mask = keys_.size() - 1;
    std::size_t s = slot_of(key, mask);
    while (values_[s] != kEmpty) s = (s + 1) & mask;
    keys_[s] = key;
    values_[s] = value;
    ++size_;
  }
  // Appends every value stored under `key`.
  void find(std::uint64_t key, std::vector<std::uint32_t>& out) const {
    if (keys_.empty()) return;
    const std::size_t mask = keys_.size() - 1;
    for (std::size_t s = slot_of(key, mask); values_[s] != kEmpty; s = (s + 1) & mask)
      if (keys_[s] == key) out.push_back(values_[s]);
  }
  std::size_t size() const { return size_; }
  std::size_t memory_bytes() const { return keys_.size() * (sizeof(std::uint64_t) + sizeof(std::uint32_t)); }

 private:
  void grow() {
    const std::size_t n = keys_.empty() ? 1024 : keys_.size() * 2;
    std::vector<std::uint64_t> old_keys(n);
    std::vector<std::uint32_t> old_values(n, kEmpty);
    old_keys.swap(keys_);
    old_values.swap(values_);
    size_ = 0;
    for (std::size_t i = 0; i < old_keys.size(); ++i)
      if (old_values[i] != kEmpty) insert(old_keys[i], old_values[i]);
  }
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint32_t> values_;
  std::size_t size_ = 0;
};

}  // namespace lmforge::text
