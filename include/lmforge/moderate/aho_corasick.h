// Aho-Corasick multi-pattern matching over code points (Aho & Corasick 1975,
// https://doi.org/10.1145/360825.360855): every occurrence of every pattern in one pass,
// in time linear in the text plus the number of matches, whatever the number of patterns.
//
//   AhoCorasick ac({U"he", U"she", U"hers"});
//   std::vector<AcMatch> hits;
//   ac.find_all(U"ushers", hits);   // {she 1..4}, {he 2..4}, {hers 2..6}
//
// The automaton is stored flat (CSR edges sorted by code point, binary-searched), so a search
// allocates nothing beyond the output vector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lmforge::moderate {

struct AcMatch {
  std::uint32_t pattern = 0;  // index into the constructor's pattern list
  std::size_t begin = 0;      // [begin, end) in the searched text (code points)
  std::size_t end = 0;
};

class AhoCorasick {
 public:
  // Empty patterns are ignored (they would match everywhere); duplicates each report their own index.
  explicit AhoCorasick(const std::vector<std::u32string>& patterns);

  // Appends every occurrence (overlapping ones included) to `out`, ordered by end position and,
  // at one end position, longest pattern first.
  void find_all(std::u32string_view text, std::vector<AcMatch>& out) const;

  std::size_t pattern_count() const { return pattern_length_.size(); }
  std::size_t node_count() const { return fail_.size(); }

 private:
  std::uint32_t step(std::uint32_t node, char32_t c) const;
  std::int64_t child(std::uint32_t node, char32_t c) const;  // -1 when none

  std::vector<std::uint32_t> edge_begin_;   // node -> first edge; node_count + 1 entries
  std::vector<char32_t> edge_char_;         // sorted within each node
  std::vector<std::uint32_t> edge_target_;
  std::vector<std::uint32_t> fail_;         // longest proper suffix that is a trie node
  std::vector<std::int32_t> output_;        // a pattern ending exactly at this node, or -1
  std::vector<std::int32_t> output_link_;   // nearest node on the fail chain with an output, or -1
  std::vector<std::int32_t> same_pattern_;  // next pattern index with the same string, or -1
  std::vector<std::uint32_t> pattern_length_;
};

}  // namespace lmforge::moderate
