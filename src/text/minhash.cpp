#include "lmforge/text/minhash.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "lmforge/common/error.h"

namespace lmforge::text {
namespace {

constexpr std::uint64_t kP1 = 0x9E3779B185EBCA87ULL, kP2 = 0xC2B2AE3D27D4EB4FULL, kP3 = 0x165667B19E3779F9ULL,
                        kP4 = 0x85EBCA77C2B2AE63ULL, kP5 = 0x27D4EB2F165667C5ULL;

std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
std::uint64_t read64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
std::uint32_t read32(const unsigned char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
std::uint64_t round(std::uint64_t acc, std::uint64_t input) {
  acc += input * kP2;
  return rotl(acc, 31) * kP1;
}
std::uint64_t merge(std::uint64_t acc, std::uint64_t val) {
  acc ^= round(0, val);
  return acc * kP1 + kP4;
}

// SplitMix64: expands the seed into the permutation constants.
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t xxhash64(const void* data, std::size_t len, std::uint64_t seed) {
  const auto* p = static_cast<const unsigned char*>(data);
  const unsigned char* end = p + len;
  std::uint64_t h;
  if (len >= 32) {
    std::uint64_t v1 = seed + kP1 + kP2, v2 = seed + kP2, v3 = seed, v4 = seed - kP1;
    const unsigned char* limit = end - 32;
    do {
      v1 = round(v1, read64(p));
      v2 = round(v2, read64(p + 8));
      v3 = round(v3, read64(p + 16));
      v4 = round(v4, read64(p + 24));
      p += 32;
    } while (p <= limit);
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    h = merge(h, v1);
    h = merge(h, v2);
    h = merge(h, v3);
    h = merge(h, v4);
  } else {
    h = seed + kP5;
  }
  h += static_cast<std::uint64_t>(len);
  while (p + 8 <= end) {
    h ^= round(0, read64(p));
    h = rotl(h, 27) * kP1 + kP4;
    p += 8;
  }
  if (p + 4 <= end) {
    h ^= static_cast<std::uint64_t>(read32(p)) * kP1;
    h = rotl(h, 23) * kP2 + kP3;
    p += 4;
  }
  while (p < end) {
    h ^= (*p) * kP5;
    h = rotl(h, 11) * kP1;
    ++p;
  }
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

MinHasher::MinHasher(MinHashOptions options) : options_(options) {
  if (options_.ngram == 0) usage_error("n-gram size must be at least 1");
  if (options_.num_perm == 0) usage_error("the number of MinHash permutations must be at least 1");
  std::uint64_t state = options_.seed;
  mul_.resize(options_.num_perm);
  add_.resize(options_.num_perm);
  for (std::size_t p = 0; p < options_.num_perm; ++p) {
    mul_[p] = splitmix64(state) | 1;  // odd multiplier
    add_[p] = splitmix64(state);
  }
}

void MinHasher::shingles(std::string_view text, std::vector<std::uint32_t>& out) {
  out.clear();
  offsets_.clear();
  for (std::size_t i = 0; i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) offsets_.push_back(static_cast<std::uint32_t>(i));
  const std::size_t chars = offsets_.size();
  offsets_.push_back(static_cast<std::uint32_t>(text.size()));
  if (chars == 0) return;
  const std::size_t n = std::min(options_.ngram, chars);
  out.reserve(chars - n + 1);
  for (std::size_t i = 0; i + n <= chars; ++i) {
    const auto h = xxhash64(text.data() + offsets_[i], offsets_[i + n] - offsets_[i], options_.seed);
    out.push_back(static_cast<std::uint32_t>(h >> 32));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

void MinHasher::signature(std::span<const std::uint32_t> shingles, std::vector<std::uint32_t>& out) const {
  const std::size_t k = options_.num_perm;
  out.assign(k, UINT32_MAX);
  std::uint32_t* sig = out.data();
  const std::uint64_t* a = mul_.data();
  const std::uint64_t* b = add_.data();
  for (const std::uint32_t x : shingles) {
    for (std::size_t p = 0; p < k; ++p) {
      const auto v = static_cast<std::uint32_t>((a[p] * x + b[p]) >> 32);
      sig[p] = std::min(sig[p], v);
    }
  }
}

double jaccard(std::span<const std::uint32_t> a, std::span<const std::uint32_t> b) {
  if (a.empty() && b.empty()) return 1.0;
  std::size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++common;
      ++i;
      ++j;
    }
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

double lsh_candidate_probability(double s, std::size_t bands, std::size_t rows) {
  return 1.0 - std::pow(1.0 - std::pow(s, static_cast<double>(rows)), static_cast<double>(bands));
}

}  // namespace lmforge::text
