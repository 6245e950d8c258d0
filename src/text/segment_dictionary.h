// jieba's prefix dictionary as one flat open-addressing hash table: every word and every
// prefix of a word (frequency 0) is an entry, so the DAG scan stops as soon as a fragment is
// not a prefix of any word. Words are byte ranges of one arena (the dictionary file itself),
// so loading 349k words makes no per-word heap node, and lookups extend an FNV-1a hash one
// character at a time instead of rehashing each fragment.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lmforge/common/fnv1a.h"

namespace lmforge::text {

class PrefixDictionary {
 public:
  struct Entry {
    std::uint64_t hash;     // FNV-1a state over the word's bytes
    std::uint32_t offset;   // into the arena
    std::uint32_t length;   // bytes
    std::int64_t freq;      // 0: only a prefix of longer words
    double log_freq;        // log(max(freq, 1)), precomputed for the route
  };

  static constexpr std::uint64_t kHashStart = 1469598103934665603ULL;
  static std::uint64_t extend(std::uint64_t h, std::string_view bytes) { return fnv1a_64(h, bytes); }

  // Reads a jieba-format dictionary: "word freq [tag]" per line (blank lines skipped).
  // RuntimeError naming file:line on a malformed line or a missing file.
  void load(const std::string& path);

  // jieba's add_word: sets the word's frequency (adds it to the total) and its prefixes.
  void add_word(std::string_view word, std::int64_t freq);

  // The entry for `word` whose FNV state is `hash`, or nullptr.
  const Entry* find(std::uint64_t hash, std::string_view word) const {
    if (slots_.empty()) return nullptr;
    std::size_t i = mix(hash) & mask_;
    const std::uint64_t tag = hash & kTagMask;
    for (;;) {
      const std::uint64_t s = slots_[i];
      if (s == 0) return nullptr;
      if ((s & kTagMask) == tag) {
        const Entry& e = entries_[(s & kIndexMask) - 1];
        if (e.hash == hash && e.length == word.size() && arena_.compare(e.offset, e.length, word) == 0) return &e;
      }
      i = (i + 1) & mask_;
    }
  }
  const Entry* find(std::string_view word) const { return find(extend(kHashStart, word), word); }

  // jieba's FREQ.get(word, fallback).
  std::int64_t freq_or(std::string_view word, std::int64_t fallback) const {
    const Entry* e = find(word);
    return e ? e->freq : fallback;
  }

  std::int64_t total() const { return total_; }
  double log_total() const { return std::log(static_cast<double>(total_)); }
  std::size_t size() const { return entries_.size(); }

 private:
  static std::uint64_t mix(std::uint64_t h) {  // murmur3 fmix64: FNV's low bits are weak
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
  }
  // Inserts or finds; returns the entry index. `offset` locates the bytes in the arena.
  std::uint32_t insert(std::uint64_t hash, std::uint32_t offset, std::uint32_t length, bool& inserted);
  void grow();
  void set_freq(Entry& e, std::int64_t freq);
  // Word at arena_[offset, offset+length): set its frequency, add its missing prefixes.
  void add_arena_word(std::uint32_t offset, std::uint32_t length, std::int64_t freq);

  std::string arena_;
  std::vector<Entry> entries_;
  // A slot holds the hash's upper 32 bits (to skip most mismatches without touching the
  // entry) and the entry index + 1 in the lower 32; 0 = empty.
  static constexpr std::uint64_t kTagMask = 0xFFFFFFFF00000000ULL, kIndexMask = 0xFFFFFFFFULL;
  std::vector<std::uint64_t> slots_;
  std::size_t mask_ = 0;
  std::int64_t total_ = 0;
};

}  // namespace lmforge::text
