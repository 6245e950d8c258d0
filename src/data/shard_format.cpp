#include "lmforge/data/shard_format.h"

#include <bit>

#include <fmt/format.h>

#include "lmforge/common/error.h"

namespace lmforge::data {

static_assert(std::endian::native == std::endian::little,
              "shards are little-endian; a big-endian port must byte-swap headers and tokens");

const char* split_name(Split split) { return split == Split::kTrain ? "train" : "val"; }

TokenDtype dtype_for_vocab(std::int64_t vocab_size) {
  if (vocab_size <= 0) runtime_error("vocabulary size {} is not positive", vocab_size);
  if (vocab_size > 0x7FFFFFFF) runtime_error("vocabulary size {} does not fit the shard header", vocab_size);
  return vocab_size <= 65536 ? TokenDtype::kUint16 : TokenDtype::kUint32;
}

std::size_t dtype_bytes(TokenDtype dtype) { return static_cast<std::size_t>(dtype); }

const char* dtype_name(TokenDtype dtype) { return dtype == TokenDtype::kUint16 ? "uint16" : "uint32"; }

TokenDtype parse_dtype(const std::string& name) {
  if (name == "uint16") return TokenDtype::kUint16;
  if (name == "uint32") return TokenDtype::kUint32;
  runtime_error("unknown token dtype '{}' (expected uint16 or uint32)", name);
}

std::string shard_file_name(Split split, std::size_t index) {
  return fmt::format("{}_{:05}.bin", split_name(split), index);
}

std::array<std::int32_t, kShardHeaderWords> encode_header(const ShardHeader& h) {
  std::array<std::int32_t, kShardHeaderWords> w{};
  const bool u16 = h.dtype == TokenDtype::kUint16;
  w[0] = u16 ? kMagicUint16 : kMagicUint32;
  w[1] = u16 ? kVersionUint16 : kVersionUint32;
  w[2] = static_cast<std::int32_t>(h.tokens);
  w[3] = kLmforgeTag;
  w[4] = kShardFormatVersion;
  w[5] = static_cast<std::int32_t>(dtype_bytes(h.dtype));
  w[6] = static_cast<std::int32_t>(h.vocab_size);
  w[7] = static_cast<std::int32_t>(h.shard_index);
  w[8] = static_cast<std::int32_t>(h.split);
  w[9] = static_cast<std::int32_t>(h.documents);
  w[10] = static_cast<std::int32_t>(static_cast<std::uint32_t>(h.payload_xxh64));
  w[11] = static_cast<std::int32_t>(static_cast<std::uint32_t>(h.payload_xxh64 >> 32));
  return w;
}

ShardHeader decode_header(const std::array<std::int32_t, kShardHeaderWords>& w, const std::filesystem::path& path) {
  ShardHeader h;
  if (w[0] == kMagicUint16 && w[1] == kVersionUint16) {
    h.dtype = TokenDtype::kUint16;
  } else if (w[0] == kMagicUint32 && w[1] == kVersionUint32) {
    h.dtype = TokenDtype::kUint32;
  } else {
    runtime_error("{}: not a token shard (magic {} version {}; expected {} v{} or {} v{})", path.string(), w[0],
                  w[1], kMagicUint16, kVersionUint16, kMagicUint32, kVersionUint32);
  }
  if (w[3] != kLmforgeTag)
    runtime_error("{}: an llm.c shard without lmforge's header fields; prepare it with `lmforge data prepare`",
                  path.string());
  if (w[4] != kShardFormatVersion)
    runtime_error("{}: shard format version {} (this lmforge reads version {}); prepare the data again",
                  path.string(), w[4], kShardFormatVersion);
  if (w[2] < 0 || w[5] != static_cast<std::int32_t>(dtype_bytes(h.dtype)) || w[6] <= 0 || (w[8] != 0 && w[8] != 1))
    runtime_error("{}: corrupt shard header", path.string());
  h.tokens = static_cast<std::uint64_t>(w[2]);
  h.vocab_size = w[6];
  h.shard_index = static_cast<std::uint32_t>(w[7]);
  h.split = static_cast<Split>(w[8]);
  h.documents = static_cast<std::uint32_t>(w[9]);
  h.payload_xxh64 = static_cast<std::uint64_t>(static_cast<std::uint32_t>(w[10])) |
                    (static_cast<std::uint64_t>(static_cast<std::uint32_t>(w[11])) << 32);
  return h;
}

}  // namespace lmforge::data
