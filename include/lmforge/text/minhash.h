// MinHash over character n-grams: the near-duplicate signature of `lmforge text dedupe`.
//
//   MinHasher mh({.ngram = 5, .num_perm = 128});
//   std::vector<std::uint32_t> a, b, sig;
//   mh.shingles("the quick brown fox", a);   // sorted, unique n-gram fingerprints
//   mh.signature(a, sig);                     // 128 minima, one per hash function
//   jaccard(a, b)                             // exact Jaccard of two shingle sets
//
// Each n-gram of code points is hashed to 64 bits (XXH64) and kept as a 32-bit fingerprint;
// permutation p is the multiply-shift hash (a_p * x + b_p) >> 32 with 64-bit random a_p, b_p
// (strongly universal for 32-bit x), so P[min_p(A) == min_p(B)] = Jaccard(A, B) (Broder 1997).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace lmforge::text {

// XXH64 of the bytes (Collet's xxHash, 64-bit variant): the hash of dedupe keys and n-grams.
std::uint64_t xxhash64(const void* data, std::size_t size, std::uint64_t seed = 0);
inline std::uint64_t xxhash64(std::string_view s, std::uint64_t seed = 0) {
  return xxhash64(s.data(), s.size(), seed);
}

struct MinHashOptions {
  std::size_t ngram = 5;       // code points per shingle; a text shorter than this is one shingle
  std::size_t num_perm = 128;  // hash functions (signature length)
  std::uint64_t seed = 42;     // fixes the hash functions: same seed, same signatures
};

class MinHasher {
 public:
  explicit MinHasher(MinHashOptions options = {});

  // Sorted, unique 32-bit fingerprints of the character n-grams of `text` (empty for "").
  void shingles(std::string_view text, std::vector<std::uint32_t>& out);
  // The num_perm minima over `shingles` (must be non-empty).
  void signature(std::span<const std::uint32_t> shingles, std::vector<std::uint32_t>& out) const;

  const MinHashOptions& options() const { return options_; }

 private:
  MinHashOptions options_;
  std::vector<std::uint64_t> mul_, add_;
  std::vector<std::uint32_t> offsets_;  // scratch: byte offset of each code point
};

// |A ∩ B| / |A ∪ B| of two sorted, unique sets (1 when both are empty).
double jaccard(std::span<const std::uint32_t> a, std::span<const std::uint32_t> b);

// The probability that LSH with `bands` bands of `rows` rows makes a pair of Jaccard
// similarity s a candidate: 1 - (1 - s^rows)^bands.
double lsh_candidate_probability(double s, std::size_t bands, std::size_t rows);

}  // namespace lmforge::text
