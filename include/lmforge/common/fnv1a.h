// 64-bit FNV-1a over bytes, extendable: fnv1a_64(fnv1a_64(kFnv1aOffset, "ab"), "c") equals
// fnv1a_64(kFnv1aOffset, "abc"), so a caller can hash pieces (n-grams, prefixes) without joining them.
#pragma once

#include <cstdint>
#include <string_view>

namespace lmforge {

inline constexpr std::uint64_t kFnv1aOffset = 14695981039346656037ULL;  // the standard offset basis
inline constexpr std::uint64_t kFnv1aPrime = 1099511628211ULL;

inline std::uint64_t fnv1a_64(std::uint64_t h, std::string_view bytes) {
  for (unsigned char b : bytes) h = (h ^ b) * kFnv1aPrime;
  return h;
}

}  // namespace lmforge
