// Streams the token ids of one split into numbered shard files in a directory: fills
// `<split>_00000.bin` up to `shard_tokens` tokens, then starts the next. The header is
// written as a placeholder first and rewritten with the count and checksum on close,
// so memory use is one small buffer whatever the size of the split.
//
//   ShardWriter train(dir, Split::kTrain, {.vocab_size = 8000});
//   train.append(ids.data(), ids.size());   // ids < vocab_size, else RuntimeError
//   train.end_document();                   // after a document's eos: counted in the header
//   train.finish();                         // closes the last shard
//   for (auto& s : train.shards()) ...      // name, tokens, xxh64 of each shard
//
// The directory is expected to be a staging directory that the caller moves into place
// (replace_directory) once everything succeeded; the writer itself makes no atomicity promise.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "lmforge/data/shard_format.h"
#include "lmforge/data/xxhash64.h"

namespace lmforge::data {

struct ShardWriterOptions {
  std::int64_t vocab_size = 0;                   // required: ids must be in [0, vocab_size)
  std::uint64_t shard_tokens = 100'000'000;      // tokens per shard file (the last one is shorter)
};

struct ShardInfo {
  std::string file;          // name inside the directory, e.g. "train_00000.bin"
  std::uint64_t tokens = 0;
  std::uint32_t documents = 0;  // documents whose final token lies in this shard
  std::uint64_t xxh64 = 0;   // of the token payload (header excluded)
};

class ShardWriter {
 public:
  ShardWriter(std::filesystem::path dir, Split split, ShardWriterOptions options);
  ~ShardWriter();
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;

  void append(const int* ids, std::size_t count);
  void end_document() { ++documents_in_shard_; }
  void finish();  // idempotent

  TokenDtype dtype() const { return dtype_; }
  std::uint64_t total_tokens() const { return total_tokens_; }
  const std::vector<ShardInfo>& shards() const { return shards_; }

 private:
  void open_shard();
  void close_shard();
  void flush_buffer();

  std::filesystem::path dir_;
  Split split_;
  ShardWriterOptions options_;
  TokenDtype dtype_;
  std::FILE* file_ = nullptr;
  std::filesystem::path file_path_;
  XxHash64 hash_;
  std::vector<unsigned char> buffer_;  // converted tokens waiting to be written
  std::size_t buffered_tokens_ = 0;
  std::uint64_t tokens_in_shard_ = 0;
  std::uint32_t documents_in_shard_ = 0;
  std::uint64_t total_tokens_ = 0;
  std::vector<ShardInfo> shards_;
  bool finished_ = false;
};

}  // namespace lmforge::data
