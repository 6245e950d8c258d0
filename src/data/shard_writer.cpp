#include "lmforge/data/shard_writer.h"

#include <cerrno>
#include <cstring>

#include "lmforge/common/error.h"

namespace lmforge::data {
namespace {

constexpr std::size_t kBufferTokens = 1 << 18;  // 512 KiB..1 MiB per write

void write_all(std::FILE* f, const void* data, std::size_t size, const std::filesystem::path& path) {
  if (size && std::fwrite(data, 1, size, f) != size)
    runtime_error("cannot write {}: {} (disk full?)", path.string(), std::strerror(errno));
}

}  // namespace

ShardWriter::ShardWriter(std::filesystem::path dir, Split split, ShardWriterOptions options)
    : dir_(std::move(dir)), split_(split), options_(options), dtype_(dtype_for_vocab(options.vocab_size)) {
  if (options_.shard_tokens == 0 || options_.shard_tokens > kMaxShardTokens)
    usage_error("--shard-tokens must be between 1 and {}", kMaxShardTokens);
  buffer_.resize(kBufferTokens * dtype_bytes(dtype_));
}

ShardWriter::~ShardWriter() {
  if (file_) std::fclose(file_);
}

void ShardWriter::open_shard() {
  file_path_ = dir_ / shard_file_name(split_, shards_.size());
  file_ = std::fopen(file_path_.c_str(), "wb");
  if (!file_) runtime_error("cannot create {}: {}", file_path_.string(), std::strerror(errno));
  const std::array<std::int32_t, kShardHeaderWords> placeholder{};
  write_all(file_, placeholder.data(), kShardHeaderBytes, file_path_);
  hash_ = XxHash64(0);
  tokens_in_shard_ = 0;
  documents_in_shard_ = 0;
}

void ShardWriter::flush_buffer() {
  const std::size_t bytes = buffered_tokens_ * dtype_bytes(dtype_);
  write_all(file_, buffer_.data(), bytes, file_path_);
  hash_.update(buffer_.data(), bytes);
  buffered_tokens_ = 0;
}

void ShardWriter::close_shard() {
  flush_buffer();
  ShardHeader h;
  h.dtype = dtype_;
  h.tokens = tokens_in_shard_;
  h.vocab_size = options_.vocab_size;
  h.shard_index = static_cast<std::uint32_t>(shards_.size());
  h.split = split_;
  h.documents = documents_in_shard_;
  h.payload_xxh64 = hash_.digest();
  const auto words = encode_header(h);
  if (std::fseek(file_, 0, SEEK_SET) != 0) runtime_error("cannot seek in {}", file_path_.string());
  write_all(file_, words.data(), kShardHeaderBytes, file_path_);
  const bool ok = std::fflush(file_) == 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok || !closed) runtime_error("cannot write {}: {} (disk full?)", file_path_.string(), std::strerror(errno));
  shards_.push_back({file_path_.filename().string(), h.tokens, h.documents, h.payload_xxh64});
}

void ShardWriter::append(const int* ids, std::size_t count) {
  const std::int64_t vocab = options_.vocab_size;
  while (count > 0) {
    // A full shard is closed only when more tokens arrive, so that a document ending
    // exactly at the boundary is counted in the shard that holds its last token.
    if (file_ && tokens_in_shard_ == options_.shard_tokens) close_shard();
    if (!file_) open_shard();
    std::size_t n = std::min<std::uint64_t>(count, options_.shard_tokens - tokens_in_shard_);
    n = std::min(n, kBufferTokens - buffered_tokens_);
    for (std::size_t i = 0; i < n; ++i) {
      const int id = ids[i];
      if (id < 0 || id >= vocab) runtime_error("token id {} outside the vocabulary [0, {})", id, vocab);
    }
    if (dtype_ == TokenDtype::kUint16) {
      auto* out = reinterpret_cast<std::uint16_t*>(buffer_.data()) + buffered_tokens_;
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint16_t>(ids[i]);
    } else {
      auto* out = reinterpret_cast<std::uint32_t*>(buffer_.data()) + buffered_tokens_;
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint32_t>(ids[i]);
    }
    buffered_tokens_ += n;
    tokens_in_shard_ += n;
    total_tokens_ += n;
    ids += n;
    count -= n;
    if (buffered_tokens_ == kBufferTokens) flush_buffer();
  }
}

void ShardWriter::finish() {
  if (finished_) return;
  finished_ = true;
  if (file_) close_shard();
}

}  // namespace lmforge::data
