#include <cstring>
#include <numeric>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/data/meta.h"
#include "lmforge/data/shard_writer.h"
#include "lmforge/data/token_dataset.h"
#include "test_util.h"

using namespace lmforge;
using namespace lmforge::data;
namespace fs = std::filesystem;
using lmforge::data::testing::read_bytes;
using lmforge::data::testing::TempDir;
using lmforge::data::testing::write_text;

namespace {

// Writes `tokens` as one split with a minimal meta.json, as prepare would.
DatasetMeta write_split(const fs::path& dir, const std::vector<int>& tokens, std::int64_t vocab,
                        std::uint64_t shard_tokens, std::size_t chunk = 7) {
  ShardWriter w(dir, Split::kTrain, {vocab, shard_tokens});
  for (std::size_t i = 0; i < tokens.size(); i += chunk) {
    w.append(tokens.data() + i, std::min(chunk, tokens.size() - i));
    w.end_document();
  }
  w.finish();
  DatasetMeta m;
  m.dtype = w.dtype();
  m.tokenizer.vocab_size = vocab;
  m.tokenizer.eos_id = 0;
  m.train.tokens = w.total_tokens();
  m.train.shards = w.shards();
  write_text(dir / kMetaFileName, meta_to_json(m).dump(2));
  return m;
}

std::vector<int> iota_tokens(std::size_t n, int modulo) {
  std::vector<int> t(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = static_cast<int>((i * 7919) % modulo);
  return t;
}

}  // namespace

TEST(ShardFormat, DtypeFollowsVocabulary) {
  EXPECT_EQ(dtype_for_vocab(259), TokenDtype::kUint16);
  EXPECT_EQ(dtype_for_vocab(65536), TokenDtype::kUint16);  // ids 0..65535 fit
  EXPECT_EQ(dtype_for_vocab(65537), TokenDtype::kUint32);
  EXPECT_THROW(dtype_for_vocab(0), RuntimeError);
  EXPECT_EQ(shard_file_name(Split::kValidation, 3), "val_00003.bin");
}

TEST(ShardFormat, HeaderIsLlmcCompatibleAndRoundTrips) {
  ShardHeader h;
  h.dtype = TokenDtype::kUint16;
  h.tokens = 123456;
  h.vocab_size = 8000;
  h.shard_index = 2;
  h.split = Split::kValidation;
  h.documents = 17;
  h.payload_xxh64 = 0x0123456789ABCDEFULL;
  const auto w = encode_header(h);
  EXPECT_EQ(w[0], 20240520);  // llm.c magic
  EXPECT_EQ(w[1], 1);         // llm.c version (uint16 tokens)
  EXPECT_EQ(w[2], 123456);
  const auto back = decode_header(w, "x.bin");
  EXPECT_EQ(back.tokens, h.tokens);
  EXPECT_EQ(back.vocab_size, 8000);
  EXPECT_EQ(back.shard_index, 2u);
  EXPECT_EQ(back.split, Split::kValidation);
  EXPECT_EQ(back.documents, 17u);
  EXPECT_EQ(back.payload_xxh64, h.payload_xxh64);

  h.dtype = TokenDtype::kUint32;
  const auto w32 = encode_header(h);
  EXPECT_EQ(w32[0], 20240801);
  EXPECT_EQ(w32[1], 7);
  EXPECT_EQ(decode_header(w32, "x.bin").dtype, TokenDtype::kUint32);

  auto bad = w;
  bad[0] = 12345;
  EXPECT_THROW(decode_header(bad, "x.bin"), RuntimeError);
  bad = w;
  bad[4] = 99;  // a future format version
  EXPECT_THROW(decode_header(bad, "x.bin"), RuntimeError);
}

TEST(ShardWriter, RoundTripUint16AcrossShards) {
  TempDir dir;
  const auto tokens = iota_tokens(1000, 259);
  const auto meta = write_split(dir.path(), tokens, 259, /*shard_tokens=*/300);
  ASSERT_EQ(meta.train.shards.size(), 4u);  // 300 + 300 + 300 + 100
  EXPECT_EQ(meta.train.shards[3].tokens, 100u);
  EXPECT_EQ(fs::file_size(dir / "train_00000.bin"), kShardHeaderBytes + 300 * 2);
  // Documents are counted in the shard that holds their last token: 1000/7 -> 143 documents.
  std::uint64_t docs = 0;
  for (const auto& s : meta.train.shards) docs += s.documents;
  EXPECT_EQ(docs, 143u);

  auto d = TokenDataset::open(dir.path(), Split::kTrain, /*verify_checksums=*/true);
  ASSERT_EQ(d.size(), tokens.size());
  std::vector<std::int32_t> all(tokens.size());
  d.read(0, all.size(), all.data());
  EXPECT_TRUE(std::equal(all.begin(), all.end(), tokens.begin()));
  std::vector<std::int64_t> across(50);
  d.read(280, 50, across.data());  // spans shards 0 and 1
  for (std::size_t i = 0; i < 50; ++i) EXPECT_EQ(across[i], tokens[280 + i]);
  EXPECT_EQ(d.at(999), static_cast<std::uint32_t>(tokens[999]));
  EXPECT_THROW(d.read(990, 11, all.data()), std::out_of_range);
}

TEST(ShardWriter, RoundTripUint32) {
  TempDir dir;
  const auto tokens = iota_tokens(500, 100000);  // ids above 65535
  const auto meta = write_split(dir.path(), tokens, 100000, 1000);
  EXPECT_EQ(meta.dtype, TokenDtype::kUint32);
  EXPECT_EQ(fs::file_size(dir / "train_00000.bin"), kShardHeaderBytes + 500 * 4);
  auto d = TokenDataset::open(dir.path(), Split::kTrain, true);
  std::vector<std::int64_t> all(500);
  d.read(0, 500, all.data());
  EXPECT_TRUE(std::equal(all.begin(), all.end(), tokens.begin()));
}

TEST(ShardWriter, IdOutsideVocabularyIsAnError) {
  TempDir dir;
  ShardWriter w(dir.path(), Split::kTrain, {100, 1000});
  const int bad[] = {5, 100};
  EXPECT_THROW(w.append(bad, 2), RuntimeError);
  const int negative[] = {-1};
  EXPECT_THROW(w.append(negative, 1), RuntimeError);
}

TEST(ShardWriter, ShardBoundaryExactlyAtDocumentEnd) {
  TempDir dir;
  ShardWriter w(dir.path(), Split::kTrain, {259, 10});
  std::vector<int> doc(10, 5);
  w.append(doc.data(), 10);
  w.end_document();
  w.append(doc.data(), 3);
  w.end_document();
  w.finish();
  ASSERT_EQ(w.shards().size(), 2u);
  EXPECT_EQ(w.shards()[0].documents, 1u);
  EXPECT_EQ(w.shards()[1].documents, 1u);
  EXPECT_EQ(w.shards()[1].tokens, 3u);
}

TEST(TokenDataset, TruncatedShardIsAClearError) {
  TempDir dir;
  write_split(dir.path(), iota_tokens(600, 259), 259, 300);
  fs::resize_file(dir / "train_00001.bin", kShardHeaderBytes + 100);
  try {
    TokenDataset::open(dir.path(), Split::kTrain);
    FAIL() << "expected an error";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("train_00001.bin"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  fs::resize_file(dir / "train_00001.bin", 10);  // shorter than the header
  EXPECT_THROW(TokenDataset::open(dir.path(), Split::kTrain), RuntimeError);
}

TEST(TokenDataset, CorruptPayloadIsCaughtByChecksum) {
  TempDir dir;
  write_split(dir.path(), iota_tokens(600, 259), 259, 300);
  auto bytes = read_bytes(dir / "train_00000.bin");
  bytes[kShardHeaderBytes + 10] ^= 0x01;
  write_text(dir / "train_00000.bin", bytes);
  EXPECT_NO_THROW(TokenDataset::open(dir.path(), Split::kTrain));  // sizes still agree
  EXPECT_THROW(TokenDataset::open(dir.path(), Split::kTrain, /*verify_checksums=*/true), RuntimeError);
  EXPECT_THROW(verify_dataset(dir.path()), RuntimeError);
}

TEST(TokenDataset, CorruptHeaderAndMissingFiles) {
  TempDir dir;
  write_split(dir.path(), iota_tokens(600, 259), 259, 300);
  auto bytes = read_bytes(dir / "train_00000.bin");
  std::memset(bytes.data(), 0, 4);  // magic
  write_text(dir / "train_00000.bin", bytes);
  EXPECT_THROW(TokenDataset::open(dir.path(), Split::kTrain), RuntimeError);
  fs::remove(dir / "train_00001.bin");
  EXPECT_THROW(TokenDataset::open(dir.path(), Split::kTrain), RuntimeError);
  EXPECT_THROW(TokenDataset::open(dir / "nowhere", Split::kTrain), RuntimeError);
  write_text(dir / kMetaFileName, "{not json");
  EXPECT_THROW(TokenDataset::open(dir.path(), Split::kTrain), RuntimeError);
}
