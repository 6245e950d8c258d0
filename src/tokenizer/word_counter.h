// Counts SentencePiece words (see split_words) over many sentences on all threads: each
// thread normalises and splits a contiguous chunk into per-shard hash maps, then each thread
// merges one shard, so no map is ever shared between threads.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lmforge/common/progress.h"
#include "lmforge/tokenizer/model.h"

namespace lmforge::tok::train {

struct WordCounts {
  std::vector<std::pair<std::string, std::uint64_t>> words;  // sorted by word bytes
  std::uint64_t sentences = 0;                               // non-empty after normalisation
  std::uint64_t total_words = 0;
};

WordCounts count_words(const std::vector<std::string>& sentences, const NormalizerSpec& normalizer,
                       const std::vector<std::string>& user_symbols, int threads,
                       const ProgressCallback& progress = {});

// Character counts over the counted words (each word's characters times its count), as
// (code point, count) sorted by count descending then code point: SentencePiece's order.
std::vector<std::pair<char32_t, std::uint64_t>> count_characters(const WordCounts& counts);

int resolve_threads(int threads);

}  // namespace lmforge::tok::train
