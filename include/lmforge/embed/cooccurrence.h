// Word-word co-occurrence counts for GloVe (Pennington et al. 2014,
// https://nlp.stanford.edu/pubs/glove.pdf), counted as the reference `cooccur` tool does: a
// symmetric window, each pair weighted 1/distance, windows not crossing record boundaries.
//
// Memory is bounded: pairs of frequent words (rank product below a limit) go to a dense table;
// the rest are buffered, and each time the buffer fills it is sorted, merged and spilled to a
// temporary file; the files are merged at the end. The result (the non-zero entries, 12 bytes
// each) is what GloVe trains on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lmforge/common/progress.h"
#include "lmforge/embed/corpus.h"

namespace lmforge::embed {

struct Cooccurrence {
  std::uint32_t row, col;  // vocabulary ids
  float value;             // sum of 1/distance over the corpus
};

struct CooccurrenceOptions {
  int window = 15;               // words each side
  bool symmetric = true;         // count left and right contexts (false: left only)
  double memory_gb = 1.0;        // bound on the dense table + spill buffer, in GiB (the reference: 4)
  std::string temp_dir;          // where spill files go; empty = the system temp directory
};

struct CooccurrenceStats {
  std::size_t spill_files = 0;   // how many times the buffer was spilled to disk
  std::size_t dense_entries = 0; // cells in the dense table
};

// Non-zero entries sorted by (row, col).
std::vector<Cooccurrence> count_cooccurrences(const Corpus& corpus, const CooccurrenceOptions& options,
                                              const ProgressCallback& progress = {},
                                              CooccurrenceStats* stats = nullptr);

}  // namespace lmforge::embed
