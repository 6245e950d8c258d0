// Streaming duplicate removal: exact (64-bit hash of the normalised text) and near-duplicate
// (MinHash over character n-grams + LSH banding, the Jaccard similarity then computed exactly
// on each candidate). Records are offered in order; the first occurrence is kept.
//
//   Deduplicator dd({.mode = DedupeMode::kNear, .threshold = 0.8});
//   for (auto& text : records)
//     if (dd.add(text).kind == DuplicateKind::kUnique) write(text);
//
// Normalisation (on by default) compares texts after NFKC, full-width -> ASCII (punctuation
// too), lower-casing and whitespace collapsing, so "Hello,  World" and "hello，world" are one.
// Memory: exact mode keeps one 64-bit hash per distinct record (10-20 bytes each with the
// table's slack); near mode also keeps, per kept record, its n-gram fingerprints (4 bytes per
// character) and `bands` LSH entries (24-48 bytes each).
// Deterministic: the same input and options give the same output, run after run.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

namespace lmforge::text {

enum class DedupeMode {
  kExact,  // identical (normalised) text only
  kNear,   // also Jaccard similarity of character n-gram sets >= threshold
};

struct DedupeOptions {
  DedupeMode mode = DedupeMode::kNear;
  bool normalize = true;        // compare normalised text (see above); false: the bytes as given
  std::size_t ngram = 5;        // near: characters per n-gram
  std::size_t num_perm = 128;   // near: MinHash permutations
  std::size_t bands = 16;       // near: LSH bands (num_perm / bands rows each); more bands, more recall
  double threshold = 0.8;       // near: a record is a duplicate when Jaccard >= threshold
  std::uint64_t seed = 42;      // near: hash functions
};

enum class DuplicateKind { kUnique, kExact, kNear };

struct DedupeVerdict {
  DuplicateKind kind = DuplicateKind::kUnique;
  // kNear: 0-based index (in the order of add()) of the kept record it resembles, and their
  // Jaccard similarity. Exact duplicates keep no index (the table holds hashes only).
  std::size_t duplicate_of = 0;
  double jaccard = 0;
};

struct DedupeStats {
  std::size_t records = 0;
  std::size_t kept = 0;
  std::size_t exact_duplicates = 0;
  std::size_t near_duplicates = 0;
  std::size_t candidates_checked = 0;  // near: exact Jaccard computations
};

class Deduplicator {
 public:
  explicit Deduplicator(DedupeOptions options = {});
  ~Deduplicator();
  Deduplicator(Deduplicator&&) noexcept;

  DedupeVerdict add(std::string_view text);

  const DedupeStats& stats() const { return stats_; }
  std::size_t memory_bytes() const;
  const DedupeOptions& options() const { return options_; }

 private:
  struct Impl;
  DedupeOptions options_;
  DedupeStats stats_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lmforge::text
