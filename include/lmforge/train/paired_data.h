// Paired text for seq2seq training ([data] of a seq2seq config), torch-free:
//
//   path = "pairs.tsv"              a tsv/csv/jsonl file with a source and a target column/field
//   source_column = "source"        csv/tsv header name or 0-based index; jsonl key
//   target_column = "target"
//   header = true                   csv/tsv: the first row names the columns
//   source_path / target_path       instead of `path`: two line-aligned text files
//   val_path (+ val_source_path / val_target_path)  a separate validation set; else
//   val_fraction = 0.05             a seeded random share of the pairs is held out
//   strip_spaces = false            remove ASCII spaces inside records (space-separated characters)
//   mode = "paired"                 "paired": source -> target; "autoencoder": each source
//                                   sentence -> itself; "denoise": a corrupted source -> itself
//   noise_drop = 0.1, noise_mask = 0.1, noise_shuffle = 3   denoise: token dropout probability,
//                                   masking probability (to <unk>), local shuffle distance
//                                   (Lample et al. 2018, arXiv:1711.00043)
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lmforge/train/config_section.h"

namespace lmforge::train {

struct TextPair {
  std::string source, target;
};

struct PairedDataOptions {
  std::string path, source_column = "source", target_column = "target";
  bool header = true;
  std::string source_path, target_path;
  std::string val_path, val_source_path, val_target_path;
  double val_fraction = 0.05;
  bool strip_spaces = false;
  std::string mode = "paired";
  double noise_drop = 0.1, noise_mask = 0.1;
  std::int64_t noise_shuffle = 3;

  // Reads the keys above from the [data] section (the caller reads its own keys and then calls
  // section.reject_unknown()); UsageError for bad values or no input named.
  static PairedDataOptions read(ConfigSection& section);
};

struct PairedData {
  std::vector<TextPair> train, val;
  std::size_t skipped_empty = 0;  // pairs with an empty side
};

// Reads and splits (val_fraction: seeded shuffle, the split does not depend on file order beyond
// the seed). In the autoencoder/denoise modes both sides are the source text. RuntimeError naming
// file:line for unreadable input, line counts that differ, or fewer than one pair.
PairedData read_paired_data(const PairedDataOptions& options, std::uint64_t seed);

// Denoising corruption of a token sequence (ids): drop each with noise_drop (keeping at least
// one), replace each with mask_id with noise_mask, then move each by at most noise_shuffle
// places. Deterministic for a given generator state.
std::vector<std::int64_t> corrupt_tokens(const std::vector<std::int64_t>& ids, const PairedDataOptions& options,
                                         std::int64_t mask_id, std::mt19937_64& rng);

}  // namespace lmforge::train
