#include "lmforge/data/xxhash64.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "lmforge/common/error.h"

namespace lmforge::data {
namespace {

constexpr std::uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t kPrime3 = 0x165667B19E3779F9ULL;
constexpr std::uint64_t kPrime4 = 0x85EBCA77C2B2AE63ULL;
constexpr std::uint64_t kPrime5 = 0x27D4EB2F165667C5ULL;

inline std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// Little-endian loads (memcpy compiles to one instruction on x86 and ARM).
inline std::uint64_t load64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline std::uint32_t load32(const unsigned char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline std::uint64_t round(std::uint64_t acc, std::uint64_t input) {
  acc += input * kPrime2;
  return rotl(acc, 31) * kPrime1;
}

inline std::uint64_t merge_round(std::uint64_t acc, std::uint64_t val) {
  acc ^= round(0, val);
  return acc * kPrime1 + kPrime4;
}

}  // namespace

XxHash64::XxHash64(std::uint64_t seed) : seed_(seed) {
  acc_[0] = seed + kPrime1 + kPrime2;
  acc_[1] = seed + kPrime2;
  acc_[2] = seed;
  acc_[3] = seed - kPrime1;
}

void XxHash64::update(const void* data, std::size_t size) {
  auto p = static_cast<const unsigned char*>(data);
  const unsigned char* end = p + size;
  total_ += size;
  if (buffered_ + size < 32) {
    if (size) std::memcpy(buffer_ + buffered_, p, size);
    buffered_ += size;
    return;
  }
  if (buffered_) {
    const std::size_t fill = 32 - buffered_;
    std::memcpy(buffer_ + buffered_, p, fill);
    p += fill;
    for (int i = 0; i < 4; ++i) acc_[i] = round(acc_[i], load64(buffer_ + 8 * i));
    buffered_ = 0;
  }
  std::uint64_t a0 = acc_[0], a1 = acc_[1], a2 = acc_[2], a3 = acc_[3];
  while (end - p >= 32) {
    a0 = round(a0, load64(p));
    a1 = round(a1, load64(p + 8));
    a2 = round(a2, load64(p + 16));
    a3 = round(a3, load64(p + 24));
    p += 32;
  }
  acc_[0] = a0, acc_[1] = a1, acc_[2] = a2, acc_[3] = a3;
  buffered_ = static_cast<std::size_t>(end - p);
  if (buffered_) std::memcpy(buffer_, p, buffered_);
}

std::uint64_t XxHash64::digest() const {
  std::uint64_t h;
  if (total_ >= 32) {
    h = rotl(acc_[0], 1) + rotl(acc_[1], 7) + rotl(acc_[2], 12) + rotl(acc_[3], 18);
    for (int i = 0; i < 4; ++i) h = merge_round(h, acc_[i]);
  } else {
    h = seed_ + kPrime5;
  }
  h += total_;
  const unsigned char* p = buffer_;
  const unsigned char* end = buffer_ + buffered_;
  while (end - p >= 8) {
    h ^= round(0, load64(p));
    h = rotl(h, 27) * kPrime1 + kPrime4;
    p += 8;
  }
  if (end - p >= 4) {
    h ^= static_cast<std::uint64_t>(load32(p)) * kPrime1;
    h = rotl(h, 23) * kPrime2 + kPrime3;
    p += 4;
  }
  while (p < end) {
    h ^= (*p) * kPrime5;
    h = rotl(h, 11) * kPrime1;
    ++p;
  }
  h ^= h >> 33;
  h *= kPrime2;
  h ^= h >> 29;
  h *= kPrime3;
  h ^= h >> 32;
  return h;
}

std::uint64_t xxhash64(std::string_view bytes, std::uint64_t seed) {
  XxHash64 h(seed);
  h.update(bytes.data(), bytes.size());
  return h.digest();
}

std::uint64_t xxhash64_file(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) runtime_error("cannot open {}: {}", path.string(), std::strerror(errno));
  std::vector<unsigned char> block(1 << 20);
  XxHash64 h;
  for (;;) {
    const std::size_t n = std::fread(block.data(), 1, block.size(), f.get());
    h.update(block.data(), n);
    if (n < block.size()) {
      if (std::ferror(f.get())) runtime_error("cannot read {}: {}", path.string(), std::strerror(errno));
      break;
    }
  }
  return h.digest();
}

std::string hex64(std::uint64_t value) { return fmt::format("{:016x}", value); }

}  // namespace lmforge::data
