// The train/validation split: a seeded hash of each document's text decides its side, so
// the split is streaming (no pass over the corpus first), reproducible with --seed, and
// identical copies of a document always land on the same side (no train/val leakage
// through duplicates).
#pragma once

#include <cstdint>
#include <string_view>

namespace lmforge::data {

// True when the document belongs to validation: XXH64(text, seed) mapped to [0, 1) is
// below `val_fraction`. val_fraction 0 sends everything to train.
bool is_validation_document(std::string_view text, std::uint64_t seed, double val_fraction);

}  // namespace lmforge::data
