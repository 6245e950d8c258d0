// An open-addressing hash table from word to id with counts, storing the words in one arena:
// no allocation per occurrence, one per new word at most (the arena grows geometrically).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/common/fnv1a.h"

namespace lmforge::embed {

class WordTable {
 public:
  WordTable() : slots_(1u << 16, kEmpty) {}

  // Id of `word`, adding it (count 0) when new; increments its count.
  std::uint32_t add(std::string_view word) {
    std::uint32_t id = find_or_insert(word);
    ++counts_[id];
    return id;
  }
  // Id of `word` or -1 when absent.
  std::int64_t find(std::string_view word) const {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t s = hash(word) & mask;; s = (s + 1) & mask) {
      if (slots_[s] == kEmpty) return -1;
      if (this->word(slots_[s]) == word) return slots_[s];
    }
  }
  std::uint32_t size() const { return static_cast<std::uint32_t>(counts_.size()); }
  std::uint64_t count(std::uint32_t id) const { return counts_[id]; }
  std::string_view word(std::uint32_t id) const {
    return std::string_view(arena_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]);
  }

 private:
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;

  static std::uint64_t hash(std::string_view s) {  // FNV-1a
    const std::uint64_t h = fnv1a_64(1469598103934665603ull, s);
    return h ^ (h >> 29);
  }

  std::uint32_t find_or_insert(std::string_view word) {
    std::size_t mask = slots_.size() - 1;
    std::size_t s = hash(word) & mask;
    for (;; s = (s + 1) & mask) {
      if (slots_[s] == kEmpty) break;
      if (this->word(slots_[s]) == word) return slots_[s];
    }
    auto id = static_cast<std::uint32_t>(counts_.size());
    arena_.append(word);
    offsets_.push_back(arena_.size());
    counts_.push_back(0);
    slots_[s] = id;
    if (counts_.size() * 2 > slots_.size()) grow();
    return id;
  }

  void grow() {
    std::vector<std::uint32_t> bigger(slots_.size() * 2, kEmpty);
    std::size_t mask = bigger.size() - 1;
    for (std::uint32_t id = 0; id < counts_.size(); ++id) {
      std::size_t s = hash(word(id)) & mask;
      while (bigger[s] != kEmpty) s = (s + 1) & mask;
      bigger[s] = id;
    }
    slots_.swap(bigger);
  }

  std::vector<std::uint32_t> slots_;
  std::string arena_;
  std::vector<std::size_t> offsets_{0};
  std::vector<std::uint64_t> counts_;
};

}  // namespace lmforge::embed
