// Splits a token stream (or any array) into contiguous slices, one per thread, as the original
// tools do: each thread owns its slice for every epoch, so threads never wait on each other.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "lmforge/embed/corpus.h"

namespace lmforge::embed {

// Slices of `tokens` that start right after a sentence end; always at least one (maybe empty).
inline std::vector<std::pair<std::size_t, std::size_t>> split_at_sentences(const std::vector<std::uint32_t>& tokens,
                                                                           std::size_t parts) {
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  std::size_t begin = 0;
  for (std::size_t p = 1; p <= parts; ++p) {
    std::size_t end = p == parts ? tokens.size() : tokens.size() * p / parts;
    while (end < tokens.size() && end > 0 && tokens[end - 1] != Corpus::kSentenceEnd) ++end;
    if (end < begin) end = begin;
    ranges.emplace_back(begin, end);
    begin = end;
  }
  return ranges;
}

}  // namespace lmforge::embed
