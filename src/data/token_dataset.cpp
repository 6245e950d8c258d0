#include "lmforge/data/token_dataset.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "lmforge/common/error.h"
#include "lmforge/data/xxhash64.h"

namespace fs = std::filesystem;

namespace lmforge::data {

// One shard file, mapped read-only for the lifetime of the dataset.
struct TokenDataset::MappedShard {
  fs::path path;
  ShardHeader header;
  const unsigned char* base = nullptr;
  std::size_t bytes = 0;
  const unsigned char* tokens() const { return base + kShardHeaderBytes; }

  explicit MappedShard(fs::path p) : path(std::move(p)) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) runtime_error("cannot open shard {}: {}", path.string(), std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      runtime_error("cannot stat shard {}: {}", path.string(), std::strerror(errno));
    }
    bytes = static_cast<std::size_t>(st.st_size);
    if (bytes < kShardHeaderBytes) {
      ::close(fd);
      runtime_error("{}: truncated shard ({} bytes, shorter than its {}-byte header)", path.string(), bytes,
                    kShardHeaderBytes);
    }
    void* m = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);  // the mapping keeps the file open
    if (m == MAP_FAILED) runtime_error("cannot map shard {}: {}", path.string(), std::strerror(errno));
    base = static_cast<const unsigned char*>(m);
    std::array<std::int32_t, kShardHeaderWords> words;
    std::memcpy(words.data(), base, kShardHeaderBytes);
    try {
      header = decode_header(words, path);
    } catch (...) {
      ::munmap(m, bytes);  // a throwing constructor runs no destructor
      throw;
    }
  }
  ~MappedShard() {
    if (base) ::munmap(const_cast<unsigned char*>(base), bytes);
  }
  MappedShard(const MappedShard&) = delete;
  MappedShard& operator=(const MappedShard&) = delete;
};


TokenDataset::TokenDataset(TokenDataset&&) noexcept = default;
TokenDataset& TokenDataset::operator=(TokenDataset&&) noexcept = default;
TokenDataset::~TokenDataset() = default;

TokenDataset TokenDataset::open(const fs::path& dir, Split split, bool verify_checksums) {
  TokenDataset d;
  d.meta_ = read_meta(dir);
  d.split_ = split;
  const auto& sm = d.meta_.split(split);
  for (std::size_t i = 0; i < sm.shards.size(); ++i) {
    const auto& info = sm.shards[i];
    const auto path = dir / info.file;
    if (!fs::exists(path)) runtime_error("{}: shard listed in meta.json is missing", path.string());
    auto shard = std::make_unique<MappedShard>(path);
    const auto& h = shard->header;
    if (h.dtype != d.meta_.dtype)
      runtime_error("{}: {} tokens, but meta.json says {}", path.string(), dtype_name(h.dtype), dtype_name(d.meta_.dtype));
    if (h.vocab_size != d.meta_.tokenizer.vocab_size || h.split != split || h.shard_index != i)
      runtime_error("{}: header does not match meta.json (vocabulary, split or shard index)", path.string());
    if (h.tokens != info.tokens)
      runtime_error("{}: header says {} tokens, meta.json {}", path.string(), h.tokens, info.tokens);
    const std::size_t expected = kShardHeaderBytes + h.tokens * dtype_bytes(h.dtype);
    if (shard->bytes != expected)
      runtime_error("{}: {} bytes, expected {} for {} tokens (truncated or corrupt; prepare the data again)",
                    path.string(), shard->bytes, expected, h.tokens);
    if (h.payload_xxh64 != info.xxh64)
      runtime_error("{}: checksum in the header differs from meta.json (shard from another run?)", path.string());
    if (verify_checksums) {
      const std::uint64_t actual =
          xxhash64({reinterpret_cast<const char*>(shard->tokens()), h.tokens * dtype_bytes(h.dtype)});
      if (actual != h.payload_xxh64)
        runtime_error("{}: checksum mismatch (the tokens are corrupt; prepare the data again)", path.string());
    }
    d.starts_.push_back(d.total_tokens_);
    d.total_tokens_ += h.tokens;
    d.shards_.push_back(std::move(shard));
  }
  if (d.total_tokens_ != sm.tokens)
    runtime_error("{}: the {} shards hold {} tokens, meta.json says {}", dir.string(), split_name(split),
                  d.total_tokens_, sm.tokens);
  return d;
}

std::uint32_t TokenDataset::at(std::uint64_t index) const {
  assert(index < total_tokens_);
  const std::size_t s = static_cast<std::size_t>(std::upper_bound(starts_.begin(), starts_.end(), index) - starts_.begin()) - 1;
  const auto& shard = *shards_[s];
  const std::uint64_t i = index - starts_[s];
  if (shard.header.dtype == TokenDtype::kUint16) {
    std::uint16_t v;
    std::memcpy(&v, shard.tokens() + 2 * i, 2);
    return v;
  }
  std::uint32_t v;
  std::memcpy(&v, shard.tokens() + 4 * i, 4);
  return v;
}

template <typename T>
void TokenDataset::read_into(std::uint64_t start, std::size_t count, T* out) const {
  if (start > total_tokens_ || count > total_tokens_ - start)
    throw std::out_of_range(fmt::format("tokens [{}, {}) past the end of the {} split ({} tokens)", start,
                                        start + count, split_name(split_), total_tokens_));
  std::size_t s = static_cast<std::size_t>(std::upper_bound(starts_.begin(), starts_.end(), start) - starts_.begin());
  if (s > 0) --s;
  while (count > 0) {
    const auto& shard = *shards_[s];
    const std::uint64_t offset = start - starts_[s];
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(count, shard.header.tokens - offset));
    if (shard.header.dtype == TokenDtype::kUint16) {
      const auto* src = reinterpret_cast<const std::uint16_t*>(shard.tokens()) + offset;
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<T>(src[i]);
    } else {
      const auto* src = reinterpret_cast<const std::uint32_t*>(shard.tokens()) + offset;
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<T>(src[i]);
    }
    out += n;
    start += n;
    count -= n;
    ++s;
  }
}

void TokenDataset::read(std::uint64_t start, std::size_t count, std::int32_t* out) const { read_into(start, count, out); }
void TokenDataset::read(std::uint64_t start, std::size_t count, std::int64_t* out) const { read_into(start, count, out); }

void verify_dataset(const fs::path& dir) {
  for (Split s : {Split::kTrain, Split::kValidation}) TokenDataset::open(dir, s, /*verify_checksums=*/true);
}

}  // namespace lmforge::data
