// Read-only view of a Darts-clone double-array trie: the format of the trie inside
// SentencePiece's precompiled_charsmap. Each 32-bit unit packs a label, a has-leaf bit and
// an XOR offset to its children; a leaf unit (bit 31 set) holds the value. Every access is
// bounds-checked, so a corrupt charsmap cannot read outside the array.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace lmforge::tok::detail {

class DartsTrie {
 public:
  DartsTrie() = default;
  explicit DartsTrie(std::vector<std::uint32_t> units) : units_(std::move(units)) {}

  bool empty() const { return units_.empty(); }

  // The longest key that is a prefix of `text`: its length in bytes (0 when none) and value.
  std::size_t longest_prefix(std::string_view text, std::uint32_t& value) const {
    std::size_t best = 0;
    if (units_.empty()) return 0;
    std::size_t node = offset(units_[0]);
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto label = static_cast<std::uint8_t>(text[i]);
      node ^= label;
      if (node >= units_.size()) return best;
      const std::uint32_t unit = units_[node];
      if ((unit & ((1U << 31) | 0xFF)) != label) return best;
      node ^= offset(unit);
      if ((unit >> 8) & 1) {
        if (node >= units_.size()) return best;
        best = i + 1;
        value = units_[node] & ((1U << 31) - 1);
      }
    }
    return best;
  }

  // True when some key starts with byte `b` (a fast test before a full search).
  bool has_child(std::uint8_t b) const {
    if (units_.empty()) return false;
    const std::size_t node = offset(units_[0]) ^ b;
    return node < units_.size() && (units_[node] & ((1U << 31) | 0xFF)) == b;
  }

 private:
  static std::size_t offset(std::uint32_t unit) { return (unit >> 10) << ((unit & (1U << 9)) >> 6); }

  std::vector<std::uint32_t> units_;
};

}  // namespace lmforge::tok::detail
