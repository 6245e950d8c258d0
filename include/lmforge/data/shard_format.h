// One token shard file (`train_00000.bin`, `val_00000.bin`): a 1024-byte header of 256
// little-endian int32 followed by the tokens as raw little-endian uint16 or uint32.
// The first three header words are llm.c's (karpathy/llm.c dev/data/data_common.py), so
// llm.c's loader and its Python readers open our uint16 shards as they are:
//
//   word 0  magic          20240520 (uint16 tokens) | 20240801 (uint32 tokens)
//   word 1  version        1 (uint16)              | 7 (uint32)
//   word 2  token count    tokens in this shard (< 2^31)
//   word 3  kLmforgeTag    "LMFG": the words below are lmforge's
//   word 4  lmforge shard format version (kShardFormatVersion)
//   word 5  bytes per token (2 or 4)
//   word 6  vocabulary size (every token is < this)
//   word 7  shard index within its split
//   word 8  split: 0 train, 1 validation
//   word 9  documents whose end-of-document token lies in this shard
//   word 10, 11  XXH64 of the token payload, low and high 32 bits
//   words 12..255 zero
// The layout, and why, is in docs/data-format.md.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

namespace lmforge::data {

enum class TokenDtype : std::uint8_t { kUint16 = 2, kUint32 = 4 };

inline constexpr std::size_t kShardHeaderWords = 256;
inline constexpr std::size_t kShardHeaderBytes = kShardHeaderWords * 4;
inline constexpr std::int32_t kMagicUint16 = 20240520, kVersionUint16 = 1;  // llm.c gpt-2
inline constexpr std::int32_t kMagicUint32 = 20240801, kVersionUint32 = 7;  // llm.c llama-3
inline constexpr std::int32_t kLmforgeTag = 0x47464D4C;                     // "LMFG" in file order
inline constexpr std::int32_t kShardFormatVersion = 1;
inline constexpr std::uint64_t kMaxShardTokens = 0x7FFFFFFF;                // word 2 is an int32

enum class Split : std::uint8_t { kTrain = 0, kValidation = 1 };
const char* split_name(Split split);  // "train", "val"

// uint16 when every id fits (vocab_size <= 65536), else uint32.
TokenDtype dtype_for_vocab(std::int64_t vocab_size);
std::size_t dtype_bytes(TokenDtype dtype);
const char* dtype_name(TokenDtype dtype);       // "uint16", "uint32"
TokenDtype parse_dtype(const std::string& name);  // RuntimeError on anything else

// "train_00000.bin"
std::string shard_file_name(Split split, std::size_t index);

struct ShardHeader {
  TokenDtype dtype = TokenDtype::kUint16;
  std::uint64_t tokens = 0;
  std::int64_t vocab_size = 0;
  std::uint32_t shard_index = 0;
  Split split = Split::kTrain;
  std::uint32_t documents = 0;
  std::uint64_t payload_xxh64 = 0;
};

std::array<std::int32_t, kShardHeaderWords> encode_header(const ShardHeader& header);

// Parses and checks a header read from `path` (named in errors): magic, version, tag,
// format version, dtype. RuntimeError with a one-line reason when any of them is wrong.
ShardHeader decode_header(const std::array<std::int32_t, kShardHeaderWords>& words,
                          const std::filesystem::path& path);

}  // namespace lmforge::data
