// The BPE merge loop over counted words (the part of training that spm_train spends its time
// in). Incremental: pair counts live in a hash map with the positions where each pair occurs;
// a merge visits only those positions and adjusts the counts of the neighbouring pairs; the
// best pair comes from a priority queue whose stale entries are re-queued when popped.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lmforge/common/progress.h"

namespace lmforge::tok::train {

struct BpeMergeOptions {
  int max_piece_length = 16;   // characters
  bool split_digits = false;   // digits never merge
  bool split_by_number = true; // digits do not merge with letters (digits stay Common script)
  // Texts that already are pieces (user-defined symbols): a merge reaching one adds no piece.
  std::vector<std::string> reserved;
};

struct BpeMergeResult {
  std::vector<std::string> pieces;  // merged pieces in merge order (first = most frequent)
  bool exhausted = false;           // no mergeable pair was left before `target` pieces
  std::uint64_t merges_applied = 0; // occurrences merged in the corpus (statistics)
};

// `words`: (word, count); `alphabet`: the characters that get pieces, in piece order. Characters
// outside the alphabet split a word (no piece spans them). Stops after `target` new pieces.
// A merge whose text equals an earlier piece (reached along another path) is applied but adds
// no piece, which is what an encoder does when it meets that pair.
BpeMergeResult run_bpe_merges(const std::vector<std::pair<std::string, std::uint64_t>>& words,
                              const std::vector<char32_t>& alphabet, std::size_t target,
                              const BpeMergeOptions& options, const ProgressCallback& progress = {});

}  // namespace lmforge::tok::train
