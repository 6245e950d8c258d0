// XXH64 (Yann Collet's xxHash, 64-bit variant): a fast non-cryptographic checksum, used for
// shard payloads, source files and the tokenizer file in meta.json, and for the seeded
// train/validation split. Output matches the reference (`xxhsum -H64`, Python `xxhash.xxh64`).
//
//   XxHash64 h(/*seed=*/0);
//   h.update(data, size);          // any number of times
//   std::uint64_t digest = h.digest();
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace lmforge::data {

class XxHash64 {
 public:
  explicit XxHash64(std::uint64_t seed = 0);
  void update(const void* data, std::size_t size);
  std::uint64_t digest() const;

 private:
  std::uint64_t seed_;
  std::uint64_t acc_[4];
  unsigned char buffer_[32];
  std::size_t buffered_ = 0;
  std::uint64_t total_ = 0;
};

std::uint64_t xxhash64(std::string_view bytes, std::uint64_t seed = 0);

// Digest of a whole file, streamed in 1 MiB blocks; RuntimeError naming the path when unreadable.
std::uint64_t xxhash64_file(const std::filesystem::path& path);

// 16 lowercase hex digits, as xxhsum prints them.
std::string hex64(std::uint64_t value);

}  // namespace lmforge::data
