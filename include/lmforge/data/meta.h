// meta.json of a prepared token directory: what the shards hold and how they were made.
// Written last by `data prepare`; read first by TokenDataset, which checks every shard
// header against it. Field by field in docs/data-format.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lmforge/data/shard_format.h"
#include "lmforge/data/shard_writer.h"

namespace lmforge::data {

inline constexpr const char* kMetaFileName = "meta.json";
inline constexpr const char* kMetaFormatName = "lmforge-token-shards";
inline constexpr int kMetaFormatVersion = 1;

struct SplitMeta {
  std::uint64_t documents = 0;
  std::uint64_t tokens = 0;
  std::uint64_t text_bytes = 0;      // UTF-8 bytes of the documents' text
  std::vector<ShardInfo> shards;
};

struct SourceMeta {
  std::string path;                   // as given on the command line; "-" for stdin
  std::uint64_t bytes = 0;            // bytes read
  std::string xxh64;                  // of the file's bytes, 16 hex digits; empty for stdin
};

struct TokenizerMeta {
  std::string path;                   // the file that was loaded (tokenizer.lmtok or a .model)
  std::string xxh64;                  // of that file
  std::int64_t vocab_size = 0;
  int bos_id = -1;                    // -1: the tokenizer has none
  int eos_id = -1;
  bool add_bos = false;               // whether each document starts with bos_id
};

struct DatasetMeta {
  int format_version = kMetaFormatVersion;
  TokenDtype dtype = TokenDtype::kUint16;
  TokenizerMeta tokenizer;
  SplitMeta train, val;
  std::vector<SourceMeta> sources;
  std::uint64_t skipped_empty = 0;    // documents with no text (blank lines)
  std::uint64_t skipped_invalid = 0;  // records dropped by --on-invalid=skip
  nlohmann::json options;             // the options that shaped the output (split, seed, shard size, input)
  std::string created;                // UTC, ISO 8601; SOURCE_DATE_EPOCH is honoured for reproducible output
  std::string lmforge_version;

  const SplitMeta& split(Split s) const { return s == Split::kTrain ? train : val; }
};

nlohmann::json meta_to_json(const DatasetMeta& meta);
// RuntimeError naming `source` when a field is missing or has the wrong type.
DatasetMeta meta_from_json(const nlohmann::json& j, const std::string& source);
// Reads dir/meta.json; RuntimeError with a hint when the directory is not a prepared dataset.
DatasetMeta read_meta(const std::filesystem::path& dir);

}  // namespace lmforge::data
